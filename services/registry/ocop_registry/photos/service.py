"""Product photos: add one (stored files, then the product's `images`), remove one.

Order of writes, so that a product never points at a missing file:
- adding: the photo is checked and its renditions made in memory, the files are stored, and only
  then the product's `images`, its history entry and its `product.changed` event are committed in
  one transaction. If that transaction fails, the stored files are deleted again; if the process
  dies in between, files nobody points at are left (harmless; they cost disk only).
- removing: the product's `images`, history and event are committed first; the files are
  deleted after. A failed delete leaves an unreferenced file, never a dangling address.

A photo needs no table of its own: its public address carries the product and photo ids
(`ocop_kit.media`), so `images` is the one list of a product's photos, and search and the
marketplaces get them through the `product.changed` event like any other field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_contracts import ProductChanged
from ocop_kit.auth import Principal
from ocop_kit.db import new_id, utc_now
from ocop_kit.errors import Conflict, FieldError, NotFound, ValidationFailed
from ocop_kit.history import record_change
from ocop_kit.media import (
    MediaStore,
    media_url,
    parse_photo_url,
    photo_key,
    photo_keys,
    thumbnail_url,
)
from ocop_registry.access import ensure_may_write_producer
from ocop_registry.events import announce
from ocop_registry.photos.images import PreparedPhoto
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product
from ocop_registry.products.service import get_product

log = logging.getLogger(__name__)

MAX_IMAGES = 20  # as many as a product's `images` may hold (ProductFields.images)


@dataclass(frozen=True)
class StoredPhoto:
    id: str
    product_id: str
    url: str
    thumb_url: str
    medium_url: str
    content_type: str
    width: int
    height: int
    size_bytes: int


def writable_product(session: Session, product_id: str, principal: Principal) -> Product:
    """The product, if the caller may change it (its producer, an officer of its province, an
    admin) and it is still in the registry."""
    product = get_product(session, product_id)
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    ensure_may_write_producer(principal, producer)
    if product.deleted_at is not None:
        raise Conflict("Sản phẩm đã bị rút khỏi sổ đăng ký", "The product has been withdrawn")
    return product


def ensure_room_for_photo(product: Product) -> None:
    if len(product.images or []) >= MAX_IMAGES:
        message_vi = f"Mỗi sản phẩm có tối đa {MAX_IMAGES} ảnh; hãy xoá bớt ảnh cũ"
        message_en = f"A product has at most {MAX_IMAGES} photos; remove one first"
        raise ValidationFailed(
            message_vi, message_en, errors=[FieldError("file", message_vi, message_en)]
        )


def add_photo(
    session: Session,
    store: MediaStore,
    product: Product,
    photo: PreparedPhoto,
    principal: Principal,
    public_base: str,
) -> StoredPhoto:
    """Store a checked photo's files, then append its address to the product and commit."""
    photo_id = new_id()
    original_key = photo_key(product.id, photo_id, "original", photo.ext)
    files = {original_key: (photo.original, photo.content_type)}
    for size, data in photo.thumbnails.items():
        files[photo_key(product.id, photo_id, size, photo.ext)] = (data, "image/webp")
    stored: list[str] = []
    try:
        for key, (data, content_type) in files.items():
            store.put(key, data, content_type)
            stored.append(key)
        # Concurrent uploads to one product queue here (PostgreSQL row lock), so none is lost.
        session.refresh(product, with_for_update=True)
        ensure_room_for_photo(product)
        url = media_url(public_base, original_key)
        before = list(product.images or [])
        product.images = [*before, url]
        product.updated_at = utc_now()
        record_change(
            session,
            "product",
            product.id,
            "photo_added",
            principal.subject,
            {"images": before},
            {"images": product.images, "photo_id": photo_id},
        )
        announce(session, ProductChanged, product)
        session.commit()
    except BaseException:
        session.rollback()
        _delete_quietly(store, stored)
        raise
    return StoredPhoto(
        id=photo_id,
        product_id=product.id,
        url=url,
        thumb_url=thumbnail_url(url, "thumb"),
        medium_url=thumbnail_url(url, "medium"),
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size_bytes=len(photo.original),
    )


def remove_photo(
    session: Session, store: MediaStore, product: Product, photo_id: str, principal: Principal
) -> None:
    """Take a photo off the product (committed), then delete its files."""
    session.refresh(product, with_for_update=True)
    before = list(product.images or [])
    found = [
        (url, address)
        for url in before
        if (address := parse_photo_url(url)) is not None
        and address.photo_id == photo_id
        and address.product_id == product.id
    ]
    if not found:
        raise NotFound("Sản phẩm không có ảnh này", "The product has no such photo")
    url, address = found[0]
    product.images = [u for u in before if u != url]
    product.updated_at = utc_now()
    record_change(
        session,
        "product",
        product.id,
        "photo_removed",
        principal.subject,
        {"images": before, "photo_id": photo_id},
        {"images": product.images},
    )
    announce(session, ProductChanged, product)
    session.commit()
    _delete_quietly(store, photo_keys(product.id, photo_id, address.ext))


def _delete_quietly(store: MediaStore, keys: list[str]) -> None:
    """Delete files nobody points at any more; a failure is logged, never raised (an orphan
    file is harmless, and the answer about the product must stand)."""
    for key in keys:
        try:
            store.delete(key)
        except Exception:
            log.warning("could not delete a media file", extra={"key": key}, exc_info=True)
