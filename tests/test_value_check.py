"""`bpcli check SCRIPT.py` on micrograd and microgpt Value code (issue 21):
each slip blamed at its own line (the line found here by its text, not by
bpcli), with its kind; correct Value scripts pass with pulls checked; the
verdict never claims more than was checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

NEURON = (ROOT / "examples" / "micrograd_neuron.py").read_text()
GPT = (ROOT / "examples" / "microgpt_loss.py").read_text()

TRAIN = """
class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


w, b = Value(0.5), Value(0.1)
for step in range(3):
    loss = sum((w * x + b - y) ** 2 for x, y in [(1.0, 2.0), (2.0, 4.1), (3.0, 5.9)])
    w.grad = 0.0
    b.grad = 0.0
    loss.backward()
    w.data -= 0.01 * w.grad
    b.data -= 0.01 * b.grad
print(w.data, b.data)
"""


def check(tmp_path: Path, source: str, name: str = "script.py") -> tuple[dict[str, Any], int]:
    path = tmp_path / name
    path.write_text(source)
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "check", "--format", "json", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout), proc.returncode


def line_of(source: str, text: str, after: str = "") -> int:
    """The number of the line holding ``text`` (the first after ``after``)."""
    start = source.index(after) if after else 0
    return source[: source.index(text, start)].count("\n") + 1


def swapped(old: str, new: str, source: str, after: str = "") -> str:
    start = source.index(after) if after else 0
    at = source.index(old, start)
    return source[:at] + new + source[at + len(old) :]


@pytest.mark.parametrize(
    ("source", "pulls"), [(NEURON, 9), (GPT, 14), (TRAIN, 27)], ids=["neuron", "gpt", "train"]
)
def test_correct_value_code_passes_with_pulls_checked(
    tmp_path: Path, source: str, pulls: int
) -> None:
    doc, status = check(tmp_path, source)
    assert (doc["verdict"], doc["problems"], status) == ("ok", [], 0)
    assert doc["checked"]["pulls"] >= pulls  # each closure's pulls, judged


SLIPS = [  # (name, the slipped script, the text of the line to blame, its kind)
    (
        "swapped multiply",
        swapped("self.grad += other.data", "self.grad += self.data", NEURON),
        "self.grad += self.data * out.grad",
        "local",
    ),
    (
        "tanh without the square",
        swapped("(1 - t**2)", "(1 - t)", NEURON),
        "self.grad += (1 - t) * out.grad",
        "local",
    ),
    (
        "= in __add__ with a reused Value",
        swapped("self.grad += 1.0", "self.grad = 1.0", NEURON).replace(
            "n = x1w1x2w2 + b", "n = x1w1x2w2 + b + x1w1x2w2"
        ),
        "self.grad = 1.0 * out.grad",
        "assign",
    ),
    (
        "no reversed",
        swapped("for node in reversed(topo):", "for node in topo:", NEURON),
        "node._backward()",
        "order",
    ),
    (
        "a wrong local-grad tuple",
        swapped("(other.data, self.data))", "(self.data, other.data))", GPT),
        "return Value(self.data * other.data, (self, other), (self.data, other.data))",
        "local",
    ),
    (
        "no zeroing in the loop",
        TRAIN.replace("    w.grad = 0.0\n    b.grad = 0.0\n", ""),
        "loss.backward()",
        "stale",
    ),
    (
        "a closure never set",
        swapped("out._backward = _backward", "pass", NEURON, after="def __add__"),
        'out = Value(self.data + other.data, (self, other), "+")',
        "missing",
    ),
]


@pytest.mark.parametrize(("name", "source", "text", "kind"), SLIPS, ids=[s[0] for s in SLIPS])
def test_each_slip_is_blamed_at_its_line(
    tmp_path: Path, name: str, source: str, text: str, kind: str
) -> None:
    doc, status = check(tmp_path, source)
    assert doc["verdict"] == "fail" and status == 1
    first = doc["problems"][0]
    line = line_of(source, text)
    assert (first["kind"], first["source"]["line"], first["source"]["text"]) == (kind, line, text)
    assert all(p["kind"] == kind for p in doc["problems"]), doc["problems"]


def test_a_times_a_with_assign_is_blamed_where_the_second_pull_is_lost(tmp_path: Path) -> None:
    """`a * a` with `=`: the closure's second write replaced the first pull
    (2a × out.grad wanted, a × out.grad left)."""
    source = (
        swapped(
            "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
            "self.grad = other.data * out.grad\n            other.grad = self.data * out.grad",
            NEURON,
        ).split("x1 = Value(2.0)")[0]
        + "a = Value(3.0)\nb = a * a\nb.backward()\nprint(a.grad)\n"
    )
    doc, _ = check(tmp_path, source)
    [problem] = doc["problems"]
    assert problem["kind"] == "assign"
    assert problem["source"]["line"] == line_of(source, "other.grad = self.data * out.grad")
    assert (problem["got"], problem["expected"]) == (3.0, 6.0)  # a.grad: 3 kept; 3 + 3 wanted


def test_the_microgpt_local_grad_slip_is_said_once_for_every_node(tmp_path: Path) -> None:
    """One wrong tuple in __mul__, many nodes made by it: one place to fix, the
    repeats grouped under it in the text view."""
    source = swapped("(other.data, self.data))", "(self.data, other.data))", GPT)
    path = tmp_path / "gpt.py"
    path.write_text(source)
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "check", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    errors = [x for x in proc.stdout.splitlines() if ": error: " in x]
    assert len(errors) == 1 and "more times like it" in errors[0], proc.stdout
    assert errors[0].startswith(f"{path}:{line_of(source, 'self.data, other.data))')}:")
