"""What a product lacks to be listed on the channels its producer declared (pure).

Mirrors marketplace-sync's rule: a product is listed on a channel it chose while its
certificate is valid or expiring, once the channel's required fields are filled and the channel
has a category for its group (`listing_requirements.json` copies the sync service's settings).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from ocop_contracts import top_level_group

DATA_FILE = Path(__file__).parent / "listing_requirements.json"
# What the office reads in the to-do list, in this order.
LACKS_ORDER = ("certificate", "images", "weight_grams", "description", "price_vnd", "category")


class ChannelRequirements(BaseModel):
    required_fields: list[str]
    categorised_groups: list[str]


class ListingRequirements(BaseModel):
    version: str
    source: str
    channels: dict[str, ChannelRequirements]


@lru_cache(maxsize=1)
def listing_requirements() -> ListingRequirements:
    """The channels' requirements, read once from the versioned data file."""
    return ListingRequirements.model_validate(json.loads(DATA_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ListingFacts:
    """What the registry holds about a product that decides whether it can be listed."""

    group: str
    public: bool  # a valid or expiring, unrevoked certificate
    images: Sequence[str]
    weight_grams: int | None
    description: str | None
    price_vnd: int | None


def lacks_for_channel(product: ListingFacts, channel: str) -> list[str]:
    """What keeps the product off `channel` (empty when nothing the registry holds does)."""
    requirements = listing_requirements().channels.get(channel)
    lacks = [] if product.public else ["certificate"]
    if requirements is None:
        return lacks
    for name in requirements.required_fields:
        if name == "category":
            if top_level_group(product.group) not in requirements.categorised_groups:
                lacks.append("category")
        elif name in ("price_vnd", "weight_grams"):
            value = getattr(product, name)
            if not isinstance(value, int) or value <= 0:
                lacks.append(name)
        elif not getattr(product, name):
            lacks.append(name)
    return sorted(lacks, key=LACKS_ORDER.index)
