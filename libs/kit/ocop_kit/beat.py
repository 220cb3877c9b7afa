"""`python -m ocop_kit.beat`: the one scheduler, sending ocop_contracts.SCHEDULE's jobs."""

from __future__ import annotations

from ocop_contracts import SCHEDULE
from ocop_kit.celery_app import make_celery
from ocop_kit.logging import configure_logging
from ocop_kit.settings import KitSettings


def main() -> None:
    settings = KitSettings()
    configure_logging("beat", settings.log_level)
    celery = make_celery("beat", settings)
    celery.conf.beat_schedule = {
        job.task: {
            "task": job.task,
            "schedule": job.every_seconds,
            "options": {"queue": job.service},
        }
        for job in SCHEDULE
    }
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    schedule_file = str((settings.data_dir / "beat-schedule").resolve())
    celery.Beat(schedule=schedule_file, loglevel=settings.log_level).run()


if __name__ == "__main__":
    main()
