"""Marketplace seller-API simulator: Shopee-, Lazada- and Tiki-style dialects and the generic
signed-JSON one, each channel under its own prefix (`/shopee`, `/lazada/rest`, `/tiki`,
`/postmart`, `/sendo`, `/provincial`).

It verifies signatures, timestamps and tokens, allows `--rate-limit` requests in any sliding
second per channel and shop (429 + Retry-After above it), fails `--error-rate` of the requests
(5xx, or — on creates — creating the listing and then not answering in time), and rejects
`--reject-rate` of the products for content reasons (always the same products: the choice is a
hash of the SKU). Like the real platforms it does not stop a second listing with the same SKU
on Shopee or the generic sites. `GET /_sim/listings` lists what it holds; `GET /_sim/stats`
counts requests, 429s and faults; `GET /_sim/calls` is the log of calls (channel, path, time,
status, SKUs in the call). One channel can be made slower or stricter than the others
(`--channel-delay shopee=0.5`, `--channel-rate-limit shopee=2`). `POST /_sim/reset` forgets
everything, for a caller sending `X-Sim-Admin-Key` equal to `--admin-key` (or
`OCOP_SIM_ADMIN_KEY`); without a key it is refused.

`python -m ocop_marketplace_sync.simulator --port Q [--error-rate F] [--rate-limit N]
[--reject-rate R]`
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from ocop_marketplace_sync.adapters.signing import (
    SHOPEE_TIMESTAMP_TOLERANCE_SECONDS,
    generic_sign,
    lazada_sign,
    shopee_sign,
)
from ocop_marketplace_sync.channels.config import BUILT_IN, ChannelFile

REJECTION = (
    "Nội dung sản phẩm vi phạm chính sách của sàn (từ ngữ bị cấm) / "
    "Product content violates the platform policy (prohibited wording)"
)


@dataclass
class SimConfig:
    error_rate: float = 0.0
    rate_limit: float = 20.0
    reject_rate: float = 0.0
    hang_seconds: float = 2.0
    review_seconds: float = 0.3
    seed: int | None = None
    # `POST /_sim/reset` wipes every listing: only a caller sending this key may (none: nobody).
    admin_key: str | None = None
    channel_rate_limits: dict[str, float] = field(default_factory=dict)
    channel_delays: dict[str, float] = field(default_factory=dict)


@dataclass
class Item:
    channel: str
    shop_id: str
    external_id: str
    sku: str
    name: str
    price_vnd: int | None
    stock: int | None
    payload: dict[str, Any]
    active: bool = True
    deleted: bool = False


@dataclass
class SimState:
    config: SimConfig
    rng: random.Random
    items: list[Item] = field(default_factory=list)
    windows: dict[str, deque[float]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100000))
    tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry
    refresh_tokens: set[str] = field(default_factory=set)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # tiki track id -> request
    paths: dict[str, int] = field(default_factory=dict)  # calls per path, for inspection
    calls: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=100_000))

    def count(self, key: str, by: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + by

    def next_id(self) -> str:
        return str(next(self.ids))

    def rejects(self, sku: str) -> bool:
        if self.config.reject_rate <= 0:
            return False
        value = int(hashlib.sha256(sku.encode()).hexdigest()[:8], 16) / 2**32
        return value < self.config.reject_rate

    def live(self, channel: str) -> list[Item]:
        return [i for i in self.items if i.channel == channel and not i.deleted]

    def by_sku(self, channel: str, sku: str) -> list[Item]:
        return [i for i in self.live(channel) if i.sku == sku]

    def by_id(self, channel: str, external_id: str) -> Item | None:
        for item in self.live(channel):
            if item.external_id == external_id:
                return item
        return None

    def over_limit(self, key: str, arrived: float) -> bool:
        """Sliding one-second window per channel and shop, by arrival time."""
        channel = key.partition(":")[0]
        limit = self.config.channel_rate_limits.get(channel, self.config.rate_limit)
        if limit <= 0:
            return False
        now = arrived
        window = self.windows.setdefault(key, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= int(limit):
            return True
        window.append(now)
        return False

    def fault(self) -> bool:
        return self.config.error_rate > 0 and self.rng.random() < self.config.error_rate

    def create(
        self,
        channel: str,
        shop_id: str,
        sku: str,
        name: str,
        price: Any,
        stock: Any,
        payload: dict[str, Any],
        active: bool = True,
    ) -> Item:
        item = Item(channel, shop_id, self.next_id(), sku, name, price, stock, payload, active)
        self.items.append(item)
        self.count("created")
        return item


class Fault(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def too_many() -> Response:
    return JSONResponse(
        {"error": "too_many_requests", "message": "Rate limit exceeded"},
        status_code=429,
        headers={"Retry-After": "1"},
    )


def server_error() -> Response:
    return JSONResponse({"error": "server_error", "message": "Injected failure"}, status_code=503)


def arrival(request: Request) -> bool | None:
    """The rate gate's verdict on this request (None when no gate stood in front)."""
    verdict: bool | None = request.scope.get("sim_rate_limited")
    return verdict


async def guard(
    state: SimState,
    channel: str,
    shop_key: str,
    create: bool,
    run: Callable[[], Response],
    limited: bool | None = None,
) -> Response:
    """Rate limit, injected faults, then the handler (a create may time out after it ran)."""
    state.count("requests")
    if limited is None:
        limited = state.over_limit(f"{channel}:{shop_key}", time.monotonic())
    if limited:
        state.count("rate_limited")
        state.count(f"rate_limited:{channel}:{shop_key}")
        return too_many()
    if state.fault():
        if create and state.rng.random() < 0.5:
            run()  # the listing is made, but the answer never arrives in time
            state.count("timeouts_after_create")
            await asyncio.sleep(state.config.hang_seconds)
            return JSONResponse({"error": "gateway_timeout"}, status_code=504)
        state.count("server_errors")
        return server_error()
    return run()


# --- Shopee ----------------------------------------------------------------------------------


def shopee_app(state: SimState, channel: str, shop_creds: dict[str, dict[str, str]]) -> FastAPI:
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
        if abs(time.time() - timestamp) > SHOPEE_TIMESTAMP_TOLERANCE_SECONDS:
            return reply("error_auth", "Timestamp expired", status=403)
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        token = q.get("access_token", "") if shop_api else ""
        shop_id = q.get("shop_id", "") if shop_api else ""
        if q.get("sign") != shopee_sign(key, partner_id, path, timestamp, token, shop_id):
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


# --- Lazada ----------------------------------------------------------------------------------


def lazada_app(state: SimState, channel: str, shop_creds: dict[str, dict[str, str]]) -> FastAPI:
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
        if params.get("sign") != lazada_sign(creds["app_secret"], path, params):
            state.count("bad_signatures")
            return reply(
                "IncompleteSignature", "The request signature does not conform", status=400
            )
        try:
            timestamp_ms = int(params.get("timestamp", "0"))
        except ValueError:
            timestamp_ms = 0
        if abs(time.time() * 1000 - timestamp_ms) > 300_000:
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


# --- Tiki ------------------------------------------------------------------------------------


def tiki_app(state: SimState, channel: str, shop_creds: dict[str, dict[str, str]]) -> FastAPI:
    app = FastAPI()
    clients = {c["client_id"]: (shop_id, c["client_secret"]) for shop_id, c in shop_creds.items()}
    token_shop: dict[str, str] = {}

    def error(status: int, message: str) -> Response:
        return JSONResponse({"message": message, "errors": [message]}, status_code=status)

    @app.post("/sc/oauth2/token")
    async def token(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        try:
            client_id, _, secret = (
                base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
            )
        except ValueError:
            return error(401, "invalid_client")
        form = await request.form()
        if (
            form.get("grant_type") != "client_credentials"
            or clients.get(client_id, ("", None))[1] != secret
        ):
            return error(401, "invalid_client")

        def run() -> Response:
            access = secrets.token_hex(16)
            state.tokens[access] = time.time() + 3600
            token_shop[access] = clients[client_id][0]
            return JSONResponse(
                {"access_token": access, "expires_in": 3600, "token_type": "bearer"}
            )

        return await guard(state, channel, clients[client_id][0], False, run, arrival(request))

    async def handle(
        request: Request, create: bool, run: Callable[[str, Any], Response]
    ) -> Response:
        access = request.headers.get("authorization", "").removeprefix("Bearer ")
        if state.tokens.get(access, 0) < time.time():
            return error(401, "Unauthorized")
        shop_id = token_shop[access]
        body = (
            await request.json()
            if request.method in ("POST", "PUT")
            else dict(request.query_params)
        )
        return await guard(
            state, channel, shop_id, create, lambda: run(shop_id, body), arrival(request)
        )

    def review(request_id: str) -> dict[str, Any]:
        req = state.requests[request_id]
        if (
            req["state"] == "processing"
            and time.monotonic() - req["at"] >= state.config.review_seconds
        ):
            if state.rejects(req["sku"]):
                req["state"], req["reason"] = "rejected", REJECTION
            else:
                body = req["body"]
                variant = body["variants"][0]
                item = state.create(
                    channel,
                    req["shop_id"],
                    req["sku"],
                    body["name"],
                    variant.get("price"),
                    variant.get("quantity"),
                    body,
                    active=False,
                )
                req["state"], req["product_id"] = "approved", int(item.external_id)
        return req

    @app.post("/integration/v2.1/requests")
    async def create_request(request: Request) -> Response:
        def run(shop_id: str, body: dict[str, Any]) -> Response:
            if not body.get("name") or not body.get("variants") or not body.get("category_id"):
                return error(400, "name, category_id and variants are required")
            track_id = secrets.token_hex(8)
            state.requests[track_id] = {
                "track_id": track_id,
                "state": "processing",
                "shop_id": shop_id,
                "sku": body["variants"][0]["sku"],
                "body": body,
                "at": time.monotonic(),
                "reason": None,
                "product_id": None,
            }
            state.count("requests_created")
            return JSONResponse({"track_id": track_id, "state": "processing"})

        return await handle(request, True, run)

    @app.get("/integration/v2/tracking/{track_id}")
    async def tracking(track_id: str, request: Request) -> Response:
        def run(_: str, __: Any) -> Response:
            if track_id not in state.requests:
                return error(404, "Request not found")
            req = review(track_id)
            return JSONResponse({k: req[k] for k in ("track_id", "state", "reason", "product_id")})

        return await handle(request, False, run)

    @app.get("/integration/v2.1/requests")
    async def list_requests(request: Request) -> Response:
        def run(_: str, params: dict[str, str]) -> Response:
            found = [
                review(r["track_id"])
                for r in list(state.requests.values())
                if r["sku"] == params.get("original_sku")
            ]
            return JSONResponse(
                {"data": [{k: r[k] for k in ("track_id", "state", "product_id")} for r in found]}
            )

        return await handle(request, False, run)

    def out(item: Item) -> dict[str, Any]:
        return {
            "product_id": int(item.external_id),
            "original_sku": item.sku,
            "name": item.name,
            "price": item.price_vnd,
            "quantity": item.stock,
            "active": int(item.active),
        }

    @app.get("/integration/v2/products")
    async def products(request: Request) -> Response:
        def run(_: str, params: dict[str, str]) -> Response:
            items = state.live(channel)
            if "original_sku" in params:
                items = [i for i in items if i.sku == params["original_sku"]]
            if params.get("active") == "1":
                items = [i for i in items if i.active]
            limit, page = int(params.get("limit", 50)), int(params.get("page", 1))
            last = max(1, -(-len(items) // limit))
            return JSONResponse(
                {
                    "data": [out(i) for i in items[(page - 1) * limit : page * limit]],
                    "paging": {"total": len(items), "current_page": page, "last_page": last},
                }
            )

        return await handle(request, False, run)

    @app.post("/integration/v2.1/requests/updateProductInfo")
    async def update_info(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            item = state.by_id(channel, str(body.get("product_id")))
            if item is None:
                return error(404, "Product not found")
            item.name = body.get("name", item.name)
            item.payload.update(body)
            return JSONResponse({"track_id": secrets.token_hex(8), "state": "approved"})

        return await handle(request, False, run)

    @app.post("/integration/v2/products/updateSku")
    async def update_sku(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            found = state.by_sku(channel, str(body.get("original_sku")))
            if not found:
                return error(404, "SKU not found")
            for item in found:
                if "price" in body:
                    item.price_vnd = body["price"]
                if "quantity" in body:
                    item.stock = body["quantity"]
                if "active" in body:
                    item.active = bool(body["active"])
            return JSONResponse({"state": "approved"})

        return await handle(request, False, run)

    @app.put("/integration/v2.1/products/updateSkus")
    async def update_skus(request: Request) -> Response:
        def run(_: str, body: dict[str, Any]) -> Response:
            results = []
            for entry in body.get("data") or []:
                found = state.by_sku(channel, str(entry.get("original_sku")))
                for item in found:
                    item.price_vnd = entry.get("price", item.price_vnd)
                    item.stock = entry.get("quantity", item.stock)
                    item.active = entry.get("status", 1) == 1
                results.append(
                    {"original_sku": entry.get("original_sku"), "state": "success"}
                    if found
                    else {
                        "original_sku": entry.get("original_sku"),
                        "state": "error",
                        "message": "SKU not found",
                    }
                )
            return JSONResponse({"data": results})

        return await handle(request, False, run)

    return app


# --- generic signed JSON -----------------------------------------------------------------------


def generic_app(state: SimState, channel: str, shop_creds: dict[str, dict[str, str]]) -> FastAPI:
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
        if secret is None or request.headers.get("x-signature") != generic_sign(
            secret, request.method, path, timestamp, body
        ):
            state.count("bad_signatures")
            return error(401, "bad_signature", "Signature does not match")
        if abs(time.time() - timestamp) > 300:
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


# --- the whole simulator -------------------------------------------------------------------------

DIALECT_APPS: dict[str, Callable[[SimState, str, dict[str, dict[str, str]]], FastAPI]] = {
    "shopee": shopee_app,
    "lazada": lazada_app,
    "tiki": tiki_app,
    "generic": generic_app,
}


def create_simulator(config: SimConfig | None = None) -> FastAPI:
    config = config or SimConfig()
    state = SimState(config, random.Random(config.seed))
    app = FastAPI(title="OCOP Hub — marketplace simulator")
    app.state.sim = state
    channels = ChannelFile.model_validate(json.loads(BUILT_IN.read_text(encoding="utf-8")))

    prefixes = channel_prefixes(channels)

    @app.middleware("http")
    async def log_calls(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        channel = channel_of(prefixes, path)
        if channel is None:
            return await call_next(request)
        state.paths[path] = state.paths.get(path, 0) + 1
        arrived = time.time()
        await asyncio.sleep(config.channel_delays.get(channel, 0.0))
        response = await call_next(request)
        state.calls.append(
            {"channel": channel, "path": path, "at": arrived, "status": response.status_code}
        )
        return response

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "simulator"}

    @app.get("/_sim/listings")
    def all_listings() -> list[dict[str, Any]]:
        return [
            {
                "channel": i.channel,
                "external_id": i.external_id,
                "sku": i.sku,
                "name": i.name,
                "price_vnd": i.price_vnd,
                "images": listing_images(i.payload),
            }
            for i in state.items
            if not i.deleted and i.active
        ]

    @app.get("/_sim/stats")
    def stats() -> dict[str, Any]:
        return {**state.stats, "paths": state.paths, "config": config.__dict__}

    @app.get("/_sim/calls")
    def calls(channel: str | None = None) -> list[dict[str, Any]]:
        """Every call as it arrived (`at`, seconds since the epoch) with its answer's status."""
        return [c for c in state.calls if channel in (None, c["channel"])]

    @app.post("/_sim/reset")
    def reset(x_sim_admin_key: Annotated[str, Header()] = "") -> dict[str, str]:
        if not config.admin_key or not hmac.compare_digest(
            x_sim_admin_key.encode(), config.admin_key.encode()
        ):
            raise HTTPException(403, "reset needs X-Sim-Admin-Key (--admin-key)")
        state.items.clear()
        state.requests.clear()
        state.windows.clear()
        state.stats.clear()
        state.paths.clear()
        state.calls.clear()
        return {"status": "reset"}

    for channel in channels.channels:
        if channel.dialect in DIALECT_APPS:
            creds = {shop.shop_id: dict(shop.credentials) for shop in channel.shops}
            app.mount(
                channel.path_prefix, DIALECT_APPS[channel.dialect](state, channel.code, creds)
            )
    return app


def listing_images(payload: dict[str, Any]) -> list[str]:
    """The photo addresses a listing request carried, whichever dialect sent them (Shopee
    `image.image_id_list`, Lazada `Images.Image`, Tiki `image` + `images`, generic `images`)."""
    shopee, lazada = payload.get("image"), payload.get("Images")
    if isinstance(shopee, dict):
        found: Any = shopee.get("image_id_list")
    elif isinstance(lazada, dict):
        found = lazada.get("Image")
    elif isinstance(shopee, str):
        found = [shopee, *(payload.get("images") or [])]
    else:
        found = payload.get("images")
    return [str(url) for url in found or [] if url]


def channel_prefixes(channels: ChannelFile) -> list[tuple[str, str]]:
    """(path prefix, channel code) of every channel with a prefix, longest prefix first."""
    return sorted(
        ((c.path_prefix, c.code) for c in channels.channels if c.path_prefix),
        key=lambda item: -len(item[0]),
    )


def channel_of(prefixes: list[tuple[str, str]], path: str) -> str | None:
    for prefix, code in prefixes:
        if path.startswith(prefix + "/"):
            return code
    return None


class RateGate:
    """Decides the rate limit as requests arrive, in arrival order, before any parsing (as a
    platform's gateway does): per channel, and per shop where the URL or headers name it."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.state: SimState = app.state.sim
        channels = ChannelFile.model_validate(json.loads(BUILT_IN.read_text(encoding="utf-8")))
        self.prefixes = channel_prefixes(channels)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        code = channel_of(self.prefixes, scope["path"]) if scope["type"] == "http" else None
        if code is not None:
            query = dict(
                part.split("=", 1)
                for part in scope["query_string"].decode().split("&")
                if "=" in part
            )
            headers = dict(scope["headers"])
            shop = query.get("shop_id") or headers.get(b"x-shop-id", b"").decode() or "*"
            scope["sim_rate_limited"] = self.state.over_limit(f"{code}:{shop}", time.monotonic())
        await self.app(scope, receive, send)


def per_channel(options: list[str]) -> dict[str, float]:
    """`["shopee=2", …]` → `{"shopee": 2.0, …}`."""
    return {code: float(value) for code, _, value in (o.partition("=") for o in options)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ocop simulate-marketplace")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=20.0)
    parser.add_argument("--reject-rate", type=float, default=0.0)
    parser.add_argument(
        "--hang-seconds",
        type=float,
        default=2.0,
        help="how long a create that 'times out' holds its answer",
    )
    parser.add_argument(
        "--review-seconds",
        type=float,
        default=0.3,
        help="how long a Tiki product request stays under review",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--admin-key",
        default=os.environ.get("OCOP_SIM_ADMIN_KEY"),
        help="key POST /_sim/reset requires in X-Sim-Admin-Key (default OCOP_SIM_ADMIN_KEY; "
        "unset: reset is refused)",
    )
    parser.add_argument(
        "--channel-rate-limit",
        action="append",
        default=[],
        metavar="CODE=N",
        help="a channel allowing N requests a second instead of --rate-limit",
    )
    parser.add_argument(
        "--channel-delay",
        action="append",
        default=[],
        metavar="CODE=SECONDS",
        help="a channel answering every call this much later",
    )
    args = parser.parse_args(argv)
    import uvicorn

    config = SimConfig(
        args.error_rate,
        args.rate_limit,
        args.reject_rate,
        args.hang_seconds,
        args.review_seconds,
        args.seed,
        args.admin_key,
        per_channel(args.channel_rate_limit),
        per_channel(args.channel_delay),
    )
    uvicorn.run(
        RateGate(create_simulator(config)),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
