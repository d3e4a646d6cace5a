"""bpcli trace on micrograd/microgpt-style Value code against an oracle (issue 21): a
copy of the script, run under plain python, whose blank line 1 imports a module that
wraps ``Value.__setattr__`` (each write to a made Value's data or grad: id, attr,
before, after, line), each ``_backward`` closure (its cells, by ``co_freevars`` and
``__closure__``, once run) and ``backward()``. Ids are compared as a pattern. Graphs
are kept alive (one address, one object); ``_prev`` is a tuple, as a set's order
rests on addresses, which differ between the runs."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

Event = dict[str, Any]
Record = list[Any]

ORACLE = """
import builtins, json, os, sys
_log = open(os.environ["ORACLE_LOG"], "w", buffering=1)
_keep, _writes, _order, _build_class = [], [0], [0], builtins.__build_class__
_put = lambda *record: _log.write(json.dumps(record) + "\\n")
def _cell(x):
    if type(x).__name__ == "Value":
        return {"id": hex(id(x)), "value": x.data, "grad": x.grad}
    return x if type(x) in (int, float) else {"type": type(x).__name__}
def _logged(owner, fn):
    def _backward():
        start, _order[0] = _writes[0], _order[0] + 1
        fn()
        cells = {n: _cell(c.cell_contents) for n, c in zip(fn.__code__.co_freevars, fn.__closure__)}
        _put("closure", hex(id(owner)), _order[0], start, _writes[0], cells)
    return _backward
def _wrap(cls):
    base, backward = cls.__setattr__, cls.backward
    def __setattr__(self, attr, new):
        _keep.append(self)
        if attr == "_backward" and getattr(getattr(new, "__code__", None), "co_freevars", ()):
            return base(self, attr, _logged(self, new))
        if attr not in ("data", "grad") or not hasattr(self, attr):
            return base(self, attr, new)  # a Value being made is no write
        before = getattr(self, attr)
        base(self, attr, new)
        _writes[0] += 1
        _put("write", hex(id(self)), attr, before, new, sys._getframe(1).f_lineno)
    def _backward_pass(self, *args, **kw):  # a pass: its closures in order from 1
        _order[0] = 0
        return backward(self, *args, **kw)
    cls.__setattr__, cls.backward = __setattr__, _backward_pass
def _build(func, name, *bases, **kw):
    cls = _build_class(func, name, *bases, **kw)
    if name == "Value": _wrap(cls)
    return cls
builtins.__build_class__ = _build
"""

SUGAR = """
    def __neg__(self): return self * -1
    def __radd__(self, other): return self + other
    def __sub__(self, other): return self + (-other)
    def __rmul__(self, other): return self * other
    def backward(self):
        topo = []
        visited = set()
        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v.CHILDREN:
                    build_topo(child)
                topo.append(v)
        build_topo(self)"""

CLOSURES = (
    """
import math
import random
class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")
        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
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
    def __pow__(self, other):
        out = Value(self.data**other, (self,), f"**{other}")
        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out
    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = Value(t, (self,), "tanh")
        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out"""
    + SUGAR.replace("CHILDREN", "_prev")
    + """
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()
"""
)

MLP = """
class Neuron:
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()
    def parameters(self): return self.w + [self.b]
class Layer:
    def __init__(self, nin, nout):
        self.neurons = [Neuron(nin) for _ in range(nout)]
    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs
    def parameters(self): return [p for n in self.neurons for p in n.parameters()]
class MLP:
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1]) for i in range(len(nouts))]
    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
    def parameters(self): return [p for layer in self.layers for p in layer.parameters()]
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0
random.seed(1337)
model = MLP(2, [3, 1])
xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0]]
ys = [1.0, -1.0, 1.0]
keep = []
for k in range(3):
    ypred = [model(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    keep.append(loss)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data += -0.1 * p.grad
"""

TWICE = """
a = Value(3.0)
b = Value(-2.0)
sq = a * a
tw = a + a
d = sq * b + tw
d.backward()
"""

GPT = (
    """
import math
class Value:
    __slots__ = ("data", "grad", "_children", "_local_grads")
    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))
    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))
    def __pow__(self, other):
        return Value(self.data**other, (self,), (other * self.data ** (other - 1),))
    def log(self): return Value(math.log(self.data), (self,), (1 / self.data,))
    def exp(self): return Value(math.exp(self.data), (self,), (math.exp(self.data),))
    def __truediv__(self, other): return self * other**-1"""
    + SUGAR.replace("CHILDREN", "_children")
    + """
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad
def softmax(logits):
    max_val = max(val.data for val in logits)
    exps = [(val - max_val).exp() for val in logits]
    total = sum(exps)
    return [e / total for e in exps]
W = [[Value(0.3), Value(-0.2)], [Value(-0.5), Value(0.4)], [Value(0.1), Value(0.2)]]
params = [w for row in W for w in row]
data = [([1.0, 2.0], 0), ([-1.5, 0.5], 2)]
keep = []
for step in range(2):
    losses = []
    for x, target in data:
        logits = [sum(wi * xi for wi, xi in zip(row, x)) for row in W]
        probs = softmax(logits)
        losses.append(-probs[target].log())
    loss = sum(losses) / len(losses)
    keep.append(loss)
    loss.backward()
    for p in params:
        p.data -= 0.5 * p.grad
        p.grad = 0
"""
)

SCRIPTS = {"mlp": CLOSURES + MLP, "twice": CLOSURES + TWICE, "gpt": GPT}


def oracle(script: str, folder: Path) -> list[Record]:
    """Run the script's copy under plain python: what it logged, in order."""
    (folder / "oracle_log.py").write_text(ORACLE)
    copy = folder / "copy_with_oracle.py"
    copy.write_text("import oracle_log" + script)  # on the blank line 1
    log = folder / "oracle.jsonl"
    env = dict(os.environ, ORACLE_LOG=str(log))
    proc = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True,
                          timeout=60, cwd=folder, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def traced(path: Path) -> list[Event]:
    """Run the script unchanged under bpcli trace --format jsonl: its events."""
    args = [sys.executable, "-m", "bpcli", "trace", "--format", "jsonl", "--python",
            sys.executable, str(path)]  # fmt: skip
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Each script run both ways once: (oracle records, bpcli events)."""
    done: dict[str, tuple[list[Record], list[Event]]] = {}

    def run(name: str) -> tuple[list[Record], list[Event]]:
        if name not in done:
            folder = tmp_path_factory.mktemp(name)
            (folder / "learner.py").write_text(SCRIPTS[name])
            done[name] = (oracle(SCRIPTS[name], folder), traced(folder / "learner.py"))
        return done[name]

    return run


@dataclass
class Ids:
    """One oracle id is one bpcli id, both ways."""

    to_bpcli: dict[str, str] = field(default_factory=dict)
    to_oracle: dict[str, str] = field(default_factory=dict)

    def pair(self, ours: str, theirs: str, where: str) -> None:
        assert self.to_bpcli.setdefault(ours, theirs) == theirs, f"{where}: one object, two ids"
        assert self.to_oracle.setdefault(theirs, ours) == ours, f"{where}: two objects, one id"


def flat_writes(events: list[Event]) -> list[tuple[Event, Event]]:
    return [(e, w) for e in events for w in e.get("writes") or []]


def line_of(event: Event, write: Event) -> int:
    return int((write.get("source") or event["source"])["line"])


def same_writes(records: list[Record], events: list[Event], ids: Ids) -> None:
    """bpcli's writes, in closure, node and script steps alike, are the oracle's."""
    logged = [r[1:] for r in records if r[0] == "write"]
    seen = flat_writes(events)
    want = [(attr, before, after, line) for _, attr, before, after, line in logged]
    got = [(w["attr"], w["before"], w["after"], line_of(e, w)) for e, w in seen]
    for k, (g, o) in enumerate(zip(got, want)):
        assert g == o, f"write {k}: bpcli {g}, oracle {o} ({seen[k][0]['call']!r})"
    assert len(got) == len(want), f"bpcli {len(got)} writes, oracle {len(want)}"
    for k, ((_, w), entry) in enumerate(zip(seen, logged)):
        ids.pair(entry[0], w["id"], f"write {k}")


def same_closures(records: list[Record], events: list[Event], ids: Ids) -> None:
    """Each closure step, in order: its place in its pass, the writes made while
    it ran, the name of the Value it belongs to, its cells once it had run."""
    want = [r for r in records if r[0] == "closure"]
    steps: list[tuple[Event, tuple[int, int]]] = []
    done = 0
    for e in events:
        n = len(e.get("writes") or [])
        if e.get("kind") == "closure":
            steps.append((e, (done, done + n)))
        done += n
    assert len(steps) == len(want), f"bpcli {len(steps)} closure steps, oracle {len(want)}"
    for k, ((e, span), (_, owner, order, start, end, cells)) in enumerate(zip(steps, want)):
        where = f"closure step {k} ({e['call']!r})"
        assert e["order"] == order, f"{where}: order {e['order']}, oracle {order}"
        assert span == (start, end), f"{where}: writes {span}, oracle {(start, end)}"
        captured = e["captured"]
        assert sorted(captured) == sorted(cells), f"{where}: {sorted(captured)}, {sorted(cells)}"
        for name, cell in cells.items():
            held = captured[name]
            if isinstance(cell, dict) and "id" in cell:
                ids.pair(cell["id"], held["id"], f"{where}: {name}")
                assert (held["value"], held["grad"]) == (cell["value"], cell["grad"]), name
            else:
                assert held == cell, f"{where}: {name} is {held!r}, oracle {cell!r}"
        mine = ids.to_bpcli[owner]
        names = {s["unit"] for s in captured.values() if isinstance(s, dict) and s["id"] == mine}
        assert names == {e["gate"]}, f"{where}: the closure of {names}, gate {e['gate']!r}"


def test_the_lecture_neuron() -> None:
    """examples/micrograd_neuron.py, by hand: o = tanh(n) = √2/2, do/dn = 1 - o²
    = 1/2, and each product's grad is the other factor times 1/2."""
    events = traced(ROOT / "examples" / "micrograd_neuron.py")
    x1, w1, x2, w2 = 2.0, -3.0, 0.0, 1.0
    n = x1 * w1 + x2 * w2 + 6.8813735870195432
    o = (math.exp(2 * n) - 1) / (math.exp(2 * n) + 1)
    assert math.isclose(o, math.sqrt(2) / 2, abs_tol=1e-15)
    (made,) = [e for e in events if e.get("kind") == "op" and e.get("new") == "o"]
    assert made["made_by"] == "Value.tanh"
    assert math.isclose(made["slots"]["out"]["value"], 0.7071067811865476, abs_tol=1e-12)
    final = {w["unit"]: w["after"] for _, w in flat_writes(events) if w["attr"] == "grad"}
    by_hand = {"x1": w1 * 0.5, "w1": x1 * 0.5, "x2": w2 * 0.5, "w2": x2 * 0.5}
    assert by_hand == {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}
    for name, grad in by_hand.items():
        assert name in final, f"no write into {name}.grad"
        assert math.isclose(final[name], grad, abs_tol=1e-12), (name, final[name])


@pytest.mark.parametrize("name", ["mlp", "twice"])
def test_captured_is_what_the_cells_hold(name: str, runs: Any) -> None:
    """Each closure step's `captured` is what its cells held once it had run:
    same objects (as a pattern, with the writes'), data, grad, numbers."""
    records, events = runs(name)
    assert any(r[0] == "closure" for r in records)
    same_writes(records, events, ids := Ids())
    same_closures(records, events, ids)


@pytest.mark.parametrize("name", ["mlp", "gpt", "twice"])
def test_every_write_as_the_oracle_logged_it(name: str, runs: Any) -> None:
    """Every write to an existing Value's data or grad: attr, before, after,
    line, in order, on the same pattern of objects."""
    records, events = runs(name)
    logged = [r for r in records if r[0] == "write"]
    lines = SCRIPTS[name].splitlines()
    written = {lines[r[5] - 1].strip().split(" ")[0] for r in logged}
    assert written >= ({"self.grad"} if name == "twice" else {"self.grad", "p.data", "p.grad"})
    same_writes(records, events, Ids())
    if name == "gpt":
        nodes = [e for e in events if e.get("kind") == "node"]
        loop = [r for r in logged if "+= local_grad * v.grad" in lines[r[5] - 1]]
        assert nodes and sum(len(e["writes"]) for e in nodes) == len(loop)


def test_a_times_a_pulls_twice_into_one_grad(runs: Any) -> None:
    """d = a·a·b + (a + a), a = 3, b = -2, by hand: the closure of a·a runs
    after those of d, a+a and (a·a)·b; it adds 3·(-2) into a.grad twice, from
    self and from other, one object: 2 → -4 → -10 (= 2ab + 2)."""
    _, events = runs("twice")
    (step,) = [e for e in events if e.get("kind") == "closure" and e["gate"] == "sq"]
    captured = step["captured"]
    same = {unit: sorted(names) for unit, names in step.get("same_object", {}).items()}
    assert same == {"a": ["other", "self"]}
    first, second = step["writes"]
    assert first["id"] == second["id"] == captured["self"]["id"] == captured["other"]["id"]
    pairs = [(w["attr"], w["before"], w["after"]) for w in (first, second)]
    assert pairs == [("grad", 2.0, -4.0), ("grad", -4.0, -10.0)]  # one starts where one ends
    assert second["pulls"][:-1] == first["pulls"]
    for w in (first, second):
        assert w["pulls"][-1] == 3.0 * -2.0
        assert math.isclose(sum(w["pulls"]), w["after"], abs_tol=1e-12)
        assert w["after"] - w["before"] == w["pulls"][-1]
