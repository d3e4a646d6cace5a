"""bpcli check: backprop against central differences, with the rule that
decided each verdict, kinks named, and exit 1 on a failure."""

from __future__ import annotations

import json

import pytest

from conftest import NEURON, invoke
from reference import Reference
from test_reference_figures import GRADS


def check_json(*args: str) -> tuple[int, dict]:
    result = invoke("check", "--format", "json", *args)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def test_the_neuron_agrees() -> None:
    code, doc = check_json(NEURON)
    assert code == 0
    rows = {r["name"]: r for r in doc["inputs"]}
    assert set(rows) == set(GRADS)
    numeric = Reference.from_file(NEURON).grads(h=1e-5)
    for name, grad in GRADS.items():
        assert rows[name]["analytic"] == grad
        assert rows[name]["numeric"] == pytest.approx(numeric[name], rel=1e-9)
        assert rows[name]["verdict"] == "ok"
        assert rows[name]["rel_error"] < 1e-7
        assert rows[name]["rule"].startswith("relative")


def test_a_saturated_sigmoid_agrees_by_the_absolute_rule(write_circuit) -> None:
    code, doc = check_json(write_circuit("units: {x: 1}\ngates:\n  m: mul(x, 30) -> z\n"
                                         "  s: sigmoid(z) -> f\n"))  # fmt: skip
    (row,) = doc["inputs"]
    assert code == 0 and row["verdict"] == "ok"
    assert row["rel_error"] > 1e-4  # relative alone would fail: it is rounding noise
    assert row["rule"].startswith("absolute")


def test_an_input_that_does_not_reach_the_output_is_both_zero(write_circuit) -> None:
    code, doc = check_json(write_circuit("units: {x: 1, y: 2}\ngates:\n  g: exp(x) -> f\n"))
    assert code == 0
    row = next(r for r in doc["inputs"] if r["name"] == "y")
    assert (row["analytic"], row["numeric"], row["verdict"], row["rule"]) == (
        0.0, 0.0, "ok", "both zero"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("gates", "what", "verdict"),
    [
        ("  r: relu(a) -> f\n", "relu at 0 (gate r)", "kink"),  # 0 against 0.5
        ("  m: max(a, b) -> f\n", "max at a tie (gate m)", "kink"),  # 1 against 0.5
        ("  v: abs(a) -> f\n", "abs at 0 (gate v)", "ok"),  # 0 against 0: they agree
    ],
)
def test_a_kink_is_named_not_failed(write_circuit, gates: str, what: str, verdict: str) -> None:
    code, doc = check_json(write_circuit("units: {a: 0, b: 0}\ngates:\n" + gates))
    row = next(r for r in doc["inputs"] if r["name"] == "a")
    assert row["verdict"] == verdict and what in row["kink"]
    assert code == 0
    out = invoke("check", write_circuit("units: {a: 0, b: 0}\ngates:\n" + gates, "t.txt")).stdout
    assert "kink" in out and "averages two slopes" in out


def test_a_failure_exits_1_and_says_which_rule(write_circuit) -> None:
    path = write_circuit("units: {x: 1}\ngates:\n  e: exp(x) -> f\n")
    code, doc = check_json(path, "--h", "0.5")  # a step far too big for exp
    (row,) = doc["inputs"]
    assert code == 1 and row["verdict"] == "fail"
    assert row["rule"].startswith("relative") and "> 1e-04" in row["rule"]
    code, doc = check_json(path, "--h", "0.5", "--tol", "1e-3", "0.1")
    assert code == 0 and doc["inputs"][0]["verdict"] == "warn"


def test_bad_h_is_usage(write_circuit) -> None:
    assert invoke("check", "--h", "0", NEURON).exit_code == 2
