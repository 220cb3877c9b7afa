"""Criteria sets as data an office loads: the Excel template, the upload checked cell by cell,
versions in force from a date, sessions keeping the version they started with."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from evaluation_factories import full_scores
from openpyxl import load_workbook
from test_sessions_api import (
    apply_product,
    create_session,
    criteria,
    decide,
    open_application,
    score,
    scorers,
)

from ocop_contracts import PRODUCT_SET_CODES
from ocop_evaluation.criteria.workbook import CARD_COLUMNS, CARDS_SHEET, INFO_LABELS, INFO_SHEET

COLUMNS = list(CARD_COLUMNS)
Edit = Callable[[Any, Any], None]


def template(api) -> Any:
    response = api.as_().get("/v1/criteria-sets/qd-148-2023/template.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def info_row(workbook: Any, field: str) -> int:
    for number, row in enumerate(workbook[INFO_SHEET].iter_rows(values_only=True), start=1):
        if row[0] == INFO_LABELS[field]:
            return number
    raise AssertionError(field)


def set_info(workbook: Any, field: str, value: Any) -> None:
    workbook[INFO_SHEET].cell(row=info_row(workbook, field), column=2, value=value)


def filled(
    api,
    *,
    set_id: str = "qd-26-2026",
    effective_from: str = "22/05/2026",
    confirmed: str = "không",
    four_stars: float = 70,
    edit: Edit | None = None,
) -> bytes:
    """The template as an office would fill it: the new decision's facts and, for the test, a
    wording for every answer (the official wording is not public to us)."""
    workbook = template(api)
    set_info(workbook, "id", set_id)
    set_info(workbook, "decision_no", "26/2026/QĐ-TTg")
    set_info(workbook, "issued_on", "22/05/2026")
    set_info(workbook, "effective_from", effective_from)
    set_info(workbook, "confirmed", confirmed)
    set_info(workbook, "threshold_4", four_stars)
    cards = workbook[CARDS_SHEET]
    text = COLUMNS.index("option_text") + 1
    points = COLUMNS.index("option_points") + 1
    for row in range(2, cards.max_row + 1):
        cards.cell(row=row, column=text, value=f"Phương án {cards.cell(row, points).value} (thử)")
    if edit is not None:
        edit(workbook, cards)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(api, content: bytes, role: str = "admin", **scope: str) -> Any:
    files = {"file": ("phieu.xlsx", content, "application/octet-stream")}
    return api.as_(role, **scope).post("/v1/criteria-sets", files=files)


def set_ids(api) -> list[str]:
    return [s["id"] for s in api.as_().get("/v1/criteria-sets").json()]


def cell_of(cards: Any, column: str, match: Callable[[tuple[Any, ...]], bool]) -> str:
    for number, row in enumerate(cards.iter_rows(values_only=True), start=1):
        if number > 1 and match(row):
            return f"{chr(ord('A') + COLUMNS.index(column))}{number}"
    raise AssertionError(column)


def test_the_template_has_a_card_for_every_product_set(api):
    workbook = template(api)
    cards = workbook[CARDS_SHEET]
    codes = {row[0] for row in cards.iter_rows(min_row=2, values_only=True)}
    assert codes == set(PRODUCT_SET_CODES)
    assert workbook[INFO_SHEET].cell(info_row(workbook, "id"), 2).value == "qd-148-2023"
    assert workbook[INFO_SHEET].cell(info_row(workbook, "confirmed"), 2).value == "không"


def test_a_template_loaded_without_the_answers_wording_is_refused_cell_by_cell(api):
    out = io.BytesIO()
    template(api).save(out)
    refused = upload(api, out.getvalue())
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert errors[0]["sheet"] == CARDS_SHEET and errors[0]["cell"] == "N2"
    assert "nội dung phương án" in errors[0]["message"].lower() and errors[0]["message_en"]
    assert set_ids(api) == ["qd-148-2023", "qd-1048-2019"]


def _part_a_41(workbook: Any, cards: Any) -> None:
    cards["E2"] = 41


def _section_off(workbook: Any, cards: Any) -> None:
    cards["H2"] = 17.5


def _option_above_max(workbook: Any, cards: Any) -> None:
    cards["M2"] = 99


def _mark_without_criterion(workbook: Any, cards: Any) -> None:
    cards["I2"] = None
    cards["L2"] = 3


def _bidi_control(workbook: Any, cards: Any) -> None:
    cards["J2"] = "Nguồn \u202enguyên liệu"


def _a_set_without_card(workbook: Any, cards: Any) -> None:
    for row in range(cards.max_row, 1, -1):
        if cards.cell(row, 1).value == "hoa":
            cards.delete_rows(row)


@pytest.mark.parametrize(
    ("edit", "cell", "words"),
    [
        (_part_a_41, "E2", "Phần A tối đa 40"),
        (_section_off, "H2", "không bằng 17.5"),
        (_option_above_max, "M2", "vượt điểm tối đa"),
        (_mark_without_criterion, "L2", "Dấu (*) chỉ đặt ở dòng có mã tiêu chí"),
        (_bidi_control, "J2", "ký tự đảo chiều văn bản"),
        (_a_set_without_card, "A1", "hoa"),
    ],
)
def test_a_malformed_card_is_refused_with_the_cell_and_nothing_is_loaded(api, edit, cell, words):
    refused = upload(api, filled(api, edit=edit))
    assert refused.status_code == 422, refused.text
    found = [e for e in refused.json()["errors"] if e["cell"] == cell]
    assert found and words in found[0]["message"], refused.json()["errors"]
    assert set_ids(api) == ["qd-148-2023", "qd-1048-2019"]


def test_only_an_admin_loads_a_criteria_set(api):
    refused = upload(api, filled(api), "province_officer", province_code="25")
    assert refused.status_code == 403
    assert set_ids(api) == ["qd-148-2023", "qd-1048-2019"]


def test_a_loaded_card_runs_a_session_end_to_end_on_the_products_set(api):
    loaded = upload(api, filled(api))
    assert loaded.status_code == 201, loaded.text
    body = loaded.json()
    assert (body["id"], body["version"], body["confirmed"]) == ("qd-26-2026", 1, False)
    assert body["effective_from"] == "2026-05-22"
    assert set_ids(api)[0] == "qd-26-2026"

    session = create_session(api, criteria_set=None)  # the newest decision in force
    assert session["criteria_set"] == "qd-26-2026" and session["criteria_set_confirmed"] is False
    apply_product(api, "p-ruou", group="do_uong.co_con", product_set="ruou_trang")
    application = open_application(api, session, "p-ruou")
    assert application["score_card"] == "ruou_trang"
    detail = api.as_().get(f"/v1/sessions/{session['id']}/applications/{application['id']}")
    assert detail.json()["card_confirmed"] is False
    assert detail.json()["criteria"][0]["options"][0]["text_vi"].startswith("Phương án")
    card = criteria(api, session, application)
    for member_id in scorers(session):
        assert score(api, session, application, member_id, full_scores(card, 75)).status_code == 200
    assert decide(api, session, application).json()["stars"] == 4

    apply_product(api, "p-chua-chon", group="do_uong")  # no product set chosen yet
    refused = api.as_("province_officer", province_code="25").post(
        f"/v1/sessions/{session['id']}/applications", json={"product_id": "p-chua-chon"}
    )
    assert refused.status_code == 422
    assert "bộ sản phẩm" in refused.json()["detail"]


def test_a_session_keeps_its_version_and_a_new_one_takes_effect_from_its_date(api):
    today = date.today()
    month_ago = (today - timedelta(days=30)).strftime("%d/%m/%Y")
    assert upload(api, filled(api, effective_from=month_ago)).status_code == 201
    before = create_session(api, criteria_set="qd-26-2026")
    stricter = upload(api, filled(api, effective_from=today.strftime("%d/%m/%Y"), four_stars=80))
    assert stricter.status_code == 201 and stricter.json()["version"] == 2
    after = create_session(api, criteria_set="26/2026/QĐ-TTg")
    yesterday = (today - timedelta(days=1)).isoformat()
    earlier_day = create_session(api, criteria_set="qd-26-2026", meets_on=yesterday)
    assert [s["criteria_set_version"] for s in (before, after, earlier_day)] == [1, 2, 1]

    stars = []
    for number, session in enumerate((before, after, earlier_day)):
        product_id = f"p-{number}"
        apply_product(api, product_id, group="sinh_vat_canh.hoa", product_set="hoa")
        application = open_application(api, session, product_id)
        card = criteria(api, session, application)
        for member_id in scorers(session):
            score(api, session, application, member_id, full_scores(card, 75))
        stars.append(decide(api, session, application).json()["stars"])
    assert stars == [4, 3, 4]


def test_members_score_by_answer_and_the_sheet_keeps_the_answers(api):
    assert upload(api, filled(api)).status_code == 201
    session = create_session(api, criteria_set="qd-26-2026")
    apply_product(api, "p-hoa", group="sinh_vat_canh.hoa", product_set="hoa")
    application = open_application(api, session, "p-hoa")
    detail = api.as_().get(f"/v1/sessions/{session['id']}/applications/{application['id']}")
    card = detail.json()["criteria"]
    first, second, *_ = scorers(session)
    # The first answer of every criterion but the first, whose last (highest) answer is chosen.
    answers = {c["code"]: 1 for c in card} | {card[0]["code"]: len(card[0]["options"])}
    by_answer = score(api, session, application, first, {}, answers=answers)
    assert by_answer.status_code == 200, by_answer.text
    sheet = by_answer.json()
    assert sheet["answers"] == answers
    assert sheet["scores"][card[0]["code"]] == card[0]["options"][-1]["points"]
    expected = card[0]["max_points"] + sum(c["options"][0]["points"] for c in card[1:])
    assert sheet["total"] == expected and sheet["complete"] is True

    # The points alone still do where exactly one answer gives them; the answer is recorded.
    by_points = score(api, session, application, second, full_scores(card, 60))
    assert by_points.status_code == 200
    assert set(by_points.json()["answers"]) == {c["code"] for c in card}

    wrong = score(api, session, application, first, {}, answers={card[0]["code"]: 99})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == f"answers.{card[0]['code']}"
    revisions = api.as_().get(
        f"/v1/sessions/{session['id']}/applications/{application['id']}/scores/{first}/revisions"
    )
    assert [r["answers"] for r in revisions.json()] == [answers]  # the refusal stored nothing


def test_a_card_without_answer_options_takes_no_answers(api):
    session = create_session(api)  # Decision 148's provisional cards: points only
    apply_product(api)
    application = open_application(api, session)
    code = criteria(api, session, application)[0]["code"]
    refused = score(api, session, application, scorers(session)[0], {}, answers={code: 1})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == f"answers.{code}"
