"""A session's application list and result sheet read each application's decision and sheet
count in one query for the whole page: 50 applications cost the statements one does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from evaluation_factories import Api
from sqlalchemy import event
from test_sessions_api import (
    apply_product,
    create_session,
    db_of,
    decide,
    open_application,
    score_all,
)


@contextmanager
def counting_statements(api: Api) -> Iterator[Callable[[], int]]:
    """Count the SQL statements the API runs inside the block."""
    engine = db_of(api).engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)


def session_with_applications(api: Api, count: int) -> dict[str, Any]:
    """A session with `count` applications, the first scored and decided."""
    session = create_session(api)
    for n in range(count):
        apply_product(api, f"p-{n}")
        application = open_application(api, session, f"p-{n}")
        if n == 0:
            score_all(api, session, application, [72, 74, 70, 71, 73])
            assert decide(api, session, application).status_code == 200
    return session


def statements_to_list(api: Api, session: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    officer = api.as_("province_officer", province_code="25")
    with counting_statements(api) as counted:
        response = officer.get(f"/v1/sessions/{session['id']}/applications", params={"limit": 100})
        assert response.status_code == 200, response.text
        return counted(), response.json()["items"]


def statements_to_print(api: Api, session: dict[str, Any]) -> int:
    officer = api.as_("province_officer", province_code="25")
    with counting_statements(api) as counted:
        response = officer.get(f"/v1/sessions/{session['id']}/result-sheet")
        assert response.status_code == 200, response.text
        return counted()


def test_listing_fifty_applications_runs_as_many_statements_as_listing_one(api):
    one = session_with_applications(api, 1)
    fifty = session_with_applications(api, 50)

    statements_for_one, items_of_one = statements_to_list(api, one)
    statements_for_fifty, items_of_fifty = statements_to_list(api, fifty)

    assert statements_for_fifty == statements_for_one
    assert len(items_of_fifty) == 50
    decided = [a for a in items_of_fifty if a["decision"] is not None]
    assert len(decided) == 1
    assert decided[0]["decision"]["stars"] == 4
    assert decided[0]["sheets_submitted"] == 5
    assert {a["sheets_submitted"] for a in items_of_fifty if a["decision"] is None} == {0}
    assert items_of_one[0]["decision"]["stars"] == 4


def test_printing_the_result_sheet_of_fifty_runs_as_many_statements_as_of_one(api):
    one = session_with_applications(api, 1)
    fifty = session_with_applications(api, 50)

    assert statements_to_print(api, fifty) == statements_to_print(api, one)
