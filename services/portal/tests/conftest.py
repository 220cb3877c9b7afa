"""Fixtures of the portal's own rendering tests.

THESE TESTS USE STUB BACKENDS: the other services are replaced by small in-test HTTP handlers
(httpx.MockTransport) that answer with bodies shaped as docs/API.md says. They check only the
portal's own logic — rendering, language, sign-in, forms, error pages, its own target table. The
proof that the portal works with the real services is the browser suite in tests/browser/.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ocop_kit.auth import issue_token
from ocop_portal.app import create_app
from ocop_portal.settings import Settings

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class StubBackends:
    """Answers by (service, method, path); every request is recorded for assertions."""

    routes: dict[tuple[str, str, str], Handler] = field(default_factory=dict)
    seen: list[httpx.Request] = field(default_factory=list)
    down: set[str] = field(default_factory=set)

    def on(self, service: str, method: str, path: str, body: Any = None, status: int = 200) -> None:
        def answer(_: httpx.Request) -> httpx.Response:
            return httpx.Response(status, json=body)

        self.routes[(service, method, path)] = answer

    def handler(self, service: str, method: str, path: str, handler: Handler) -> None:
        self.routes[(service, method, path)] = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        service = request.url.host.removesuffix(".stub")
        if service in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        handler = self.routes.get((service, request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, json={"title": "Không tìm thấy", "title_en": "Not found"})
        return handler(request)

    def requests_to(self, service: str, path: str) -> list[httpx.Request]:
        return [r for r in self.seen if r.url.host == f"{service}.stub" and r.url.path == path]

    def last_json(self, service: str, path: str) -> Any:
        return json.loads(self.requests_to(service, path)[-1].content)


@pytest.fixture
def stubs() -> StubBackends:
    return StubBackends()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        registry_url="http://registry.stub",
        evaluation_url="http://evaluation.stub",
        marketplace_sync_url="http://marketplace_sync.stub",
        search_url="http://search.stub",
        secret_key="portal-test-signing-key-of-enough-length-0123456789",
        dev_sign_in=True,
    )


@pytest.fixture
def client(settings: Settings, stubs: StubBackends) -> Iterator[TestClient]:
    app = create_app(settings, transport=httpx.MockTransport(stubs))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def sign_in(client: TestClient, settings: Settings) -> Callable[..., str]:
    """Put a token for `role` in the client's cookie, as the sign-in form does."""

    def as_role(role: str, **scope: Any) -> str:
        token = issue_token(settings, role, **scope)  # type: ignore[arg-type]
        client.cookies.set("ocop_token", token)
        return token

    return as_role
