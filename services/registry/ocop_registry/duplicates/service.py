"""Near-duplicate checks against the registry: each process keeps an index of every
province's products (loaded once, then caught up with what changed), the review queue, and
merging one product into another."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Select, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from ocop_contracts import ProductChanged, ProductMerged
from ocop_kit.auth import Principal
from ocop_kit.db import utc_now
from ocop_kit.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from ocop_kit.history import record_change
from ocop_registry.certificates.models import Certificate
from ocop_registry.duplicates.models import DuplicatePair, pair_key
from ocop_registry.duplicates.rules import (
    DuplicateIndex,
    Likeness,
    ProductFacts,
    contact_keys,
    place_keys,
)
from ocop_registry.events import announce
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product

# A change committed up to this long after its `updated_at` was set is still caught up with
# (a create commits in milliseconds, an import's chunk in about a second); what changed within
# it is read again at each check, so it stays short.
COMMIT_LAG = timedelta(seconds=5)
Found = list[tuple[ProductFacts, Likeness]]


class LikelyDuplicate(Conflict):
    code = "likely_duplicate"
    title = "Có thể trùng sản phẩm đã đăng ký"
    title_en = "Likely a duplicate of a registered product"


def product_facts(product: Product, producer: Producer) -> ProductFacts:
    """What the duplicate rules compare of a product and its producer."""
    return _facts(
        product.id,
        product.name,
        product.producer_id,
        product.group,
        producer.ward_code,
        producer.legacy_district,
        producer.tax_code,
        producer.phone,
    )


def _facts(
    product_id: str,
    name: str,
    producer_id: str,
    group: str,
    ward_code: str | None,
    legacy_district: str | None,
    tax_code: str | None,
    phone: str | None,
) -> ProductFacts:
    # `product_set` joins here once products carry one (issue 17: product sets).
    return ProductFacts(
        id=product_id,
        name=name,
        producer_id=producer_id,
        group=group,
        place=place_keys(ward_code, legacy_district),
        contacts=contact_keys(tax_code, phone),
    )


@dataclass
class _ProvinceIndex:
    index: DuplicateIndex = field(default_factory=DuplicateIndex)
    seen_until: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_indexes: WeakKeyDictionary[Engine, dict[str, _ProvinceIndex]] = WeakKeyDictionary()
_indexes_lock = threading.Lock()


def _province(engine: Engine | Any, province_code: str) -> _ProvinceIndex:
    with _indexes_lock:
        return _indexes.setdefault(engine, {}).setdefault(province_code, _ProvinceIndex())


def province_index(session: Session, province_code: str, catch_up: bool = True) -> DuplicateIndex:
    """The province's products as a duplicate index, caught up with the database: the first
    call loads them all, later ones only what changed since (withdrawn or merged ones leave).
    `catch_up=False` skips that for a caller that files its own writes (an import)."""
    cached = _province(session.get_bind(), province_code)
    with cached.lock:
        if cached.seen_until is not None and not catch_up:
            return cached.index
        started = utc_now()
        # Columns, not entities: the first call of a province reads thousands of rows.
        query = (
            select(
                Product.id,
                Product.name,
                Product.producer_id,
                Product.group,
                Product.deleted_at,
                Producer.ward_code,
                Producer.legacy_district,
                Producer.tax_code,
                Producer.phone,
            )
            .join(Producer, Producer.id == Product.producer_id)
            .where(Product.province_code == province_code)
        )
        if cached.seen_until is not None:
            query = query.where(Product.updated_at >= cached.seen_until - COMMIT_LAG)
        with session.no_autoflush:  # never file this transaction's uncommitted changes
            rows = session.execute(query).all()
        for pid, name, producer_id, group, deleted_at, *producer in rows:
            if deleted_at is not None:
                cached.index.remove(pid)
            elif cached.index.facts.get(pid) != (
                facts := _facts(pid, name, producer_id, group, *producer)
            ):
                cached.index.add(facts)
        cached.seen_until = started
    return cached.index


def remember_products(engine: Engine, facts: list[tuple[str, ProductFacts]]) -> None:
    """File products just committed (an import's chunk) without reading them back."""
    for province_code, product in facts:
        cached = _province(engine, province_code)
        with cached.lock:
            cached.index.add(product)


def _known_pairs(session: Session, product: Product, found: Found) -> dict[str, str]:
    """The pairs of `product` with those `found` already filed, by other id → status. A
    product not yet stored (a create, an import's new row) has none: no query."""
    if not found or not sa_inspect(product).persistent:
        return {}
    keys = {pair_key(product.id, other.id): other.id for other, _ in found}
    with session.no_autoflush:
        rows = session.execute(
            select(DuplicatePair.pair_key, DuplicatePair.status).where(
                DuplicatePair.pair_key.in_(keys)
            )
        )
        return {keys[key]: status for key, status in rows}


def find_likely_duplicates(
    session: Session,
    product: Product,
    facts: ProductFacts,
    extra: DuplicateIndex | None = None,
    catch_up: bool = True,
) -> Found:
    """Products of the province (and of `extra`, products not yet committed) that look like
    `product` (compared as `facts`), most likely first, leaving out pairs an officer
    dismissed."""
    index = province_index(session, product.province_code, catch_up)
    found = index.likely_duplicates(facts)
    if extra is not None:
        found = sorted(found + extra.likely_duplicates(facts), key=lambda f: -f[1].score)[:5]
    known = _known_pairs(session, product, found)
    return [(o, likeness) for o, likeness in found if known.get(o.id) != "not_duplicate"]


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
    found = find_likely_duplicates(session, product, product_facts(product, producer))
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
    known = _known_pairs(session, product, found)
    now = utc_now()
    for other, likeness in found:
        if other.id in known:
            continue
        session.add(
            DuplicatePair(
                pair_key=pair_key(product.id, other.id),
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


def queue_query(principal: Principal, province_code: str | None, status: str) -> Select[Any]:
    """The pairs a province officer (their province) or an admin (any, or `province_code`)
    reviews; pairs whose products were withdrawn or merged since leave the open queue."""
    province_code = principal.province_in_charge(province_code)
    query = select(DuplicatePair).where(DuplicatePair.status == status)
    if province_code:
        query = query.where(DuplicatePair.province_code == province_code)
    if status == "open":
        live = select(Product.id).where(Product.deleted_at.is_(None))
        query = query.where(DuplicatePair.product_id.in_(live), DuplicatePair.other_id.in_(live))
    return query


def pairs_out(session: Session, pairs: list[DuplicatePair]) -> list[dict[str, Any]]:
    """Queue rows with both products' names and producers (two queries for the page)."""
    ids = {p.product_id for p in pairs} | {p.other_id for p in pairs}
    rows = session.execute(
        select(Product.id, Product.name, Producer.id, Producer.name)
        .join(Producer, Producer.id == Product.producer_id)
        .where(Product.id.in_(ids))
    )
    products = {
        pid: {"id": pid, "name": name, "producer": {"id": producer_id, "name": producer_name}}
        for pid, name, producer_id, producer_name in rows
    }
    return [
        {
            "id": pair.id,
            "province_code": pair.province_code,
            "product": products[pair.product_id],
            "other": products[pair.other_id],
            "score": pair.score,
            "reason": pair.reason,
            "reason_en": pair.reason_en,
            "source": pair.source,
            "status": pair.status,
            "created_at": pair.created_at,
            "decided_by": pair.decided_by,
            "decided_at": pair.decided_at,
        }
        for pair in pairs
    ]


def get_pair(session: Session, pair_id: str, principal: Principal) -> DuplicatePair:
    """An open pair the caller may decide on."""
    pair = session.get(DuplicatePair, pair_id)
    if pair is None:
        raise NotFound("Không có cặp sản phẩm này", "No such pair")
    if not principal.may_act_in_province(pair.province_code):
        raise Forbidden("Cặp sản phẩm của tỉnh khác", "This pair belongs to another province")
    if pair.status != "open":
        raise Conflict(
            "Cặp sản phẩm này đã được xử lý", "This pair was already decided", decision=pair.status
        )
    return pair


def _decide(session: Session, pair: DuplicatePair, status: str, principal: Principal) -> None:
    pair.status = status
    pair.decided_by = principal.subject
    pair.decided_at = utc_now()


def dismiss_pair(session: Session, pair: DuplicatePair, principal: Principal) -> None:
    """Not a duplicate: the pair is never shown or warned of again (noted on both products)."""
    _decide(session, pair, "not_duplicate", principal)
    for product_id, other_id in (
        (pair.product_id, pair.other_id),
        (pair.other_id, pair.product_id),
    ):
        record_change(
            session,
            "product",
            product_id,
            "marked_not_duplicate",
            principal.subject,
            None,
            {"other_id": other_id, "pair_id": pair.id},
        )


def merge_pair(
    session: Session, pair: DuplicatePair, keep_id: str, principal: Principal
) -> Product:
    """Merge the pair's other product into `keep_id`: its certificates (the newer decision
    stays current), channels and history go to the kept product; it is withdrawn with a
    pointer to the kept one and `product.merged` tells search and the marketplaces to drop it."""
    if keep_id not in (pair.product_id, pair.other_id):
        raise ValidationFailed(
            "Sản phẩm giữ lại phải là một trong hai sản phẩm của cặp",
            "The product kept must be one of the pair",
            errors=[FieldError("keep_id", "Không thuộc cặp này", "Not one of the pair")],
        )
    merged_id = pair.other_id if keep_id == pair.product_id else pair.product_id
    kept, merged = session.get(Product, keep_id), session.get(Product, merged_id)
    assert kept is not None and merged is not None
    if kept.deleted_at is not None or merged.deleted_at is not None:
        raise Conflict(
            "Một trong hai sản phẩm đã bị rút hoặc gộp",
            "One of the products is withdrawn or merged",
        )
    now = utc_now()
    moved = list(session.scalars(select(Certificate).where(Certificate.product_id == merged.id)))
    currents = [c for c in moved if c.current] + list(
        session.scalars(
            select(Certificate).where(Certificate.product_id == kept.id, Certificate.current)
        )
    )
    for certificate in moved:
        certificate.product_id = kept.id
    if len(currents) > 1:
        # The kept product holds one certificate: the latest decision.
        newest = max(currents, key=lambda c: (c.recognised_on, c.created_at))
        for certificate in currents:
            if certificate is not newest:
                certificate.current = False
                certificate.replaced_at = now
    channels_before = list(kept.channels or [])
    kept.channels = channels_before + [c for c in merged.channels or [] if c not in channels_before]
    kept.updated_at = merged.updated_at = merged.deleted_at = now
    merged.merged_into = kept.id
    _decide(session, pair, "merged", principal)
    record_change(
        session,
        "product",
        kept.id,
        "merged",
        principal.subject,
        {"channels": channels_before},
        {
            "merged_id": merged.id,
            "merged_name": merged.name,
            "certificates": [c.id for c in moved],
            "channels": kept.channels,
        },
    )
    record_change(
        session, "product", merged.id, "merged_into", principal.subject, None, {"kept_id": kept.id}
    )
    announce(session, ProductMerged, merged, certificate=None, merged_into=kept.id)
    announce(session, ProductChanged, kept)
    return kept
