"""The official product groups (Decision 148/QĐ-TTg), kept as a versioned data file."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from ocop_contracts import PRODUCT_GROUP_CODES
from ocop_registry.text import fold_vietnamese

DATA_FILE = Path(__file__).parent / "product_groups.json"


class SubGroup(BaseModel):
    code: str
    name_vi: str
    name_en: str


class Group(BaseModel):
    code: str
    name_vi: str
    name_en: str
    subgroups: list[SubGroup] = []


class LegacyGroup(BaseModel):
    name_vi: str
    maps_to: str


class ProductGroups(BaseModel):
    version: str
    source: str
    groups: list[Group]
    legacy_1048: list[LegacyGroup]

    def names(self) -> dict[str, tuple[str, str]]:
        """Every group and sub-group code → (Vietnamese name, English name)."""
        result: dict[str, tuple[str, str]] = {}
        for group in self.groups:
            result[group.code] = (group.name_vi, group.name_en)
            for sub in group.subgroups:
                result[sub.code] = (sub.name_vi, sub.name_en)
        return result


@lru_cache
def product_groups() -> ProductGroups:
    """The product groups data file, checked against the codes services agree on."""
    data = ProductGroups.model_validate(json.loads(DATA_FILE.read_text(encoding="utf-8")))
    codes = tuple(g.code for g in data.groups)
    if codes != PRODUCT_GROUP_CODES:
        raise RuntimeError(f"product_groups.json groups {codes} differ from the contract")
    names = data.names()
    for legacy in data.legacy_1048:
        if legacy.maps_to not in names:
            raise RuntimeError(f"legacy group maps to unknown code {legacy.maps_to}")
    return data


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[str, str]]:
    return product_groups().names()


def group_name(code: str) -> str | None:
    """The Vietnamese name of a group or sub-group code."""
    pair = _names().get(code)
    return pair[0] if pair else None


def is_group_code(code: str) -> bool:
    return code in _names()


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    data = product_groups()
    table: dict[str, str] = {}
    # Legacy (1048) names first, so a current name that is also an old one maps to the current.
    for legacy in data.legacy_1048:
        table[fold_vietnamese(legacy.name_vi)] = legacy.maps_to
    for code, (name_vi, name_en) in data.names().items():
        table[fold_vietnamese(code)] = code
        table[fold_vietnamese(name_vi)] = code
        table[fold_vietnamese(name_en)] = code
    return table


def match_group(text: str) -> str | None:
    """A group code from a code or an official name under Decision 148 or 1048, ignoring case,
    diacritics and the kind of dash: `Lưu niệm – nội thất – trang trí` → `thu_cong_my_nghe`."""
    folded = fold_vietnamese(text)
    return _lookup().get(folded)
