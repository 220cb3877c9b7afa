"""HTTP API of the Marketplace sync service."""

from fastapi import FastAPI

from ocop_kit.app import create_service_app
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase
from ocop_kit.service_cli import migrations_dir
from ocop_marketplace_sync import SERVICE
from ocop_marketplace_sync.listings.api import router as listings_router
from ocop_marketplace_sync.listings.metrics import SyncCollector
from ocop_marketplace_sync.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = ServiceDatabase(SERVICE, settings)
    return create_service_app(
        service=SERVICE,
        title="OCOP Hub — Marketplace sync",
        description="channels, listings, adapters, rate limits and reconciliation",
        settings=settings,
        db=db,
        celery=make_celery(SERVICE, settings, db),
        migrations_dir=migrations_dir("ocop_marketplace_sync"),
        routers=[listings_router],
        collectors=[SyncCollector(db)],
    )
