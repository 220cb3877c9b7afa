"""Upgrade without redoing the dossier: a product's new application starts from its previous
one's documents, and the council sees the previous answers and what changed."""

from __future__ import annotations

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


def test_a_new_application_carries_the_dossier_and_shows_the_previous_evaluation(api):
    officer = api.as_("province_officer", province_code="25")
    first_session = create_session(api)
    apply_product(api)
    first = open_application(api, first_session)
    base = f"/v1/sessions/{first_session['id']}/applications/{first['id']}"
    uploaded = officer.post(
        f"{base}/documents",
        data={"kind": "phieu_dang_ky"},
        files={"file": ("đơn đăng ký.pdf", b"%PDF-1.4 lan 1", "application/pdf")},
    )
    assert uploaded.status_code == 201
    card = criteria(api, first_session, first)
    for member_id in scorers(first_session):
        assert score(api, first_session, first, member_id, full_scores(card, 72)).status_code == 200
    assert decide(api, first_session, first).json()["stars"] == 4

    second_session = create_session(api)
    apply_product(api, stars=4)  # now certified 4★: asking again is a renewal or an upgrade
    second = open_application(api, second_session)
    assert second["previous_application_id"] == first["id"]
    again = f"/v1/sessions/{second_session['id']}/applications/{second['id']}"
    documents = officer.get(f"{again}/documents").json()
    assert [(d["filename"], d["carried_from"]) for d in documents] == [
        ("đơn đăng ký.pdf", uploaded.json()["id"])
    ]
    content = officer.get(f"{again}/documents/{documents[0]['id']}/content")
    assert content.content == b"%PDF-1.4 lan 1"  # the same file, not uploaded again

    added = officer.post(
        f"{again}/documents",
        data={"kind": "chung_nhan"},
        files={"file": ("ISO 22000.pdf", b"%PDF-1.4 moi", "application/pdf")},
    )
    assert added.json()["carried_from"] is None  # what is new this time
    detail = officer.get(again).json()
    previous = detail["previous"]
    assert (previous["application_id"], previous["stars"], previous["same_card"]) == (
        first["id"],
        4,
        True,
    )
    first_sheet = full_scores(card, 72)
    assert previous["mean_points"] == {code: float(p) for code, p in first_sheet.items()}
    # The first application's own dossier is untouched.
    assert len(officer.get(f"{base}/documents").json()) == 1


def test_a_first_application_has_nothing_to_carry(api):
    session = create_session(api)
    apply_product(api)
    application = open_application(api, session)
    assert application["previous_application_id"] is None
    detail = api.as_().get(f"/v1/sessions/{session['id']}/applications/{application['id']}")
    assert detail.json()["previous"] is None
