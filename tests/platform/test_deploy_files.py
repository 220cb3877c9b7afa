"""The deployment files start processes that exist: every module they name can be imported,
and every service has its API and worker in each of them; the real tools accept the files; every
process gets the variables its settings need in production, and secrets come only from the
secret store, never with a default. (No Docker engine or cluster runs on our build machines, so
the files are validated, not run.)"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from pydantic import AliasChoices

from ocop_cli.supervisor import plan_children
from ocop_contracts import SERVICES_WITH_JOBS
from ocop_kit.settings import KitSettings
from ocop_kit.testing import unavailable

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


def test_a_service_with_long_jobs_has_a_jobs_worker_in_every_deployment():
    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())
    manifests = yaml.safe_load_all((ROOT / "deploy/k8s/ocop-hub.yaml").read_text())
    started = {
        "compose": {" ".join(s.get("command", [])) for s in compose["services"].values()},
        "procfile": set((ROOT / "deploy/Procfile").read_text().splitlines()),
        "kubernetes": {
            " ".join(container["args"])
            for d in manifests
            if d["kind"] == "Deployment"
            for container in d["spec"]["template"]["spec"]["containers"]
        },
        "ocop up": {" ".join(child.argv[1:]) for child in plan_children(8000, False)},
    }
    assert SERVICES_WITH_JOBS
    for service in SERVICES_WITH_JOBS:
        jobs = f"-m ocop_{service} worker --jobs"
        for where, commands in started.items():
            assert any(c.endswith(jobs) for c in commands), (where, service)


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


# The deployment files are read by the real tools, as an operator's machine would: the compose
# file by `docker compose config` (or Debian's `docker-compose`), the Kubernetes manifests by
# kubernetes-validate's offline schemas of the cluster version we target. `make deploy-tools`
# installs the compose tool; requirements-dev.txt brings kubernetes-validate.
KUBERNETES_VERSION = "1.35.0"
SETTINGS: dict[str, type[KitSettings]] = {
    package: importlib.import_module(f"{package}.settings").Settings for package in PACKAGES
}
SETTINGS["ocop_kit"] = KitSettings  # the relay and the scheduler
COMPOSE = ROOT / "deploy/docker-compose.yml"
K8S = ROOT / "deploy/k8s/ocop-hub.yaml"


def env_names(settings: type[KitSettings], field: str) -> set[str]:
    """The environment variables that set one field of a settings class."""
    alias = settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return {choice for choice in alias.choices if isinstance(choice, str)}
    if isinstance(alias, str):
        return {alias}
    return {f"OCOP_{field.upper()}"}


def variables_read() -> set[str]:
    return {
        name
        for settings in SETTINGS.values()
        for field in settings.model_fields
        for name in env_names(settings, field)
    }


def unset_required(settings: type[KitSettings], environment: set[str]) -> list[str]:
    """The required fields of `settings` that none of their variables sets in `environment`."""
    return sorted(
        field for field in settings.DEPLOY_REQUIRED if not env_names(settings, field) & environment
    )


def settings_of(command: list[str] | str) -> list[type[KitSettings]]:
    """The settings classes of the process a command starts (the migration job: every service)."""
    text = " ".join(command) if isinstance(command, list) else command
    named = [p for p in SETTINGS if re.search(rf"python -m {re.escape(p)}[\s.]", text + " ")]
    if not named and "ocop_$s migrate" in text:
        named = sorted(PACKAGES)
    return [SETTINGS[p] for p in named]


def secret_variables() -> set[str]:
    return {
        name
        for settings in SETTINGS.values()
        for field in settings.SECRETS
        for name in env_names(settings, field)
    }


def test_no_secret_setting_has_a_default_value():
    for settings in SETTINGS.values():
        for field in settings.SECRETS:
            info = settings.model_fields[field]
            assert info.default is None and info.default_factory is None, (settings, field)


def compose_tool() -> list[str]:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    unavailable("docker compose or docker-compose", "run `make deploy-tools`")
    raise AssertionError("unreachable")


def compose_config(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*compose_tool(), "-f", str(COMPOSE), "config"],
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
    )


REQUIRED_IN_COMPOSE = sorted(set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text())))


def test_compose_file_is_valid_and_every_process_gets_what_it_needs():
    placeholders = {name: f"placeholder-{name.lower()}" for name in REQUIRED_IN_COMPOSE}
    placeholders["OCOP_PUBLIC_BASE_URL"] = "https://ocop.example.gov.vn"
    answer = compose_config(placeholders)
    assert answer.returncode == 0, answer.stderr
    services = yaml.safe_load(answer.stdout)["services"]
    ocop_processes = 0
    for name, service in services.items():
        environment = service.get("environment") or {}
        for settings in settings_of(service.get("command") or []):
            ocop_processes += 1
            assert unset_required(settings, set(environment)) == [], name
            assert environment["OCOP_ENVIRONMENT"] == "production", name
            assert "OCOP_DEV_SIGN_IN" not in environment, name
            ours = {v for v in environment if v.startswith(("OCOP_", "MEILI_"))}
            assert ours <= variables_read(), (name, ours - variables_read())
    assert ocop_processes >= 2 * len(PACKAGES) + 2


def test_compose_secrets_have_no_default_and_the_tool_refuses_to_run_without_them():
    raw = yaml.safe_load(COMPOSE.read_text())["x-ocop"]["environment"]
    for variable in secret_variables() & set(raw):
        value = str(raw[variable])
        assert re.search(r"\$\{\w+:\?", value) and ":-" not in value, (variable, value)
    placeholders = {name: "placeholder" for name in REQUIRED_IN_COMPOSE}
    for name in REQUIRED_IN_COMPOSE:
        missing = {k: v for k, v in placeholders.items() if k != name}
        answer = compose_config(missing)
        assert answer.returncode != 0 and name in answer.stderr, (name, answer.stderr[-300:])


def kubernetes_validate(path: Path) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("kubernetes_validate") is None:
        unavailable("kubernetes-validate", "install requirements-dev.txt (`make setup`)")
    return subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", KUBERNETES_VERSION,
         str(path)],
        capture_output=True,
        text=True,
    )  # fmt: skip


def test_kubernetes_manifests_validate_against_the_targeted_cluster_version(tmp_path):
    answer = kubernetes_validate(K8S)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(K8S.read_text().replace("replicas: 2", "replicas: two", 1))
    assert kubernetes_validate(broken).returncode != 0  # the validator does read the files


def test_kubernetes_processes_get_what_they_need_and_secrets_only_from_the_secret():
    docs = list(yaml.safe_load_all(K8S.read_text()))
    [config] = [d for d in docs if d["kind"] == "ConfigMap"]
    secret_keys = set(re.findall(r"--from-literal=(\w+)=", K8S.read_text()))
    for settings in SETTINGS.values():
        for field in settings.SECRETS & settings.DEPLOY_REQUIRED:
            assert env_names(settings, field) & secret_keys, field
    assert not secret_variables() & set(config["data"])
    assert set(config["data"]) <= variables_read()
    assert config["data"]["OCOP_ENVIRONMENT"] == "production"
    checked = 0
    for doc in docs:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            sources = {
                ref.get("configMapRef", {}).get("name") or ref["secretRef"]["name"]
                for ref in container.get("envFrom", [])
            }
            assert sources == {"ocop-config", "ocop-secrets"}, doc["metadata"]["name"]
            literal = {e["name"] for e in container.get("env", []) if "value" in e}
            assert not literal & secret_variables(), doc["metadata"]["name"]
            environment = set(config["data"]) | secret_keys | literal
            for settings in settings_of(container["args"]):
                checked += 1
                assert unset_required(settings, environment) == [], doc["metadata"]["name"]
    assert checked >= 2 * len(PACKAGES) + 2


def test_production_images_carry_no_marketplace_simulator():
    """The simulator is a test double (tools/marketplace-simulator): the image copies and
    installs `libs` and `services` only, and no deployment file starts it."""
    dockerfiles = [ROOT / "deploy/Dockerfile", *ROOT.glob("services/*/Dockerfile")]
    for dockerfile in dockerfiles:
        text = dockerfile.read_text()
        assert "tools" not in text and "simulator" not in text, dockerfile
    assert "COPY libs ./libs" in (ROOT / "deploy/Dockerfile").read_text()
    for path in [ROOT / "deploy/Procfile", K8S, COMPOSE]:
        assert "simulator" not in path.read_text(), path
    assert importlib.util.find_spec("ocop_marketplace_sync.simulator") is None
