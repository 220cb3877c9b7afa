"""Shopper pages: short QR codes, JSON-LD, numbered pages, home, about and error pages
(STUB BACKENDS for the other services: see conftest.py; the short-code table is the portal's own,
on the test's SQLite database)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from ocop_portal.photos import NO_PHOTO, photo_url
from ocop_portal.products.short_codes import (
    ALPHABET,
    derive_short_code,
    normalise_code,
    short_code_for,
)
from ocop_portal.products.structured_data import json_for_script, product_json_ld
from ocop_portal.search.service import page_numbers

PRODUCT = {
    "id": "p1",
    "name": "Nước mắm cá cơm Hải Đông",
    "group": "thuc_pham",
    "price_vnd": 85000,
    "images": ["http://testserver/static/no-photo.svg"],
    "producer": {"id": "pr1", "name": "HTX Hải Đông", "kind": "cooperative"},
    "address": {"province_code": "37", "province_name": "Ninh Bình"},
    "certificate": {"stars": 4, "level": "provincial", "status": "valid", "decision_no": "104"},
}

SEARCH_HOME = {
    "hits": [
        {"id": "p5", "name": "Trà hoa vàng Ba Chẽ", "stars": 5, "province_code": "22"},
        {"id": "p4", "name": "Nước mắm Hải Đông", "stars": 4, "province_code": "37"},
    ],
    "total": 2,
    "facets": {
        "stars": {"5": 1, "4": 1},
        "group": {"thuc_pham": 1, "do_uong": 1},
        "province_code": {"37": 1, "22": 1},
        "certification": {},
        "product_set": {"thuc_pham.nong_san.che": 1},
    },
}


# --- short codes ------------------------------------------------------------------------------


def test_short_code_is_derived_from_the_product_id_and_never_changes() -> None:
    code = derive_short_code("0193a1b2-0000-7000-8000-000000000001")
    assert code == derive_short_code("0193a1b2-0000-7000-8000-000000000001")
    assert len(code) == 8 and set(code) <= set(ALPHABET)
    assert code != derive_short_code("0193a1b2-0000-7000-8000-000000000002")
    # A longer code starts with the shorter one: a collision only adds characters.
    assert derive_short_code("x", 12).startswith(derive_short_code("x"))


@given(st.uuids())
def test_a_code_typed_in_lower_case_or_with_look_alikes_reads_the_same(product: Any) -> None:
    code = derive_short_code(str(product))
    assert normalise_code(code.lower()) == code
    assert normalise_code(code.replace("0", "O").replace("1", "l")) == code


@pytest.mark.parametrize("typed", ["", "ABC", "ABCDEFGU", "ABCD/EFGH", "A" * 17])
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    assert normalise_code(typed) is None


def test_short_address_redirects_permanently_and_the_long_one_still_opens_the_page(
    client: TestClient, stubs: Any
) -> None:
    stubs.on("registry", "GET", "/v1/products/p1", PRODUCT)
    stubs.on("marketplace_sync", "GET", "/v1/products/p1/where-to-buy", [])
    html = client.get("/products/p1").text
    code = derive_short_code("p1")
    assert f'<a href="http://127.0.0.1:8000/q/{code}">' in html
    redirect = client.get(f"/q/{code}")
    assert redirect.status_code == 301 and redirect.headers["location"] == "/products/p1"
    assert client.get(f"/q/{code.lower()}?lang=en").headers["location"] == "/products/p1?lang=en"
    assert client.get("/products/p1").status_code == 200  # the address on older stamps
    svg = client.get("/products/p1/qr.svg").text
    assert f"http://127.0.0.1:8000/q/{code}" in svg


def test_an_unknown_short_code_or_product_explains_an_old_qr_code_with_a_search_box(
    client: TestClient, stubs: Any
) -> None:
    unknown = client.get("/q/ZZZZZZZZ")
    assert unknown.status_code == 404
    assert 'id="old-qr"' in unknown.text and 'id="q"' in unknown.text
    stubs.on("registry", "GET", "/v1/products/gone", {"detail": "Không có"}, status=404)
    gone = client.get("/products/gone?lang=en")
    assert gone.status_code == 404 and "This QR code may be old" in gone.text
    plain = client.get("/no-such-page")
    assert plain.status_code == 404 and 'id="q"' in plain.text and 'id="old-qr"' not in plain.text


def test_colliding_codes_give_the_later_product_a_longer_one(client: TestClient) -> None:
    from ocop_portal.products.models import ProductShortCode

    db = client.app.state.db  # type: ignore[attr-defined]
    with db.sessions() as session:
        # Another product already holds p9's 8-character code.
        session.add(ProductShortCode(code=derive_short_code("p9"), product_id="someone-else"))
        session.commit()
        code = short_code_for(session, "p9")
        assert code == derive_short_code("p9", 9)
        assert short_code_for(session, "p9") == code  # stored: the same code next time


def test_an_unexpected_error_on_a_page_is_a_page_with_a_search_box(
    settings: Any, stubs: Any
) -> None:
    import httpx

    from ocop_portal.app import create_app

    app = create_app(settings, transport=httpx.MockTransport(stubs))

    @app.get("/broken-page")
    def broken() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/broken-page")
        assert page.status_code == 500
        assert "text/html" in page.headers["content-type"] and 'id="q"' in page.text
        assert "a bug" not in page.text


# --- JSON-LD and Open Graph -------------------------------------------------------------------


def test_json_ld_names_the_product_its_producer_photo_ocop_stars_and_offers_in_vnd() -> None:
    shops = [
        {"name": "Shopee", "url": "https://shopee.vn/product/1/2", "price_vnd": 82000},
        {"name": "Voso", "url": None, "price_vnd": 85000},  # no page: not an offer
    ]
    data = product_json_ld(
        PRODUCT, shops, "https://ocop.example.vn/products/p1", "https://ocop.example.vn"
    )
    assert data["@type"] == "Product" and data["name"] == "Nước mắm cá cơm Hải Đông"
    assert data["brand"] == {"@type": "Brand", "name": "HTX Hải Đông"}
    assert data["image"] == ["http://testserver/static/no-photo.svg"]
    assert data["offers"] == [
        {
            "@type": "Offer",
            "url": "https://shopee.vn/product/1/2",
            "price": 82000,
            "priceCurrency": "VND",
            "availability": "https://schema.org/InStock",
            "seller": {"@type": "Organization", "name": "Shopee"},
        }
    ]
    assert data["additionalProperty"][0]["name"] == "OCOP"
    assert data["additionalProperty"][0]["value"] == 4
    # Without a marketplace, the reference price; without a photo, the placeholder, absolute.
    bare = product_json_ld(
        {**PRODUCT, "images": []}, [], "https://o.vn/products/p1", "https://o.vn"
    )
    assert bare["offers"][0]["price"] == 85000 and bare["offers"][0]["priceCurrency"] == "VND"
    assert bare["image"] == [f"https://o.vn{NO_PHOTO}"]


def test_json_ld_cannot_close_its_script_block() -> None:
    text = json_for_script({"name": "</script><script>alert(1)</script>"})
    assert "</script>" not in text and "<" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


def test_product_page_carries_json_ld_and_open_graph_with_absolute_addresses(
    client: TestClient, stubs: Any
) -> None:
    stubs.on("registry", "GET", "/v1/products/p1", {**PRODUCT, "images": []})
    stubs.on("marketplace_sync", "GET", "/v1/products/p1/where-to-buy", [])
    html = client.get("/products/p1").text
    block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(block)["name"] == "Nước mắm cá cơm Hải Đông"
    assert '<meta property="og:image" content="http://127.0.0.1:8000/static/no-photo.svg">' in html
    assert '<meta property="og:url" content="http://127.0.0.1:8000/products/p1">' in html
    assert '<meta property="og:title" content="Nước mắm cá cơm Hải Đông — 4★ OCOP">' in html


def test_photo_url_is_the_first_photo_or_the_placeholder() -> None:
    assert photo_url(["https://a/1.jpg", "https://a/2.jpg"]) == "https://a/1.jpg"
    assert (
        photo_url([]) == NO_PHOTO and photo_url(None) == NO_PHOTO and photo_url([" "]) == NO_PHOTO
    )


def test_photo_url_shows_our_photos_at_the_size_the_page_needs() -> None:
    original = "http://127.0.0.1:8001/v1/media/products/p1/f1/original.jpg"
    assert photo_url([original]) == "http://127.0.0.1:8001/v1/media/products/p1/f1/thumb.webp"
    assert photo_url([original], "page") == (
        "http://127.0.0.1:8001/v1/media/products/p1/f1/medium.webp"
    )


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "last", "shown"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 20, [1, 2, 3, None, 20]),
        (6, 20, [1, None, 4, 5, 6, 7, 8, None, 20]),
        (4, 20, [1, 2, 3, 4, 5, 6, None, 20]),  # a gap of one page shows the page
        (20, 20, [1, None, 18, 19, 20]),
        (99, 5, [1, 2, 3, 4, 5]),
    ],
)
def test_pager_shows_first_last_and_neighbours(current: int, last: int, shown: list[Any]) -> None:
    assert page_numbers(current, last) == shown


def test_search_pages_are_numbered_and_keep_the_filters(client: TestClient, stubs: Any) -> None:
    stubs.on(
        "search",
        "GET",
        "/v1/search",
        {"hits": [{"id": "p1", "name": "A", "stars": 3}], "total": 200},
    )
    html = client.get("/search", params={"q": "che", "stars": "4", "page": "6"}).text
    pager = html.split('class="pager"')[1].split("</nav>")[0]
    assert 'href="/search?q=che&amp;stars=4&amp;page=10"' in pager  # the last page
    assert 'href="/search?q=che&amp;stars=4"' in pager  # page 1 without a page parameter
    # 1 … 4 5 [6] 7 8 9 10: one page between 8 and 10 is shown, not hidden behind "…".
    assert (
        pager.count("…") == 1
        and "page=9" in pager
        and "page=3" not in pager
        and '<span class="current" aria-current="page">' in pager
    )


def test_home_page_links_into_search_by_product_set_group_and_province(
    client: TestClient, stubs: Any
) -> None:
    stubs.on("search", "GET", "/v1/search", SEARCH_HOME)
    html = client.get("/").text
    sent = stubs.requests_to("search", "/v1/search")[-1].url.params
    assert sent["sort"] == "stars:desc"
    assert 'id="q"' in html  # the search box stays
    assert html.index('id="five-stars"') < html.index("Trà hoa vàng Ba Chẽ")
    assert 'href="/search?province_code=37"' in html and "Ninh Bình" in html
    assert 'href="/search?group=do_uong"' in html
    assert 'href="/search?product_set=thuc_pham.nong_san.che"' in html
    # An old bookmark of the search at / still searches.
    assert 'id="result-count"' in client.get("/?q=tra").text


def test_about_page_names_the_legal_basis_star_levels_and_the_agency(client: TestClient) -> None:
    page = client.get("/gioi-thieu")
    assert page.status_code == 200
    assert "148/QĐ-TTg" in page.text and "919/QĐ-TTg" in page.text and "90–100" in page.text
    assert "Văn phòng Điều phối nông thôn mới Trung ương" in page.text
    english = client.get("/about")
    assert english.status_code == 308 and english.headers["location"] == "/gioi-thieu?lang=en"
    assert "Legal basis" in client.get("/gioi-thieu?lang=en").text


def test_agency_contact_comes_from_the_settings(settings: Any, stubs: Any) -> None:
    import httpx

    from ocop_portal.app import create_app

    ours = settings.model_copy(
        update={"agency_name": "Sở Nông nghiệp tỉnh Nam Định", "agency_phone": "0228 3640 000"}
    )
    with TestClient(create_app(ours, httpx.MockTransport(stubs))) as client:
        html = client.get("/gioi-thieu").text
        assert "Sở Nông nghiệp tỉnh Nam Định" in html
        assert 'href="tel:02283640000"' in html
