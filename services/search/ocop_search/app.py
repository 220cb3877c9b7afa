"""HTTP API of the Search service (it only reads the index; the worker writes it)."""

from fastapi import FastAPI

from ocop_kit.app import create_service_app
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase
from ocop_kit.service_cli import migrations_dir
from ocop_search import SERVICE
from ocop_search.engines import open_engine
from ocop_search.search.api import router as search_router
from ocop_search.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = ServiceDatabase(SERVICE, settings)
    app = create_service_app(
        service=SERVICE,
        title="OCOP Hub — Search",
        description="Vietnamese product search on Meilisearch or the embedded Tantivy engine",
        settings=settings,
        db=db,
        celery=make_celery(SERVICE, settings, db),
        migrations_dir=migrations_dir("ocop_search"),
        routers=[search_router],
        readiness_checks={"search engine": lambda app: app.state.search_engine.count()},
    )
    app.state.search_engine = open_engine(settings, writer=False)
    return app
