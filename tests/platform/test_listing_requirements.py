"""The registry's copy of what each marketplace channel requires (for the office's to-do list
of products declared online but not listed) agrees with marketplace-sync's channel settings."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYNC_CHANNELS = ROOT / "services/marketplace-sync/ocop_marketplace_sync/channels/channels.json"
REGISTRY_COPY = ROOT / "services/registry/ocop_registry/stats/listing_requirements.json"


def test_registry_mirrors_each_channels_required_fields_and_categorised_groups():
    channels = json.loads(SYNC_CHANNELS.read_text(encoding="utf-8"))["channels"]
    expected = {
        channel["code"]: {
            "required_fields": channel["required_fields"],
            "categorised_groups": sorted(
                {code.split(".")[0] for code in channel.get("category_map", {})}
            ),
        }
        for channel in channels
    }
    assert json.loads(REGISTRY_COPY.read_text(encoding="utf-8"))["channels"] == expected
