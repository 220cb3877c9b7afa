"""The pure rules of a decision, tested directly (hypothesis at the boundaries)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_evaluation import rules

totals = st.decimals(min_value=0, max_value=100, places=2)


@pytest.mark.parametrize(
    ("total", "stars"),
    [
        (0, 1),
        (29.99, 1),
        (30, 2),
        (49.99, 2),
        (50, 3),
        (69.99, 3),
        (70, 4),
        (89.99, 4),
        (90, 5),
        (100, 5),
    ],
)
def test_stars_follow_the_thresholds_of_the_decision(total, stars):
    assert rules.stars_for_total(total) == stars


@given(totals)
def test_stars_for_any_total_match_the_published_bands(total):
    stars = rules.stars_for_total(total)
    expected = (
        5 if total >= 90 else 4 if total >= 70 else 3 if total >= 50 else 2 if total >= 30 else 1
    )
    assert stars == expected


@given(
    st.sampled_from([30, 50, 70, 90]), st.decimals(min_value=Decimal("0.01"), max_value=5, places=2)
)
def test_a_hundredth_below_a_threshold_is_the_level_below(threshold, below):
    at = rules.stars_for_total(threshold)
    assert rules.stars_for_total(Decimal(threshold) - below) == at - 1


def test_mean_rounds_half_up_to_two_decimals():
    assert rules.mean_total([70, 70.25]) == Decimal("70.13")  # 70.125
    assert rules.mean_total([80, 81, 81]) == Decimal("80.67")
    assert rules.mean_total([89.995]) == Decimal("90.00")
    with pytest.raises(ValueError):
        rules.mean_total([])


@given(st.lists(totals, min_size=1, max_size=15))
def test_the_mean_lies_between_the_lowest_and_highest_total(member_totals):
    mean = rules.mean_total(member_totals)
    assert min(member_totals) - Decimal("0.005") <= mean <= max(member_totals) + Decimal("0.005")
    assert mean == mean.quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("members", "sheets", "chair", "ok"),
    [
        (5, 4, True, True),
        (5, 3, True, False),
        (5, 5, False, False),
        (4, 3, True, True),
        (7, 6, True, True),
        (7, 5, True, False),
        (1, 1, True, True),
        (5, 0, False, False),
    ],
)
def test_quorum_is_three_quarters_with_the_chair(members, sheets, chair, ok):
    assert rules.has_quorum(members, sheets, chair) is ok


@given(st.integers(min_value=1, max_value=40), st.data())
def test_quorum_boundary_is_the_rounded_up_share(members, data):
    needed = rules.required_sheets(members)
    assert needed * 4 >= 3 * members > (needed - 1) * 4
    assert rules.has_quorum(members, needed, True)
    if needed > 1:
        assert not rules.has_quorum(members, needed - 1, True)
    assert rules.has_quorum(members, needed, False, chair_required=False)


def test_quorum_is_a_setting_of_the_session():
    assert rules.has_quorum(6, 4, True, Fraction(2, 3))
    assert not rules.has_quorum(6, 4, True, Fraction(5, 6))


@given(st.lists(totals, min_size=2, max_size=10), st.decimals(min_value=0, max_value=30, places=1))
def test_spread_beyond_the_setting_needs_discussion(member_totals, max_spread):
    verdict = rules.decide("provincial", member_totals, max_spread=float(max_spread))
    too_wide = max(member_totals) - min(member_totals) > max_spread
    assert (verdict.outcome == "needs_discussion") is too_wide


def test_spread_of_exactly_the_limit_is_accepted():
    assert not rules.spread_too_wide([70, 80])
    assert rules.spread_too_wide([70, 80.01])


def test_a_criterion_fails_when_most_sheets_mark_it():
    assert rules.failed_mandatory_criteria([["C2.4"], ["C2.4"], ["C2.4"], [], []]) == {"C2.4"}
    assert rules.failed_mandatory_criteria([["C2.4"], ["C2.4"], [], []]) == set()
    assert rules.failed_mandatory_criteria([["C2.4", "C2.4"], [], []]) == set()


def test_a_failed_mandatory_criterion_closes_its_level_and_those_above():
    mandatory = {"C2.1": 3, "C2.4": 4, "C3.1": 5}
    assert rules.stars_cap([], mandatory) == 5
    assert rules.stars_cap(["C3.1"], mandatory) == 4
    assert rules.stars_cap(["C2.4", "C3.1"], mandatory) == 3
    assert rules.stars_cap(["C2.1"], mandatory) == 2


@pytest.mark.parametrize(
    ("level", "scores", "failed", "stars", "outcome"),
    [
        ("provincial", [75, 76, 74, 75], [], 4, "recognised"),
        ("provincial", [55, 56, 54, 55], [], 3, "recognised"),
        ("provincial", [45, 46, 44, 45], [], 2, "not_recognised"),
        ("provincial", [92, 93, 91, 92], [], 5, "proposed_to_central"),
        ("provincial", [92, 93, 91, 92], ["C3.1"], 4, "recognised"),
        ("provincial", [75, 76, 74, 75], ["C2.4"], 3, "recognised"),
        ("provincial", [75, 76, 74, 75], ["C2.1"], 2, "not_recognised"),
        ("central", [92, 93, 91, 92], [], 5, "recognised"),
        ("central", [85, 86, 84, 85], [], 4, "not_recognised"),
        ("central", [92, 93, 91, 92], ["C3.1"], 4, "not_recognised"),
    ],
)
def test_level_limits_and_mandatory_criteria_decide_the_outcome(
    level, scores, failed, stars, outcome
):
    verdict = rules.decide(level, scores, failed, {"C2.1": 3, "C2.4": 4, "C3.1": 5})
    assert (verdict.stars, verdict.outcome) == (stars, outcome)


@given(st.lists(st.decimals(min_value=89, max_value=91, places=2), min_size=3, max_size=7))
def test_a_provincial_council_proposes_exactly_the_totals_from_90(member_totals):
    verdict = rules.decide("provincial", member_totals)
    assert (verdict.outcome == "proposed_to_central") is (verdict.total >= 90)
    assert verdict.outcome != "not_recognised"


@pytest.mark.parametrize(
    ("roles", "one_chair"),
    [
        (["chair", "member", "secretary"], True),
        (["member", "member"], False),
        (["chair", "chair", "member"], False),
    ],
)
def test_a_council_seats_exactly_one_chair(roles, one_chair):
    assert rules.seats_one_chair(roles) is one_chair


def test_members_may_join_only_without_a_second_chair():
    assert rules.room_for_chairs(["chair", "member"], ["member"])
    assert rules.room_for_chairs(["member"], ["chair"])
    assert not rules.room_for_chairs(["chair"], ["chair"])
    assert not rules.room_for_chairs([], ["chair", "chair"])
