"""Seats held by sign-in accounts, and the decision's readiness told by the decision's own rule."""

from __future__ import annotations

from typing import Any

from evaluation_factories import FIVE_MEMBERS, Api, full_scores
from test_sessions_api import (
    apply_product,
    create_session,
    criteria,
    decide,
    open_application,
    score,
    scorers,
)


def readiness(api: Api, session: dict[str, Any], application: dict[str, Any]) -> dict[str, Any]:
    url = f"/v1/sessions/{session['id']}/applications/{application['id']}/decision-readiness"
    answer = api.as_("province_officer", province_code="25").get(url)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_readiness_follows_the_quorum_rule_the_decision_applies(api: Api) -> None:
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    card = criteria(api, session, application)
    chair, *members = scorers(session)

    empty = readiness(api, session, application)
    assert empty["ready"] is False
    assert (empty["required"], empty["received"], empty["scoring_members"]) == (4, 0, 5)
    assert {r["code"] for r in empty["reasons"]} == {"quorum", "chair"}
    assert all(r["message"] and r["message_en"] for r in empty["reasons"])

    for member_id in members:  # four of five, but not the chair
        assert score(api, session, application, member_id, full_scores(card, 70)).status_code == 200
    without_chair = readiness(api, session, application)
    assert without_chair["received"] == 4 and without_chair["ready"] is False
    assert [r["code"] for r in without_chair["reasons"]] == ["chair"]
    assert decide(api, session, application).status_code == 409  # the same verdict

    assert score(api, session, application, chair, full_scores(card, 70)).status_code == 200
    ready = readiness(api, session, application)
    assert ready["ready"] is True and ready["reasons"] == [] and ready["chair_scored"] is True
    assert decide(api, session, application).status_code == 200
    assert [r["code"] for r in readiness(api, session, application)["reasons"]] == ["decided"]


def test_a_seat_chosen_from_an_account_is_held_by_that_accounts_sign_in(api: Api) -> None:
    members = [
        {**FIVE_MEMBERS[0], "account_id": "acct-chair"},
        *FIVE_MEMBERS[1:],
    ]
    session = create_session(api, members=members)
    chair = next(m for m in session["members"] if m["role"] == "chair")
    assert chair["account_id"] == "acct-chair"
    apply_product(api)
    application = open_application(api, session)
    card = criteria(api, session, application)

    # The account's council_member token (its subject is the account id) sees and scores the seat.
    as_account = api.as_("council_member", subject="acct-chair")
    listed = as_account.get("/v1/sessions").json()["items"]
    assert [s["id"] for s in listed] == [session["id"]]
    url = f"/v1/sessions/{session['id']}/applications/{application['id']}/scores/{chair['id']}"
    assert as_account.put(url, json={"scores": full_scores(card, 70)}).status_code == 200
    other = scorers(session)[1]
    other_url = url.removesuffix(chair["id"]) + other
    assert as_account.put(other_url, json={"scores": full_scores(card, 70)}).status_code == 403
    # Another account has no seat here.
    stranger = api.as_("council_member", subject="acct-stranger")
    assert stranger.get("/v1/sessions").json()["items"] == []

    officer = api.as_("province_officer", province_code="25")
    again = officer.post(
        f"/v1/sessions/{session['id']}/members",
        json={
            "members": [{"name": "Lại là chủ tịch", "role": "member", "account_id": "acct-chair"}]
        },
    )
    assert again.status_code == 422
    assert len(officer.get(f"/v1/sessions/{session['id']}").json()["members"]) == 6
