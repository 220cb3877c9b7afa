"""The photo rules alone (no HTTP, no database): hostile bytes are refused with a reason, never
with an unexpected error, and a good photo keeps its pixels but none of its metadata."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ocop_registry.photos.images import PhotoRefused, PreparedPhoto, prepare_photo


def sample(fmt: str) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (200, 150), (10, 120, 200))
    image.paste((250, 250, 250), (20, 20, 80, 60))
    image.save(out, format=fmt)
    return out.getvalue()


SAMPLES = {fmt: sample(fmt) for fmt in ("JPEG", "PNG", "WEBP")}


@settings(max_examples=300, deadline=None)
@given(
    fmt=st.sampled_from(sorted(SAMPLES)),
    cut=st.integers(min_value=0, max_value=2000),
    noise=st.binary(max_size=200),
    at=st.integers(min_value=0, max_value=2000),
)
def test_damaged_photos_are_refused_with_a_reason_or_read(fmt, cut, noise, at):
    good = SAMPLES[fmt]
    damaged = good[: max(cut, 12)] + noise + good[at:]
    try:
        prepared = prepare_photo(damaged)
    except PhotoRefused as refused:
        assert refused.message_vi and refused.message_en
        assert refused.reason in ("unsupported_type", "too_many_pixels", "too_small", "unreadable")
    else:
        assert isinstance(prepared, PreparedPhoto)
        assert Image.open(io.BytesIO(prepared.original)).getexif() == {}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_a_good_photo_keeps_its_size_and_colours(fmt):
    prepared = prepare_photo(SAMPLES[fmt])
    kept = Image.open(io.BytesIO(prepared.original)).convert("RGB")
    assert kept.size == (200, 150) == (prepared.width, prepared.height)
    red, green, blue = kept.getpixel((150, 100))
    assert abs(red - 10) < 12 and abs(green - 120) < 12 and abs(blue - 200) < 12
    assert {
        name: Image.open(io.BytesIO(data)).size for name, data in prepared.thumbnails.items()
    } == {
        "medium": (200, 150),
        "thumb": (200, 150),
    }
