"""A process started for a test (`ocop up`) stops when the test run that started it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ocop_kit.testing import wait_for


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_child_started_with_stop_with_parent_ends_when_its_parent_is_killed(tmp_path: Path):
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import subprocess, sys, time
                from ocop_kit.testing import stop_with_parent
                child = subprocess.Popen(
                    [sys.executable, "-c", "import time; time.sleep(120)"],
                    preexec_fn=stop_with_parent,
                )
                open({str(pid_file)!r}, "w").write(str(child.pid))
                time.sleep(120)
                """
            ),
        ]
    )
    wait_for(pid_file.exists, timeout=20, message="the child to start")
    child = int(pid_file.read_text())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()

    def gone() -> bool:
        try:
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        return state == "Z"  # ended, waiting for init to reap it

    wait_for(gone, timeout=10, message="the orphaned child to end")
