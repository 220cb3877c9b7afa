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


def test_prefix_typos_and_dropping_trailing_words(engine: SearchEngine) -> None:
    engine.upsert([doc("Kẹo dừa Bến Tre"), doc("Kẹo lạc")])
    assert names(engine, "keo du") == ["Kẹo dừa Bến Tre"]
    assert names(engine, "bne") == []  # three letters: no typo allowed
    assert names(engine, "keo dua bene tre") == ["Kẹo dừa Bến Tre"]  # bene: one typo
    assert names(engine, "keo dua zzzz")[0] == "Kẹo dừa Bến Tre"
