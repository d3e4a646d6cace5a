"""run --mistake: each classic mistake replayed, compared with an independent
implementation of the same mistake (its own derivatives, its own loop)."""

from __future__ import annotations

import json
import math

import pytest

from conftest import NEURON, ROOT, invoke
from reference import Reference

FANOUT = ROOT / "circuits" / "fanout.txt"
HELD_OUT = """\
units: {p: 0.6, q: -1.1, r: 0.9}
gates:
  g0: mul(p, q) -> pq
  g1: mul(pq, p) -> ppq
  g2: tanh(ppq) -> t
  g3: add(t, r) -> tr
  g4: mul(r, tr) -> rtr
  g5: sub(rtr, q) -> d
  g6: sigmoid(d) -> out
"""

# The independent derivatives (not bpcli's registry): (inputs, output) -> locals.
DERIV = {
    "add": lambda a, b, o: (1.0, 1.0),
    "sub": lambda a, b, o: (1.0, -1.0),
    "mul": lambda a, b, o: (b, a),
    "tanh": lambda a, o: (1 - o * o,),
    "sigmoid": lambda a, o: (o * (1 - o),),
    "max": lambda a, b, o: (1.0, 0.0) if a >= b else (0.0, 1.0),
}


def independent_run(ref: Reference, mistake: str, iterations: int) -> list[dict[str, float]]:
    """The input grads after each backward pass, the mistake built in."""
    values = dict(ref.inputs)
    grads = {n: 0.0 for n in values}
    history = []
    for _ in range(iterations):
        env = ref.values(values)
        const = {}
        if mistake != "no-zero-grad":
            grads = {n: 0.0 for n in values}
        g = {k: 0.0 for k in env if k not in values}
        g.update(grads)
        g[ref.output] = 1.0
        order = ref.gates if mistake == "forward-order" else list(reversed(ref.gates))
        for op, args, out in order:
            xs = [env[a] if a in env else float(a) for a in args]
            local = list(DERIV[op](*xs, env[out]))
            if mistake == "swap" and op == "mul":
                local[0] = xs[0]
            for k, a in enumerate(args):
                if mistake == "copy":
                    continue  # written into a copy: nobody sees it
                if a not in g:
                    const[a] = 0.0
                    continue
                pull = local[k] * g[out]
                g[a] = pull if mistake == "assign" else g[a] + pull
        grads = {n: g[n] for n in values}
        history.append(dict(grads))
        for n in values:
            if n not in ref.frozen:
                values[n] += ref.step_size * grads[n]
    return history


def bpcli_mistake(path, mistake: str, iterations: int) -> dict:
    result = invoke("run", "--format", "json", "-n", str(iterations), "--mistake", mistake, path)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["mistake"]


@pytest.mark.parametrize("mistake", ["assign", "copy", "no-zero-grad", "forward-order", "swap"])
@pytest.mark.parametrize("which", ["neuron", "fanout", "held-out"])
def test_each_mistake_against_an_independent_implementation(
    write_circuit, mistake: str, which: str
) -> None:
    text = {"neuron": NEURON.read_text(), "fanout": FANOUT.read_text(), "held-out": HELD_OUT}[which]
    path = write_circuit(text)
    ref = Reference(text)
    got = bpcli_mistake(path, mistake, 3)
    expected = independent_run(ref, mistake, 3)
    right = independent_run(ref, "none", 3)
    assert got["name"] == mistake
    for name, row in got["inputs"].items():
        assert row["mistaken"] == pytest.approx(expected[0][name], rel=1e-12, abs=1e-15)
        assert row["mistaken_last"] == pytest.approx(expected[-1][name], rel=1e-9, abs=1e-12)
        assert row["correct"] == pytest.approx(right[0][name], rel=1e-12, abs=1e-15)
        judged = -1 if mistake == "no-zero-grad" else 0
        differs = not math.isclose(expected[judged][name], right[judged][name], rel_tol=1e-12)
        assert (row["verdict"] != "right") == differs, (name, row)


def test_assign_names_the_lost_contributions() -> None:
    out = invoke("run", "--mistake", "assign", FANOUT).stdout
    assert "x       8.000000   -2.000000" in out
    assert "it feeds 4 slots: each write overwrote the one before" in " ".join(out.split())
    assert "a wrong gradient for 1 of 3 inputs" in out


def test_copy_shows_different_ids_in_the_table() -> None:
    doc = json.loads(invoke("run", "--format", "json", "--mistake", "copy", NEURON).stdout)
    units = doc["passes"][0]["units"]
    # the slots hold copies: no input is held by any gate slot of the circuit's objects
    assert all(units[n]["held_by"] == [] for n in "abcxy")
    assert {r["verdict"] for r in doc["mistake"]["inputs"].values()} == {"lost"}


def test_mistakes_lists_them_and_a_wrong_name_is_usage() -> None:
    out = invoke("mistakes").stdout
    for name in ("assign", "copy", "no-zero-grad", "forward-order", "swap"):
        assert f"{name}\n    " in out
    result = invoke("run", "--mistake", "nosuch", NEURON)
    assert result.exit_code == 2 and "assign" in result.stderr and "swap" in result.stderr


def trace_events(*args: str) -> list[dict]:
    result = invoke("trace", "--format", "jsonl", *args)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("mistake", "path", "call", "unit", "correct", "mistaken"),
    [
        ("assign", FANOUT, "sqg0.backward()", "x", 6.0, 3.0),
        ("copy", NEURON, "sg0.backward()", "ax_p_by_p_c", 0.10499358540350662, 0.0),
        ("forward-order", NEURON, "sg0.backward()", "ax_p_by_p_c", 0.10499358540350662, 0.0),
        ("swap", NEURON, "mulg1.backward()", "b", 0.31498075621051985, 0.20998717080701323),
    ],
)
def test_trace_marks_the_step_where_the_runs_part(mistake, path, call, unit, correct, mistaken):
    events = trace_events("--no-update", "--mistake", mistake, path)
    marked = [e for e in events if "diverges" in e]
    assert len(marked) == 1
    (event,) = marked
    assert event["call"] == call
    assert event["diverges"][unit]["correct"]["grad"] == correct
    assert event["diverges"][unit]["mistaken"]["grad"] == mistaken
    # before the marked step, the two runs held the very same numbers
    assert all("diverges" not in e for e in events[: event["step"] - 1])


def test_no_zero_grad_parts_only_in_the_second_iteration() -> None:
    events = trace_events("-n", "2", "--mistake", "no-zero-grad", NEURON)
    (event,) = [e for e in events if "diverges" in e]
    assert (event["phase"], event["iteration"]) == ("backward", 1)
    out = invoke("trace", "-n", "2", "--mistake", "no-zero-grad", NEURON).stdout
    assert "◆ here the run with the mistake parts from the correct one:" in out


def test_no_backward_pass_is_nothing_to_compare() -> None:
    result = invoke("run", "-n", "0", "--mistake", "assign", NEURON)
    assert result.exit_code == 2
    assert "no backward pass" in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("mistake", ["assign", "copy", "no-zero-grad", "forward-order", "swap"])
def test_a_literal_exponent_is_skipped_with_every_mistake(write_circuit, mistake: str) -> None:
    """pow(x, 3) with x < 0: the u1 derivative (by the literal) is undefined and
    skipped (SPEC §3) in the mistaken run as in the correct one."""
    path = write_circuit("units: {x: -2}\ngates:\n  p: pow(x, 3) -> f\n")
    row = bpcli_mistake(path, mistake, 1)["inputs"]["x"]
    assert row["correct"] == 12.0  # 3 x², by hand
    assert row["mistaken"] == (0.0 if mistake == "copy" else 12.0)


def test_an_error_of_the_mistaken_run_names_its_gates_line(write_circuit) -> None:
    # Without zeroing, x's grad piles up 1e306 a pass and overflows in pass 179;
    # the correct run is fine.
    path = write_circuit("units: {x: 1, w: 1e306}\ngates:\n  g: mul(x, w) -> y\nfrozen: [x]\n")
    assert invoke("run", "-n", "200", path).exit_code == 0
    result = invoke("run", "-n", "200", "--mistake", "no-zero-grad", path)
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:3:3: error: gate 'g': backward: u0.grad")
    assert "(in backward pass 179, with the mistake 'no-zero-grad')" in first


@pytest.mark.parametrize("mistake", ["assign", "swap"])
def test_a_rewritten_backward_errs_at_its_gates_line(mistake: str) -> None:
    from bpcli.core.errors import CircuitError
    from bpcli.core.mistakes import MISTAKES, _mistaken_backward
    from bpcli.parser import parse

    c = parse("units: {a: 2, b: 3}\ngates:\n  g: mul(a, b) -> p\n  h: neg(p) -> q\n")
    c.forward()
    g = c.gates[0]
    g.utop.grad = 1e308  # an upstream grad so large that any pull overflows
    with pytest.raises(CircuitError) as info:
        _mistaken_backward(g, MISTAKES[mistake])
    (problem,) = info.value.problems
    assert (problem.line, problem.col) == (3, 3)
    assert problem.message.startswith("gate 'g': backward: u0.grad")
