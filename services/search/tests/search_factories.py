"""Product snapshots and events as the registry sends them."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Any

from ocop_contracts import ProductSnapshot

_counter = itertools.count(1)


def snapshot(
    name: str,
    *,
    id: str | None = None,
    description: str | None = None,
    producer: str = "Hợp tác xã Nông nghiệp",
    producer_kind: str = "cooperative",
    group: str = "thuc_pham",
    group_name: str | None = None,
    stars: int | None = 4,
    status: str = "valid",
    province_code: str = "01",
    province_name: str = "Thành phố Hà Nội",
    ward_name: str | None = None,
    legacy_commune: str | None = None,
    legacy_district: str | None = None,
    legacy_province: str | None = None,
    certifications: tuple[str, ...] = (),
    recognised_on: date = date(2025, 3, 1),
    expires_on: date = date(2028, 3, 1),
    deleted: bool = False,
    **extra: Any,
) -> ProductSnapshot:
    certificate = (
        None
        if stars is None
        else {
            "stars": stars,
            "level": "provincial",
            "decision_no": f"{next(_counter)}/QĐ-UBND",
            "recognised_on": recognised_on,
            "expires_on": expires_on,
            "status": status,
        }
    )
    return ProductSnapshot.model_validate(
        {
            "id": id or str(uuid.uuid4()),
            "name": name,
            "description": description,
            "group": group,
            "group_name": group_name,
            "producer": {"id": str(uuid.uuid4()), "name": producer, "kind": producer_kind},
            "address": {
                "province_code": province_code,
                "province_name": province_name,
                "ward_code": None,
                "ward_name": ward_name,
                "legacy_commune": legacy_commune,
                "legacy_district": legacy_district,
                "legacy_province": legacy_province,
            },
            "certifications": [{"scheme": s} for s in certifications],
            "certificate": certificate,
            "deleted": deleted,
            **extra,
        }
    )
