"""Regressions from the review of issue 20, part one, on the reviewer's own
small scripts (trimmed): `check` of correct gates is ok whatever the seed (the
guide's SVM with pulls of -1, +1 and 0) or the randomness (dropout), a missing
pull is a problem beside a call not judged, and forward's output is the Unit it
made when the gate's slots were declared None first. Also the helpers and the
pieces of scripts the other parts use: names, ids, writes and values are
test_script_regressions_names.py's; the script's own behaviour, files and
signals test_script_regressions_io.py's."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

PY = sys.executable
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
PY39 = sorted(PYENV.glob("3.9*/bin/python")) if PYENV.is_dir() else []

UNIT = """\
class Unit:
    def __init__(self, value, grad=0.0):
        self.value = value; self.grad = grad
"""
MUL = """\
class Mul:
    def forward(self, u0, u1):
        self.u0, self.u1 = u0, u1
        self.utop = Unit(u0.value * u1.value, 0.0)
        return self.utop
    def backward(self):
        self.u0.grad += self.u1.value * self.utop.grad
        self.u1.grad += self.u0.value * self.utop.grad
"""
SHOW = """\
def show(**objects):
    for name, o in objects.items():
        print("ID", name, hex(id(o)), flush=True)
"""
ADD = MUL.replace("Mul", "Add").replace("u0.value * u1.value", "u0.value + u1.value")
ADD = ADD.replace("self.u1.value * ", "").replace("self.u0.value * ", "")
SLOTS = UNIT.replace("class Unit:", 'class Unit:\n    __slots__ = ("value", "grad")')
Proc = subprocess.CompletedProcess[str]


def src(text: str, more: dict[str, str] | None = None) -> str:
    """A script whose lines @unit, @slots, @mul, @add and @show (and more's) stand
    for those pieces."""
    parts = {"@unit": UNIT, "@slots": SLOTS, "@mul": MUL, "@add": ADD, "@show": SHOW}
    parts |= more or {}
    return "".join(parts.get(line, line + "\n") for line in text.splitlines())


def write(folder: Path, source: str, name: str = "learner.py") -> Path:
    path = folder / name
    path.write_text(source)
    return path


def python(path: Path, *args: str, timeout: float = 120) -> Proc:
    """The script as `python SCRIPT ARGS` runs it."""
    return subprocess.run([PY, path.name, *args], cwd=path.parent, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)  # fmt: skip


def bpcli(mode: str, path: Path, *options: str, args: Sequence[str] = (), python: str = PY,
          timeout: float = 120) -> Proc:  # fmt: skip
    rest = ["--", *args] if args else []
    command = [PY, "-m", "bpcli", mode, "--python", python, *options, path.name, *rest]
    return subprocess.run(command, cwd=path.parent, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)  # fmt: skip


def events(proc: Proc) -> list[dict[str, Any]]:
    assert proc.stdout.strip(), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def printed_ids(proc: Proc) -> dict[str, str]:
    """What the script printed of id(): {its name: hex id}."""
    found = re.findall(r"^ID (\S+) (0x[0-9a-f]+)$", proc.stdout + "\n" + proc.stderr, re.M)
    assert found, proc.stdout + proc.stderr
    return dict(found)


def named(evs: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """Every (step, name, id) a trace gives: each step's self, slots and writes."""
    out = []
    for e in evs:
        if e.get("self"):
            out.append((e["step"], e["self"]["name"], e["self"]["id"]))
        out += [(e["step"], s["unit"], s["id"]) for s in e["slots"].values()]
        out += [(e["step"], w["unit"], w["id"]) for w in e.get("writes", [])]
    return out


def assert_names_true(evs: list[dict[str, Any]], ids: dict[str, str]) -> None:
    """A name the script has is given only to that object; one name, one object."""
    objects: dict[str, set[str]] = defaultdict(set)
    for step, name, oid in named(evs):
        objects[name].add(oid)
        if name in ids:
            assert oid == ids[name], f"step {step}: {name} given to {oid}, is {ids[name]}"
    assert all(len(o) == 1 for o in objects.values()), dict(objects)


def writes_to(
    evs: list[dict[str, Any]], oid: str, attr: str = "grad"
) -> list[tuple[str, Any, Any]]:
    return [(w["unit"], w["before"], w["after"]) for e in evs for w in e.get("writes", [])
            if w["id"] == oid and w["attr"] == attr]  # fmt: skip


# -- 1. check: any seed, the guide's SVM ---------------------------------------

SEEDED = src("""\
@unit
@mul
import sys
seed = float(sys.argv[1])
a = Unit(2.0, 0.0); b = Unit(3.0, 0.0)
g = Mul()
s = g.forward(a, b)
s.grad = seed
g.backward()
print("grads", a.grad, b.grad)
""")


@pytest.mark.parametrize("seed", [-1.0, 2.0])
def test_check_of_a_correct_gate_is_ok_whatever_the_seed(tmp_path: Path, seed: float) -> None:
    path = write(tmp_path, SEEDED)
    assert python(path, str(seed)).stdout.split() == ["grads", str(3 * seed), str(2 * seed)]
    ran = bpcli("check", path, "--format", "json", args=[str(seed)])
    report = json.loads(ran.stdout)
    assert (ran.returncode, report["verdict"], report["problems"]) == (0, "ok", []), ran.stdout
    assert report["checked"]["pulls"] == 2  # d(a*b)/da and /db


SVM = src("""\
@unit
@mul
@add
class Circuit:
    def __init__(self):
        self.mulg0 = Mul(); self.mulg1 = Mul(); self.addg0 = Add(); self.addg1 = Add()
    def forward(self, x, y, a, b, c):
        self.ax = self.mulg0.forward(a, x)
        self.by = self.mulg1.forward(b, y)
        self.axpby = self.addg0.forward(self.ax, self.by)
        self.ax_p_by_p_c = self.addg1.forward(self.axpby, c)
        return self.ax_p_by_p_c
    def backward(self, gradient_top):
        self.ax_p_by_p_c.grad = gradient_top
        self.addg1.backward(); self.addg0.backward()
        self.mulg1.backward(); self.mulg0.backward()
class SVM:
    def __init__(self):
        self.a = Unit(1.0, 0.0); self.b = Unit(-2.0, 0.0); self.c = Unit(-1.0, 0.0)
        self.circuit = Circuit()
    def forward(self, x, y):
        self.unit_out = self.circuit.forward(x, y, self.a, self.b, self.c)
        return self.unit_out
    def backward(self, label):
        self.a.grad = 0.0; self.b.grad = 0.0; self.c.grad = 0.0
        pull = 0.0
        if label == 1 and self.unit_out.value < 1:
            pull = 1.0
        if label == -1 and self.unit_out.value > -1:
            pull = -1.0
        pulls.append(pull)
        self.circuit.backward(pull)
        self.a.grad += -self.a.value
        self.b.grad += -self.b.value
    def learn_from(self, x, y, label):
        self.forward(x, y)
        self.backward(label)
        for p in (self.a, self.b, self.c):
            p.value += 0.01 * p.grad
data = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]]
labels = [1, -1, 1, -1, -1, 1]
svm = SVM(); pulls = []; keep = []
for it in range(8):
    i = it % len(data)
    x = Unit(data[i][0], 0.0); y = Unit(data[i][1], 0.0)
    svm.learn_from(x, y, labels[i])
    keep.append((x, y))
print("pulls", sorted(set(pulls)), "svm", svm.a.value, svm.b.value, svm.c.value)
""")


def test_check_of_the_guides_svm_with_pulls_of_minus_one_one_and_zero_is_ok(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, SVM)
    plain = python(path)
    assert plain.stdout.startswith("pulls [-1.0, 0.0, 1.0] svm"), plain.stdout
    ran = bpcli("check", path, "--format", "json")
    report = json.loads(ran.stdout)
    assert (ran.returncode, report["verdict"], report["problems"]) == (0, "ok", []), ran.stdout
    assert report["checked"] == {"backward_calls": 32, "judged_calls": 32, "pulls": 64}  # 8 x 4
    assert ran.stderr == plain.stdout  # the script's own numbers (JSON formats: on stderr)


# -- 2, 3. check: dropout never blamed; a missing pull beside a call not judged

DROPOUT = src("""\
@unit
@mul
import random, sys
class Dropout:
    def forward(self, u0):
        self.u0 = u0
        self.keep = 1.0 if random.random() < 0.5 else 0.0
        self.utop = Unit(u0.value * self.keep, 0.0)
        return self.utop
    def backward(self):
        self.u0.grad += self.keep * self.utop.grad
random.seed(int(sys.argv[1]))
a = Unit(1.5, 0.0); b = Unit(2.0, 0.0)
m = Mul(); d = Dropout()
for it in range(3):
    a.grad = 0.0; b.grad = 0.0
    s = d.forward(m.forward(a, b))
    s.grad = 1.0
    d.backward(); m.backward()
    print("b.grad", b.grad, "keep", d.keep)
""")


def test_check_never_blames_a_correct_dropout_gate(tmp_path: Path) -> None:
    path = write(tmp_path, DROPOUT)
    for seed in range(10):
        grads = re.findall(r"^b.grad (\S+) keep (\S+)$", python(path, str(seed)).stdout, re.M)
        assert len(grads) == 3 and all(float(g) == 1.5 * float(k) for g, k in grads), grads
        ran = bpcli("check", path, "--color", "never", args=[str(seed)])
        said = ran.stdout + ran.stderr
        assert "error:" not in said, f"seed {seed}: {said}"
        assert ran.returncode == 0 or "not judged" in said, f"seed {seed}: {said}"


MISSING = src("""\
@unit
@mul
class Forgets(Mul):
    def backward(self):
        self.u0.grad += self.u1.value * self.utop.grad
calls = 0
class Scale:
    def forward(self, u0):
        global calls
        calls += 1
        self.u0 = u0
        self.k = 2.0 if calls == 1 else 3.0
        self.utop = Unit(u0.value * self.k, 0.0)
        return self.utop
    def backward(self):
        self.u0.grad += self.k * self.utop.grad
a = Unit(1.5, 0.0); b = Unit(2.0, 0.0)
m = Forgets(); d = Scale()
s = d.forward(m.forward(a, b))
s.grad = 1.0
d.backward()
m.backward()
""")


def test_a_missing_pull_is_a_problem_beside_a_call_not_judged(tmp_path: Path) -> None:
    ran = bpcli("check", write(tmp_path, MISSING), "--format", "json")
    report = json.loads(ran.stdout)
    assert ran.returncode == 1, ran.stdout
    assert report["verdict"] == "fail"
    missing = [p for p in report["problems"] if p["kind"] == "missing"]
    assert [p["gate"] for p in missing] == ["m"], report["problems"]
    assert missing[0]["got"] == 0.0
    assert missing[0]["expected"] == pytest.approx(1.5 * 2.0, rel=1e-6)  # a.value * d.k
    assert [n["gate"] for n in report["not_judged"]] == ["d"]


# -- 4. the output Unit when forward's slots were declared None first ------------

DECLARED = src("""\
@unit
@mul
@show
class Declared(Mul):
    def __init__(self):
        self.utop = None; self.u0 = None; self.u1 = None
a = Unit(2.0, 0.0); b = Unit(3.0, 0.0)
g = Declared()
s = g.forward(a, b)
s.grad = 1.0
g.backward()
show(s=s, a=a, b=b, g=g)
""")


def test_slots_declared_none_first_the_new_unit_is_forwards_output(tmp_path: Path) -> None:
    path = write(tmp_path, DECLARED)
    ran = bpcli("trace", path, "--format", "jsonl")
    ids, evs = printed_ids(ran), events(ran)
    forward = next(e for e in evs if e["phase"] == "forward")
    assert forward["slots"]["utop"]["id"] == ids["s"]
    new = [s for s in forward["slots"].values() if s["unit"] == forward["new"]]
    assert [s["id"] for s in new] == [ids["s"]], forward
    assert_names_true(evs, ids)
    ran = bpcli("check", path, "--format", "json")
    assert (ran.returncode, json.loads(ran.stdout)["verdict"]) == (0, "ok"), ran.stdout
