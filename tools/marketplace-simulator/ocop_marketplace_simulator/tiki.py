"""Tiki's seller API (OAuth2 client credentials, product requests under review)."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ocop_marketplace_simulator.state import REJECTION, Item, SimState, arrival, guard


def tiki_app(state: SimState, channel: str, shop_creds: dict[str, dict[str, str]]) -> FastAPI:
    """Tiki for one channel: client-credential tokens, product requests under review, SKUs."""
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
