"""One home for every evaluation rule: the preview of a draft sheet and the council's decision
are the same rules on the same card, with the star thresholds of the criteria set's data."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from evaluation_factories import full_scores
from test_sessions_api import (
    apply_product,
    create_session,
    criteria,
    decide,
    open_application,
    score,
    scorers,
)

from ocop_evaluation.criteria import loader


def preview(api, session, application, scores, **extra) -> Any:
    url = f"/v1/sessions/{session['id']}/applications/{application['id']}/preview"
    return api.as_("province_officer", province_code="25").post(
        url, json={"scores": scores, **extra}
    )


def every_member_scores(api, session, application, scores, **extra) -> None:
    for member_id in scorers(session):
        response = score(api, session, application, member_id, scores, **extra)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("target", "failed", "stars", "outcome"),
    [
        (72, [], 4, "recognised"),
        (78, ["C2.3"], 3, "recognised"),  # mandatory from 4★ failed: capped at 3★
        (92, [], 5, "proposed_to_central"),
        (45, [], 2, "not_recognised"),
    ],
)
def test_the_preview_of_a_sheet_and_the_decision_on_it_agree(api, target, failed, stars, outcome):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    sheet = full_scores(criteria(api, session, application), target)

    shown = preview(api, session, application, sheet, mandatory_failed=failed)
    assert shown.status_code == 200, shown.text
    every_member_scores(api, session, application, sheet, mandatory_failed=failed)
    decided = decide(api, session, application).json()

    assert shown.json()["complete"] is True
    assert (shown.json()["stars"], shown.json()["outcome"]) == (stars, outcome)
    for field in ("total", "stars", "stars_by_total", "outcome"):
        assert shown.json()[field] == decided[field], field


def test_a_draft_sheet_is_previewed_but_not_stored_and_bad_points_are_refused(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    card = criteria(api, session, application)
    first = card[0]
    partial = preview(api, session, application, {first["code"]: first["allowed_points"][-1]})
    assert partial.status_code == 200
    body = partial.json()
    assert (body["scored"], body["complete"], body["total"]) == (
        1,
        False,
        first["allowed_points"][-1],
    )
    assert body["max_total"] == 100
    refused = preview(api, session, application, {first["code"]: 99})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == f"scores.{first['code']}"
    url = f"/v1/sessions/{session['id']}/applications/{application['id']}/scores"
    assert api.as_().get(url).json() == []


@pytest.fixture
def stricter_criteria_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The shipped criteria sets plus a copy of Decision 148's whose data asks 80 for 4★."""
    data_dir = tmp_path / "criteria"
    shutil.copytree(loader.DATA_DIR, data_dir)
    body = json.loads((data_dir / "qd-148-2023.json").read_text(encoding="utf-8"))
    body.update(id="qd-148-strict", aliases=[], decision_no="148/QĐ-TTg (thử ngưỡng)")
    body["star_thresholds"] = [
        {"stars": 5, "min_total": 90},
        {"stars": 4, "min_total": 80},
        {"stars": 3, "min_total": 50},
        {"stars": 2, "min_total": 30},
        {"stars": 1, "min_total": 0},
    ]
    (data_dir / "qd-148-strict.json").write_text(json.dumps(body), encoding="utf-8")
    monkeypatch.setattr(loader, "DATA_DIR", data_dir)
    loader.criteria_sets.cache_clear()
    yield "qd-148-strict"
    loader.criteria_sets.cache_clear()


def test_thresholds_changed_in_a_criteria_sets_data_change_preview_and_decision_alike(
    api, stricter_criteria_set
):
    results = {}
    for criteria_set in ("qd-148-2023", stricter_criteria_set):
        session = create_session(api, criteria_set=criteria_set)
        product_id = f"p-{criteria_set}"
        apply_product(api, product_id)
        application = open_application(api, session, product_id)
        sheet = full_scores(criteria(api, session, application), 75)
        shown = preview(api, session, application, sheet).json()
        every_member_scores(api, session, application, sheet)
        decided = decide(api, session, application).json()
        results[criteria_set] = (shown["stars"], decided["stars"])
    assert results == {"qd-148-2023": (4, 4), stricter_criteria_set: (3, 3)}
