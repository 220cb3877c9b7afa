"""Benchmark of the evaluation service on PostgreSQL (run by hand, not in pytest).

    .venv/bin/python bench/evaluation/bench_evaluation.py [--products 20000]

Measures: product events applied to the read model through the real consumer (events/s),
`GET /v1/due` for one province over that read model, a full sheet PUT and a decision of a
seven-member council (median and p95 over repeated runs).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient

from ocop_contracts import ProductChanged, ProductSnapshot
from ocop_evaluation.app import create_app
from ocop_evaluation.consumers import handlers
from ocop_evaluation.settings import Settings
from ocop_kit.auth import issue_token
from ocop_kit.consumer import consume

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PROVINCES = ["01", "25", "31", "46", "79", "92"]
GROUPS = ["thuc_pham", "do_uong", "duoc_lieu", "thu_cong_my_nghe", "sinh_vat_canh", "du_lich"]


def snapshot(i: int, today: date) -> ProductSnapshot:
    stars = random.choices([3, 4, 5], weights=[75, 24, 1])[0]
    expires = today + timedelta(days=random.randint(-200, 3 * 365))
    return ProductSnapshot.model_validate(
        {
            "id": f"p-{i:06d}",
            "name": f"Sản phẩm {i}",
            "group": random.choice(GROUPS),
            "producer": {"id": f"pr-{i // 2}", "name": f"HTX {i // 2}", "kind": "cooperative"},
            "address": {"province_code": random.choice(PROVINCES), "province_name": "Tỉnh"},
            "certificate": {
                "stars": stars,
                "level": "provincial",
                "recognised_on": expires - timedelta(days=1095),
                "expires_on": expires,
                "status": "valid",
            },
        }
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--decisions", type=int, default=30)
    args = parser.parse_args()
    name = f"ocop_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        settings = Settings(
            database_url=f"postgresql://postgres@127.0.0.1:5432/{name}",
            data_dir=Path(tempfile.mkdtemp()),
        )
        app = create_app(settings)
        with TestClient(app) as client:
            db = app.state.db
            today = date.today()
            random.seed(7)
            started = time.perf_counter()
            for i in range(args.products):
                event = ProductChanged(
                    aggregate_id=f"p-{i:06d}", version=1, payload=snapshot(i, today)
                )
                consume(db, event, handlers)
            ingest = time.perf_counter() - started
            print(
                f"read model: {args.products} product events in {ingest:.1f} s "
                f"= {args.products / ingest:.0f} events/s"
            )

            officer = {
                "Authorization": "Bearer "
                + issue_token(settings, "province_officer", province_code="25")
            }
            due_times, due_count = [], 0
            for _ in range(20):
                t = time.perf_counter()
                cursor, due_count = None, 0
                while True:
                    url = "/v1/due?province_code=25&limit=500" + (
                        f"&cursor={cursor}" if cursor else ""
                    )
                    page = client.get(url, headers=officer).json()
                    due_count += len(page["items"])
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
                due_times.append((time.perf_counter() - t) * 1000)
            print(
                f"GET /v1/due province 25: {due_count} products, all pages: median "
                f"{statistics.median(due_times):.1f} ms, p95 {pct(due_times, 0.95):.1f} ms"
            )

            members = [{"name": "Chủ tịch", "role": "chair"}] + [
                {"name": f"Ủy viên {i}", "role": "member"} for i in range(6)
            ]
            session = client.post(
                "/v1/sessions",
                headers=officer,
                json={"level": "provincial", "province_code": "25", "members": members},
            ).json()
            product_ids = [
                p["product_id"]
                for p in client.get("/v1/due?province_code=25&limit=500", headers=officer).json()[
                    "items"
                ]
            ]
            put_times, decide_times = [], []
            for product_id in product_ids[: args.decisions]:
                app_id = client.post(
                    f"/v1/sessions/{session['id']}/applications",
                    headers=officer,
                    json={"product_id": product_id},
                ).json()["id"]
                base = f"/v1/sessions/{session['id']}/applications/{app_id}"
                criteria = client.get(base, headers=officer).json()["criteria"]
                for member in session["members"]:
                    scores = {c["code"]: random.choice(c["allowed_points"][-2:]) for c in criteria}
                    token = issue_token(settings, "council_member", subject=member["id"])
                    t = time.perf_counter()
                    response = client.put(
                        f"{base}/scores/{member['id']}",
                        json={"scores": scores},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    put_times.append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200, response.text
                t = time.perf_counter()
                response = client.post(f"{base}/decision", headers=officer)
                decide_times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.text
            print(
                f"PUT score sheet ({len(criteria)} criteria): "
                f"median {statistics.median(put_times):.1f} ms, "
                f"p95 {pct(put_times, 0.95):.1f} ms over {len(put_times)}"
            )
            print(
                f"POST decision (7 members, outbox event): median "
                f"{statistics.median(decide_times):.1f} ms, p95 {pct(decide_times, 0.95):.1f} "
                f"ms over {len(decide_times)}"
            )
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
