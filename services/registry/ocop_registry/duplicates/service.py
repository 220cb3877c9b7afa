"""Near-duplicate checks against the registry: each process keeps an index of every
province's products (loaded once, then caught up with what changed), the review queue, and
merging one product into another."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ocop_kit.auth import Principal
from ocop_kit.db import utc_now
from ocop_kit.errors import Conflict
from ocop_kit.history import record_change
from ocop_registry.duplicates.models import DuplicatePair, pair_key
from ocop_registry.duplicates.rules import (
    DuplicateIndex,
    Likeness,
    ProductFacts,
    contact_keys,
    place_keys,
)
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product

# A change committed this long after its `updated_at` was set is still caught up with.
COMMIT_LAG = timedelta(seconds=30)
Found = list[tuple[ProductFacts, Likeness]]


class LikelyDuplicate(Conflict):
    code = "likely_duplicate"
    title = "Có thể trùng sản phẩm đã đăng ký"
    title_en = "Likely a duplicate of a registered product"


def product_facts(product: Product, producer: Producer) -> ProductFacts:
    """What the duplicate rules compare of a product and its producer. (`product_set` joins
    here once products carry one.)"""
    return ProductFacts(
        id=product.id,
        name=product.name,
        producer_id=product.producer_id,
        group=product.group,
        place=place_keys(producer.ward_code, producer.legacy_district),
        contacts=contact_keys(producer.tax_code, producer.phone),
    )


@dataclass
class _ProvinceIndex:
    index: DuplicateIndex = field(default_factory=DuplicateIndex)
    seen_until: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_indexes: WeakKeyDictionary[Engine, dict[str, _ProvinceIndex]] = WeakKeyDictionary()
_indexes_lock = threading.Lock()


def _province(session: Session, province_code: str) -> _ProvinceIndex:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with _indexes_lock:
        return _indexes.setdefault(engine, {}).setdefault(province_code, _ProvinceIndex())


def province_index(session: Session, province_code: str) -> DuplicateIndex:
    """The province's products as a duplicate index, caught up with the database: the first
    call loads them all, later ones only what changed since (withdrawn or merged ones leave)."""
    cached = _province(session, province_code)
    with cached.lock:
        started = utc_now()
        query = (
            select(Product, Producer)
            .join(Producer, Producer.id == Product.producer_id)
            .where(Product.province_code == province_code)
        )
        if cached.seen_until is not None:
            query = query.where(Product.updated_at >= cached.seen_until - COMMIT_LAG)
        with session.no_autoflush:  # never file this transaction's uncommitted changes
            rows = session.execute(query).all()
        for product, producer in rows:
            if product.deleted_at is None:
                cached.index.add(product_facts(product, producer))
            else:
                cached.index.remove(product.id)
        cached.seen_until = started
    return cached.index


def remember_products(session: Session, facts: list[tuple[str, ProductFacts]]) -> None:
    """File products just committed (an import's chunk) without reading them back."""
    for province_code, product in facts:
        cached = _province(session, province_code)
        with cached.lock:
            cached.index.add(product)


def _dismissed(session: Session, product_id: str, found: Found) -> set[str]:
    """The ids among `found` an officer said are not duplicates of `product_id`."""
    keys = {pair_key(product_id, other.id): other.id for other, _ in found}
    if not keys:
        return set()
    rows = session.scalars(
        select(DuplicatePair.pair_key).where(
            DuplicatePair.pair_key.in_(keys), DuplicatePair.status == "not_duplicate"
        )
    )
    return {keys[key] for key in rows}


def find_likely_duplicates(
    session: Session, product: Product, producer: Producer, extra: DuplicateIndex | None = None
) -> Found:
    """Products of the province (and of `extra`, products not yet committed) that look like
    `product`, most likely first, leaving out pairs an officer dismissed."""
    facts = product_facts(product, producer)
    found = province_index(session, product.province_code).likely_duplicates(facts)
    if extra is not None:
        found = sorted(found + extra.likely_duplicates(facts), key=lambda f: -f[1].score)[:5]
    dismissed = _dismissed(session, product.id, found)
    return [(other, likeness) for other, likeness in found if other.id not in dismissed]


def duplicates_out(found: Found) -> list[dict[str, Any]]:
    """`likely_duplicates` as the API shows them."""
    return [
        {
            "id": other.id,
            "name": other.name,
            "score": likeness.score,
            "reason": likeness.reason,
            "reason_en": likeness.reason_en,
        }
        for other, likeness in found
    ]


def refuse_or_record_duplicates(
    session: Session,
    product: Product,
    producer: Producer,
    confirmed: bool,
    principal: Principal,
    source: str,
) -> None:
    """Before a product is stored (created or renamed): refuse it with its likely duplicates
    (409) unless the caller confirmed it is not one; a confirmation is kept in the history and
    the pairs go to the review queue (already dismissed when an officer confirmed)."""
    found = find_likely_duplicates(session, product, producer)
    if not found:
        return
    if not confirmed:
        raise LikelyDuplicate(
            "Sản phẩm này có thể trùng với sản phẩm đã đăng ký; gửi lại với "
            "confirm_not_duplicate: true nếu đây là sản phẩm khác",
            "This product looks like a registered one; send it again with "
            "confirm_not_duplicate: true if it is a different product",
            likely_duplicates=duplicates_out(found),
        )
    officer = principal.role in ("admin", "province_officer")
    record_change(
        session,
        "product",
        product.id,
        "confirmed_not_duplicate",
        principal.subject,
        None,
        {"likely_duplicates": duplicates_out(found)},
    )
    record_pairs(
        session,
        product,
        found,
        source,
        decided_by=principal.subject if officer else None,
    )


def record_pairs(
    session: Session,
    product: Product,
    found: Found,
    source: str,
    decided_by: str | None = None,
) -> None:
    """Queue the pairs for review (or file them as dismissed, `decided_by` an officer); a
    pair already known keeps its decision."""
    keys = [pair_key(product.id, other.id) for other, _ in found]
    known = set(
        session.scalars(select(DuplicatePair.pair_key).where(DuplicatePair.pair_key.in_(keys)))
    )
    now = utc_now()
    for (other, likeness), key in zip(found, keys, strict=True):
        if key in known:
            continue
        session.add(
            DuplicatePair(
                pair_key=key,
                province_code=product.province_code,
                product_id=product.id,
                other_id=other.id,
                score=likeness.score,
                reason=likeness.reason[:300],
                reason_en=likeness.reason_en[:300],
                source=source,
                status="not_duplicate" if decided_by else "open",
                created_at=now,
                decided_by=decided_by,
                decided_at=now if decided_by else None,
            )
        )


def producers_sharing_contacts(session: Session, producer: Producer) -> list[dict[str, str]]:
    """Producers of the province with the same tax code or phone as `producer` (family
    members or the same business registered twice), compared by their digits."""
    keys = contact_keys(producer.tax_code, producer.phone)
    if not keys:
        return []
    query = select(Producer).where(
        Producer.province_code == producer.province_code,
        Producer.id != producer.id,
        (Producer.tax_code.is_not(None)) | (Producer.phone.is_not(None)),
    )
    found = []
    for other in session.scalars(query):
        shared = keys & contact_keys(other.tax_code, other.phone)
        if not shared:
            continue
        tax = any(key.startswith("tax:") for key in shared)
        found.append(
            {
                "id": other.id,
                "name": other.name,
                "reason": "trùng mã số thuế" if tax else "trùng số điện thoại",
                "reason_en": "same tax code" if tax else "same phone",
            }
        )
    return found
