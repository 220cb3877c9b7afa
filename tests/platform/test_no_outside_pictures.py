"""Pictures come from our own media store: no address of an outside picture service anywhere
(they break offline and show random stock photos online)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = ("picsum.photos", "unsplash.com", "placehold.it", "placehold.co", "placeholder.com")


def test_no_file_points_at_an_outside_picture_service():
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    found = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path == Path(__file__) or path.suffix in (".webp", ".png", ".jpg") or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore").lower()
        found += [f"{name.decode()}: {host}" for host in OUTSIDE if host in text]
    assert found == [], found
