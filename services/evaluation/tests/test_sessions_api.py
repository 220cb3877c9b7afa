"""The sessions API against PostgreSQL: sessions, applications, sheets, decisions, events."""

from __future__ import annotations

from typing import Any

from evaluation_factories import FIVE_MEMBERS, Api, deliver_product, full_scores, snapshot
from sqlalchemy import select

from ocop_evaluation.sessions.models import ScoreRevision, ScoreSheet
from ocop_kit.tables import ChangeRecord, OutboxEvent


def db_of(api: Api) -> Any:
    return api.client.app.state.db  # type: ignore[attr-defined]


def create_session(api: Api, **extra: Any) -> dict[str, Any]:
    body = {
        "level": "provincial",
        "province_code": "25",
        "criteria_set": "qd-148-2023",
        "members": FIVE_MEMBERS,
        **extra,
    }
    response = api.as_("province_officer", province_code="25").post("/v1/sessions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def members_by_role(session: dict[str, Any], role: str) -> list[str]:
    return [m["id"] for m in session["members"] if m["role"] == role]


def scorers(session: dict[str, Any]) -> list[str]:
    return members_by_role(session, "chair") + members_by_role(session, "member")


def apply_product(api: Api, product_id: str = "p-1", **kw: Any) -> dict[str, Any]:
    deliver_product(db_of(api), snapshot(product_id, **kw))
    return {"product_id": product_id}


def open_application(api: Api, session: dict[str, Any], product_id: str = "p-1") -> dict[str, Any]:
    officer = api.as_("province_officer", province_code="25")
    response = officer.post(
        f"/v1/sessions/{session['id']}/applications", json={"product_id": product_id}
    )
    assert response.status_code == 201, response.text
    return response.json()


def criteria(api: Api, session: dict[str, Any], application: dict[str, Any]) -> list[dict]:
    url = f"/v1/sessions/{session['id']}/applications/{application['id']}"
    return api.as_().get(url).json()["criteria"]


def score(api: Api, session, application, member_id, scores, **extra) -> Any:
    url = f"/v1/sessions/{session['id']}/applications/{application['id']}/scores/{member_id}"
    return api.member(member_id).put(url, json={"scores": scores, **extra})


def decide(api: Api, session, application, caller=None) -> Any:
    caller = caller or api.as_("province_officer", province_code="25")
    return caller.post(f"/v1/sessions/{session['id']}/applications/{application['id']}/decision")


def score_all(api, session, application, targets, **extra) -> None:
    card = criteria(api, session, application)
    for member_id, target in zip(scorers(session), targets, strict=False):
        response = score(api, session, application, member_id, full_scores(card, target), **extra)
        assert response.status_code == 200, response.text


def outbox_events(api: Api) -> list[dict[str, Any]]:
    with db_of(api).session() as s:
        return [row.body for row in s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))]


# --- sessions ------------------------------------------------------------------------------------


def test_creating_a_session_returns_member_ids_and_default_settings(api):
    session = create_session(api)
    assert session["status"] == "open"
    assert [m["role"] for m in session["members"]].count("chair") == 1
    assert all(m["id"] for m in session["members"])
    assert session["quorum"] == {"numerator": 3, "denominator": 4}
    assert session["max_spread"] == 10
    assert session["criteria_set"] == "qd-148-2023"


def test_session_settings_accept_a_quorum_like_two_thirds(api):
    session = create_session(api, quorum="2/3", max_spread=8, criteria_set="1048/QĐ-TTg")
    assert session["quorum"] == {"numerator": 2, "denominator": 3}
    assert session["max_spread"] == 8
    assert session["criteria_set"] == "qd-1048-2019"


def test_a_council_without_exactly_one_chair_is_refused_in_both_languages(api):
    officer = api.as_("province_officer", province_code="25")
    response = officer.post(
        "/v1/sessions",
        json={
            "level": "provincial",
            "province_code": "25",
            "criteria_set": "qd-148-2023",
            "members": [{"name": "A", "role": "member"}],
        },
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert "chủ tịch" in error["message"] and "chair" in error["message_en"]


def test_an_unknown_criteria_set_is_refused(api):
    officer = api.as_("province_officer", province_code="25")
    response = officer.post(
        "/v1/sessions",
        json={
            "level": "provincial",
            "province_code": "25",
            "criteria_set": "qd-1-1999",
            "members": FIVE_MEMBERS,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "criteria_set"


def test_officers_create_sessions_only_for_their_province_and_central_needs_an_admin(api):
    body = {"level": "provincial", "province_code": "25", "members": FIVE_MEMBERS}
    other = api.as_("province_officer", province_code="01")
    assert other.post("/v1/sessions", json=body).status_code == 403
    central = {"level": "central", "members": FIVE_MEMBERS}
    assert other.post("/v1/sessions", json=central).status_code == 403
    assert api.as_().post("/v1/sessions", json=central).status_code == 201
    assert api.as_("producer", producer_id="x").post("/v1/sessions", json=body).status_code == 403
    assert api.client.post("/v1/sessions", json=body).status_code == 401


def test_a_member_sees_only_the_sessions_they_sit_on(api):
    mine = create_session(api)
    other = create_session(api)
    member_id = scorers(mine)[1]
    listed = api.member(member_id).get("/v1/sessions").json()["items"]
    assert [s["id"] for s in listed] == [mine["id"]]
    assert api.member(member_id).get(f"/v1/sessions/{other['id']}").status_code == 404
    assert api.member(member_id).get(f"/v1/sessions/{mine['id']}").status_code == 200
    # An officer of another province sees neither.
    assert api.as_("province_officer", province_code="01").get("/v1/sessions").json()["items"] == []


def test_the_session_moves_draft_open_closed_decided_and_refuses_other_moves(api):
    session = create_session(api, status="draft")
    sid = session["id"]
    officer = api.as_("province_officer", province_code="25")
    moved = officer.post(f"/v1/sessions/{sid}/status", json={"status": "closed"})
    assert moved.status_code == 409
    assert moved.json()["allowed"] == ["open"]
    assert (
        officer.post(f"/v1/sessions/{sid}/status", json={"status": "open"}).json()["status"]
        == "open"
    )
    apply_product(api)
    application = open_application(api, session)
    assert officer.post(f"/v1/sessions/{sid}/status", json={"status": "closed"}).status_code == 200
    # Closed: no more sheets.
    card = criteria(api, session, application)
    refused = score(api, session, application, scorers(session)[0], full_scores(card, 75))
    assert refused.status_code == 409
    # Decided needs every application decided.
    assert officer.post(f"/v1/sessions/{sid}/status", json={"status": "decided"}).status_code == 409
    # A council member cannot manage the session.
    member = api.member(scorers(session)[1])
    assert member.post(f"/v1/sessions/{sid}/status", json={"status": "open"}).status_code == 403
    history = officer.get(f"/v1/sessions/{sid}/history").json()
    assert [h["action"] for h in history] == ["created", "status_changed", "status_changed"]


def test_a_stale_if_match_on_a_status_change_is_refused(api):
    session = create_session(api, status="draft")
    officer = api.as_("province_officer", province_code="25")
    etag = officer.get(f"/v1/sessions/{session['id']}").headers["etag"]
    assert (
        officer.post(
            f"/v1/sessions/{session['id']}/status",
            json={"status": "open"},
            headers={"If-Match": etag},
        ).status_code
        == 200
    )
    stale = api.client.post(
        f"/v1/sessions/{session['id']}/status",
        json={"status": "closed"},
        headers={**officer.headers, "If-Match": etag},
    )
    assert stale.status_code == 412


# --- applications --------------------------------------------------------------------------------


def test_an_application_for_a_product_the_registry_never_sent_is_refused(api):
    session = create_session(api)
    officer = api.as_("province_officer", province_code="25")
    response = officer.post(
        f"/v1/sessions/{session['id']}/applications", json={"product_id": "never-heard-of"}
    )
    assert response.status_code == 422
    body = response.json()
    assert "Sản phẩm" in body["detail"] and "not known" in body["detail_en"]


def test_a_product_of_another_province_is_refused_by_a_provincial_session(api):
    session = create_session(api)
    apply_product(api, "p-hn", province_code="01")
    officer = api.as_("province_officer", province_code="25")
    response = officer.post(
        f"/v1/sessions/{session['id']}/applications", json={"product_id": "p-hn"}
    )
    assert response.status_code == 422
    assert "province" in response.json()["detail_en"]


def test_the_score_card_follows_the_product_group_and_a_certified_product_is_a_renewal(api):
    session = create_session(api)
    apply_product(api, "p-tour", group="du_lich.diem_du_lich", stars=3)
    application = open_application(api, session, "p-tour")
    assert application["score_card"] == "du_lich"
    assert application["kind"] == "renewal" and application["previous_stars"] == 3
    names = {c["code"]: c["name_vi"] for c in criteria(api, session, application)}
    assert names["C2.2"] == "An toàn, an ninh cho du khách"
    duplicate = api.as_().post(
        f"/v1/sessions/{session['id']}/applications", json={"product_id": "p-tour"}
    )
    assert duplicate.status_code == 409


# --- score sheets --------------------------------------------------------------------------------


def test_a_member_scores_and_revises_and_every_revision_is_kept(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    card = criteria(api, session, application)
    member_id = scorers(session)[1]
    first = score(api, session, application, member_id, full_scores(card, 60))
    assert first.status_code == 200
    assert first.json()["total"] == 60 and first.json()["complete"] is True
    second = score(api, session, application, member_id, full_scores(card, 72), comment="sửa")
    assert second.json()["revision"] == 2 and second.json()["total"] == 72
    url = (
        f"/v1/sessions/{session['id']}/applications/{application['id']}"
        f"/scores/{member_id}/revisions"
    )
    revisions = api.member(member_id).get(url).json()
    assert [(r["revision"], r["total"]) for r in revisions] == [(1, 60), (2, 72)]


def test_out_of_range_points_and_unknown_criteria_are_refused_and_nothing_is_stored(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    member_id = scorers(session)[0]
    bad_points = score(api, session, application, member_id, {"A1.1": 7, "A1.2": 1})
    assert bad_points.status_code == 422
    assert bad_points.json()["errors"][0]["field"] == "scores.A1.1"
    assert "allowed: 1, 2, 3" in bad_points.json()["errors"][0]["message_en"]
    unknown = score(api, session, application, member_id, {"Z9.9": 1})
    assert unknown.status_code == 422
    not_mandatory = score(
        api, session, application, member_id, {"A1.1": 1}, mandatory_failed=["A1.1"]
    )
    assert not_mandatory.status_code == 422
    negative = score(api, session, application, member_id, {"A1.1": -1})
    assert negative.status_code == 422
    with db_of(api).session() as s:
        assert s.scalars(select(ScoreSheet)).all() == []
        assert s.scalars(select(ScoreRevision)).all() == []
        assert (
            s.scalars(select(ChangeRecord).where(ChangeRecord.entity_type == "score_sheet")).all()
            == []
        )


def test_a_member_outside_the_session_cannot_score_and_nothing_is_stored(api):
    session = create_session(api)
    other = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    card = criteria(api, session, application)
    outsider = scorers(other)[1]
    # The outsider's own token, on their own member id: not a member of this session.
    assert score(api, session, application, outsider, full_scores(card, 70)).status_code == 403
    # A member of the session filling in someone else's sheet.
    insider, neighbour = scorers(session)[1], scorers(session)[2]
    url = f"/v1/sessions/{session['id']}/applications/{application['id']}/scores/{neighbour}"
    assert api.member(insider).put(url, json={"scores": {"A1.1": 1}}).status_code == 403
    # The secretary does not score.
    secretary = members_by_role(session, "secretary")[0]
    assert score(api, session, application, secretary, {"A1.1": 1}).status_code == 403
    with db_of(api).session() as s:
        assert s.scalars(select(ScoreSheet)).all() == []


def test_members_see_only_their_own_sheet_before_the_decision(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    score_all(api, session, application, [75, 76, 74, 75, 77])
    url = f"/v1/sessions/{session['id']}/applications/{application['id']}/scores"
    member_id = scorers(session)[1]
    own = api.member(member_id).get(url).json()
    assert [s["member_id"] for s in own] == [member_id]
    assert len(api.as_("province_officer", province_code="25").get(url).json()) == 5


# --- decisions -----------------------------------------------------------------------------------


def test_five_members_score_and_the_decision_recognises_four_stars_and_publishes_it(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    score_all(api, session, application, [75, 76, 74, 75, 77])
    response = decide(api, session, application)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["total"], result["stars"], result["outcome"]) == (75.4, 4, "recognised")
    events = [e for e in outbox_events(api) if e["type"] == "evaluation.decided"]
    assert len(events) == 1
    event = events[0]
    assert event["aggregate_id"] == application["id"] and event["version"] == 1
    payload = event["payload"]
    assert payload["outcome"] == "recognised" and payload["stars"] == 4
    assert payload["product_id"] == "p-1" and payload["level"] == "provincial"
    assert payload["province_code"] == "25" and payload["criteria_set"] == "qd-148-2023"
    assert sorted(s["total"] for s in payload["sheets"]) == [74, 75, 75, 76, 77]
    card = criteria(api, session, application)
    assert all(len(s["scores"]) == len(card) for s in payload["sheets"])
    # Decided: no more revisions, no second decision.
    assert (
        score(api, session, application, scorers(session)[0], full_scores(card, 90)).status_code
        == 409
    )
    assert decide(api, session, application).status_code == 409


def test_without_quorum_or_without_the_chair_the_decision_is_refused(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    card = criteria(api, session, application)
    chair, *members = scorers(session)
    for member_id in members:  # four of five, but not the chair
        assert score(api, session, application, member_id, full_scores(card, 70)).status_code == 200
    refused = decide(api, session, application)
    assert refused.status_code == 409
    assert refused.json()["chair_scored"] is False and refused.json()["required"] == 4
    assert outbox_events(api) == []
    assert score(api, session, application, chair, full_scores(card, 70)).status_code == 200
    assert decide(api, session, application).status_code == 200


def test_a_wide_spread_needs_discussion_then_members_revise_and_the_council_decides_again(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    score_all(api, session, application, [60, 75, 74, 75, 76])
    first = decide(api, session, application).json()
    assert first["outcome"] == "needs_discussion" and first["spread"] == 16
    revised = scorers(session)[0]
    card = criteria(api, session, application)
    assert score(api, session, application, revised, full_scores(card, 72)).status_code == 200
    second = decide(api, session, application).json()
    assert second["outcome"] == "recognised" and second["stars"] == 4
    versions = [e["version"] for e in outbox_events(api) if e["type"] == "evaluation.decided"]
    assert versions == [1, 2]


def test_a_failed_mandatory_criterion_of_four_stars_gives_three(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    card = criteria(api, session, application)
    for i, member_id in enumerate(scorers(session)):
        failed = ["C2.3"] if i < 3 else []
        assert (
            score(
                api, session, application, member_id, full_scores(card, 78), mandatory_failed=failed
            ).status_code
            == 200
        )
    result = decide(api, session, application).json()
    assert result["stars_by_total"] == 4
    assert (result["stars"], result["outcome"]) == (3, "recognised")
    assert result["failed_mandatory"] == ["C2.3"]


def test_a_total_of_90_is_proposed_to_one_reused_central_session(api):
    session = create_session(api)
    apply_product(api, "p-a")
    apply_product(api, "p-b")
    decided = []
    for product_id in ("p-a", "p-b"):
        application = open_application(api, session, product_id)
        score_all(api, session, application, [92, 91, 93, 90, 92])
        result = decide(api, session, application).json()
        assert (result["outcome"], result["stars"]) == ("proposed_to_central", 5)
        decided.append(result["central_application_id"])
    admin = api.as_()
    centrals = admin.get("/v1/sessions?level=central").json()["items"]
    assert len(centrals) == 1 and centrals[0]["status"] == "draft"
    central_apps = admin.get(f"/v1/sessions/{centrals[0]['id']}/applications").json()["items"]
    assert sorted(a["id"] for a in central_apps) == sorted(decided)
    assert {a["product_id"] for a in central_apps} == {"p-a", "p-b"}
    assert all(a["origin_application_id"] for a in central_apps)


def test_the_central_council_recognises_five_stars(api):
    apply_product(api, "p-5", province_code="01")
    admin = api.as_()
    central = admin.post("/v1/sessions", json={"level": "central", "members": FIVE_MEMBERS}).json()
    application = admin.post(
        f"/v1/sessions/{central['id']}/applications", json={"product_id": "p-5"}
    ).json()
    score_all(api, central, application, [95, 94, 96, 93, 95])
    result = decide(api, central, application, caller=admin).json()
    assert (result["outcome"], result["stars"]) == ("recognised", 5)
    event = next(e for e in outbox_events(api) if e["type"] == "evaluation.decided")
    assert event["payload"]["level"] == "central" and event["payload"]["province_code"] == "01"


def test_the_result_sheet_lists_products_totals_and_stars(api):
    session = create_session(api)
    apply_product(api, "p-1", name="Nước mắm <Hải Hậu>")
    application = open_application(api, session)
    score_all(api, session, application, [75, 76, 74, 75, 77])
    decide(api, session, application)
    response = api.member(scorers(session)[0]).get(f"/v1/sessions/{session['id']}/result-sheet")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "Nước mắm &lt;Hải Hậu&gt;" in html
    assert "75.40" in html and "★★★★ (4 sao)" in html and "Công nhận" in html


# --- commune step and dossier --------------------------------------------------------------------


def test_the_commune_forwards_a_complete_dossier_before_the_council_scores(api):
    session = create_session(api, commune_step_required=True)
    apply_product(api)
    application = open_application(api, session)
    assert application["commune_status"] == "pending"
    card = criteria(api, session, application)
    chair = scorers(session)[0]
    assert score(api, session, application, chair, full_scores(card, 70)).status_code == 409
    base = f"/v1/sessions/{session['id']}/applications/{application['id']}"
    officer = api.as_("province_officer", province_code="25")
    uploaded = officer.post(
        f"{base}/documents",
        data={"kind": "phieu_dang_ky"},
        files={"file": ("../../đơn đăng ký.pdf", b"%PDF-1.4 test", "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert document["filename"] == "đơn đăng ký.pdf" and document["size_bytes"] == 13
    content = officer.get(f"{base}/documents/{document['id']}/content")
    assert content.content == b"%PDF-1.4 test"
    refused = officer.post(
        f"{base}/documents", files={"file": ("x.exe", b"MZ", "application/x-msdownload")}
    )
    assert refused.status_code == 422
    assessment = {
        "commune_name": "Xã Hải Hậu",
        "dossier_complete": True,
        "local_origin": True,
        "local_labour": True,
        "idea_origin": False,
        "local_identity": True,
        "assessed_by": "UBND xã Hải Hậu",
        "assessed_on": "2026-11-20",
    }
    returned = officer.put(f"{base}/commune-assessment", json=assessment).json()
    assert returned["commune_status"] == "returned"
    assert returned["commune_assessment"]["unmet"] == ["idea_origin"]
    forwarded = officer.put(
        f"{base}/commune-assessment", json={**assessment, "idea_origin": True}
    ).json()
    assert forwarded["commune_status"] == "forwarded"
    assert score(api, session, application, chair, full_scores(card, 70)).status_code == 200
    actions = [h["action"] for h in officer.get(f"{base}/history").json()]
    assert actions[:4] == ["created", "document_added", "commune_assessed", "commune_assessed"]


def test_hostile_input_on_an_application_is_refused_and_nothing_is_stored(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    base = f"/v1/sessions/{session['id']}/applications/{application['id']}"
    officer = api.as_("province_officer", province_code="25")
    spoofed = ("hoso\u202efdp.exe", b"%PDF-1.4 test", "application/pdf")  # shows as "hosoexe.pdf"
    uploaded = officer.post(f"{base}/documents", files={"file": spoofed})
    assert uploaded.status_code == 422 and uploaded.json()["errors"][0]["field"] == "file"
    assert officer.get(f"{base}/documents").json() == []

    card = criteria(api, session, application)
    chair = scorers(session)[0]
    scores = full_scores(card, 70)
    as_true = score(api, session, application, chair, {**scores, card[0]["code"]: True})
    assert as_true.status_code == 422, as_true.text
    bad_comment = score(api, session, application, chair, scores, comment="Tốt\x00\x1b")
    assert bad_comment.status_code == 422 and bad_comment.json()["errors"][0]["field"] == "comment"
    assert officer.get(f"{base}/scores").json() == []

    for day in ("9999-12-31", "0001-01-01"):
        decided = officer.post(f"{base}/decision", json={"decided_on": day})
        assert decided.status_code == 422 and decided.json()["errors"][0]["field"] == "decided_on"
    assessment = {
        "commune_name": "Xã Hải Hậu",
        "dossier_complete": True,
        "local_origin": True,
        "local_labour": True,
        "idea_origin": True,
        "local_identity": True,
        "assessed_by": "  ",
        "assessed_on": "0001-01-01",
    }
    assessed = officer.put(f"{base}/commune-assessment", json=assessment)
    assert assessed.status_code == 422
    assert {e["field"] for e in assessed.json()["errors"]} == {"assessed_by", "assessed_on"}
    assert officer.get(base).json()["commune_assessment"] is None


# --- re-evaluation -------------------------------------------------------------------------------


def test_due_lists_certificates_expiring_within_180_days_for_the_province(api):
    from datetime import date, timedelta

    today = date.today()
    apply_product(api, "soon", stars=3, expires_on=today + timedelta(days=100))
    apply_product(api, "edge", stars=4, expires_on=today + timedelta(days=180))
    apply_product(api, "later", stars=3, expires_on=today + timedelta(days=400))
    apply_product(
        api, "elsewhere", stars=3, province_code="01", expires_on=today + timedelta(days=30)
    )
    apply_product(api, "uncertified")
    officer = api.as_("province_officer", province_code="25")
    items = officer.get("/v1/due?province_code=25").json()["items"]
    assert sorted(i["product_id"] for i in items) == ["edge", "soon"]
    assert {i["product_id"]: i["days_left"] for i in items}["soon"] in (99, 100, 101)
    assert officer.get("/v1/due?province_code=01").status_code == 403
    everywhere = api.as_().get("/v1/due").json()["items"]
    assert "elsewhere" in {i["product_id"] for i in everywhere}


def test_an_unfinished_sheet_is_kept_but_does_not_count_towards_the_quorum(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    card = criteria(api, session, application)
    chair, first, second, third, _ = scorers(session)
    for member_id in (chair, first, second):
        assert score(api, session, application, member_id, full_scores(card, 70)).status_code == 200
    partial = score(api, session, application, third, {"A1.1": 3, "A1.2": 3})
    assert partial.status_code == 200 and partial.json()["complete"] is False
    refused = decide(api, session, application)
    assert refused.status_code == 409
    assert refused.json()["received"] == 3 and refused.json()["incomplete_sheets"] == 1
    assert score(api, session, application, third, full_scores(card, 71)).status_code == 200
    assert decide(api, session, application).json()["total"] == 70.25


def test_the_ministry_seats_the_central_council_it_was_proposed_to_and_recognises_5_stars(api):
    session = create_session(api)
    apply_product(api, "p-top")
    application = open_application(api, session, "p-top")
    score_all(api, session, application, [92, 91, 93, 90, 92])
    central_app_id = decide(api, session, application).json()["central_application_id"]
    admin = api.as_()
    [central] = admin.get("/v1/sessions?level=central").json()["items"]
    assert (
        admin.post(f"/v1/sessions/{central['id']}/status", json={"status": "open"}).status_code
        == 409
    )  # no chair yet
    seated = admin.post(f"/v1/sessions/{central['id']}/members", json={"members": FIVE_MEMBERS[:5]})
    assert seated.status_code == 201
    assert (
        admin.post(f"/v1/sessions/{central['id']}/status", json={"status": "open"}).status_code
        == 200
    )
    central = admin.get(f"/v1/sessions/{central['id']}").json()
    central_app = {"id": central_app_id}
    score_all(api, central, central_app, [94, 95, 93, 96, 94])
    result = decide(api, central, central_app, caller=admin).json()
    assert (result["outcome"], result["stars"]) == ("recognised", 5)
    decided = [e["payload"] for e in outbox_events(api) if e["type"] == "evaluation.decided"]
    assert [(p["level"], p["outcome"]) for p in decided] == [
        ("provincial", "proposed_to_central"),
        ("central", "recognised"),
    ]


def test_certificate_events_keep_the_read_model_current(api):
    from datetime import date, timedelta

    soon = date.today() + timedelta(days=60)
    apply_product(api, "p-rev", stars=3, expires_on=soon)
    officer = api.as_("province_officer", province_code="25")
    assert [i["product_id"] for i in officer.get("/v1/due").json()["items"]] == ["p-rev"]
    apply_product(api, "p-rev", stars=3, expires_on=soon, status="revoked")
    assert officer.get("/v1/due").json()["items"] == []
    apply_product(api, "p-rev", stars=4, expires_on=soon + timedelta(days=1095))
    session = create_session(api)
    application = open_application(api, session, "p-rev")
    assert application["previous_stars"] == 4 and application["kind"] == "renewal"


def test_two_simultaneous_decisions_on_one_application_give_one_decision(api):
    from concurrent.futures import ThreadPoolExecutor

    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    score_all(api, session, application, [75, 76, 74, 75, 77])
    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(
            f.result().status_code
            for f in [pool.submit(decide, api, session, application) for _ in range(2)]
        )
    assert codes == [200, 409]
    assert len([e for e in outbox_events(api) if e["type"] == "evaluation.decided"]) == 1
