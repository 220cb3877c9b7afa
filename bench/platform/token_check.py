"""What checking a token costs, with and without the account's token version.

`decode_token` of an `ocop token` token (no version), and of an account's token with the shared
store read on every call (cache 0 s) or through the default 1 s cache; the store is the SQLite
file of the embedded default and Redis (`OCOP_BENCH_REDIS_URL`, default redis://127.0.0.1:6379/15).

`.venv/bin/python bench/platform/token_check.py`
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import percentiles

from ocop_kit.auth import decode_token, issue_token
from ocop_kit.revocation import TokenVersions
from ocop_kit.settings import KitSettings

ROUNDS = 5000


def microseconds_per_check(versions: TokenVersions, settings: KitSettings, token: str) -> dict:
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        decode_token(settings, versions, token)
        samples.append((time.perf_counter() - started) * 1e6)
    return percentiles(samples)


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as data_dir:
        for store, broker in (
            ("sqlite", None),
            ("redis", os.environ.get("OCOP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")),
        ):
            base = KitSettings(data_dir=Path(data_dir), broker_url=broker, secret_key="k" * 40)
            account_token = issue_token(base, "admin", subject="account-1", token_version=3)
            script_token = issue_token(base, "admin", subject="script")
            for cache in (0.0, 1.0):
                settings = base.model_copy(update={"token_revocation_cache_seconds": cache})
                versions = TokenVersions(settings)
                versions.publish({"account-1": 3})
                results[f"{store}, account token, cache {cache:g} s"] = microseconds_per_check(
                    versions, settings, account_token
                )
            results[f"{store}, token of no account"] = microseconds_per_check(
                TokenVersions(base), base, script_token
            )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
