"""A council member scores a product on the screen and sees the star it would give; the chair
decides, and the registry issues the certificate."""

from __future__ import annotations

from typing import Any

from ocop_kit.testing import wait_for


def _plan(page: Any, aim: float) -> dict[str, str]:
    """Choose points criterion by criterion so the sheet totals close to `aim`."""
    criteria = page.evaluate(
        """() => [...document.querySelectorAll('fieldset.criterion')].map(f => ({
              code: f.id.replace('criterion-', ''),
              values: [...f.querySelectorAll('input[type=radio]')].map(r => r.value)}))"""
    )
    chosen: dict[str, str] = {}
    running = 0.0
    for criterion in criteria:
        fitting = [v for v in criterion["values"] if running + float(v) <= aim]
        pick = max(fitting, key=float) if fitting else min(criterion["values"], key=float)
        chosen[criterion["code"]] = pick
        running += float(pick)
    return chosen


def test_council_member_scores_product_and_sees_the_star_then_chair_decides(
    page: Any,
    system: Any,
    catalog: Any,
    signed_in: Any,
    retry: Any,
    shot: Any,
    check_labels: Any,
) -> None:
    from playwright.sync_api import expect  # here: without Playwright the fixtures skip first

    portal = system.urls["portal"]
    producer = catalog.producer(
        "Hộ kinh doanh Mật ong Bà Lan", "Xã Hải Quang, Huyện Hải Hậu, Tỉnh Nam Định", "household"
    )
    product = catalog.product(producer["id"], "Mật ong hoa nhãn Bà Lan")
    province = product["address"]["province_code"]
    evaluation = system.client("evaluation", "admin")
    created = evaluation.post(
        "/v1/sessions",
        json={
            "level": "provincial",
            "province_code": province,
            "criteria_set": "qd-148-2023",
            "name": "Hội đồng OCOP tỉnh — đợt thử",
            "members": [
                {"name": "Nguyễn Văn Chủ Tịch", "role": "chair"},
                {"name": "Trần Thị Thành Viên", "role": "member"},
                {"name": "Lê Văn Thư Ký", "role": "secretary"},
            ],
        },
    )
    assert created.status_code == 201, created.text
    council = created.json()
    chair = next(m for m in council["members"] if m["role"] == "chair")
    member = next(m for m in council["members"] if m["role"] == "member")
    # The evaluation service learns of the product through an event: retry until it has.
    application = retry(
        lambda: evaluation.post(
            f"/v1/sessions/{council['id']}/applications", json={"product_id": product["id"]}
        ),
        201,
    )
    assert application.status_code == 201, application.text
    application_id = application.json()["id"]

    signed_in(page, portal, "council_member", name=chair["id"])
    page.goto(portal + "/council")
    page.get_by_role("link", name="Hội đồng OCOP tỉnh — đợt thử").click()
    page.locator("#applications tr", has_text="Mật ong hoa nhãn Bà Lan").get_by_role(
        "link", name="Chấm điểm"
    ).click()
    page.wait_for_url("**/score")
    check_labels(page)

    plan = _plan(page, aim=78)
    expected = round(sum(float(v) for v in plan.values()), 2)
    assert 70 <= expected < 90, plan
    for code, value in plan.items():
        page.locator(f"input[name='c:{code}'][value='{value}']").check()
    # Saved as they go: the tally shows the server-side save and the star the sheet gives.
    shown = f"{expected:g}".replace(".", ",")
    expect(page.locator("#running-total")).to_have_text(shown, timeout=20_000)
    expect(page.locator("#saved-at")).to_be_attached()
    assert page.locator("#would-give-stars").inner_text() == "4 sao"
    shot(page, "council-scoring")

    chair_client = system.client("evaluation", "council_member")
    chair_client.headers["Authorization"] = (
        f"Bearer {system.token('council_member', subject=chair['id'])}"
    )
    path = f"/v1/sessions/{council['id']}/applications/{application_id}/scores"
    wait_for(
        lambda: any(
            s["member_id"] == chair["id"] and s["total"] == expected
            for s in chair_client.get(path).json()
        ),
        timeout=20,
        message="the chair's sheet to be saved with the last choice",
    )
    page.reload()
    for code, value in plan.items():
        assert page.locator(f"input[name='c:{code}'][value='{value}']").is_checked()

    # A save that cannot reach the server says so at once, rather than looking saved.
    first_code, first_value = next(iter(plan.items()))
    other = page.locator(f"input[name='c:{first_code}']:not([value='{first_value}'])").first
    page.route("**/score", lambda route: route.abort())
    other.check()
    expect(page.locator("#save-status [role=alert]")).to_contain_text("Chưa lưu được")
    page.unroute("**/score")
    shot(page, "council-scoring-offline")

    # The other member scores through the API; then the chair decides on the screen.
    member_token = system.token("council_member", subject=member["id"])
    member_sheet = chair_client.put(
        f"{path}/{member['id']}",
        json={"scores": {code: float(v) for code, v in plan.items()}},
        headers={"Authorization": f"Bearer {member_token}"},
    )
    assert member_sheet.status_code == 200, member_sheet.text

    page.goto(f"{portal}/council/sessions/{council['id']}/applications/{application_id}/decision")
    page.click("#decide")
    page.wait_for_load_state()
    assert "4 sao" in page.locator("#decision").inner_text()
    assert page.locator("#decision-outcome").inner_text() == "Công nhận"
    shot(page, "council-decision")

    registry = system.client("registry")
    wait_for(
        lambda: (
            (registry.get(f"/v1/products/{product['id']}").json().get("certificate") or {}).get(
                "stars"
            )
            == 4
        ),
        timeout=60,
        interval=0.5,
        message="the registry to issue the 4-star certificate",
    )
    page.goto(f"{portal}/products/{product['id']}")
    assert "4 sao" in page.locator("#certificate").inner_text()
