"""The simulator's own signature checks, written from each platform's documentation.

Deliberately not the adapters' signing code: were the adapters to sign wrongly, a simulator
sharing their code would accept the wrong signature too, and every test would pass. Both are
checked against the same fixed vectors (services/marketplace-sync/tests/test_signing.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# Shopee and Lazada refuse a request whose timestamp is more than five minutes off their clock.
TIMESTAMP_TOLERANCE_SECONDS = 300


def _hmac_sha256_hex(key: str, message: str) -> str:
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def shopee_expected(
    partner_key: str,
    partner_id: str,
    path: str,
    timestamp: int,
    access_token: str = "",
    shop_id: str = "",
) -> str:
    """Shopee Open Platform v2: the base string is partner_id, API path and timestamp, then
    access_token and shop_id for shop-level APIs; HMAC-SHA256 with the partner key, lower hex."""
    parts = [partner_id, path, str(timestamp)]
    if access_token or shop_id:
        parts += [access_token, shop_id]
    return _hmac_sha256_hex(partner_key, "".join(parts))


def lazada_expected(app_secret: str, api_name: str, params: Mapping[str, str]) -> str:
    """Lazada Open Platform, in the documentation's five steps: sort the parameters (all but
    `sign`) by name, join each name with its value, put the API name in front, HMAC-SHA256 with
    the app secret, upper-case hex."""
    ordered = sorted((name, value) for name, value in params.items() if name != "sign")
    joined = "".join(name + value for name, value in ordered)
    return _hmac_sha256_hex(app_secret, api_name + joined).upper()


def generic_expected(secret: str, method: str, path: str, timestamp: int, body: bytes) -> str:
    """Our generic signed-JSON dialect: HMAC-SHA256 hex over four lines — the upper-case
    method, the path, the timestamp and the hex SHA-256 of the body."""
    lines = [method.upper(), path, str(timestamp), hashlib.sha256(body).hexdigest()]
    return _hmac_sha256_hex(secret, "\n".join(lines))


def matches(given: str | None, expected: str) -> bool:
    """A signature as sent against the one expected, compared in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
