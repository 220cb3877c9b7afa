"""Product photos through the Registry API against PostgreSQL and the file media store."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text

from ocop_kit.media import thumbnail_url

from .conftest import HA_NOI, NINH_BINH, Registry

CAMERA_MAKE, ORIENTATION, GPS_INFO = 0x010F, 0x0112, 0x8825


def photo_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), exif: bool = True) -> bytes:
    """A real photo with camera, GPS and orientation metadata, as a phone would send it."""
    image = Image.new("RGB", size, (180, 40, 30))
    image.paste((250, 220, 90), (0, 0, size[0] // 2, size[1] // 3))  # an upright mark, top-left
    metadata = Image.Exif()
    if exif:
        metadata[CAMERA_MAKE] = "PhoneCam"
        metadata[ORIENTATION] = 6  # "rotate 90° clockwise to view"
        metadata[GPS_INFO] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format=fmt, exif=metadata.tobytes())
    return out.getvalue()


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A 200-byte PNG that declares a 900-megapixel canvas (decoded it would take gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * (1 + 3 * width) * 4)  # a few rows; the rest "to come"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows)


def upload(
    registry: Registry,
    product_id: str,
    data: bytes,
    headers: dict[str, str] | None = None,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
):
    return registry.client.post(
        f"/v1/products/{product_id}/photos",
        files={"file": (filename, data, content_type)},
        headers=headers or registry.headers(),
    )


def media_files(registry: Registry) -> list[Path]:
    root = Path(registry.settings.data_dir) / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def media_path(url: str) -> str:
    return url[url.index("/v1/media/") :]


@pytest.fixture
def product(registry: Registry) -> dict:
    producer = registry.producer()
    return registry.product(producer["id"])


def test_jpeg_upload_strips_metadata_makes_thumbnails_and_joins_the_product_images(
    registry, product
):
    response = upload(registry, product["id"], photo_bytes("JPEG"))

    assert response.status_code == 201, response.text
    photo = response.json()
    base = registry.settings.media_base_url
    assert photo["url"] == (f"{base}/v1/media/products/{product['id']}/{photo['id']}/original.jpg")
    assert photo["thumb_url"] == photo["url"].replace("original.jpg", "thumb.webp")
    assert photo["thumb_url"] == thumbnail_url(photo["url"])
    assert photo["medium_url"] == thumbnail_url(photo["url"], "medium")
    # The orientation was applied: the 800×600 landscape is the portrait it was shot as.
    assert (photo["width"], photo["height"]) == (600, 800)

    stored = registry.client.get(media_path(photo["url"]))
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    kept = Image.open(io.BytesIO(stored.content))
    assert kept.format == "JPEG" and kept.size == (600, 800)
    assert dict(kept.getexif()) == {}
    assert not {"exif", "icc_profile", "xmp"} & set(kept.info)
    for size, side in (("thumb", 320), ("medium", 960)):
        answer = registry.client.get(media_path(photo[f"{size}_url"]))
        thumb = Image.open(io.BytesIO(answer.content))
        assert answer.headers["content-type"] == "image/webp" and thumb.format == "WEBP"
        assert max(thumb.size) == min(side, 800) and dict(thumb.getexif()) == {}

    current = registry.client.get(f"/v1/products/{product['id']}", headers=registry.headers())
    assert current.json()["images"] == [photo["url"]]
    last_event = registry.events(product["id"])[-1]
    assert last_event["payload"]["images"] == [photo["url"]] and last_event["version"] == 2
    history = registry.client.get(
        f"/v1/products/{product['id']}/history", headers=registry.headers()
    ).json()
    assert history[-1]["action"] == "photo_added"
    assert history[-1]["after"]["images"] == [photo["url"]]


@pytest.mark.parametrize(
    ("fmt", "ext", "content_type"),
    [("PNG", "png", "image/png"), ("WEBP", "webp", "image/webp")],
)
def test_png_and_webp_are_kept_in_their_own_format_without_metadata(
    registry, product, fmt, ext, content_type
):
    # The declared type and name lie; the content decides.
    response = upload(
        registry, product["id"], photo_bytes(fmt), filename="x.bin", content_type="text/plain"
    )

    assert response.status_code == 201, response.text
    photo = response.json()
    assert photo["url"].endswith(f"/original.{ext}") and photo["content_type"] == content_type
    stored = registry.client.get(media_path(photo["url"]))
    kept = Image.open(io.BytesIO(stored.content))
    assert stored.headers["content-type"] == content_type and kept.format == fmt
    assert dict(kept.getexif()) == {}


def test_a_transparent_png_keeps_its_transparency(registry, product):
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    image.paste((20, 120, 60, 255), (100, 100, 200, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")

    photo = upload(registry, product["id"], out.getvalue()).json()

    kept = Image.open(io.BytesIO(registry.client.get(media_path(photo["url"])).content))
    assert kept.mode == "RGBA" and kept.getpixel((0, 0))[3] == 0
    assert kept.getpixel((150, 150)) == (20, 120, 60, 255)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"%PDF-1.7 not a photo at all", "pdf"),
        (b"GIF89a" + bytes(200), "gif header"),
        (None, "a real GIF"),
    ],
)
def test_anything_but_jpeg_png_webp_is_415_and_nothing_is_written(registry, product, data, why):
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (200, 200), (1, 2, 3)).save(out, format="GIF")
        data = out.getvalue()
    events_before = registry.events(product["id"])

    response = upload(registry, product["id"], data)

    assert response.status_code == 415, why
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["detail"] == "Chỉ nhận ảnh JPEG, PNG hoặc WebP"
    assert problem["detail_en"] == "Only JPEG, PNG or WebP photos are accepted"
    assert registry.events(product["id"]) == events_before
    assert media_files(registry) == []


def test_a_photo_over_8_mb_is_413_and_nothing_is_written(registry, product):
    noise = io.BytesIO()
    Image.effect_noise((2900, 2900), 100).convert("RGB").save(noise, format="PNG")
    assert noise.getbuffer().nbytes > 8 * 1024 * 1024  # a real photo, only too big

    response = upload(registry, product["id"], noise.getvalue(), content_type="image/png")

    assert response.status_code == 413
    assert response.json()["detail_en"] == "The photo is larger than 8 MB"
    assert media_files(registry) == []


@pytest.mark.parametrize(("width", "height"), [(30_000, 30_000), (10_000, 5_000)])
def test_a_decompression_bomb_is_422_before_any_pixel_is_decoded(registry, product, width, height):
    data = bomb_png(width, height)
    assert len(data) < 2000

    response = upload(registry, product["id"], data, content_type="image/png")

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "file" and "too many pixels" in error["message_en"]
    assert "quá nhiều điểm ảnh" in error["message"]
    assert media_files(registry) == []


def test_a_truncated_or_tiny_photo_is_422(registry, product):
    whole = photo_bytes("JPEG", exif=False)
    truncated = upload(registry, product["id"], whole[: len(whole) // 3])
    tiny = upload(registry, product["id"], photo_bytes("JPEG", (60, 60), exif=False))

    assert truncated.status_code == 422
    assert truncated.json()["detail"] == "Không đọc được ảnh (tệp hỏng hoặc không đầy đủ)"
    assert tiny.status_code == 422 and "100" in tiny.json()["detail_en"]
    assert media_files(registry) == []


def test_only_the_producer_or_an_officer_of_its_province_may_add_photos(registry, product):
    producer_id = product["producer"]["id"]
    data = photo_bytes(exif=False)

    other_producer = upload(
        registry, product["id"], data, registry.headers("producer", producer_id="someone-else")
    )
    other_province = upload(registry, product["id"], data, registry.officer(HA_NOI))
    council = upload(registry, product["id"], data, registry.headers("council_member"))
    anonymous = registry.client.post(
        f"/v1/products/{product['id']}/photos", files={"file": ("p.jpg", data, "image/jpeg")}
    )
    assert [r.status_code for r in (other_producer, other_province, council)] == [403] * 3
    assert anonymous.status_code == 401
    assert media_files(registry) == []

    own = upload(
        registry, product["id"], data, registry.headers("producer", producer_id=producer_id)
    )
    officer = upload(registry, product["id"], data, registry.officer(NINH_BINH))
    assert (own.status_code, officer.status_code) == (201, 201)
    denied_delete = registry.client.delete(
        f"/v1/products/{product['id']}/photos/{own.json()['id']}", headers=registry.officer(HA_NOI)
    )
    assert denied_delete.status_code == 403


def test_delete_takes_the_photo_off_the_product_then_deletes_its_files(registry, product):
    first = upload(registry, product["id"], photo_bytes("JPEG", exif=False)).json()
    second = upload(registry, product["id"], photo_bytes("WEBP", exif=False)).json()
    assert len(media_files(registry)) == 6  # two originals, four thumbnails

    response = registry.client.delete(
        f"/v1/products/{product['id']}/photos/{first['id']}", headers=registry.headers()
    )

    assert response.status_code == 204
    current = registry.client.get(f"/v1/products/{product['id']}", headers=registry.headers())
    assert current.json()["images"] == [second["url"]]
    assert registry.events(product["id"])[-1]["payload"]["images"] == [second["url"]]
    assert registry.client.get(media_path(first["url"])).status_code == 404
    assert registry.client.get(media_path(first["thumb_url"])).status_code == 404
    assert len(media_files(registry)) == 3
    history = registry.client.get(
        f"/v1/products/{product['id']}/history", headers=registry.headers()
    ).json()
    assert history[-1]["action"] == "photo_removed"
    assert history[-1]["before"]["photo_id"] == first["id"]
    again = registry.client.delete(
        f"/v1/products/{product['id']}/photos/{first['id']}", headers=registry.headers()
    )
    assert again.status_code == 404


def test_a_failing_database_write_leaves_no_stored_file_and_no_photo(registry, product):
    """The files are stored first; when the product's update then fails in PostgreSQL, the
    files are deleted again and the product is as it was."""
    with registry.db.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE FUNCTION registry.refuse_photos() RETURNS trigger AS $$ BEGIN "
                "IF NEW.images::text LIKE '%/v1/media/%' THEN "
                "RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER refuse_photos BEFORE UPDATE ON registry.products "
                "FOR EACH ROW EXECUTE FUNCTION registry.refuse_photos()"
            )
        )
    client = TestClient(registry.client.app, raise_server_exceptions=False)

    response = client.post(
        f"/v1/products/{product['id']}/photos",
        files={"file": ("p.jpg", photo_bytes(exif=False), "image/jpeg")},
        headers=registry.headers(),
    )

    assert response.status_code == 500
    current = registry.client.get(f"/v1/products/{product['id']}", headers=registry.headers())
    assert current.json()["images"] == [] and current.json()["version"] == 1
    assert media_files(registry) == []


def test_a_product_holds_at_most_20_photos(registry, product):
    data = photo_bytes("WEBP", (120, 120), exif=False)
    for _ in range(20):
        assert upload(registry, product["id"], data).status_code == 201

    response = upload(registry, product["id"], data)

    assert response.status_code == 422 and "20" in response.json()["detail_en"]
    assert len(media_files(registry)) == 60


def test_media_is_served_cacheable_for_a_year_with_an_etag(registry, product):
    photo = upload(registry, product["id"], photo_bytes(exif=False)).json()
    path = media_path(photo["url"])

    first = registry.client.get(path)
    head = registry.client.head(path)
    again = registry.client.get(path, headers={"If-None-Match": first.headers["etag"]})

    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.headers["etag"].startswith('"') and len(first.headers["etag"]) > 10
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(first.content))
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    for bad in ("products/../../secret.key", "secret.key", "products/x/y/original.exe"):
        assert registry.client.get(f"/v1/media/{bad}").status_code == 404


def test_photos_of_a_withdrawn_or_unknown_product_are_refused(registry, product):
    assert upload(registry, "no-such-product", photo_bytes(exif=False)).status_code == 404
    registry.client.delete(
        f"/v1/products/{product['id']}",
        headers={**registry.headers(), "If-Match": f'W/"{product["id"]}-1"'},
    )
    withdrawn = upload(registry, product["id"], photo_bytes(exif=False))
    assert withdrawn.status_code == 409
