"""Every service's migrations build exactly the tables its models declare, on SQLite and on
PostgreSQL (each service in its own schema): no drift between models and migration history."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import ocop_kit.tables  # noqa: F401  (registers the kit's tables)
from ocop_kit.db import KitBase, ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_kit.settings import KitSettings

SERVICES = ("registry", "evaluation", "marketplace_sync", "search", "portal")


def drift(db: ServiceDatabase, service: str) -> list[object]:
    importlib.import_module(f"ocop_{service}.models")
    base = importlib.import_module(f"ocop_{service}.database").Base
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, [KitBase.metadata, base.metadata]))


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models_on_sqlite(service, tmp_path):
    db = ServiceDatabase(service, KitSettings(data_dir=tmp_path))
    run_migrations(db, migrations_dir(f"ocop_{service}"))
    assert drift(db, service) == []


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models_on_postgres(service, tmp_path, postgres_url):
    db = ServiceDatabase(service, KitSettings(data_dir=tmp_path, database_url=postgres_url))
    run_migrations(db, migrations_dir(f"ocop_{service}"))
    assert drift(db, service) == []
    db.dispose()
