"""Producer requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from ocop_kit.text import Line, Name

ProducerKind = Literal["enterprise", "cooperative", "cooperative_group", "household"]
PRODUCER_KINDS: tuple[ProducerKind, ...] = (
    "enterprise",
    "cooperative",
    "cooperative_group",
    "household",
)


class AddressIn(BaseModel):
    """Either a current ward code, or a written (possibly pre-2025) address."""

    ward_code: Line | None = Field(default=None, max_length=8, examples=["14287"])
    legacy: Line | None = Field(
        default=None,
        max_length=500,
        examples=["Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"],
    )
    street: Line | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _one_form(self) -> AddressIn:
        if bool(self.ward_code) == bool(self.legacy):
            raise ValueError(
                "Cần đúng một trong hai: ward_code hoặc legacy / "
                "Give exactly one of ward_code or legacy"
            )
        return self


class AddressOut(BaseModel):
    province_code: str
    province_name: str
    ward_code: str | None = None
    ward_name: str | None = None
    street: str | None = None
    legacy: str | None = None
    legacy_commune: str | None = None
    legacy_district: str | None = None
    legacy_province: str | None = None


TaxCode = Field(default=None, pattern=r"^\d{10}(-\d{3})?$", examples=["0601234567"])
Phone = Field(default=None, pattern=r"^\+?[0-9 .()-]{8,20}$", examples=["0912345678"])
Email = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ProducerCreate(BaseModel):
    name: Name = Field(min_length=2, max_length=300)
    kind: ProducerKind
    tax_code: Line | None = TaxCode
    phone: Line | None = Phone
    email: Line | None = Email
    address: AddressIn


class ProducerUpdate(BaseModel):
    """Only the fields sent are changed."""

    name: Name | None = Field(default=None, min_length=2, max_length=300)
    kind: ProducerKind | None = None
    tax_code: Line | None = TaxCode
    phone: Line | None = Phone
    email: Line | None = Email
    address: AddressIn | None = None


class ProducerLikeness(BaseModel):
    """A registered producer sharing the new one's tax code or phone."""

    id: str
    name: str
    reason: str
    reason_en: str


class ProducerOut(BaseModel):
    id: str
    name: str
    kind: ProducerKind
    tax_code: str | None
    phone: str | None
    email: str | None
    address: AddressOut
    version: int
    created_at: datetime
    updated_at: datetime
    likely_duplicates: list[ProducerLikeness] = Field(
        default=[],
        description="On a create only: producers of the province with the same tax code or "
        "phone (a warning; the producer is registered).",
    )
