"""Every way a circuit file can be wrong gives a CircuitError that names the
exact line and column, says what is wrong, and hints at the fix where one fits
(SPEC §2, §5). Both YAML event parsers (libyaml's and PyYAML's pure-Python
fallback) must agree wherever the fault is bpcli's to find."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bpcli import parser
from bpcli.cli.main import cli
from bpcli.core.errors import CircuitError, Problem, format_error
from bpcli.parser import events, parse
from bpcli.parser import text as parser_text

HEAD = "units:\n  a: 1.0\n  x: -1.0\ngates:\n"  # gates start on line 5
NEURON_LIKE = HEAD + "  g: mul(a, x) -> b\n"  # a valid circuit: line 5 holds gate g
BOMB = (  # billion laughs: 10**9 "lol"s if the aliases were expanded
    "units:\n"
    '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(
        f"  {b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi")
    )
    + "gates:\n  g: neg(a) -> s\n"
)
DEEP = 100_000


def c(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def u(*lines: str) -> str:
    """A circuit whose units are ``lines``, with a gate that uses none of them."""
    return c("units:", *lines, "gates:", "  g: neg(2) -> s")


# (id, circuit text, "LINE:COL", a distinctive fragment of the message, hint fragment or None)
# fmt: off
CASES = [
    # -- the file as a whole --------------------------------------------------------
    ("empty file", "", "1:1", "the file is empty", "needs `units:` and `gates:`"),
    ("blank file", "\n\n   \n", "1:1", "the file is empty", "needs `units:`"),
    ("comment-only file", "# a circuit\n# (to do)\n", "1:1", "has only comments", "`units:`"),
    ("document marker only", "---\n", "2:1", "the document is empty", "`units:`"),
    ("top level a list", "- units\n- gates\n", "1:1", "top level must be a mapping", "units:"),
    ("top level a scalar", "\n\nhello\n", "3:1", "top level must be a mapping of keys", None),
    ("top level a number", "42\n", "1:1", "found '42'", None),
    ("two documents", NEURON_LIKE + "---\nunits: {}\n", "6:1", "one YAML document", "'---'"),
    # -- top-level keys -------------------------------------------------------------
    ("unknown top-level key", NEURON_LIKE + "stepsize: 0.1\n", "6:1", "unknown key 'stepsize'",
     "did you mean 'step_size'?"),
    ("unknown key, dashed", NEURON_LIKE + "step-size: 0.1\n", "6:1", "unknown key 'step-size'",
     "did you mean 'step_size'?"),
    ("unknown key, capitalised", c("Units:", "  a: 1", "gates:", "  g: neg(a) -> b"), "1:1",
     "unknown key 'Units'", "did you mean 'units'?"),
    ("unknown key, far off", NEURON_LIKE + "colour: red\n", "6:1", "unknown key 'colour'",
     "the keys are: description, units, gates"),
    ("a key that is a list", NEURON_LIKE + "[a, b]: 1\n", "6:1",
     "a top-level key must be a name, found a list", None),
    ("duplicate top-level key", NEURON_LIKE + "units:\n  y: 2\n", "6:1",
     "duplicate key 'units' (first given at line 1)", "once"),
    ("missing units", c("gates:", "  g: neg(1) -> b"), "1:1", "missing required key 'units'",
     "add `units:`"),
    ("missing gates", c("# inputs only", "units:", "  a: 1"), "2:1", "missing required key 'gates'",
     "add `gates:`"),
    ("expr as a list", c("units:", "  a: 1", "expr: [s = neg(a)]"), "3:7",
     "'expr' must be formulas, found a list", "`expr: s = sigmoid(a*x + b*y + c)`"),
    ("description not text", NEURON_LIKE + "description: [a, b]\n", "6:14",
     "'description' must be text, found a list", None),
    # -- units ------------------------------------------------------------------------
    ("units empty", c("units:", "gates:", "  g: neg(1) -> b"), "1:1", "'units' is empty",
     "`a: 1.0`"),
    ("units a list", c("units: [1, 2]", "gates:", "  g: neg(1) -> b"), "1:8",
     "'units' must be a mapping, found a list", "write it as a mapping"),
    ("units a number", c("units: 5", "gates:", "  g: neg(1) -> b"), "1:8",
     "'units' must be a mapping, found '5'", None),
    ("unit name with a dash", u("  learning-rate: 0.1"), "2:3", "invalid name 'learning-rate'",
     "did you mean 'learning_rate'?"),
    ("unit name starting with a digit", u("  1a: 0.1"), "2:3",
     "invalid name '1a': a name is letters, digits and '_'", None),
    ("unit key a mapping", u("  ? {a: 1}", "  : 2"), "2:5",
     "a key under 'units' must be a name, found a mapping", None),
    ("unit name not an identifier", u("  \u00e9\u20ac: 0.1"), "2:3",
     "invalid name '\u00e9\u20ac'", None),  # issue 15: '\u00e9' alone is a name
    ("duplicate unit", u("  a: 1", "  b: 2", "  a: 3"), "4:3",
     "duplicate unit 'a' (first given at line 2)", "once"),
    ("1e400 overflows", u("  a: 1e400"), "2:6", "'1e400' is too large", None),
    ("-1e400 overflows", u("  a: -1e400"), "2:6", "'-1e400' is too large", None),
    (".nan", u("  a: .nan"), "2:6", "'.nan' is not a finite number", None),
    (".inf", u("  a: .inf"), "2:6", "'.inf' is not a finite number", None),
    ("-.Inf", u("  a: -.Inf"), "2:6", "'-.Inf' is not a finite number", None),
    ("nan", u("  a: nan"), "2:6", "'nan' is not a finite number", None),
    ("double-quoted number", u('  a: "1.5"'), "2:6",
     "unit 'a' must be a number, found the string '1.5'", "remove the quotes"),
    ("single-quoted number", u("  a: '2'"), "2:6", "found the string '2'", "remove the quotes"),
    ("block scalar number", u("  a: |", "    1"), "2:6", "found a block of text", None),
    ("boolean true", u("  a: true"), "2:6", "'true' is a boolean, not a number", None),
    ("boolean no", u("  a: no"), "2:6", "'no' is a boolean", None),
    ("boolean On", u("  a: On"), "2:6", "'On' is a boolean", None),
    ("null value", u("  a: null"), "2:6", "unit 'a': no value given", None),
    ("missing value", u("  a:", "  b: 1"), "2:5", "unit 'a': no value given", None),
    ("word value", u("  a: one"), "2:6", "'one' is not a number", None),
    ("hex value", u("  a: 0x10"), "2:6", "'0x10' is not a number", None),
    ("decimal comma", u("  a: 1,5"), "2:6", "'1,5' is not a number", "decimal point"),
    ("unit value a list", u("  a: [1]"), "2:6", "unit 'a' must be a number, found a list", None),
    ("gates under units", u("  a: 1", "  g: neg(a) -> b"), "3:6", "is not a number",
     "is the `gates:` line above it missing?"),
    # -- gates: the mapping -------------------------------------------------------------
    ("gates written as a list", HEAD + "  - g: mul(a, x) -> b\n", "5:3",
     "'gates' must be a mapping, found a list", "no '- '"),
    ("gates empty", c("units:", "  a: 1", "gates:", "output: a"), "3:1", "'gates' is empty",
     "`mulg0: mul(a, x) -> ax`"),
    ("gates with no gates", c("units:", "  a: 1", "gates: {}"), "3:1", "'gates' has no gates",
     "add at least one"),
    ("gate value a mapping", HEAD + "  g: {op: mul}\n", "5:6",
     "gate 'g' must be `OP(ARG, ARG) -> OUT`, found a mapping", "`mulg0: mul(a, x) -> ax`"),
    ("gate value missing", HEAD + "  g:\n", "5:5", "found nothing", None),
    ("gate name with a dash", HEAD + "  mul-g: mul(a, x) -> b\n", "5:3", "invalid name 'mul-g'",
     "did you mean 'mul_g'?"),
    ("gate name equal to a unit name", HEAD + "  a: mul(a, x) -> b\n", "5:3",
     "gate name 'a' is already the name of input unit 'a' (line 2)", "names are unique"),
    ("gate name equal to an earlier output", NEURON_LIKE + "  b: neg(b) -> d\n", "6:3",
     "gate name 'b' is already the name of the output of gate 'g' (line 5)", "rename the gate"),
    ("duplicate gate", NEURON_LIKE + "  g: neg(b) -> d\n", "6:3",
     "duplicate gate 'g' (first given at line 5)", "rename the gate"),
    # -- gates: OP(ARG, ARG) -> OUT -------------------------------------------------------
    ("unknown op, near miss", HEAD + "  g: sigmod(a) -> b\n", "5:6", "unknown op 'sigmod'",
     "did you mean 'sigmoid'?"),
    ("unknown op, wrong case", HEAD + "  g: Mul(a, x) -> b\n", "5:6", "unknown op 'Mul'",
     "did you mean 'mul'?"),
    ("unknown op, far off", HEAD + "  g: frob(a) -> b\n", "5:6", "unknown op 'frob'",
     "the ops are: add, sub, mul"),
    ("missing op", HEAD + "  g: (a, x) -> b\n", "5:6", "missing op before '('", "the ops are"),
    ("no parentheses", HEAD + "  g: mul a, x -> b\n", "5:6", "expected `OP(ARG, …) -> OUT`",
     "put the arguments in parentheses"),
    ("a bare name", HEAD + "  g: a\n", "5:6", "found 'a'", "`OP(ARG, ARG) -> OUT`"),
    ("too few arguments", HEAD + "  g: mul(a) -> b\n", "5:9",
     "mul takes 2 arguments (u0, u1), got 1", "for example `mul(a, b) -> out`"),
    ("too many arguments", HEAD + "  g: sigmoid(a, x) -> b\n", "5:13",
     "sigmoid takes 1 argument (u0), got 2", "`sigmoid(a) -> out`"),
    ("no arguments", HEAD + "  g: add() -> b\n", "5:9", "add takes 2 arguments (u0, u1), got 0",
     None),
    ("empty argument", HEAD + "  g: mul(a, ) -> b\n", "5:12", "gate 'g': empty argument", None),
    ("nested call", HEAD + "  g: neg(neg(a)) -> b\n", "5:13", "nested calls are not allowed",
     "give the inner call its own gate"),
    ("missing ')'", HEAD + "  g: neg(a -> b\n", "5:16", "gate 'g': missing ')'", None),
    ("missing arrow", HEAD + "  g: neg(a)\n", "5:12", "expected '-> OUT' after ')'", None),
    ("unicode arrow", HEAD + "  g: neg(a) \u2192 b\n", "5:13", "expected '-> OUT' after ')'",
     "write the arrow as '->'"),
    ("output name with a dash", HEAD + "  g: neg(a) -> a-b\n", "5:16", "invalid output name 'a-b'",
     "did you mean 'a_b'?"),
    ("argument name with a dash", HEAD + "  g: neg(learning-rate) -> b\n", "5:10",
     "invalid name 'learning-rate'", "did you mean 'learning_rate'?"),
    ("literal 1e400", HEAD + "  g: mul(a, 1e400) -> b\n", "5:13",
     "gate 'g': argument '1e400' is too large", None),
    ("literal .nan", HEAD + "  g: mul(.nan, a) -> b\n", "5:10", "'.nan' is not a finite number",
     None),
    ("literal -x", HEAD + "  g: mul(a, -x) -> b\n", "5:13", "argument '-x' is not a number", None),
    # -- names: defined once, used after -------------------------------------------------
    ("gate redefines an input", HEAD + "  g: mul(a, x) -> a\n", "5:19",
     "gate 'g' redefines input unit 'a' (line 2)", "give the gate's output a new name"),
    ("output produced twice", NEURON_LIKE + "  h: neg(a) -> b\n", "6:16",
     "'b' is already produced by gate 'g' (line 5)", "at most one gate"),
    ("output named like its gate", HEAD + "  b: neg(a) -> b\n", "5:16",
     "output 'b' is already the name of gate 'b' (line 5)", "names are unique"),
    ("use before definition", HEAD + "  g: neg(b) -> c\n  h: neg(a) -> b\n", "5:10",
     "'b' is used before it is defined (line 6)", "move this gate below line 6"),
    ("a gate reading its own output", HEAD + "  g: add(a, c) -> c\n", "5:13",
     "'c' is the output of this very gate 'g'", "cannot read its own output"),
    ("undefined unit, near miss", HEAD + "  g: mul(a, xx) -> b\n", "5:13", "unknown unit 'xx'",
     "did you mean 'x'?"),
    ("undefined unit, far off", HEAD + "  g: mul(a, zeta) -> b\n", "5:13", "unknown unit 'zeta'",
     "define it under `units:` or as a gate output"),
    ("a gate used as a unit", NEURON_LIKE + "  h: neg(g) -> d\n", "6:10",
     "'g' is a gate, not a unit", "use its output 'b'"),
    ("a boolean-looking name is just a name", HEAD + "  g: neg(true) -> b\n", "5:10",
     "unknown unit 'true'", None),
    # -- output, frozen, step_size ------------------------------------------------------------
    ("output undefined, near miss", NEURON_LIKE + "output: bb\n", "6:9",
     "output 'bb' is not a unit of this circuit", "did you mean 'b'?"),
    ("output undefined, far off", NEURON_LIKE + "output: zeta\n", "6:9",
     "output 'zeta' is not a unit", "name an input or a gate output"),
    ("output a gate", NEURON_LIKE + "output: g\n", "6:9", "output 'g' is a gate, not a unit",
     "name its output 'b'"),
    ("output a list", NEURON_LIKE + "output: [b]\n", "6:9", "'output' must be a name, found a list",
     None),
    ("output empty", NEURON_LIKE + "output:\n", "6:8", "'output' is empty", "name of a unit"),
    ("output invalid name", NEURON_LIKE + "output: b-c\n", "6:9", "invalid name 'b-c'", "'b_c'"),
    ("frozen a scalar", NEURON_LIKE + "frozen: a\n", "6:9",
     "'frozen' must be a list of input units", "`frozen: [a]`"),
    ("frozen a mapping", NEURON_LIKE + "frozen: {a: 1}\n", "6:9",
     "'frozen' must be a list of input units, found a mapping", "`frozen: [a, b]`"),
    ("frozen a gate output", NEURON_LIKE + "frozen: [b]\n", "6:10",
     "frozen unit 'b' is a gate output", "input units only"),
    ("frozen unknown, near miss", NEURON_LIKE + "frozen: [x, aa]\n", "6:13",
     "frozen unit 'aa' is not an input unit", "did you mean 'a'?"),
    ("frozen twice", NEURON_LIKE + "frozen: [a, a]\n", "6:13", "'a' is listed twice in 'frozen'",
     "once"),
    ("frozen entry a list", NEURON_LIKE + "frozen: [[a]]\n", "6:10",
     "an entry of 'frozen' must be a name, found a list", None),
    ("step_size a word", NEURON_LIKE + "step_size: fast\n", "6:12",
     "'step_size': 'fast' is not a number", None),
    ("step_size quoted", NEURON_LIKE + "step_size: '0.1'\n", "6:12",
     "'step_size' must be a number, found the string '0.1'", "remove the quotes"),
    ("step_size infinite", NEURON_LIKE + "step_size: .inf\n", "6:12", "not a finite number", None),
    ("step_size a boolean", NEURON_LIKE + "step_size: off\n", "6:12", "'off' is a boolean", None),
    ("step_size a list", NEURON_LIKE + "step_size: [0.1]\n", "6:12",
     "'step_size' must be a number, found a list", None),
    # -- YAML features bpcli refuses --------------------------------------------------------
    ("anchor", c("units:", "  a: &one 1", "gates:", "  g: neg(a) -> b"), "2:6",
     "anchors (&one) are not allowed", "refuses anchors and aliases"),
    ("alias", c("units:", "  a: 1", "  b: *one", "gates:", "  g: neg(a) -> b"), "3:6",
     "aliases (*one) are not allowed", "refuses anchors and aliases"),
    ("alias bomb stops at the first anchor", BOMB, "2:6", "anchors (&a) are not allowed",
     "write each value out"),
    ("python tag", c("units:", "  a: !!python/object/apply:os.system ['echo hi']"), "2:6",
     "tags (!!python/object/apply:os.system) are not allowed", "remove the tag"),
    ("standard tag", c("units:", "  a: !!float 1"), "2:6", "tags (!!float) are not allowed", None),
    ("local tag", c("units:", "  a: !mine 1"), "2:6", "tags (!mine) are not allowed", None),
    ("tag on a key", c("!!str units:", "  a: 1"), "1:1", "tags (!!str) are not allowed", None),
    # -- characters and encoding ----------------------------------------------------------------
    ("NUL character", c("units:", "  a: 1\0"), "2:7", "NUL character (U+0000)", "UTF-16"),
    ("control character", c("units:", "  a\x07: 1"), "2:4", "control character U+0007", None),
    ("DEL character", c("units:", "  a: 1", "# \x7f"), "3:3", "control character U+007F", None),
    ("C1 control character", c("units:", "  a: \x9b1"), "2:6", "control character U+009B", None),
    ("noncharacter", c("units:", "  a: 1 # \uffff"), "2:10", "U+FFFF is not allowed", None),
    ("lone surrogate", c("units:", "  a: 1", "  b: \ud800"), "3:6", "lone surrogate U+D800", None),
    ("lone low surrogate", c("units:", "  \udc80: 1"), "2:3", "lone surrogate U+DC80", None),
    ("bad UTF-8", b"units:\n  a: 1\n  b: \xff2\n", "3:6", "not valid UTF-8 (bytes ff)",
     "save the file as UTF-8"),
    ("bad UTF-8 after multi-byte characters", b"# \xc3\xa9\xc3\xa9 \xe2\x82\xac\xff\n", "1:7",
     "not valid UTF-8", None),
    ("bad UTF-8 after a BOM", b"\xef\xbb\xbfunits: \xc3\n", "1:8", "not valid UTF-8 (bytes c3)",
     None),
    ("UTF-8 encoded surrogate", b"units:\n  a: \xed\xa0\x80\n", "2:6", "not valid UTF-8", None),
    ("UTF-16 file", "units:\n  a: 1\n".encode("utf-16"), "1:1", "not valid UTF-8",
     "looks like UTF-16"),
    ("UTF-16 without BOM", "units:\n".encode("utf-16-le"), "1:2", "NUL character", "UTF-16"),
    # -- invalid YAML -----------------------------------------------------------------------------
    ("tab indentation", c("units:", "\ta: 1"), "2:1", "invalid YAML", "indent with spaces"),
    ("unclosed quote", c("units:", '  a: "1'), "2:6",  # where the quote opens (issue 11)
     "end of stream (while scanning a quoted scalar)", "never closed"),
    ("unclosed flow mapping", c("units: {a: 1"), "2:1",
     "(while parsing a flow mapping at line 1, column 8)", None),
    ("value with ': '", c("units:", "  a: 1: 2"), "2:7", "mapping values are not allowed",
     "needs quotes"),
    ("bad indentation", c("units:", "  a: 1", " b: 2"), "3:2",  # issue 13, item 8
     "line 3 is not lined up with the other lines of 'units'", "must line up"),
    ("deep flow lists", "[" * DEEP, "1:1001", "the YAML nests too deeply", "two levels"),
    ("deep flow lists in units", "units: " + "[" * DEEP + "]" * DEEP + "\n", "1:8",
     "'units' must be a mapping, found a list", None),
    ("deep block lists", "units:\n" + "- " * DEEP + "x\n", "2:1", "'units' must be a mapping",
     None),
    ("deep flow mappings", "units: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n", "1:12",
     "unit 'a' must be a number, found a mapping", None),
    # -- positions in unusual layouts ---------------------------------------------------------
    ("quoted gate text", HEAD + '  g: "mul(a, zeta) -> b"\n', "5:14", "unknown unit 'zeta'", None),
    ("gate text folded over two lines", HEAD + "  g: mul(a,\n      zeta) -> b\n", "6:7",
     "unknown unit 'zeta'", None),
    ("gate text with escapes", HEAD + '  g: "mul(a, \\x7Aeta) -> b"\n', "5:14",  # the escape
     "unknown unit 'zeta'", None),
    ("CRLF line endings", HEAD.replace("\n", "\r\n") + "  g: mul(a, zeta) -> b\r\n", "5:13",
     "unknown unit 'zeta'", None),
    ("CR line endings", "units:\r  a: 1\r  a: 2\rgates:\r  g: neg(a) -> b\r", "3:3",
     "duplicate unit 'a'", None),
    ("BOM is not a column", "\ufeffunits: 5\ngates: {g: neg(1) -> b}\n", "1:8",
     "'units' must be a mapping", None),
    ("BOM in bytes is not a column", b"\xef\xbb\xbfunits: 5\ngates: {g: neg(1) -> b}\n", "1:8",
     "'units' must be", None),
    ("wide characters count once",
     c("description: \U0001f600\u00e9", "units: 5", "gates: {g: neg(1) -> b}"), "2:8",
     "'units' must be", None),
    ("flow style gates", c("units: {a: 1}", "gates: {g: 'neg(zeta) -> b'}"), "2:17",
     "unknown unit 'zeta'", None),
]
# fmt: on

# libyaml stops at 1000 levels while looking ahead; the pure-Python parser
# gets as far as the first event, which is already wrong.
PURE_PYTHON = {"deep flow lists": ("1:1", "top level must be a mapping", "`units:`")}


def ids(cases: list[tuple[object, ...]]) -> list[str]:
    return [str(case[0]) for case in cases]


def assert_problem(p: Problem, where: str, message: str, hint: str | None) -> None:
    assert f"{p.line}:{p.col}" == where, p
    assert message in p.message, p
    assert "\n" not in p.message, p
    if hint is None:
        return
    assert p.hint is not None and hint in p.hint, p
    assert "\n" not in p.hint, p


@pytest.fixture(params=["libyaml", "pure-python"])
def which_parser(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a test once with each YAML event parser bpcli may find."""
    if request.param == "libyaml":
        if not getattr(yaml, "__with_libyaml__", False):
            pytest.fail("PyYAML was built without libyaml: bpcli would be slow")
        yield request.param
        return
    saved = events.Parser
    events.Parser = yaml.BaseLoader
    try:
        yield request.param
    finally:
        events.Parser = saved


def test_the_c_parser_is_used_when_present() -> None:
    assert yaml.__with_libyaml__
    assert events.Parser is yaml.CBaseLoader


@pytest.mark.parametrize(("name", "text", "where", "message", "hint"), CASES, ids=ids(CASES))
def test_error_names_line_column_and_fix(
    which_parser: str, name: str, text: str | bytes, where: str, message: str, hint: str | None
) -> None:
    if which_parser == "pure-python" and name in PURE_PYTHON:
        where, message, hint = PURE_PYTHON[name]
    with pytest.raises(CircuitError) as info:
        parse(text)
    problems = info.value.problems
    assert len(problems) == 1
    assert_problem(problems[0], where, message, hint)


@pytest.mark.parametrize(("name", "text", "where", "message", "hint"), CASES, ids=ids(CASES))
def test_all_errors_lists_the_same_first(
    name: str, text: str | bytes, where: str, message: str, hint: str | None
) -> None:
    """Each case has one fault: all_errors finds it, in the same place."""
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    problems = info.value.problems
    assert any(f"{p.line}:{p.col}" == where and message in p.message for p in problems), problems
    if "deep" not in name:
        assert len(problems) == 1, problems


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEEP,
        "[" * DEEP + "]" * DEEP,
        "{a: " * DEEP,
        "- " * DEEP + "x\n",
        "? " * DEEP + "x\n",  # block mappings: explicit keys, one inside the next
        "units:\n  " + "? " * DEEP + "x\n",
        "units:\n" + "".join("  " * i + "- \n" for i in range(150)),  # block lists, one a line
        "units: {a: 1}\ngates:\n  g: " + "[" * DEEP + "\n",
        "units:\n  a: " + "{b: " * 500 + "1" + "}" * 500 + "\n",  # deeper than bpcli's own limit
    ],
    ids=["flow", "flow closed", "flow mappings", "block", "block mappings",
         "block mappings in units", "block one a line", "in a gate", "500 levels"],
)  # fmt: skip
@pytest.mark.parametrize("all_errors", [False, True], ids=["first", "all"])
def test_deep_nesting_is_an_error_not_a_crash(
    which_parser: str, text: str, all_errors: bool
) -> None:
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=all_errors)
    problems = info.value.problems
    assert all(p.line >= 1 and p.col >= 1 for p in problems)
    if all_errors and text.startswith("units:"):
        assert problems[-1].message == "the YAML nests too deeply"


def test_alias_bomb_is_refused_before_any_expansion(which_parser: str) -> None:
    # Even listing every error stops at the first anchor: nothing is expanded.
    for all_errors in (False, True):
        with pytest.raises(CircuitError) as info:
            parse(BOMB, all_errors=all_errors)
        assert [(p.line, p.col, p.message) for p in info.value.problems] == [
            (2, 6, "anchors (&a) are not allowed")
        ]


def test_reader_errors_are_located_with_either_parser(which_parser: str) -> None:
    # Characters YAML refuses are found by bpcli before YAML sees them.
    text = "units:\n  \u00e9\u00e9: 1\x01\n"
    with pytest.raises(CircuitError) as info:
        parse(text)
    (p,) = info.value.problems
    assert (p.line, p.col) == (2, 8)
    assert "U+0001" in p.message


def test_yaml_reader_errors_are_located_too(
    which_parser: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should a character get past bpcli's own check, YAML's reader refuses it,
    # and the position is still a line and column (libyaml counts bytes).
    monkeypatch.setattr(parser_text, "check_characters", lambda text: None)
    with pytest.raises(CircuitError) as info:
        parse("units:\n  \u00e9\u00e9: 1\x01\n")
    (p,) = info.value.problems
    assert (p.line, p.col) == (2, 8)
    assert p.message.startswith("invalid character: ")
    assert "\n" not in p.message


def test_surrogates_in_text_do_not_reach_yaml(which_parser: str) -> None:
    with pytest.raises(CircuitError) as info:
        parse("units:\n  a: 1 # \udfff\n")
    assert info.value.problems[0][:2] == (2, 10)


# -- --all-errors: every fault, no cascades ------------------------------------------------------

SEVERAL = c(
    "units:",
    "  a: true",  # 2:6   bad value: a is not defined, but its uses are not reported again
    "  b: 2",
    "  c-d: 3",  # 4:3   invalid name
    "gates:",
    "  g1: mul(a, b) -> ab",  # (a was reported: silent, and ab is then unknown: silent too)
    "  g2: mul(c-d, ab) -> x",  # (c-d was reported)
    "  g3: sigmod(x) -> s",  # 8:7   unknown op
    "  g4: add(s, q) -> t",  # 9:14  unknown unit q (s belongs to the broken g3: silent)
    "  g5: add(t, 1) -> u",
    "frobnicate: 1",  # 11:1 unknown key
    "output: s",
    "frozen: [a, s, zz]",  # 13:16 zz (a and s were reported)
)
SEVERAL_EXPECTED = [
    (2, 6, "unit 'a': 'true' is a boolean, not a number"),
    (4, 3, "invalid name 'c-d'"),
    (8, 7, "unknown op 'sigmod'"),
    (9, 14, "unknown unit 'q'"),
    (11, 1, "unknown key 'frobnicate'"),
    (13, 16, "frozen unit 'zz' is not an input unit"),
]


def test_all_errors_lists_every_fault_once(which_parser: str) -> None:
    with pytest.raises(CircuitError) as info:
        parse(SEVERAL, all_errors=True)
    got = [(p.line, p.col, p.message) for p in info.value.problems]
    assert len(got) == len(SEVERAL_EXPECTED), got
    for (line, col, message), (eline, ecol, emessage) in zip(got, SEVERAL_EXPECTED):
        assert (line, col) == (eline, ecol)
        assert message.startswith(emessage)


def test_first_error_alone_without_all_errors() -> None:
    with pytest.raises(CircuitError) as info:
        parse(SEVERAL)
    assert [(p.line, p.col) for p in info.value.problems] == [(2, 6)]


def test_all_errors_no_cascade_from_a_broken_units_section() -> None:
    text = c("units: [a, b]", "gates:", "  g: mul(a, b) -> p", "output: p", "frozen: [a]")
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    assert [(p.line, p.col) for p in info.value.problems] == [(1, 8)]


def test_all_errors_no_cascade_from_missing_units() -> None:
    text = c("gates:", "  g: mul(a, b) -> p", "  h: neg(p) -> q", "frozen: [a]")
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    assert [p.message for p in info.value.problems] == ["missing required key 'units'"]


def test_all_errors_misspelt_units_key_is_not_also_missing() -> None:
    text = c("Units:", "  a: 1", "gates:", "  g: neg(a) -> b", "frozen: [a]")
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    assert [p.message for p in info.value.problems] == ["unknown key 'Units'"]


def test_all_errors_a_misspelt_key_beside_the_real_one() -> None:
    text = c("Units:", "  a: 1", "units:", "  b: 1", "gates:", "  g: neg(zz) -> c")
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    assert [(p.line, p.col, p.message) for p in info.value.problems] == [
        (1, 1, "unknown key 'Units'"),
        (6, 10, "unknown unit 'zz'"),
    ]


def test_all_errors_checks_every_argument_of_a_gate() -> None:
    with pytest.raises(CircuitError) as info:
        parse(HEAD + "  g: mul(aa, xx) -> b\n", all_errors=True)
    assert [(p.line, p.col, p.hint) for p in info.value.problems] == [
        (5, 10, "did you mean 'a'?"),
        (5, 14, "did you mean 'x'?"),
    ]


def test_all_errors_stops_listing_at_a_yaml_syntax_error() -> None:
    text = c("units:", "  a: yes", "gates:", "  g: neg(a) -> b", "\th: neg(a) -> c", "frozen: [a]")
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    problems = info.value.problems
    # YAML's own error first (issue 11: a value check must not pre-empt it), then the rest
    assert "invalid YAML" in problems[0].message
    assert (problems[1].line, problems[1].col) == (2, 6)
    assert len(problems) == 2


def test_all_errors_are_capped() -> None:
    text = "units:\n" + "".join(f"  u{i}: x\n" for i in range(parser.MAX_ERRORS + 50))
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    assert len(info.value.problems) == parser.MAX_ERRORS


def test_circuit_error_needs_a_problem() -> None:
    with pytest.raises(ValueError):
        CircuitError([])


def test_format_error_one_line_each_with_hint() -> None:
    err = CircuitError([Problem(3, 7, "unknown op 'sigmod'", "did you mean 'sigmoid'?")], "f.txt")
    assert format_error(err) == (
        "f.txt:3:7: error: unknown op 'sigmod'\nhint: did you mean 'sigmoid'?"
    )


def test_long_or_odd_text_is_quoted_on_one_line() -> None:
    with pytest.raises(CircuitError) as info:
        parse(c("units:", '  a: "' + "x" * 500 + '\\nmore"'))
    (p,) = info.value.problems
    assert "\n" not in p.message
    assert len(p.message) < 160
    assert "…" in p.message


# -- the command line: exit 1, FILE:LINE:COL, never a traceback -------------------------------

LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): error: ")

CLI_CASES = [case for case in CASES if not case[0].startswith("deep")] + [
    case for case in CASES if case[0] == "deep flow lists"
]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(("name", "text", "where", "message", "hint"), CLI_CASES,
                         ids=ids(CLI_CASES))  # fmt: skip
def test_cli_reports_the_error_and_exits_1(
    tmp_path: Path,
    command: str,
    name: str,
    text: str | bytes,
    where: str,
    message: str,
    hint: str | None,
) -> None:
    path = tmp_path / "circuit.txt"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    result = CliRunner().invoke(cli, [command, str(path)])
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    first, *rest = result.stderr.splitlines()
    m = LOCATED.match(first)
    assert m is not None, result.stderr
    assert m["file"] == str(path)
    if name not in ("lone surrogate", "lone low surrogate"):  # as bytes, these are bad UTF-8
        assert f"{m['line']}:{m['col']}" == where
        assert message in first
    if hint is not None and name not in ("lone surrogate", "lone low surrogate"):
        assert rest and rest[0].startswith("hint: ") and hint in rest[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    assert result.stdout == ""


def test_cli_all_errors_lists_several(tmp_path: Path) -> None:
    path = tmp_path / "several.txt"
    path.write_text(SEVERAL)
    result = CliRunner().invoke(cli, ["validate", "--all-errors", str(path)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if " error: " in line]
    assert [tuple(int(n) for n in LOCATED.match(e).group("line", "col")) for e in errors] == [
        (line, col) for line, col, _ in SEVERAL_EXPECTED
    ]
    assert f"{len(SEVERAL_EXPECTED)} errors" in result.stderr
    assert "hint: did you mean 'sigmoid'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_without_all_errors_shows_one(tmp_path: Path) -> None:
    path = tmp_path / "several.txt"
    path.write_text(SEVERAL)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr.count(" error: ") == 1
    assert result.stderr.startswith(f"{path}:2:6: error: unit 'a'")


def test_cli_reads_errors_from_stdin() -> None:
    result = CliRunner().invoke(cli, ["run", "-"], input=b"units:\n  a: \xff\n")
    assert result.exit_code == 1
    assert LOCATED.match(result.stderr) is not None
    assert ":2:6: error: the file is not valid UTF-8" in result.stderr


def test_cli_alias_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt"
    path.write_text(BOMB)
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:2:6: error: anchors (&a) are not allowed")


def test_cli_valid_file_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "ok.txt"
    path.write_text(NEURON_LIKE)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "2 inputs, 1 gate, output b" in result.stdout


def test_a_refusal_before_yamls_own_error_keeps_the_first_error_among_all() -> None:
    """An anchor on line 2 and YAML's own error on line 3: the first error alone
    is one of --all-errors' errors (found by Hypothesis)."""
    from bpcli.core.errors import CircuitError
    from bpcli.parser import parse

    source = "oops: 1\nunits:\n&a   x: 1.2\n  y: 2\n"
    found = []
    for every in (False, True):
        with pytest.raises(CircuitError) as err:
            parse(source, all_errors=every)
        found.append(err.value.problems)
    assert len(found[0]) == 1 and found[0][0] in found[1]
