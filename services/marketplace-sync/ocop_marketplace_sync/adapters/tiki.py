"""Tiki seller API: OAuth2 client credentials; a new product is an asynchronous *request* that
goes through review to approved-but-inactive, after which we activate it. 4xx is never retried."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from ocop_marketplace_sync.adapters.base import (
    Adapter,
    CreateOutcome,
    PriceStock,
    Rejected,
    RemoteListing,
    Retryable,
    ReviewOutcome,
    Token,
)

PENDING_STATES = {"drafted", "processing", "waiting_approve", "awaiting_approve", "in_review"}


class TikiAdapter(Adapter):
    _token_lock = threading.Lock()

    def access_token(self) -> str:
        if self._token is not None and self._token.fresh():
            return self._token.access_token
        with self._token_lock:
            token = self.tokens.load(self.channel.code, self.shop.shop_id)
            if token is None or not token.fresh():
                response = self.send(
                    "POST",
                    "/sc/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=(self.shop.credential("client_id"), self.shop.credential("client_secret")),
                )
                if response.status_code >= 400:
                    raise Rejected(f"Tiki token: HTTP {response.status_code} {response.text[:200]}")
                data = response.json()
                token = Token(
                    data["access_token"],
                    datetime.now(UTC) + timedelta(seconds=int(data.get("expires_in", 3600))),
                )
                self.tokens.save(self.channel.code, self.shop.shop_id, token)
            self._token = token
            return token.access_token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        response = self.send(method, path, headers=headers, **kwargs)
        if response.status_code == 401:
            self._token = None
            with self._token_lock:
                token = self.tokens.load(self.channel.code, self.shop.shop_id)
                if token:
                    token.access_expires_at = datetime.now(UTC)
                    self.tokens.save(self.channel.code, self.shop.shop_id, token)
            raise Retryable("Tiki: access token expired")
        if response.status_code >= 400:
            try:
                body = response.json()
                message = body.get("message") or body.get("errors") or body
            except ValueError:
                message = response.text[:200]
            raise Rejected(f"Tiki HTTP {response.status_code}: {message}")
        return response.json()

    @staticmethod
    def request_body(payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "category_id": int(payload["category"]) if payload.get("category") else 0,
            "name": payload["name"],
            "description": payload["description"],
            "attributes": {
                "brand": payload["attributes"]["brand"],
                "origin": payload["attributes"]["origin"],
                "product_weight_kg": round((payload.get("weight_grams") or 0) / 1000, 3),
            },
            "image": payload["images"][0] if payload["images"] else None,
            "images": payload["images"][1:],
            "variants": [
                {
                    "sku": payload["sku"],
                    "price": payload["price_vnd"],
                    "quantity": payload["stock"],
                }
            ],
        }

    def create(self, payload: dict[str, Any]) -> CreateOutcome:
        data = self.call("POST", "/integration/v2.1/requests", json=self.request_body(payload))
        return CreateOutcome(None, str(data["track_id"]))

    def review(self, request_id: str) -> ReviewOutcome:
        data = self.call("GET", f"/integration/v2/tracking/{request_id}")
        state = str(data.get("state"))
        if state == "approved":
            return ReviewOutcome("approved", str(data["product_id"]))
        if state in PENDING_STATES:
            return ReviewOutcome("pending")
        return ReviewOutcome("rejected", reason=str(data.get("reason") or state))

    def find_by_sku(self, sku: str) -> CreateOutcome | None:
        products = self.call("GET", "/integration/v2/products", params={"original_sku": sku})
        for product in products.get("data") or []:
            return CreateOutcome(str(product["product_id"]))
        requests = self.call("GET", "/integration/v2.1/requests", params={"original_sku": sku})
        for request in requests.get("data") or []:
            if request.get("state") != "rejected":
                return CreateOutcome(None, str(request["track_id"]))
        return None

    def update(self, external_id: str, payload: dict[str, Any]) -> None:
        body = {"product_id": int(external_id), **self.request_body(payload)}
        self.call("POST", "/integration/v2.1/requests/updateProductInfo", json=body)
        # Activates it too: an approved product starts inactive, and delisting deactivated it.
        self.call(
            "POST",
            "/integration/v2/products/updateSku",
            json={
                "original_sku": payload["sku"],
                "price": payload["price_vnd"],
                "quantity": payload["stock"],
                "active": 1,
            },
        )

    def update_price_stock(self, items: list[PriceStock]) -> dict[str, str | None]:
        """Tiki's batch call, `PUT /integration/v2.1/products/updateSkus` with a `data` list of
        SKUs (open.tiki.vn/docs, "Update price, quantity, and active status of multiple
        products"). We read its `status` 1 as active, and send one `quantity` as updateSku
        takes it (the page's example gives per-warehouse quantities, for sellers with several
        warehouses): both to be checked on Tiki's sandbox. The page names no size limit: the
        channel file sends 50 at a time."""
        body = {
            "data": [
                {
                    "original_sku": entry.sku,
                    "price": entry.price_vnd,
                    "quantity": entry.stock,
                    "status": 1,
                }
                for entry in items
            ]
        }
        data = self.call("PUT", "/integration/v2.1/products/updateSkus", json=body)
        errors = {
            str(row.get("original_sku")): str(row.get("message"))
            for row in (data or {}).get("data") or []
            if row.get("state") == "error"
        }
        return {entry.sku: errors.get(entry.sku) for entry in items}

    def restore(self, external_id: str, payload: dict[str, Any]) -> None:
        # An approved product starts inactive (and delisting only deactivates): activate it.
        self.update(external_id, payload)

    def delete(self, external_id: str, sku: str) -> None:
        # Tiki has no deletion for sellers: the product is deactivated.
        self.call(
            "POST", "/integration/v2/products/updateSku", json={"original_sku": sku, "active": 0}
        )

    def list_all(self) -> list[RemoteListing]:
        listings = []
        page = 1
        while True:
            data = self.call(
                "GET", "/integration/v2/products", params={"page": page, "limit": 50, "active": 1}
            )
            for product in data.get("data") or []:
                listings.append(
                    RemoteListing(
                        str(product["product_id"]),
                        str(product["original_sku"]),
                        product.get("price"),
                        product.get("quantity"),
                    )
                )
            if page >= int((data.get("paging") or {}).get("last_page", 1)):
                return listings
            page += 1
