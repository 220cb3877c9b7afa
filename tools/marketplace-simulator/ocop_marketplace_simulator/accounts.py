"""The channels the simulator plays and the development seller accounts it knows.

Each channel answers under `/<code>` of the simulator's base URL (`channel_urls`). The
credentials are the development ones the service's built-in channel file carries, so `ocop up`
works with nothing configured (a test in the service checks the two agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dialect = Literal["shopee", "lazada", "tiki", "generic"]


@dataclass(frozen=True)
class SimulatedChannel:
    """One channel the simulator plays: its dialect and its shops' credentials by shop id."""

    code: str
    dialect: Dialect
    shops: dict[str, dict[str, str]]


SIMULATED_CHANNELS: tuple[SimulatedChannel, ...] = (
    SimulatedChannel(
        "postmart",
        "generic",
        {"ocop-vn": {"client_id": "ocop-postmart", "client_secret": "sim-postmart-secret"}},
    ),
    SimulatedChannel(
        "shopee",
        "shopee",
        {
            "220001": {
                "partner_id": "2001001",
                "partner_key": "sim-shopee-partner-key",
                "refresh_token": "sim-shopee-bootstrap-refresh",
            }
        },
    ),
    SimulatedChannel(
        "lazada",
        "lazada",
        {
            "VN1OCOP": {
                "app_key": "100001",
                "app_secret": "sim-lazada-app-secret",
                "access_token": "sim-lazada-access-token",
            }
        },
    ),
    SimulatedChannel(
        "tiki",
        "tiki",
        {"tiki-ocop": {"client_id": "sim-tiki-client", "client_secret": "sim-tiki-secret"}},
    ),
    SimulatedChannel(
        "sendo",
        "generic",
        {"ocop-vn": {"client_id": "ocop-sendo", "client_secret": "sim-sendo-secret"}},
    ),
    SimulatedChannel(
        "provincial",
        "generic",
        {"ocop-vn": {"client_id": "ocop-provincial", "client_secret": "sim-provincial-secret"}},
    ),
)


def channel_urls(base_url: str) -> dict[str, str]:
    """Each simulated channel's base URL on a simulator answering at `base_url` — the value of
    the sync service's `OCOP_CHANNEL_BASE_URLS` that points it at the simulator."""
    root = base_url.rstrip("/")
    return {channel.code: f"{root}/{channel.code}" for channel in SIMULATED_CHANNELS}
