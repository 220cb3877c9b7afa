"""What a product page tells search engines and chat apps: schema.org JSON-LD and Open Graph.

Pure functions of the product as the registry gives it and the shops as marketplace-sync gives
them, so their content is tested directly.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from ocop_portal.photos import photo_url


def absolute_url(base_url: str, address: str) -> str:
    """`/static/x.svg` → `https://portal.example/static/x.svg`; absolute addresses stay."""
    return urljoin(base_url.rstrip("/") + "/", address)


def product_summary(product: dict[str, Any], lang: str = "vi") -> str:
    """One sentence for link previews: the description, else stars, producer and place."""
    description = str(product.get("description") or "").strip()
    if description:
        return description if len(description) <= 200 else description[:197].rstrip() + "…"
    certificate = product.get("certificate") or {}
    producer = (product.get("producer") or {}).get("name") or ""
    place = (product.get("address") or {}).get("province_name") or ""
    stars = certificate.get("stars")
    if lang == "en":
        head = f"{stars}-star OCOP product" if stars else "OCOP product"
        return ", ".join(part for part in (head, producer, place) if part) + "."
    head = f"Sản phẩm OCOP {stars} sao" if stars else "Sản phẩm OCOP"
    return ", ".join(part for part in (head, producer, place) if part) + "."


def product_json_ld(
    product: dict[str, Any],
    shops: list[dict[str, Any]] | None,
    page_url: str,
    base_url: str,
) -> dict[str, Any]:
    """A schema.org `Product`: name, image, brand (the producer), the OCOP rating as a property,
    and an `Offer` per marketplace with its price in VND (or the reference price when no
    marketplace lists one)."""
    producer = product.get("producer") or {}
    certificate = product.get("certificate") or {}
    images = [absolute_url(base_url, image) for image in product.get("images") or [] if image]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": page_url,
        "url": page_url,
        "name": product.get("name"),
        "image": images or [absolute_url(base_url, photo_url([], "page"))],
    }
    if product.get("description"):
        data["description"] = product["description"]
    if product.get("barcode"):
        data["gtin"] = product["barcode"]
    if producer.get("name"):
        data["brand"] = {"@type": "Brand", "name": producer["name"]}
        data["manufacturer"] = {"@type": "Organization", "name": producer["name"]}
    if certificate.get("stars") and certificate.get("status") in ("valid", "expiring"):
        data["additionalProperty"] = [
            {
                "@type": "PropertyValue",
                "name": "OCOP",
                "value": int(certificate["stars"]),
                "unitText": "sao / stars",
                "description": certificate.get("decision_no") or None,
            }
        ]
    offers = [
        {
            "@type": "Offer",
            "url": shop["url"],
            "price": shop["price_vnd"],
            "priceCurrency": "VND",
            "availability": "https://schema.org/InStock",
            "seller": {"@type": "Organization", "name": shop["name"]},
        }
        for shop in shops or []
        if shop.get("url") and shop.get("price_vnd")
    ]
    if not offers and product.get("price_vnd"):
        offers = [
            {
                "@type": "Offer",
                "url": page_url,
                "price": product["price_vnd"],
                "priceCurrency": "VND",
            }
        ]
    if offers:
        data["offers"] = offers
    return _without_empty(data)


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def json_for_script(data: Any) -> str:
    """JSON safe inside `<script type="application/ld+json">`: no `</script>` or `<!--` can end
    or bend the block, whatever a product's name says."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
