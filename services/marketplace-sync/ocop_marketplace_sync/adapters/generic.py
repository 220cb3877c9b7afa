"""The generic signed-JSON dialect, for channels whose seller API is not public or is plain
REST (Postmart's merchant Open API, Sendo, provincial sites): JSON bodies signed with
HMAC-SHA256 over method, path, timestamp and the body's SHA-256 (see `signing.generic_sign`)."""

from __future__ import annotations

import json
import time
from typing import Any

from ocop_marketplace_sync.adapters.base import (
    Adapter,
    CreateOutcome,
    PriceStock,
    Rejected,
    RemoteListing,
)
from ocop_marketplace_sync.adapters.signing import generic_sign


class GenericAdapter(Adapter):
    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Client-Id": self.shop.credential("client_id"),
            "X-Shop-Id": self.shop.shop_id,
            "X-Timestamp": str(timestamp),
            "X-Signature": generic_sign(
                self.shop.credential("client_secret"), method, path, timestamp, content
            ),
        }
        response = self.send(method, path, content=content, headers=headers, params=params)
        if response.status_code == 404 and method == "GET":
            return None
        if response.status_code >= 400:
            try:
                error = response.json().get("error") or {}
                message = f"{error.get('code')}: {error.get('message')}"
            except (ValueError, AttributeError):
                message = response.text[:200]
            raise Rejected(f"HTTP {response.status_code} {message}")
        return response.json() if response.content else None

    def create(self, payload: dict[str, Any]) -> CreateOutcome:
        data = self.call("POST", "/v1/products", payload)
        return CreateOutcome(str(data["id"]))

    def find_by_sku(self, sku: str) -> CreateOutcome | None:
        data = self.call("GET", "/v1/products", params={"sku": sku})
        items = (data or {}).get("items") or []
        return CreateOutcome(str(items[0]["id"])) if items else None

    def update(self, external_id: str, payload: dict[str, Any]) -> None:
        self.call("PUT", f"/v1/products/{external_id}", payload)

    def update_price_stock(self, items: list[PriceStock]) -> dict[str, str | None]:
        body = {
            "items": [
                {"id": e.external_id, "sku": e.sku, "price_vnd": e.price_vnd, "stock": e.stock}
                for e in items
            ]
        }
        data = self.call("POST", "/v1/products/prices", body)
        errors = {r["sku"]: r.get("error") for r in (data or {}).get("results") or []}
        return {entry.sku: errors.get(entry.sku) for entry in items}

    def delete(self, external_id: str, sku: str) -> None:
        try:
            self.call("DELETE", f"/v1/products/{external_id}")
        except Rejected as exc:
            if "HTTP 404" not in exc.message:  # already gone is what we wanted
                raise

    def list_all(self) -> list[RemoteListing]:
        listings = []
        cursor: str | None = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            data = self.call("GET", "/v1/products", params=params) or {}
            for item in data.get("items") or []:
                listings.append(
                    RemoteListing(
                        str(item["id"]), item["sku"], item.get("price_vnd"), item.get("stock")
                    )
                )
            cursor = data.get("next_cursor")
            if not cursor:
                return listings
