"""Vietnamese text as search sees it: NFC in, folded terms, typo budgets and highlighting.

Pure functions, no I/O. NFC and folding are the kit's (`ocop_kit.text`, one implementation for
every service); the Tantivy analyzer (lowercase + `ascii_fold`) and Meilisearch's charabia
tokenizer fold the same way as `fold_vietnamese`: diacritics dropped, đ → d.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ocop_kit.text import fold_vietnamese, nfc

# Private-use characters mark matches while text is being escaped; they never occur in real data.
MARK_START = "\ue000"
MARK_END = "\ue001"
CROP_MARK = "…"
_WORD = re.compile(r"[^\W_]+")
_HTML_SPECIAL = re.compile(r"[&<>\"']")


# Longer tokens (in UTF-8 bytes) are junk, not words; the analyzer drops them too.
MAX_WORD_BYTES = 40


def words(text: str) -> list[str]:
    """The folded words of a text, exactly as the Tantivy analyzer indexes them."""
    return [
        fold_vietnamese(word)
        for word in _WORD.findall(nfc(text))
        if len(word.encode()) < MAX_WORD_BYTES
    ]


# Meilisearch's defaults (`minWordSizeForTypos`): one typo from 5 letters, two from 9. Shorter
# Vietnamese syllables are one letter from many others ("banh" from "binh" in "Ninh Bình").
ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9


def typo_budget(word: str) -> int:
    """Edits allowed for a folded query word: none below 5 letters, one from 5, two from 9.

    Words with digits (`st25`, `22000`) are codes: a typo there names another product.
    """
    if any(ch.isdigit() for ch in word):
        return 0
    if len(word) >= TWO_TYPOS_FROM:
        return 2
    if len(word) >= ONE_TYPO_FROM:
        return 1
    return 0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition costs one), capped at `limit + 1`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def within_one_edit(a: str, b: str) -> bool:
    """`edit_distance(a, b, 1) <= 1`, without the table: compare around the first difference."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    shorter = min(len(a), len(b))
    while i < shorter and a[i] == b[i]:
        i += 1
    if len(a) > len(b):
        return a[i + 1 :] == b[i:]
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (
        i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    )


@dataclass(frozen=True)
class QueryTerm:
    """One folded query word and how loosely it may match."""

    text: str
    typos: int
    prefix: bool

    def matches(self, word: str) -> bool:
        """Whether a folded document word matches this term (exactly, with typos or as prefix)."""
        if word == self.text or (self.prefix and word.startswith(self.text)):
            return True
        if self.typos == 1:
            return within_one_edit(word, self.text)
        return self.typos > 1 and edit_distance(word, self.text, self.typos) <= self.typos


def query_terms(query: str) -> list[QueryTerm]:
    """The terms of a search box query: every word with its typo budget, the last as a prefix."""
    folded = words(query)
    return [
        QueryTerm(word, typo_budget(word), prefix=index == len(folded) - 1)
        for index, word in enumerate(folded)
    ]


class Highlighter:
    """Wraps the words matching a query's terms, or forming one of its `phrases` (folded words:
    the synonyms it was expanded with), in `<em>…</em>`, HTML-escaping the rest.

    One per search: it remembers each word's verdict, since hits repeat the same syllables.
    """

    def __init__(self, terms: list[QueryTerm], phrases: Sequence[tuple[str, ...]] = ()) -> None:
        self.terms = terms
        self.phrases = tuple(phrases)
        # Phrases by their first word: a text is scanned once, whatever their number.
        self._phrases_from: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.phrases:
            self._phrases_from.setdefault(phrase[0], []).append(phrase)
        self._verdicts: dict[str, bool] = {}
        # Hits repeat whole fields too (province names, a producer's name).
        self._texts: dict[tuple[str, int | None], str] = {}

    def matches(self, word: str) -> bool:
        verdict = self._verdicts.get(word)
        if verdict is None:
            folded = fold_vietnamese(word)
            verdict = any(term.matches(folded) for term in self.terms)
            self._verdicts[word] = verdict
        return verdict

    def _in_phrases(self, found: list[re.Match[str]]) -> set[int]:
        """Positions of the words that belong to one of the phrases."""
        folded = [fold_vietnamese(match.group()) for match in found]
        covered: set[int] = set()
        for start, word in enumerate(folded):
            for phrase in self._phrases_from.get(word, ()):
                if tuple(folded[start : start + len(phrase)]) == phrase:
                    covered.update(range(start, start + len(phrase)))
        return covered

    def __call__(self, text: str, crop: int | None = None) -> str:
        """The text highlighted; with `crop`, only about that many words around the first match
        (from the start when nothing matches), `…` marking what was cut."""
        key = (text, crop)
        cached = self._texts.get(key)
        if cached is not None:
            return cached
        text = nfc(text)
        if not self.terms and not self.phrases and crop is None:
            return html.escape(text)
        found = list(_WORD.finditer(text))
        covered = self._in_phrases(found) if self.phrases else set()
        total = len(found)
        begin, end, prefix, suffix = 0, len(text), "", ""
        start = 0
        if crop is not None and total > crop:
            first = next(
                (i for i, m in enumerate(found) if i in covered or self.matches(m.group())), 0
            )
            start = max(0, min(first - crop // 4, len(found) - crop))
            found = found[start : start + crop]
            if start > 0:
                begin, prefix = found[0].start(), CROP_MARK
            if start + crop < total:
                end, suffix = found[-1].end(), CROP_MARK
        # Names rarely hold characters HTML cares about: skip escaping them when they do not.
        escape = html.escape if _HTML_SPECIAL.search(text) else str
        verdicts, matches = self._verdicts, self.matches
        parts: list[str] = [prefix]
        last = begin
        for position, match in enumerate(found, start):
            word = match.group()
            verdict = verdicts.get(word)
            if verdict is None:
                verdict = matches(word)
            if verdict or position in covered:
                parts.append(escape(text[last : match.start()]))
                parts.append("<em>" + escape(word) + "</em>")
                last = match.end()
        parts.append(escape(text[last:end]))
        parts.append(suffix)
        result = "".join(parts)
        self._texts[key] = result
        return result


def highlight(text: str, terms: list[QueryTerm]) -> str:
    """HTML-escaped text with every word matching one of the terms wrapped in `<em>…</em>`."""
    return Highlighter(terms)(text)


def escape_marked(text: str) -> str:
    """HTML-escape text whose matches an engine marked with MARK_START/MARK_END, as `<em>`."""
    return html.escape(nfc(text)).replace(MARK_START, "<em>").replace(MARK_END, "</em>")
