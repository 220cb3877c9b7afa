"""Vietnamese text folding, for matching what people type against codes and names."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"[\s_\-–—]+")


@lru_cache(maxsize=65_536)
def fold_vietnamese(text: str) -> str:
    """Lower-case, without diacritics (đ → d), with runs of spaces, dashes and underscores as one
    space: `Lưu niệm – nội thất` → `luu niem noi that`."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare).strip()


def nfc(text: str) -> str:
    """Unicode NFC with surrounding spaces removed (all stored text is NFC)."""
    return unicodedata.normalize("NFC", text).strip()
