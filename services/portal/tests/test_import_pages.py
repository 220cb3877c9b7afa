"""Sheet imports through the portal: upload, follow the progress until every product is searchable
and listed, download the rejected rows (STUB BACKENDS: see conftest.py; the real registry behind
these pages is exercised in tests/browser/test_imports.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.testclient import TestClient

from ocop_portal.imports.progress import QUIET_SECONDS, ImportProgress, plan_refresh

JOB_ID = "0192f1c4-7a2b-7c3d-8e4f-5a6b7c8d9e0f"
SHEET = "producer_name,product_name\nHTX Giao Thủy,Mật ong hoa nhãn\n".encode()


def job(status: str, processed: int, imported: int, searchable: int, listed: int) -> dict[str, Any]:
    return {
        "id": JOB_ID,
        "filename": "danh-sach.csv",
        "status": status,
        "rows_total": 4,
        "rows_processed": processed,
        "rows_imported": imported,
        "products": imported if status == "done" else 0,
        "searchable": searchable,
        "listed": listed,
        "errors": [
            {"row": 5, "field": "stars", "message": "Số sao phải từ 3 đến 5",
             "message_en": "Stars must be 3 to 5"}
        ] if processed == 4 else [],
        "failure": None,
        "created_at": "2026-12-02T03:00:00Z",
        "started_at": "2026-12-02T03:00:01Z",
        "finished_at": "2026-12-02T03:00:02Z" if status == "done" else None,
    }  # fmt: skip


STATES = [
    job("queued", 0, 0, 0, 0),
    job("running", 2, 2, 0, 0),
    job("done", 4, 3, 1, 0),
    job("done", 4, 3, 3, 2),
    job("done", 4, 3, 3, 3),
]


def figures(html: str) -> dict[str, str]:
    found = {}
    for key in ("rows-read", "rows-imported", "searchable", "listed", "error-count"):
        match = re.search(rf'id="{key}">([^<]*)<', html)
        assert match, key
        found[key] = match.group(1)
    return found


def test_officer_uploads_a_sheet_and_follows_it_until_every_product_is_live(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    states: Iterator[dict[str, Any]] = iter(STATES)
    latest: list[dict[str, Any]] = []

    def status(_: httpx.Request) -> httpx.Response:
        latest[:] = [next(states, latest[0] if latest else STATES[-1])]
        return httpx.Response(200, json=latest[0])

    stubs.on("registry", "POST", "/v1/imports", STATES[0], status=202)
    stubs.handler("registry", "GET", f"/v1/imports/{JOB_ID}", status)
    token = sign_in("province_officer", province_code="36")

    form = client.get("/imports")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text and '<label for="sheet">' in form.text
    assert 'href="/imports"' in form.text  # linked from the staff navigation

    sent = client.post("/imports", files={"file": ("danh-sach.csv", SHEET, "text/csv")})
    assert sent.status_code == 303 and sent.headers["location"] == f"/imports/{JOB_ID}"
    upload = stubs.requests_to("registry", "/v1/imports")[-1]
    assert upload.headers["authorization"] == f"Bearer {token}"
    assert b'name="file"; filename="danh-sach.csv"' in upload.content and SHEET in upload.content

    seen = []
    page = client.get(sent.headers["location"])
    poll = re.search(r'hx-get="([^"]+)" hx-trigger="every 2s"', page.text)
    assert poll is not None
    # Without scripts the page reloads itself at the address htmx would poll.
    assert f'<noscript><meta http-equiv="refresh" content="2; url={poll.group(1)}">' in page.text
    while True:
        assert page.status_code == 200
        seen.append(figures(page.text))
        poll = re.search(r'hx-get="([^"]+)" hx-trigger="every 2s"', page.text)
        if poll is None:
            break
        page = client.get(poll.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert "<html" not in page.text  # the poll swaps the progress panel alone
    assert [s["searchable"] for s in seen] == ["0", "0", "1", "3", "3"]
    assert [s["listed"] for s in seen] == ["0", "0", "0", "2", "3"]
    assert seen[-1] == {
        "rows-read": "4", "rows-imported": "3", "searchable": "3", "listed": "3",
        "error-count": "1",
    }  # fmt: skip
    assert 'data-live="yes"' in page.text and "Hoàn tất" in page.text
    assert '<progress id="stage-listed" max="3" value="3">' in page.text
    assert "Số sao phải từ 3 đến 5" in page.text
    assert f'href="/imports/{JOB_ID}/errors.csv"' in page.text

    english = client.get(f"/imports/{JOB_ID}", params={"lang": "en"}).text
    assert "Searchable" in english and "Stars must be 3 to 5" in english


def test_a_refused_sheet_shows_the_registry_reason_on_the_form(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    problem = {
        "title": "Dữ liệu không hợp lệ",
        "detail": "Thiếu cột product_name",
        "detail_en": "The column product_name is missing",
        "errors": [],
    }
    stubs.on("registry", "POST", "/v1/imports", problem, status=422)
    sign_in("province_officer", province_code="36")
    refused = client.post("/imports", files={"file": ("sai.csv", b"a,b\n1,2\n", "text/csv")})
    assert refused.status_code == 422 and "Thiếu cột product_name" in refused.text
    assert 'id="upload-form"' in refused.text
    empty = client.post("/imports", files={"file": ("", b"", "application/octet-stream")})
    assert empty.status_code == 422 and "Hãy chọn một tệp" in empty.text
    assert len(stubs.requests_to("registry", "/v1/imports")) == 1


def test_imports_are_for_province_offices_and_forged_uploads_are_refused(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    assert client.get("/imports").headers["location"] == "/sign-in?next=/imports"
    sign_in("sync_operator")
    assert client.get("/imports").status_code == 403
    assert "/imports" not in client.get("/search").text.split("<main")[0]
    sign_in("province_officer", province_code="36")
    forged = client.post(
        "/imports",
        files={"file": ("x.csv", SHEET, "text/csv")},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403 and stubs.requests_to("registry", "/v1/imports") == []
    assert client.get("/imports/..%2Fstats").status_code == 404
    opened = client.get("/imports", params={"id": f" {JOB_ID} "})
    assert opened.headers["location"] == f"/imports/{JOB_ID}"


def test_errors_csv_is_passed_through_from_the_registry(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    report = "Dòng gốc,Tên sản phẩm,Lỗi\r\n5,Mật ong,Số sao: phải từ 3 đến 5\r\n".encode()
    stubs.handler(
        "registry",
        "GET",
        f"/v1/imports/{JOB_ID}/errors.csv",
        lambda _: httpx.Response(
            200,
            content=report,
            headers={
                "content-type": "text/csv; charset=utf-8",
                "content-disposition": f'attachment; filename="import-{JOB_ID}-errors.csv"',
            },
        ),
    )
    sign_in("admin")
    answer = client.get(f"/imports/{JOB_ID}/errors.csv")
    assert answer.status_code == 200 and answer.content == report
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"import-{JOB_ID}-errors.csv" in answer.headers["content-disposition"]


def test_refreshing_stops_when_every_product_is_live_or_a_done_import_stays_still() -> None:
    running = ImportProgress.of(STATES[1])
    first = plan_refresh(running, None, None, now=1000)
    assert (first.again, first.since) == (True, 1000)
    assert plan_refresh(running, first.seen, 1000, now=5000).again  # rows still being read

    stuck = ImportProgress.of(job("done", 4, 3, 3, 2))
    waiting = plan_refresh(stuck, stuck.signature, 1000, now=1000 + QUIET_SECONDS - 1)
    assert (waiting.again, waiting.quiet) == (True, False)
    stopped = plan_refresh(stuck, stuck.signature, 1000, now=1000 + QUIET_SECONDS)
    assert (stopped.again, stopped.quiet) == (False, True)
    moved = plan_refresh(stuck, "done.4.3.3.1.3", 1000, now=1000 + QUIET_SECONDS)
    assert (moved.again, moved.since) == (True, 1000 + QUIET_SECONDS)
    from_the_future = plan_refresh(stuck, stuck.signature, 9999, now=1000)
    assert (from_the_future.again, from_the_future.since) == (True, 1000)

    live = plan_refresh(ImportProgress.of(STATES[-1]), None, None, now=1000)
    assert (live.again, live.quiet) == (False, False)
    failed = ImportProgress.of({**STATES[1], "status": "failed"})
    assert not plan_refresh(failed, None, None, now=1000).again
    assert ImportProgress.of(STATES[-1]).listed.percent == 100.0
    assert ImportProgress.of({"products": 0, "status": "done"}).live


def test_progress_page_says_why_it_stopped_refreshing(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    sign_in("province_officer", province_code="36")
    path = f"/v1/imports/{JOB_ID}"
    still = job("done", 4, 3, 3, 2)
    stubs.on("registry", "GET", path, still)
    signature = ImportProgress.of(still).signature
    recently = int(time.time()) - 5
    fresh = client.get(f"/imports/{JOB_ID}", params={"seen": signature, "since": recently}).text
    assert 'hx-trigger="every 2s"' in fresh and "đang chờ tìm kiếm và các sàn" in fresh
    stale = client.get(f"/imports/{JOB_ID}", params={"seen": signature, "since": 1}).text
    assert "hx-get" not in stale and 'http-equiv="refresh"' not in stale
    assert "Số liệu không đổi trong 1 phút" in stale and 'data-refreshing="no"' in stale
    assert f'<a href="/imports/{JOB_ID}">' in stale  # checking again restarts the clock

    stubs.on("registry", "GET", path, {**still, "status": "failed", "failure": "Tệp hỏng"})
    failed = client.get(f"/imports/{JOB_ID}").text
    assert "Lượt nhập bị lỗi" in failed and "Tệp hỏng" in failed and "hx-get" not in failed
