"""HTTP API of the Registry service."""

import logging

from fastapi import FastAPI

from ocop_kit.app import create_service_app
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase
from ocop_kit.media import open_media_store
from ocop_kit.revocation import TokenVersions
from ocop_kit.service_cli import migrations_dir
from ocop_registry import SERVICE
from ocop_registry.accounts.api import router as accounts_router
from ocop_registry.accounts.service import ensure_bootstrap_admin, publish_token_versions
from ocop_registry.catalog.api import router as catalog_router
from ocop_registry.duplicates.api import router as duplicates_router
from ocop_registry.imports.api import router as imports_router
from ocop_registry.notifications.api import router as notifications_router
from ocop_registry.photos.api import router as photos_router
from ocop_registry.producers.api import router as producers_router
from ocop_registry.products.api import router as products_router
from ocop_registry.settings import Settings, get_settings
from ocop_registry.stats.api import router as stats_router

log = logging.getLogger(__name__)


def start_accounts(db: ServiceDatabase, settings: Settings) -> None:
    ensure_bootstrap_admin(db, settings)
    publish_token_versions(db, TokenVersions(settings))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = ServiceDatabase(SERVICE, settings)
    app = create_service_app(
        service=SERVICE,
        title="OCOP Hub — Registry",
        description=(
            "producers, products, certificates, administrative units, imports and statistics"
        ),
        settings=settings,
        db=db,
        celery=make_celery(SERVICE, settings, db),
        migrations_dir=migrations_dir("ocop_registry"),
        on_startup=lambda: start_accounts(db, settings),
        routers=[
            accounts_router,
            catalog_router,
            producers_router,
            products_router,
            duplicates_router,
            imports_router,
            stats_router,
            notifications_router,
            photos_router,
        ],
    )
    app.state.media = open_media_store(settings, settings.data_dir)
    if settings.environment == "production" and not settings.media_public_url:
        log.warning(
            "OCOP_MEDIA_PUBLIC_URL is not set: photo addresses will name the registry's own "
            "listen address (%s), which shoppers and marketplaces cannot reach",
            settings.media_base_url,
        )
    return app
