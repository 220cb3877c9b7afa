"""Every page passes axe-core's WCAG 2 A/AA rules (contrast, labels, landmarks, names) with no
serious or critical violation. axe-core 4.14.1 (MPL-2.0, from the npm registry) is vendored in
`vendor/`; it is injected into a context that bypasses the portal's CSP, since the portal itself
allows no foreign script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
# One good row and one with impossible stars, so the progress page shows its error table too.
IMPORT_SHEET = (
    "producer_name,producer_kind,address,product_name,group,stars\n"
    "HTX Mắm Giao Thủy,Hợp tác xã,Xã Giao Thiện,Mắm rươi Giao Thủy,Thực phẩm,\n"
    "HTX Mắm Giao Thủy,Hợp tác xã,Xã Giao Thiện,Mắm cáy Giao Thủy,Thực phẩm,9\n"
)


def violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
              .map(v => v.id + ': ' + v.help + ' — ' +
                   v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }"""
    )
    return list(result)


@pytest.fixture
def audit_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def test_public_pages_pass_axe_wcag_aa(
    audit_page: Any, system: Any, certified_product: dict[str, Any]
) -> None:
    portal = system.urls["portal"]
    found: dict[str, list[str]] = {}
    for path in (
        "/",
        "/search?q=nuoc+mam",
        f"/products/{certified_product['id']}",
        f"/products/{certified_product['id']}?lang=en",
        "/sign-in",
        "/sign-in?next=/dashboard",
        "/password-reset",
        "/no-such-page",
        "/?lang=en",
        "/search?q=nuoc+mam&page=1&sort=price_asc",
        "/gioi-thieu",
        "/gioi-thieu?lang=en",
        "/products/0190aaaa-0000-7000-8000-000000000000",
        "/q/ZZZZZZZZ",
    ):
        audit_page.goto(portal + path)
        found[path] = violations(audit_page)
    assert {path: v for path, v in found.items() if v} == {}


def test_staff_pages_pass_axe_wcag_aa(
    audit_page: Any,
    system: Any,
    certified_product: dict[str, Any],
    signed_in: Any,
    retry: Any,
) -> None:
    portal = system.urls["portal"]
    province = certified_product["address"]["province_code"]
    evaluation = system.client("evaluation", "admin")
    council = evaluation.post(
        "/v1/sessions",
        json={
            "level": "provincial",
            "province_code": province,
            "name": "Phiên kiểm tra khả năng tiếp cận",
            "members": [{"name": "Chủ tịch", "role": "chair"}, {"name": "Ủy viên"}],
        },
    ).json()
    application = retry(
        lambda: evaluation.post(
            f"/v1/sessions/{council['id']}/applications",
            json={"product_id": certified_product["id"]},
        ),
        201,
    ).json()
    sheet = f"/council/sessions/{council['id']}/applications/{application['id']}"
    upload = system.client("registry", "admin").post(
        "/v1/imports",
        files={"file": ("kiem-tra.csv", IMPORT_SHEET.encode())},
    )
    assert upload.status_code == 202, upload.text
    found: dict[str, list[str]] = {}
    signed_in(audit_page, portal, "admin", name="quan-tri")
    for path in (
        f"/dashboard?province_code={province}",
        "/sync",
        "/council",
        f"/council/sessions/{council['id']}",
        f"{sheet}/score",
        f"{sheet}/decision",
        "/imports",
        f"/imports/{upload.json()['id']}",
        "/council/new",
        f"/council/sessions/{council['id']}?q=a",
        "/dashboard",
        "/dashboard/breakdowns/by_commune",
        "/accounts",
        "/sign-in",
    ):
        audit_page.goto(portal + path)
        found[path] = violations(audit_page)
    assert {path: v for path, v in found.items() if v} == {}
