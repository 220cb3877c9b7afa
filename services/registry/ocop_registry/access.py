"""Who may see and change what in the registry, in one place.

- Anyone (signed in or not) sees the public products: a current, unrevoked, unexpired
  certificate. A product without one is seen only by those in charge of it: admins, the
  province's officer, the producer, and a sync operator once it has a marketplace listing.
- A producer's records (its products' history, its notices, its producer file) are read and
  changed by the producer, the province's officer and admins.
- Province officers register producers, import sheets, read their province's figures and review
  its look-alike products; admins do all of that everywhere and read the full export.
- Accounts: admins manage every account, a province officer only producer accounts of producers
  in their province.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from sqlalchemy import ColumnElement, Exists, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from ocop_kit.auth import Principal, require_roles
from ocop_kit.errors import Forbidden
from ocop_registry.certificates.models import Certificate
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import MarketListing, Product

# A province officer (in any province; the operation checks which) or an admin.
Officer = Annotated[Principal, require_roles("province_officer")]
# Admins only.
Admin = Annotated[Principal, require_roles()]


def publicly_visible(today: date) -> ColumnElement[bool]:
    """Products holding a current, unrevoked, unexpired certificate (joined as Certificate)."""
    return and_(
        Certificate.id.is_not(None),
        Certificate.status != "revoked",
        Certificate.expires_on > today,
    )


def has_listing() -> Exists:
    """Whether the sync service has told us of a listing of the product (any status)."""
    return exists().where(MarketListing.product_id == Product.id)


def products_visible_to(
    query: Select[Any], principal: Principal | None, today: date
) -> Select[Any]:
    """`query` (products joined with their current certificate) limited to what the caller may
    see: the public products and, beside them, those the caller is in charge of."""
    visible = publicly_visible(today)
    if principal is None or principal.role == "council_member":
        return query.where(visible)
    if principal.role == "province_officer":
        return query.where(or_(visible, Product.province_code == principal.province_code))
    if principal.role == "producer":
        return query.where(or_(visible, Product.producer_id == principal.producer_id))
    if principal.role == "sync_operator":
        return query.where(or_(visible, has_listing()))
    return query


def may_see_unlisted(
    session: Session, principal: Principal | None, product: Product, producer: Producer
) -> bool:
    """Who may read a product without a valid certificate: admins, the province's officer, the
    producer, and a sync operator once the product has a marketplace listing (what sync
    handles). Council members read what they evaluate from the evaluation service's own copy
    of the application's product, never unpublished products here."""
    if principal is None:
        return False
    if principal.role == "producer":
        return principal.producer_id == producer.id
    if principal.role == "province_officer":
        return principal.province_code == producer.province_code
    if principal.role == "sync_operator":
        listed = select(MarketListing.product_id).where(MarketListing.product_id == product.id)
        return session.scalar(listed.limit(1)) is not None
    return principal.is_admin


def ensure_may_read_records(
    session: Session, product: Product, producer: Producer, principal: Principal
) -> None:
    """Refuse (403) a product's records to anyone not in charge of it."""
    if not may_see_unlisted(session, principal, product, producer):
        raise Forbidden("Bạn không xem được hồ sơ này", "You may not read these records")


def producers_visible_to(query: Select[Any], principal: Principal) -> Select[Any]:
    """`query` (producers) limited to those the caller is in charge of; refused (403) to roles
    that list no producers."""
    if principal.role == "producer":
        return query.where(Producer.id == principal.producer_id)
    if principal.role == "province_officer":
        return query.where(Producer.province_code == principal.province_code)
    if not principal.is_admin:
        raise Forbidden("Bạn không xem được danh sách chủ thể", "You may not list producers")
    return query


def ensure_may_read_producer(principal: Principal, producer: Producer) -> None:
    """Refuse (403) a producer's file to anyone but the producer, its officer and admins."""
    if not principal.may_act_for_producer(producer.id, producer.province_code):
        raise Forbidden("Bạn không xem được hồ sơ chủ thể này", "You may not read this producer")


def ensure_may_write_producer(principal: Principal, producer: Producer) -> None:
    """Refuse (403) changes to a producer's records (and its products') to anyone but the
    producer, its officer and admins."""
    if not principal.may_act_for_producer(producer.id, producer.province_code):
        raise Forbidden(
            "Bạn không có quyền sửa hồ sơ của chủ thể này",
            "You may not change this producer's records",
        )


def ensure_may_read_notices(principal: Principal, producer: Producer) -> None:
    """Refuse (403) a producer's notices to anyone but the producer, its officer and admins."""
    if not principal.may_act_for_producer(producer.id, producer.province_code):
        raise Forbidden("Bạn không xem được thông báo này", "You may not read these notices")


def ensure_may_manage_account(
    session: Session, principal: Principal, role: str, producer_id: str | None
) -> None:
    """Admins manage every account; a province officer only producer accounts of producers in
    their province."""
    if principal.is_admin:
        return
    if principal.role == "province_officer" and role == "producer" and producer_id:
        producer = session.get(Producer, producer_id)
        if producer is not None and principal.may_act_in_province(producer.province_code):
            return
    raise Forbidden("Bạn không được quản lý tài khoản này", "You may not manage this account")


def ensure_may_issue_password_reset(principal: Principal) -> None:
    """Only administrators hand out password reset codes."""
    if not principal.is_admin:
        raise Forbidden(
            "Chỉ quản trị viên được cấp mã đặt lại mật khẩu",
            "Only an administrator may issue a password reset code",
        )
