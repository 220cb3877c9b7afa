"""Cursor pagination: `?cursor=&limit=` in, `{items, next_cursor}` out.

The cursor is the opaque, URL-safe encoding of the last row's sort key; a list ordered by a unique
key (ids here are time-ordered) pages stably while rows are added.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ocop_kit.errors import FieldError, ValidationFailed

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type) -> Any:
    """The sort key `cursor` holds, which must be of `kind` (the key column's Python type):
    anything else (`null`, `true`, a list, a forged or damaged cursor) is a 422, not a query."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise _bad_cursor() from exc
    # bool is an int to Python, never to a key column; keys are short printable ids.
    if (
        not isinstance(value, kind)
        or isinstance(value, bool)
        or (isinstance(value, str) and not (value.isprintable() and len(value) <= 200))
    ):
        raise _bad_cursor()
    return value


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "Con trỏ phân trang không hợp lệ",
        "Invalid pagination cursor",
        errors=[FieldError("cursor", "Con trỏ không hợp lệ", "Invalid cursor")],
    )


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"limit phải từ 1 đến {MAX_LIMIT}",
            f"limit must be between 1 and {MAX_LIMIT}",
            errors=[FieldError("limit", f"Từ 1 đến {MAX_LIMIT}", f"Between 1 and {MAX_LIMIT}")],
        )
    return limit


def paginate(
    session: Session,
    query: Select[Any],
    key: InstrumentedAttribute[Any],
    cursor: str | None,
    limit: int | None,
) -> tuple[list[Any], str | None]:
    """Rows of `query` after `cursor`, ordered by the unique `key`, and the next cursor."""
    size = check_limit(limit)
    if cursor:
        query = query.where(key > decode_cursor(cursor, key.type.python_type))
    rows = list(session.scalars(query.order_by(key).limit(size + 1)))
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, encode_cursor(getattr(rows[-1], key.key))
