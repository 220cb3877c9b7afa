"""Lazada Open Platform as the simulator speaks it."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ocop_marketplace_simulator import signatures
from ocop_marketplace_simulator.state import REJECTION, Item, SimState, arrival, guard


def lazada_app(state: SimState, channel: str, shop_creds: dict[str, dict[str, str]]) -> FastAPI:
    """Lazada's API for one channel: signed calls, products, the price/quantity batch."""
    app = FastAPI()
    apps = {c["app_key"]: (shop_id, c) for shop_id, c in shop_creds.items()}

    def reply(
        code: str = "0",
        message: str = "",
        data: Any = None,
        status: int = 200,
        detail: list[dict[str, Any]] | None = None,
    ) -> Response:
        body: dict[str, Any] = {"code": code, "request_id": secrets.token_hex(8), "data": data}
        if message:
            body["message"] = message
        if detail:
            body["detail"] = detail
        return JSONResponse(body, status_code=status)

    async def handle(
        request: Request, create: bool, run: Callable[[str, dict[str, str]], Response]
    ) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.form()).items()})
        known = apps.get(params.get("app_key", ""))
        if known is None:
            return reply("InvalidAppKey", "Invalid app key", status=400)
        shop_id, creds = known
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        expected = signatures.lazada_expected(creds["app_secret"], path, params)
        if not signatures.matches(params.get("sign"), expected):
            state.count("bad_signatures")
            return reply(
                "IncompleteSignature", "The request signature does not conform", status=400
            )
        try:
            timestamp_ms = int(params.get("timestamp", "0"))
        except ValueError:
            timestamp_ms = 0
        if abs(time.time() * 1000 - timestamp_ms) > signatures.TIMESTAMP_TOLERANCE_SECONDS * 1000:
            return reply("InvalidTimestamp", "Timestamp is invalid or expired", status=400)
        if params.get("access_token") != creds.get("access_token"):
            return reply("IllegalAccessToken", "The specified access token is invalid", status=400)
        return await guard(
            state, channel, shop_id, create, lambda: run(shop_id, params), arrival(request)
        )

    def product_of(params: dict[str, str]) -> dict[str, Any]:
        product: dict[str, Any] = json.loads(params.get("payload", "{}"))["Request"]["Product"]
        return product

    @app.post("/product/create")
    async def create(request: Request) -> Response:
        def run(shop_id: str, params: dict[str, str]) -> Response:
            product = product_of(params)
            sku = product["Skus"]["Sku"][0]
            if state.by_sku(channel, sku["SellerSku"]):
                return reply(
                    "SellerSkuDuplicate", f"SellerSku {sku['SellerSku']} already exists", status=400
                )
            if state.rejects(sku["SellerSku"]):
                return reply("ContentViolation", REJECTION, status=400)
            item = state.create(
                channel,
                shop_id,
                sku["SellerSku"],
                product["Attributes"]["name"],
                sku.get("price"),
                sku.get("quantity"),
                product,
            )
            return reply(
                data={
                    "item_id": int(item.external_id),
                    "sku_list": [{"seller_sku": item.sku, "sku_id": int(item.external_id)}],
                }
            )

        return await handle(request, True, run)

    def product_out(item: Item) -> dict[str, Any]:
        return {
            "item_id": int(item.external_id),
            "attributes": {"name": item.name},
            "skus": [{"SellerSku": item.sku, "price": item.price_vnd, "quantity": item.stock}],
        }

    @app.get("/products/get")
    async def products_get(request: Request) -> Response:
        def run(_: str, params: dict[str, str]) -> Response:
            if params.get("sku_seller_list"):
                wanted = set(json.loads(params["sku_seller_list"]))
                items = [i for i in state.live(channel) if i.sku in wanted]
            else:
                offset, limit = int(params.get("offset", 0)), min(int(params.get("limit", 50)), 50)
                items = state.live(channel)[offset : offset + limit]
            return reply(
                data={
                    "total_products": len(state.live(channel)),
                    "products": [product_out(i) for i in items],
                }
            )

        return await handle(request, False, run)

    @app.post("/product/update")
    async def update(request: Request) -> Response:
        def run(_: str, params: dict[str, str]) -> Response:
            product = product_of(params)
            item = state.by_id(channel, str(product.get("ItemId")))
            if item is None:
                return reply("ItemNotFound", "Item not found", status=400)
            sku = product["Skus"]["Sku"][0]
            item.name, item.price_vnd, item.stock = (
                product["Attributes"]["name"],
                sku.get("price"),
                sku.get("quantity"),
            )
            item.payload = product
            return reply()

        return await handle(request, False, run)

    @app.post("/product/price_quantity/update")
    async def price_quantity(request: Request) -> Response:
        def run(_: str, params: dict[str, str]) -> Response:
            skus = product_of(params)["Skus"]["Sku"]
            if len(skus) > 50:
                return reply("ExceedMaxSku", "At most 50 SKUs per call", status=400)
            detail = []
            for entry in skus:
                found = state.by_sku(channel, entry["SellerSku"])
                if not found:
                    detail.append({"seller_sku": entry["SellerSku"], "message": "SKU not found"})
                for item in found:
                    item.price_vnd, item.stock = entry["Price"], entry["Quantity"]
            return reply(detail=detail)

        return await handle(request, False, run)

    @app.post("/product/remove")
    async def remove(request: Request) -> Response:
        def run(_: str, params: dict[str, str]) -> Response:
            for sku in json.loads(params.get("seller_sku_list", "[]")):
                for item in state.by_sku(channel, sku):
                    item.deleted = True
            return reply()

        return await handle(request, False, run)

    return app
