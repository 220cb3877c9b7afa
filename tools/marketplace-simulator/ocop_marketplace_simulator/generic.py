"""The generic signed-JSON dialect (Postmart, Sendo, provincial sites)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ocop_marketplace_simulator import signatures
from ocop_marketplace_simulator.state import REJECTION, Item, SimState, arrival, guard


def generic_app(state: SimState, channel: str, shop_creds: dict[str, dict[str, str]]) -> FastAPI:
    """The generic signed-JSON dialect for one channel: products and the price batch."""
    app = FastAPI()
    secrets_by_client = {c["client_id"]: c["client_secret"] for c in shop_creds.values()}

    def error(status: int, code: str, message: str) -> Response:
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)

    async def handle(
        request: Request, create: bool, run: Callable[[str, Any], Response]
    ) -> Response:
        body = await request.body()
        secret = secrets_by_client.get(request.headers.get("x-client-id", ""))
        try:
            timestamp = int(request.headers.get("x-timestamp", "0"))
        except ValueError:
            timestamp = 0
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        if secret is None or not signatures.matches(
            request.headers.get("x-signature"),
            signatures.generic_expected(secret, request.method, path, timestamp, body),
        ):
            state.count("bad_signatures")
            return error(401, "bad_signature", "Signature does not match")
        if abs(time.time() - timestamp) > signatures.TIMESTAMP_TOLERANCE_SECONDS:
            return error(401, "stale_timestamp", "Timestamp outside five minutes")
        shop_id = request.headers.get("x-shop-id", "default")
        data = json.loads(body) if body else dict(request.query_params)
        return await guard(
            state, channel, shop_id, create, lambda: run(shop_id, data), arrival(request)
        )

    def out(item: Item) -> dict[str, Any]:
        return {
            "id": item.external_id,
            "sku": item.sku,
            "name": item.name,
            "price_vnd": item.price_vnd,
            "stock": item.stock,
        }

    @app.post("/v1/products")
    async def create(request: Request) -> Response:
        def run(shop_id: str, body: dict[str, Any]) -> Response:
            if not body.get("sku") or not body.get("name"):
                return error(422, "invalid", "sku and name are required")
            if state.rejects(body["sku"]):
                return error(422, "content_rejected", REJECTION)
            item = state.create(
                channel,
                shop_id,
                body["sku"],
                body["name"],
                body.get("price_vnd"),
                body.get("stock"),
                body,
            )
            return JSONResponse(out(item), status_code=201)

        return await handle(request, True, run)

    @app.get("/v1/products")
    async def search(request: Request) -> Response:
        def run(_: str, params: dict[str, str]) -> Response:
            items = state.live(channel)
            if "sku" in params:
                return JSONResponse({"items": [out(i) for i in items if i.sku == params["sku"]]})
            start, limit = int(params.get("cursor", 0)), int(params.get("limit", 200))
            page = items[start : start + limit]
            more = start + limit < len(items)
            return JSONResponse(
                {
                    "items": [out(i) for i in page],
                    "next_cursor": str(start + limit) if more else None,
                }
            )

        return await handle(request, False, run)

    @app.put("/v1/products/{external_id}")
    async def update(external_id: str, request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            item = state.by_id(channel, external_id)
            if item is None:
                return error(404, "not_found", "No such product")
            item.name, item.price_vnd, item.stock = (
                body["name"],
                body.get("price_vnd"),
                body.get("stock"),
            )
            item.payload = body
            return JSONResponse(out(item))

        return await handle(request, False, run)

    @app.post("/v1/products/prices")
    async def prices(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            results = []
            for entry in body.get("items", [])[:100]:
                item = state.by_id(channel, str(entry.get("id")))
                if item is None:
                    results.append({"sku": entry.get("sku"), "error": "not_found"})
                    continue
                item.price_vnd, item.stock = entry["price_vnd"], entry["stock"]
                results.append({"sku": item.sku, "error": None})
            return JSONResponse({"results": results})

        return await handle(request, False, run)

    @app.delete("/v1/products/{external_id}")
    async def delete(external_id: str, request: Request) -> Response:
        def run(_: str, __: Any) -> Response:
            item = state.by_id(channel, external_id)
            if item is None:
                return error(404, "not_found", "No such product")
            item.deleted = True
            return Response(status_code=204)

        return await handle(request, False, run)

    return app
