"""Duplicate check benchmark: one new product checked against 20,000 registered ones.

    .venv/bin/python bench/duplicates/run.py [--products 20000] [--checks 1000]
        [--postgres URL | --no-postgres]

1. The index alone (`DuplicateIndex`, pure): the 20,000 generated products of the search
   benchmark (bench/search/generate.py) filed in one index, as if one province held them all (the
   worst case; a real province holds at most a few thousand), then new products checked: half
   variants of registered names (another pack size, a filler word, no diacritics), half fresh.
2. The registry's path on PostgreSQL (`find_likely_duplicates`, what a create runs): the same
   20,000 products written to a fresh database in one province, the process's index loaded once,
   then each check catching up with the database (one query), scoring, and looking up dismissed
   pairs (one query when something is found).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "search"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generate import generate_products
from measure import percentiles

from ocop_contracts import ProductSnapshot
from ocop_kit.db import ServiceDatabase, insert_rows, new_id, run_migrations, utc_now
from ocop_kit.service_cli import migrations_dir
from ocop_kit.text import matching_key
from ocop_registry.admin_units import resolve_ward_code
from ocop_registry.duplicates.rules import DuplicateIndex, ProductFacts, place_keys
from ocop_registry.duplicates.service import find_likely_duplicates, product_facts
from ocop_registry.producers.models import Producer
from ocop_registry.producers.service import new_producer
from ocop_registry.products.models import Product
from ocop_registry.settings import Settings

VARIANTS = [" 500g", " hộp 10 gói", " loại 1", " đặc sản", " 1kg"]


def new_names(products: list[ProductSnapshot], count: int, rng: random.Random) -> list[str]:
    """Half variants of registered names, half names nobody registered."""
    names = []
    for n in range(count):
        base = rng.choice(products).name
        if n % 2 == 0:
            variant = rng.choice(VARIANTS)
            names.append(matching_key(base) + variant if n % 4 == 0 else base + variant)
        else:
            names.append(
                f"Sản phẩm mới {n} {rng.choice(['xanh', 'đỏ', 'vàng'])} {base.split()[-1]}"
            )
    return names


def report(label: str, seconds: list[float], cpu_seconds: list[float]) -> None:
    """Wall and CPU time a check (CPU tells more on a machine shared with other work)."""
    for kind, values in (("wall", seconds), ("cpu", cpu_seconds)):
        figures = percentiles([s * 1000 for s in values])
        print(
            f"{label} ({kind}): {len(values)} checks, median {figures['p50']} ms, "
            f"p95 {figures['p95']} ms, max {figures['max']} ms"
        )


def bench_index(products: list[ProductSnapshot], names: list[str]) -> None:
    index = DuplicateIndex()
    started = time.perf_counter()
    for p in products:
        index.add(
            ProductFacts(
                p.id,
                p.name,
                p.producer.id,
                p.group,
                place_keys(p.address.ward_code, p.address.legacy_district),
            )
        )
    print(f"index: {len(index)} products filed in {time.perf_counter() - started:.2f} s")
    seconds, cpu_seconds, found = [], [], 0
    for n, name in enumerate(names):
        facts = ProductFacts(f"new-{n}", name, "producer-new", "thuc_pham")
        started, cpu_started = time.perf_counter(), time.process_time()
        found += bool(index.likely_duplicates(facts))
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
    report(f"index, all {len(index)} in one province", seconds, cpu_seconds)
    print(f"  {found} of {len(names)} new names had likely duplicates")


def bench_postgres(url: str, products: list[ProductSnapshot], names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        db = ServiceDatabase("registry", Settings(data_dir=Path(data_dir), database_url=url))
        run_migrations(db, migrations_dir("ocop_registry"))
        ward = resolve_ward_code("14287")  # one commune of Ninh Bình: the worst case
        producers: dict[str, Producer] = {}
        rows = []
        # Registered over time: nothing within the index's catch-up window.
        now = utc_now() - timedelta(hours=1)
        for p in products:
            producer = producers.get(p.producer.id)
            if producer is None:
                producer = new_producer(
                    p.producer.name + " " + p.producer.id, p.producer.kind, ward
                )
                producer.id = new_id()
                producers[p.producer.id] = producer
            rows.append(
                {
                    "id": new_id(),
                    "producer_id": producer.id,
                    "province_code": ward.province_code,
                    "name": p.name,
                    "name_key": matching_key(p.name) + f" {len(rows)}",
                    "group": p.group,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        with db.session() as session:
            columns = Producer.__table__.columns.keys()
            insert_rows(
                session,
                Producer.__table__,
                [
                    {k: v for k, v in pr.__dict__.items() if k in columns}
                    for pr in producers.values()
                ],
            )
            insert_rows(session, Product.__table__, rows)
        some_producer = next(iter(producers.values()))
        seconds, cpu_seconds = [], []
        with db.session() as session:
            for n, name in enumerate(names):
                product = Product(
                    id=new_id(),
                    producer_id=some_producer.id,
                    province_code=ward.province_code,
                    name=name,
                    group="thuc_pham",
                )
                started, cpu_started = time.perf_counter(), time.process_time()
                find_likely_duplicates(session, product, product_facts(product, some_producer))
                seconds.append(time.perf_counter() - started)
                cpu_seconds.append(time.process_time() - cpu_started)
                if n == 0:
                    print(
                        f"postgresql: first check (loads {len(rows)} products) {seconds[0]:.2f} s"
                    )
        report(f"postgresql, {len(rows)} products in one province", seconds[1:], cpu_seconds[1:])
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rng = random.Random(17)
    products = generate_products(args.products)
    names = new_names(products, args.checks, rng)
    bench_index(products, names)
    if args.no_postgres:
        return
    import psycopg

    name = f"ocop_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        bench_postgres(args.postgres.rsplit("/", 1)[0] + "/" + name, products, names)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
