"""Demo data: the demo sheet is imported through the registry's public import API."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from ocop_kit.auth import issue_token
from ocop_kit.settings import KitSettings

DEMO_SHEET = Path(__file__).parent / "demo" / "ocop-demo.csv"


def load_demo(data_dir: Path, urls: dict[str, str], timeout: float = 120.0) -> str:
    """Import the demo sheet once per data dir; returns a line saying what happened."""
    marker = data_dir / "demo-loaded"
    if marker.exists():
        return "Demo data: already loaded."
    if not DEMO_SHEET.exists():
        return "Demo data: none shipped yet."
    token = issue_token(KitSettings(data_dir=data_dir), "admin", subject="demo-loader")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=urls["registry"], headers=headers, timeout=30.0) as client:
        response = client.post(
            "/v1/imports", files={"file": (DEMO_SHEET.name, DEMO_SHEET.read_bytes(), "text/csv")}
        )
        if response.status_code == 404:
            return "Demo data: the registry has no import endpoint yet."
        response.raise_for_status()
        import_id = response.json()["id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = client.get(f"/v1/imports/{import_id}").json()
            if status["status"] in ("done", "completed", "failed"):
                marker.write_text(import_id)
                return (
                    f"Demo data: {status['rows_imported']} of {status['rows_total']} rows "
                    f"imported ({len(status['errors'])} errors)."
                )
            time.sleep(0.5)
    return "Demo data: the import is still running; see GET /v1/imports/" + import_id
