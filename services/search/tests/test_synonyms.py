"""The synonym list: its data file, its schema, and how a query's words are grouped with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ocop_search.synonyms import (
    QuerySlot,
    expand,
    load_synonym_list,
    synonym_table,
)
from ocop_search.text import QueryTerm, query_terms


def write_list(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "synonyms.json"
    data = {"version": 1, "updated_on": "2026-12-02", "sources": ["test"], "entries": entries}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_shipped_list_loads_and_cites_its_sources() -> None:
    synonyms = load_synonym_list()
    assert synonyms.sources and synonyms.notes
    kinds = {entry.kind for entry in synonyms.entries}
    assert kinds == {"product", "place"}
    assert all(entry.note for entry in synonyms.entries)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"kind": "product", "terms": ["trà"], "note": "n"}], "two terms"),
        (
            [
                {"kind": "product", "terms": ["trà", "chè"], "note": "n"},
                {"kind": "product", "terms": ["Tra", "tea"], "note": "n"},
            ],
            "two entries",
        ),
        ([{"kind": "product", "terms": ["trà", "--"], "note": "n"}], "no words"),
        ([{"kind": "food", "terms": ["trà", "chè"], "note": "n"}], "kind"),
        ([{"kind": "product", "terms": ["trà", "chè"], "note": ""}], "note"),
    ],
)
def test_a_malformed_list_is_refused(
    tmp_path: Path, entries: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        load_synonym_list(write_list(tmp_path, entries))


def test_mutual_terms_find_each_other_and_one_way_names_only_one_way() -> None:
    table = synonym_table()
    assert ("cafe",) in table[("ca", "phe")]
    assert ("ca", "phe") in table[("cafe",)]
    assert {("quan", "ha", "dong"), ("phuong", "ha", "dong")} <= set(table[("ha", "tay")])
    assert ("quan", "ha", "dong") not in table
    # Longer than Meilisearch looks up: only a target, never a key.
    assert ("ba", "ria", "vung", "tau") in table[("brvt",)]
    assert ("ba", "ria", "vung", "tau") not in table


def test_expand_groups_the_longest_phrase_with_synonyms() -> None:
    slots = expand(query_terms("kẹo đậu phộng cà phê"))
    assert [tuple(t.text for t in slot.terms) for slot in slots] == [
        ("keo", "dau", "phong"),
        ("ca", "phe"),
    ]
    assert slots[0].alternatives == (("keo", "lac"),)
    assert slots[1].terms[-1].prefix  # the last word stays a prefix


def test_words_without_synonyms_stay_single_slots() -> None:
    slots = expand(query_terms("mật ong rừng"))
    assert slots == [
        QuerySlot((QueryTerm("mat", 0, False),)),
        QuerySlot((QueryTerm("ong", 0, False),)),
        QuerySlot((QueryTerm("rung", 0, True),)),
    ]
    assert not any(slot.typos for slot in slots)
