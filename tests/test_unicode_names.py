"""Names as Python allows them (issue 15, item 4): any identifier after NFKC, in
units, gates and formulas, and everywhere a name goes (export, DOT, Mermaid,
JSON, CSV, --set, --gate, --unit, check, did-you-mean); a word that mixes
alphabets, or two names that only look alike, are accepted with a warning."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bpcli.core.errors import CircuitError
from bpcli.parser import is_name, parse
from bpcli.render.graph import mermaid

from conftest import ROOT, invoke, program, run_json

NEURON_RU = ROOT / "circuits" / "neuron_ru.txt"
# SPEC §1's figures for the neuron, input by input (a, b, c, x, y).
GRADS = {
    "вес_a": -0.10499358540350662,
    "вес_b": 0.31498075621051985,
    "смещение": 0.10499358540350662,
    "вход_x": 0.10499358540350662,
    "вход_y": 0.20998717080701323,
}
AFTER_UPDATE = "0.8825501816218984"
UNIT = "units:\n  {name}: 1.0\ngates:\n  g: neg({name}) -> out\n"


@pytest.mark.parametrize("name", ["вес", "смещение", "выход", "変数", "x²", "é", "_вес1"])
def test_names_python_allows_are_names(name: str) -> None:
    assert is_name(name)
    c = parse(UNIT.format(name=is_name(name)))
    assert c.names[0] == is_name(name)


@pytest.mark.parametrize(("written", "name"), [("ﬁ", "fi"), ("x²", "x2"), ("e\u0301", "é")])
def test_a_name_is_used_in_its_nfkc_form(written: str, name: str) -> None:
    assert is_name(written) == name
    c = parse(UNIT.format(name=written))
    assert c.names[0] == name


def test_two_spellings_that_normalise_alike_are_one_name() -> None:
    text = "units:\n  ﬁ: 1.0\n  fi: 2.0\ngates:\n  g: neg(fi) -> out\n"
    with pytest.raises(CircuitError) as info:
        parse(text)
    p = info.value.problems[0]
    assert (p.line, p.col) == (3, 3) and "duplicate unit 'fi'" in p.message
    # and a gate may read the unit under either spelling
    c = parse("units:\n  ﬁ: 1.0\ngates:\n  g: neg(fi) -> out\n")
    assert c.names == ["fi", "out"]


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("units:\n  1x: 1\ngates:\n  g: neg(2) -> b\n", (2, 3), "invalid name '1x'"),
        ("units:\n  a-b: 1\ngates:\n  g: neg(2) -> b\n", (2, 3), "invalid name 'a-b'"),
        ("units:\n  вес!: 1\ngates:\n  g: neg(2) -> b\n", (2, 3), "invalid name 'вес!'"),
        ("units:\n  вес: 1\ngates:\n  g: neg(вес) -> вы-ход\n", (4, 18), "'вы-ход'"),
        ("units:\n  вес€: 1\ngates:\n  g: neg(2) -> b\n", (2, 3), "'€' (U+20AC EURO SIGN)"),
    ],
)
def test_what_is_no_identifier_is_refused_where_it_is(
    text: str, where: tuple[int, int], fragment: str
) -> None:
    with pytest.raises(CircuitError) as info:
        parse(text)
    p = info.value.problems[0]
    assert (p.line, p.col) == where and fragment in p.message, p


def test_a_formula_may_use_names_of_any_alphabet_in_their_nfkc_form() -> None:
    c = parse("units:\n  вес: 2.0\n  ﬁ: 3.0\nexpr: выход = sigmoid(вес * fi) + ﬁ\n")
    assert "выход" in c.names and "fi" in c.names and "ﬁ" not in c.names


def test_a_word_that_mixes_alphabets_is_warned_about(write_circuit) -> None:
    path = write_circuit("units:\n  pаrам: 1.0\ngates:\n  g: neg(pаrам) -> out\n")
    result = invoke("run", "-q", path)
    assert result.exit_code == 0
    assert result.stdout == "-0.99\n"  # stdout as without the warning
    assert result.stderr == (
        f"{path}:2:3: warning: 'pаrам' mixes Latin and Cyrillic letters: "
        "'а' is U+0430 CYRILLIC SMALL LETTER A\n"
    )


def test_a_cyrillic_word_with_a_latin_letter_is_warned_about_and_words_apart_are_not(
    write_circuit,
) -> None:
    path = write_circuit("units:\n  вес_a: 1.0\n  вeс: 2\ngates:\n  g: add(вес_a, вeс) -> out\n")
    result = invoke("run", "-q", path)
    assert result.exit_code == 0
    assert result.stderr == (
        f"{path}:3:3: warning: 'вeс' mixes Cyrillic and Latin letters: "
        "'e' is U+0065 LATIN SMALL LETTER E\n"
    )


def test_two_names_that_look_alike_are_warned_about(write_circuit) -> None:
    path = write_circuit("units:\n  a: 1.0\n  а: 2.0\ngates:\n  g: add(a, а) -> out\n")
    result = invoke("run", "-q", path)
    assert result.exit_code == 0 and result.stdout == "3.0199999999999996\n"
    assert result.stderr == (
        f"{path}:3:3: warning: 'а' looks like 'a' (line 2), but they are different names: "
        "'а' is U+0430 CYRILLIC SMALL LETTER A\n"
    )


def test_no_warning_for_the_russian_neuron() -> None:
    result = invoke("run", "-q", NEURON_RU)
    assert result.exit_code == 0 and result.stderr == ""


# -- circuits/neuron_ru.txt: the neuron's figures ------------------------------------------


def test_the_russian_neuron_gives_the_neurons_figures() -> None:
    assert invoke("run", "-q", NEURON_RU).stdout == AFTER_UPDATE + "\n"
    assert invoke("run", "-q", ROOT / "circuits" / "neuron.txt").stdout == AFTER_UPDATE + "\n"
    data = run_json(NEURON_RU)
    backward = next(p for p in data["passes"] if p["phase"] == "backward")
    assert {n: backward["units"][n]["grad"] for n in GRADS} == GRADS
    assert data["output"] == "выход"


# -- everywhere a name goes ----------------------------------------------------------------


def test_the_exported_script_of_a_cyrillic_circuit_runs_and_says_what_run_says(
    tmp_path: Path,
) -> None:
    result = invoke("export", NEURON_RU)
    assert result.exit_code == 0
    script = tmp_path / "нейрон.py"
    script.write_text(result.stdout, encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, encoding="utf-8", check=True
    )
    lines = ran.stdout.splitlines()
    assert lines[-1] == f"forward 1: {AFTER_UPDATE}"
    assert lines[-1].split()[-1] == invoke("run", "-q", NEURON_RU).stdout.strip()
    for name, grad in GRADS.items():
        assert f"grad {name}: {grad!r}" in lines
    assert "умн0.utop is слож0.u0: True" in lines


def test_dot_quotes_the_names_and_graphviz_reads_them() -> None:
    result = invoke("graph", NEURON_RU)
    assert result.exit_code == 0
    assert '"u:вес_a" [' in result.stdout and '"g:умн0" [' in result.stdout
    svg = subprocess.run(
        [program("dot", "graphviz"), "-Tsvg"],
        input=result.stdout.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    assert "вес_a" in svg and "выход" in svg


def test_mermaid_ids_are_ascii_and_unique_and_the_labels_keep_the_letters() -> None:
    # Names that differ only in letters past ASCII, and ASCII names that look
    # like a spelt one: every node its own id.
    names = ["а", "б", "аб", "а_б", "a", "u_a", "uu_x430_", "x430", "вес_a", "вес_b"]
    text = "units:\n" + "".join(f"  {n}: 1.0\n" for n in names)
    text += "gates:\n  г0: add(а, б) -> out\n  г1: add(аб, а_б) -> out2\n"
    c = parse(text)
    chart = mermaid(c)
    ids = re.findall(r"^  (\S+?)[\[(]", chart, re.M)
    assert len(ids) == len(set(ids)) == len(c.names) + len(c.gates)
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", i) for i in ids), ids
    assert '(["вес_a"])' in chart and '["г0: add"]' in chart


def test_json_keeps_the_names_as_keys_and_jq_reads_them() -> None:
    result = invoke("run", "--format", "json", NEURON_RU)
    data = json.loads(result.stdout)
    assert list(data["passes"][0]["units"])[:3] == ["вес_a", "вес_b", "смещение"]
    assert data["passes"][0]["units"]["вес_a"]["held_by"] == ["умн0.u0"]
    out = subprocess.run(
        [program("jq", "jq"), "-r", '.passes[1].units["смещение"].grad'],
        input=result.stdout.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    assert out.strip() == repr(GRADS["смещение"])


def test_csv_rows_name_the_units() -> None:
    result = invoke("run", "--format", "csv", NEURON_RU)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    backward = {r["unit"]: float(r["grad"]) for r in rows if r["phase"] == "backward"}
    assert {n: backward[n] for n in GRADS} == GRADS


def test_set_gate_unit_and_check_take_cyrillic_names() -> None:
    moved = run_json(NEURON_RU, "--set", "вес_a=2", "--no-update")
    assert moved["passes"][0]["units"]["вес_a"]["value"] == 2.0
    traced = invoke("trace", NEURON_RU, "--gate", "умн0")
    assert traced.exit_code == 0 and "умн0.forward(вес_a, вход_x)" in traced.stdout
    assert "умн1.forward" not in traced.stdout
    only = invoke("run", NEURON_RU, "--unit", "смещение")
    assert only.exit_code == 0 and "смещение" in only.stdout and "вес_b " not in only.stdout
    checked = invoke("check", NEURON_RU)
    assert checked.exit_code == 0 and "5 ok" in checked.stdout


def test_did_you_mean_for_a_cyrillic_typo_and_a_look_alike(write_circuit) -> None:
    wrong = invoke("run", NEURON_RU, "--set", "вес_с=2")
    assert wrong.exit_code == 2 and "did you mean 'вес_b' or 'вес_a'?" in wrong.stderr
    gate = invoke("trace", NEURON_RU, "--gate", "умн9")
    assert gate.exit_code == 2 and "Did you mean 'умн1' or 'умн0'?" in gate.stderr
    text = NEURON_RU.read_text(encoding="utf-8").replace("add(ax, by)", "add(ах, by)")
    result = invoke("validate", write_circuit(text))
    assert result.exit_code == 1
    assert ":14:14: error: unknown unit 'ах'\nhint: did you mean 'ax'?" in result.stderr


def test_a_name_on_the_command_line_is_looked_up_in_its_nfkc_form(write_circuit) -> None:
    path = write_circuit("units:\n  fi: 1.0\ngates:\n  g: neg(fi) -> out\n")
    data = run_json(path, "--set", "ﬁ=2", "--no-update")
    assert data["passes"][0]["units"]["fi"]["value"] == 2.0


def test_unit_and_gate_filters_take_the_names_in_nfkc_form(write_circuit) -> None:
    from conftest import invoke

    path = write_circuit("units:\n  fi: 1\ngates:\n  g: mul(fi, fi) -> p\n")
    plain = invoke("trace", "--no-update", "--unit", "fi", str(path)).stdout
    ligature = invoke("trace", "--no-update", "--unit", "\ufb01", str(path)).stdout
    ids = re.compile(r"0x[0-9a-f]+")
    assert "g.forward(fi, fi)" in ligature and ids.sub("0x", ligature) == ids.sub("0x", plain)


def test_a_latin_typo_of_a_cyrillic_name_is_suggested_too() -> None:
    from bpcli.core.errors import did_you_mean

    # `ру` (Cyrillic р, у) typed on a Latin keyboard as `py`
    assert did_you_mean("py", ["ру", "x"]) == "did you mean 'ру'?"
    assert did_you_mean("ру", ["py", "x"]) == "did you mean 'py'?"
