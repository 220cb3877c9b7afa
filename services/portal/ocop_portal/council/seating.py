"""Pure: the council forms read back — seats chosen from accounts or typed by name, products
found by name. No I/O; the evaluation service checks every rule (one chair, quorum…)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

SEAT_ROLES = ("chair", "member", "secretary")
# Rows for people without an account (an outside expert): typed by name.
TYPED_ROWS = 3


def members_from_form(items: Iterable[tuple[str, Any]]) -> list[dict[str, str]]:
    """Seats from the form: `seat:<account id>` = role with `name:<account id>` = the name
    shown, and `typed_name_<n>` / `typed_role_<n>` for people typed by name. Accounts come
    first, in the form's order; a row without a role or a name is left out."""
    fields: dict[str, str] = {}
    for key, value in items:
        fields[str(key)] = str(value).strip()
    seats: list[dict[str, str]] = []
    for key, role in fields.items():
        if key.startswith("seat:") and role in SEAT_ROLES:
            account_id = key.removeprefix("seat:")
            name = fields.get(f"name:{account_id}") or account_id
            seats.append({"name": name, "role": role, "account_id": account_id})
    for n in range(1, TYPED_ROWS + 1):
        name = fields.get(f"typed_name_{n}", "")
        role = fields.get(f"typed_role_{n}", "")
        if name and role in SEAT_ROLES:
            seats.append({"name": name, "role": role})
    return seats


def fold(text: str) -> str:
    """Vietnamese without diacritics, lower case (`Nước mắm` → `nuoc mam`), for matching
    what people type against product names."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def matching(products: Iterable[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Products whose name or producer's name holds every word of `query` (diacritics and
    case ignored)."""
    words = fold(query).split()
    if not words:
        return []
    found = []
    for product in products:
        producer = product.get("producer") or {}
        haystack = fold(f"{product.get('name', '')} {producer.get('name', '')}")
        if all(word in haystack for word in words):
            found.append(product)
    return found
