"""One behaviour suite for every engine (the `engine` fixture runs it on Tantivy and, where a
server is reachable at MEILI_URL, on Meilisearch; otherwise that half is reported as skipped)."""

from __future__ import annotations

import unicodedata
from datetime import date

from search_factories import snapshot

from ocop_search.documents import SearchDocument, document_from_snapshot
from ocop_search.engines.base import SearchEngine, SearchQuery
from ocop_search.search.service import today_day_number

TODAY = today_day_number()


def doc(name: str, **fields: object) -> SearchDocument:
    document = document_from_snapshot(snapshot(name, **fields))  # type: ignore[arg-type]
    assert document is not None
    return document


def names(engine: SearchEngine, q: str = "", **kwargs: object) -> list[str]:
    result = engine.search(SearchQuery(q=q, valid_on_day=TODAY, **kwargs))  # type: ignore[arg-type]
    return [hit["name"] for hit in result.hits]


def test_upserted_product_is_found_without_diacritics(engine: SearchEngine) -> None:
    engine.upsert([doc("Nước mắm Lê Gia"), doc("Gạo ST25")])
    assert names(engine, "nuoc mam") == ["Nước mắm Lê Gia"]
    assert engine.count() == 2


def test_upsert_replaces_the_product_instead_of_duplicating_it(engine: SearchEngine) -> None:
    product_id = "0190a0b0-0000-7000-8000-000000000001"
    engine.upsert([doc("Kẹo dừa", id=product_id)])
    engine.upsert([doc("Kẹo dừa sáp", id=product_id, stars=5)])
    result = engine.search(SearchQuery(q="keo dua", valid_on_day=TODAY))
    assert result.total == 1
    assert result.hits[0]["name"] == "Kẹo dừa sáp"
    assert result.hits[0]["stars"] == 5
    assert engine.count() == 1


def test_deleted_product_disappears_and_unknown_ids_are_ignored(engine: SearchEngine) -> None:
    kept, removed = doc("Chè Tân Cương"), doc("Chè shan tuyết")
    engine.upsert([kept, removed])
    engine.delete([removed.id, "no-such-product"])
    assert names(engine, "che") == ["Chè Tân Cương"]


def test_rebuild_replaces_the_whole_index_at_once(engine: SearchEngine) -> None:
    engine.upsert([doc("Sản phẩm cũ")])
    count = engine.rebuild(iter([doc("Mật ong bạc hà"), doc("Mật ong hoa nhãn")]))
    assert count == 2
    assert sorted(names(engine)) == ["Mật ong bạc hà", "Mật ong hoa nhãn"]
    assert names(engine, "san pham cu") == []
    engine.upsert([doc("Mật ong rừng")])  # the rebuilt index takes writes
    assert len(names(engine, "mat ong")) == 3


def test_decomposed_unicode_is_found_and_finds(engine: SearchEngine) -> None:
    decomposed = unicodedata.normalize("NFD", "Bánh đậu xanh Hải Dương")
    engine.upsert([doc(decomposed)])
    assert names(engine, unicodedata.normalize("NFD", "bánh đậu")) == ["Bánh đậu xanh Hải Dương"]
    assert names(engine, "banh dau xanh") == ["Bánh đậu xanh Hải Dương"]


def test_filters_or_within_one_and_across_several(engine: SearchEngine) -> None:
    engine.upsert(
        [
            doc("Gạo A", province_code="01", stars=3, group="thuc_pham.lua_gao"),
            doc("Gạo B", province_code="79", stars=4, group="thuc_pham"),
            doc("Gạo C", province_code="79", stars=5, group="do_uong"),
            doc("Gạo D", province_code="31", stars=4, certifications=("VietGAP",)),
        ]
    )
    assert sorted(names(engine, "gao", province_codes=["01", "79"])) == ["Gạo A", "Gạo B", "Gạo C"]
    assert names(engine, "gao", province_codes=["79"], stars=[4]) == ["Gạo B"]
    assert sorted(names(engine, "", groups=["thuc_pham"])) == ["Gạo A", "Gạo B", "Gạo D"]
    assert names(engine, "", groups=["thuc_pham.lua_gao"]) == ["Gạo A"]
    assert names(engine, "", certifications=["vietgap"]) == ["Gạo D"]


def test_product_sets_filter_and_facet_and_products_without_one_are_not_counted(
    engine: SearchEngine,
) -> None:
    engine.upsert(
        [
            doc("Rượu nếp cái", group="do_uong.co_con", product_set="ruou_trang"),
            doc("Rượu sim", group="do_uong.co_con", product_set="do_uong_co_con_khac"),
            doc("Rượu cần", group="do_uong"),  # awaiting the choice of a set
        ]
    )
    result = engine.search(SearchQuery(q="ruou", valid_on_day=TODAY))
    assert result.total == 3
    assert result.facets["product_set"] == {"ruou_trang": 1, "do_uong_co_con_khac": 1}
    assert names(engine, "ruou", product_sets=["ruou_trang"]) == ["Rượu nếp cái"]
    hit = engine.search(SearchQuery(q="ruou sim", valid_on_day=TODAY)).hits[0]
    assert hit["product_set"] == "do_uong_co_con_khac"


def test_facets_count_every_match_by_code(engine: SearchEngine) -> None:
    engine.upsert(
        [
            doc(
                "Trà xanh",
                province_code="19",
                stars=4,
                group="do_uong",
                certifications=("VietGAP",),
            ),
            doc("Trà đen", province_code="19", stars=3, group="do_uong"),
            doc("Trà hoa vàng", province_code="22", stars=4, group="duoc_lieu"),
            doc("Cà phê", province_code="66", stars=5, group="do_uong"),
        ]
    )
    result = engine.search(SearchQuery(q="tra", limit=1, valid_on_day=TODAY))
    assert result.total == 3
    assert len(result.hits) == 1
    assert result.facets["stars"] == {"4": 2, "3": 1}
    assert result.facets["group"] == {"do_uong": 2, "duoc_lieu": 1}
    assert result.facets["province_code"] == {"19": 2, "22": 1}
    assert result.facets["certification"] == {"vietgap": 1}
    filtered = engine.search(SearchQuery(q="tra", province_codes=["22"], valid_on_day=TODAY))
    assert filtered.facets["province_code"] == {"22": 1}


def test_highlighting_marks_matched_words_and_escapes_html(engine: SearchEngine) -> None:
    engine.upsert([doc("Nước mắm <Đặc biệt> Lê Gia", producer="Công ty Lê Gia")])
    hit = engine.search(SearchQuery(q="nuoc le gia", valid_on_day=TODAY)).hits[0]
    formatted = hit["_formatted"]
    assert formatted["name"] == "<em>Nước</em> mắm &lt;Đặc biệt&gt; <em>Lê</em> <em>Gia</em>"
    assert formatted["producer_name"] == "Công ty <em>Lê</em> <em>Gia</em>"


def test_sorting_by_stars_and_paging(engine: SearchEngine) -> None:
    engine.upsert([doc(f"Miến dong {n}", stars=s) for n, s in (("a", 3), ("b", 5), ("c", 4))])
    assert names(engine, "mien", sort="stars:desc") == ["Miến dong b", "Miến dong c", "Miến dong a"]
    assert names(engine, "mien", sort="stars:asc")[0] == "Miến dong a"
    page = engine.search(
        SearchQuery(q="mien", sort="stars:desc", limit=1, offset=1, valid_on_day=TODAY)
    )
    assert page.total == 3
    assert [h["name"] for h in page.hits] == ["Miến dong c"]


def test_certificates_past_their_expiry_date_are_not_shown(engine: SearchEngine) -> None:
    engine.upsert(
        [
            doc("Bánh tráng còn hạn"),
            doc("Bánh tráng hết hạn", recognised_on=date(2020, 1, 1), expires_on=date(2023, 1, 1)),
        ]
    )
    assert names(engine, "banh trang") == ["Bánh tráng còn hạn"]


def test_empty_query_lists_everything_and_hits_carry_the_contract_fields(
    engine: SearchEngine,
) -> None:
    engine.upsert([doc("Nón lá", province_name="Thành phố Huế", province_code="46", stars=4)])
    result = engine.search(SearchQuery(valid_on_day=TODAY))
    assert result.total == 1
    hit = result.hits[0]
    assert {"id", "name", "producer_name", "province_name", "stars", "group"} <= set(hit)
    assert hit["province_name"] == "Thành phố Huế"
    assert hit["group"] == "thuc_pham"


def hits(engine: SearchEngine, q: str, **kwargs: object) -> list[tuple[str, str]]:
    """(name, match) of each hit."""
    result = engine.search(SearchQuery(q=q, valid_on_day=TODAY, **kwargs))  # type: ignore[arg-type]
    return [(hit["name"], hit["match"]) for hit in result.hits]


def test_prefix_typos_and_dropping_trailing_words(engine: SearchEngine) -> None:
    engine.upsert([doc("Kẹo dừa Bến Tre"), doc("Kẹo lạc"), doc("Bánh pía Sóc Trăng")])
    assert names(engine, "keo du") == ["Kẹo dừa Bến Tre"]
    assert names(engine, "bene") == []  # four letters: no typo allowed (Meilisearch's default)
    assert hits(engine, "banh pia soc trnag") == [("Bánh pía Sóc Trăng", "approximate")]
    assert hits(engine, "keo dua zzzz") == [("Kẹo dừa Bến Tre", "approximate")]


def test_a_short_word_is_never_corrected_into_a_place_name(engine: SearchEngine) -> None:
    engine.upsert(
        [
            doc("Bánh đa nem", province_name="Tỉnh Hưng Yên", province_code="33"),
            doc("Gốm Bình Ninh", province_name="Tỉnh Ninh Bình", province_code="37"),
            doc("Nước mắm", province_name="Tỉnh Ninh Bình", province_code="37"),
        ]
    )
    assert hits(engine, "banh") == [("Bánh đa nem", "exact")]


def test_typos_match_product_words_but_never_place_names(engine: SearchEngine) -> None:
    engine.upsert(
        [
            doc("Nhang hương quế", province_name="Tỉnh Quảng Ngãi", province_code="51"),
            doc("Gạo nếp cái", province_name="Tỉnh Hưng Yên", province_code="33"),
            doc("Mật ong Hưng Thịnh", province_name="Tỉnh Lào Cai", province_code="15"),
        ]
    )
    # "huong" is one letter from "hung": corrected in a product name, never in a province.
    assert hits(engine, "huong") == [
        ("Nhang hương quế", "exact"),
        ("Mật ong Hưng Thịnh", "approximate"),
    ]


def test_exact_matches_come_before_approximate_ones_in_every_order(engine: SearchEngine) -> None:
    engine.upsert(
        [
            doc("Trà shan tuyết", price_vnd=200_000, stars=3),
            doc("Trà xanh Tuyền Lâm", price_vnd=10_000, stars=5),
        ]
    )
    expected = [("Trà shan tuyết", "exact"), ("Trà xanh Tuyền Lâm", "approximate")]
    for sort in ("relevance", "price_asc", "stars:desc", "recognised_on:desc"):
        assert hits(engine, "tuyet", sort=sort) == expected, sort
    second_page = engine.search(
        SearchQuery(q="tuyet", sort="price_asc", limit=1, offset=1, valid_on_day=TODAY)
    )
    assert second_page.total == 2
    assert [(h["name"], h["match"]) for h in second_page.hits] == [expected[1]]


def test_sorting_by_price_puts_products_without_a_price_last(engine: SearchEngine) -> None:
    engine.upsert(
        [
            doc("Mật ong A", price_vnd=150_000),
            doc("Mật ong B"),
            doc("Mật ong C", price_vnd=90_000),
            doc("Mật ong D", price_vnd=300_000),
        ]
    )
    assert names(engine, "mat ong", sort="price_asc") == [
        "Mật ong C",
        "Mật ong A",
        "Mật ong D",
        "Mật ong B",
    ]
    assert names(engine, "", sort="price_desc") == [
        "Mật ong D",
        "Mật ong A",
        "Mật ong C",
        "Mật ong B",
    ]


def test_everyday_words_find_each_other_as_exact_matches(engine: SearchEngine) -> None:
    engine.upsert([doc("Cà phê Arabica"), doc("Cafe rang xay"), doc("Cà muối")])
    for q in ("cafe", "cà phê", "ca phe", "coffee"):
        assert sorted(hits(engine, q)) == [
            ("Cafe rang xay", "exact"),
            ("Cà phê Arabica", "exact"),
        ], q


def test_an_old_province_name_finds_its_former_districts(engine: SearchEngine) -> None:
    engine.upsert(
        [
            doc("Lụa Vạn Phúc", legacy_district="Quận Hà Đông"),
            doc("Chè lam Thạch Xá", ward_name="Xã Thạch Thất"),
            doc("Cốm làng Vòng", legacy_district="Quận Cầu Giấy"),
            # Another Hà Đông: a commune of Hải Phòng, formerly Huyện Thanh Hà of Hải Dương.
            doc("Vải thiều Thanh Hà", ward_name="Xã Hà Đông", legacy_district="Huyện Thanh Hà"),
        ]
    )
    assert sorted(names(engine, "ha tay")) == ["Chè lam Thạch Xá", "Lụa Vạn Phúc"]
