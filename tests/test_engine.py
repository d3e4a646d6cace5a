"""The engine: fan-out sums, identity of shared Units, idempotent passes, no
recursion, and every circuit in circuits/ against an independent reference."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bpcli.core.engine import run_passes
from bpcli.parser import parse

from conftest import CIRCUITS, NEURON, ROOT
from reference import Reference, close


def grads_of(text: str) -> dict[str, float]:
    c = parse(text)
    c.forward()
    c.backward()
    return {n: u.grad for n, k, u in zip(c.names, c.kinds, c.units) if k == "input"}


def test_fan_out_sums_every_pull() -> None:
    g = grads_of(
        "units: {x: 3, y: -2, z: 4}\n"
        "gates:\n  m0: mul(x, y) -> xy\n  m1: mul(x, z) -> xz\n  sq: mul(x, x) -> xx\n"
        "  a0: add(xy, xz) -> t\n  a1: add(t, xx) -> f\n"
    )
    assert g == {"x": -2 + 4 + 2 * 3, "y": 3.0, "z": 3.0}


def test_one_unit_in_both_slots_of_one_gate_gets_both_writes() -> None:
    assert grads_of("units: {x: 5}\ngates:\n  sq: mul(x, x) -> f\n") == {"x": 10.0}
    assert grads_of("units: {x: 5}\ngates:\n  d: add(x, x) -> f\n") == {"x": 2.0}


def test_equal_values_are_never_merged_and_shared_objects_are_one() -> None:
    c = parse("units: {a: 1, b: 1}\ngates:\n  m: mul(a, b) -> p\n  s: sigmoid(p) -> q\n")
    c.forward()
    a, b, p = (c.units[c.index[n]] for n in ("a", "b", "p"))
    assert a is not b and a.value == b.value
    m, s = c.gates
    assert m.utop is s.u0 is p
    rec = c.snapshot("forward", 0)
    rows = {u.name: u for u in rec.units}
    assert rows["a"].held_by == ("m.u0",)
    assert rows["b"].held_by == ("m.u1",)
    assert rows["a"].id != rows["b"].id
    assert rows["p"].held_by == ("m.utop", "s.u0")


def test_held_by_follows_objects_not_names() -> None:
    c = parse("units: {a: 2}\ngates:\n  n: neg(a) -> b\n")
    c.forward()
    old = c.gates[0].utop
    c.forward()  # a new utop object; the gate lets go of the old one
    rec = c.snapshot("forward", 1)
    assert c.gates[0].utop is not old
    assert rec.units[1].id == id(c.gates[0].utop) != id(old)


def test_backward_is_idempotent() -> None:
    c = parse((ROOT / "circuits" / "fanout.txt").read_bytes())
    c.forward()
    c.backward()
    first = [u.grad for u in c.units]
    c.backward()
    assert [u.grad for u in c.units] == first


def test_frozen_inputs_and_constants_are_never_updated() -> None:
    c = parse((ROOT / "circuits" / "hinge.txt").read_bytes())
    before = {n: u.value for n, u in zip(c.names, c.units)}
    for _ in run_passes(c, 3):
        pass
    after = {n: u.value for n, u in zip(c.names, c.units)}
    for name in ("x", "y", "mulg2.u1", "subg0.u0", "maxg0.u0"):
        assert after[name] == before[name], name
    assert after["a"] != before["a"]


@pytest.mark.parametrize("path", CIRCUITS, ids=[p.name for p in CIRCUITS])
def test_every_circuit_against_an_independent_reference(path: Path) -> None:
    ref = Reference.from_file(path)
    c = parse(path.read_bytes())
    passes = run_passes(c)
    next(passes)  # forward 0
    values = ref.values()
    for name, i in c.index.items():
        if c.kinds[i] != "const" and name in values:  # (expr: intermediates have no name)
            assert close(c.units[i].value, values[name], rel=1e-12, abs_=1e-15), name
    assert close(c.output_value, values[ref.output], rel=1e-12, abs_=1e-15)
    next(passes)  # backward 0
    numeric = ref.grads()
    analytic = {n: c.units[c.index[n]].grad for n in ref.inputs}
    for name in ref.inputs:
        assert analytic[name] == pytest.approx(numeric[name], rel=1e-6, abs=1e-7), name
    next(passes)  # update 0
    stepped = {
        n: v + (0.0 if n in ref.frozen else ref.step_size * analytic[n])
        for n, v in ref.inputs.items()
    }
    next(passes)  # forward 1
    assert close(c.output_value, ref.f(stepped), rel=1e-12, abs_=1e-15)


def test_xyz_gives_the_guides_numbers() -> None:
    c = parse((ROOT / "circuits" / "xyz.txt").read_bytes())
    c.forward()
    c.backward()
    assert c.output_value == -12.0
    assert {n: c.units[c.index[n]].grad for n in "xyz"} == {"x": -4.0, "y": -4.0, "z": 3.0}


def chain_text(n: int) -> str:
    ops = ["mul(u{i}, 1.0000001) -> u{j}", "add(u{i}, 0.25) -> u{j}", "neg(u{i}) -> u{j}"]
    lines = ["units:", "  u0: 0.3", "gates:"]
    lines += [f"  g{i}: " + ops[i % 3].format(i=i, j=i + 1) for i in range(n)]
    return "\n".join(lines) + "\n"


def test_a_deep_chain_needs_no_recursion() -> None:
    # Far deeper than the recursion limit, so a recursive walk would fail here.
    n = 20 * sys.getrecursionlimit()
    c = parse(chain_text(n))
    c.forward()
    c.backward()
    assert len(c.gates) == n
    expected = (-1.0) ** (n // 3) * 1.0000001 ** ((n + 2) // 3)
    assert close(c.units[0].grad, expected, rel=1e-9)


@pytest.mark.slow
def test_a_million_gate_chain_runs_forward_and_backward() -> None:
    n = 1_000_000
    c = parse(chain_text(n))
    c.forward()
    c.backward()
    # Independent answer: the same chain in plain Python floats, its derivative
    # multiplied up link by link (1.0000001 per mul, 1 per add, -1 per neg).
    x, d = 0.3, 1.0
    for i in range(n):
        if i % 3 == 0:
            x, d = x * 1.0000001, d * 1.0000001
        elif i % 3 == 1:
            x = x + 0.25
        else:
            x, d = -x, -d
    assert close(c.output_value, x, rel=1e-12)
    assert close(c.units[0].grad, d, rel=1e-9)


def test_backward_before_forward_is_refused_and_writes_nothing() -> None:
    c = parse(NEURON.read_bytes())
    placeholder = c.units[c.index["s"]]  # a gate output before any forward pass
    with pytest.raises(RuntimeError, match="needs a complete forward pass"):
        c.backward()
    assert placeholder.grad == 0.0
    c.forward()
    c.backward()
    assert c.units[c.index["a"]].grad == pytest.approx(-0.10499358540350662, rel=1e-12)
