"""Administrative units: current (34 provinces, 2025) and legacy (63 provinces with districts).

Current units and their official codes come from `vietnam-provinces`; legacy addresses are
converted with `vietnamadminunits`. Codes are the official code strings (`"37"`, `"14287"`).
"""

from __future__ import annotations

import contextlib
import re
import types
from dataclasses import dataclass
from functools import lru_cache

from vietnam_provinces import Province, Ward
from vietnamadminunits import ParseMode, convert_address, parse_address
from vietnamadminunits.parser import parser_from_2025, parser_legacy

from ocop_kit.text import matching_key, nfc

# Prefixes that mark a commune-level unit, so "Xã Hải Đông, Nam Định" is not read as a street.
_WARD_PREFIXES = ("xa ", "phuong ", "thi tran ", "dac khu ")


def _keep_compiled_patterns() -> None:
    """For each address the parser compiles a pattern of the ward names of its province or
    district. Python's `re` keeps the last 512 patterns; a country-wide sheet goes through more
    provinces and districts than that, and compiling one again is a large share of resolving an
    address (figures in bench/import/README.md). The parser's modules get a `re` whose `compile`
    keeps 4,096."""
    patterns = types.ModuleType("re")
    patterns.__dict__.update(re.__dict__)
    patterns.compile = lru_cache(maxsize=4096)(re.compile)  # type: ignore[attr-defined]
    for module in (parser_from_2025, parser_legacy):
        module.re = patterns


_keep_compiled_patterns()


@dataclass(frozen=True)
class ResolvedAddress:
    """An address placed in the current units, with the legacy units it was given in."""

    province_code: str
    province_name: str
    ward_code: str | None
    ward_name: str | None
    street: str | None = None
    legacy: str | None = None
    legacy_commune: str | None = None
    legacy_district: str | None = None
    legacy_province: str | None = None


class AddressNotUnderstood(ValueError):
    """The part of an address that could not be matched (`part` is `province`, `district`,
    `ward` or `ward_code`, `text` what was given)."""

    def __init__(self, part: str, text: str) -> None:
        labels = {
            "province": ("tỉnh/thành phố", "province"),
            "district": ("quận/huyện (trước 2025)", "district (pre-2025)"),
            "ward": ("xã/phường", "commune/ward"),
            "ward_code": ("mã xã/phường", "ward code"),
        }
        vi, en = labels[part]
        self.part = part
        self.text = text
        self.message_vi = f"Không xác định được {vi}: “{text}”"
        self.message_en = f"Could not understand the {en}: “{text}”"
        super().__init__(f"{self.message_vi} / {self.message_en}")


def province_code_text(code: int) -> str:
    return f"{int(code):02d}"


def ward_code_text(code: int) -> str:
    return f"{int(code):05d}"


def province_name(code: str) -> str | None:
    """The current name of a province by its official code, or None."""
    try:
        return Province.from_code(int(code)).name  # type: ignore[arg-type]
    except ValueError:
        return None


def all_provinces() -> list[tuple[str, str]]:
    """(code, name) of the current provinces, in code order."""
    return sorted((province_code_text(p.code), p.name) for p in Province.iter_all())


def is_province_code(code: str) -> bool:
    return code.isdigit() and province_name(code) is not None


def resolve_ward_code(code: str) -> ResolvedAddress:
    """A current ward by its official code (`"14287"` or `14287`)."""
    text = code.strip()
    try:
        ward = Ward.from_code(int(text))  # type: ignore[arg-type]
    except ValueError as exc:
        raise AddressNotUnderstood("ward_code", text) from exc
    province = Province.from_code(ward.province_code)
    return ResolvedAddress(
        province_code=province_code_text(province.code),
        province_name=" ".join(province.name.split()),
        ward_code=ward_code_text(ward.code),
        ward_name=" ".join(ward.name.split()),
    )


def _parts(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


@lru_cache(maxsize=20_000)
def resolve_address_text(text: str) -> ResolvedAddress:
    """Place a written address, current (`Xã Hải Quang, Ninh Bình`) or pre-2025
    (`Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định`), in the current units.

    Raises AddressNotUnderstood naming the first part (province, district, commune) that did not
    match. A street or village before the commune is kept as `street`.
    """
    address = nfc(text).strip()
    parts = _parts(address)
    if not parts:
        raise AddressNotUnderstood("province", address)

    legacy = parse_address(address, mode=ParseMode.LEGACY, keep_street=True, level=3)
    if legacy.ward_key:
        return _from_legacy(address, legacy)

    current = parse_address(address, mode=ParseMode.FROM_2025, keep_street=True, level=2)
    street = current.street
    if street and current.ward:
        # The parser sometimes repeats the ward at the end of the street.
        street_parts = _parts(street)
        if street_parts and matching_key(street_parts[-1]) == matching_key(current.ward):
            street = ", ".join(street_parts[:-1]) or None
    street_is_ward = bool(street) and matching_key(street).startswith(_WARD_PREFIXES)
    # The current-units parser also reads the last words of a legacy address; trust it only when
    # it placed every part (nothing that looks like a commune left over as "street").
    if current.ward_code and not street_is_ward and len(parts) <= (3 if street else 2):
        ward_text = parts[-2] if len(parts) >= 2 else address
        return _from_current(
            current.province_code, current.ward_code, current.ward, street, ward_text
        )

    # Say which part was not understood, from the province down.
    if not (legacy.province_key or current.province_code):
        raise AddressNotUnderstood("province", parts[-1])
    if len(parts) >= 3 and legacy.province_key and not legacy.district_key:
        raise AddressNotUnderstood("district", parts[-2])
    ward_text = parts[-3] if len(parts) >= 3 else parts[0]
    if len(parts) == 1:
        ward_text = address
    raise AddressNotUnderstood("ward", ward_text)


def _current_ward(
    province_code: str, ward_code: str, ward_name: str | None, given: str
) -> ResolvedAddress:
    """The current ward by code, or by name within the province where the two packages'
    codes disagree (their data are released separately)."""
    by_code: ResolvedAddress | None = None
    with contextlib.suppress(AddressNotUnderstood):
        by_code = resolve_ward_code(ward_code)
    wanted = matching_key(ward_name or "")
    in_province = by_code and by_code.province_code == province_code_text(int(province_code))
    if by_code and in_province and (not wanted or matching_key(by_code.ward_name or "") == wanted):
        return by_code
    # The name is the stronger signal where the codes of the two packages disagree.
    for ward in Ward.iter_by_province(int(province_code)):  # type: ignore[arg-type]
        if matching_key(ward.name) == wanted:
            return resolve_ward_code(str(ward.code))
    if by_code and in_province:
        return by_code
    raise AddressNotUnderstood("ward", given)


def _from_current(
    province_code: str, ward_code: str, ward_name: str | None, street: str | None, given: str
) -> ResolvedAddress:
    resolved = _current_ward(province_code, ward_code, ward_name, given)
    return ResolvedAddress(
        province_code=resolved.province_code,
        province_name=resolved.province_name,
        ward_code=resolved.ward_code,
        ward_name=resolved.ward_name,
        street=nfc(street).strip() if street else None,
    )


def _from_legacy(address: str, legacy: object) -> ResolvedAddress:
    ward = str(getattr(legacy, "ward", "") or "")
    district = str(getattr(legacy, "district", "") or "")
    province = str(getattr(legacy, "province", "") or "")
    street = getattr(legacy, "street", None)
    # Convert without the street: with one, the converter geocodes it over the network.
    converted = convert_address(", ".join(p for p in (ward, district, province) if p))
    if not converted.province_code:
        raise AddressNotUnderstood("province", province or address)
    if not converted.ward_code:
        raise AddressNotUnderstood("ward", ward or address)
    current = _current_ward(converted.province_code, converted.ward_code, converted.ward, ward)
    return ResolvedAddress(
        province_code=current.province_code,
        province_name=current.province_name,
        ward_code=current.ward_code,
        ward_name=current.ward_name,
        street=nfc(street).strip() if street else None,
        legacy=address,
        legacy_commune=ward or None,
        legacy_district=district or None,
        legacy_province=province or None,
    )
