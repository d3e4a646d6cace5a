"""Every hostile input gets a located error, and output that cannot break
(issue 11, items 6-13): closed and odd standard streams, terminal injection,
strict JSON, YAML's own errors first, formula limits, false numeric errors,
messages that say what is wrong, and bounded reading."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bpcli.core.errors import CircuitError
from bpcli.parser import parse

from conftest import CIRCUITS, NEURON, ROOT, invoke

SCRIPT = ROOT / "examples" / "neuron_gates.py"
LOCATED = re.compile(r"^(.+):(\d+):(\d+): error: ")


def bpcli(*args: object, **kwargs) -> subprocess.CompletedProcess:
    if "stdout" not in kwargs:
        kwargs.setdefault("capture_output", True)
    return subprocess.run(
        [sys.executable, "-m", "bpcli", *map(str, args)], text=True, timeout=60, **kwargs
    )


def strict(text: str) -> object:
    """JSON as a strict parser reads it: NaN and Infinity are refused."""

    def refuse(constant: str) -> float:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def problem(text: str, all_errors: bool = False) -> tuple[str, str, str | None]:
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=all_errors)
    p = info.value.problems[0]
    return f"{p.line}:{p.col}", p.message, p.hint


# -- 6. closed or odd standard streams ----------------------------------------------------

EVERY_COMMAND = [
    ["run", NEURON],
    ["trace", NEURON],
    ["check", NEURON],
    ["graph", NEURON],
    ["export", NEURON],
    ["expand", NEURON],
    ["validate", NEURON],
    ["gates"],
    ["mistakes"],
    ["run", "--format", "json", NEURON],
    ["trace", SCRIPT],
]


@pytest.mark.parametrize("args", EVERY_COMMAND, ids=lambda a: " ".join(map(str, a))[:40])
def test_a_closed_standard_output_is_one_line(args: list[object]) -> None:
    proc = bpcli(*args, preexec_fn=lambda: os.close(1))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "cannot write the output" in proc.stderr
    assert len(proc.stderr.splitlines()) <= 3  # the script's own prints may go there too


def test_a_full_standard_output_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        proc = bpcli("run", NEURON, stdout=full, stderr=subprocess.PIPE)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "bpcli: error: cannot write the output: No space left on device"
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["run", NEURON],
        ["trace", NEURON],
        ["check", NEURON],
        ["gates"],
        ["mistakes"],
        ["run", "--mistake", "assign", ROOT / "circuits" / "fanout.txt"],
        ["trace", SCRIPT],
    ],
    ids=lambda a: " ".join(map(str, a))[:40],
)
def test_an_ascii_standard_output_gets_ascii_views(args: list[object]) -> None:
    proc = bpcli(*args, env=dict(os.environ, PYTHONIOENCODING="ascii"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.isascii() and "internal error" not in proc.stderr
    if args[0] in ("run", "trace") and args[-1] != SCRIPT:
        assert "==" in proc.stdout or "->" in proc.stdout  # ≡ and → in ASCII


def test_json_on_an_ascii_output_is_the_same_json() -> None:
    text = "description: ½ and ≡\nunits: {a: 1}\ngates:\n  g: neg(a) -> b\n"
    ascii = bpcli(
        "run", "--format", "json", "-", input=text, env=dict(os.environ, PYTHONIOENCODING="ascii")
    )
    utf8 = bpcli("run", "--format", "json", "-", input=text)
    assert ascii.stdout.isascii()
    masked = [re.sub(r"0x[0-9a-f]+", "id", p.stdout) for p in (ascii, utf8)]
    assert strict(masked[0]) == strict(masked[1])


# -- 7. no terminal injection --------------------------------------------------------------

EVIL = "one\x1b]0;owned\x07 two\x1b[2J three\r\x9b four \u202eexe.gnp"


def test_control_characters_in_user_text_are_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text(f"description: {json.dumps(EVIL)}\nunits: {{a: 1}}\ngates:\n  g: neg(a) -> b\n")
    for command in ("run", "trace"):
        out = invoke(command, path).stdout
        assert "\\x1b]0;owned\\x07" in out and "\\u202e" in out and "\\x9b" in out
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out), command
    doc = json.loads(invoke("run", "--format", "json", path).stdout)
    assert "description" not in doc or doc.get("description") in (None, EVIL)


def test_a_file_name_with_control_characters_is_escaped_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad\x1b[2J.txt"
    path.write_text("units: {a: x}\ngates:\n  g: neg(a) -> b\n")
    result = invoke("run", path)
    assert result.exit_code == 1
    assert "bad\\x1b[2J.txt:1:12: error:" in result.stderr
    assert "\x1b" not in result.stderr


# -- 8. only finite numbers in JSON -------------------------------------------------------


def test_check_finds_a_finite_numeric_gradient_where_the_difference_overflows(
    write_circuit,
) -> None:
    path = write_circuit("units: {a: 0}\ngates:\n  g: mul(a, 1.7e308) -> b\n")
    result = invoke("check", "--h", "1", "--format", "json", path)
    (row,) = strict(result.stdout)["inputs"]
    assert row["numeric"] == 1.7e308 == row["analytic"] and row["verdict"] == "ok"


def test_check_reports_a_numeric_gradient_that_overflows(write_circuit) -> None:
    # f(±0.5) = ±1.7e308: their difference over 2h is 3.4e308, not a number
    path = write_circuit("units: {a: 0}\ngates:\n  g: mul(a, 1.7e308) -> b\n  h: mul(b, 2) -> c\n")
    result = invoke("check", "--h", "0.5", "--format", "json", "--set", "a=0", path)
    if result.exit_code == 1 and not result.stdout:  # the analytic side overflows first
        assert "not a finite real number" in result.stderr
        return
    (row,) = strict(result.stdout)["inputs"]
    assert row["numeric"] is None and row["verdict"] == "fail"
    assert "overflows" in row["rule"] and "--h" in row["note"]


@pytest.mark.parametrize("path", CIRCUITS, ids=[p.name for p in CIRCUITS])
def test_every_json_bpcli_writes_is_strict_json(path: Path) -> None:
    for args in (
        ["run", "--format", "json", "-n", "3"],
        ["trace", "--format", "json"],
        ["check", "--format", "json"],
        ["run", "--format", "json", "--mistake", "copy"],
    ):
        result = invoke(*args, path)
        strict(result.stdout)
    for line in invoke("trace", "--format", "jsonl", path).stdout.splitlines():
        strict(line)


# -- 9. YAML's own errors at the line where they are --------------------------------------


def test_an_over_indented_key_is_yamls_error_not_a_number() -> None:
    text = "units:\n  a: 1.0\n   b: 2.0\ngates:\n  g: mul(a, b) -> c\n"
    where, message, _ = problem(text)
    assert where.startswith("3:") and message.startswith("invalid YAML")
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    assert info.value.problems[0].message.startswith("invalid YAML")  # first, with all errors


def test_an_unclosed_brace_is_yamls_error() -> None:
    _, message, _ = problem("units: {a: 1\n2 gates: x\n")
    assert message.startswith("invalid YAML") and "is not a number" not in message


def test_an_unclosed_quote_is_reported_where_it_opens() -> None:
    text = 'units:\n  a: 1\n  b: "2\n  c: 3\ngates:\n  g: neg(a) -> d\n' + "# more\n" * 50
    where, message, hint = problem(text)
    assert where == "3:6" and "quoted scalar" in message and hint and "never closed" in hint


# -- 10. expr: limits ---------------------------------------------------------------------


def expr(formula: str) -> str:
    return "units: {a: 1.0001}\nexpr: |\n  s = " + formula + "\n"


def test_a_long_sum_simply_works() -> None:
    c = parse(expr("+".join(["a"] * 3000)))
    c.forward()
    assert c.output_value == pytest.approx(3000 * 1.0001, rel=1e-12)


@pytest.mark.parametrize(
    ("formula", "fragment"),
    [
        ("**".join(["a"] * 3000), "nest too deeply"),
        ("(" * 100_000 + "a" + ")" * 100_000, "too many nested parentheses"),
        ("-" * 150_000 + "a", "operations"),
        ("a * 1" + "0" * 309, "overflows to infinity"),
        ("a * 1" + "0" * 5000, "a number of 5001 digits is not a finite number"),
        ("1e309 * a", "1e309 is not a finite number"),
    ],
    ids=[
        "long power chain",
        "deep parentheses",
        "deep negation",
        "1e309",
        "5000 digits",
        "as written",
    ],
)
def test_formula_limits_are_located_errors(formula: str, fragment: str) -> None:
    where, message, _ = problem(expr(formula))
    assert where.startswith("3:") and fragment in message
    assert "sys." not in message  # none of Python's own advice


def test_a_huge_integer_is_placed_at_its_first_digit() -> None:
    where, _, _ = problem(expr("a * 1" + "0" * 5000))
    col = int(where.split(":")[1])
    assert expr("a * 1" + "0" * 5000).split("\n")[2][col - 1 :].startswith("10")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("units: {x: 1}\nexpr: f = x +\n  sigmod(x)\n", "3:3"),
        ("units: {x: 1}\nexpr: >\n  f = x +\n  sigmod(x)\n", "4:3"),
        ('units: {x: 1}\nexpr: "f = \\x78 + \\\n  sigmod(x)"\n', "3:3"),
        ("units: {x: 1}\nexpr: 'f = x + sigmod(x)'\n", "2:16"),
        ("units: {x: 1}\nexpr: |\n  g = x * 2\n  f = x + sigmod(x)\n", "4:11"),
    ],
    ids=["plain, two lines", "folded", "double-quoted, escaped", "single-quoted", "block"],
)
def test_formula_positions_point_at_the_character(text: str, where: str) -> None:
    got, message, _ = problem(text)
    assert (got, "sigmod" in message) == (where, True)


def test_a_unit_named_true_works_in_expr_as_in_gates() -> None:
    gates = parse("units: {'True': 2, a: 3}\ngates:\n  g: mul(True, a) -> p\n")
    formulas = parse("units: {'True': 2, a: 3}\nexpr: p = True * a\n")
    for c in (gates, formulas):
        c.forward()
        assert c.output_value == 6.0
    _, message, _ = problem("units: {lambda: 2}\nexpr: p = lambda * 2\n")
    assert "'lambda' is a Python keyword" in message


# -- 11. false numeric errors ---------------------------------------------------------------


def test_a_tiny_divisor_gives_finite_derivatives() -> None:
    c = parse("units: {a: 0}\ngates:\n  g: div(a, 1e-200) -> b\n")
    c.forward()
    c.backward()
    a = c.units[c.index["a"]]
    assert a.grad == pytest.approx(1e200, rel=1e-12) and math.isfinite(a.grad)


# -- 12. messages that say what is wrong -----------------------------------------------------


# Issue 15: a name is any Python identifier (`вес` is one, tests/test_unicode_names.py);
# a character no identifier holds is named, with its code point.
@pytest.mark.parametrize(
    ("name", "fragment"),
    [("вес€", "'€' (U+20AC EURO SIGN)"), ("a→b", "'→' (U+2192 RIGHTWARDS ARROW)")],
)
def test_a_name_with_a_character_bpcli_refuses_names_it(name: str, fragment: str) -> None:
    _, message, _ = problem(f"units:\n  {name}: 1\ngates:\n  g: neg(2) -> b\n")
    assert fragment in message


def test_a_huge_unknown_name_is_shortened() -> None:
    big = "b" * 1000
    _, message, _ = problem(f"units: {{a: 1}}\ngates:\n  g: neg({big}) -> c\n")
    assert len(message) < 120 and "unknown unit 'bbb" in message


def test_a_name_over_1024_characters_has_its_own_message() -> None:
    for text in (
        "units:\n  " + "a" * 2000 + ": 1\ngates:\n  g: neg(2) -> b\n",
        "units: {a: 1}\ngates:\n  g: neg(a) -> " + "c" * 2000 + "\n",
    ):
        _, message, _ = problem(text)
        assert "2,000 characters" in message and "1,024" in message, message
        assert len(message) < 200


def test_a_byte_order_mark_in_the_middle_is_named() -> None:
    where, message, _ = problem("units:\n  a: 1\n\ufeff  b: 2\ngates:\n  g: neg(a) -> c\n")
    assert (where, message) == ("3:1", "a byte-order mark (U+FEFF) in the middle of the file")


def test_all_errors_says_how_many_it_found_beyond_those_shown(write_circuit) -> None:
    path = write_circuit("units:\n" + "".join(f"  u{i}: x\n" for i in range(500)))
    result = invoke("validate", "--all-errors", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "200 errors shown, 501 found"  # and 'gates'


# -- 13. bounded reading ---------------------------------------------------------------------


def test_endless_input_is_refused_before_memory_runs_out() -> None:
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "validate", "--max-bytes", "5000000", "-"],
        stdin=yes.stdout,
        capture_output=True,
        text=True,
        timeout=60,
    )
    yes.kill()
    assert proc.returncode == 1
    assert "is larger than 5,000,000 bytes" in proc.stderr and "MemoryError" not in proc.stderr


# -- found in review ----------------------------------------------------------------------


def test_a_literals_slot_name_is_not_a_name_a_gate_can_read() -> None:
    _, message, _ = problem(
        "units:\n  a: 1.0\ngates:\n  g1: mul(a, 2) -> y\n  g2: add(y, g1.u1) -> z\n"
    )
    assert "invalid name 'g1.u1'" in message


def test_a_description_of_several_lines_is_one_line_in_the_heading(write_circuit) -> None:
    path = write_circuit(
        "description: |\n  first line\n  second line\nunits: {a: 1}\ngates:\n  g: neg(a) -> s\n"
    )
    assert invoke("run", path).stdout.splitlines()[0].endswith(" — first line second line")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "-q", "--every", "5", NEURON], "-q prints only the output value: drop --every"),
        (["run", "-q", "--precision", "3", NEURON], "drop --precision"),
        (["run", "--format", "json", "--max-rows", "3", NEURON], "drop --max-rows"),
        (["check", "--format", "json", "--color", "always", NEURON], "drop --color"),
        (["graph", "--precision", "2", NEURON], "--precision sets the digits of --values"),
        (["trace", "--max-bytes", "10", SCRIPT], "--max-bytes is for circuit files"),
    ],
)
def test_an_option_that_would_be_ignored_is_refused(args: list[object], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2 and message in result.stderr


def test_unit_and_every_choose_what_json_and_csv_write() -> None:
    doc = json.loads(
        invoke("run", "--format", "json", "-n", "4", "--every", "2", "--unit", "a", NEURON).stdout
    )
    assert [(p["phase"], p["iteration"]) for p in doc["passes"]] == [
        ("forward", 0),
        ("backward", 0),
        ("update", 0),
        ("forward", 2),
        ("backward", 2),
        ("update", 2),
        ("forward", 4),
    ]
    assert all(list(p["units"]) == ["a"] for p in doc["passes"])
    rows = invoke("run", "--format", "csv", "--unit", "s", NEURON).stdout.splitlines()[1:]
    assert {r.split(",")[2] for r in rows} == {"s"}


def test_a_power_counts_as_one_operation() -> None:
    # 40,000 squares summed: 79,999 operations, under the 100,000 of one formula
    c = parse(expr(" + ".join(["a**2"] * 40_000)))
    assert len(c.gates) == 79_999
    _, message, _ = problem(expr(" ** ".join(["a"] * 100_002)))
    assert "100,001 operations" in message, message


def test_errors_past_those_listed_cost_no_search(monkeypatch) -> None:
    # 1,000 gates reading unknown units: 200 are listed, each with its hint
    # searched for; the other 800 are only counted (a search each was quadratic)
    from bpcli.parser import builder

    calls = []
    real = builder.did_you_mean
    monkeypatch.setattr(builder, "did_you_mean", lambda *a: calls.append(1) or real(*a))
    text = "units:\n  a: 1\ngates:\n" + "".join(
        f"  g{i}: mul(a, zz{i}) -> s{i}\n" for i in range(1000)
    )
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    assert len(info.value.problems) == 200 and info.value.total == 1000
    assert len(calls) == 200


def test_a_huge_unknown_name_gets_no_suggestion_search() -> None:
    from bpcli.core.errors import did_you_mean

    assert did_you_mean("a" * 1_000_000, ["a", "aa", "sigmoid"]) is None
    assert did_you_mean("sigmod", ["a" * 1_000_000, "sigmoid"]) == "did you mean 'sigmoid'?"


def test_an_endless_stream_of_nul_bytes_is_refused_at_once() -> None:
    # read until the first NUL, not until the size limit (a GiB of memory)
    result = invoke("validate", "/dev/zero")
    assert result.exit_code == 1
    assert result.stderr.startswith("/dev/zero:1:1: error: NUL character")
