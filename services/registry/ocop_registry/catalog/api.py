"""HTTP: reference data — product groups and administrative units (public, read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from vietnam_provinces import Ward

from ocop_kit.errors import FieldError, NotFound, ValidationFailed
from ocop_registry.admin_units import (
    AddressNotUnderstood,
    all_provinces,
    is_province_code,
    resolve_address_text,
    ward_code_text,
)
from ocop_registry.catalog.groups import ProductGroups, product_groups
from ocop_registry.producers.schemas import AddressOut

router = APIRouter(tags=["reference data"])


class Unit(BaseModel):
    code: str
    name: str


@router.get("/v1/product-groups", summary="Product groups (Decision 148) and the 1048 mapping")
def get_product_groups() -> ProductGroups:
    return product_groups()


@router.get("/v1/admin-units/provinces", summary="The 34 provinces (since 1 July 2025)")
def list_provinces() -> list[Unit]:
    return [Unit(code=code, name=name) for code, name in all_provinces()]


@router.get("/v1/admin-units/provinces/{province_code}/wards", summary="A province's communes")
def list_wards(province_code: str) -> list[Unit]:
    if not is_province_code(province_code):
        raise NotFound("Không có tỉnh này", "No such province")
    wards = Ward.iter_by_province(int(province_code))  # type: ignore[arg-type]
    return sorted(
        (Unit(code=ward_code_text(w.code), name=" ".join(w.name.split())) for w in wards),
        key=lambda unit: unit.code,
    )


@router.get(
    "/v1/admin-units/resolve",
    summary="Place a written address (current or pre-2025) in the current units",
)
def resolve(address: Annotated[str, Query(min_length=3, max_length=500)]) -> AddressOut:
    try:
        resolved = resolve_address_text(address)
    except AddressNotUnderstood as exc:
        raise ValidationFailed(
            "Không xác định được địa chỉ",
            "The address could not be resolved",
            errors=[FieldError("address", exc.message_vi, exc.message_en, part=exc.part)],
        ) from exc
    return AddressOut.model_validate(resolved.__dict__)
