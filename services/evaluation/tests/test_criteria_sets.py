"""The criteria sets are data: each file parses, adds up, and covers every product group."""

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from ocop_contracts import PRODUCT_GROUP_CODES
from ocop_evaluation.app import create_app
from ocop_evaluation.criteria.loader import criteria_sets, find_criteria_set
from ocop_evaluation.settings import Settings

PART_MAXIMA = {
    "qd-148-2023": {"A": 40, "B": 25, "C": 35},
    "qd-1048-2019": {"A": 35, "B": 25, "C": 40},
}


def test_both_decisions_are_shipped_newest_first():
    assert [s.id for s in criteria_sets()] == ["qd-148-2023", "qd-1048-2019"]


@pytest.mark.parametrize("set_id", PART_MAXIMA)
def test_every_part_sums_to_its_maximum_and_the_set_to_100(set_id):
    criteria_set = find_criteria_set(set_id)
    assert criteria_set is not None
    assert {p.code: p.max_points for p in criteria_set.parts} == PART_MAXIMA[set_id]
    for part in criteria_set.parts:
        assert sum(s.max_points for s in part.sections) == part.max_points, part.code
        for section in part.sections:
            assert sum(c.max_points for c in section.criteria) == section.max_points, section.code
    assert criteria_set.max_total == 100


@pytest.mark.parametrize("set_id", PART_MAXIMA)
def test_every_score_card_sums_to_100_and_every_product_group_has_one(set_id):
    criteria_set = find_criteria_set(set_id)
    assert criteria_set is not None
    for group in PRODUCT_GROUP_CODES:
        card = criteria_set.score_card_for_group(f"{group}.any_sub_group")
        assert card is not None, group
        criteria = criteria_set.card_criteria(card)
        assert sum(Decimal(str(c.max_points)) for c in criteria) == 100
    assert criteria_set.score_card_for_group("not_a_group") is None


def test_group_cards_reword_criteria_for_their_group():
    criteria_set = find_criteria_set("148/QĐ-TTg")
    assert criteria_set is not None
    tourism = criteria_set.score_card_for_group("du_lich")
    food = criteria_set.score_card_for_group("thuc_pham")
    assert tourism is not None and food is not None
    names = {c.code: c.name_vi for c in criteria_set.card_criteria(tourism)}
    food_names = {c.code: c.name_vi for c in criteria_set.card_criteria(food)}
    assert names["C2.2"] == "An toàn, an ninh cho du khách"
    assert food_names["C2.2"] != names["C2.2"]


@pytest.mark.parametrize("set_id", PART_MAXIMA)
def test_thresholds_are_those_of_the_decision_and_mandatory_levels_exist(set_id):
    criteria_set = find_criteria_set(set_id)
    assert criteria_set is not None
    assert {t.stars: t.min_total for t in criteria_set.star_thresholds} == {
        5: 90,
        4: 70,
        3: 50,
        2: 30,
        1: 0,
    }
    levels = {c.mandatory_from_stars for c in criteria_set.criteria()} - {None}
    assert {3, 5} <= levels <= {3, 4, 5}
    # What we could not confirm is said in the file itself.
    assert criteria_set.confirmation.not_confirmed


@pytest.mark.parametrize("alias", ["qd-148-2023", "148/QĐ-TTg", "148", "148/qđ-ttg"])
def test_a_set_is_found_by_id_or_decision_number(alias):
    found = find_criteria_set(alias)
    assert found is not None and found.id == "qd-148-2023"


def test_criteria_sets_are_served_publicly_with_cards_and_mandatory_criteria(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        response = client.get("/v1/criteria-sets")
        assert response.status_code == 200
        body = response.json()
        assert [s["id"] for s in body] == ["qd-148-2023", "qd-1048-2019"]
        current = body[0]
        assert [p["max_points"] for p in current["parts"]] == [40, 25, 35]
        assert {m["code"] for m in current["mandatory_criteria"]} >= {"C2.1", "C3.1"}
        assert len(current["score_cards"]) == 6
        assert current["star_thresholds"][0] == {"stars": 5, "min_total": 90}
        assert client.get("/v1/criteria-sets/1048").json()["id"] == "qd-1048-2019"
        missing = client.get("/v1/criteria-sets/999")
        assert missing.status_code == 404
        assert missing.json()["detail_en"] == "No such criteria set"


def test_every_1048_item_offers_its_answers_with_the_level_wording():
    """Members choose an answer worded as on the card, not a bare number of points."""
    criteria_set = find_criteria_set("qd-1048-2019")
    assert criteria_set is not None and criteria_set.version >= 3
    items = [c for part in criteria_set.parts for s in part.sections for c in s.criteria]
    assert len(items) == 31
    for item in items:
        assert item.options, item.code
        assert sorted({o.points for o in item.options}) == item.allowed_points, item.code
        assert all(len(o.text_vi) >= 2 for o in item.options), item.code
    raw_material = next(c for c in items if c.code == "A1.1")
    assert raw_material.options[0].text_vi.startswith("Sử dụng nguyên liệu có nguồn gốc trong tỉnh")
