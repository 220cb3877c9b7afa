"""The deployment files start processes that exist: every module they name can be imported,
and every service has its API and worker in each of them. (No Docker engine runs on our build
machines, so the files themselves are not run here.)"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "ocop_portal",
    "ocop_registry",
    "ocop_evaluation",
    "ocop_marketplace_sync",
    "ocop_search",
}


def commands_in(text: str) -> list[str]:
    return re.findall(r"python -m (\S+) (\w+)", text.replace('", "', " ").replace('"', ""))


def test_compose_runs_an_api_and_a_worker_of_every_service_plus_relay_and_beat():
    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())
    commands = {" ".join(service.get("command", [])) for service in compose["services"].values()}
    for package in PACKAGES:
        assert any(c.startswith(f"python -m {package} api") for c in commands), package
        assert f"python -m {package} worker" in commands, package
    assert any(c.startswith("python -m ocop_kit.relay") for c in commands)
    assert "python -m ocop_kit.beat" in commands


def test_every_module_named_by_a_deployment_file_exists():
    texts = [
        (ROOT / "deploy/Procfile").read_text(),
        (ROOT / "deploy/k8s/ocop-hub.yaml").read_text(),
    ]
    named = {module for text in texts for module, _ in commands_in(text)}
    assert named >= PACKAGES
    for module in named:
        assert importlib.util.find_spec(module) is not None, module


def test_kubernetes_manifests_scale_apis_and_workers_and_run_one_scheduler():
    docs = list(yaml.safe_load_all((ROOT / "deploy/k8s/ocop-hub.yaml").read_text()))
    scaled = {
        d["spec"]["scaleTargetRef"]["name"] for d in docs if d["kind"] == "HorizontalPodAutoscaler"
    }
    for package in PACKAGES:
        name = package.removeprefix("ocop_").replace("_", "-")
        assert {name, f"{name}-worker"} <= scaled
    [beat] = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "beat"]
    assert beat["spec"]["replicas"] == 1
