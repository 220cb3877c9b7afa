"""`python -m ocop_search api|worker|migrate|makemigration|reindex`."""

import argparse
import sys


def reindex(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m ocop_search reindex")
    parser.add_argument(
        "--here",
        action="store_true",
        help="rebuild in this process (only when no search worker is running: the worker "
        "holds the index's one writer); by default the worker is asked to do it",
    )
    args = parser.parse_args(argv)
    from ocop_kit.logging import configure_logging
    from ocop_search.settings import get_settings

    settings = get_settings()
    configure_logging("search", settings.log_level)
    if args.here:
        from ocop_kit.db import ServiceDatabase, run_migrations
        from ocop_kit.service_cli import migrations_dir
        from ocop_search.engines import open_engine
        from ocop_search.indexing import reindex_from_registry

        db = ServiceDatabase("search", settings)
        run_migrations(db, migrations_dir("ocop_search"))
        engine = open_engine(settings, writer=True)
        engine.prepare()
        try:
            count = reindex_from_registry(engine, db, settings)
        finally:
            engine.close()
        print(f"search index rebuilt: {count} products")
    else:
        from ocop_kit.celery_app import make_celery
        from ocop_search.search.api import REINDEX_TASK

        result = make_celery("search", settings).send_task(REINDEX_TASK, queue="search")
        print(f"reindex sent to the search worker (task {result.id})")


if len(sys.argv) > 1 and sys.argv[1] == "reindex":
    reindex(sys.argv[2:])
else:
    from ocop_kit.service_cli import main

    main("search", "ocop_search")
