"""Marketplace seller-API simulator (placeholder until the sync service builds it out).

`python -m ocop_marketplace_sync.simulator --port Q` serves `/healthz` and `GET /_sim/listings`.
"""

from __future__ import annotations

import argparse
from typing import Any

from fastapi import FastAPI


def create_simulator() -> FastAPI:
    app = FastAPI(title="OCOP Hub — marketplace simulator")
    listings: list[dict[str, Any]] = []

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "simulator"}

    @app.get("/_sim/listings")
    def all_listings() -> list[dict[str, Any]]:
        return listings

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ocop simulate-marketplace")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=20.0)
    parser.add_argument("--reject-rate", type=float, default=0.0)
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(create_simulator(), host="127.0.0.1", port=args.port, log_config=None)


if __name__ == "__main__":
    main()
