"""bpcli check SCRIPT.py (issue 12, item 5): the learner's backward code judged
against their own forward code, each slip blamed at the line that made it,
the right line found here by searching the script's text (not bpcli's code)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

NEURON = (ROOT / "examples" / "neuron_gates.py").read_text()


def check(path: Path, *args: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "check", "--format", "json", *args, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode, json.loads(proc.stdout)


def line_of(text: str, fragment: str) -> int:
    (number,) = [k for k, line in enumerate(text.splitlines(), 1) if fragment in line]
    return number


def script(tmp_path: Path, text: str, name: str = "learner.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_guides_neuron_is_right(tmp_path: Path) -> None:
    status, doc = check(script(tmp_path, NEURON))
    assert (status, doc["verdict"], doc["problems"]) == (0, "ok", [])
    assert doc["checked"]["backward_calls"] == 5 and doc["checked"]["pulls"] == 9


SWAPPED = "self.u0.grad += self.u0.value * self.utop.grad"  # needs u1.value
BAD_SIGMOID = "self.u0.grad += (s * (1 + s)) * self.utop.grad"


@pytest.mark.parametrize(
    ("right", "wrong"),
    [
        ("self.u0.grad += self.u1.value * self.utop.grad", SWAPPED),
        ("self.u0.grad += (s * (1 - s)) * self.utop.grad", BAD_SIGMOID),
    ],
    ids=["swapped multiply", "wrong sigmoid derivative"],
)
def test_a_wrong_local_derivative_is_blamed_at_its_line(tmp_path: Path, right, wrong) -> None:
    text = NEURON.replace(right, wrong)
    status, doc = check(script(tmp_path, text))
    assert status == 1 and doc["verdict"] == "fail"
    kinds = {(p["kind"], p["source"]["line"]) for p in doc["problems"]}
    assert kinds == {("local", line_of(text, wrong))}
    sigmoid = next(p for p in doc["problems"])
    assert sigmoid["source"]["text"] == wrong.strip()
    if wrong == BAD_SIGMOID:  # σ(1−σ) at 2, times upstream 1: by hand
        s = 1 / (1 + 2.718281828459045**-2)
        assert sigmoid["expected"] == pytest.approx(s * (1 - s), rel=1e-6)
        assert sigmoid["got"] == pytest.approx(s * (1 + s), rel=1e-9)


FAN_OUT = """
class Value:
    def __init__(self, v):
        self.value = v
        self.grad = 0.0

class Times:
    def forward(self, left, right):
        self.left, self.right = left, right
        self.product = Value(left.value * right.value)
        return self.product
    def backward(self):
        self.left.grad = self.right.value * self.product.grad
        self.right.grad += self.left.value * self.product.grad

class Plus:
    def forward(self, left, right):
        self.left, self.right = left, right
        self.total = Value(left.value + right.value)
        return self.total
    def backward(self):
        self.left.grad += self.total.grad
        self.right.grad += self.total.grad

x, y, z = Value(3.0), Value(-2.0), Value(4.0)
first, second, join = Times(), Times(), Plus()
xy = first.forward(x, y)
xz = second.forward(x, z)
f = join.forward(xy, xz)
f.grad = 1.0
join.backward()
second.backward()
first.backward()
"""


def test_assign_at_a_fan_out_is_blamed_at_its_line(tmp_path: Path) -> None:
    status, doc = check(script(tmp_path, FAN_OUT))
    assert status == 1
    (problem,) = doc["problems"]
    assert problem["kind"] == "assign" and problem["gate"] == "first"
    assert problem["source"]["line"] == line_of(FAN_OUT, "self.left.grad = self.right.value")
    assert (problem["got"], problem["expected"]) == (-2.0, pytest.approx(2.0))  # z + y, by hand
    fixed = FAN_OUT.replace("self.left.grad = self.right", "self.left.grad += self.right")
    assert check(script(tmp_path, fixed, "fixed.py"))[0] == 0


BACKWARD_CALLS = (
    "sg0.backward()\naddg1.backward()\naddg0.backward()\nmulg1.backward()\nmulg0.backward()"
)


def test_backward_in_forward_order_is_blamed_where_it_is_called(tmp_path: Path) -> None:
    forward_order = "\n".join(reversed(BACKWARD_CALLS.splitlines()))
    text = NEURON.replace(BACKWARD_CALLS, forward_order)
    status, doc = check(script(tmp_path, text))
    assert status == 1
    first = doc["problems"][0]
    assert first["kind"] == "order" and first["gate"] == "mulg0"
    assert first["source"]["line"] == line_of(text, "mulg0.backward()")
    assert {p["kind"] for p in doc["problems"]} == {"order"}


def test_grads_not_reset_between_two_iterations_is_blamed(tmp_path: Path) -> None:
    loop = (
        "step_size = 0.01\nfor it in range(2):\n    forwardNeuron()\n    s.grad = 1.0\n"
        + "".join(f"    {call}\n" for call in BACKWARD_CALLS.splitlines())
    )
    text = NEURON.replace("step_size = 0.01", loop)
    status, doc = check(script(tmp_path, text))
    assert status == 1
    kinds = [p["kind"] for p in doc["problems"]]
    assert kinds and set(kinds) == {"stale"}
    first = doc["problems"][0]
    assert first["got"] == pytest.approx(0.10499358540350662)  # c.grad of the first pass
    zero = "    for u in (a, b, c, x, y):\n        u.grad = 0.0\n"
    reset = text.replace("    s.grad = 1.0\n", zero + "    s.grad = 1.0\n")
    assert check(script(tmp_path, reset, "reset.py"))[0] == 0


KINKS = """
class U:
    def __init__(self, value):
        self.value, self.grad = value, 0.0

class Relu:
    def forward(self, a):
        self.a = a
        self.out = U(a.value if a.value > 0 else 0.0)
        return self.out
    def backward(self):
        self.a.grad += (1.0 if self.a.value > 0 else 0.0) * self.out.grad

class Max:
    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = U(a.value if a.value >= b.value else b.value)
        return self.out
    def backward(self):
        self.a.grad += (1.0 if self.a.value >= self.b.value else 0.0) * self.out.grad
        self.b.grad += (0.0 if self.a.value >= self.b.value else 1.0) * self.out.grad

p, q, r = U(0.0), U(2.0), U(2.0)
h = Relu().forward(p)
m = Max().forward(q, r)
for top in (h, m):
    top.grad = 1.0
Relu_ = None
"""


def test_kinks_are_explained_never_a_false_alarm(tmp_path: Path) -> None:
    text = KINKS.replace("Relu_ = None", "")
    text = text.replace("h = Relu().forward(p)", "relu = Relu()\nh = relu.forward(p)")
    text = text.replace("m = Max().forward(q, r)", "mx = Max()\nm = mx.forward(q, r)")
    text = text.replace(
        "for top in (h, m):\n    top.grad = 1.0\n",
        "h.grad = 1.0\nrelu.backward()\nm.grad = 1.0\nmx.backward()\n",
    )
    status, doc = check(script(tmp_path, text))
    assert (status, doc["problems"]) == (0, [])
    assert {n["gate"] for n in doc["notes"]} == {"relu", "mx"}
    assert all(n["kind"] == "kink" for n in doc["notes"])


def test_the_text_names_each_problem_at_file_and_line(tmp_path: Path) -> None:
    path = script(
        tmp_path, NEURON.replace("self.u0.grad += self.u1.value * self.utop.grad", SWAPPED)
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"{path}:{line_of(path.read_text(), SWAPPED)}: error: ")
    assert "should be" in first
    assert "circuit output" in proc.stderr  # the script's own prints, out of the way
