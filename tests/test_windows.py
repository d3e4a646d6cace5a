"""The everyday commands as a learner on Windows runs them (issue 22): portable
tests (no shell, no pty, no jq), run here on Linux with the whole suite and, with
``test_no_posix.py``, on a Windows CPython under wine by ``.ci/windows`` (the
README's test command for Windows). Each compares with an independent
answer: the guide's figures, the file as written by hand, the script's own
``repr``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

NEURON = (ROOT / "circuits" / "neuron.txt").read_text(encoding="utf-8")


# A pipe in a given encoding, as Windows' code page makes it (PYTHONIOENCODING
# would do, but an embeddable Python's ._pth file ignores every PYTHON* variable).
PIPE_IN = """
import runpy, sys
sys.stdout.reconfigure(encoding={encoding!r})
sys.argv[0] = "bpcli"
runpy.run_module("bpcli", run_name="__main__", alter_sys=True)
"""


def bpcli(
    *args: str, cwd: Path = ROOT, encoding: str = "utf-8"
) -> subprocess.CompletedProcess[bytes]:
    """bpcli's bytes, as a pipe in ``encoding`` gets them (standard input: nothing)."""
    command = [sys.executable, "-c", PIPE_IN.format(encoding=encoding), *args]
    return subprocess.run(command, cwd=cwd, env={**os.environ, "COLUMNS": "80"},
                          capture_output=True, timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip


def text(ran: subprocess.CompletedProcess[bytes]) -> str:
    return ran.stdout.decode("utf-8", "replace").replace("\r\n", "\n")


def test_the_readmes_first_command_shows_the_guides_neuron() -> None:
    ran = bpcli("run", "circuits/neuron.txt")
    assert ran.returncode == 0, ran.stderr
    said = text(ran)
    assert "forward 0   s = 0.880797" in said  # the guide: σ(2) = 0.880797
    assert "s: 0.880797 → 0.882550" in said  # and after one update


@pytest.mark.parametrize("name", ["neuron.txt", "neuron_expr.txt"])
def test_a_formula_circuit_runs_as_its_gates(name: str) -> None:
    ran = bpcli("run", "-q", f"circuits/{name}")
    assert ran.returncode == 0, ran.stderr
    assert float(ran.stdout) == pytest.approx(0.8825501816218984, abs=1e-15)


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_write_keeps_the_line_endings_and_leaves_nothing_behind(
    tmp_path: Path, ending: str
) -> None:
    circuit = tmp_path / "neuron.txt"
    circuit.write_bytes(NEURON.replace("\n", ending).encode())
    ran = bpcli("run", "--write", "neuron.txt", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    data = circuit.read_bytes()
    assert data.count(ending.encode()) == NEURON.count("\n")
    if ending == "\n":
        assert b"\r" not in data
    assert f"  a: 0.99895{ending}".encode() in re.sub(rb"(0\.99895)\d+", rb"\1", data)
    assert [p.name for p in tmp_path.iterdir()] == ["neuron.txt"]


def test_html_over_an_existing_file_and_o_beside_it(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("old")
    ran = bpcli("trace", str(ROOT / "circuits" / "neuron.txt"), "--html", "page.html",
                cwd=tmp_path)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and "sg0" in page
    ran = bpcli("run", str(ROOT / "circuits" / "neuron.txt"), "-o", "trained.txt", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "trained.txt"]


@pytest.mark.parametrize(
    ("script", "status", "line"),
    [("neuron_gates.py", 0, None), ("neuron_slip.py", 1, 26),
     ("micrograd_neuron.py", 0, None), ("micrograd_slip.py", 1, 36)],
)  # fmt: skip
def test_check_of_the_example_scripts(script: str, status: int, line: int | None) -> None:
    path = ROOT / "examples" / script
    ran = bpcli("check", "--python", sys.executable, "--format", "json", str(path))
    report = json.loads(ran.stdout)
    assert (ran.returncode, report["verdict"]) == (status, "ok" if status == 0 else "fail")
    if line is not None:
        wrong = path.read_text(encoding="utf-8").splitlines()[line - 1]
        assert "+=" in wrong  # the slip's line, as the file has it
        assert {p["source"]["line"] for p in report["problems"]} == {line}


def test_trace_of_a_script_names_its_ids_as_its_own_repr_does(tmp_path: Path) -> None:
    """The learner's debugger shows ``<__main__.Unit object at 0x…>``: bpcli's id of
    that Unit is the same text, on every platform."""
    script = tmp_path / "learner.py"
    script.write_text(
        "class Unit:\n    def __init__(self, value, grad):\n"
        "        self.value = value\n        self.grad = grad\n"
        "class MultGate:\n    def forward(self, u0, u1):\n"
        "        self.u0, self.u1 = u0, u1\n"
        "        self.utop = Unit(u0.value * u1.value, 0.0)\n        return self.utop\n"
        "    def backward(self):\n"
        "        self.u0.grad += self.u1.value * self.utop.grad\n"
        "        self.u1.grad += self.u0.value * self.utop.grad\n"
        "a = Unit(2.0, 0.0)\nb = Unit(3.0, 0.0)\ng = MultGate()\nc = g.forward(a, b)\n"
        "c.grad = 1.0\ng.backward()\nprint(repr(a))\nprint(repr(c))\n"
    )  # fmt: skip
    ran = bpcli("trace", "--python", sys.executable, "--format", "jsonl", "learner.py",
                cwd=tmp_path)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    printed = re.findall(r"object at (0x[0-9A-Fa-f]+)>", ran.stderr.decode())
    steps = [json.loads(line) for line in ran.stdout.splitlines()]
    slots = steps[0]["slots"]
    assert printed == [slots["u0"]["id"], slots["utop"]["id"]]


def test_russian_into_a_pipe_in_the_pipes_own_encoding() -> None:
    """cp1251, a Russian Windows' pipe: Russian stays Russian, only what cp1251
    cannot hold (σ, ≡) is written otherwise; never an escape of a letter."""
    ran = bpcli("--lang", "ru", "run", "circuits/neuron.txt", encoding="cp1251")
    assert ran.returncode == 0, ran.stderr
    said = ran.stdout.decode("cp1251")
    assert "прямой проход 0   s = 0.880797" in said
    assert "\\u04" not in said and "\\u" not in said
