"""Issue 13, item 8: a newcomer's first circuit gets messages in the words of the
mistake made, each at its exact FILE:LINE:COL, worked out here from the test's
own text (``at``), with either YAML event parser, and through the command line
as one ``error:`` line and a ``hint:``, exit 1, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bpcli.cli.main import cli
from bpcli.core.errors import CircuitError, Problem
from bpcli.parser import events, parse

UNITS = "units:\n  u: 2.0\n  v: 3.0\n"


def at(text: str, line_text: str, token: str, after: bool = False) -> str:
    """LINE:COL of ``token`` in the one line of ``text`` that is ``line_text``
    (or just after the token, with ``after``), both 1-based."""
    lines = text.split("\n")
    assert lines.count(line_text) == 1, (line_text, lines)
    line = lines.index(line_text) + 1
    col = line_text.index(token) + 1 + (len(token) if after else 0)
    return f"{line}:{col}"


INDENTED = UNITS + "gates:\n  g1: mul(u, v) -> p\n   g2: neg(p) -> q\n"
FIRST_INDENTED = UNITS + "gates:\n   g1: mul(u, v) -> p\n  g2: neg(p) -> q\n"
UNDER_INDENTED = UNITS + "gates:\n  g1: mul(u, v) -> p\n g2: neg(p) -> q\n"
UNIT_INDENTED = "units:\n  u: 2.0\n   v: 3.0\ngates:\n  g1: mul(u, v) -> p\n"
COLUMN_0 = UNITS + "gates:\n  g1: mul(u, v) -> p\n  g2: neg(p) -> q\ng3: neg(q) -> r\n"
UNIT_COLUMN_0 = "units:\n  u: 2.0\ngates:\n  g1: neg(u) -> p\nv: 3.0\n"
NO_COMMA = UNITS + "gates:\n  g1: mul(u v) -> p\n"
NO_COLON_FIRST = UNITS + "gates:\n  g1 mul(u, v) -> p\n  g2: neg(p) -> q\n"
NO_COLON_LATER = UNITS + "gates:\n  g1: mul(u, v) -> p\n  g2 neg(p) -> q\n  g3: neg(q) -> r\n"
NO_COLON_UNIT = "units:\n  u: 2.0\n  v 3.0\ngates:\n  g1: mul(u, v) -> p\n"
EQUALS = "units:\n  u = 2.0\n  v = 3.0\ngates:\n  g1: mul(u, v) -> p\n"
EQUALS_ONE = "units:\n  u = 2.0\ngates:\n  g1: neg(u) -> p\n"
EQUALS_LATER = "units:\n  u: 2.0\n  v = 3.0\ngates:\n  g1: mul(u, v) -> p\n"
FORMULA = UNITS + "gates:\n  p = u * v\n"
FORMULA_LATER = UNITS + "gates:\n  g1: neg(u) -> q\n  p = u * v\n"

LINE_UP = "the lines of a section must line up: indent it by 2 spaces"
# (id, text, LINE:COL, message fragment, hint fragment)
CASES = [
    ("indented one space too many", INDENTED, at(INDENTED, "   g2: neg(p) -> q", "g2"),
     "line 6 is not lined up with the other lines of 'gates': it starts at column 4, "
     "they start at column 3", LINE_UP),
    ("first gate indented one too many", FIRST_INDENTED,
     at(FIRST_INDENTED, "   g1: mul(u, v) -> p", "g1"),
     "line 5 is not lined up with the other lines of 'gates': it starts at column 4", LINE_UP),
    ("indented one space too few", UNDER_INDENTED, at(UNDER_INDENTED, " g2: neg(p) -> q", "g2"),
     "it starts at column 2, they start at column 3", LINE_UP),
    ("a unit indented one too many", UNIT_INDENTED, at(UNIT_INDENTED, "   v: 3.0", "v"),
     "line 3 is not lined up with the other lines of 'units'", LINE_UP),
    ("a gate at column 0", COLUMN_0, at(COLUMN_0, "g3: neg(q) -> r", "g3"), "unknown key 'g3'",
     "to make it a gate, indent it under `gates:`"),
    ("a unit at column 0", UNIT_COLUMN_0, at(UNIT_COLUMN_0, "v: 3.0", "v"), "unknown key 'v'",
     "to make it a unit, indent it under `units:`"),
    ("a missing comma", NO_COMMA, at(NO_COMMA, "  g1: mul(u v) -> p", "(u", after=True),
     "gate 'g1': a comma is missing between 'u' and 'v'", "write `mul(u, v) -> p`"),
    ("a missing colon, first gate", NO_COLON_FIRST,
     at(NO_COLON_FIRST, "  g1 mul(u, v) -> p", "g1", after=True),
     "a colon is missing after the gate's name 'g1'", "write `g1: mul(u, v) -> p`"),
    ("a missing colon, later gate", NO_COLON_LATER,
     at(NO_COLON_LATER, "  g2 neg(p) -> q", "g2", after=True),
     "a colon is missing after the gate's name 'g2'", "write `g2: neg(p) -> q`"),
    ("a missing colon, unit", NO_COLON_UNIT, at(NO_COLON_UNIT, "  v 3.0", "v", after=True),
     "a colon is missing after the unit's name 'v'", "write `v: 3.0`"),
    ("u = 2.0", EQUALS, at(EQUALS, "  u = 2.0", "="),
     "'u = 2.0' is not YAML: YAML uses `name: value`", "write `u: 2.0`"),
    ("u = 2.0 alone", EQUALS_ONE, at(EQUALS_ONE, "  u = 2.0", "="), "YAML uses `name: value`",
     "write `u: 2.0`"),
    ("v = 3.0 after a unit", EQUALS_LATER, at(EQUALS_LATER, "  v = 3.0", "="),
     "'v = 3.0' is not YAML: YAML uses `name: value`", "write `v: 3.0`"),
    ("a formula under gates", FORMULA, at(FORMULA, "  p = u * v", "p"),
     "'p = u * v' is a formula, not a gate", "formulas go under `expr:`"),
    ("a formula after a gate", FORMULA_LATER, at(FORMULA_LATER, "  p = u * v", "p"),
     "'p = u * v' is a formula, not a gate", "`expr: p = u * v`, or `expr: |`"),
]  # fmt: skip


@pytest.fixture(params=["libyaml", "pure-python"])
def which_parser(request: pytest.FixtureRequest) -> Iterator[str]:
    saved = events.Parser
    if request.param == "pure-python":
        events.Parser = yaml.BaseLoader
    try:
        yield request.param
    finally:
        events.Parser = saved


def problems(text: str, all_errors: bool = False) -> list[Problem]:
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=all_errors)
    return info.value.problems


@pytest.mark.parametrize(("name", "text", "where", "message", "hint"), CASES,
                         ids=[case[0] for case in CASES])  # fmt: skip
def test_a_newcomers_mistake_is_worded_at_its_place(
    which_parser: str, name: str, text: str, where: str, message: str, hint: str
) -> None:
    for all_errors in (False, True):
        (p, *rest) = problems(text, all_errors)
        assert f"{p.line}:{p.col}" == where, p
        assert message in p.message and "\n" not in p.message, p
        assert p.hint is not None and hint in p.hint and "\n" not in p.hint, p
        if not all_errors or name != "u = 2.0":  # that one has two such lines
            assert rest == [], rest  # and no symptom of it besides


def test_every_line_written_with_equals_is_listed() -> None:
    got = [(p.line, p.col, p.hint) for p in problems(EQUALS, all_errors=True)]
    assert got == [(2, 5, "write `u: 2.0`"), (3, 5, "write `v: 3.0`")]


@pytest.mark.parametrize(("name", "text", "where", "message", "hint"), CASES,
                         ids=[case[0] for case in CASES])  # fmt: skip
def test_the_command_line_says_it_in_one_line_and_a_hint(
    tmp_path: Path, name: str, text: str, where: str, message: str, hint: str
) -> None:
    path = tmp_path / "first.txt"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    first, second = result.stderr.splitlines()
    assert first.startswith(f"{path}:{where}: error: ") and message in first
    assert second.startswith("hint: ") and hint in second
    assert "Traceback" not in result.stderr


ALL_ERRORS = UNITS + (
    "gates:\n"
    "  g1: mull(u, w) -> p\n"  # an unknown op and an unknown unit on one line
    "  g2: neg(p) -> q\n"  # p: from the broken g1, not reported again
    "  g3: add(v, vv) -> r\n"  # a later typo
    "  g4: sigmod(r, 2) -> s\n"  # an unknown op, a literal
    "  g5: mul(uu x) -> t\n"  # a missing comma, two unknown units
)


def test_all_errors_reads_on_past_an_unknown_op(which_parser: str) -> None:
    got = [(f"{p.line}:{p.col}", p.message) for p in problems(ALL_ERRORS, all_errors=True)]
    t = ALL_ERRORS
    assert got == [
        (at(t, "  g1: mull(u, w) -> p", "mull"), "unknown op 'mull'"),
        (at(t, "  g1: mull(u, w) -> p", "w"), "unknown unit 'w'"),
        (at(t, "  g3: add(v, vv) -> r", "vv"), "unknown unit 'vv'"),
        (at(t, "  g4: sigmod(r, 2) -> s", "sigmod"), "unknown op 'sigmod'"),
        (at(t, "  g5: mul(uu x) -> t", "uu"), "unknown unit 'uu'"),
        (at(t, "  g5: mul(uu x) -> t", "uu", after=True),
         "gate 'g5': a comma is missing between 'uu' and 'x'"),
        (at(t, "  g5: mul(uu x) -> t", "x"), "unknown unit 'x'"),
    ]  # fmt: skip
    first = problems(ALL_ERRORS)
    assert [(p.line, p.col) for p in first] == [(5, 7)]  # without --all-errors: the first


def test_the_command_line_lists_them_all(tmp_path: Path) -> None:
    path = tmp_path / "typos.txt"
    path.write_text(ALL_ERRORS)
    result = CliRunner().invoke(cli, ["validate", "--all-errors", str(path)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if " error: " in line]
    assert len(errors) == 7 and "7 errors" in result.stderr
    assert f"{path}:5:15: error: unknown unit 'w'" in errors
    assert "Traceback" not in result.stderr


def test_a_right_circuit_laid_out_so_is_still_right() -> None:
    # Folded gate text and an `expr:` block are more indented on purpose.
    parse(UNITS + "gates:\n  g1: mul(u,\n     v) -> p\n  g2: neg(p) -> q\n")
    parse(UNITS + "expr: |\n  p = u * v\n  q = -p\n")


@pytest.mark.parametrize(
    ("text", "section"),
    [
        (UNITS + "gates\n  g1: mul(u, v) -> p\n", "gates"),
        ("units\n  u: 2.0\ngates:\n  g1: neg(u) -> p\n", "units"),
    ],
    ids=["gates", "units"],
)
def test_a_section_without_its_colon_is_named(text: str, section: str) -> None:
    with pytest.raises(CircuitError) as err:
        parse(text)
    p = err.value.problems[0]
    assert f"{p.line}:{p.col}" == at(text, section, section, after=True)
    assert f"a colon is missing after the section's name '{section}'" in p.message
    assert p.hint == f"write `{section}:`"
