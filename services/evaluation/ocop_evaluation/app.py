"""HTTP API of the Evaluation service."""

from fastapi import FastAPI

from ocop_evaluation import SERVICE
from ocop_evaluation.criteria.api import router as criteria_router
from ocop_evaluation.products.api import router as due_router
from ocop_evaluation.sessions.api import router as sessions_router
from ocop_evaluation.settings import Settings, get_settings
from ocop_kit.app import create_service_app
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase
from ocop_kit.service_cli import migrations_dir


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = ServiceDatabase(SERVICE, settings)
    return create_service_app(
        service=SERVICE,
        title="OCOP Hub — Evaluation",
        description="criteria sets, council sessions, score sheets and star decisions",
        settings=settings,
        db=db,
        celery=make_celery(SERVICE, settings, db),
        migrations_dir=migrations_dir("ocop_evaluation"),
        routers=[criteria_router, sessions_router, due_router],
    )
