"""bpcli trace SCRIPT.py against an independent oracle of every write (issue 20).

The oracle: a copy of the script whose blank line 1 imports a module written
here, which wraps ``__setattr__`` of the script's ``Unit`` class as it is made
and logs each write to an existing Unit's value or grad (id, attr, before,
after, the caller's line), run under plain ``python``. The original runs under
``bpcli trace --format jsonl``: same writes, same order, same pattern of
objects. The scripts keep every Unit alive, so an address is one object.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT
from test_reference_figures import GRADS

Event = dict[str, Any]
Write = tuple[str, float, float, int]  # attr, before, after, line

ORACLE = """
import builtins, json, os, sys
_log = open(os.environ["ORACLE_LOG"], "w", buffering=1)
_keep = []
_build_class = builtins.__build_class__

def _wrap(cls):
    base = cls.__setattr__

    def __setattr__(self, attr, new):
        if attr not in ("value", "grad") or attr not in self.__dict__:
            return base(self, attr, new)  # a Unit being made is no write
        before = self.__dict__[attr]
        base(self, attr, new)
        _keep.append(self)
        line = sys._getframe(1).f_lineno
        _log.write(json.dumps([hex(id(self)), attr, before, new, line]) + "\\n")

    cls.__setattr__ = __setattr__

def _build(func, name, *bases, **kw):
    cls = _build_class(func, name, *bases, **kw)
    if name == "Unit":
        _wrap(cls)
    return cls

builtins.__build_class__ = _build
"""

GATES = """
import math

class Unit:
    def __init__(self, value, grad):
        self.value = value
        self.grad = grad

class MultGate:
    def forward(self, u0, u1):
        self.u0 = u0
        self.u1 = u1
        self.utop = Unit(u0.value * u1.value, 0.0)
        return self.utop
    def backward(self):
        self.u0.grad += self.u1.value * self.utop.grad
        self.u1.grad += self.u0.value * self.utop.grad

class AddGate:
    def forward(self, u0, u1):
        self.u0 = u0
        self.u1 = u1
        self.utop = Unit(u0.value + u1.value, 0.0)
        return self.utop
    def backward(self):
        self.u0.grad += 1 * self.utop.grad
        self.u1.grad += 1 * self.utop.grad

class SigmoidGate:
    def sig(self, x):
        return 1 / (1 + math.exp(-x))
    def forward(self, u0):
        self.u0 = u0
        self.utop = Unit(self.sig(self.u0.value), 0.0)
        return self.utop
    def backward(self):
        s = self.sig(self.u0.value)
        self.u0.grad += (s * (1 - s)) * self.utop.grad
"""

TRAINING = """
a = Unit(1.0, 0.0)
b = Unit(2.0, 0.0)
c = Unit(-3.0, 0.0)
x = Unit(-1.0, 0.0)
y = Unit(3.0, 0.0)
params = [a, b, c, x, y]
mulg0, mulg1, addg0, addg1, sg0 = MultGate(), MultGate(), AddGate(), AddGate(), SigmoidGate()
keep = []
lr = 0.01
for it in range(4):
    if it % 2 == 0:
        for p in params: p.grad = 0.0
    else:
        for p in params:
            p.grad = 0.0
    ax = mulg0.forward(a, x)
    by = mulg1.forward(b, y)
    axpby = addg0.forward(ax, by)
    axpbypc = addg1.forward(axpby, c)
    s = sg0.forward(axpbypc)
    keep.append((ax, by, axpby, axpbypc, s))
    s.grad = 1.0
    sg0.backward()
    addg1.backward()
    addg0.backward()
    mulg1.backward()
    mulg0.backward()
    for p in params: p.value += lr * p.grad
print("trained", s.value)
"""

SVM = """
class Circuit:
    def __init__(self):
        self.mulg0 = MultGate()
        self.mulg1 = MultGate()
        self.addg0 = AddGate()
        self.addg1 = AddGate()
    def forward(self, x, y, a, b, c):
        self.ax = self.mulg0.forward(a, x)
        self.by = self.mulg1.forward(b, y)
        self.axpby = self.addg0.forward(self.ax, self.by)
        self.ax_p_by_p_c = self.addg1.forward(self.axpby, c)
        return self.ax_p_by_p_c
    def backward(self, gradient_top):
        self.ax_p_by_p_c.grad = gradient_top
        self.addg1.backward()
        self.addg0.backward()
        self.mulg1.backward()
        self.mulg0.backward()

class SVM:
    def __init__(self):
        self.a = Unit(1.0, 0.0)
        self.b = Unit(-2.0, 0.0)
        self.c = Unit(-1.0, 0.0)
        self.circuit = Circuit()
    def forward(self, x, y):
        self.unit_out = self.circuit.forward(x, y, self.a, self.b, self.c)
        return self.unit_out
    def backward(self, label):
        self.a.grad = 0.0
        self.b.grad = 0.0
        self.c.grad = 0.0
        pull = 0.0
        if label == 1 and self.unit_out.value < 1:
            pull = 1.0
        if label == -1 and self.unit_out.value > -1:
            pull = -1.0
        self.circuit.backward(pull)
        self.a.grad += -self.a.value
        self.b.grad += -self.b.value
    def learn_from(self, x, y, label):
        self.forward(x, y)
        self.backward(label)
        self.parameter_update()
    def parameter_update(self):
        step_size = 0.01
        self.a.value += step_size * self.a.grad
        self.b.value += step_size * self.b.grad
        self.c.value += step_size * self.c.grad

data = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]]
labels = [1, -1, 1, -1, -1, 1]
svm = SVM()
keep = []
for it in range(8):
    i = it % len(data)
    x = Unit(data[i][0], 0.0)
    y = Unit(data[i][1], 0.0)
    svm.learn_from(x, y, labels[i])
    net = svm.circuit
    keep.append((x, y, net.ax, net.by, net.axpby, net.ax_p_by_p_c))
print("svm", svm.a.value, svm.b.value, svm.c.value)
"""

HELPER = """
keep = []

def build():
    a = Unit(1.0, 0.0)
    b = Unit(-2.0, 0.0)
    x = Unit(0.5, 0.0)
    m0, m1, s0, s1, add = MultGate(), MultGate(), SigmoidGate(), SigmoidGate(), AddGate()
    h0 = s0.forward(m0.forward(a, x))
    h1 = s1.forward(m1.forward(b, x))
    total = add.forward(h0, h1)
    total.grad = 1.0
    add.backward()
    s1.backward()
    m1.backward()
    s0.backward()
    m0.backward()
    keep.append((a, b, x, m0, m1, s0, s1, add, h0, h1, total))
    return total

first = build()
second = build()
print("two nets", first.value, second.value)
"""

MICRO = """
a = Unit(3.0, 0.0)
b = Unit(-2.0, 0.0)
sq = MultGate()
aa = sq.forward(a, a)
aa.grad = 1.0
sq.backward()
twice = AddGate()
ab = twice.forward(a, b)
abb = twice.forward(ab, b)
abb.grad = 2.0
twice.backward()
twice.backward()
print("micro", a.grad, b.grad, ab.grad)
"""


def learner(body: str) -> str:
    """The gate classes, then the script's own lines; line 1 is left blank."""
    return GATES + body


def line_no(body: str, text: str) -> int:
    """The 1-based line of the learner's script that is exactly ``text``."""
    return learner(body).splitlines().index(text) + 1


def oracle(body: str, tmp_path: Path) -> list[tuple[str, str, float, float, int]]:
    """Run the script's copy under plain python: the writes it logged."""
    (tmp_path / "oracle_log.py").write_text(ORACLE)
    copy = tmp_path / "copy_with_oracle.py"
    copy.write_text("import oracle_log" + learner(body))  # on the blank line 1
    log = tmp_path / "writes.jsonl"
    env = dict(os.environ, ORACLE_LOG=str(log))
    proc = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return [tuple(json.loads(line)) for line in log.read_text().splitlines()]  # type: ignore[misc]


def traced(body: str, tmp_path: Path) -> list[Event]:
    """Run the original script under bpcli trace --format jsonl: its events."""
    path = tmp_path / "learner.py"
    path.write_text(learner(body))
    args = [sys.executable, "-m", "bpcli", "trace", "--format", "jsonl", "--python",
            sys.executable, str(path)]  # fmt: skip
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def flat_writes(events: list[Event]) -> list[tuple[Event, Event]]:
    """Every write of every event, in event order: (event, write)."""
    return [(e, w) for e in events for w in e.get("writes") or []]


def line_of(event: Event, write: Event) -> int:
    return int((write.get("source") or event["source"])["line"])


def same_as_oracle(body: str, events: list[Event], tmp_path: Path) -> None:
    """The writes bpcli reports are the oracle's, in order, on the same pattern
    of objects; and its names are sound (check_names)."""
    logged = oracle(body, tmp_path)
    seen = flat_writes(events)
    want: list[Write] = [(attr, before, after, line) for _, attr, before, after, line in logged]
    got: list[Write] = [(w["attr"], w["before"], w["after"], line_of(e, w)) for e, w in seen]
    for k, (g, o) in enumerate(zip(got, want)):
        assert g == o, f"write {k}: bpcli {g}, oracle {o} ({seen[k][0]['call']!r})"
    assert len(got) == len(want), f"bpcli {len(got)} writes, oracle {len(want)}"
    to_bpcli: dict[str, str] = {}
    to_oracle: dict[str, str] = {}
    for k, ((_, w), entry) in enumerate(zip(seen, logged)):
        ours, theirs = entry[0], w["id"]
        assert to_bpcli.setdefault(ours, theirs) == theirs, f"write {k}: one object, two ids"
        assert to_oracle.setdefault(theirs, ours) == ours, f"write {k}: two objects, one id"
    check_names(events)


def unit_entries(events: list[Event]) -> list[tuple[str, Event, str | None]]:
    """Every (unit name, entry with an id, its holder name) in slots and writes."""
    out: list[tuple[str, Event, str | None]] = []
    for e in events:
        for key, slot in (e.get("slots") or {}).items():
            out.append((slot["unit"], slot, f"{e['gate']}.{key}" if e["gate"] else None))
        out.extend((w["unit"], w, None) for w in e.get("writes") or [])
    return out


def check_names(events: list[Event]) -> None:
    """A name is one object; nothing is the same object as itself."""
    ids: dict[str, str] = {}
    for name, entry, holder in unit_entries(events):
        assert ids.setdefault(name, entry["id"]) == entry["id"], f"{name} names two objects"
        others = entry.get("same_object_as", [])
        assert name not in others, f"{name} is 'the same object as' itself"
        assert holder not in others, f"{holder} is 'the same object as' itself"
    gates: dict[str, str] = {}
    for e in events:
        if e["gate"]:
            assert gates.setdefault(e["gate"], e["self"]["id"]) == e["self"]["id"], e["gate"]


def spec_grads() -> dict[str, float]:
    """The guide's neuron by hand: s = σ(a·x + b·y + c), a=1 b=2 c=-3 x=-1 y=3."""
    a, b, c, x, y = 1.0, 2.0, -3.0, -1.0, 3.0
    s = 1 / (1 + math.exp(-(a * x + b * y + c)))
    ds = s * (1 - s)
    return {"a": x * ds, "b": y * ds, "c": ds, "x": a * ds, "y": b * ds}


def test_training_loop_with_zeroing_and_update_loops(tmp_path: Path) -> None:
    """Four iterations of the neuron: one-line and two-line zeroing loops, the
    seed, five backward calls and a one-line update loop. Every write, in order,
    on the right object; the first pass's grads are the SPEC's."""
    assert spec_grads() == GRADS  # the SPEC's figures, by hand
    events = traced(TRAINING, tmp_path)
    update = line_no(TRAINING, "    for p in params: p.value += lr * p.grad")
    updates = [(e, w) for e, w in flat_writes(events) if line_of(e, w) == update]
    assert len(updates) == 4 * 5
    first_pass = updates[:5]  # each loop round writes another Unit: five names, five ids
    assert [w["unit"] for _, w in first_pass] == ["a", "b", "c", "x", "y"]
    assert len({w["id"] for _, w in first_pass}) == 5
    for name, grad in spec_grads().items():
        (w,) = [w for _, w in first_pass if w["unit"] == name]
        assert math.isclose(w["after"] - w["before"], 0.01 * grad, rel_tol=1e-9), name
    for e, w in first_pass:  # a script step lists each Unit written, none lost
        assert e["slots"][w["unit"]]["id"] == w["id"]
    backward = [e for e in events if e["phase"] == "backward"][:5]
    got = {w["unit"]: w["after"] for e in backward for w in e["writes"]}
    assert {n: got[n] for n in "abcxy"} == spec_grads()
    same_as_oracle(TRAINING, events, tmp_path)


def test_the_guides_svm(tmp_path: Path) -> None:
    """The guide's SVM: the seed inside Circuit.backward comes before the gate
    calls that read it, and every name is spelled from outside."""
    events = traced(SVM, tmp_path)
    seed_line = line_no(SVM, "        self.ax_p_by_p_c.grad = gradient_top")
    seeded: list[tuple[str, float]] = []
    readers = 0
    for e in events:
        for w in e.get("writes") or []:
            if line_of(e, w) == seed_line:
                seeded.append((w["id"], w["after"]))
        if e["gate"] == "svm.circuit.addg1" and e["phase"] == "backward":
            readers += 1
            top = e["slots"]["utop"]
            assert seeded and seeded[-1] == (top["id"], top["grad"]), "seed after its reader"
    assert readers == len(seeded) == 8
    gates = {e["gate"] for e in events if e["gate"]}
    assert {f"svm.circuit.{g}" for g in ("mulg0", "mulg1", "addg0", "addg1")} <= gates
    units = {name for name, _, _ in unit_entries(events)}
    assert {"svm.a", "svm.b", "svm.c"} <= units
    every = gates | units
    for e in events:
        if e["gate"]:
            every |= {e["self"]["name"], *re.findall(r"[\w.#]+", e["call"])}
        for _, entry, _ in unit_entries([e]):
            every |= set(entry.get("same_object_as", []))
    assert not [n for n in every if n.startswith("self.") or n == "self"], sorted(every)
    same_as_oracle(SVM, events, tmp_path)


def test_a_helper_that_builds_a_net_per_call(tmp_path: Path) -> None:
    """build() called twice: two `total`s, two names (total, total#2), and the
    Units of one call never named like those of the other."""
    events = traced(HELPER, tmp_path)
    seed_line = line_no(HELPER, "    total.grad = 1.0")
    seeds = [w for e, w in flat_writes(events) if line_of(e, w) == seed_line]
    assert len(seeds) == 2 and seeds[0]["unit"] == "total"
    assert seeds[0]["id"] != seeds[1]["id"] and seeds[0]["unit"] != seeds[1]["unit"]
    same_as_oracle(HELPER, events, tmp_path)


def test_one_unit_in_two_slots_and_a_gate_used_twice(tmp_path: Path) -> None:
    """a·a: both slots hold a, each slot says so of the other (not of itself);
    one AddGate forwarded twice in a pass keeps one self and two outputs."""
    events = traced(MICRO, tmp_path)
    sq = [e for e in events if e["gate"] == "sq"]
    for e in sq:
        u0, u1 = e["slots"]["u0"], e["slots"]["u1"]
        assert u0["id"] == u1["id"] and u0["unit"] == u1["unit"] == "a"
        assert "sq.u1" in u0["same_object_as"] and "sq.u0" in u1["same_object_as"]
    back = next(e for e in sq if e["phase"] == "backward")
    pulls = [("u0", 0.0, 3.0), ("u1", 3.0, 6.0)]  # d(a²)/da = 2a, in two pulls
    assert [(w["slot"], w["before"], w["after"]) for w in back["writes"]] == pulls
    twice = [e for e in events if e["gate"] == "twice" and e["phase"] == "forward"]
    assert len(twice) == 2 and twice[0]["self"]["id"] == twice[1]["self"]["id"]
    assert twice[0]["slots"]["utop"]["id"] == twice[1]["slots"]["u0"]["id"]
    assert twice[0]["slots"]["utop"]["id"] != twice[1]["slots"]["utop"]["id"]
    same_as_oracle(MICRO, events, tmp_path)
