"""Lazada Open Platform: system parameters (app_key, timestamp in ms, sign_method, access_token)
signed with the API parameters, sorted, after the API path; HMAC-SHA256, uppercase hex.
`/product/price_quantity/update` takes at most 50 SKUs a call."""

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
    Retryable,
)
from ocop_marketplace_sync.adapters.signing import lazada_sign

RETRYABLE_CODES = {"ApiCallLimit", "ServiceTimeout", "ServiceUnavailable", "InternalError"}
MAX_PRICE_SKUS = 50


class LazadaAdapter(Adapter):
    @property
    def batch_size(self) -> int:
        return min(self.channel.batch_price_size, MAX_PRICE_SKUS)

    def call(self, method: str, api_path: str, params: dict[str, str]) -> dict[str, Any]:
        signed = {
            "app_key": self.shop.credential("app_key"),
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": "sha256",
            "access_token": self.shop.credential("access_token"),
            **params,
        }
        signed["sign"] = lazada_sign(self.shop.credential("app_secret"), api_path, signed)
        if method == "GET":
            response = self.send("GET", api_path, params=signed)
        else:
            response = self.send("POST", api_path, data=signed)
        try:
            data: dict[str, Any] = response.json()
        except ValueError as exc:
            raise Rejected(f"HTTP {response.status_code}: {response.text[:200]}") from exc
        code = str(data.get("code", "0"))
        if code in RETRYABLE_CODES:
            raise Retryable(f"Lazada {code}: {data.get('message')}")
        if code != "0" or response.status_code >= 400:
            raise Rejected(f"Lazada {code}: {data.get('message', '')}")
        return data

    @staticmethod
    def product(payload: dict[str, Any], item_id: str | None = None) -> str:
        product: dict[str, Any] = {
            "PrimaryCategory": payload.get("category"),
            "Images": {"Image": payload["images"]},
            "Attributes": {
                "name": payload["name"],
                "description": payload["description"],
                "brand": payload["attributes"]["brand"],
            },
            "Skus": {
                "Sku": [
                    {
                        "SellerSku": payload["sku"],
                        "quantity": payload["stock"],
                        "price": payload["price_vnd"],
                        "package_weight": round((payload.get("weight_grams") or 0) / 1000, 3),
                    }
                ]
            },
        }
        if item_id:
            product["ItemId"] = item_id
        return json.dumps({"Request": {"Product": product}}, ensure_ascii=False)

    def create(self, payload: dict[str, Any]) -> CreateOutcome:
        data = self.call("POST", "/product/create", {"payload": self.product(payload)})
        return CreateOutcome(str(data["data"]["item_id"]))

    def find_by_sku(self, sku: str) -> CreateOutcome | None:
        data = self.call(
            "GET", "/products/get", {"filter": "all", "sku_seller_list": json.dumps([sku])}
        )
        products = (data.get("data") or {}).get("products") or []
        return CreateOutcome(str(products[0]["item_id"])) if products else None

    def update(self, external_id: str, payload: dict[str, Any]) -> None:
        self.call("POST", "/product/update", {"payload": self.product(payload, external_id)})

    def update_price_stock(self, items: list[PriceStock]) -> dict[str, str | None]:
        if len(items) > MAX_PRICE_SKUS:
            raise ValueError("Lazada takes at most 50 SKUs a call")
        skus = [
            {
                "ItemId": entry.external_id,
                "SellerSku": entry.sku,
                "Price": entry.price_vnd,
                "Quantity": entry.stock,
            }
            for entry in items
        ]
        payload = json.dumps({"Request": {"Product": {"Skus": {"Sku": skus}}}})
        data = self.call("POST", "/product/price_quantity/update", {"payload": payload})
        errors = {str(d.get("seller_sku")): str(d.get("message")) for d in data.get("detail") or []}
        return {entry.sku: errors.get(entry.sku) for entry in items}

    def delete(self, external_id: str, sku: str) -> None:
        self.call("POST", "/product/remove", {"seller_sku_list": json.dumps([sku])})

    def list_all(self) -> list[RemoteListing]:
        listings = []
        offset = 0
        while True:
            data = self.call(
                "GET", "/products/get", {"filter": "live", "offset": str(offset), "limit": "50"}
            )
            products = (data.get("data") or {}).get("products") or []
            for product in products:
                sku = (product.get("skus") or [{}])[0]
                listings.append(
                    RemoteListing(
                        str(product["item_id"]),
                        str(sku.get("SellerSku", "")),
                        sku.get("price"),
                        sku.get("quantity"),
                    )
                )
            if len(products) < 50:
                return listings
            offset += 50
