"""What bpcli says of a script's run: a check that checked nothing says so
(exit 1) with what the script does hold; --passes watches the first N passes
and lets the script run on; no python3 on PATH is said once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

OTHER_SPELLINGS = """
class Num:
    def __init__(self, val):
        self.val, self.g = val, 0.0

class Mul:
    def fwd(self, u0, u1):
        self.u0, self.u1 = u0, u1
        self.utop = Num(u0.val * u1.val)
        return self.utop
    def bwd(self):
        self.u0.g += self.u1.val * self.utop.g
        self.u1.g += self.u0.val * self.utop.g

m = Mul()
out = m.fwd(Num(2.0), Num(-3.0))
out.g = 1.0
m.bwd()
print("grads", m.u0.g, m.u1.g)
"""

LOOP = """
class Unit:
    def __init__(self, value, grad=0.0):
        self.value, self.grad = value, grad

class Mul:
    def forward(self, u0, u1):
        self.u0, self.u1 = u0, u1
        self.utop = Unit(u0.value * u1.value)
        return self.utop
    def backward(self):
        self.u0.grad += self.u1.value * self.utop.grad
        self.u1.grad += self.u0.value * self.utop.grad

w, x, g = Unit(0.5), Unit(2.0), Mul()
for it in range(5):
    w.grad = 0.0
    out = g.forward(w, x)
    out.grad = 1.0
    g.backward()
    w.value += 0.1 * w.grad
print("trained", w.value)
"""


def bpcli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpcli", *args], capture_output=True,
                          text=True, timeout=120, env=env)  # fmt: skip


def test_a_check_that_checked_nothing_says_so_and_what_to_watch(tmp_path: Path) -> None:
    path = tmp_path / "spelled.py"
    path.write_text(OTHER_SPELLINGS)
    proc = bpcli("check", "--python", sys.executable, str(path))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("nothing checked"), proc.stdout  # never "ok"
    assert "grads -3.0 2.0" in proc.stderr  # the script ran, as under python
    assert "--value-attr val --grad-attr g" in proc.stderr
    assert "--methods fwd,bwd" in proc.stderr
    done = bpcli("check", "--python", sys.executable, "--value-attr", "val", "--grad-attr", "g",
                 "--methods", "fwd,bwd", "--format", "json", str(path))  # fmt: skip
    found = json.loads(done.stdout)
    assert done.returncode == 0 and found["verdict"] == "ok" and found["checked"]["pulls"] == 2


def test_passes_watches_the_first_passes_and_the_script_runs_on(tmp_path: Path) -> None:
    path = tmp_path / "loop.py"
    path.write_text(LOOP)
    alone = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
    proc = bpcli("trace", "--format", "jsonl", "--passes", "2", "--python", sys.executable,
                 str(path))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    forwards = [e for e in events if e["phase"] == "forward"]
    assert len(forwards) == 2 and {e["iteration"] for e in events} == {0, 1}
    assert alone.stdout.strip() in proc.stderr  # trained to the end, the same number
    assert "watched the first 2 forward passes" in proc.stderr


def test_no_python3_on_path_runs_under_bpclis_own_python_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "loop.py"
    path.write_text(LOOP)
    env = {**os.environ, "PATH": str(tmp_path)}  # no python3 here
    proc = bpcli("trace", "--format", "jsonl", str(path), env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("no python3 on PATH") == 1
    assert sys.executable in proc.stderr


def test_an_interpreter_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "loop.py"
    path.write_text(LOOP)
    proc = bpcli("trace", "--python", str(tmp_path / "nope"), str(path))
    assert proc.returncode == 2 and "no such interpreter" in proc.stderr
