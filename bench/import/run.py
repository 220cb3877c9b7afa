"""Import benchmark: a generated 20,000-row sheet imported on the embedded default (SQLite) and
on PostgreSQL, the way the worker's task runs it (`run_import`).

    .venv/bin/python bench/import/run.py [--rows 20000] [--postgres URL | --no-postgres]

Prints rows a second, the importer's CPU per row, and the process's resident memory as the import
advances and at its peak (it should stay flat: the sheet is read once, rows are written in chunks
of 500).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import random
import tempfile
import threading
import time
import uuid
from pathlib import Path

from vietnam_provinces import Province, Ward

from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_registry.imports.models import ImportJob
from ocop_registry.imports.service import run_import
from ocop_registry.settings import Settings

LEGACY = [
    "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định",
    "Xã Hải Toàn, Huyện Hải Hậu, Tỉnh Nam Định",
    "Xã Giao Thịnh, Huyện Giao Thủy, Tỉnh Nam Định",
    "Xã Nghĩa Hùng, Huyện Nghĩa Hưng, Tỉnh Nam Định",
    "Xã Bát Tràng, Huyện Gia Lâm, Thành phố Hà Nội",
    "Xã Tân Cương, Thành phố Thái Nguyên, Tỉnh Thái Nguyên",
    "Xã Thanh Quang, Huyện Thanh Hà, Tỉnh Hải Dương",
    "Xã Hồng Giang, Huyện Lục Ngạn, Tỉnh Bắc Giang",
    "Xã Phụng Công, Huyện Văn Giang, Tỉnh Hưng Yên",
    "Xã Ea Tu, Thành phố Buôn Ma Thuột, Tỉnh Đắk Lắk",
    "Xã Phú Túc, Huyện Châu Thành, Tỉnh Bến Tre",
    "Xã Tả Van, Thị xã Sa Pa, Tỉnh Lào Cai",
]
KINDS = ["Hợp tác xã"] * 33 + ["Hộ kinh doanh"] * 33 + ["Doanh nghiệp"] * 25 + ["Tổ hợp tác"] * 9
GROUPS = [
    "Thực phẩm",
    "thuc_pham.che",
    "Đồ uống",
    "Thảo dược",
    "Hàng thủ công mỹ nghệ",
    "Lưu niệm - nội thất - trang trí",
    "Sinh vật cảnh",
    "du_lich",
]
WORDS = [
    "Gạo",
    "Chè",
    "Mật ong",
    "Nước mắm",
    "Cà phê",
    "Rượu",
    "Bánh",
    "Mứt",
    "Tinh dầu",
    "Gốm",
    "Lụa",
    "Mây tre",
    "Nấm",
    "Miến",
    "Hồng sấy",
    "Trà",
]
CHANNELS = ["Postmart", "Voso", "Shopee", "Lazada", "Tiki", "Sendo", ""]


def generate_sheet(rows: int, seed: int = 148) -> bytes:
    """A sheet like the national list: ~2 products a producer, 75/24/1 % 3/4/5 stars."""
    rng = random.Random(seed)
    provinces = {p.code: p.name for p in Province.iter_all()}
    wards = list(Ward.iter_all())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
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
    )
    producer = 0
    remaining = 0
    for i in range(rows):
        if remaining == 0:
            producer += 1
            remaining = rng.choice([1, 1, 2, 2, 3])
            kind = rng.choice(KINDS)
            if rng.random() < 0.3:
                address = rng.choice(LEGACY)
            else:
                ward = rng.choice(wards)
                address = f"{ward.name}, {provinces[ward.province_code]}"
            name = f"{kind} số {producer}"
        remaining -= 1
        stars = rng.choices([3, 4, 5], weights=[75, 24, 1])[0]
        day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.choice([2024, 2025])}"
        writer.writerow(
            [
                name,
                kind,
                address,
                f"{rng.choice(WORDS)} {i}",
                rng.choice(GROUPS),
                stars,
                f"{rng.randint(1, 9999)}/QĐ-UBND",
                day,
                rng.choice(["VietGAP", "HACCP", ""]),
                rng.choice(CHANNELS),
            ]
        )
    return out.getvalue().encode("utf-8")


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> None:
    """Start VmHWM again from the current RSS (Linux), so each import reports its own peak."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def bench(label: str, settings: Settings, content: bytes) -> None:
    """Import the sheet, then the same sheet again (nothing changes: nothing is written)."""
    db = ServiceDatabase("registry", settings)
    run_migrations(db, migrations_dir("ocop_registry"))
    import_once(label, db, content)
    import_once(f"{label}, again", db, content)
    db.dispose()


def import_once(label: str, db: ServiceDatabase, content: bytes) -> None:
    with db.session() as session:
        job = ImportJob(filename="bench.csv", content=content, actor="bench")
        session.add(job)
        session.flush()
        job_id = job.id
    samples: list[tuple[float, int, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            with db.session() as session:
                current = session.get(ImportJob, job_id)
                processed = current.rows_processed if current else 0
            samples.append((time.perf_counter() - start, processed, rss_mb()))

    reset_peak_rss()
    start = time.perf_counter()
    cpu_start = time.process_time()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    status = run_import(db, job_id)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    done.set()
    sampler.join()
    with db.session() as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        imported, total, errors = job.rows_imported, job.rows_total, len(job.errors)
    print(
        f"[{label}] {status}: {imported}/{total} rows imported, {errors} errors, "
        f"{elapsed:.1f} s, {imported / elapsed:.0f} rows/s "
        f"(this process's CPU: {cpu:.1f} s, {cpu / total * 1000:.2f} ms a row, "
        f"{imported / cpu:.0f} rows per CPU second)"
    )
    step = max(1, len(samples) // 8)
    for t, processed, rss in samples[::step]:
        print(f"[{label}]   t={t:5.1f}s rows={processed:6d} rss={rss:6.1f} MB")
    print(f"[{label}]   end rss={rss_mb():.1f} MB, peak during the import {rss_mb('VmHWM'):.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    content = generate_sheet(args.rows)
    print(f"sheet: {args.rows} rows, {len(content) / 1e6:.1f} MB; rss at start {rss_mb():.1f} MB")
    with tempfile.TemporaryDirectory() as data_dir:
        bench("sqlite", Settings(data_dir=Path(data_dir)), content)
    if args.no_postgres:
        return
    import psycopg

    name = f"ocop_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = args.postgres.rsplit("/", 1)[0] + "/" + name
        with tempfile.TemporaryDirectory() as data_dir:
            bench("postgresql", Settings(data_dir=Path(data_dir), database_url=url), content)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
