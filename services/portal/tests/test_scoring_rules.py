"""The score sheet preview beside the scoring screen: pure functions, no stubs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ocop_portal.council.scoring import (
    DEFAULT_THRESHOLDS,
    Criterion,
    arrange,
    preview,
    read_form,
    stars_for_total,
    thresholds_of,
)

CRITERIA = [
    Criterion("A1", "Nguồn nguyên liệu", [0, 1, 2, 3, 4, 5], mandatory_from_stars=3),
    Criterion("A2", "Tổ chức sản xuất", [0, 2, 4]),
    Criterion("C1", "Chất lượng", [0, 10, 20, 30]),
]


def test_stars_follow_decision_148_thresholds_at_their_edges() -> None:
    assert [stars_for_total(t) for t in (0, 29.99, 30, 49.99, 50, 69.99, 70, 89.99, 90, 100)] == [
        1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]  # fmt: skip


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_stars_never_fall_when_the_total_rises(total: float) -> None:
    assert stars_for_total(total) <= stars_for_total(min(100.0, total + 0.5))


def test_thresholds_come_from_the_criteria_set_when_it_has_all_five() -> None:
    custom = {"star_thresholds": [{"stars": s, "min_total": m} for s, m in
                                  [(1, 0), (2, 35), (3, 50), (4, 70), (5, 90)]]}  # fmt: skip
    assert thresholds_of(custom)[2] == 35
    assert thresholds_of({"star_thresholds": [{"stars": 3, "min_total": 1}]}) == DEFAULT_THRESHOLDS
    assert thresholds_of(None) == DEFAULT_THRESHOLDS


def test_preview_totals_a_partial_sheet_and_caps_stars_on_a_failed_mandatory_criterion() -> None:
    shown = preview(CRITERIA, {"A1": 5, "C1": 30}, [])
    assert (shown.total, shown.max_total, shown.scored, shown.complete) == (35, 39, 2, False)
    assert shown.stars == 2
    strong = preview(CRITERIA, {"A1": 5, "A2": 4, "C1": 30}, [], {1: 0, 2: 10, 3: 20, 4: 30, 5: 38})
    assert strong.stars == 5
    capped = preview(
        CRITERIA, {"A1": 5, "A2": 4, "C1": 30}, ["A1"], {1: 0, 2: 10, 3: 20, 4: 30, 5: 38}
    )
    assert (capped.stars_by_total, capped.stars) == (5, 2)  # mandatory from 3★ closes 3★ and up


def test_read_form_keeps_known_criteria_and_drops_the_rest() -> None:
    form = [("c:A1", "4.0"), ("c:ZZ", "3"), ("c:A2", ""), ("c:C1", "2,5x"), ("failed", "A1"),
            ("failed", "A1"), ("failed", "nope"), ("comment", "  Tốt  ")]  # fmt: skip
    assert read_form(form, CRITERIA) == ({"A1": 4.0}, ["A1"], "Tốt")


def test_arrange_places_criteria_under_the_sets_parts_in_order() -> None:
    criteria_set = {
        "parts": [
            {
                "code": "A",
                "name_vi": "Phần A",
                "max_points": 40,
                "sections": [
                    {
                        "code": "A.1",
                        "name_vi": "Tổ chức",
                        "criteria": [{"code": "A2"}, {"code": "A1"}],
                    }
                ],
            },
            {"code": "C", "name_vi": "Phần C", "max_points": 35, "sections": []},
        ]
    }
    parts = arrange(CRITERIA, criteria_set)
    assert [p.code for p in parts] == ["A", ""]
    assert [c.code for c in parts[0].criteria()] == ["A2", "A1"]
    assert [c.code for c in parts[1].criteria()] == ["C1"]  # not placed by the set: kept, last
