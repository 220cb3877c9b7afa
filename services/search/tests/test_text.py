"""Vietnamese folding, typo budgets, edit distance and highlighting: the pure core."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ocop_kit.text import fold_vietnamese
from ocop_search.engines.tantivy_engine import vietnamese_analyzer
from ocop_search.text import (
    Highlighter,
    QueryTerm,
    edit_distance,
    escape_marked,
    highlight,
    query_terms,
    typo_budget,
    within_one_edit,
    words,
)

VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
vietnamese_text = st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " ,.-")


def test_folding_drops_diacritics_and_d_stroke() -> None:
    assert fold_vietnamese("Nước mắm Đặc biệt ĐẶNG") == "nuoc mam dac biet dang"
    assert fold_vietnamese("Hải Hậu, Nam Định") == "hai hau, nam dinh"


@given(vietnamese_text)
def test_folding_gives_plain_ascii_and_ignores_unicode_form(text: str) -> None:
    folded = fold_vietnamese(text)
    assert folded.isascii()
    assert fold_vietnamese(unicodedata.normalize("NFD", text)) == folded
    assert fold_vietnamese(folded) == folded


@given(vietnamese_text)
def test_python_folding_agrees_with_the_tantivy_analyzer(text: str) -> None:
    analyzer = vietnamese_analyzer()
    assert words(text) == analyzer.analyze(unicodedata.normalize("NFC", text))


def test_typo_budget_follows_meilisearch_defaults_and_spares_codes() -> None:
    cases = {
        "gao": 0,
        "banh": 0,  # not "binh" of "Ninh Bình"
        "thuong": 1,
        "homestay": 1,
        "cordyceps": 2,
        "st25": 0,
        "22000": 0,
    }
    assert {word: typo_budget(word) for word in cases} == cases


def test_edit_distance_counts_a_transposition_as_one() -> None:
    assert edit_distance("nuco", "nuoc", 2) == 1
    assert edit_distance("kordyseps", "cordyceps", 2) == 2
    assert edit_distance("abc", "xyzabc", 2) == 3  # capped at limit + 1


@given(st.text("abcdeg", max_size=8), st.text("abcdeg", max_size=8))
def test_edit_distance_is_symmetric_and_zero_only_for_equal_words(a: str, b: str) -> None:
    assert edit_distance(a, b, 3) == edit_distance(b, a, 3)
    assert (edit_distance(a, b, 3) == 0) == (a == b)


@given(st.text("abcd", max_size=7), st.text("abcd", max_size=7))
def test_the_one_edit_shortcut_agrees_with_the_distance(a: str, b: str) -> None:
    assert within_one_edit(a, b) == (edit_distance(a, b, 1) <= 1)


def test_query_terms_make_only_the_last_word_a_prefix() -> None:
    assert query_terms("Nước mắm truyền thống Lê") == [
        QueryTerm("nuoc", 0, False),
        QueryTerm("mam", 0, False),
        QueryTerm("truyen", 1, False),
        QueryTerm("thong", 1, False),
        QueryTerm("le", 0, True),
    ]


def test_highlight_wraps_matches_keeps_original_text_and_escapes_html() -> None:
    terms = query_terms("nuoc mam le g")
    assert highlight("Nước mắm <Lê> Gia & Gạo", terms) == (
        "<em>Nước</em> <em>mắm</em> &lt;<em>Lê</em>&gt; <em>Gia</em> &amp; <em>Gạo</em>"
    )
    assert highlight("Thương", query_terms("thuogn")) == "<em>Thương</em>"
    assert highlight("a<b", []) == "a&lt;b"


def test_highlight_marks_a_synonym_only_where_its_words_stand_together() -> None:
    highlighter = Highlighter(query_terms("cafe"), [("ca", "phe"), ("coffee",)])
    assert highlighter("Cà phê, cá và phê") == "<em>Cà</em> <em>phê</em>, cá và phê"
    assert highlighter("Cafe Coffee") == "<em>Cafe</em> <em>Coffee</em>"
    cropped = Highlighter([], [("ca", "phe")])(" ".join(["x"] * 30 + ["cà", "phê"]), crop=8)
    assert cropped.endswith("<em>cà</em> <em>phê</em>")


def test_cropping_keeps_a_window_around_the_first_match() -> None:
    text = " ".join(f"w{n}" for n in range(40)) + " mật ong " + " ".join(f"x{n}" for n in range(40))
    cropped = Highlighter(query_terms("mat ong"))(text, crop=12)
    assert cropped.startswith("…w37 w38 w39 <em>mật</em> <em>ong</em> x0")
    assert cropped.endswith("x6…")
    assert Highlighter(query_terms("zzz"))(text, crop=5) == "w0 w1 w2 w3 w4…"
    assert Highlighter(query_terms("w1"))("w0 w1 w2", crop=5) == "w0 <em>w1</em> w2"


def test_engine_marks_become_em_tags_after_escaping() -> None:
    assert escape_marked("\ue000Kẹo\ue001 <dừa>") == "<em>Kẹo</em> &lt;dừa&gt;"
