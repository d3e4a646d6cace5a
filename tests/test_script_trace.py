"""bpcli trace SCRIPT.py: the learner's own gate code, run unchanged and watched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT
from test_reference_figures import FORWARD_0, FORWARD_1, GRADS

SCRIPT = ROOT / "examples" / "neuron_gates.py"


def trace(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bpcli", "trace", "--format", "jsonl", *args],
                          capture_output=True, text=True, timeout=60, cwd=cwd)  # fmt: skip


def events(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines()]


def calls(proc: subprocess.CompletedProcess) -> list[dict]:
    """The gate calls only (not the script's own lines that wrote a Unit)."""
    return [e for e in events(proc) if e["gate"] is not None]


def test_the_guides_neuron_script_with_the_spec_figures() -> None:
    proc = trace(str(SCRIPT))
    assert proc.returncode == 0, proc.stderr
    assert "circuit output: 0.8807970779778823" in proc.stderr  # its own output, on stderr
    evs = calls(proc)
    assert [e["phase"] for e in evs] == ["forward"] * 5 + ["backward"] * 5 + ["forward"] * 5
    assert [e["call"] for e in evs[5:10]] == [
        "sg0.backward()", "addg1.backward()", "addg0.backward()", "mulg1.backward()",
        "mulg0.backward()",
    ]  # fmt: skip
    assert evs[0]["call"] == "mulg0.forward(a, x)" and evs[0]["op"] == "MultGate"
    assert evs[4]["slots"]["utop"]["value"] == FORWARD_0
    assert evs[14]["slots"]["utop"]["value"] == FORWARD_1
    last = {}
    for e in evs[5:10]:
        for w in e["writes"]:
            last[w["unit"]] = w["grad_after"]
    assert {n: last[n] for n in GRADS} == GRADS


def test_sg0s_write_lands_on_the_object_addg1_holds_as_utop() -> None:
    evs = calls(trace(str(SCRIPT)))
    addg1 = next(e for e in evs if e["call"] == "addg1.forward(axpby, c)")
    sg0 = next(e for e in evs if e["call"] == "sg0.backward()")
    assert sg0["slots"]["u0"]["id"] == addg1["slots"]["utop"]["id"]
    assert "addg1.utop" in sg0["slots"]["u0"]["same_object_as"]
    (write,) = sg0["writes"]
    assert (write["slot"], write["grad_before"], write["grad_after"]) == (
        "u0", 0.0, GRADS["c"]
    )  # fmt: skip


OTHER_NAMES = """
import sys

class Num:
    def __init__(self, value):
        self.value, self.grad = value, 0.0

class Times:
    def forward(self, left, right):
        self.left, self.right = left, right
        self.result = Num(left.value * right.value)
        return self.result
    def backward(self):
        self.left.grad += self.right.value * self.result.grad
        self.right.grad += self.left.value * self.result.grad

class Plus:
    def forward(self, left, right):
        self.left, self.right = left, right
        self.result = Num(left.value + right.value)
        return self.result
    def backward(self):
        self.left.grad += self.result.grad
        self.right.grad += self.result.grad

scale = float(sys.argv[1])
w = Num(3.0 * scale)
u = Num(-2.0)
v = Num(4.0)
first, second, joint = Times(), Times(), Plus()
wu = first.forward(w, u)
wv = second.forward(w, v)
total = joint.forward(wu, wv)
total.grad = 1.0
joint.backward()
second.backward()
first.backward()
print("dw", w.grad)
"""


def test_other_names_a_shared_unit_and_the_scripts_arguments(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(OTHER_NAMES)
    proc = trace(str(path), "--", "2")
    assert proc.returncode == 0, proc.stderr
    assert "dw 2.0" in proc.stderr  # the script read its argument: w = 6, dw = u + v
    evs = calls(proc)
    assert [e["call"] for e in evs] == [
        "first.forward(w, u)", "second.forward(w, v)", "joint.forward(wu, wv)",
        "joint.backward()", "second.backward()", "first.backward()",
    ]  # fmt: skip
    assert evs[0]["op"] == "Times" and set(evs[0]["slots"]) == {"left", "right", "result"}
    assert evs[1]["slots"]["left"]["same_object_as"] == ["first.left"]
    w_writes = [w for e in evs for w in e.get("writes", []) if w["unit"] == "w"]
    assert [w["grad_after"] for w in w_writes] == [4.0, 2.0]
    assert w_writes[-1]["pulls"] == [4.0, -2.0]  # the running sum: 4 + (-2) = 2


MICROGRAD_STYLE = """
class V:
    def __init__(self, data):
        self.data, self.grad = data, 0.0

class Mul:
    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = V(a.data * b.data)
        return self.out
    def backward(self):
        self.a.grad += self.b.data * self.out.grad
        self.b.grad += self.a.data * self.out.grad

p, q = V(1.5), V(-4.0)
m = Mul()
r = m.forward(p, q)
r.grad = 1.0
m.backward()
"""


def test_a_micrograd_style_data_attribute(tmp_path: Path) -> None:
    path = tmp_path / "mg.py"
    path.write_text(MICROGRAD_STYLE)
    evs = calls(trace("--value-attr", "data", str(path)))
    assert [e["call"] for e in evs] == ["m.forward(p, q)", "m.backward()"]
    assert evs[0]["slots"]["out"]["value"] == -6.0
    grads = {w["unit"]: w["grad_after"] for w in evs[1]["writes"]}
    assert grads == {"p": -4.0, "q": 1.5}
    plain = calls(trace(str(path)))  # without --value-attr: `data` is watched as well
    assert [e["call"] for e in plain] == ["m.forward(p, q)", "m.backward()"]
    assert [_no_ids(e["slots"]) for e in plain] == [_no_ids(e["slots"]) for e in evs]
    other = tmp_path / "other.py"  # another spelling: the calls, but no Unit in them
    other.write_text(MICROGRAD_STYLE.replace(".data", ".v").replace("data", "v"))
    spelled = calls(trace(str(other)))
    assert [e["call"] for e in spelled] == ["m.forward(p, q)", "m.backward()"]
    assert all(e["slots"] == {} for e in spelled)
    assert [_no_ids(e["slots"]) for e in calls(trace("--value-attr", "v", str(other)))] == [
        _no_ids(e["slots"]) for e in evs
    ]


def _no_ids(slots: dict[str, Any]) -> dict[str, Any]:
    """A step's slots without the ids, which differ from run to run."""
    return {k: {a: v for a, v in s.items() if a != "id"} for k, s in slots.items()}


def test_a_script_that_raises_shows_its_own_traceback(tmp_path: Path) -> None:
    path = tmp_path / "boom.py"
    path.write_text(MICROGRAD_STYLE + "raise RuntimeError('my own bug')\n")
    proc = trace("--value-attr", "data", str(path))
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "RuntimeError: my own bug" in proc.stderr and str(path) in proc.stderr
    assert "bpcli" not in proc.stderr.split("Traceback", 1)[1]  # its frames, not ours
    assert len(calls(proc)) == 2  # what ran before the error was traced


def test_exit_status_of_the_script(tmp_path: Path) -> None:
    path = tmp_path / "exit.py"
    path.write_text("import sys\nsys.exit(3)\n")
    assert trace(str(path)).returncode == 3


def test_the_table_view_of_a_script() -> None:
    proc = subprocess.run([sys.executable, "-m", "bpcli", "trace", str(SCRIPT)],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, COLUMNS="160"))  # fmt: skip
    assert proc.returncode == 0
    # the learner's own line, then its numbers (issue 12: their line, with the numbers)
    assert (
        "self.u0.grad += (s * (1 - s)) * self.utop.grad\n    axpbypc.grad 0.000000 → 0.104994"
        in (proc.stdout)
    )
    assert "the same object as addg1.utop" in proc.stdout


def test_circuit_options_are_refused_for_a_script() -> None:
    proc = subprocess.run([sys.executable, "-m", "bpcli", "trace", "--set", "a=2", str(SCRIPT)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2 and "--set is for circuit files" in proc.stderr
    assert "circuit output" not in proc.stdout + proc.stderr  # the script did not run


EDGES = """
class U:
    def __init__(self, value):
        self.value, self.grad = value, 0.0

class Sq:
    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = U(a.value * b.value)
        return self.out
    def backward(self):
        self.a.grad += self.b.value * self.out.grad
        self.b.grad += self.a.value * self.out.grad

class Net:  # a container: its own forward() calls the gates'
    def __init__(self):
        self.first, self.second = Sq(), Sq()
    def forward(self, w):
        return self.second.forward(self.first.forward(w, w), w)
    def backward(self):
        self.second.backward()
        self.first.backward()

w = U(1.5)
net = Net()
top = net.forward(w)
top.grad = 1.0
net.backward()
print("dw", w.grad)
"""


def test_one_unit_in_two_slots_and_a_container(tmp_path: Path) -> None:
    path = tmp_path / "edges.py"
    path.write_text(EDGES)
    proc = trace(str(path))
    assert "dw 6.75" in proc.stderr  # d(w^3)/dw = 3 w^2
    evs = calls(proc)
    # the container's own calls hold the gates' calls: only the gates' are steps
    assert [e["op"] for e in evs] == ["Sq"] * 4
    first_forward = evs[0]
    # `self.first.forward(w, w)` inside net's own method: the gate is net.first
    assert first_forward["call"] == "net.first.forward(w, w)"
    assert first_forward["slots"]["a"]["same_object_as"] == ["net.first.b"]  # its own slot
    last = evs[-1]  # first.backward(): w is in both a and b; each line of it is one write
    writes = last["writes"]
    assert [(w["slot"], w["unit"]) for w in writes] == [("a", "w"), ("b", "w")]
    assert [w["source"]["text"] for w in writes] == [
        "self.a.grad += self.b.value * self.out.grad",
        "self.b.grad += self.a.value * self.out.grad",
    ]
    upstream = 1.5  # what second.backward() wrote into first's out: d(w² · w)/d(w²) = w
    assert [w["after"] - w["before"] for w in writes] == [1.5 * upstream, 1.5 * upstream]
    assert all(w["upstream"] == upstream for w in writes)
    assert writes[-1]["after"] == 6.75  # 3 w², by hand


def test_keyboard_interrupt_in_a_script_exits_130(tmp_path: Path) -> None:
    path = tmp_path / "ki.py"
    path.write_text("raise KeyboardInterrupt\n")
    assert trace(str(path)).returncode == 130


def test_names_the_script_lacks_are_a_usage_error_once_it_ran(tmp_path: Path) -> None:
    """A name none of whose words the script spells is refused before it runs
    (the script's own print never comes); one it could name, after it ran."""
    proc = trace("--gate", "sg00", str(SCRIPT))
    assert proc.returncode == 2
    assert "no gate named 'sg00': the script spells no such name" in proc.stderr
    assert "did you mean 'sg0'" in proc.stderr and "circuit output" not in proc.stderr
    proc = trace("--gate", "sg0.u0", str(SCRIPT))  # words of the script: a unit, not a gate
    assert proc.returncode == 2
    assert "no gate named 'sg0.u0' (the script ran to its end)" in proc.stderr
    assert "circuit output" in proc.stderr
    path = tmp_path / "mg.py"
    path.write_text(MICROGRAD_STYLE.replace("data", "v"))
    assert "--value-attr v" in trace(str(path)).stderr


MANY_UNNAMED = """
class U:
    def __init__(self, value):
        self.value, self.grad = value, 0.0

class Add:
    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = U(a.value + b.value)
        return self.out

us = [U(float(k)) for k in range(12)]  # Units in a list: no variable names them
for k in range(11):
    Add().forward(us[k], us[k + 1])
first = us[0]  # named at the end: U#1 becomes `first`, and U#10 stays U#10
"""


def test_a_name_is_given_once_and_never_mangled(tmp_path: Path) -> None:
    """A trace is live (issue 12): each object is named when first seen and keeps
    that name, so a later variable does not rename it, and U#10 stays U#10."""
    path = tmp_path / "many.py"
    path.write_text(MANY_UNNAMED)
    found = [e["call"] for e in calls(trace(str(path)))]
    assert len(found) == 11
    assert found[0] == "Add#1.forward(U#1, U#2)"
    assert found[9] == "Add#10.forward(U#10, U#11)"
    assert not any(re.search(r"first|U#1\d\d", c) for c in found)
