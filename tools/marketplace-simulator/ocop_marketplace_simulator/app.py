"""Marketplace seller-API simulator: Shopee-, Lazada- and Tiki-style dialects and the generic
signed-JSON one, each channel under `/<code>` (`/shopee`, `/lazada`, `/tiki`, `/postmart`,
`/sendo`, `/provincial`; see `accounts.py`).

It verifies signatures (with its own code, `signatures.py`), timestamps and tokens, allows
`--rate-limit` requests in any sliding second per channel and shop (429 + Retry-After above it),
fails `--error-rate` of the requests (5xx, or — on creates — creating the listing and then not
answering in time), and rejects `--reject-rate` of the products for content reasons (always the
same products: the choice is a hash of the SKU). Like the real platforms it does not stop a
second listing with the same SKU on Shopee or the generic sites. `GET /_sim/listings` lists what
it holds; `GET /_sim/stats` counts requests, 429s and faults; `GET /_sim/calls` is the log of
calls (channel, path, time, status). One channel can be made slower or stricter than the others
(`--channel-delay shopee=0.5`, `--channel-rate-limit shopee=2`). `POST /_sim/reset` forgets
everything, for a caller sending `X-Sim-Admin-Key` equal to `--admin-key` (or
`OCOP_SIM_ADMIN_KEY`); without a key it is refused.

`python -m ocop_marketplace_simulator --port Q [--error-rate F] [--rate-limit N]
[--reject-rate R]`
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import os
import random
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request, Response

from ocop_marketplace_simulator.accounts import SIMULATED_CHANNELS
from ocop_marketplace_simulator.generic import generic_app
from ocop_marketplace_simulator.lazada import lazada_app
from ocop_marketplace_simulator.shopee import shopee_app
from ocop_marketplace_simulator.state import SimConfig, SimState
from ocop_marketplace_simulator.tiki import tiki_app

# --- the whole simulator -------------------------------------------------------------------------

DIALECT_APPS: dict[str, Callable[[SimState, str, dict[str, dict[str, str]]], FastAPI]] = {
    "shopee": shopee_app,
    "lazada": lazada_app,
    "tiki": tiki_app,
    "generic": generic_app,
}


def create_simulator(config: SimConfig | None = None) -> FastAPI:
    """The simulator app: every simulated channel under `/<code>`, plus `/_sim/*` inspection."""
    config = config or SimConfig()
    state = SimState(config, random.Random(config.seed))
    app = FastAPI(title="OCOP Hub — marketplace simulator")
    app.state.sim = state
    prefixes = channel_prefixes()

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

    for channel in SIMULATED_CHANNELS:
        app.mount(
            f"/{channel.code}", DIALECT_APPS[channel.dialect](state, channel.code, channel.shops)
        )
    return app


def channel_prefixes() -> list[tuple[str, str]]:
    """(path prefix, channel code) of every simulated channel, longest prefix first."""
    return sorted(
        ((f"/{c.code}", c.code) for c in SIMULATED_CHANNELS), key=lambda item: -len(item[0])
    )


def channel_of(prefixes: list[tuple[str, str]], path: str) -> str | None:
    """The channel a request path belongs to (None: not a channel's path)."""
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
        self.prefixes = channel_prefixes()

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
    """`ocop simulate-marketplace` / `python -m ocop_marketplace_simulator`."""
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
