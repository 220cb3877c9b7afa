"""The official product classification, kept as a versioned data file: ngành (the six groups
services agree on) → nhóm (sub-groups) → bộ sản phẩm (the 26 product sets, each scored on its
own card) under Decision 26/2026/QĐ-TTg, with the retired codes and the Decision 1048 names
mapped onto it."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from ocop_contracts import PRODUCT_GROUP_CODES, PRODUCT_SETS, top_level_group
from ocop_kit.text import matching_key

DATA_FILE = Path(__file__).parent / "product_groups.json"


class Named(BaseModel):
    code: str
    name_vi: str
    name_en: str


class ProductSet(Named):
    # Other spellings of the name met in the sources and in sheets.
    aliases: list[str] = []


class SubGroup(Named):
    aliases: list[str] = []
    product_sets: list[ProductSet]


class RetiredSubGroup(Named):
    """A sub-group code products may still carry; `product_sets` are the sets it may mean."""

    product_sets: list[str]


class Group(Named):
    subgroups: list[SubGroup]
    retired_subgroups: list[RetiredSubGroup] = []


class LegacyGroup(BaseModel):
    name_vi: str
    maps_to: str


class ProductGroups(BaseModel):
    version: str
    source: str
    sources: list[str]
    groups: list[Group]
    legacy_1048: list[LegacyGroup]

    def names(self) -> dict[str, tuple[str, str]]:
        """Every group and sub-group code (retired ones too) → (Vietnamese, English name)."""
        result: dict[str, tuple[str, str]] = {}
        for group in self.groups:
            result[group.code] = (group.name_vi, group.name_en)
            subs: list[Named] = [*group.subgroups, *group.retired_subgroups]
            for sub in subs:
                result[sub.code] = (sub.name_vi, sub.name_en)
        return result

    def product_sets(self) -> dict[str, ProductSet]:
        """The 26 product sets by code, in the order of the appendix."""
        return {
            product_set.code: product_set
            for group in self.groups
            for sub in group.subgroups
            for product_set in sub.product_sets
        }

    def sets_under(self) -> dict[str, tuple[str, ...]]:
        """Every group and sub-group code → the product sets a product in it may belong to."""
        result: dict[str, tuple[str, ...]] = {}
        for group in self.groups:
            everything: list[str] = []
            for sub in group.subgroups:
                result[sub.code] = tuple(s.code for s in sub.product_sets)
                everything.extend(result[sub.code])
            for retired in group.retired_subgroups:
                result[retired.code] = tuple(retired.product_sets)
            result[group.code] = tuple(everything)
        return result

    def subgroup_of_set(self) -> dict[str, str]:
        """Product set code → the sub-group (nhóm) it sits in."""
        return {
            product_set.code: sub.code
            for group in self.groups
            for sub in group.subgroups
            for product_set in sub.product_sets
        }


@lru_cache
def product_groups() -> ProductGroups:
    """The product groups data file, checked against the codes services agree on."""
    data = ProductGroups.model_validate(json.loads(DATA_FILE.read_text(encoding="utf-8")))
    codes = tuple(g.code for g in data.groups)
    if codes != PRODUCT_GROUP_CODES:
        raise RuntimeError(f"product_groups.json groups {codes} differ from the contract")
    placed = {
        s.code: (group.code, s.name_vi)
        for group in data.groups
        for sub in group.subgroups
        for s in sub.product_sets
    }
    if list(placed.items()) != list(PRODUCT_SETS.items()):
        raise RuntimeError("product_groups.json product sets differ from the contract")
    names = data.names()
    for group in data.groups:
        subs: list[Named] = [*group.subgroups, *group.retired_subgroups]
        for sub in subs:
            if top_level_group(sub.code) != group.code:
                raise RuntimeError(f"sub-group {sub.code} is not under {group.code}")
        for retired in group.retired_subgroups:
            stray = [c for c in retired.product_sets if c not in data.sets_under()[group.code]]
            if stray:
                raise RuntimeError(f"retired {retired.code} maps to sets {stray} outside its group")
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
        table[matching_key(legacy.name_vi)] = legacy.maps_to
    for group in data.groups:
        for code, name_vi, name_en in [(group.code, group.name_vi, group.name_en)] + [
            (s.code, s.name_vi, s.name_en) for s in group.retired_subgroups
        ]:
            for text in (code, name_vi, name_en):
                table[matching_key(text)] = code
        for sub in group.subgroups:
            table[matching_key(sub.code)] = sub.code
            # A sub-group named like its group (tourism) leaves the name to the group.
            for text in (sub.name_vi, sub.name_en, *sub.aliases):
                table.setdefault(matching_key(text), sub.code)
    return table


def match_group(text: str) -> str | None:
    """A group code from a code or an official name under Decision 26/2026, 148 or 1048,
    ignoring case, diacritics and the kind of dash: `Lưu niệm – nội thất – trang trí` →
    `thu_cong_my_nghe.trang_tri`."""
    return _lookup().get(matching_key(text))


def product_set_name(code: str | None) -> str | None:
    """The Vietnamese name of a product set code."""
    product_set = _product_sets().get(code or "")
    return product_set.name_vi if product_set else None


# The data file's tables, made once: an import asks them for every row.
@lru_cache(maxsize=1)
def _product_sets() -> dict[str, ProductSet]:
    return product_groups().product_sets()


@lru_cache(maxsize=1)
def _sets_under() -> dict[str, tuple[str, ...]]:
    return product_groups().sets_under()


@lru_cache(maxsize=1)
def _subgroup_of_set() -> dict[str, str]:
    return product_groups().subgroup_of_set()


@lru_cache(maxsize=1)
def _set_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, product_set in _product_sets().items():
        for text in (code, product_set.name_vi, product_set.name_en, *product_set.aliases):
            table[matching_key(text)] = code
    return table


def match_product_set(text: str) -> str | None:
    """A product set code from its code, name or a known other spelling, ignoring case and
    diacritics: `ruou trang` → `ruou_trang`."""
    return _set_lookup().get(matching_key(text))


def sets_for_group(group: str) -> tuple[str, ...]:
    """The product sets a product of this group or sub-group may belong to."""
    return _sets_under().get(group, ())


def infer_product_set(group: str) -> str | None:
    """The product set a group implies, when it implies exactly one; otherwise None (the
    product waits for someone to choose its set rather than get a guess)."""
    candidates = sets_for_group(group)
    return candidates[0] if len(candidates) == 1 else None


def subgroup_of_set(product_set: str) -> str:
    """The sub-group (nhóm) a product set sits in: `ruou_trang` → `do_uong.co_con`."""
    return _subgroup_of_set()[product_set]
