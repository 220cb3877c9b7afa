"""Rule 1 of docs/DESIGN.md: a service never imports another service; libs import no service."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE_PACKAGES = {
    path.name: path for path in ROOT.glob("services/*/ocop_*") if (path / "__init__.py").exists()
}
LIB_PACKAGES = {
    path.name: path for path in ROOT.glob("libs/*/ocop_*") if (path / "__init__.py").exists()
}


def imported_modules(source_root: Path) -> set[tuple[str, str]]:
    """(file, top-level module) for every import under a folder (tests and migrations included)."""
    found = set()
    for file in source_root.parent.rglob("*.py"):
        if ".venv" in file.parts:
            continue
        tree = ast.parse(file.read_text(), filename=str(file))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            found |= {(str(file.relative_to(ROOT)), name.split(".")[0]) for name in names}
    return found


def test_all_five_services_are_found():
    assert set(SERVICE_PACKAGES) == {
        "ocop_registry",
        "ocop_evaluation",
        "ocop_marketplace_sync",
        "ocop_search",
        "ocop_portal",
    }


def test_no_service_imports_another_service():
    offences = []
    for package, path in SERVICE_PACKAGES.items():
        for file, module in imported_modules(path):
            if module in SERVICE_PACKAGES and module != package:
                offences.append(f"{file} imports {module}")
    assert offences == []


def test_libs_import_no_service():
    offences = []
    for path in LIB_PACKAGES.values():
        for file, module in imported_modules(path):
            if module in SERVICE_PACKAGES:
                offences.append(f"{file} imports {module}")
    assert offences == []


SIMULATOR = ROOT / "tools/marketplace-simulator/ocop_marketplace_simulator"


def package_imports(package: Path) -> set[tuple[str, str]]:
    """(file, top-level module) for every import inside one package (its tests left out)."""
    return {pair for pair in imported_modules(package / "__init__.py") if "/tests/" not in pair[0]}


def test_the_product_never_imports_the_marketplace_simulator():
    """A test double is not the product: no service imports it, and of the libs only the CLI,
    which starts it for `ocop up` when no channel URL is configured."""
    offences = []
    packages = {**SERVICE_PACKAGES, **LIB_PACKAGES}
    for package, path in packages.items():
        if package == "ocop_cli":
            continue
        for file, module in package_imports(path):
            if module == "ocop_marketplace_simulator":
                offences.append(f"{file} imports {module}")
    assert offences == []


def test_the_marketplace_simulator_imports_no_service():
    assert (SIMULATOR / "__init__.py").exists()
    offences = [
        f"{file} imports {module}"
        for file, module in imported_modules(SIMULATOR)
        if module in SERVICE_PACKAGES
    ]
    assert offences == []
