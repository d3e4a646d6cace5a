"""bpcli trace: one step per gate call, the chain rule's numbers, and --step,
driven as scripts and people drive it (CliRunner, a pipe, /dev/null, a pty)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator

import pytest

from conftest import NEURON, ROOT, invoke, run_json
from reference import Reference, close
from test_reference_figures import FORWARD_0, FORWARD_1, GRADS

FANOUT = ROOT / "circuits" / "fanout.txt"


def events(*args: str, input: str | None = None) -> list[dict]:
    result = invoke("trace", "--format", "jsonl", *args, input=input)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_neurons_gate_steps_carry_the_spec_figures() -> None:
    evs = events(NEURON)
    calls = [(e["phase"], e["iteration"], e["call"]) for e in evs]
    forward0 = [c for p, i, c in calls if (p, i) == ("forward", 0)]
    assert forward0 == [
        "mulg0.forward(a, x)", "mulg1.forward(b, y)", "addg0.forward(ax, by)",
        "addg1.forward(ax_p_by, c)", "sg0.forward(ax_p_by_p_c)",
    ]  # fmt: skip
    backward0 = [c for p, i, c in calls if (p, i) == ("backward", 0)]
    assert backward0 == [
        "s.grad = 1.0", "sg0.backward()", "addg1.backward()", "addg0.backward()",
        "mulg1.backward()", "mulg0.backward()",
    ]  # fmt: skip
    sg0_forward = next(e for e in evs if e["call"] == "sg0.forward(ax_p_by_p_c)")
    assert close(sg0_forward["slots"]["utop"]["value"], FORWARD_0)
    assert sg0_forward["new"] == "s" and sg0_forward["class"] == "SigmoidGate"
    last = {}
    for e in evs:
        for w in e.get("writes", []):
            if e["iteration"] == 0:
                last[w["unit"]] = w["grad_after"]
    for name, grad in GRADS.items():
        assert close(last[name], grad), name
    final = [e for e in evs if (e["phase"], e["iteration"]) == ("forward", 1)][-1]
    assert close(final["slots"]["utop"]["value"], FORWARD_1)


def test_sg0_writes_into_the_object_addg1_holds_as_utop() -> None:
    evs = events(NEURON, "--no-update")
    addg1 = next(e for e in evs if e["call"] == "addg1.forward(ax_p_by, c)")
    sg0 = next(e for e in evs if e["call"] == "sg0.backward()")
    (write,) = sg0["writes"]
    assert write["slot"] == "u0" and write["unit"] == "ax_p_by_p_c"
    assert write["formula"] == "σ(1−σ)"
    assert sg0["slots"]["u0"]["id"] == addg1["slots"]["utop"]["id"]
    assert sg0["slots"]["u0"]["same_object_as"] == ["addg1.utop"]
    addg1_back = next(e for e in evs if e["call"] == "addg1.backward()")
    assert close(addg1_back["writes"][0]["upstream"], write["grad_after"])


GENERATED = """\
units: {p: 0.7, q: -1.3, r: 2.1}
gates:
  g0: mul(p, q) -> pq
  g1: tanh(p) -> tp
  g2: add(pq, tp) -> s1
  g3: mul(s1, r) -> s2
  g4: sub(s2, p) -> s3
  g5: pow(s3, 2) -> s4
  g6: exp(q) -> eq
  g7: div(s4, eq) -> out
"""


OUTPUT_FANS_OUT = """\
units: {p: 1.5, q: -0.5}
gates:
  m: mul(p, q) -> mq
  g1: sin(mq) -> s1
  g2: add(mq, s1) -> s2
output: mq
"""


@pytest.mark.parametrize(
    "text", [GENERATED, NEURON.read_text(), FANOUT.read_text(), OUTPUT_FANS_OUT]
)
def test_every_write_is_local_times_upstream_and_ends_at_the_gradient(write_circuit, text) -> None:
    path = write_circuit(text)
    evs = events(path, "-n", "2")
    assert {e["phase"] for e in evs} == {"forward", "backward", "update"}
    for e in evs:
        assert set(e) >= {"phase", "iteration", "gate", "op", "line", "slots"}
        for slot in e["slots"].values():
            assert set(slot) >= {"unit", "id", "value", "grad"}
        for w in e.get("writes", []):
            assert set(w) >= {"slot", "unit", "local", "upstream", "grad_before", "grad_after"}
            assert w["grad_after"] - w["grad_before"] == pytest.approx(
                w["local"] * w["upstream"], rel=1e-12, abs=1e-300
            )
            if w["skipped"]:  # pow's derivative by a literal exponent
                assert w["local"] == 0.0 and e["op"] == "pow"
                continue
            assert w["pulls"][-1] == pytest.approx(w["local"] * w["upstream"], rel=1e-15)
            assert sum(w["pulls"]) == pytest.approx(w["grad_after"], rel=1e-12, abs=1e-15)
    # The last write to each input in a backward pass is its gradient in `run`.
    passes = run_json(path, "-n", "2")["passes"]
    ref = Reference(text)
    for it in (0, 1):
        grads = next(p for p in passes if (p["phase"], p["iteration"]) == ("backward", it))
        last = {}
        for e in evs:
            if (e["phase"], e["iteration"]) == ("backward", it):
                for w in e["writes"]:
                    last[w["unit"]] = w["grad_after"]
        for name in ref.inputs:
            assert last[name] == grads["units"][name]["grad"], (it, name)
    numeric = ref.grads()
    first = {w["unit"]: w["grad_after"] for e in evs if e["iteration"] == 0
             for w in e.get("writes", [])}  # fmt: skip
    for name in ref.inputs:
        assert first[name] == pytest.approx(numeric[name], rel=1e-6, abs=1e-8)


def test_fan_out_shows_the_running_sum() -> None:
    out = invoke("trace", "--no-update", FANOUT).stdout
    assert "x.grad 10.000000 → 8.000000" in out
    assert "(3.000000 + 3.000000 + 4.000000 − 2.000000 = 8.000000)" in out
    assert "the same object as mulg1.u0, sqg0.u0, sqg0.u1" in out


def test_the_table_view_writes_the_chain_rule_out() -> None:
    out = invoke("trace", NEURON).stdout
    assert "sg0.u0.grad += σ(1−σ) × utop.grad = 0.104994 × 1.000000" in out
    assert "ax_p_by_p_c.grad 0.000000 → 0.104994" in out
    assert "same object as addg1.utop" in out
    assert "step 21/21" in out
    assert "a.value = 1.000000 + 0.01 × -0.104994 → 0.998950" in out


def test_gate_and_unit_follow_one_thing() -> None:
    calls = [e["call"] for e in events(NEURON, "--gate", "sg0", "--no-update")]
    assert calls == ["sg0.forward(ax_p_by_p_c)", "sg0.backward()"]
    touching_c = [e["call"] for e in events(NEURON, "--unit", "c", "--no-update")]
    assert touching_c == ["addg1.forward(ax_p_by, c)", "addg1.backward()"]
    calls = [e["call"] for e in events(NEURON, "--unit", "c")]
    assert calls == [
        "addg1.forward(ax_p_by, c)", "addg1.backward()", "c.value += 0.01 × c.grad",
        "addg1.forward(ax_p_by, c)",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ["--gate", "sgo", str(NEURON)],
        ["--unit", "nosuch", str(NEURON)],
        ["--step", "-"],
        ["--step", "--format", "jsonl", str(NEURON)],
        ["--no-update", "-n", "2", str(NEURON)],
    ],
)
def test_bad_trace_usage_exits_2(args: list[str]) -> None:
    result = invoke("trace", *args, input="")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def step_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"· step (\d+)/", text)]


def test_step_reads_one_line_per_key_from_a_pipe() -> None:
    result = invoke("trace", "--step", NEURON, input="\nb\n\nq\n")
    assert result.exit_code == 0
    assert step_numbers(result.stdout) == [1, 2, 1, 2]  # Enter, b, Enter, q
    assert "[b] back" not in result.stdout  # no prompt into a pipe


def test_step_runs_on_at_the_end_of_input() -> None:
    result = invoke("trace", "--step", NEURON, input="c\n")
    assert step_numbers(result.stdout) == list(range(1, 22))
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "trace", "--step", str(NEURON)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0
    assert step_numbers(proc.stdout) == list(range(1, 22))


def _read_until(fd: int, pattern: str, timeout: float = 20.0) -> str:
    seen = ""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536).decode("utf-8", "replace")
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if re.search(pattern, seen):
                return seen
    raise AssertionError(f"never saw {pattern!r}; got:\n{seen[-2000:]}")


@contextlib.contextmanager
def stepper_in_a_terminal(*args: str) -> Iterator[tuple[int, int, subprocess.Popen]]:
    """`bpcli trace --step` on a pseudo-terminal that is its controlling terminal,
    as a person's would be: yields (master, slave, process)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpcli", "trace", "--step", *(args or [str(NEURON)])],
        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
        env=dict(os.environ, COLUMNS="120", LINES="40", TERM="xterm"), start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )  # fmt: skip
    try:
        yield master, slave, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(slave)
        os.close(master)


def test_step_in_a_real_terminal_enter_back_quit() -> None:
    with stepper_in_a_terminal() as (master, _, proc):
        screen = _read_until(master, r"\[q\] quit")
        assert "step 1/21" in screen and "mulg0.forward(a, x)" in screen
        os.write(master, b"\r")  # Enter: a single keypress, no line needed
        screen = _read_until(master, r"step 2/21[\s\S]*\[q\] quit")
        assert "mulg1.forward(b, y)" in screen
        os.write(master, b"b")  # step 2 erased: step 1, just above, is the last again
        screen = _read_until(master, r"\x1b\[\d+A\x1b\[J[\s\S]*\[q\] quit")
        assert "step 2/21" not in screen.split("\x1b[J")[-1]
        os.write(master, b"q")
        assert proc.wait(timeout=20) == 0


def test_ctrl_c_in_a_real_terminal_ends_cleanly() -> None:
    with stepper_in_a_terminal() as (master, slave, proc):
        _read_until(master, r"\[q\] quit")
        os.write(master, b"\x03")  # the terminal turns Ctrl-C into SIGINT
        screen = _read_until(master, r"interrupted")
        assert proc.wait(timeout=20) == 130
        assert "Traceback" not in screen
        # The terminal is left as it was found: canonical mode and echo on.
        lflag = termios.tcgetattr(slave)[3]
        assert lflag & termios.ICANON and lflag & termios.ECHO


def test_arrow_keys_in_a_real_terminal() -> None:
    with stepper_in_a_terminal() as (master, _, proc):
        _read_until(master, r"\[q\] quit")
        os.write(master, b"\x1b[C")  # → : next, not `C` for continue
        _read_until(master, r"step 2/21[\s\S]*\[q\] quit")
        os.write(master, b"\x1b[B")  # ↓ : next, not `b` for back
        _read_until(master, r"step 3/21[\s\S]*\[q\] quit")
        os.write(master, b"\x1b[D")  # ← : back, step 3 erased down to step 2
        screen = _read_until(master, r"\x1b\[\d+A\x1b\[J[\s\S]*\[q\] quit")
        assert "step 4/21" not in screen and "step 3/21" not in screen
        os.write(master, b"q")
        assert proc.wait(timeout=20) == 0


def test_step_with_standard_input_closed_runs_on() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "trace", "--step", str(NEURON)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert step_numbers(proc.stdout) == list(range(1, 22))


def test_the_seed_step_names_the_output_line(write_circuit) -> None:
    from conftest import invoke

    named = write_circuit("units:\n  a: 1\ngates:\n  g: mul(a, a) -> p\noutput: p\n")
    out = invoke("trace", "--no-update", str(named)).stdout
    assert "p.grad = 1.0 · line 5: output: p" in out
    implicit = write_circuit("units:\n  a: 1\ngates:\n  g: mul(a, a) -> p\n", "i.txt")
    out = invoke("trace", "--no-update", str(implicit)).stdout
    assert "p.grad = 1.0 · line 4: the last gate's output" in out
