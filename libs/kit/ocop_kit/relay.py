"""`python -m ocop_kit.relay SERVICE...`: relay the outboxes of the named services."""

from __future__ import annotations

import argparse

from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase
from ocop_kit.logging import configure_logging
from ocop_kit.outbox import run_relay
from ocop_kit.settings import KitSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ocop_kit.relay")
    parser.add_argument("services", nargs="+")
    args = parser.parse_args(argv)
    settings = KitSettings()
    configure_logging("relay", settings.log_level)
    celery = make_celery("relay", settings)
    run_relay(
        [ServiceDatabase(s, settings) for s in args.services],
        celery,
        settings.relay_poll_seconds,
        redeliver_after_seconds=settings.visibility_timeout_seconds,
    )


if __name__ == "__main__":
    main()
