"""The pure rules: channel configuration, payload mapping, completeness, hashes, planning."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sync_factories import make_product
from tenacity import RetryCallState, Retrying

from ocop_contracts import CHANNEL_CODES, PRODUCT_GROUP_CODES
from ocop_marketplace_sync.adapters.base import Rejected, Retryable, RetryPolicy
from ocop_marketplace_sync.channels.config import load_channels
from ocop_marketplace_sync.listings.desired import (
    desired_listing,
    only_price_or_stock_changed,
    wants_listing,
)
from ocop_marketplace_sync.settings import Settings


@pytest.fixture
def channels(tmp_path: Path):
    return load_channels(Settings(data_dir=tmp_path))


def test_every_channel_code_is_configured_with_known_product_groups(channels):
    assert set(channels) == set(CHANNEL_CODES)
    for channel in channels.values():
        assert {group.split(".")[0] for group in channel.category_map} <= set(PRODUCT_GROUP_CODES)
    assert channels["voso"].mode == "bulk_file"
    assert channels["lazada"].batch_price_size == 50


def test_channel_urls_and_the_rate_cap_come_from_the_settings(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        channel_base_urls={"shopee": "http://sim:9/shopee/", "tiki": "https://tiki.example"},
        channel_rate_limit_cap=5,
    )
    channels = load_channels(settings)
    assert channels["shopee"].base_url == "http://sim:9/shopee"
    assert channels["tiki"].base_url == "https://tiki.example"
    assert channels["lazada"].base_url == "https://api.lazada.vn/rest"  # the file's own
    assert channels["shopee"].rate_limit_per_second == 5
    assert channels["lazada"].rate_limit_per_second == 5
    assert channels["voso"].rate_limit_per_second == 1  # a cap never raises a rate
    assert channels["voso"].base_url is None
    uncapped = load_channels(Settings(data_dir=tmp_path))
    assert uncapped["lazada"].rate_limit_per_second == 50


def test_product_missing_weight_and_image_is_blocked_with_both_listed(channels):
    product = make_product(channels=["shopee"], weight_grams=None, images=[])
    desired = desired_listing(product, channels["shopee"])
    assert desired.missing == ["images", "weight_grams"]


def test_group_without_a_category_on_the_channel_is_missing_its_category(channels):
    product = make_product(channels=["shopee"], group="du_lich")
    assert desired_listing(product, channels["shopee"]).missing == ["category"]
    assert desired_listing(product, channels["provincial"]).missing == []


def test_sub_group_falls_back_to_its_top_level_group_category(channels):
    product = make_product(channels=["lazada"], group="thuc_pham.nong_san")
    assert desired_listing(product, channels["lazada"]).payload["category"] == "10000358"


def test_payload_hash_is_stable_and_changes_with_the_price(channels):
    product = make_product(channels=["lazada"])
    first = desired_listing(product, channels["lazada"])
    assert desired_listing(product, channels["lazada"]).payload_hash == first.payload_hash
    cheaper = product.model_copy(update={"price_vnd": 99_000})
    changed = desired_listing(cheaper, channels["lazada"])
    assert changed.payload_hash != first.payload_hash
    assert only_price_or_stock_changed(first.payload, changed.payload)
    renamed = desired_listing(product.model_copy(update={"name": "Khác"}), channels["lazada"])
    assert not only_price_or_stock_changed(first.payload, renamed.payload)


def test_stock_sent_is_absolute_from_the_snapshot_when_given(channels):
    product = make_product(channels=["lazada"], stock_quantity=37)
    assert desired_listing(product, channels["lazada"]).payload["stock"] == 37


def test_only_valid_or_expiring_certificates_on_chosen_channels_are_wanted():
    assert wants_listing(make_product(channels=["tiki"]), "tiki")
    assert wants_listing(make_product(channels=["tiki"], status="expiring"), "tiki")
    assert not wants_listing(make_product(channels=["tiki"]), "shopee")
    for status in ("expired", "revoked", None):
        assert not wants_listing(make_product(channels=["tiki"], status=status), "tiki")


def _state_after(exc: BaseException, attempt: int = 1) -> RetryCallState:
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, None))
    return state


def test_backoff_waits_at_least_what_retry_after_asks():
    policy = RetryPolicy(attempts=3, base_seconds=0.01, max_seconds=1)
    assert policy.wait(_state_after(Retryable("429", retry_after=2.5))) >= 2.5
    assert policy.wait(_state_after(Retryable("503"))) < 0.1


def test_rejections_are_never_retried_and_transient_failures_are():
    policy = RetryPolicy(attempts=4, base_seconds=0.001, max_seconds=0.01)
    calls: list[str] = []

    def refuse() -> None:
        calls.append("x")
        raise Rejected("HTTP 400 bad category")

    with pytest.raises(Rejected):
        policy.call(refuse)
    assert len(calls) == 1

    def flaky() -> str:
        calls.append("y")
        if calls.count("y") < 3:
            raise Retryable("HTTP 503")
        return "ok"

    assert policy.call(flaky) == "ok"
    assert calls.count("y") == 3


def test_backoff_grows_exponentially_and_is_capped():
    from ocop_marketplace_sync.listings.transitions import backoff_delay

    assert backoff_delay(1, 1, 60) == timedelta(seconds=2)
    assert backoff_delay(3, 1, 60) == timedelta(seconds=8)
    assert backoff_delay(30, 1, 60) == timedelta(seconds=60)
