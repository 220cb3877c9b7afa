"""An index written under an older Tantivy schema is carried over by the worker, or rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

from search_factories import snapshot
from tantivy import Document, Index, SchemaBuilder

from ocop_search.documents import SearchDocument, document_from_snapshot
from ocop_search.engines.base import SearchQuery
from ocop_search.engines.tantivy_engine import TantivyEngine
from ocop_search.search.service import today_day_number


def doc(name: str) -> SearchDocument:
    document = document_from_snapshot(snapshot(name))
    assert document is not None
    return document


def write_first_schema_index(root: Path, documents: list[SearchDocument]) -> None:
    """What schema 1 stored of a product: its id and its whole document as JSON."""
    builder = SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_bytes_field("source", stored=True)
    path = root / "gen-first"
    path.mkdir(parents=True)
    index = Index(builder.build(), path=str(path))
    writer = index.writer(15_000_000, 1)
    for document in documents:
        writer.add_document(Document(id=document.id, source=document.model_dump_json().encode()))
    writer.commit()
    writer.wait_merging_threads()
    (root / "CURRENT").write_text(json.dumps({"generation": "gen-first", "schema": 1}))


def test_the_writer_carries_a_first_schema_index_over(tmp_path: Path) -> None:
    root = tmp_path / "search"
    write_first_schema_index(root, [doc("Nước mắm Lê Gia"), doc("Mật ong bạc hà")])
    query = SearchQuery(q="nuoc mam", valid_on_day=today_day_number())
    reader = TantivyEngine(root, writer=False)
    assert reader.search(query).total == 0  # an older schema is not read

    writer = TantivyEngine(root, writer=True)
    writer.prepare()
    try:
        assert writer.count() == 2
        found = reader.search(query)
        assert [hit["name"] for hit in found.hits] == ["Nước mắm Lê Gia"]
        assert found.hits[0]["_formatted"]["name"] == "<em>Nước</em> <em>mắm</em> Lê Gia"
        assert found.facets["stars"] == {str(found.hits[0]["stars"]): 1}
        writer.upsert([doc("Mật ong rừng")])
        assert reader.search(SearchQuery(q="mat ong")).total == 2
    finally:
        writer.close()


def test_an_index_that_cannot_be_carried_over_asks_for_a_rebuild(tmp_path: Path) -> None:
    fresh = TantivyEngine(tmp_path / "fresh", writer=True)
    fresh.prepare()
    assert not fresh.needs_rebuild  # nothing older: nothing to rebuild
    fresh.close()

    carried = tmp_path / "carried"
    write_first_schema_index(carried, [doc("Nước mắm Lê Gia")])
    writer = TantivyEngine(carried, writer=True)
    writer.prepare()
    assert not writer.needs_rebuild and writer.count() == 1
    writer.close()

    # A layout that kept only what hits show (schema 2) cannot be carried over.
    outgrown = tmp_path / "outgrown"
    write_first_schema_index(outgrown, [doc("Nước mắm Lê Gia")])
    pointer = outgrown / "CURRENT"
    pointer.write_text(json.dumps({"generation": "gen-first", "schema": 2}))
    writer = TantivyEngine(outgrown, writer=True)
    writer.prepare()
    assert writer.needs_rebuild and writer.count() == 0
    writer.close()
