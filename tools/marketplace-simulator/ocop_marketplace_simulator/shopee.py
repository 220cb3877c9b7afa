"""Shopee Open Platform v2 as the simulator speaks it."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ocop_marketplace_simulator import signatures
from ocop_marketplace_simulator.state import REJECTION, Item, SimState, arrival, guard


def shopee_app(state: SimState, channel: str, shop_creds: dict[str, dict[str, str]]) -> FastAPI:
    """Shopee v2 for one channel: signed calls, rotating tokens, items, per-item price and stock."""
    app = FastAPI()
    partner_keys = {c["partner_id"]: c["partner_key"] for c in shop_creds.values()}
    for creds in shop_creds.values():
        if creds.get("refresh_token"):
            state.refresh_tokens.add(creds["refresh_token"])

    def reply(
        error: str = "", message: str = "", response: Any = None, status: int = 200
    ) -> Response:
        return JSONResponse(
            {
                "request_id": secrets.token_hex(8),
                "error": error,
                "message": message,
                "warning": "",
                "response": response,
            },
            status_code=status,
        )

    def check(request: Request, shop_api: bool) -> str | Response:
        q = request.query_params
        partner_id = q.get("partner_id", "")
        key = partner_keys.get(partner_id)
        try:
            timestamp = int(q.get("timestamp", "0"))
        except ValueError:
            timestamp = 0
        if key is None:
            return reply("error_param", "Wrong partner_id", status=403)
        if abs(time.time() - timestamp) > signatures.TIMESTAMP_TOLERANCE_SECONDS:
            return reply("error_auth", "Timestamp expired", status=403)
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        token = q.get("access_token", "") if shop_api else ""
        shop_id = q.get("shop_id", "") if shop_api else ""
        expected = signatures.shopee_expected(key, partner_id, path, timestamp, token, shop_id)
        if not signatures.matches(q.get("sign"), expected):
            state.count("bad_signatures")
            return reply("error_sign", "Wrong sign", status=403)
        if shop_api and state.tokens.get(token, 0) < time.time():
            return reply("invalid_access_token", "Invalid access_token", status=403)
        return shop_id

    async def handle(
        request: Request,
        create: bool,
        body_fn: Callable[[str, dict[str, Any]], Response],
        shop_api: bool = True,
    ) -> Response:
        checked = check(request, shop_api)
        if isinstance(checked, Response):
            return checked
        body = await request.json() if request.method == "POST" else {}
        return await guard(
            state,
            channel,
            checked or "partner",
            create,
            lambda: body_fn(checked, body),
            arrival(request),
        )

    @app.post("/api/v2/auth/access_token/get")
    async def refresh(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            if body.get("refresh_token") not in state.refresh_tokens:
                return reply("error_auth", "Invalid refresh_token", status=403)
            state.refresh_tokens.discard(body["refresh_token"])
            access, new_refresh = secrets.token_hex(16), secrets.token_hex(16)
            state.tokens[access] = time.time() + 4 * 3600
            state.refresh_tokens.add(new_refresh)
            return JSONResponse(
                {
                    "request_id": "",
                    "error": "",
                    "message": "",
                    "access_token": access,
                    "refresh_token": new_refresh,
                    "expire_in": 14400,
                }
            )

        return await handle(request, False, run, shop_api=False)

    @app.post("/api/v2/product/add_item")
    async def add_item(request: Request) -> Response:
        def run(shop_id: str, body: dict[str, Any]) -> Response:
            if not body.get("item_name") or not body.get("original_price"):
                return reply("error_param", "item_name and original_price are required", status=400)
            if state.rejects(body.get("item_sku", "")):
                return reply("product.error_busi", REJECTION, status=400)
            stock = (body.get("seller_stock") or [{}])[0].get("stock")
            item = state.create(
                channel,
                shop_id,
                body.get("item_sku", ""),
                body["item_name"],
                body["original_price"],
                stock,
                body,
            )
            return reply(response={"item_id": int(item.external_id)})

        return await handle(request, True, run)

    def find(body_id: Any) -> Item | None:
        return state.by_id(channel, str(body_id))

    @app.get("/api/v2/product/search_item")
    async def search_item(request: Request) -> Response:
        sku = request.query_params.get("item_sku", "")

        def run(_: str, __: dict[str, Any]) -> Response:
            ids = [int(i.external_id) for i in state.by_sku(channel, sku)]
            return reply(response={"item_id_list": ids, "total_count": len(ids)})

        return await handle(request, False, run)

    @app.post("/api/v2/product/update_item")
    async def update_item(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            item = find(body.get("item_id"))
            if item is None:
                return reply("error_item_not_found", "Item not found", status=404)
            item.name = body.get("item_name", item.name)
            item.payload.update(body)
            return reply(response={"item_id": int(item.external_id)})

        return await handle(request, False, run)

    @app.post("/api/v2/product/update_price")
    async def update_price(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            item = find(body.get("item_id"))
            if item is None:
                return reply("error_item_not_found", "Item not found", status=404)
            item.price_vnd = body["price_list"][0]["original_price"]
            return reply(response={"success_list": [{"model_id": 0}], "failure_list": []})

        return await handle(request, False, run)

    @app.post("/api/v2/product/update_stock")
    async def update_stock(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            item = find(body.get("item_id"))
            if item is None:
                return reply("error_item_not_found", "Item not found", status=404)
            item.stock = body["stock_list"][0]["seller_stock"][0]["stock"]
            return reply(response={"success_list": [{"model_id": 0}], "failure_list": []})

        return await handle(request, False, run)

    @app.post("/api/v2/product/delete_item")
    async def delete_item(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            item = find(body.get("item_id"))
            if item is None:
                return reply("error_item_not_found", "Item not found", status=404)
            item.deleted = True
            return reply()

        return await handle(request, False, run)

    @app.get("/api/v2/product/get_item_list")
    async def get_item_list(request: Request) -> Response:
        offset = int(request.query_params.get("offset", 0))
        size = min(int(request.query_params.get("page_size", 100)), 100)

        def run(_: str, __: dict[str, Any]) -> Response:
            items = state.live(channel)
            page = items[offset : offset + size]
            return reply(
                response={
                    "item": [
                        {"item_id": int(i.external_id), "item_status": "NORMAL"} for i in page
                    ],
                    "total_count": len(items),
                    "has_next_page": offset + size < len(items),
                    "next_offset": offset + size,
                }
            )

        return await handle(request, False, run)

    @app.get("/api/v2/product/get_item_base_info")
    async def get_item_base_info(request: Request) -> Response:
        ids = request.query_params.get("item_id_list", "").split(",")

        def run(_: str, __: dict[str, Any]) -> Response:
            found = [find(i) for i in ids[:50]]
            return reply(
                response={
                    "item_list": [
                        {
                            "item_id": int(i.external_id),
                            "item_sku": i.sku,
                            "item_name": i.name,
                            "price_info": [{"original_price": i.price_vnd}],
                            "stock_info_v2": {"seller_stock": [{"stock": i.stock}]},
                        }
                        for i in found
                        if i is not None
                    ]
                }
            )

        return await handle(request, False, run)

    return app
