"""Request signatures of each dialect: pure functions the adapters sign with. (The simulator
checks signatures with its own code; tests/test_signing.py holds both to the same vectors.)"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# Shopee rejects a request whose timestamp is more than five minutes from its clock.
SHOPEE_TIMESTAMP_TOLERANCE_SECONDS = 300


def _hmac_sha256(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def shopee_sign(
    partner_key: str,
    partner_id: str,
    api_path: str,
    timestamp: int,
    access_token: str = "",
    shop_id: str = "",
) -> str:
    """Shopee Open Platform v2: HMAC-SHA256, lowercase hex, over
    partner_id + api path + timestamp (+ access_token + shop_id for shop APIs)."""
    base = f"{partner_id}{api_path}{timestamp}{access_token}{shop_id}"
    return _hmac_sha256(partner_key, base)


def lazada_sign(app_secret: str, api_path: str, params: Mapping[str, str]) -> str:
    """Lazada Open Platform: every parameter but `sign`, sorted by name, concatenated as
    name+value after the API path; HMAC-SHA256 with the app secret, uppercase hex."""
    body = "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign")
    return _hmac_sha256(app_secret, api_path + body).upper()


def generic_sign(secret: str, method: str, path: str, timestamp: int, body: bytes) -> str:
    """Our generic signed-JSON dialect (Postmart, Sendo, provincial sites): HMAC-SHA256 hex over
    method, path, timestamp and the SHA-256 of the body, one per line."""
    digest = hashlib.sha256(body).hexdigest()
    return _hmac_sha256(secret, f"{method.upper()}\n{path}\n{timestamp}\n{digest}")
