"""Value code a hostile tester wrote to break bpcli (issue 21), kept fixed: each
script's own output is compared with ``python SCRIPT`` (watching changes nothing),
and each verdict or name with what the script's arithmetic says, worked out here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_value_check import TRAIN

from conftest import ROOT

PY = sys.executable
# the Value classes of the shipped examples: micrograd's closures and microgpt's tuples
MICROGRAD = TRAIN.split("\nw, b = ")[0]
MICROGPT = (ROOT / "examples" / "microgpt_loss.py").read_text().split("\nx = ")[0]
Proc = subprocess.CompletedProcess[str]


def folder(tmp_path: Path, script: str) -> Path:
    (tmp_path / "engine.py").write_text(MICROGRAD)
    (tmp_path / "gpt_engine.py").write_text(MICROGPT)
    path = tmp_path / "learner.py"
    path.write_text(script)
    return path


def run(path: Path, *command: str) -> Proc:
    return subprocess.run([PY, *command, path.name], cwd=path.parent, capture_output=True,
                          text=True, timeout=180, stdin=subprocess.DEVNULL)  # fmt: skip


def check(path: Path) -> tuple[dict[str, Any], Proc, Proc]:
    """The JSON verdict, bpcli's run and python's run (the script's output: on stderr
    under a JSON format)."""
    ran, plain = run(path, "-m", "bpcli", "check", "--format", "json"), run(path)
    assert ran.stdout, ran.stderr
    assert "Traceback" not in ran.stderr.replace(plain.stderr, "")
    assert ran.stderr == plain.stdout + plain.stderr
    return json.loads(ran.stdout), ran, plain


def steps(path: Path, *options: str) -> list[dict[str, Any]]:
    ran = run(path, "-m", "bpcli", "trace", "--format", "jsonl", *options)
    assert ran.returncode == 0, ran.stderr
    return [json.loads(line) for line in ran.stdout.splitlines()]


def test_a_closure_that_captures_by_default_arguments_is_judged_and_named(
    tmp_path: Path,
) -> None:
    """``def _backward(self=self, other=other, out=out)``: no free variables, yet a
    closure of its Value; a helper function doing the ``+=`` is judged too."""
    path = folder(tmp_path, """\
class Value:
    def __init__(self, data, _children=()):
        self.data = data; self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other))
        def _backward(self=self, other=other, out=out):
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out
    def __add__(self, other):
        out = Value(self.data + other.data, (self, other))
        def _backward():
            add_into(self, out.grad)
            add_into(other, out.grad)
        out._backward = _backward
        return out
    def backward(self):
        topo, seen = [], set()
        def build(v):
            if v not in seen:
                seen.add(v)
                for c in v._prev: build(c)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo): v._backward()
def add_into(v, g):
    v.grad += g
a = Value(2.0); b = Value(3.0)
c = a * b
d = c + a
d.backward()
print(a.grad, b.grad)
""")  # fmt: skip
    report, ran, plain = check(path)
    assert plain.stdout == "4.0 2.0\n"  # d = ab + a: b + 1, a
    assert (ran.returncode, report["verdict"], report["checked"]["pulls"]) == (0, "ok", 4)
    closure = next(s for s in steps(path) if s["phase"] == "backward" and s["gate"] == "c")
    held = {slot: cell["unit"] for slot, cell in closure["slots"].items()}
    assert (held["self"], held["other"], held["out"]) == ("a", "b", "c")


@pytest.mark.parametrize("big", [18.0, 1234.5, 1e6, 3e7])
def test_adding_zero_to_a_large_value_is_no_slip(tmp_path: Path, big: float) -> None:
    """c = big + 0: both grads are 1; the nudged output is known to a few ulps of
    ``big`` only, which must not read as a wrong slope."""
    path = folder(tmp_path, f"from engine import Value\na = Value({big!r})\nb = Value(0.0)\n"
                            "c = a + b\nc.backward()\nprint(a.grad, b.grad)\n")  # fmt: skip
    report, ran, plain = check(path)
    assert plain.stdout == "1.0 1.0\n"
    assert (ran.returncode, report["verdict"], report["problems"]) == (0, "ok", [])
    assert report["checked"]["pulls"] == 2


def test_a_square_at_zero_is_smooth_not_a_kink(tmp_path: Path) -> None:
    """a**2 + a*a at a = 0: slope 0 from both sides; no kink note, no problem."""
    path = folder(tmp_path, "from engine import Value\na = Value(0.0)\nb = a ** 2\n"
                            "c = a * a\nd = b + c\nd.backward()\nprint(a.grad)\n")  # fmt: skip
    report, ran, plain = check(path)
    assert plain.stdout == "0.0\n"
    assert (ran.returncode, report["verdict"], report["problems"]) == (0, "ok", [])
    assert not report.get("notes"), report


def test_integers_too_large_for_a_float_are_no_crash(tmp_path: Path) -> None:
    """c = ab, an int no float can hold: not judged (and said so), never a crash."""
    path = folder(tmp_path, "from engine import Value\na = Value(10**200)\n"
                            "b = Value(10**200)\nc = a * b\nc.backward()\n"
                            "print(a.grad, b.grad, len(str(c.data)))\n")  # fmt: skip
    report, _, plain = check(path)
    assert plain.stdout == "1e+200 1e+200 401\n"
    assert report["verdict"] != "ok" and report["problems"] == []
    assert [n["call"] for n in report["not_judged"]] == ["c._backward()"]


def test_a_subclass_of_value_has_its_ops_traced(tmp_path: Path) -> None:
    path = folder(tmp_path, "from engine import Value\nclass V(Value):\n    pass\n"
                            "a = V(2.0)\nb = V(3.0)\nc = a * b\nd = c + a\nd.backward()\n"
                            "print(a.grad, b.grad)\n")  # fmt: skip
    report, ran, plain = check(path)
    assert plain.stdout == "4.0 2.0\n"
    assert (ran.returncode, report["verdict"], report["checked"]["pulls"]) == (0, "ok", 4)
    made = [s["new"] for s in steps(path) if s.get("kind") == "op" and s["phase"] == "forward"]
    assert made == ["c", "d"]


def test_a_side_branch_is_not_a_use_the_pass_waits_for(tmp_path: Path) -> None:
    """e = c * 2 is never in d: c's node step waits for d alone."""
    path = folder(tmp_path, "from gpt_engine import Value\na = Value(2.0); b = Value(-3.0)\n"
                            "c = a * b\ne = c * 2\nd = c + a\nd.backward()\n"
                            "print(a.grad, b.grad, c.grad, e.grad)\n")  # fmt: skip
    report, ran, plain = check(path)
    assert plain.stdout == "-2.0 2.0 1 0\n"  # d = ab + a: b + 1, a, 1; e untouched
    assert (ran.returncode, report["verdict"]) == (0, "ok")
    node = next(s for s in steps(path) if s.get("kind") == "node" and s["gate"] == "c")
    assert [use["unit"] for use in node["uses"]] == ["d"]


def test_check_keeps_a_slotted_values_lifetime(tmp_path: Path) -> None:
    """Each pass's Values die when the script drops them, as under python: check's
    replays hold none of them past the pass."""
    slots = "    __slots__ = ('data', 'grad', '_backward', '_prev', '_op')\n"
    body = MICROGRAD.replace("class Value:\n", "class Value:\n" + slots)
    path = folder(tmp_path, body + """
import gc
w = Value(0.5)
for i in range(6):
    x = Value(float(i + 1))
    z = w * x + x
    z.backward()
    w.grad = 0.0
    del x, z
    gc.collect()
    print("live", sum(1 for o in gc.get_objects() if type(o) is Value))
""")  # fmt: skip
    report, ran, plain = check(path)
    assert plain.stdout.splitlines() == ["live 1"] * 6
    assert (ran.returncode, report["verdict"]) == (0, "ok")


def test_passes_limits_value_code_to_its_first_backward_passes(tmp_path: Path) -> None:
    path = folder(tmp_path, """\
from engine import Value
w = Value(0.5)
for i in range(4):
    loss = (w * float(i) + 1.0) ** 2
    loss.backward()
    w.data -= 0.01 * w.grad
    w.grad = 0.0
print(round(w.data, 6))
""")  # fmt: skip

    def closures(*options: str) -> int:
        return sum(1 for s in steps(path, *options) if s["phase"] == "backward")

    every, first = closures(), closures("--passes", "1")
    assert every == 4 * first and first == 3  # **2, + and * write; the leaves do not


def test_a_not_judged_call_is_named_in_json(tmp_path: Path) -> None:
    path = folder(tmp_path, "from engine import Value\na = Value(float('inf'))\n"
                            "b = Value(2.0)\nc = a * b\nc.backward()\nprint(b.grad)\n")  # fmt: skip
    report, _, plain = check(path)
    assert plain.stdout == "inf\n"
    assert report["verdict"] != "ok" or report["checked"]["pulls"] == 0
    assert [n["call"] for n in report["not_judged"]] == ["c._backward()"]


def test_an_assignment_that_throws_away_another_closures_pull_is_blamed_at_its_line(
    tmp_path: Path,
) -> None:
    """q = p + p; y = q * p: y's closure pulls 6 into p.grad first; q's closure
    then writes ``self.grad = out.grad`` (3), throwing the 6 away, and adds 3:
    p.grad ends 6, not 12. The slip is that ``=``, not the ``+=`` after it."""
    engine = MICROGRAD.replace(
        "            self.grad += out.grad\n            other.grad += out.grad",
        "            self.grad = out.grad\n            other.grad += out.grad",
    )
    assert engine != MICROGRAD
    path = folder(tmp_path, engine + "\np = Value(3.0)\nq = p + p\ny = q * p\ny.backward()\n"
                                     "print(p.grad)\n")  # fmt: skip
    report, ran, plain = check(path)
    assert plain.stdout == "6.0\n"  # d(2p·p)/dp = 4p = 12: the = lost 6
    assert ran.returncode == 1
    slip = engine.splitlines().index("            self.grad = out.grad") + 1
    assert [(p["kind"], p["source"]["line"]) for p in report["problems"]] == [("assign", slip)]
    assert (report["problems"][0]["expected"], report["problems"][0]["got"]) == (9.0, 3.0)


def test_the_trace_says_an_assignment_threw_away_a_pull(tmp_path: Path) -> None:
    """The same slip, traced: q's closure's ``=`` is shown replacing the 6 that
    y's closure pulled into p.grad (q.data × y.grad = 6 × 1), and what += gives."""
    engine = MICROGRAD.replace(
        "            self.grad += out.grad\n            other.grad += out.grad",
        "            self.grad = out.grad\n            other.grad += out.grad",
    )
    path = folder(tmp_path, engine + "\np = Value(3.0)\nq = p + p\ny = q * p\ny.backward()\n")
    ran = run(path, "-m", "bpcli", "trace", "--color", "never")
    said = " ".join(ran.stdout.split())
    assert (
        "= replaced the 6.000000 p.grad held: that pull is lost (+= would make it 9.000000)" in said
    )
    assert said.count("= replaced the") == 1  # the += after it, and y's pulls, replace nothing


def test_gate_code_with_the_same_assignment_is_blamed_alike(tmp_path: Path) -> None:
    """One rule for gates and Values: AddGate's ``self.u0.grad = …`` on add(p, p),
    after mul(q, p) pulled 6 into p.grad, is the slip, not the ``+=`` after it."""
    gates = (ROOT / "examples" / "neuron_gates.py").read_text().split("\n# ")[0]
    slipped = gates.replace("self.u0.grad += 1 * self.utop.grad",
                            "self.u0.grad = 1 * self.utop.grad", 1)  # fmt: skip
    assert slipped != gates
    path = tmp_path / "learner.py"
    path.write_text(slipped + "\np = Unit(3.0, 0.0)\nadd, mul = AddGate(), MultGate()\n"
                    "q = add.forward(p, p)\ny = mul.forward(q, p)\ny.grad = 1.0\n"
                    "mul.backward()\nadd.backward()\nprint(p.grad)\n")  # fmt: skip
    report, _, plain = check(path)
    assert plain.stdout.endswith("\n6.0\n")  # d(2p·p)/dp = 12: the = lost 6
    slip = slipped.splitlines().index("        self.u0.grad = 1 * self.utop.grad") + 1
    assert [(p["kind"], p["source"]["line"]) for p in report["problems"]] == [("assign", slip)]
