"""Text as people type it, checked the same way in every service.

Every text field is stored NFC and refuses control characters (multi-line fields keep line
breaks and tabs), bidi overrides and isolates (they make a name read differently from what is
stored: "Trojan Source") and text made only of invisible characters. Names are also trimmed,
their inner runs of spaces collapsed to one, and need a letter or a digit.

Schemas use the annotated types (`Name`, `Line`, `Text`, `WebUrl`); the registry's sheet import
calls the same functions on its cells, so a refused cell is a row error with the same message.

Vietnamese folding lives here too, one implementation for every service: `fold_vietnamese`
(search's highlighting and synonyms, the registry's keys) and `matching_key` (the registry's
name, address and code keys).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator

# Bidi embeddings, overrides (U+202A-202E) and isolates (U+2066-2069).
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Control characters (Unicode's Cc: C0, DEL and C1) and bidi controls, as one pattern so a
# 20,000-row import checks its cells at the regular expression engine's speed.
REFUSED_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
REFUSED_IN_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
LINE_BREAKS = re.compile(r"\r\n?")
SPACES = re.compile(r"\s+")
# What separates words in a name or code as people type it: spaces, dashes, underscores.
WORD_SEPARATORS = re.compile(r"[\s_\-–—]+")
WEB_SCHEMES = ("http", "https")


class TextRefused(ValueError):
    """Text a field does not take; the message is "tiếng Việt / English" as the kit's
    validation errors expect."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        self.message_vi = message_vi
        self.message_en = message_en
        super().__init__(f"{message_vi} / {message_en}")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` in NFC without surrounding spaces, or TextRefused. A multi-line text keeps `\\n`
    and `\\t` (a `\\r\\n` or lone `\\r` line break becomes `\\n`); no other control character is
    taken, nor a bidi control, nor text whose only characters are invisible."""
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = LINE_BREAKS.sub("\n", text)
    refused = (REFUSED_IN_MULTILINE if multiline else REFUSED_IN_LINE).search(text)
    if refused is not None:
        code = f"U+{ord(refused.group()):04X}"
        if unicodedata.category(refused.group()) == "Cc":
            raise TextRefused(
                f"Chứa ký tự điều khiển không được phép ({code})",
                f"Holds a control character that is not allowed ({code})",
            )
        raise TextRefused(
            f"Chứa ký tự đảo chiều văn bản ({code})", f"Holds a bidirectional text control ({code})"
        )
    text = text.strip()
    # Stripped text starts with a visible character unless it starts with a format character.
    if text[:1] and unicodedata.category(text[0]) == "Cf" and all(_invisible(c) for c in text):
        raise TextRefused(
            "Chỉ có ký tự vô hình (độ rộng bằng 0)",
            "Holds only invisible (zero-width) characters",
        )
    return text


def _invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or char.isspace()


def clean_name(value: str) -> str:
    """A name as it is stored: clean single-line text, trimmed, inner runs of spaces as one
    space; refused when nothing is left or it has neither a letter nor a digit."""
    name = " ".join(clean_text(value).split())
    if not name:
        raise TextRefused("Tên không được để trống", "The name must not be blank")
    if not any(unicodedata.category(c)[0] in "LN" for c in name):
        raise TextRefused(
            "Tên phải có ít nhất một chữ cái hoặc chữ số",
            "A name needs at least one letter or digit",
        )
    return name


def check_web_url(value: str) -> str:
    """An http(s) address with a host (no `javascript:`, `data:` or other schemes)."""
    url = clean_text(value)
    parts = urlsplit(url)
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname or SPACES.search(url):
        raise TextRefused(
            "Phải là địa chỉ web http:// hoặc https://",
            "Must be a web address starting with http:// or https://",
        )
    return url


def _on_text(rule: Callable[[str], str]) -> BeforeValidator:
    """Run `rule` on strings before the field's own checks (so `min_length` and `max_length`
    measure the cleaned text); anything else goes on to fail the field's type check."""

    def validate(value: Any) -> Any:
        return rule(value) if isinstance(value, str) else value

    return BeforeValidator(validate)


def clean_line(value: str) -> str:
    """Single-line text: `clean_text` without line breaks."""
    return clean_text(value)


def clean_multiline(value: str) -> str:
    """Multi-line text (descriptions, comments, notes)."""
    return clean_text(value, multiline=True)


# A producer's, product's or person's name.
Name = Annotated[str, _on_text(clean_name)]
# Any other single-line text: codes typed by people, numbers of decisions, units, addresses.
Line = Annotated[str, _on_text(clean_line)]
# Multi-line text: descriptions, comments, notes.
Text = Annotated[str, _on_text(clean_multiline)]
# A link shown to people or channels: http(s) only.
WebUrl = Annotated[str, _on_text(check_web_url)]


def nfc(text: str) -> str:
    """Compose the text (NFC): decomposed input splits words in every tokenizer we use, and two
    spellings of one name would not compare equal."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=65_536)
def fold_vietnamese(text: str) -> str:
    """Lower-case without diacritics, đ → d, composed: `Nước mắm Đặc biệt` → `nuoc mam dac
    biet`. Every nonspacing mark goes (tone marks, the breve and horn, invisible variation
    selectors); what remains is recomposed, so Korean or Tamil letters stay whole. Tantivy's
    `ascii_fold` and Meilisearch's tokenizer fold Vietnamese the same way."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d"))


@lru_cache(maxsize=65_536)
def matching_key(text: str) -> str:
    """`fold_vietnamese` with runs of spaces, dashes and underscores as one space, trimmed:
    `Lưu niệm – nội thất` → `luu niem noi that`. How typed names, addresses and codes are
    matched against stored ones."""
    return WORD_SEPARATORS.sub(" ", fold_vietnamese(text)).strip()
