"""Every write of every service's API refuses a caller without a token (401) before it looks at
the request. The list comes from each service's own OpenAPI, so a new write endpoint is checked
the day it is added."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from test_openapi_fuzz import APPS

# Writes that are public on purpose.
PUBLIC_WRITES = {
    ("registry", "POST", "/v1/auth/token"),
    # Sets a new password with the one-time code an administrator issued: the code is the key.
    ("registry", "POST", "/v1/auth/password-reset"),
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def writes(service: str) -> list[tuple[str, str]]:
    app, _ = APPS[service]
    paths: dict[str, Any] = app.openapi()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in WRITE_METHODS and (service, method.upper(), path) not in PUBLIC_WRITES
    ]


@pytest.mark.parametrize("service", ["registry", "evaluation", "marketplace_sync", "search"])
def test_every_write_needs_a_token(service: str) -> None:
    app, _ = APPS[service]
    client = TestClient(app)
    answered = {}
    for method, path in writes(service):
        url = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
        answered[f"{method} {path}"] = client.request(method, url, json={}).status_code
    assert answered, "no write endpoints found"
    assert {k: v for k, v in answered.items() if v != 401} == {}
