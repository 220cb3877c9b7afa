"""The score card placed under its parts and the submitted form read back: pure functions.
(Totals and stars are the evaluation service's: see its test_one_home_for_rules.py.)"""

from __future__ import annotations

from ocop_portal.council.scoring import Criterion, DraftSheet, arrange, read_criteria, read_form

CRITERIA = [
    Criterion("A1", "Nguồn nguyên liệu", [0, 1, 2, 3, 4, 5], mandatory_from_stars=3),
    Criterion("A2", "Tổ chức sản xuất", [0, 2, 4]),
    Criterion("C1", "Chất lượng", [0, 10, 20, 30]),
]


def test_read_form_keeps_known_criteria_and_drops_the_rest() -> None:
    form = [("c:A1", "4.0"), ("c:ZZ", "3"), ("c:A2", ""), ("c:C1", "2,5x"), ("failed", "A1"),
            ("failed", "A1"), ("failed", "nope"), ("comment", "  Tốt  ")]  # fmt: skip
    assert read_form(form, CRITERIA) == DraftSheet({"A1": 4.0}, {}, ["A1"], "Tốt")


def test_read_form_takes_the_answer_chosen_by_its_number() -> None:
    form = [("a:A1", "2"), ("a:A2", "x"), ("a:ZZ", "1")]
    assert read_form(form, CRITERIA).answers == {"A1": 2}


def test_read_criteria_keeps_the_cards_answers_in_order() -> None:
    raw = [{"code": "A1", "name_vi": "Nguyên liệu", "allowed_points": [0, 2],
            "options": [{"points": 2, "text_vi": "Tại địa phương"},
                        {"points": 0, "text_vi": "Nơi khác"}]}]  # fmt: skip
    (criterion,) = read_criteria(raw)
    assert [(o.number, o.points, o.text) for o in criterion.options] == [
        (1, 2.0, "Tại địa phương"),
        (2, 0.0, "Nơi khác"),
    ]


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


def test_product_set_names_are_read_from_the_registrys_tree() -> None:
    from ocop_portal.catalog import _group_names_from

    spirits = {"code": "ruou_trang", "name_vi": "Rượu trắng", "name_en": "White spirits"}
    alcoholic = {"code": "do_uong.co_con", "name_vi": "Đồ uống có cồn", "product_sets": [spirits]}
    tree = {"groups": [{"code": "do_uong", "name_vi": "Đồ uống", "subgroups": [alcoholic]}]}
    names = _group_names_from(tree)
    assert names["ruou_trang"] == ("Rượu trắng", "White spirits")
    assert names["do_uong.co_con"][0] == "Đồ uống có cồn"
