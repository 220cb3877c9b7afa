"""The search document: what the index holds of one public product, built from its snapshot."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel

from ocop_contracts import ProductSnapshot, top_level_group
from ocop_kit.text import fold_vietnamese, nfc
from ocop_search.access import may_be_shown

# Names of the six groups of Decision 148/QĐ-TTg, for snapshots that carry only the code.
GROUP_NAMES = {
    "thuc_pham": "Thực phẩm",
    "do_uong": "Đồ uống",
    "duoc_lieu": "Dược liệu và sản phẩm từ dược liệu",
    "thu_cong_my_nghe": "Hàng thủ công mỹ nghệ",
    "sinh_vat_canh": "Sinh vật cảnh",
    "du_lich": "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
}

EPOCH = date(1970, 1, 1)


def day_number(value: date) -> int:
    """Days since 1970-01-01: dates as integers for range filters and sorting in every engine."""
    return (value - EPOCH).days


def certification_code(scheme: str) -> str:
    """`ISO 22000` → `iso22000`, `VietGAP` → `vietgap`: how certifications are filtered."""
    return re.sub(r"[^a-z0-9]", "", fold_vietnamese(nfc(scheme)))


class SearchDocument(BaseModel):
    """One public product as both engines index it (flat, JSON-ready)."""

    id: str
    name: str
    description: str | None = None
    producer_id: str
    producer_name: str
    producer_kind: str
    group: str
    group_top: str
    group_codes: list[str]
    group_name: str
    group_top_name: str
    product_set: str | None = None
    stars: int
    certificate_level: str
    decision_no: str | None = None
    recognised_on: date
    expires_on: date
    expires_day: int
    recognised_day: int
    certificate_status: str
    province_code: str
    province_name: str
    ward_code: str | None = None
    ward_name: str | None = None
    legacy: str | None = None
    legacy_commune: str | None = None
    legacy_district: str | None = None
    legacy_province: str | None = None
    certifications: list[str] = []
    certification_codes: list[str] = []
    price_vnd: int | None = None
    unit: str | None = None
    image: str | None = None

    def places(self) -> list[str]:
        """Every place name of the product: current units first, then the pre-2025 address."""
        return [
            p
            for p in (
                self.province_name,
                self.ward_name,
                self.legacy_commune,
                self.legacy_district,
                self.legacy_province,
                self.legacy,
            )
            if p
        ]


def group_codes(group: str) -> list[str]:
    """A group code and all its ancestors: `a.b.c` → `a`, `a.b`, `a.b.c`."""
    parts = group.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def document_from_snapshot(snapshot: ProductSnapshot) -> SearchDocument | None:
    """The search document of a product, or None when the product may not be shown."""
    if not may_be_shown(snapshot):
        return None
    certificate = snapshot.certificate
    assert certificate is not None  # may_be_shown requires one
    address = snapshot.address
    top = top_level_group(snapshot.group)
    schemes = [nfc(c.scheme) for c in snapshot.certifications]
    codes = list(dict.fromkeys(certification_code(s) for s in schemes if certification_code(s)))
    return SearchDocument(
        id=snapshot.id,
        name=nfc(snapshot.name),
        description=nfc(snapshot.description) if snapshot.description else None,
        producer_id=snapshot.producer.id,
        producer_name=nfc(snapshot.producer.name),
        producer_kind=snapshot.producer.kind,
        group=snapshot.group,
        group_top=top,
        group_codes=group_codes(snapshot.group),
        group_name=nfc(snapshot.group_name or GROUP_NAMES.get(top, top)),
        group_top_name=GROUP_NAMES.get(top, top),
        product_set=snapshot.product_set,
        stars=certificate.stars,
        certificate_level=certificate.level,
        decision_no=certificate.decision_no,
        recognised_on=certificate.recognised_on,
        expires_on=certificate.expires_on,
        expires_day=day_number(certificate.expires_on),
        recognised_day=day_number(certificate.recognised_on),
        certificate_status=certificate.status,
        province_code=address.province_code,
        province_name=nfc(address.province_name),
        ward_code=address.ward_code,
        ward_name=nfc(address.ward_name) if address.ward_name else None,
        legacy=nfc(address.legacy) if address.legacy else None,
        legacy_commune=nfc(address.legacy_commune) if address.legacy_commune else None,
        legacy_district=nfc(address.legacy_district) if address.legacy_district else None,
        legacy_province=nfc(address.legacy_province) if address.legacy_province else None,
        certifications=schemes,
        certification_codes=codes,
        price_vnd=snapshot.price_vnd,
        unit=snapshot.unit,
        image=snapshot.images[0] if snapshot.images else None,
    )
