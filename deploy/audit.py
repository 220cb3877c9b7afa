"""Dependency audit of the pinned packages (constraints.txt) with pip-audit, told honestly.

Fails when a known vulnerability is found. When no vulnerability database can be reached (our
build machines reach PyPI's package index but not its JSON API or OSV), pip-audit can only skip
every package: this says so plainly and, unless --require-database is given, does not fail the
build, because nothing was checked either way. Packages it could not check are listed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requirements", default="constraints.txt")
    parser.add_argument(
        "--require-database",
        action="store_true",
        help="fail when packages could not be checked (use where a database is reachable)",
    )
    args = parser.parse_args()
    run = subprocess.run(
        [
            Path(sys.executable).parent / "pip-audit",
            "--no-deps",
            "--disable-pip",
            "--progress-spinner=off",
            "--format=json",
            "-r",
            args.requirements,
        ],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"audit: pip-audit failed (exit {run.returncode}):\n{run.stderr}", file=sys.stderr)
        return 1
    lines, code = verdict(report, require_database=args.require_database)
    print("\n".join(lines))
    return code


def verdict(report: dict[str, Any], *, require_database: bool) -> tuple[list[str], int]:
    """What to print about pip-audit's JSON report, and the exit code."""
    deps = report["dependencies"]
    skipped = [d for d in deps if "skip_reason" in d]
    vulnerable = [d for d in deps if d.get("vulns")]
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            lines.append(
                f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})"
            )
    checked = len(deps) - len(skipped)
    lines.append(
        f"audit: {checked} of {len(deps)} pinned packages checked, {len(vulnerable)} vulnerable"
    )
    if skipped:
        lines.append(
            f"audit: NOT checked ({len(skipped)}): " + ", ".join(d["name"] for d in skipped)
        )
        if checked == 0:
            lines.append("audit: NO VULNERABILITY DATABASE REACHABLE: nothing was audited here")
    failed = bool(vulnerable) or (bool(skipped) and require_database)
    return lines, 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
