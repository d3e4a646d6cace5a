"""Every gate of the registry: its local derivatives against central differences
of its own forward function, and the domain errors of SPEC §3."""

from __future__ import annotations

import math

import pytest

from bpcli.core.engine import GATE_CLASSES, Circuit
from bpcli.core.errors import CircuitError
from bpcli.core.gates import OPS, Op

# Points away from kinks (relu/abs at 0, max/min ties); the ones outside an
# op's domain are skipped per op, but every op must keep at least three.
POINTS = [(0.7, 1.3), (1.9, -0.6), (-0.8, 0.45), (2.5, 3.1), (-1.7, -2.2), (0.3, 0.9)]
SPEC_OPS = {
    "add", "sub", "mul", "div", "pow", "max", "min", "neg", "abs",
    "exp", "log", "sigmoid", "tanh", "relu", "sin", "cos",
}  # fmt: skip


def test_the_registry_holds_exactly_the_spec_gates() -> None:
    assert set(OPS) == SPEC_OPS
    for op in OPS.values():
        assert len(op.local_formulas) == op.arity


def _in_domain(op: Op, xs: tuple[float, ...]) -> bool:
    try:
        out = op.forward(*xs)
        local = op.local(*xs, out)
    except (ArithmeticError, ValueError):
        return False
    return all(math.isfinite(v) for v in (out, *local))


@pytest.mark.parametrize("op", list(OPS.values()), ids=list(OPS))
def test_local_derivatives_match_central_differences(op: Op) -> None:
    h = 1e-6
    checked = 0
    for point in POINTS:
        xs = point[: op.arity]
        if not _in_domain(op, xs):
            continue
        out = op.forward(*xs)
        local = op.local(*xs, out)
        for k in range(op.arity):
            hi = list(xs)
            lo = list(xs)
            hi[k] += h
            lo[k] -= h
            numeric = (op.forward(*hi) - op.forward(*lo)) / (2 * h)
            assert local[k] == pytest.approx(numeric, rel=1e-6, abs=1e-8), (op.name, xs, k)
        checked += 1
    assert checked >= 3, f"{op.name}: too few points in its domain"


@pytest.mark.parametrize("x", [-1000.0, -745.2, -50.0, 0.0, 50.0, 709.8, 1000.0])
def test_sigmoid_is_stable_everywhere(x: float) -> None:
    s = OPS["sigmoid"]
    out = s.forward(x)
    assert 0.0 <= out <= 1.0
    assert out == pytest.approx(0.5 * (1 + math.tanh(x / 2)), abs=1e-15)
    assert math.isfinite(s.local(x, out)[0])


def test_ties_choose_u0() -> None:
    assert OPS["max"].local(2.0, 2.0, 2.0) == (1.0, 0.0)
    assert OPS["min"].local(2.0, 2.0, 2.0) == (1.0, 0.0)
    assert OPS["abs"].local(0.0, 0.0) == (0.0,)
    assert OPS["relu"].local(0.0, 0.0) == (0.0,)


def _one_gate(op_name: str, *values: float, const_u1: bool = False) -> Circuit:
    op = OPS[op_name]
    n = op.arity
    names = [*["u0", "u1"][:n], "out"]
    kinds = [*["input", "const" if const_u1 else "input"][:n], "gate"]
    gate = GATE_CLASSES[op_name]("g0", tuple(range(n)), n, 7, 3)
    return Circuit(names, kinds, [*values, 0.0], [gate], n, 0.01)


@pytest.mark.parametrize(
    ("op", "values", "fragment"),
    [
        ("log", (0.0,), "log(0.0)"),
        ("log", (-1.0,), "log(-1.0)"),
        ("div", (1.0, 0.0), "divides by zero"),
        ("exp", (1000.0,), "overflows"),
        ("pow", (-8.0, 0.5), "pow(-8.0, 0.5)"),
        ("mul", (1e200, 1e200), "mul(1e+200, 1e+200)"),
        ("pow", (0.0, -1.0), "pow(0.0, -1.0)"),
    ],
)
def test_forward_domain_errors_name_the_gate_its_line_and_values(
    op: str, values: tuple[float, ...], fragment: str
) -> None:
    c = _one_gate(op, *values)
    with pytest.raises(CircuitError) as info:
        c.forward()
    (p,) = info.value.problems
    assert (p.line, p.col) == (7, 3)
    assert "gate 'g0'" in p.message
    assert fragment in p.message


def test_pow_u1_derivative_is_skipped_for_a_literal_exponent() -> None:
    c = _one_gate("pow", -2.0, 3.0, const_u1=True)
    c.forward()
    c.backward()
    assert c.units[2].value == -8.0
    assert c.units[0].grad == pytest.approx(12.0)  # 3 * (-2)^2
    assert c.units[1].grad == 0.0


def test_pow_u1_derivative_of_an_input_exponent_needs_a_positive_base() -> None:
    c = _one_gate("pow", -2.0, 3.0)
    c.forward()
    with pytest.raises(CircuitError) as info:
        c.backward()
    assert "u1.grad" in info.value.problems[0].message
    assert "u0^u1·ln u0" in info.value.problems[0].message
