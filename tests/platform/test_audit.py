"""The dependency audit's verdict on pip-audit reports (deploy/audit.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "audit", Path(__file__).resolve().parents[2] / "deploy" / "audit.py"
)
assert spec and spec.loader
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

CLEAN = {"name": "fastapi", "version": "0.1", "vulns": []}
VULNERABLE = {
    "name": "jinja2",
    "version": "3.0.0",
    "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}],
}
SKIPPED = {"name": "alembic", "skip_reason": "Dependency not found on PyPI"}


def test_a_known_vulnerability_fails_the_audit_and_names_the_fix():
    lines, code = audit.verdict({"dependencies": [CLEAN, VULNERABLE]}, require_database=False)
    assert code == 1
    assert "VULNERABLE jinja2 3.0.0: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in lines


def test_a_clean_audit_passes():
    lines, code = audit.verdict({"dependencies": [CLEAN]}, require_database=True)
    assert code == 0
    assert lines == ["audit: 1 of 1 pinned packages checked, 0 vulnerable"]


def test_unreachable_database_is_said_plainly_and_fails_only_when_required():
    report = {"dependencies": [SKIPPED]}
    lines, code = audit.verdict(report, require_database=False)
    assert code == 0
    assert any("NOTHING WAS AUDITED" in line.upper() for line in lines)
    assert audit.verdict(report, require_database=True)[1] == 1
