"""A producer's photo travels: uploaded to the registry, it is in the product, in the search
hit's image, and on the marketplace listings (the simulator's), as the same absolute address that
anyone can fetch; the demo's pictures arrive the same way. Runs on Redis + PostgreSQL and on the
embedded default."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import httpx
from PIL import Image

from ocop_cli.demo import demo_products, load_demo, upload_demo_photos
from ocop_kit.media import thumbnail_url
from ocop_kit.testing import System, wait_for

CHANNELS = ["shopee", "lazada", "tiki", "provincial"]


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 640), colour).save(out, format="JPEG")
    return out.getvalue()


def listed_images(system: System, product_id: str) -> dict[str, list[str]]:
    rows = httpx.get(f"{system.urls['simulator']}/_sim/listings").json()
    return {row["channel"]: row["images"] for row in rows if row["sku"] == product_id}


def test_an_uploaded_photo_reaches_the_product_search_and_every_marketplace_listing(
    system: System,
):
    with system.client("registry", "admin") as admin:
        producer = ok(
            admin.post(
                "/v1/producers",
                json={
                    "name": "HTX Mật ong Lục Ngạn",
                    "kind": "cooperative",
                    "address": {"legacy": "Xã Hồng Giang, Huyện Lục Ngạn, Tỉnh Bắc Giang"},
                },
            ),
            201,
        )
        product = ok(
            admin.post(
                "/v1/products",
                json={
                    "producer_id": producer["id"],
                    "name": "Mật ong hoa vải Lục Ngạn",
                    "group": "thuc_pham",
                    "description": "Mật ong hoa vải nguyên chất",
                    "price_vnd": 180_000,
                    "unit": "chai 500 ml",
                    "weight_grams": 700,
                    "channels": CHANNELS,
                },
            ),
            201,
        )
    with system.client("registry", "producer", producer_id=producer["id"]) as own:
        photo = ok(
            own.post(
                f"/v1/products/{product['id']}/photos",
                files={"file": ("mat-ong.jpg", jpeg((200, 140, 30)), "image/jpeg")},
            ),
            201,
        )
    registry_base = system.urls["registry"]
    assert photo["url"].startswith(f"{registry_base}/v1/media/products/{product['id']}/")

    province = product["address"]["province_code"]
    with system.client("registry", "province_officer", province_code=province) as officer:
        ok(
            officer.post(
                f"/v1/products/{product['id']}/certificate",
                json={
                    "stars": 4,
                    "level": "provincial",
                    "decision_no": "12/QĐ-UBND",
                    "recognised_on": (date.today() - timedelta(days=10)).isoformat(),
                },
            ),
            201,
        )

    wait_for(
        lambda: listed_images(system, product["id"]).keys() == set(CHANNELS),
        timeout=60,
        message="the product to be listed on every channel",
    )
    assert listed_images(system, product["id"]) == {c: [photo["url"]] for c in CHANNELS}

    def hit() -> dict[str, Any] | None:
        hits = httpx.get(
            f"{system.urls['search']}/v1/search", params={"q": "Mật ong hoa vải"}
        ).json()["hits"]
        return next((h for h in hits if h["id"] == product["id"]), None)

    wait_for(hit, timeout=30, message="search to find the product")
    found = hit()
    assert found is not None and found["image"] == photo["url"]

    # A second photo updates every listing with both, first one first.
    with system.client("registry", "producer", producer_id=producer["id"]) as own:
        second = ok(
            own.post(
                f"/v1/products/{product['id']}/photos",
                files={"file": ("hop.webp", jpeg((40, 90, 160)), "image/webp")},
            ),
            201,
        )
    both = [photo["url"], second["url"]]
    wait_for(
        lambda: listed_images(system, product["id"]) == {c: both for c in CHANNELS},
        timeout=60,
        message="the listings to carry both photos",
    )

    # What the marketplaces were given is fetchable by anyone, and so are its thumbnails.
    for url in (photo["url"], thumbnail_url(photo["url"]), thumbnail_url(second["url"], "medium")):
        answer = httpx.get(url)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert Image.open(io.BytesIO(answer.content)).size[0] > 0


def test_the_demo_brings_its_own_pictures_through_the_media_store(system: System):
    line = load_demo(system.data_dir, system.urls)

    with system.client("registry", "admin") as admin:
        products = demo_products(admin)
    assert products and f"{len(products)} pictures added" in line, line
    media = f"{system.urls['registry']}/v1/media/products/"
    for product in products:
        [url] = product["images"]
        assert url.startswith(media + product["id"] + "/") and url.endswith("/original.webp")
    thumb = httpx.get(thumbnail_url(products[0]["images"][0]))
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).size == (320, 320)
    # Loading again adds nothing.
    (system.data_dir / "demo-loaded").unlink()
    with system.client("registry", "admin") as admin:
        assert upload_demo_photos(admin) == 0
