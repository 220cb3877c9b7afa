"""The media stores (one behaviour suite for both) and the photo address rules.

The S3 store runs against moto's server mode: a real S3-protocol HTTP server on a local port,
spoken to by the real boto3 client over the network, not a patch of our code or of boto3. It is
not AWS, MinIO or Ceph: signature and consistency details of a production store are not shown
by it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_kit.media import (
    FileMediaStore,
    MediaKeyRefused,
    MediaSettings,
    MediaStore,
    S3MediaStore,
    media_url,
    open_media_store,
    parse_photo_url,
    photo_key,
    photo_keys,
    thumbnail_url,
)

BASE = "https://ocop.example.gov.vn"
PHOTO = f"{BASE}/v1/media/products/p-1/0193f-ab/original.jpg"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_settings(endpoint: str, bucket: str, prefix: str = "") -> MediaSettings:
    return MediaSettings(
        media_store="s3",
        media_s3_bucket=bucket,
        media_s3_endpoint_url=endpoint,
        media_s3_region="ap-southeast-1",
        media_s3_access_key_id="test-key",
        media_s3_secret_access_key="test-secret",  # type: ignore[arg-type]
        media_s3_prefix=prefix,
    )


def raw_client(endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="ap-southeast-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )


@pytest.fixture(params=["files", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "files":
        return open_media_store(MediaSettings(), tmp_path)
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"ocop-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    raw_client(endpoint).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    return open_media_store(s3_settings(endpoint, bucket, "ocop/"), tmp_path)


# --- both stores --------------------------------------------------------------------------------


def test_a_stored_object_reads_back_with_its_type_and_a_strong_etag(store):
    key = photo_key("p-1", "ph-1", "original", "jpg")
    store.put(key, b"\xff\xd8jpeg bytes", "image/jpeg")
    store.put("products/p-1/ph-1/thumb.webp", b"RIFFwebp", "image/webp")

    found = store.get(key)
    thumb = store.get("products/p-1/ph-1/thumb.webp")

    assert found is not None and thumb is not None
    assert (found.data, found.content_type) == (b"\xff\xd8jpeg bytes", "image/jpeg")
    assert thumb.content_type == "image/webp"
    assert found.etag.startswith('"') and found.etag != thumb.etag
    assert store.get(key) == found  # the same bytes, the same validator


def test_a_missing_object_is_none_and_deleting_it_is_no_error(store):
    assert store.get("products/p-1/none/original.png") is None
    store.delete("products/p-1/none/original.png")


def test_delete_removes_only_that_object(store):
    keep, drop = "products/p/a/original.png", "products/p/b/original.png"
    store.put(keep, b"a", "image/png")
    store.put(drop, b"b", "image/png")

    store.delete(drop)

    assert store.get(drop) is None
    assert store.get(keep) is not None


@pytest.mark.parametrize(
    "key",
    ["../secret.key", "products/../../x.jpg", "/etc/passwd.jpg", "a//b.jpg", "a/b.exe", ""],
)
def test_keys_outside_the_pattern_are_refused(store, key):
    with pytest.raises(MediaKeyRefused):
        store.put(key, b"x", "image/jpeg")
    with pytest.raises(MediaKeyRefused):
        store.get(key)


# --- each store ---------------------------------------------------------------------------------


def test_the_file_store_writes_under_the_data_dir_and_leaves_no_temporary_files(tmp_path):
    store = open_media_store(MediaSettings(), tmp_path)
    assert isinstance(store, FileMediaStore)
    for key in photo_keys("p-1", "ph-1", "png"):
        store.put(key, b"data", "image/png")

    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == [
        "media/products/p-1/ph-1/medium.webp",
        "media/products/p-1/ph-1/original.png",
        "media/products/p-1/ph-1/thumb.webp",
    ]
    for key in photo_keys("p-1", "ph-1", "png"):
        store.delete(key)
    assert not (tmp_path / "media/products/p-1/ph-1").exists()


def test_the_s3_store_puts_objects_under_its_prefix_with_type_and_caching(s3_endpoint, tmp_path):
    client = raw_client(s3_endpoint)
    client.create_bucket(
        Bucket="ocop-prefix", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    store = open_media_store(s3_settings(s3_endpoint, "ocop-prefix", "hub/media/"), tmp_path)
    assert isinstance(store, S3MediaStore)

    store.put("products/p/ph/original.webp", b"RIFF....WEBP", "image/webp")

    [listed] = client.list_objects_v2(Bucket="ocop-prefix")["Contents"]
    assert listed["Key"] == "hub/media/products/p/ph/original.webp"
    head = client.head_object(Bucket="ocop-prefix", Key=listed["Key"])
    assert head["ContentType"] == "image/webp"
    assert not list(tmp_path.iterdir())  # nothing written locally


def test_the_s3_store_needs_a_bucket(tmp_path):
    with pytest.raises(ValueError, match="OCOP_MEDIA_S3_BUCKET"):
        open_media_store(MediaSettings(media_store="s3"), tmp_path)


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("OCOP_MEDIA_STORE", "s3")
    monkeypatch.setenv("OCOP_MEDIA_S3_BUCKET", "ocop-photos")
    monkeypatch.setenv("OCOP_MEDIA_PUBLIC_URL", "https://ocop.example.gov.vn")
    settings = MediaSettings()
    assert (settings.media_store, settings.media_s3_bucket) == ("s3", "ocop-photos")
    assert settings.media_public_url == "https://ocop.example.gov.vn"


# --- addresses ----------------------------------------------------------------------------------


def test_a_photo_address_names_its_thumbnails():
    assert thumbnail_url(PHOTO) == f"{BASE}/v1/media/products/p-1/0193f-ab/thumb.webp"
    assert thumbnail_url(PHOTO, "medium") == f"{BASE}/v1/media/products/p-1/0193f-ab/medium.webp"
    assert thumbnail_url(PHOTO, "original") == PHOTO
    assert media_url(BASE + "/", photo_key("p-1", "0193f-ab", "original", "jpg")) == PHOTO


def test_addresses_that_are_not_our_photos_stay_as_they_are():
    for url in (
        "https://example.com/gao.jpg",
        f"{BASE}/v1/media/products/p-1/0193f-ab/thumb.webp",
        f"{BASE}/v1/media/products/p-1/original.jpg",
        f"{BASE}/v1/media/products/p-1/0193f-ab/original.gif",
    ):
        assert thumbnail_url(url) == url
        assert parse_photo_url(url) is None


def test_an_unknown_thumbnail_size_is_a_programming_error():
    with pytest.raises(ValueError, match="thumb"):
        thumbnail_url(PHOTO, "huge")


@given(
    product_id=st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True),
    photo_id=st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True),
    ext=st.sampled_from(["jpg", "png", "webp"]),
    base=st.sampled_from([BASE, "http://127.0.0.1:8001", "https://cdn.example.vn/ocop"]),
)
def test_every_photo_address_parses_back_to_its_ids(product_id, photo_id, ext, base):
    url = media_url(base, photo_key(product_id, photo_id, "original", ext))
    address = parse_photo_url(url)
    assert address is not None
    assert (address.product_id, address.photo_id, address.ext) == (product_id, photo_id, ext)
    assert thumbnail_url(url).endswith(f"/{product_id}/{photo_id}/thumb.webp")
