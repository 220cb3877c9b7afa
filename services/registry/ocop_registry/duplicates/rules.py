"""Near-duplicate products: how likely two products are the same one registered twice.

Pure (no I/O). Names are compared after Vietnamese folding with word order, pack sizes
(`500g`, `hộp 10 gói`) and filler words (`đặc sản`, `loại 1`, data in `words.json`)
set aside; a difference in a meaningful attribute (`30 độ đạm` / `40 độ đạm`, `chả cá` /
`chả mực`, `trà xanh` / `trà đen`) marks a different product whatever the rest. Context (same
producer, or producers sharing a tax code or phone; same commune or pre-2025 district; same
group or product set) raises the score of names that are already close.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz, process

from ocop_kit.text import matching_key

DATA_FILE = Path(__file__).parent / "words.json"
PRODUCT_TYPE = "product_type"
# A score from this on is a likely duplicate (measured on tests/data/duplicate_pairs.json).
LIKELY_DUPLICATE = 0.80
# Words only one name has that are less alike than this (percent) are other words, not typos.
SWAPPED_WORDS_BELOW = 75
# A name found whole in the other counts this much of the same.
CONTAINED_WEIGHT = 0.92
# Names below this similarity are never duplicates, whatever the context.
MIN_NAME_SIMILARITY = 0.70
CONTEXT_WEIGHTS = {
    "same_producer": 0.12,
    "shared_contact": 0.12,
    "same_place": 0.06,
    "same_group": 0.04,
}
REASONS_VI = {
    "same_producer": "cùng chủ thể",
    "shared_contact": "chủ thể trùng mã số thuế hoặc số điện thoại",
    "same_place": "cùng xã hoặc cùng huyện cũ",
    "same_group": "cùng nhóm sản phẩm",
}


class DuplicateWords(BaseModel):
    version: str
    sources: list[str]
    filler_phrases: list[str]
    pack_units: list[str]
    containers: list[str]
    spelling_variants: dict[str, str]
    product_types: list[str]
    exclusive_classes: dict[str, list[str]]


@lru_cache(maxsize=1)
def duplicate_words() -> DuplicateWords:
    """The word lists, read once from the versioned data file."""
    return DuplicateWords.model_validate(json.loads(DATA_FILE.read_text(encoding="utf-8")))


def _alternation(words: list[str]) -> str:
    # Longest first, so `tui loc` wins over `tui`.
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    words = duplicate_words()
    units, containers = _alternation(words.pack_units), _alternation(words.containers)
    number = r"\d+(?:[.,]\d+)?"
    # `500g`, `1,5 kg`, `hộp 10 gói`, `10 gói/hộp`, `x 12 chai`, `250ml x 6`.
    pack = re.compile(
        rf"(?:\b(?:{containers})\s*)?(?:x\s*)?\b{number}\s*(?:{units})\b(?:\s*x\s*\d+)?"
        rf"|(?:\b(?:{containers})\s*)?(?:x\s*)?\b\d+\s*(?:{containers})\b"
        rf"(?:\s*/\s*(?:{containers})\b)?"
    )
    # A number left after pack sizes is an attribute, with the words that say what it measures.
    attribute = re.compile(rf"\b({number})\s*({'|'.join(MEASURE_UNITS)})?")
    return pack, attribute


# The words after a number that say what it measures, longest first; a bare number measures "".
MEASURE_UNITS = ("do dam", "do", "nam", "sao", "%")

Phrases = dict[str, list[tuple[str, ...]]]


def _phrases_by_first_word(phrases: list[str]) -> Phrases:
    """Phrases as word tuples under their first word, longest first (matched word by word:
    several times faster than one regular expression of hundreds of alternatives)."""
    by_first: Phrases = {}
    for phrase in sorted(set(phrases), key=lambda p: -len(p.split())):
        words = tuple(phrase.split())
        by_first.setdefault(words[0], []).append(words)
    return by_first


def _match(words: list[str], phrases: Phrases) -> list[tuple[int, int]]:
    """Spans (start, end) of the phrases found in `words`, left to right, longest first."""
    spans, i = [], 0
    while i < len(words):
        for candidate in phrases.get(words[i], ()):
            if tuple(words[i : i + len(candidate)]) == candidate:
                spans.append((i, i + len(candidate)))
                i += len(candidate)
                break
        else:
            i += 1
    return spans


@lru_cache(maxsize=1)
def _word_lists() -> tuple[Phrases, Phrases, dict[str, frozenset[str]]]:
    """Fillers and class phrases by first word, and the classes each phrase belongs to."""
    words = duplicate_words()
    classes = {**words.exclusive_classes, PRODUCT_TYPE: words.product_types}
    membership: dict[str, set[str]] = {}
    for name, phrases in classes.items():
        for phrase in phrases:
            membership.setdefault(phrase, set()).add(name)
    return (
        _phrases_by_first_word(words.filler_phrases),
        _phrases_by_first_word(list(membership)),
        {k: frozenset(v) for k, v in membership.items()},
    )


@dataclass(frozen=True)
class NameKey:
    """What of a product name identifies the product."""

    core: str  # folded, pack sizes and fillers removed, words sorted
    tokens: frozenset[str]
    measures: dict[str, frozenset[str]]  # unit → values: {"do dam": {"30"}}
    kinds: dict[str, frozenset[str]]  # class → phrases: {"animal": {"ca thu"}}


_NOT_WORD = re.compile(r"[^\w%]+")
_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=65_536)
def name_key(name: str) -> NameKey:
    """The identifying part of a product name: `Nước mắm Hải Hậu 30 độ đạm chai 500ml` →
    core `30 dam do hai hau mam nuoc`, measure `do dam`: 30."""
    pack, attribute = _patterns()
    fillers, class_phrases, membership = _word_lists()
    text = matching_key(name)
    has_digits = _DIGIT.search(text) is not None
    if has_digits:
        text = pack.sub(" ", text.replace("/", " / "))
    words = _NOT_WORD.sub(" ", text).split()
    for start, end in reversed(_match(words, fillers)):
        del words[start:end]
    variants = duplicate_words().spelling_variants
    words = " ".join(variants.get(word, word) for word in words).split()
    measures: dict[str, set[str]] = {}
    if has_digits:
        for value, unit in attribute.findall(" ".join(words)):
            measures.setdefault(unit or "", set()).add(value.replace(",", "."))
    kinds: dict[str, set[str]] = {}
    for start, end in _match(words, class_phrases):
        phrase = " ".join(words[start:end])
        for kind in membership[phrase]:
            kinds.setdefault(kind, set()).add(phrase)
    return NameKey(
        core=" ".join(sorted(words)),
        tokens=frozenset(words),
        measures={unit: frozenset(values) for unit, values in measures.items()},
        kinds={k: frozenset(v) for k, v in kinds.items()},
    )


def blocking_tokens(name: str) -> set[str]:
    """Tokens under which a product is filed for candidate lookup (core words of 2+ letters,
    numbers aside: any duplicate shares at least one of them)."""
    return {t for t in name_key(name).tokens if len(t) >= 2 and not t.isdigit()}


def _compatible(a: str, b: str) -> bool:
    # `cá` and `cá thu` are compatible (one says more), `cá thu` and `cá ngừ` are not.
    return a == b or a.startswith(b + " ") or b.startswith(a + " ")


def differing_measure(a: NameKey, b: NameKey) -> str | None:
    """A measure both names state with different values (`độ đạm`: 30 / 40), if any."""
    for unit in a.measures.keys() & b.measures.keys():
        if a.measures[unit] != b.measures[unit]:
            return unit
    return None


def differing_attribute(a: NameKey, b: NameKey) -> str | None:
    """What makes the two named products different ones, if anything: a measured attribute
    both state with different values, or different kinds within one class."""
    unit = differing_measure(a, b)
    if unit is not None:
        values_a, values_b = "/".join(sorted(a.measures[unit])), "/".join(sorted(b.measures[unit]))
        return f"{unit or 'số'}: {values_a} ≠ {values_b}"
    # Product types are compared whole (`gà` / `trứng gà`); other classes only when both
    # names say something (`chả cá` / `chả cá thu` is one product said more precisely).
    types_a, types_b = (
        a.kinds.get(PRODUCT_TYPE, frozenset()),
        b.kinds.get(PRODUCT_TYPE, frozenset()),
    )
    if types_a != types_b:
        return f"{'/'.join(sorted(types_a)) or '-'} ≠ {'/'.join(sorted(types_b)) or '-'}"
    for kind in a.kinds.keys() & b.kinds.keys():
        if not any(_compatible(x, y) for x in a.kinds[kind] for y in b.kinds[kind]):
            return f"{'/'.join(sorted(a.kinds[kind]))} ≠ {'/'.join(sorted(b.kinds[kind]))}"
    only_a, only_b = a.tokens - b.tokens, b.tokens - a.tokens
    # Words swapped for others (not a typo of them): `bột sắn dây` / `bột nghệ`.
    if only_a and only_b:
        words_a, words_b = " ".join(sorted(only_a)), " ".join(sorted(only_b))
        if fuzz.ratio(words_a, words_b) < SWAPPED_WORDS_BELOW:
            return f"{words_a} ≠ {words_b}"
    return None


def name_similarity(a: NameKey, b: NameKey) -> float:
    """0..1: word order free; a name contained in the other counts nearly as the same."""
    if not a.core or not b.core:
        return 0.0
    ordered = fuzz.ratio(a.core, b.core) / 100
    contained = fuzz.token_set_ratio(a.core, b.core) / 100
    return max(ordered, CONTAINED_WEIGHT * contained)


@dataclass(frozen=True)
class ProductFacts:
    """What the comparison needs to know about a product."""

    id: str
    name: str
    producer_id: str
    group: str
    place: frozenset[str] = frozenset()  # ward code and/or legacy district key
    contacts: frozenset[str] = frozenset()  # the producer's tax code and phone digits
    product_set: str | None = None
    key: NameKey = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", name_key(self.name))


@dataclass(frozen=True)
class Likeness:
    score: float
    reason: str
    reason_en: str


def compare(new: ProductFacts, old: ProductFacts) -> Likeness:
    """How likely `new` is `old` registered again (score 0..1) and why."""
    a, b = new.key, old.key
    similarity = name_similarity(a, b)
    differs = differing_attribute(a, b)
    if differs is not None:
        return Likeness(min(similarity, 0.5) * 0.5, f"khác nhau: {differs}", f"differ: {differs}")
    context = {
        "same_producer": new.producer_id == old.producer_id,
        "shared_contact": new.producer_id != old.producer_id and bool(new.contacts & old.contacts),
        "same_place": bool(new.place & old.place),
        "same_group": (
            new.product_set == old.product_set
            if new.product_set and old.product_set
            else new.group == old.group
        ),
    }
    score = similarity * 0.85
    if similarity >= MIN_NAME_SIMILARITY:
        score += sum(CONTEXT_WEIGHTS[k] for k, hit in context.items() if hit)
    score = round(min(score, 1.0), 3)
    hits = [k for k, hit in context.items() if hit]
    reason = ", ".join([f"tên gần giống ({similarity:.0%})"] + [REASONS_VI[k] for k in hits])
    reason_en = ", ".join(
        [f"similar name ({similarity:.0%})"] + [k.replace("_", " ") for k in hits]
    )
    return Likeness(score, reason, reason_en)


def contact_keys(tax_code: str | None, phone: str | None) -> frozenset[str]:
    """A producer's tax code and phone as comparable keys (digits only; +84 → 0)."""
    keys = set()
    if tax_code and (digits := re.sub(r"\D", "", tax_code)):
        keys.add(f"tax:{digits}")
    if phone and (digits := re.sub(r"\D", "", phone)):
        keys.add(f"phone:{'0' + digits[2:] if digits.startswith('84') else digits}")
    return frozenset(keys)


def place_keys(ward_code: str | None, legacy_district: str | None) -> frozenset[str]:
    keys = set()
    if ward_code:
        keys.add(f"ward:{ward_code}")
    if legacy_district:
        keys.add(f"district:{matching_key(legacy_district)}")
    return frozenset(keys)


def likely_duplicates(
    new: ProductFacts, candidates: list[ProductFacts], limit: int = 5
) -> list[tuple[ProductFacts, Likeness]]:
    """The candidates that are likely the same product as `new`, most likely first."""
    key = new.key
    # Cheap rejections first (hundreds of candidates in a large province): another measure,
    # then names below MIN_NAME_SIMILARITY, which no context lifts over the line.
    kept = [
        i
        for i, old in enumerate(candidates)
        if old.id != new.id and not (key.measures and differing_measure(key, old.key))
    ]
    cores = [candidates[i].key.core for i in kept]
    cutoff = MIN_NAME_SIMILARITY * 100
    similarity: dict[int, float] = {}
    for scorer, weight in ((fuzz.ratio, 1.0), (fuzz.token_set_ratio, CONTAINED_WEIGHT)):
        for _, score, i in process.extract(
            key.core, cores, scorer=scorer, score_cutoff=cutoff / weight, limit=None
        ):
            similarity[i] = max(similarity.get(i, 0.0), score * weight)
    # The closest names are scored in full (a cluster of look-alikes can be hundreds strong;
    # the answer is the few most likely).
    close = heapq.nlargest(MAX_SCORED, similarity, key=lambda i: (similarity[i], cores[i]))
    found = []
    for i in close:
        old = candidates[kept[i]]
        likeness = compare(new, old)
        if likeness.score >= LIKELY_DUPLICATE:
            found.append((old, likeness))
    found.sort(key=lambda pair: (-pair[1].score, pair[0].id))
    return found[:limit]


# Candidates scored in full for one check at most, the closest names first.
MAX_SCORED = 50
# Candidates compared for one check at most: a name's rarest words find its duplicates.
MAX_CANDIDATES = 300


class DuplicateIndex:
    """The products of one province filed under their blocking tokens, for a check against
    thousands in milliseconds: only products sharing the name's rarer words are scored.

    A name stating a measure (`lô 12`, `30 độ đạm`) is never the same product as one stating
    that measure with other values, so each token's products are also filed by the measures
    they do not state: the eligible products of a token are read off in proportion to their
    number, not to the province's (a province of look-alike names would cost a full pass a row).
    """

    def __init__(self) -> None:
        self.facts: dict[str, ProductFacts] = {}
        self.blocks: dict[str, set[str]] = {}
        # (token, unit) → the token's products not stating that measure (`độ đạm`).
        self.unstated: dict[tuple[str, str], set[str]] = {}
        # (unit, value) → the products stating that measure with that value (`độ đạm`, `30`).
        self.measured_as: dict[tuple[str, str], set[str]] = {}

    def __len__(self) -> int:
        return len(self.facts)

    def _filings(self, product: ProductFacts) -> Iterator[tuple[dict[Any, set[str]], Any]]:
        """Where a product is filed: each index and the key under which it is found there."""
        measures = product.key.measures
        for token in blocking_tokens(product.name):
            yield self.blocks, token
            for unit in ("", *MEASURE_UNITS):
                if unit not in measures:
                    yield self.unstated, (token, unit)
        for unit, values in measures.items():
            for value in values:
                yield self.measured_as, (unit, value)

    def add(self, product: ProductFacts) -> None:
        """File a product (again, replacing what was filed under its id)."""
        self.remove(product.id)
        self.facts[product.id] = product
        for index, key in self._filings(product):
            index.setdefault(key, set()).add(product.id)

    def remove(self, product_id: str) -> None:
        old = self.facts.pop(product_id, None)
        if old is None:
            return
        for index, key in self._filings(old):
            _discard(index, key, product_id)

    def candidates(self, name: str) -> list[ProductFacts]:
        """Products sharing enough of the name's words to be worth scoring. A duplicate shares
        at least half of them, so it holds one of the rarest `n - ceil(n/2) + 1`; past
        MAX_CANDIDATES, those sharing every word come first."""
        key = name_key(name)
        tokens = sorted(blocking_tokens(name), key=lambda t: len(self.blocks.get(t, ())))
        if not tokens:
            return []
        rarest = tokens[: len(tokens) - (len(tokens) + 1) // 2 + 1]
        found = self._sharing(rarest, key.measures)
        if len(found) > MAX_CANDIDATES:
            best = found.intersection(*(self.blocks.get(t, set()) for t in tokens))
            rest = islice(found - best, max(0, MAX_CANDIDATES - len(best)))
            found = set(islice(best, MAX_CANDIDATES)) | set(rest)
        return [self.facts[pid] for pid in found]

    def _sharing(self, tokens: list[str], measures: dict[str, frozenset[str]]) -> set[str]:
        """The products filed under one of `tokens` that state none of `measures` with other
        values only (those are other products: `lô 12` is not `lô 13`)."""
        if not measures:
            return set().union(*(self.blocks.get(t, ()) for t in tokens))
        units = iter(measures.items())
        unit, values = next(units)
        found = set().union(*(self.unstated.get((t, unit), ()) for t in tokens))
        found.update(
            pid
            for value in values
            for pid in self.measured_as.get((unit, value), ())
            if any(pid in self.blocks.get(t, ()) for t in tokens)
        )
        for unit, values in units:  # a name stating two measures: rare, and few to filter
            found = {
                pid
                for pid in found
                if unit not in self.facts[pid].key.measures
                or self.facts[pid].key.measures[unit] & values
            }
        return found

    def likely_duplicates(
        self, product: ProductFacts, limit: int = 5
    ) -> list[tuple[ProductFacts, Likeness]]:
        """The filed products likely the same as `product`, most likely first."""
        return likely_duplicates(product, self.candidates(product.name), limit)


def _discard(index: dict[Any, set[str]], key: Any, product_id: str) -> None:
    entries = index.get(key)
    if entries is not None:
        entries.discard(product_id)
        if not entries:
            del index[key]
