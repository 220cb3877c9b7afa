"""Browser tests: headless Chromium (Debian's `chromium`) driven by Playwright, against the real
system started with `ocop up` and data created through the services' real HTTP APIs.

Where Chromium or Playwright is missing the tests skip with the reason, except under CI=true where
that is a failure (`make browser-deps` installs Chromium). Screenshots go to
`test-artifacts/browser/` at the repository root.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocop_kit.testing import System, start_system, wait_for

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


ADMIN_PASSWORD = "mật khẩu quản trị thử nghiệm"


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required for the browser tests under CI=true")
    pytest.skip(f"{what} is not available; run `make browser-deps`")


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("OCOP_CHROMIUM"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        _missing("Chromium (Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright (PyPI package `playwright`)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The whole system on the embedded default (SQLite, embedded broker, Tantivy), with the
    first administrator's account."""
    env = {"OCOP_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD, "OCOP_DEV_SIGN_IN": "1"}
    with start_system(tmp_path_factory.mktemp("ocop-browser"), env) as running:
        yield running


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) per test; a screenshot of the last page is kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        opened.screenshot(path=str(ARTIFACTS / f"{name}-last.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def shot() -> Callable[[Any, str], None]:
    """Save a named screenshot of a page under test-artifacts/browser/."""

    def save(page: Any, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return save


def unlabelled_controls(page: Any) -> list[str]:
    """Form controls a screen reader could not name (no label, aria-label or aria-labelledby)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden')
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby'))
            .map(el => el.outerHTML.slice(0, 120))"""
    )


@pytest.fixture
def check_labels() -> Callable[[Any], None]:
    def check(page: Any) -> None:
        assert unlabelled_controls(page) == []

    return check


def sign_in(
    page: Any,
    portal: str,
    role: str,
    name: str = "",
    province_code: str = "",
    producer_id: str = "",
) -> None:
    """Sign in through the portal's development sign-in form, as a person would."""
    page.goto(f"{portal}/sign-in")
    # The other ways to sign in are tucked away under a summary: open it as a person would.
    if not page.locator("#other-ways").evaluate("details => details.open"):
        page.click("#other-ways > summary")
    page.select_option("#dev-role", role)
    # A council member is chosen by name from the sessions' seats (`name` is the seat's id).
    if (
        role == "council_member"
        and name
        and page.locator(f"#dev-member option[value='{name}']").count()
    ):
        page.select_option("#dev-member", name)
    elif name:
        page.fill("#dev-name", name)
    if province_code:
        page.fill("#dev-province", province_code)
    if producer_id:
        page.fill("#dev-producer", producer_id)
    page.click("#dev-sign-in button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def signed_in() -> Callable[..., None]:
    return sign_in


class Catalog:
    """Creates producers and products through the registry's real API (as an admin)."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.registry = system.client("registry", "admin")

    def producer(self, name: str, legacy: str, kind: str = "cooperative") -> dict[str, Any]:
        response = self.registry.post(
            "/v1/producers", json={"name": name, "kind": kind, "address": {"legacy": legacy}}
        )
        assert response.status_code == 201, response.text
        return response.json()

    def product(self, producer_id: str, name: str, **fields: Any) -> dict[str, Any]:
        # Tests share one system and some name look-alikes on purpose (close matches): each is
        # a product of its own, so the registry's duplicate question is answered up front.
        body = {
            "producer_id": producer_id,
            "name": name,
            "group": "thuc_pham",
            "confirm_not_duplicate": True,
            **fields,
        }
        response = self.registry.post("/v1/products", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def certify(self, product_id: str, stars: int, days_ago: int = 30) -> dict[str, Any]:
        response = self.registry.post(
            f"/v1/products/{product_id}/certificate",
            json={
                "stars": stars,
                "level": "provincial",
                "decision_no": f"{100 + stars}/QĐ-UBND",
                "recognised_on": (date.today() - timedelta(days=days_ago)).isoformat(),
            },
        )
        assert response.status_code == 201, response.text
        return response.json()

    def wait_searchable(self, product_id: str, query: str, timeout: float = 60.0) -> None:
        search = self.system.client("search")

        def found() -> bool:
            answer = search.get("/v1/search", params={"q": query, "limit": 50})
            return answer.status_code == 200 and any(
                hit.get("id") == product_id for hit in answer.json().get("hits", [])
            )

        wait_for(found, timeout=timeout, interval=0.5, message=f"search to index {product_id}")


@pytest.fixture(scope="session")
def catalog(system: System) -> Catalog:
    return Catalog(system)


@pytest.fixture(scope="session")
def certified_product(catalog: Catalog) -> dict[str, Any]:
    """A 4★ fish sauce from Hải Hậu (pre-2025 Nam Định), sold on Postmart, indexed by search."""
    producer = catalog.producer(
        "Hợp tác xã Nước mắm Hải Đông", "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"
    )
    product = catalog.product(
        producer["id"],
        "Nước mắm cá cơm Hải Đông",
        description="Nước mắm truyền thống ủ chượp 12 tháng",
        price_vnd=85000,
        unit="chai 500 ml",
        certifications=[{"scheme": "VietGAP", "number": "VG-2025-001"}],
        channels=["provincial", "postmart"],
        weight_grams=600,
        # An image the portal itself serves: the browser tests reach no other host.
        images=[f"{catalog.system.urls['portal']}/static/no-photo.svg"],
    )
    catalog.certify(product["id"], stars=4)
    catalog.wait_searchable(product["id"], "nuoc mam hai dong")
    return {**product, "producer": producer}


def retry_until(
    call: Callable[[], httpx.Response], ok: int, timeout: float = 60.0
) -> httpx.Response:
    """Repeat a call while another service's read model catches up (events are asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        response = call()
        if response.status_code == ok or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


@pytest.fixture
def retry() -> Callable[..., httpx.Response]:
    return retry_until
