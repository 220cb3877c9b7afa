"""Product requests and responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from ocop_contracts import CHANNEL_CODES, CertificateSnapshot, ProductSnapshot
from ocop_kit.dates import ProgrammeDate
from ocop_kit.text import Line, Name, Text, WebUrl, matching_key
from ocop_registry.catalog.groups import is_group_code, match_group, match_product_set
from ocop_registry.certificates.rules import CERTIFICATE_LEVELS
from ocop_registry.gtin import is_valid_gtin
from ocop_registry.producers.schemas import AddressOut

# Quality certification schemes by their folded spelling; anything else is kept as written.
KNOWN_SCHEMES = {
    matching_key(name).replace(" ", ""): name
    for name in ("VietGAP", "GlobalGAP", "HACCP", "ISO 22000", "FSSC 22000", "Halal", "organic")
}
KNOWN_SCHEMES["huuco"] = "organic"


def canonical_scheme(text: str) -> str:
    """`vietgap`, `Viet GAP` → `VietGAP`; `hữu cơ` → `organic`; others unchanged."""
    return KNOWN_SCHEMES.get(matching_key(text).replace(" ", ""), text.strip())


def check_group(value: str) -> str:
    if is_group_code(value):
        return value
    matched = match_group(value)
    if matched is None:
        raise ValueError(
            f"Nhóm sản phẩm “{value}” không có trong danh mục (xem /v1/product-groups) / "
            f"Unknown product group “{value}” (see /v1/product-groups)"
        )
    return matched


def check_product_set(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    matched = match_product_set(value)
    if matched is None:
        raise ValueError(
            f"Bộ sản phẩm “{value}” không có trong danh mục (xem /v1/product-groups) / "
            f"Unknown product set “{value}” (see /v1/product-groups)"
        )
    return matched


def check_barcode(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    code = value.strip()
    if not is_valid_gtin(code):
        raise ValueError(
            "Mã vạch không hợp lệ (GTIN 8, 12, 13 hoặc 14 số, sai số kiểm tra) / "
            "Invalid barcode (GTIN of 8, 12, 13 or 14 digits with a correct check digit)"
        )
    return code


def check_channels(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    result: list[str] = []
    for value in values:
        code = value.strip().lower()
        if code not in CHANNEL_CODES:
            raise ValueError(
                f"Kênh “{value}” không hợp lệ; dùng: {', '.join(CHANNEL_CODES)} / "
                f"Unknown channel “{value}”; use: {', '.join(CHANNEL_CODES)}"
            )
        if code not in result:
            result.append(code)
    return result


class CertificationIn(BaseModel):
    scheme: Line = Field(min_length=2, max_length=100, examples=["VietGAP"])
    number: Line | None = Field(default=None, max_length=100)
    valid_until: date | None = None

    @field_validator("scheme")
    @classmethod
    def _scheme(cls, value: str) -> str:
        return canonical_scheme(value)


class ProductFields(BaseModel):
    description: Text | None = Field(default=None, max_length=10_000)
    # Strict: JSON `true` is not a price of 1 đồng.
    price_vnd: int | None = Field(default=None, ge=0, le=10_000_000_000, strict=True)
    unit: Line | None = Field(default=None, max_length=50, examples=["hộp 500 g"])
    weight_grams: int | None = Field(default=None, gt=0, le=10_000_000, strict=True)
    certifications: list[CertificationIn] | None = None
    barcode: Line | None = Field(default=None, examples=["8935049500018"])
    channels: list[Line] | None = None
    images: list[Annotated[WebUrl, Field(max_length=2000)]] | None = Field(
        default=None, max_length=20
    )
    geographical_indication: Line | None = Field(default=None, max_length=200)
    collective_trademark: Line | None = Field(default=None, max_length=200)
    traceability_url: WebUrl | None = Field(default=None, max_length=500)

    confirm_not_duplicate: bool = Field(
        default=False,
        description="Store the product although it looks like a registered one (answered 409 "
        "with `likely_duplicates` otherwise); the confirmation is kept in the history.",
    )

    _barcode = field_validator("barcode")(check_barcode)
    _channels = field_validator("channels")(check_channels)


class ProductCreate(ProductFields):
    producer_id: Line
    name: Name = Field(min_length=2, max_length=300)
    group: Line = Field(examples=["thuc_pham.che_bien"])
    # Inferred from the group when it implies one set; otherwise None ("choose a set").
    product_set: Line | None = Field(default=None, examples=["che_bien_gao_ngu_coc"])

    _group = field_validator("group")(check_group)
    _product_set = field_validator("product_set")(check_product_set)


class ProductUpdate(ProductFields):
    """Only the fields sent are changed."""

    name: Name | None = Field(default=None, min_length=2, max_length=300)
    group: Line | None = None
    # Sent as null, it returns the product to "choose a set".
    product_set: Line | None = None

    _product_set = field_validator("product_set")(check_product_set)

    @field_validator("group")
    @classmethod
    def _group(cls, value: str | None) -> str | None:
        return None if value is None else check_group(value)


class CertificateOut(CertificateSnapshot):
    id: str


class CertificateRecord(CertificateOut):
    """A certificate in a product's history: the current one, or one replaced or revoked."""

    current: bool
    source: str
    replaced_at: datetime | None = None
    revoked_reason: str | None = None


class ProductOut(ProductSnapshot):
    """The product with its producer, address and certificate (status against today)."""

    address: AddressOut
    certificate: CertificateOut | None = None
    producer_id: str
    province_code: str
    geographical_indication: str | None = None
    collective_trademark: str | None = None
    traceability_url: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class CertificateIssue(BaseModel):
    """A certificate entered by an officer (a decision made outside this system)."""

    stars: int = Field(ge=3, le=5, strict=True)
    level: str = Field(pattern=f"^({'|'.join(CERTIFICATE_LEVELS)})$")
    decision_no: Line | None = Field(default=None, max_length=100)
    recognised_on: ProgrammeDate


class CertificateRevoke(BaseModel):
    reason: Line = Field(min_length=3, max_length=500)


class HistoryEntry(BaseModel):
    entity_type: str
    entity_id: str
    action: str
    actor: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
