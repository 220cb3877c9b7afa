"""The photo page's pure parts: which images can be removed here, and the image origin the
Content-Security-Policy allows. (The page itself runs against the real system in
tests/browser/test_photo_upload.py.)"""

from __future__ import annotations

from ocop_portal.app import security_headers_for
from ocop_portal.producer.photo_upload import photos_of
from ocop_portal.settings import Settings

OURS = "http://127.0.0.1:8001/v1/media/products/p-1/ph-1/original.jpg"
OTHER_PRODUCTS = "http://127.0.0.1:8001/v1/media/products/p-2/ph-2/original.png"
ELSEWHERE = "https://htx.example.vn/anh/gao.jpg"


def test_only_this_products_own_photos_can_be_removed_and_each_shows_its_thumbnail():
    shown = photos_of({"id": "p-1", "images": [OURS, OTHER_PRODUCTS, ELSEWHERE]})

    assert [p["id"] for p in shown] == ["ph-1", None, None]
    assert shown[0]["thumb"] == OURS.replace("original.jpg", "thumb.webp")
    assert shown[1]["thumb"] == OTHER_PRODUCTS.replace("original.png", "thumb.webp")
    assert shown[2]["thumb"] == ELSEWHERE


def test_pages_may_show_images_from_where_photos_are_served():
    local = security_headers_for(Settings(registry_url="http://127.0.0.1:8001"))
    public = security_headers_for(
        Settings(
            media_public_url="https://ocop.example.gov.vn/", registry_url="http://registry:8000"
        )
    )

    assert "img-src 'self' https: data: http://127.0.0.1:8001;" in local["Content-Security-Policy"]
    assert "img-src 'self' https: data:;" in public["Content-Security-Policy"]
    assert "registry" not in public["Content-Security-Policy"]
