"""Shopee Open Platform v2: signed query (partner_id, timestamp, access_token, shop_id, sign),
4-hour access tokens refreshed per shop with 30-day refresh tokens, `error`/`message`/`warning`
in every response."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from ocop_marketplace_sync.adapters.base import (
    Adapter,
    CreateOutcome,
    PriceStock,
    Rejected,
    RemoteListing,
    Retryable,
    Token,
)
from ocop_marketplace_sync.adapters.signing import shopee_sign

log = logging.getLogger(__name__)
AUTH_ERRORS = {"error_auth", "invalid_access_token", "invalid_acceess_token", "error_token"}


class ShopeeAdapter(Adapter):
    _token_lock = threading.Lock()

    @property
    def partner_id(self) -> str:
        return self.shop.credential("partner_id")

    @property
    def partner_key(self) -> str:
        return self.shop.credential("partner_key")

    # --- tokens ---------------------------------------------------------------------------------
    def access_token(self) -> str:
        if self._token is not None and self._token.fresh():
            return self._token.access_token
        with self._token_lock:
            token = self.tokens.load(self.channel.code, self.shop.shop_id)
            if token is None or not token.fresh():
                token = self._refresh(token)
            self._token = token
            return token.access_token

    def _refresh(self, old: Token | None) -> Token:
        path = "/api/v2/auth/access_token/get"
        refresh = (old.refresh_token if old else None) or self.shop.credential("refresh_token")
        timestamp = int(time.time())
        sign = shopee_sign(self.partner_key, self.partner_id, path, timestamp)
        response = self.send(
            "POST",
            path,
            params={"partner_id": self.partner_id, "timestamp": timestamp, "sign": sign},
            json={
                "refresh_token": refresh,
                "partner_id": int(self.partner_id),
                "shop_id": int(self.shop.shop_id),
            },
        )
        data = response.json()
        if data.get("error"):
            raise Rejected(f"Shopee token refresh: {data.get('error')}: {data.get('message')}")
        now = datetime.now(UTC)
        token = Token(
            access_token=data["access_token"],
            access_expires_at=now + timedelta(seconds=int(data.get("expire_in", 14400))),
            refresh_token=data.get("refresh_token", refresh),
            refresh_expires_at=now + timedelta(days=30),
        )
        self.tokens.save(self.channel.code, self.shop.shop_id, token)
        return token

    def _forget_token(self) -> None:
        self._token = None
        with self._token_lock:
            token = self.tokens.load(self.channel.code, self.shop.shop_id)
            if token is not None:
                token.access_expires_at = datetime.now(UTC)
                self.tokens.save(self.channel.code, self.shop.shop_id, token)

    # --- one call -------------------------------------------------------------------------------
    def call(
        self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None
    ) -> dict[str, Any]:
        token = self.access_token()
        timestamp = int(time.time())
        sign = shopee_sign(
            self.partner_key, self.partner_id, path, timestamp, token, self.shop.shop_id
        )
        query = {
            "partner_id": self.partner_id,
            "timestamp": timestamp,
            "access_token": token,
            "shop_id": self.shop.shop_id,
            "sign": sign,
            **(params or {}),
        }
        response = self.send(method, path, params=query, json=body)
        try:
            data: dict[str, Any] = response.json()
        except ValueError as exc:
            raise Rejected(f"HTTP {response.status_code}: {response.text[:200]}") from exc
        error = data.get("error")
        if error in AUTH_ERRORS:
            self._forget_token()
            raise Retryable(f"Shopee {error}: {data.get('message')}")
        if error or response.status_code >= 400:
            raise Rejected(f"Shopee {error or response.status_code}: {data.get('message', '')}")
        if data.get("warning"):
            log.warning("shopee warning", extra={"path": path, "warning": data.get("warning")})
        result: dict[str, Any] = data.get("response") or {}
        return result

    # --- operations -----------------------------------------------------------------------------
    @staticmethod
    def item(payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "item_name": payload["name"],
            "description": payload["description"],
            "item_sku": payload["sku"],
            "original_price": payload["price_vnd"],
            "seller_stock": [{"stock": payload["stock"]}],
            "weight": round((payload.get("weight_grams") or 0) / 1000, 3),
            "category_id": int(payload["category"]) if payload.get("category") else 0,
            "image": {"image_id_list": payload["images"]},
            "brand": {"brand_id": 0, "original_brand_name": payload["attributes"]["brand"]},
        }

    def create(self, payload: dict[str, Any]) -> CreateOutcome:
        result = self.call("POST", "/api/v2/product/add_item", body=self.item(payload))
        return CreateOutcome(str(result["item_id"]))

    def find_by_sku(self, sku: str) -> CreateOutcome | None:
        result = self.call(
            "GET",
            "/api/v2/product/search_item",
            params={"item_sku": sku, "page_size": 10, "offset": 0},
        )
        ids = result.get("item_id_list") or []
        return CreateOutcome(str(ids[0])) if ids else None

    def update(self, external_id: str, payload: dict[str, Any]) -> None:
        item = self.item(payload)
        del item["original_price"], item["seller_stock"]
        self.call("POST", "/api/v2/product/update_item", body={"item_id": int(external_id), **item})
        self.update_price_stock(
            [PriceStock(payload["sku"], external_id, payload["price_vnd"], payload["stock"])]
        )

    def update_price_stock(self, items: list[PriceStock]) -> dict[str, str | None]:
        """Shopee v2 has no call across items: `product/update_price` takes one item_id with a
        `price_list` of its models, `product/update_stock` one item_id with a `stock_list`
        (open.shopee.com, API v2 product module). So one call per item for what changed: a
        price change alone costs one call an item, not two."""
        for entry in items:
            item_id = int(entry.external_id)
            if entry.price_changed:
                self.call(
                    "POST",
                    "/api/v2/product/update_price",
                    body={
                        "item_id": item_id,
                        "price_list": [{"model_id": 0, "original_price": entry.price_vnd}],
                    },
                )
            if entry.stock_changed:
                self.call(
                    "POST",
                    "/api/v2/product/update_stock",
                    body={
                        "item_id": item_id,
                        "stock_list": [{"model_id": 0, "seller_stock": [{"stock": entry.stock}]}],
                    },
                )
        return {entry.sku: None for entry in items}

    def delete(self, external_id: str, sku: str) -> None:
        self.call("POST", "/api/v2/product/delete_item", body={"item_id": int(external_id)})

    def list_all(self) -> list[RemoteListing]:
        ids: list[str] = []
        offset = 0
        while True:
            page = self.call(
                "GET",
                "/api/v2/product/get_item_list",
                params={"offset": offset, "page_size": 100, "item_status": "NORMAL"},
            )
            ids += [str(item["item_id"]) for item in page.get("item") or []]
            if not page.get("has_next_page"):
                break
            offset = int(page["next_offset"])
        listings = []
        for start in range(0, len(ids), 50):
            info = self.call(
                "GET",
                "/api/v2/product/get_item_base_info",
                params={"item_id_list": ",".join(ids[start : start + 50])},
            )
            for item in info.get("item_list") or []:
                prices = item.get("price_info") or [{}]
                stock = (item.get("stock_info_v2") or {}).get("seller_stock") or [{}]
                listings.append(
                    RemoteListing(
                        str(item["item_id"]),
                        item.get("item_sku", ""),
                        prices[0].get("original_price"),
                        stock[0].get("stock"),
                    )
                )
        return listings
