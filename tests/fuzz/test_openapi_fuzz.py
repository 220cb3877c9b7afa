"""Schemathesis against every service's OpenAPI: no input gives a 5xx, and every error is an
RFC 9457 problem document. Each service runs in-process on the embedded default (SQLite in a
temporary folder, migrated), called as an admin so writes are exercised past authentication.
The portal's HTML pages are fuzzed for the first rule only."""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from ocop_kit.auth import issue_token
from ocop_kit.db import run_migrations
from ocop_kit.service_cli import migrations_dir

SERVICES = ("registry", "evaluation", "marketplace_sync", "search", "portal")
DATA_DIR = Path(tempfile.mkdtemp(prefix="ocop-fuzz-"))
SECRET = "fuzz-signing-key-long-enough-for-hs256-0123456789"


def load(service: str) -> tuple[Any, dict[str, str]]:
    package = f"ocop_{service}"
    app_module = importlib.import_module(f"{package}.app")
    settings_module = importlib.import_module(f"{package}.settings")
    service_settings = settings_module.Settings(data_dir=DATA_DIR / service, secret_key=SECRET)
    app = app_module.create_app(service_settings)
    run_migrations(app.state.db, migrations_dir(package))
    token = issue_token(service_settings, "admin", subject="fuzzer")
    return app, {"Authorization": f"Bearer {token}"}


APPS = {service: load(service) for service in SERVICES}
SCHEMAS = {
    service: schemathesis.openapi.from_asgi("/openapi.json", app)
    for service, (app, _) in APPS.items()
}
FUZZ = settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def check(service: str, case: Any) -> None:
    _, headers = APPS[service]
    response = case.call(headers=headers)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:500]}"
    )
    if response.status_code >= 400 and service != "portal":
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/problem+json"), (
            f"{case.method} {case.formatted_path} → {response.status_code}: not a problem"
        )
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["title"] and problem["title_en"]


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_no_input_breaks_a_service(service: str) -> None:
    schema = SCHEMAS[service]
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            check(service, case)

        try:
            fuzz()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert failures == []
