"""The address a request comes from, as the sign-in throttle counts it.

The portal signs readers in through the registry, so the registry sees the portal's address for
all of them; counted so, five failures through the portal would pause an account for everyone.
The portal therefore vouches for the reader's address in `X-OCOP-Client-Address`, with a MAC
under the key every service shares: the registry believes it without trusting any network
address, and nobody without the key can choose the address they are counted as.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from ocop_kit.settings import KitSettings

HEADER = "X-OCOP-Client-Address"


def _mac(settings: KitSettings, address: str) -> str:
    message = b"client-address:" + address.encode()
    return hmac.new(settings.signing_key().encode(), message, hashlib.sha256).hexdigest()


def vouch_for_client(settings: KitSettings, address: str) -> str:
    """The header value with which a service passes on the address of its own caller."""
    return f"{address} {_mac(settings, address)}"


def client_address(request: Request) -> str:
    """The vouched-for address if the MAC holds, else the connection's peer."""
    peer = request.client.host if request.client else "unknown"
    vouched = request.headers.get(HEADER, "")
    address, _, mac = vouched.rpartition(" ")
    settings: KitSettings = request.app.state.settings
    if address and hmac.compare_digest(mac.encode(), _mac(settings, address).encode()):
        return address[:64]
    return peer
