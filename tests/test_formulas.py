"""`expr:` formulas: compiled with `ast` into the same gates `gates:` gives,
named the guide's way; every other Python construct is an error at its place."""

from __future__ import annotations

import math
import re

import pytest

from bpcli.core.errors import CircuitError
from bpcli.parser import parse

from conftest import NEURON, ROOT, invoke, run_json

NEURON_EXPR = ROOT / "circuits" / "neuron_expr.txt"


def gate_lines(text: str) -> list[str]:
    section = text.split("gates:\n", 1)[1]
    return [line.strip() for line in section.splitlines() if re.match(r"  \w+: \w+\(", line)]


def test_expanding_the_neuron_formula_gives_the_spec_neuron_gate_for_gate() -> None:
    result = invoke("expand", NEURON_EXPR)
    assert result.exit_code == 0
    assert gate_lines(result.stdout) == gate_lines(NEURON.read_text())
    assert "output: s" in result.stdout


def test_the_formula_runs_as_the_gates_do(tmp_path) -> None:
    a, b = run_json(NEURON_EXPR)["passes"], run_json(NEURON)["passes"]
    for p, q in zip(a, b):
        assert p["output_value"] == q["output_value"]
        for name, unit in q["units"].items():
            assert p["units"][name]["grad"] == unit["grad"]
            assert p["units"][name]["held_by"] == unit["held_by"]
    expanded = tmp_path / "expanded.txt"
    expanded.write_text(invoke("expand", NEURON_EXPR).stdout)
    assert run_json(expanded)["passes"][-1]["output_value"] == b[-1]["output_value"]


FORMULAS = [
    ("f = (x + y) * z", lambda x, y, z: (x + y) * z),
    ("f = -x * y + z ** 2 / (1 + x*x)", lambda x, y, z: -x * y + z**2 / (1 + x * x)),
    ("f = sigmoid(tanh(x) - relu(y)) * exp(-z)",
     lambda x, y, z: 1 / (1 + math.exp(-(math.tanh(x) - max(y, 0.0)))) * math.exp(-z)),
    ("q = x * y\nf = max(q, z) + min(q, 2) + abs(sin(q)) + log(cos(z) + 2) + pow(x, 2)",
     lambda x, y, z: max(x * y, z) + min(x * y, 2) + abs(math.sin(x * y))
     + math.log(math.cos(z) + 2) + x**2),
]  # fmt: skip


@pytest.mark.parametrize(("formula", "f"), FORMULAS)
def test_formulas_against_an_independent_evaluation(write_circuit, formula, f) -> None:
    values = {"x": 0.7, "y": -1.3, "z": 0.4}
    text = "units: {x: 0.7, y: -1.3, z: 0.4}\nexpr: |\n" + "".join(
        f"  {line}\n" for line in formula.splitlines()
    )
    doc = run_json(write_circuit(text))
    assert doc["passes"][0]["output_value"] == pytest.approx(f(**values), rel=1e-12)
    h = 1e-6
    for name in values:
        hi, lo = dict(values), dict(values)
        hi[name] += h
        lo[name] -= h
        numeric = (f(**hi) - f(**lo)) / (2 * h)
        assert doc["passes"][1]["units"][name]["grad"] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


HEAD = "units:\n  x: 1\n  y: 2\nexpr: |\n"


@pytest.mark.parametrize(
    ("body", "where", "fragment"),
    [
        ("  f = sigmod(x)\n", "5:7", "unknown function 'sigmod'"),
        ("  f = q * x\n  q = x + y\n", "5:7", "'q' is used before it is assigned"),
        ("  x = y * 2\n", "5:3", "'x' is an input"),
        ("  f = x.real\n", "5:7", "Attribute is not allowed"),
        ("  f = max(x, y=2)\n", "5:14", "takes no keyword arguments"),
        ("  f = x[0]\n", "5:7", "Subscript is not allowed"),
        ("  f = (lambda: 1)()\n", "5:7", "only the gates"),
        ("  f = lambda: x\n", "5:7", "Lambda is not allowed"),
        ("  f = 'x' + y\n", "5:7", "'x' is not a number"),
        ("  f = x % y\n", "5:7", "the operator Mod is not allowed"),
        ("  f = x * * y\n", "5:11", "invalid formula"),
        ("  f = __import__('os').system('touch PWNED')\n", "5:7", "only the gates"),
        ("  import os\n", "5:3", "each line is one assignment"),
        ("  f = x\n", "5:7", "computes nothing"),
        ("  f = x * y\n  f = x + y\n", "6:3", "'f' is assigned twice"),
        ("  f = sigmoid(x, y)\n", "5:7", "sigmoid takes 1 argument, got 2"),
    ],
)
def test_formula_errors_are_located_and_nothing_runs(
    write_circuit, tmp_path, body: str, where: str, fragment: str
) -> None:
    path = write_circuit(HEAD + body)
    result = invoke("run", path)
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{where}: error: "), first
    assert fragment in first
    assert not (tmp_path / "PWNED").exists() and "Traceback" not in result.output


def test_one_line_formula_columns_and_gates_with_expr() -> None:
    with pytest.raises(CircuitError) as info:
        parse("units: {x: 1}\nexpr: f = sigmod(x)\n")
    assert info.value.problems[0][:2] == (2, 11)
    with pytest.raises(CircuitError) as info:
        parse("units: {x: 1}\nexpr: f = exp(x)\ngates:\n  g: neg(x) -> h\n")
    assert "not both" in info.value.problems[0].message
