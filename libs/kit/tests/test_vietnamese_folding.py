"""The one Vietnamese folding every service uses (`ocop_kit.text`).

The registry and search each had a copy; they agreed on Vietnamese and Latin text and differed on
other scripts. The kit keeps search's rule (what its engines and synonym settings were built
with), so search's folding is unchanged for every text, and the registry's keys are unchanged
for every name written in Vietnamese. The two former copies are kept here as references.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ocop_kit.text import fold_vietnamese, matching_key, nfc

VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
VIETNAMESE_TEXT = st.text(
    alphabet=VIETNAMESE + VIETNAMESE.upper() + "0123456789 -–—_,.()/", max_size=60
)


def search_fold_before(text: str) -> str:
    """Search's own copy, as it was."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d"))


def registry_key_before(text: str) -> str:
    """The registry's own copy, as it was (stored in `name_key` and `address_key`)."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-–—]+", " ", bare).strip()


def test_vietnamese_folds_to_plain_letters():
    assert fold_vietnamese("Nước mắm Đặc biệt ĐẶNG") == "nuoc mam dac biet dang"
    assert matching_key("  Lưu niệm – nội thất__trang   trí ") == "luu niem noi that trang tri"


@given(st.text(max_size=40))
def test_search_folds_every_text_as_it_did(text):
    assert fold_vietnamese(text) == search_fold_before(text)


@given(VIETNAMESE_TEXT)
def test_registry_keys_of_vietnamese_names_are_those_it_stored(text):
    assert matching_key(text) == registry_key_before(text)


@given(VIETNAMESE_TEXT)
def test_decomposed_input_folds_like_composed(text):
    assert fold_vietnamese(unicodedata.normalize("NFD", text)) == fold_vietnamese(text)
    assert matching_key(matching_key(text)) == matching_key(text)


def test_where_the_copies_differed_the_key_keeps_letters_whole_and_drops_invisible_marks():
    # Korean stays composed (as typed, NFC); a variation selector no longer tells names apart.
    assert matching_key("Kimchi 김치") == "kimchi 김치"
    assert registry_key_before("Kimchi 김치") != "kimchi 김치"
    assert matching_key("Mật ong ❤\ufe0f") == matching_key("Mật ong ❤")


def test_nfc_composes_without_trimming():
    assert nfc(" Ke\u0323o du\u031b\u0300a\n") == " Kẹo dừa\n"
