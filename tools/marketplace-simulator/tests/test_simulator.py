"""The simulator on its own: where it answers, what its reset requires, and that it is its
own package (it imports no service: its signature checks are its own code)."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi.testclient import TestClient

from ocop_marketplace_simulator import SimConfig, channel_urls, create_simulator

PACKAGE = Path(__file__).resolve().parents[1] / "ocop_marketplace_simulator"


def test_each_channel_answers_under_its_code():
    urls = channel_urls("http://127.0.0.1:9/")
    assert urls["shopee"] == "http://127.0.0.1:9/shopee"
    assert urls["lazada"] == "http://127.0.0.1:9/lazada"
    assert "voso" not in urls  # Voso has no seller API to stand in for
    client = TestClient(create_simulator(SimConfig()))
    wrong = client.post("/shopee/api/v2/auth/access_token/get", params={"partner_id": "0"})
    assert wrong.json()["error"] == "error_param"


def test_the_simulators_reset_needs_its_admin_key() -> None:
    without_key = TestClient(create_simulator(SimConfig()))
    assert without_key.post("/_sim/reset").status_code == 403
    assert without_key.post("/_sim/reset", headers={"X-Sim-Admin-Key": ""}).status_code == 403
    keyed = TestClient(create_simulator(SimConfig(admin_key="sim-admin-key")))
    assert keyed.post("/_sim/reset", headers={"X-Sim-Admin-Key": "guess"}).status_code == 403
    answer = keyed.post("/_sim/reset", headers={"X-Sim-Admin-Key": "sim-admin-key"})
    assert answer.json() == {"status": "reset"}


def test_the_simulator_imports_no_service():
    imported = set()
    for file in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    ours = {name for name in imported if name.startswith("ocop_")}
    assert ours <= {"ocop_marketplace_simulator", "ocop_kit", "ocop_contracts"}
