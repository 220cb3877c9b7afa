"""The channel configuration file: its schema, its loader and the settings that override it."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ocop_contracts import CHANNEL_CODES, PRODUCT_GROUP_CODES, top_level_group
from ocop_marketplace_sync.settings import Settings

BUILT_IN = Path(__file__).with_name("channels.json")
RequiredField = Literal["category", "price_vnd", "images", "weight_grams", "description"]
Dialect = Literal["shopee", "lazada", "tiki", "generic", "bulk_file"]


class Shop(BaseModel):
    """One seller account on a channel; `province_codes` routes a province's products to it."""

    shop_id: str
    name: str
    province_codes: list[str] = []
    credentials: dict[str, str] = {}

    def credential(self, key: str) -> str:
        """A credential value; `env:NAME` values are read from the environment."""
        value = self.credentials.get(key, "")
        if value.startswith("env:"):
            return os.environ.get(value.removeprefix("env:"), "")
        return value


class Channel(BaseModel):
    code: str
    name: str
    mode: Literal["api", "bulk_file"]
    dialect: Dialect
    base_url: str | None
    rate_limit_per_second: float = Field(gt=0)
    batch_price_size: int = Field(ge=1, description="SKUs per price/stock call the dialect allows")
    default_stock: int = Field(ge=0)
    required_fields: list[RequiredField]
    category_map: dict[str, str]
    attribute_map: dict[str, str] = {}
    shops: list[Shop] = Field(min_length=1)
    listing_url: str | None = Field(
        default=None,
        description="Where shoppers see a listed product: {shop_id}, {item_id}, {slug}.",
    )
    listing_url_source: str = ""

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value not in CHANNEL_CODES:
            raise ValueError(f"unknown channel code {value}")
        return value

    @field_validator("category_map")
    @classmethod
    def _known_groups(cls, value: dict[str, str]) -> dict[str, str]:
        for group in value:
            if top_level_group(group) not in PRODUCT_GROUP_CODES:
                raise ValueError(f"unknown product group {group}")
        return value

    def category_for(self, group: str) -> str | None:
        """The channel's category for a product group (sub-group first, then its top group)."""
        return self.category_map.get(group) or self.category_map.get(top_level_group(group))

    def shop_for(self, province_code: str | None) -> Shop:
        for shop in self.shops:
            if province_code and province_code in shop.province_codes:
                return shop
        return self.shops[0]

    def listing_page(self, shop_id: str, item_id: str | None, name: str = "") -> str | None:
        """The shopper's page of a listing on this channel, or None where it cannot be known."""
        if not self.listing_url or not item_id:
            return None
        return self.listing_url.format(shop_id=shop_id, item_id=item_id, slug=name_slug(name))

    def shop(self, shop_id: str) -> Shop:
        for shop in self.shops:
            if shop.shop_id == shop_id:
                return shop
        raise KeyError(shop_id)


def name_slug(name: str) -> str:
    """`Nước mắm Hải Đông` → `nuoc-mam-hai-dong`, as marketplaces write names in addresses."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "san-pham"


class ChannelFile(BaseModel):
    version: str
    note: str = ""
    channels: list[Channel]


@cache
def _read(path: Path) -> ChannelFile:
    return ChannelFile.model_validate(json.loads(path.read_text(encoding="utf-8")))


def load_channels(settings: Settings) -> dict[str, Channel]:
    """The configured channels by code, with base URLs and the rate cap from the settings."""
    channels = {}
    for channel in _read(settings.channels_file or BUILT_IN).channels:
        update: dict[str, object] = {}
        if channel.code in settings.channel_base_urls:
            update["base_url"] = settings.channel_base_urls[channel.code].rstrip("/")
        if settings.channel_rate_limit_cap is not None:
            update["rate_limit_per_second"] = min(
                channel.rate_limit_per_second, settings.channel_rate_limit_cap
            )
        channels[channel.code] = channel.model_copy(update=update)
    return channels
