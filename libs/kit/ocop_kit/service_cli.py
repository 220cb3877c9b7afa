"""`python -m ocop_<service> api|worker|migrate|makemigration`: how every service is started.

By convention a service package `ocop_x` has `ocop_x.app:create_app`, `ocop_x.worker:celery`,
`ocop_x.settings:get_settings`, and its Alembic scripts in `migrations/` beside the package.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from ocop_contracts import jobs_queue_for, queue_for
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.logging import configure_logging
from ocop_kit.settings import KitSettings


def migrations_dir(package: str) -> Path:
    module = importlib.import_module(package)
    return Path(str(module.__file__)).resolve().parent.parent / "migrations"


def main(service: str, package: str, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    sub = parser.add_subparsers(dest="command", required=True)
    api = sub.add_parser("api", help="serve the HTTP API")
    api.add_argument("--host", help="listen address (default: OCOP_LISTEN_HOST, else 127.0.0.1)")
    api.add_argument("--port", type=int, required=True)
    worker = sub.add_parser("worker", help="consume this service's queue")
    worker.add_argument(
        "--jobs", action="store_true", help="consume the service's long jobs instead (imports)"
    )
    sub.add_parser("migrate", help="bring the database to the newest revision")
    make = sub.add_parser("makemigration", help="autogenerate a migration from the models")
    make.add_argument("message")
    args = parser.parse_args(argv)
    if args.command == "api":
        # Settings read them: the portal refuses dev sign-in beyond loopback and builds its
        # links from its own address where no public one is configured.
        if args.host:
            os.environ["OCOP_LISTEN_HOST"] = args.host
        os.environ["OCOP_LISTEN_PORT"] = str(args.port)

    get_settings: Callable[[], KitSettings] = importlib.import_module(
        f"{package}.settings"
    ).get_settings
    settings = get_settings()
    configure_logging(service, settings.log_level)
    if args.command == "api":
        import uvicorn

        uvicorn.run(
            f"{package}.app:create_app",
            factory=True,
            host=settings.listen_host,
            port=settings.listen_port,
            log_config=None,
            access_log=False,
            timeout_keep_alive=settings.keep_alive_seconds,
            # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1, letting any local
            # client pick the address the sign-in throttle counts.
            proxy_headers=bool(settings.forwarded_allow_ips),
            forwarded_allow_ips=settings.forwarded_allow_ips or None,
        )
    elif args.command == "worker":
        run_migrations(ServiceDatabase(service, settings), migrations_dir(package))
        celery: Any = importlib.import_module(f"{package}.worker").celery
        pool = "threads" if settings.worker_concurrency > 1 else "solo"
        celery.worker_main(
            [
                "worker",
                "--queues",
                jobs_queue_for(service) if args.jobs else queue_for(service),
                "--pool",
                pool,
                "--concurrency",
                str(settings.worker_concurrency),
                "--hostname",
                f"{service}-jobs@%h" if args.jobs else f"{service}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                settings.log_level,
            ]
        )
    elif args.command == "migrate":
        run_migrations(ServiceDatabase(service, settings), migrations_dir(package))
    elif args.command == "makemigration":
        db = ServiceDatabase(service, settings)
        run_migrations(db, migrations_dir(package))
        config = Config()
        config.set_main_option("script_location", str(migrations_dir(package)))
        config.attributes["engine"] = db.engine
        command.revision(config, message=args.message, autogenerate=True)
