"""The watcher runs inside the learner's own interpreter: the standard library
only, every Python from 3.9, sys.setprofile before 3.12 and sys.monitoring
from 3.12 on, with the same events either way."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

WATCH = ROOT / "bpcli" / "script" / "watch"
NEURON = ROOT / "examples" / "neuron_gates.py"
SLIP = ROOT / "examples" / "neuron_slip.py"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def _pythons() -> list[Path]:
    """Other CPythons of this machine, 3.9 and later (pyenv's)."""
    found = []
    for folder in sorted(PYENV.glob("3.*")) if PYENV.is_dir() else []:
        minor = int(folder.name.split(".")[1])
        python = folder / "bin" / "python"
        if minor >= 9 and python.exists():
            found.append(python)
    return found


OTHERS = _pythons()


def test_the_watcher_imports_the_standard_library_only() -> None:
    for path in WATCH.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = [(node.module or "").split(".")[0]]
            else:
                continue
            for top in tops:
                assert top in sys.stdlib_module_names or top == "__future__", (path.name, top)


def test_the_watcher_needs_no_newer_python_than_3_9() -> None:
    """vermin reads every construct and library call the watcher uses."""
    vermin = Path(sys.executable).with_name("vermin")  # the test extra's, beside this python
    proc = subprocess.run(
        [str(vermin), "--no-tips", "--violations", "-t=3.9-", str(WATCH)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _events(python: Path | str, script: Path) -> list[str]:
    """The trace's events, ids and the allocator's reused-address marks set aside."""
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "trace", "--format", "jsonl", "--python", str(python),
         str(script)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    found = []
    for line in proc.stdout.splitlines():
        event = json.loads(line)
        text = json.dumps(event, sort_keys=True)
        text = re.sub(r'"0x[0-9a-f]+"', '"ID"', text)
        found.append(text.replace(', "reused_address": true', ""))
    return found


@pytest.mark.skipif(
    not OTHERS and not os.environ.get("CI"), reason=f"no other CPython 3.9+ under {PYENV}"
)
def test_there_are_other_pythons_to_try() -> None:
    """Without them the next tests prove nothing: in CI they must be there."""
    minors = {int(p.parent.parent.name.split(".")[1]) for p in OTHERS}
    assert 9 in minors and max(minors) >= 12, minors


@pytest.mark.parametrize("python", OTHERS, ids=[p.parent.parent.name for p in OTHERS])
def test_every_python_gives_the_same_events(python: Path) -> None:
    assert _events(python, NEURON) == _events(sys.executable, NEURON)


@pytest.mark.parametrize("python", OTHERS, ids=[p.parent.parent.name for p in OTHERS])
def test_every_python_blames_the_same_line(python: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "check", "--format", "json", "--python", str(python),
         str(SLIP)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    found = json.loads(proc.stdout)
    assert proc.returncode == 1 and found["verdict"] == "fail"
    assert {(p["kind"], p["source"]["line"]) for p in found["problems"]} == {("local", 26)}
    assert found["checked"]["pulls"] == 9
