"""The code stays ruff clean (lint and format) and mypy clean, as the project promises."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "bpcli", "tests", "benchmarks", "examples"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("platform", ["linux", "win32"])
def test_mypy(platform: str) -> None:
    """Clean as Linux sees it and as Windows does: a POSIX-only call (``os.fchmod``,
    ``termios``, ``fcntl``) stands behind a ``sys.platform`` check."""
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "bpcli", "--ignore-missing-imports",
         "--platform", platform],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
