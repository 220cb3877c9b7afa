"""The HTTP conventions every service inherits from the kit: problem details, auth, pagination,
ETag/If-Match and Idempotency-Key."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, SecretStr, field_validator
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ocop_kit.app import DbSession, create_service_app
from ocop_kit.auth import Principal, issue_token, require_roles
from ocop_kit.db import KitBase, ServiceDatabase, new_id, service_metadata
from ocop_kit.errors import NotFound
from ocop_kit.etag import check_if_match, set_etag
from ocop_kit.pagination import Page, paginate
from ocop_kit.settings import KitSettings


class Base(DeclarativeBase):
    metadata = service_metadata()


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    province_code: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(default=1)


class ThingIn(BaseModel):
    name: str = Field(min_length=2)
    province_code: str

    @field_validator("province_code")
    @classmethod
    def known_province(cls, value: str) -> str:
        if value not in {"01", "79"}:
            raise ValueError("Không có tỉnh này / Unknown province")
        return value


class ThingOut(BaseModel):
    id: str
    name: str
    version: int


Officer = Annotated[Principal, require_roles("province_officer")]
router = APIRouter()


@router.post("/v1/things", status_code=201)
def create_thing(body: ThingIn, session: DbSession, principal: Officer) -> ThingOut:
    if not principal.may_act_in_province(body.province_code):
        from ocop_kit.errors import Forbidden

        raise Forbidden("Ngoài tỉnh của bạn", "Outside your province")
    thing = Thing(name=body.name, province_code=body.province_code)
    session.add(thing)
    session.commit()
    return ThingOut(id=thing.id, name=thing.name, version=thing.version)


@router.get("/v1/things")
def list_things(
    session: DbSession, cursor: str | None = None, limit: int | None = None
) -> Page[ThingOut]:
    rows, next_cursor = paginate(session, select(Thing), Thing.id, cursor, limit)
    return Page(
        items=[ThingOut(id=r.id, name=r.name, version=r.version) for r in rows],
        next_cursor=next_cursor,
    )


@router.put("/v1/things/{thing_id}")
def rename_thing(
    thing_id: str,
    body: ThingIn,
    request: Request,
    response: Response,
    session: DbSession,
    _: Officer,
) -> ThingOut:
    thing = session.get(Thing, thing_id)
    if thing is None:
        raise NotFound("Không có", "No such thing")
    check_if_match(request, thing.id, thing.version)
    thing.name = body.name
    thing.version += 1
    session.commit()
    set_etag(response, thing.id, thing.version)
    return ThingOut(id=thing.id, name=thing.name, version=thing.version)


@pytest.fixture
def settings(tmp_path):
    return KitSettings(data_dir=tmp_path, secret_key="kit-test-signing-key-long-enough-for-hs256")


def kit_app(settings: KitSettings, service: str = "kit_test") -> FastAPI:
    db = ServiceDatabase(service, settings)
    KitBase.metadata.create_all(db.engine)
    Base.metadata.create_all(db.engine)
    return create_service_app(
        service=service,
        title="t",
        description="t",
        settings=settings,
        db=db,
        celery=None,
        migrations_dir=None,
        routers=[router],
    )


@pytest.fixture
def client(settings):
    with TestClient(kit_app(settings)) as test_client:
        yield test_client


def auth(settings, role="province_officer", province="01"):
    return {"Authorization": f"Bearer {issue_token(settings, role, province_code=province)}"}


def test_validation_errors_are_problem_documents_listing_each_field_in_two_languages(
    client, settings
):
    response = client.post(
        "/v1/things", json={"name": "x", "province_code": "99"}, headers=auth(settings)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["title_en"]
    fields = {error["field"]: error for error in problem["errors"]}
    assert set(fields) == {"name", "province_code"}
    assert fields["province_code"]["message"] == "Không có tỉnh này"
    assert fields["province_code"]["message_en"] == "Unknown province"
    assert client.get("/v1/things").json()["items"] == []


def test_writes_need_a_token_and_the_right_scope(client, settings):
    body = {"name": "Gạo", "province_code": "79"}
    assert client.post("/v1/things", json=body).status_code == 401
    bad = client.post("/v1/things", json=body, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401 and bad.json()["code"] == "unauthorized"
    other_province = client.post("/v1/things", json=body, headers=auth(settings, province="01"))
    assert other_province.status_code == 403
    wrong_role = client.post(
        "/v1/things",
        json=body,
        headers={"Authorization": "Bearer " + issue_token(settings, "producer", producer_id="p1")},
    )
    assert wrong_role.status_code == 403
    assert (
        client.post("/v1/things", json=body, headers=auth(settings, province="79")).status_code
        == 201
    )


def test_expired_token_is_refused(client, settings):
    token = issue_token(settings, "admin", ttl_seconds=-10)
    response = client.post(
        "/v1/things",
        json={"name": "Gạo", "province_code": "01"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert "expired" in response.json()["detail_en"]


def test_cursor_pagination_walks_every_row_once(client, settings):
    created = {
        client.post(
            "/v1/things",
            json={"name": f"Sản phẩm {i}", "province_code": "01"},
            headers=auth(settings),
        ).json()["id"]
        for i in range(7)
    }
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/things", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(created)
    assert client.get("/v1/things", params={"cursor": "%%%"}).status_code == 422
    assert client.get("/v1/things", params={"limit": 0}).status_code == 422


def test_if_match_refuses_an_update_based_on_a_stale_version(client, settings):
    thing = client.post(
        "/v1/things", json={"name": "Mắm", "province_code": "01"}, headers=auth(settings)
    ).json()
    first = client.put(
        f"/v1/things/{thing['id']}",
        json={"name": "Nước mắm", "province_code": "01"},
        headers=auth(settings) | {"If-Match": f'W/"{thing["id"]}-1"'},
    )
    assert first.status_code == 200
    assert first.headers["ETag"] == f'W/"{thing["id"]}-2"'
    stale = client.put(
        f"/v1/things/{thing['id']}",
        json={"name": "Mắm tôm", "province_code": "01"},
        headers=auth(settings) | {"If-Match": f'W/"{thing["id"]}-1"'},
    )
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == f'W/"{thing["id"]}-2"'


def test_idempotency_key_replays_the_first_answer_and_creates_once(client, settings):
    headers = auth(settings) | {"Idempotency-Key": "abc-123"}
    body = {"name": "Chè Thái", "province_code": "01"}
    first = client.post("/v1/things", json=body, headers=headers)
    again = client.post("/v1/things", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(client.get("/v1/things").json()["items"]) == 1
    different = client.post(
        "/v1/things", json={"name": "Khác", "province_code": "01"}, headers=headers
    )
    assert different.status_code == 422
    assert len(client.get("/v1/things").json()["items"]) == 1


def test_unknown_routes_and_methods_are_problem_documents(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_every_response_carries_a_correlation_id(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "req-42"}).headers["X-Request-ID"]
        == "req-42"
    )
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_oversized_requests_are_refused_before_reaching_the_endpoint(settings, tmp_path):
    small = settings.model_copy(update={"max_request_bytes": 1000})
    app = kit_app(small, "kit_small")
    with TestClient(app) as client:
        response = client.post("/v1/things", content=b"x" * 2000, headers=auth(settings))
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert client.get("/v1/things").json()["items"] == []


def test_metrics_count_requests_by_route_and_report_outbox_lag(client):
    client.get("/v1/things")
    client.get("/v1/things")
    text = client.get("/metrics").text
    assert (
        'ocop_http_request_duration_seconds_count{method="GET",route="/v1/things",'
        'service="kit_test",status="200"} 2.0'
    ) in text
    assert 'ocop_outbox_pending_events{service="kit_test"} 0.0' in text
    assert client.get("/readyz").json() == {"status": "ready", "service": "kit_test"}


def test_metrics_need_the_metrics_token_where_set_and_are_not_served_in_production_without(
    settings,
):
    guarded = settings.model_copy(update={"metrics_token": SecretStr("prometheus-scrape-token")})
    with TestClient(kit_app(guarded)) as client:
        assert client.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        assert client.get("/metrics", headers=wrong).status_code == 401
        right = {"Authorization": "Bearer prometheus-scrape-token"}
        assert "ocop_outbox_pending_events" in client.get("/metrics", headers=right).text
    production = settings.model_copy(update={"environment": "production"})
    with TestClient(kit_app(production)) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/healthz").status_code == 200


def test_production_refuses_a_missing_or_short_signing_key(tmp_path):
    with pytest.raises(RuntimeError, match="OCOP_SECRET_KEY"):
        KitSettings(data_dir=tmp_path, environment="production").signing_key()
    with pytest.raises(RuntimeError, match="OCOP_SECRET_KEY"):
        KitSettings(data_dir=tmp_path, environment="production", secret_key="short").signing_key()
    assert not (tmp_path / "secret.key").exists()
    key = "k" * 40
    assert (
        KitSettings(data_dir=tmp_path, environment="production", secret_key=key).signing_key()
        == key
    )
