"""A producer adds and removes its product's photos in the portal (desktop), and an officer adds
one on a phone (390 px): the photo goes to the registry, its thumbnail shows (served by the
registry, allowed by the portal's Content-Security-Policy), and a wrong file is refused with the
registry's own bilingual reason."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from PIL import Image


def photo_file(path: Path, fmt: str, colour: tuple[int, int, int]) -> Path:
    image = Image.new("RGB", (900, 700), colour)
    image.paste((250, 240, 220), (100, 100, 400, 300))
    metadata = Image.Exif()
    metadata[0x010F] = "PhoneCam"  # camera make: must not survive
    image.save(path, format=fmt, exif=metadata.tobytes())
    return path


def image_shown(page: Any, selector: str) -> bool:
    """The browser fetched and decoded the image (a blocked or missing one has no width)."""
    return bool(page.locator(selector).evaluate("img => img.complete && img.naturalWidth > 0"))


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_producer_adds_and_removes_a_photo_and_a_wrong_file_is_refused(
    page: Any,
    system: Any,
    catalog: Any,
    signed_in: Any,
    shot: Any,
    check_labels: Any,
    tmp_path: Path,
) -> None:
    portal = system.urls["portal"]
    producer = catalog.producer(
        "HTX Mật ong Lục Ngạn", "Xã Hồng Giang, Huyện Lục Ngạn, Tỉnh Bắc Giang", kind="cooperative"
    )
    product = catalog.product(producer["id"], "Mật ong rừng Lục Ngạn")

    signed_in(page, portal, "producer", name="chu-the", producer_id=producer["id"])
    page.goto(f"{portal}/my-products")
    page.click(f"a[href='/my-products/{product['id']}/photos']")
    check_labels(page)
    assert page.locator("#no-photos").count() == 1
    assert image_shown(page, "#no-photos img")

    page.set_input_files(
        "#photo-file", str(photo_file(tmp_path / "mat-ong.jpg", "JPEG", (200, 150, 40)))
    )
    page.click("#photo-upload button[type=submit]")
    page.wait_for_url(f"**/my-products/{product['id']}/photos?done=added")
    assert page.locator("#photo-list li").count() == 1
    page.wait_for_function("document.querySelector('#photo-list img').complete")
    assert image_shown(page, "#photo-list img")
    [url] = catalog.registry.get(f"/v1/products/{product['id']}").json()["images"]
    thumb = page.locator("#photo-list img").get_attribute("src")
    assert thumb == url.replace("/original.jpg", "/thumb.webp")
    stored = Image.open(io.BytesIO(catalog.registry.get(url).content))
    assert dict(stored.getexif()) == {}
    shot(page, "photos-producer-desktop")

    not_a_photo = tmp_path / "giay-chung-nhan.jpg"
    not_a_photo.write_bytes(b"%PDF-1.7 a certificate, not a photo")
    page.set_input_files("#photo-file", str(not_a_photo))
    page.click("#photo-upload button[type=submit]")
    error = page.locator("#photo-error")
    assert "Chỉ nhận ảnh JPEG, PNG hoặc WebP" in error.inner_text()
    assert page.locator("#photo-list li").count() == 1
    shot(page, "photos-refused-desktop")

    page.click("#photo-list .photo-remove button")
    page.wait_for_url(f"**/my-products/{product['id']}/photos?done=removed")
    assert page.locator("#no-photos").count() == 1
    assert catalog.registry.get(f"/v1/products/{product['id']}").json()["images"] == []
    assert catalog.registry.get(url).status_code == 404


def test_an_officer_adds_a_photo_on_a_phone(
    browser: Any, system: Any, catalog: Any, signed_in: Any, shot: Any, tmp_path: Path
) -> None:
    portal = system.urls["portal"]
    producer = catalog.producer(
        "HTX Chè Tân Cương", "Xã Tân Cương, Thành phố Thái Nguyên, Tỉnh Thái Nguyên"
    )
    product = catalog.product(producer["id"], "Chè búp Tân Cương thượng hạng")
    province = producer["address"]["province_code"]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="vi-VN"
    )
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        signed_in(phone, portal, "province_officer", name="can-bo", province_code=province)
        phone.goto(f"{portal}/my-products?producer_id={producer['id']}")
        phone.click(f"a[href='/my-products/{product['id']}/photos']")
        phone.set_input_files(
            "#photo-file", str(photo_file(tmp_path / "che.png", "PNG", (60, 120, 60)))
        )
        phone.click("#photo-upload button[type=submit]")
        phone.wait_for_url(f"**/my-products/{product['id']}/photos?done=added")
        phone.wait_for_function("document.querySelector('#photo-list img').complete")
        assert image_shown(phone, "#photo-list img")
        assert fits_the_screen(phone)
        assert phone.locator("#photo-done").is_visible()
        shot(phone, "photos-officer-390px")
        [url] = catalog.registry.get(f"/v1/products/{product['id']}").json()["images"]
        assert url.endswith("/original.png")
    finally:
        context.close()


def test_the_photo_page_passes_axe_wcag_aa(
    browser: Any, system: Any, catalog: Any, signed_in: Any, tmp_path: Path
) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from test_accessibility import violations

    portal = system.urls["portal"]
    producer = catalog.producer(
        "HTX Gốm Bát Tràng Xanh", "Xã Bát Tràng, Huyện Gia Lâm, Thành phố Hà Nội"
    )
    empty = catalog.product(producer["id"], "Bình gốm men ngọc Bát Tràng")
    with_photo = catalog.product(producer["id"], "Đĩa gốm vẽ lam Bát Tràng")
    photo = photo_file(tmp_path / "dia.webp", "WEBP", (40, 80, 150))
    answer = catalog.registry.post(
        f"/v1/products/{with_photo['id']}/photos",
        files={"file": (photo.name, photo.read_bytes(), "image/webp")},
    )
    assert answer.status_code == 201, answer.text
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        audit = context.new_page()
        signed_in(audit, portal, "admin", name="quan-tri")
        found = {}
        for product in (empty, with_photo):
            path = f"/my-products/{product['id']}/photos"
            audit.goto(portal + path)
            found[path] = violations(audit)
        assert {path: v for path, v in found.items() if v} == {}
    finally:
        context.close()
