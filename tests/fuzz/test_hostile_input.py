"""Hostile input found by probing the running system as an outsider would (issue 15, issue 17's
clean names): each is refused with a 422 problem document naming the field, and nothing is
written. The services run in-process on the embedded default, as in test_openapi_fuzz."""

from __future__ import annotations

import base64
import itertools
import random
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from test_openapi_fuzz import APPS

SERIAL = itertools.count(1)
LEGACY_ADDRESS = "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"
HOSTILE_TEXT = {
    "control characters": "Mật ong\x07\x1b\x00",
    "a C1 control": "Mật ong\x9b31m",
    "a bidi override": "Mật ong \u202eđặc sản",
    "a bidi isolate": "Mật ong \u2066x\u2069",
    "only zero-width characters": "\u200b\u200c\u200d",
}


def client(service: str) -> TestClient:
    app, headers = APPS[service]
    test_client = TestClient(app)
    test_client.headers.update(headers)
    return test_client


def refused(response: Any, field: str) -> None:
    """A 422 problem document with an error on `field` (Vietnamese and English)."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    errors = [e for e in problem["errors"] if e["field"] == field]
    assert errors, problem
    assert all(e["message"] and e["message_en"] for e in errors)


def count(service: str, path: str) -> int:
    response = client(service).get(path, params={"limit": 500})
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def new_producer(**fields: Any) -> Any:
    body = {"name": "HTX Hải Đông", "kind": "cooperative", "address": {"legacy": LEGACY_ADDRESS}}
    return client("registry").post("/v1/producers", json={**body, **fields})


def new_product(**fields: Any) -> Any:
    producer = new_producer(name=f"HTX Mật ong số {next(SERIAL)}")
    assert producer.status_code == 201, producer.text
    body = {
        "producer_id": producer.json()["id"],
        "name": "Mật ong hoa nhãn",
        "group": "thuc_pham",
        # Every test makes the same product for a new producer: not the duplicate check's case.
        "confirm_not_duplicate": True,
    }
    return client("registry").post("/v1/products", json={**body, **fields})


def new_session(**fields: Any) -> Any:
    body = {
        "level": "provincial",
        "province_code": "25",
        "members": [{"name": "Nguyễn Văn An", "role": "chair"}, {"name": "Trần Thị Bình"}],
    }
    return client("evaluation").post("/v1/sessions", json={**body, **fields})


# --- pagination cursors --------------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


LISTS = [
    ("registry", "/v1/products"),
    ("registry", "/v1/producers"),
    ("registry", "/v1/accounts"),
    ("registry", "/v1/export/products"),
    ("evaluation", "/v1/sessions"),
    ("evaluation", "/v1/due"),
    ("marketplace_sync", "/v1/listings"),
    ("marketplace_sync", "/v1/sync/reports"),
    ("marketplace_sync", "/v1/dead-letters"),
]
CURSORS = {
    "null": "bnVsbA",
    "true": "dHJ1ZQ",
    "a list": b64("[1, 2]"),
    "an object": b64('{"id": "x"}'),
    "a number": b64("7"),
    "a NUL": b64('"\\u0000"'),
    "not base64": "%%%%",
}


@pytest.mark.parametrize(("service", "path"), LISTS)
@pytest.mark.parametrize("cursor", CURSORS.values(), ids=CURSORS.keys())
def test_a_forged_cursor_is_a_422_on_every_list(service, path, cursor):
    refused(client(service).get(path, params={"cursor": cursor}), "cursor")


@pytest.mark.parametrize("service", ["registry", "evaluation", "marketplace_sync", "search"])
def test_a_control_character_in_the_path_or_query_is_a_422(service):
    refused(client(service).get("/v1/products", params={"province_code": "\x00"}), "query")
    refused(client(service).get("/v1/products/%00"), "query")


# --- text and names ------------------------------------------------------------------------------


def test_a_name_is_stored_nfc_trimmed_with_its_spaces_collapsed():
    typed = unicodedata.normalize("NFD", "  HTX   Nông nghiệp\u00a0 Hải Đông ")
    created = new_producer(name=typed)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "HTX Nông nghiệp Hải Đông"
    assert unicodedata.is_normalized("NFC", created.json()["name"])


@pytest.mark.parametrize("name", ["  ", "\u3000\u00a0", "...", "-- / --", "★★★"])
def test_a_blank_or_punctuation_only_name_is_refused(name):
    before = count("registry", "/v1/producers")
    refused(new_producer(name=name), "name")
    assert count("registry", "/v1/producers") == before


@pytest.mark.parametrize("text", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_hostile_text_is_refused_in_the_registry(text):
    producers = count("registry", "/v1/producers")
    refused(new_producer(name=text), "name")
    refused(new_producer(address={"legacy": text}), "address.legacy")
    assert count("registry", "/v1/producers") == producers
    products = count("registry", "/v1/products")
    refused(new_product(name=text), "name")
    refused(new_product(description=text), "description")
    refused(new_product(unit=text), "unit")
    refused(
        new_product(certifications=[{"scheme": "VietGAP", "number": text}]),
        "certifications.0.number",
    )
    assert count("registry", "/v1/products") == products


@pytest.mark.parametrize("text", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_hostile_text_is_refused_in_evaluation_sessions(text):
    before = count("evaluation", "/v1/sessions")
    refused(new_session(name=text), "name")
    refused(new_session(members=[{"name": text, "role": "chair"}]), "members.0.name")
    refused(
        new_session(members=[{"name": "An", "role": "chair", "title": text}]), "members.0.title"
    )
    assert count("evaluation", "/v1/sessions") == before


def test_line_breaks_and_tabs_are_kept_in_multiline_text_only():
    product = new_product(description="Dòng một\r\n\tDòng hai")
    assert product.status_code == 201, product.text
    assert product.json()["description"] == "Dòng một\n\tDòng hai"
    refused(new_product(unit="hộp\n500 g"), "unit")


# --- strict types and links ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("price_vnd", True), ("price_vnd", "150000"), ("price_vnd", 1.5), ("weight_grams", True)],
)
def test_money_and_counts_take_only_whole_numbers(field, value):
    before = count("registry", "/v1/products")
    refused(new_product(**{field: value}), field)
    assert count("registry", "/v1/products") == before


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://a.vn/x",
    ],
)
def test_links_are_http_or_https_only(url):
    refused(new_product(images=["https://ocop.example.vn/1.jpg", url]), "images.1")
    refused(new_product(traceability_url=url), "traceability_url")
    linked = new_product(
        images=["https://ocop.example.vn/1.jpg"], traceability_url="http://truyxuat.example.vn/a"
    )
    assert linked.status_code == 201, linked.text


# --- dates and bounds ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2017-12-31"])
def test_a_certificate_date_outside_the_programme_years_is_refused(day):
    product = new_product()
    assert product.status_code == 201, product.text
    path = f"/v1/products/{product.json()['id']}/certificate"
    body = {"stars": 4, "level": "provincial", "recognised_on": day}
    refused(client("registry").post(path, json=body), "recognised_on")
    refused(client("registry").post(path, json={**body, "stars": True}), "stars")
    assert client("registry").get(f"{path}s").json() == []


@pytest.mark.parametrize(
    "quorum",
    [
        {"numerator": 2**63, "denominator": 2**63},
        {"numerator": 3, "denominator": 2},
        {"numerator": 0, "denominator": 4},
        {"numerator": True, "denominator": 4},
        f"{2**63}/{2**63}",
    ],
)
def test_a_session_quorum_is_a_bounded_share(quorum):
    before = count("evaluation", "/v1/sessions")
    response = new_session(quorum=quorum)
    assert response.status_code == 422, response.text
    assert any(e["field"].startswith("quorum") for e in response.json()["errors"])
    assert count("evaluation", "/v1/sessions") == before


@pytest.mark.parametrize("code", ["' OR 1", "99", "1", "34", "٣٧", ""])
def test_a_session_takes_only_a_current_province_code(code):
    refused(new_session(province_code=code), "province_code")
    created = new_session(province_code="37")
    assert created.status_code == 201 and created.json()["province_code"] == "37"


# --- sheet imports -------------------------------------------------------------------------------

HEADER = b"producer_name,producer_kind,address,product_name,group\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8


@pytest.mark.parametrize(
    "content",
    [
        ELF,
        random.Random(15).randbytes(4096),
        HEADER + b"HTX A,household," + b"x" * (5 * 1024 * 1024) + b",Mat ong,thuc_pham\n",
    ],
    ids=["an ELF program", "random bytes", "a 5 MB field"],
)
def test_an_upload_that_is_no_sheet_is_a_422(content):
    before = count("registry", "/v1/producers")
    answer = client("registry").post(
        "/v1/imports", files={"file": ("danh-sach.csv", content, "text/csv")}
    )
    refused(answer, "file")
    assert count("registry", "/v1/producers") == before
