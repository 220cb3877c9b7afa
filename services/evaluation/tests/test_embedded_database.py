"""The same flow on the embedded default (SQLite files), as `ocop up` runs it with no servers."""

from evaluation_factories import FIVE_MEMBERS, Api, deliver_product, full_scores, snapshot
from fastapi.testclient import TestClient
from sqlalchemy import select

from ocop_evaluation.app import create_app
from ocop_evaluation.settings import Settings
from ocop_kit.tables import OutboxEvent


def test_a_session_is_scored_and_decided_on_sqlite(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        api = Api(client)
        deliver_product(app.state.db, snapshot("p-sqlite", group="duoc_lieu.thuoc"))
        officer = api.as_("province_officer", province_code="25")
        session = officer.post(
            "/v1/sessions",
            json={"level": "provincial", "province_code": "25", "members": FIVE_MEMBERS},
        ).json()
        application = officer.post(
            f"/v1/sessions/{session['id']}/applications", json={"product_id": "p-sqlite"}
        ).json()
        assert application["score_card"] == "duoc_lieu"
        base = f"/v1/sessions/{session['id']}/applications/{application['id']}"
        criteria = officer.get(base).json()["criteria"]
        for member in session["members"]:
            if member["role"] != "secretary":
                response = api.member(member["id"]).put(
                    f"{base}/scores/{member['id']}", json={"scores": full_scores(criteria, 52)}
                )
                assert response.status_code == 200, response.text
        result = officer.post(f"{base}/decision").json()
        assert (result["total"], result["stars"], result["outcome"]) == (52, 3, "recognised")
        with app.state.db.session() as s:
            [event] = s.scalars(select(OutboxEvent)).all()
            assert event.event_type == "evaluation.decided"
