"""Where uploaded files (product photos) live, and the public addresses they are read at.

One interface, two stores, chosen by settings (`OCOP_MEDIA_STORE`):
- `files` (the embedded default): files under `<data dir>/media/`;
- `s3`: a bucket of any S3-compatible object store (AWS S3, MinIO, Ceph, a Vietnamese cloud's
  object storage) through AWS's maintained client `boto3`.

Objects are written once under a key and never changed (a new photo gets a new key), which is
what lets every reader cache them for a year.

The public address of an object is `<public base>/v1/media/<key>`: the registry serves it, from
either store. A product photo's key is `products/<product id>/<photo id>/<rendition>.<ext>`,
where `original.<jpg|png|webp>` is the uploaded photo (re-encoded, metadata stripped) and each
thumbnail rendition is `<size>.webp` beside it. `thumbnail_url` turns one into the other with no
I/O, so pages and other services derive a thumbnail's address from the address in `images`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MEDIA_PATH = "/v1/media/"
# Longest side in pixels of each thumbnail made at upload (WebP, never enlarged).
THUMBNAIL_SIZES: dict[str, int] = {"thumb": 320, "medium": 960}
ORIGINAL = "original"
Rendition = Literal["original", "thumb", "medium"]
RENDITIONS: tuple[Rendition, ...] = ("original", "thumb", "medium")
CONTENT_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
# A key is path segments of safe characters and a final `name.ext`: nothing like `..` or `//`.
KEY_PATTERN = re.compile(r"(?:[A-Za-z0-9_-]{1,100}/){0,8}[A-Za-z0-9_-]{1,100}\.(jpg|png|webp)")
_PHOTO_URL = re.compile(
    r"^(?P<head>.*/v1/media/products/(?P<product_id>[A-Za-z0-9_-]{1,100})/"
    r"(?P<photo_id>[A-Za-z0-9_-]{1,100})/)original\.(?P<ext>jpg|png|webp)$"
)


class MediaSettings(BaseSettings):
    """Settings of the media store (`OCOP_MEDIA_*`); a service mixes them into its own."""

    model_config = SettingsConfigDict(env_prefix="OCOP_", extra="ignore")

    media_store: Literal["files", "s3"] = Field(
        default="files",
        description="Where uploaded photos are kept (OCOP_MEDIA_STORE): `files` under "
        "<data dir>/media, or `s3`, a bucket of an S3-compatible object store.",
    )
    media_public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="The public address the registry's `/v1/media/…` is reached at "
        "(OCOP_MEDIA_PUBLIC_URL), e.g. https://ocop.example.gov.vn: photo addresses in "
        "products are absolute, for marketplaces. Unset: the registry's own listen address.",
    )
    media_s3_bucket: str | None = Field(
        default=None, description="The bucket (OCOP_MEDIA_S3_BUCKET); required for `s3`."
    )
    media_s3_endpoint_url: str | None = Field(
        default=None,
        description="The object store's endpoint (OCOP_MEDIA_S3_ENDPOINT_URL); unset: AWS S3.",
    )
    media_s3_region: str | None = Field(
        default=None, description="The bucket's region (OCOP_MEDIA_S3_REGION)."
    )
    media_s3_access_key_id: str | None = Field(
        default=None,
        description="Access key (OCOP_MEDIA_S3_ACCESS_KEY_ID); unset: boto3's own lookup "
        "(AWS_* variables, instance role).",
    )
    media_s3_secret_access_key: SecretStr | None = Field(
        default=None, description="Secret key (OCOP_MEDIA_S3_SECRET_ACCESS_KEY)."
    )
    media_s3_prefix: str = Field(
        default="",
        pattern=r"^([A-Za-z0-9_-]+/)*$",
        description="A folder in the bucket that every key is put under, e.g. `ocop/`.",
    )


@dataclass(frozen=True)
class StoredObject:
    """An object read back: its bytes, type and a strong validator for caches."""

    data: bytes
    content_type: str
    etag: str


class MediaStore(Protocol):
    """Write-once objects by key. Keys match `KEY_PATTERN`."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key` (replacing what was there)."""

    def get(self, key: str) -> StoredObject | None:
        """The object under `key`, or None."""

    def delete(self, key: str) -> None:
        """Remove the object under `key`; a missing one is no error."""


class MediaKeyRefused(ValueError):
    """A key outside `KEY_PATTERN` (a caller bug, or a crafted address)."""


def check_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise MediaKeyRefused(key)
    return key


def content_type_of(key: str) -> str:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


def strong_etag(data: bytes) -> str:
    """A quoted strong ETag from the content (what S3 also answers for a simple put)."""
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


class FileMediaStore:
    """Objects as files under a folder; written to a temporary file and renamed into place, so a
    reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise MediaKeyRefused(key)
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> StoredObject | None:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        return StoredObject(data, content_type_of(key), strong_etag(data))

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        # The photo's own folder goes with its last file (only that photo ever writes there).
        with contextlib.suppress(OSError):  # other renditions still there
            path.parent.rmdir()


class S3MediaStore:
    """Objects in a bucket of an S3-compatible store, through boto3."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: MediaSettings) -> S3MediaStore:
        import boto3
        from botocore.config import Config

        if not settings.media_s3_bucket:
            raise ValueError("OCOP_MEDIA_S3_BUCKET is required when OCOP_MEDIA_STORE=s3")
        secret = settings.media_s3_secret_access_key
        client = boto3.client(
            "s3",
            endpoint_url=settings.media_s3_endpoint_url,
            region_name=settings.media_s3_region,
            aws_access_key_id=settings.media_s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            # Short timeouts and a few retries: an upload answers, or fails clearly, in seconds.
            config=Config(
                connect_timeout=3,
                read_timeout=15,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        return cls(client, settings.media_s3_bucket, settings.media_s3_prefix)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + check_key(key),
            Body=data,
            ContentType=content_type,
            CacheControl=IMMUTABLE,
        )

    def get(self, key: str) -> StoredObject | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + check_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        data = answer["Body"].read()
        return StoredObject(
            data, answer.get("ContentType") or content_type_of(key), strong_etag(data)
        )

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + check_key(key))


IMMUTABLE = "public, max-age=31536000, immutable"


def open_media_store(settings: MediaSettings, data_dir: Path) -> MediaStore:
    """The store the settings choose."""
    if settings.media_store == "s3":
        return S3MediaStore.from_settings(settings)
    return FileMediaStore(data_dir / "media")


# --- addresses (pure) ---------------------------------------------------------------------------


def photo_key(product_id: str, photo_id: str, rendition: str, original_ext: str) -> str:
    """The key of one rendition (`original`, `thumb`, `medium`) of a product photo."""
    if rendition not in RENDITIONS:
        raise ValueError(f"unknown rendition {rendition!r}")
    ext = original_ext if rendition == ORIGINAL else "webp"
    return check_key(f"products/{product_id}/{photo_id}/{rendition}.{ext}")


def photo_keys(product_id: str, photo_id: str, original_ext: str) -> list[str]:
    """Every key a product photo occupies: the original and each thumbnail."""
    return [photo_key(product_id, photo_id, r, original_ext) for r in RENDITIONS]


def media_url(public_base: str, key: str) -> str:
    """The absolute public address of an object."""
    return public_base.rstrip("/") + MEDIA_PATH + key


@dataclass(frozen=True)
class PhotoAddress:
    """What a product photo's public address says: whose it is and in which format."""

    product_id: str
    photo_id: str
    ext: str


def parse_photo_url(url: str) -> PhotoAddress | None:
    """The product photo an address points at (original rendition, any host), or None for any
    other address (an image elsewhere on the web, e.g. from an imported sheet)."""
    match = _PHOTO_URL.match(url)
    if match is None:
        return None
    return PhotoAddress(match["product_id"], match["photo_id"], match["ext"])


def thumbnail_url(url: str, size: str = "thumb") -> str:
    """The address of a product photo's thumbnail: `…/original.jpg` → `…/thumb.webp` (320 px)
    or `…/medium.webp` (960 px). `size="original"`, and any address that is not one of our
    photos' originals (an outside image), come back unchanged."""
    if size == ORIGINAL:
        return url
    if size not in THUMBNAIL_SIZES:
        raise ValueError(f"unknown thumbnail size {size!r}; one of {sorted(THUMBNAIL_SIZES)}")
    match = _PHOTO_URL.match(url)
    if match is None:
        return url
    return f"{match['head']}{size}.webp"
