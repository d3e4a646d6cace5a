"""The command line as scripts and people use it: formats, options, stdin and
exit statuses (0 ok, 1 bad circuit, 2 bad usage)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import click
import pytest

from bpcli.cli.main import cli
from bpcli.core.gates import OPS

from conftest import NEURON, ROOT, invoke, run_json
from reference import Reference, close

LOCATED = re.compile(r"^(.+):(\d+):(\d+): error: ")


def test_table_shows_every_pass_the_shared_objects_and_a_summary() -> None:
    result = invoke("run", NEURON)
    assert result.exit_code == 0
    out = result.stdout
    for title in ("forward 0", "backward 0", "update 0", "forward 1"):
        assert title in out
    for producer, consumer in (("addg1.utop", "sg0.u0"), ("mulg0.utop", "addg0.u0")):
        assert re.search(rf"{producer}\n\s+≡ {consumer}\n", out), (producer, consumer)
    assert "Δgrad" in out and "Δvalue" in out
    assert "+0.314981" in out  # b's grad changed from 0 to 0.314981 in backward 0
    assert "s: 0.880797 → 0.882550 (+0.001753) after 1 update" in out
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_colour_only_when_asked_or_on_a_terminal() -> None:
    assert "\x1b[" in invoke("run", "--color", "always", NEURON).stdout


def test_precision_sets_the_digits_of_tables() -> None:
    out = invoke("run", "--precision", "3", NEURON).stdout
    assert "0.881" in out and "0.880797" not in out


def test_names_and_text_from_the_file_are_not_rich_markup(write_circuit) -> None:
    path = write_circuit(
        "description: '[red]x[/red] [bold]'\nunits: {a: 1}\ngates:\n  g: neg(a) -> b\n"
    )
    result = invoke("run", path)
    assert result.exit_code == 0
    assert "[red]x[/red] [bold]" in result.stdout


def test_stdin_as_dash() -> None:
    doc = run_json("-", input=NEURON.read_bytes())
    assert doc["file"] == "<stdin>"
    assert close(doc["passes"][-1]["output_value"], 0.8825501816218984)


def test_set_overrides_inputs_and_step_size_overrides_the_file() -> None:
    ref = Reference.from_file(NEURON)
    doc = run_json(NEURON, "--set", "a=2", "--set", "x=-0.5", "--step-size", "0.1")
    inputs = dict(ref.inputs, a=2.0, x=-0.5)
    assert close(doc["passes"][0]["output_value"], ref.f(inputs))
    assert doc["step_size"] == 0.1
    grads = ref.grads(inputs)
    for name, value in inputs.items():
        moved = doc["passes"][2]["units"][name]["value"]
        assert moved == pytest.approx(value + 0.1 * grads[name], rel=1e-9)


def test_iterations_and_no_update_choose_the_passes() -> None:
    doc = run_json(NEURON, "-n", "3")
    phases = [(p["phase"], p["iteration"]) for p in doc["passes"]]
    assert phases[0] == ("forward", 0)
    assert phases[1:4] == [("backward", 0), ("update", 0), ("forward", 1)]
    assert phases[-1] == ("forward", 3) and len(phases) == 10
    outputs = [p["output_value"] for p in doc["passes"] if p["phase"] == "forward"]
    assert outputs == sorted(outputs)  # a positive step raises the output
    doc = run_json(NEURON, "--no-update")
    assert [p["phase"] for p in doc["passes"]] == ["forward", "backward"]
    quiet = invoke("run", "-q", "--no-update", NEURON).stdout
    assert close(float(quiet), 0.8807970779778823)


def _without_ids(passes: list[dict]) -> list[dict]:
    return [
        {
            **p,
            "units": {
                n: {k: v for k, v in u.items() if k not in ("id", "reused_address")}
                for n, u in p["units"].items()
            },
        }
        for p in passes
    ]


def test_jsonl_is_one_pass_per_line_and_matches_json() -> None:
    result = invoke("run", "--format", "jsonl", "-n", "2", NEURON)
    lines = result.stdout.splitlines()
    passes = [json.loads(line) for line in lines]
    assert len(lines) == 7
    assert _without_ids(passes) == _without_ids(run_json(NEURON, "-n", "2")["passes"])


def test_csv_has_a_row_per_pass_and_unit_at_full_precision() -> None:
    result = invoke("run", "--format", "csv", NEURON)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["phase", "iteration", "unit", "kind", "value", "grad", "id", "held_by"]
    assert len(rows) == 4 * 10
    b = next(r for r in rows if r["phase"] == "backward" and r["unit"] == "b")
    assert float(b["grad"]) == 0.31498075621051985
    shared = next(r for r in rows if r["phase"] == "forward" and r["unit"] == "ax_p_by_p_c")
    assert shared["held_by"] == "addg1.utop sg0.u0"


def test_json_floats_are_full_precision_and_ids_are_hex() -> None:
    doc = run_json(NEURON)
    unit = doc["passes"][1]["units"]["b"]
    assert unit["grad"] == 0.31498075621051985
    assert re.fullmatch(r"0x[0-9a-f]+", unit["id"])
    assert unit["kind"] == "input"
    kinds = {u["kind"] for u in doc["passes"][0]["units"].values()}
    assert kinds == {"input", "gate"}


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--nosuch", str(NEURON)],
        ["run", "--set", "nosuch=1", str(NEURON)],
        ["run", "--set", "ax=1", str(NEURON)],  # a gate output, not an input
        ["run", "--set", "a", str(NEURON)],
        ["run", "--set", "a=true", str(NEURON)],
        ["run", "--step-size", "inf", str(NEURON)],
        ["run", "-n", "-1", str(NEURON)],
        ["run", "--no-update", "-n", "3", str(NEURON)],
        ["run", "--format", "xml", str(NEURON)],
        ["run", "-q", "--format", "json", str(NEURON)],
        ["run", "--set", "a=1", "--set", "a=2", str(NEURON)],
        ["run", "no/such/file.txt"],
        ["validate", "no/such/file.txt"],
        ["frobnicate"],
    ],
)
def test_bad_usage_exits_2_without_a_traceback(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Error" in result.stderr


def test_set_suggests_a_near_name() -> None:
    result = invoke("run", "--set", "aa=1", NEURON)
    assert result.exit_code == 2
    assert "did you mean 'a'?" in result.stderr


@pytest.mark.parametrize(
    ("gates", "fragment"),
    [
        ("  lg: log(z) -> f\n", "log(0.0)"),
        ("  dv: div(a, z) -> f\n", "divides by zero"),
        ("  ex: exp(big) -> f\n", "exp(1000.0) overflows"),
        ("  pw: pow(-8, 0.5) -> f\n", "pow(-8.0, 0.5)"),
    ],
)
def test_numeric_domain_errors_exit_1_at_the_gates_line(
    write_circuit, gates: str, fragment: str
) -> None:
    path = write_circuit(
        "units:\n  a: 1\n  z: 0\n  big: 1000\ngates:\n  ok: add(a, a) -> two\n" + gates
    )
    result = invoke("run", path)
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:7:3: error: gate '")
    assert fragment in first
    assert "Traceback" not in result.output


def test_an_update_that_overflows_exits_1_at_the_inputs_line(write_circuit) -> None:
    path = write_circuit("units:\n  a: 1e300\ngates:\n  sq: mul(a, 1e7) -> f\nstep_size: 1e305\n")
    result = invoke("run", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:2:3: error: update of 'a'")
    assert "hint: " in result.stderr


def test_validate() -> None:
    result = invoke("validate", NEURON)
    assert result.exit_code == 0
    assert "ok: 5 inputs, 5 gates, output s" in result.stdout


def test_gates_lists_every_op_from_the_registry() -> None:
    table = invoke("gates").stdout
    for op in OPS.values():
        assert op.name in table
        for formula in op.local_formulas:
            assert formula in table
    rows = json.loads(invoke("gates", "--format", "json").stdout)
    assert [r["op"] for r in rows] == list(OPS)
    assert next(r for r in rows if r["op"] == "sigmoid")["local"] == ["σ(1−σ)"]


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    result = invoke("--version")
    assert result.exit_code == 0
    assert version("bpcli") in result.stdout


@pytest.mark.parametrize("command", cli.list_commands(click.Context(cli)))
def test_every_command_has_help_with_examples(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"bpcli {command}" in result.stdout


def test_every_circuit_file_runs() -> None:
    for path in sorted((ROOT / "circuits").glob("*.txt")):
        text = path.read_text()
        assert text.startswith("#"), (
            f"{path.name} should open with a comment saying what it teaches"
        )
        result = invoke("run", path)
        assert result.exit_code == 0, (path, result.stderr)


def test_save_svg_and_html_keep_the_tables(tmp_path) -> None:
    svg, html = tmp_path / "run.svg", tmp_path / "run.html"
    result = invoke("run", NEURON, "--save-svg", svg, "--save-html", html)
    assert result.exit_code == 0
    assert "forward 1" in result.stdout  # the normal output too
    page = html.read_text()
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert "addg1.utop" in page and "backward&#160;0" in page.replace(" ", "&#160;")
    picture = svg.read_text()
    assert picture.lstrip().startswith("<svg") and "sg0.u0" in picture.replace("&#160;", " ")
    trace_svg = tmp_path / "trace.svg"
    assert invoke("trace", "--no-update", NEURON, "--save-svg", trace_svg).exit_code == 0
    assert "sg0.backward()" in trace_svg.read_text().replace("&#160;", " ")


def test_save_needs_the_table_view_and_a_failed_run_saves_nothing(tmp_path, write_circuit) -> None:
    svg = tmp_path / "x.svg"
    assert invoke("run", NEURON, "--format", "json", "--save-svg", svg).exit_code == 2
    bad = write_circuit("units: {a: 0}\ngates:\n  l: log(a) -> f\n")
    assert invoke("run", bad, "--save-svg", svg).exit_code == 1
    assert not svg.exists()


def test_standard_input_closed_is_one_line_not_an_internal_error() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "run", "-"],
        capture_output=True, text=True, timeout=60, preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert proc.returncode == 2
    assert "standard input is closed" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["check", "graph"])
def test_an_option_a_command_would_ignore_is_refused(command: str) -> None:
    result = invoke(command, "--step-size", "0.5", NEURON)
    assert result.exit_code == 2 and "No such option" in result.stderr


def test_precision_is_digits_after_the_point_in_graphs_too() -> None:
    text = invoke("graph", "--values", "--precision", "2", "--set", "a=12.3456", NEURON).stdout
    assert re.search(r'"u:a" \[[^]]*label="a\\nvalue 12.35\\n', text)  # not 12 (2 significant)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--methods", "go", str(NEURON)], "--methods is for Python scripts"),
        (["--value-attr", "data", str(NEURON)], "--value-attr is for Python scripts"),
        ([str(NEURON), "--", "x"], "only a script takes ARGS"),
        (["--mistake", "assign", str(ROOT / "examples" / "neuron_gates.py")],
         "--mistake is for circuit files"),
        (["-n", "2", str(ROOT / "examples" / "neuron_gates.py")], "-n is for circuit files"),
    ],
)  # fmt: skip
def test_trace_refuses_an_option_for_the_other_kind_of_file(args: list[str], message: str) -> None:
    result = invoke("trace", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert "circuit output" not in result.stdout  # a script was not run


# -- found by a new user's review (issue 11) ---------------------------------------------


def test_a_mistakes_values_are_never_saved(tmp_path) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(NEURON.read_text())
    for saving in (["--write"], ["-o", str(tmp_path / "new.txt")]):
        result = invoke("run", "-q", "--mistake", "assign", *saving, circuit)
        assert result.exit_code == 2 and "--mistake assign" in result.stderr
    assert circuit.read_text() == NEURON.read_text()
    assert not (tmp_path / "new.txt").exists()


def test_write_needs_a_regular_file(tmp_path) -> None:
    fifo = tmp_path / "c.fifo"
    os.mkfifo(fifo)
    result = invoke("run", "-q", "--write", fifo)  # would wait for a writer forever
    assert result.exit_code == 2 and "regular file" in result.stderr


def test_trace_refuses_a_mistake_with_no_backward_pass_as_run_does() -> None:
    for command in ("run", "trace"):
        result = invoke(command, "--mistake", "no-zero-grad", "-n", "0", NEURON)
        assert result.exit_code == 2 and "nothing for --mistake to compare" in result.stderr


def test_a_mistake_that_changes_nothing_is_said(write_circuit) -> None:
    path = write_circuit("units:\n  a: 0.5\ngates:\n  g: relu(a) -> s\n")  # no mul to swap
    result = invoke("trace", "--mistake", "swap", path)
    assert result.exit_code == 0
    assert "never parts from the correct one" in result.stderr
    shown = invoke("trace", "--mistake", "swap", NEURON)
    assert "never parts" not in shown.stderr


def test_a_circuit_without_inputs_says_there_is_nothing_to_check(write_circuit) -> None:
    path = write_circuit("units: {}\ngates:\n  g: neg(2) -> s\n")
    assert "no input units: nothing to check" in invoke("check", path).stdout
    run = invoke("run", "--mistake", "assign", path).stdout
    assert "no input units" in run and "0 of 0" not in run


def test_help_and_export_are_ascii_where_the_output_is(tmp_path) -> None:
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    for args in (["--help"], ["run", "--help"], ["trace", "--help"], ["export", NEURON]):
        out = subprocess.run([sys.executable, "-m", "bpcli", *map(str, args)], env=env,
                             capture_output=True, timeout=60).stdout  # fmt: skip
        assert out and out.isascii(), args
    exported = subprocess.run([sys.executable, "-m", "bpcli", "export", str(NEURON)], env=env,
                              capture_output=True, text=True, timeout=60).stdout  # fmt: skip
    ran = subprocess.run([sys.executable, "-c", exported], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr  # still a program python runs


def test_trace_json_writes_every_number_as_a_float() -> None:
    events = [
        json.loads(line)
        for line in invoke("trace", "--format", "jsonl", NEURON).stdout.splitlines()
    ]
    writes = [w for e in events for w in e.get("writes", [])]
    numbers = [w[k] for w in writes for k in ("local", "upstream", "grad_before") if k in w]
    assert numbers and all(isinstance(x, float) for x in numbers)
