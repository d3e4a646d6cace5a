"""bpcli export: the script runs on its own, prints what `bpcli run` computes,
and shows the same shared objects; the registry's code agrees with its functions."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from bpcli.core.gates import OPS, Op, _sigmoid

from conftest import CIRCUITS, invoke, run_json
from test_gates import POINTS


@pytest.mark.parametrize("op", list(OPS.values()), ids=list(OPS))
def test_the_registrys_code_is_its_functions(op: Op) -> None:
    for point in POINTS:
        xs = point[: op.arity]
        try:
            out = op.forward(*xs)
            local = op.local(*xs, out)
        except (ArithmeticError, ValueError):
            continue
        env = {"a": xs[0], "b": xs[-1], "math": math, "sigmoid": _sigmoid}
        assert eval(op.code, env) == out
        env["out"] = out
        got = tuple(eval(code, env) for code in op.local_code)
        assert got == local or (math.isnan(got[-1]) and math.isnan(local[-1]))


def run_script(path: Path, tmp_path: Path) -> dict[str, str]:
    target = tmp_path / (path.stem + ".py")
    result = invoke("export", path, "-o", target)
    assert result.exit_code == 0, result.stderr
    proc = subprocess.run([sys.executable, str(target)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return dict(line.rsplit(": ", 1) for line in proc.stdout.splitlines())


@pytest.mark.parametrize("path", CIRCUITS, ids=[p.name for p in CIRCUITS])
def test_the_script_prints_what_run_computes(path: Path, tmp_path: Path) -> None:
    printed = run_script(path, tmp_path)
    passes = run_json(path)["passes"]
    assert float(printed["forward 0"]) == passes[0]["output_value"]
    for name, unit in passes[1]["units"].items():
        if unit["kind"] == "input":
            assert float(printed[f"grad {name}"]) == unit["grad"], name
    assert float(printed["forward 1"]) == passes[3]["output_value"]
    shared = {k: v for k, v in printed.items() if " is " in k}
    assert shared and set(shared.values()) == {"True"}
    for unit in passes[0]["units"].values():  # every shared pair run reports is checked
        holders = unit["held_by"]
        producer = next((h for h in holders if h.endswith(".utop")), None)
        for h in holders:
            if producer and h != producer:
                assert f"{producer} is {h}" in shared


def test_a_literal_exponent_is_skipped_as_in_run(write_circuit, tmp_path: Path) -> None:
    path = write_circuit("units: {x: -2}\ngates:\n  p: pow(x, 3) -> f\n")
    printed = run_script(path, tmp_path)
    assert float(printed["grad x"]) == 12.0
    assert float(printed["forward 0"]) == -8.0


def test_names_that_are_python_keywords(write_circuit, tmp_path: Path) -> None:
    path = write_circuit("units: {lambda: 2, print: 3}\ngates:\n  if: mul(lambda, print) -> for\n")
    printed = run_script(path, tmp_path)
    assert float(printed["forward 0"]) == 6.0
    assert float(printed["grad lambda"]) == 3.0


ALL_OPS = """\
units: {p: 0.7, q: -1.3, r: 2.1, s: 0.4}
gates:
  g0: mul(p, q) -> pq
  g1: tanh(p) -> tp
  g2: add(pq, tp) -> s1
  g3: div(s1, r) -> s2
  g4: sub(s2, p) -> s3
  g5: pow(s3, 2) -> s4
  g6: exp(q) -> eq
  g7: log(r) -> lr
  g8: sin(s) -> ss
  g9: cos(p) -> cp
  g10: max(ss, cp) -> m1
  g11: min(lr, eq) -> m2
  g12: relu(s3) -> rs
  g13: abs(q) -> aq
  g14: neg(aq) -> na
  g15: sigmoid(s4) -> sg
  g16: add(sg, m1) -> t1
  g17: add(t1, m2) -> t2
  g18: add(t2, rs) -> t3
  g19: mul(t3, na) -> out
"""


def test_an_export_of_every_op_against_an_independent_reference(write_circuit, tmp_path) -> None:
    from reference import Reference, close

    ref = Reference(ALL_OPS)
    printed = run_script(write_circuit(ALL_OPS), tmp_path)
    assert close(float(printed["forward 0"]), ref.f(), rel=1e-12)
    numeric = ref.grads()
    for name in ref.inputs:
        assert float(printed[f"grad {name}"]) == pytest.approx(numeric[name], rel=1e-6, abs=1e-9)


def test_nothing_in_the_file_runs_in_the_exported_script(write_circuit, tmp_path) -> None:
    text = (
        'description: "ok\\n\\"\\"\\"\\nimport os; os.system(\\"touch PWNED\\")\\n\\"\\"\\""\n'
        "units: {a: 1}\ngates:\n  MultGate: mul(a, a) -> p\n  g2: mul(p, a) -> q\n"
        "  AddGate: add(q, 1) -> out\n"
    )
    printed = run_script(write_circuit(text), tmp_path)
    assert not (tmp_path / "PWNED").exists()
    assert float(printed["forward 0"]) == 2.0 and float(printed["grad a"]) == 3.0


def test_a_circuit_that_cannot_be_computed_is_not_exported(write_circuit) -> None:
    result = invoke("export", write_circuit("units: {a: 0}\ngates:\n  l: log(a) -> f\n"))
    assert result.exit_code == 1 and "log(0.0)" in result.stderr


def test_a_gate_and_a_unit_never_share_a_variable(write_circuit, tmp_path: Path) -> None:
    # The gate `math` cannot be called math (the module): it must not become the
    # variable of the unit `math_` either.
    path = write_circuit("units: {math_: 3, x: 2}\ngates:\n  math: mul(math_, x) -> p\n")
    printed = run_script(path, tmp_path)
    assert float(printed["forward 0"]) == 6.0
    assert float(printed["grad math_"]) == 2.0 and float(printed["grad x"]) == 3.0
