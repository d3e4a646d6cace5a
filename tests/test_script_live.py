"""trace SCRIPT.py as it runs (issue 12): the script paused at each step in a
real terminal, its own prints where they are printed, `b`, `q` and Ctrl-C;
JSONL events as they happen; the seed and the update as steps, each write with
the learner's line; `self` named; and the rest a learner will meet."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
from test_trace import _read_until, stepper_in_a_terminal

from conftest import ROOT
from test_reference_figures import FORWARD_0, FORWARD_1, GRADS

SCRIPT = ROOT / "examples" / "neuron_gates.py"
PROMPT = r"\[q\] quit"


def trace(*args: str) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "trace", "--format", "jsonl", *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


# -- 1. live ---------------------------------------------------------------------------------


def test_the_script_is_paused_at_each_step_and_prints_in_between() -> None:
    with stepper_in_a_terminal(str(SCRIPT)) as (master, _, proc):
        screen = _read_until(master, r"step 1 ·[\s\S]*" + PROMPT)
        for k in range(2, 6):  # Enter, Enter, …: the forward calls, one at a time
            os.write(master, b"\r")
            screen = _read_until(master, rf"step {k} ·[\s\S]*" + PROMPT)
        assert "circuit output" not in screen  # paused before its own print
        os.write(master, b"\r")
        screen = _read_until(master, r"step 6 ·[\s\S]*" + PROMPT)
        printed, seed = screen.index("circuit output: 0.88079"), screen.index("s.grad = 1.0")
        assert printed < seed  # its print came between step 5 and step 6, where it ran
        os.write(master, b"b")  # back over a step already seen
        screen = _read_until(master, r"step 5 ·[\s\S]*" + PROMPT)
        os.write(master, b"q")  # stops the script: exit 0, the rest of it never runs
        assert proc.wait(timeout=20) == 0
        assert "after one backprop" not in screen


def test_ctrl_c_while_the_script_is_paused_exits_130_with_the_terminal_restored() -> None:
    import termios

    with stepper_in_a_terminal(str(SCRIPT)) as (master, slave, proc):
        _read_until(master, PROMPT)
        os.write(master, b"\x03")
        screen = _read_until(master, "interrupted")
        assert proc.wait(timeout=20) == 130
        assert "Traceback" not in screen
        lflag = termios.tcgetattr(slave)[3]
        assert lflag & termios.ICANON and lflag & termios.ECHO


def test_jsonl_events_arrive_as_they_happen(tmp_path: Path) -> None:
    """A reader (tail -f) sees the first steps while the script is still running."""
    slow = tmp_path / "slow.py"
    printed = 'print("circuit output:", s.value)'
    slow.write_text(SCRIPT.read_text().replace(printed, printed + "\nimport time; time.sleep(30)"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpcli", "trace", "--format", "jsonl", str(slow)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "no event within 20 s though five steps ran"
        first = json.loads(proc.stdout.readline())
        assert first["call"] == "mulg0.forward(a, x)"
        assert proc.poll() is None  # the script is still sleeping
    finally:
        proc.kill()
        proc.wait()


# -- 2, 3, 4. self, the seed and the update, the learner's lines -------------------------------


def test_every_gate_event_names_its_self_and_the_second_of_a_class_is_explained() -> None:
    evs = trace(str(SCRIPT))
    gates = [e for e in evs if e["gate"] is not None]
    assert all(set(e["self"]) >= {"name", "class", "id"} for e in gates)
    mulg0 = next(e for e in gates if e["call"] == "mulg0.forward(a, x)")
    mulg1 = next(e for e in gates if e["call"] == "mulg1.forward(b, y)")
    assert (mulg0["self"]["class"], mulg1["self"]["class"]) == ("MultGate", "MultGate")
    assert mulg0["self"]["id"] != mulg1["self"]["id"]  # two objects, one class
    assert mulg1["self"]["first_of_class"] == "mulg0" and "first_of_class" not in mulg0["self"]
    backs = [e for e in gates if e["call"] == "mulg1.backward()"]
    assert backs and all(b["self"]["id"] == mulg1["self"]["id"] for b in backs)
    out = subprocess.run([sys.executable, "-m", "bpcli", "trace", str(SCRIPT)],
                         capture_output=True, text=True, timeout=60).stdout  # fmt: skip
    assert "self = mulg1, a MultGate at 0x" in out
    assert "mulg1 is another MultGate, a different object from mulg0" in out


def test_the_seed_and_the_update_are_steps_with_the_learners_lines() -> None:
    evs = trace(str(SCRIPT))
    script = [e for e in evs if e["phase"] == "script"]
    seed = script[0]
    assert seed["gate"] is None and seed["source"]["text"] == "s.grad = 1.0"
    assert seed["source"]["file"].endswith("neuron_gates.py") and seed["source"]["line"] == 80
    sg0 = next(e for e in evs if e["call"] == "sg0.forward(axpbypc)")
    (write,) = seed["writes"]  # the very object sg0 made: its id, not only its name
    assert write == {"unit": "s", "attr": "grad", "before": 0.0, "after": 1.0,
                     "id": sg0["slots"]["utop"]["id"]}  # fmt: skip
    updates = {e["writes"][0]["unit"]: e for e in script[1:]}
    assert sorted(updates) == ["a", "b", "c", "x", "y"]
    for name, grad in GRADS.items():  # value += 0.01 × grad, by hand from SPEC §1
        (w,) = updates[name]["writes"]
        assert w["attr"] == "value" and w["after"] == pytest.approx(w["before"] + 0.01 * grad)
        assert updates[name]["source"]["text"] == f"{name}.value += step_size * {name}.grad"
    forwards = [e for e in evs if e["phase"] == "forward"]
    assert forwards[4]["slots"]["utop"]["value"] == FORWARD_0
    assert forwards[-1]["slots"]["utop"]["value"] == FORWARD_1


def test_each_write_in_a_call_carries_the_line_that_made_it() -> None:
    evs = trace(str(SCRIPT))
    sg0 = next(e for e in evs if e["call"] == "sg0.backward()")
    (w,) = sg0["writes"]
    assert w["source"]["text"] == "self.u0.grad += (s * (1 - s)) * self.utop.grad"
    assert w["source"]["line"] == 52 and w["unit"] == "axpbypc"


# -- 7. the rest a learner will meet -----------------------------------------------------------

EDGES = """
import sys, threading

class U:
    def __init__(self, value):
        self.value, self.g = value, 0

class Relu:
    def forward(self, a):
        self.a = a
        self.result = U(max(0, a.value))
        return self.result
    def backward(self):
        self.a.g += (1 if self.a.value > 0 else 0) * self.result.g

class Boom:
    def forward(self, a):
        raise ValueError("no")

x = U(3)  # an int value
r = Relu()
h = r.forward(x)
h.g = 1
r.backward()
t = threading.Thread(target=lambda: r.forward(x))
t.start(); t.join()
try:
    Boom().forward(x)
except ValueError:
    pass
sys.exit(4)
"""


def test_int_values_another_grad_name_another_output_a_raise_a_thread_and_exit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "edges.py"
    path.write_text(EDGES)
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "trace", "--grad-attr", "g", str(path)],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, COLUMNS="200"),
    )  # fmt: skip
    assert proc.returncode == 4  # the script's own status
    out = proc.stdout
    assert "h.g = 1" in out and "x.g 0.000000 → 1.000000" in out  # .g, not .grad
    assert "utop" not in out.split("r.backward()")[1].split("\n\n")[0]  # its out is `result`
    assert "reads r.result.g = 1.000000" in out
    assert "Boom#1.forward(x)" in out and "this call raised an exception" in out
    assert "Traceback" not in proc.stderr  # the thread ran unwatched, without trouble


def test_a_script_that_calls_no_watched_method_is_told_so(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("print('hello')\nraise SystemExit(3)\n")
    proc = subprocess.run([sys.executable, "-m", "bpcli", "trace", str(path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 3 and "hello" in proc.stdout
    assert "called no method named forward or backward" in proc.stderr


def test_numpy_floats_are_numbers(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    assert np
    path = tmp_path / "np.py"
    path.write_text(EDGES.replace("x = U(3)", "import numpy as np\nx = U(np.float64(3.0))")
                    .replace("sys.exit(4)", ""))  # fmt: skip
    evs = trace("--grad-attr", "g", str(path))
    assert evs[0]["slots"]["a"]["value"] == 3.0
