"""Demo data: the demo sheet is imported through the registry's public import API, then each
product gets its own picture (shipped in `demo/photos/`) through the registry's photo upload, so
the pictures land in the configured media store like any producer's photo. Nothing is fetched
from outside."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path
from typing import Any

import httpx

from ocop_kit.auth import issue_token
from ocop_kit.settings import KitSettings

DEMO_DIR = Path(__file__).parent / "demo"
DEMO_SHEET = DEMO_DIR / "ocop-demo.csv"
DEMO_PHOTOS = DEMO_DIR / "photos"


def demo_photo_name(product_name: str) -> str:
    """The file of a demo product's picture: its name folded to ASCII, `-` between words."""
    folded = unicodedata.normalize("NFD", product_name.lower().replace("đ", "d"))
    ascii_name = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-") + ".webp"


def load_demo(data_dir: Path, urls: dict[str, str], timeout: float = 120.0) -> str:
    """Import the demo sheet once per data dir, then its pictures; returns what happened."""
    marker = data_dir / "demo-loaded"
    if marker.exists():
        return "Demo data: already loaded."
    if not DEMO_SHEET.exists():
        return "Demo data: none shipped yet."
    token = issue_token(KitSettings(data_dir=data_dir), "admin", subject="demo-loader")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=urls["registry"], headers=headers, timeout=30.0) as client:
        response = client.post(
            "/v1/imports", files={"file": (DEMO_SHEET.name, DEMO_SHEET.read_bytes(), "text/csv")}
        )
        if response.status_code == 404:
            return "Demo data: the registry has no import endpoint yet."
        response.raise_for_status()
        import_id = response.json()["id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = client.get(f"/v1/imports/{import_id}").json()
            if status["status"] in ("done", "completed", "failed"):
                photos = upload_demo_photos(client)
                marker.write_text(import_id)
                return (
                    f"Demo data: {status['rows_imported']} of {status['rows_total']} rows "
                    f"imported ({len(status['errors'])} errors), {photos} pictures added."
                )
            time.sleep(0.5)
    return "Demo data: the import is still running; see GET /v1/imports/" + import_id


def demo_products(client: httpx.Client) -> list[dict[str, Any]]:
    """Every product the registry holds (the demo loader's admin token sees them all)."""
    products: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/products", params=params).raise_for_status().json()
        products.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return products


def upload_demo_photos(client: httpx.Client) -> int:
    """Give each demo product without a picture its own; returns how many were added."""
    added = 0
    for product in demo_products(client):
        picture = DEMO_PHOTOS / demo_photo_name(product["name"])
        if product.get("images") or not picture.exists():
            continue
        response = client.post(
            f"/v1/products/{product['id']}/photos",
            files={"file": (picture.name, picture.read_bytes(), "image/webp")},
        )
        response.raise_for_status()
        added += 1
    return added
