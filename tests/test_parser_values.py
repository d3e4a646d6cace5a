"""What a valid circuit file means (SPEC §2): numbers as people write them,
names that YAML would misread, literals as constant Units, defaults, and the
layouts a file may come in (BOM, CRLF, flow style, quoting, folding)."""

from __future__ import annotations

import math

import pytest

from bpcli.core.engine import CONST, GATE, INPUT, Circuit, run_passes
from bpcli.core.errors import CircuitError
from bpcli.parser import DEFAULT_STEP_SIZE, parse, parse_number

from conftest import NEURON


def value_of(c: Circuit, name: str) -> float:
    return c.units[c.index[name]].value


def kind_of(c: Circuit, name: str) -> str:
    return c.kinds[c.index[name]]


NUMBERS = [
    ("1", 1.0),
    ("-2.5", -2.5),
    (".5", 0.5),
    ("-.5", -0.5),
    ("+.25", 0.25),
    ("1e-3", 0.001),
    ("2E+4", 20000.0),
    ("2e4", 20000.0),
    ("1.5e2", 150.0),
    ("3.", 3.0),
    ("+7", 7.0),
    ("0", 0.0),
    ("007", 7.0),
    ("1e-400", 0.0),  # underflows to zero: finite, so a number
    ("1.7976931348623157e308", 1.7976931348623157e308),
    ("0.1", 0.1),
]


@pytest.mark.parametrize(("text", "value"), NUMBERS)
def test_numbers_as_people_write_them(text: str, value: float) -> None:
    c = parse(f"units:\n  a: {text}\ngates:\n  g: neg(a) -> b\n")
    assert value_of(c, "a") == value
    assert type(value_of(c, "a")) is float
    assert parse_number(text) == value


@pytest.mark.parametrize(("text", "value"), NUMBERS)
def test_numbers_as_literals(text: str, value: float) -> None:
    c = parse(f"units:\n  a: 1\ngates:\n  g: mul(a, {text}) -> b\n")
    assert value_of(c, "g.u1") == value
    assert kind_of(c, "g.u1") == CONST


def test_minus_zero_keeps_its_sign() -> None:
    c = parse("units:\n  a: -0.0\ngates:\n  g: neg(a) -> b\n")
    assert math.copysign(1.0, value_of(c, "a")) == -1.0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("true", "boolean"),
        ("False", "boolean"),
        ("yes", "boolean"),
        ("off", "boolean"),
        (".nan", "not a finite number"),
        (".NaN", "not a finite number"),
        ("-.inf", "not a finite number"),
        ("inf", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("1e400", "overflows"),
        ("-1e309", "overflows"),
        ("", "no value given"),
        ("~", "no value given"),
        ("null", "no value given"),
        ("0x1F", "is not a number"),
        ("1_000", "is not a number"),
        ("1,5", "is not a number"),
        ("e5", "is not a number"),
        ("1e", "is not a number"),
        ("--1", "is not a number"),
        ("1 2", "is not a number"),
        (".", "is not a number"),
    ],
)
def test_what_is_not_a_number(text: str, reason: str) -> None:
    result = parse_number(text)
    assert isinstance(result, str)
    assert reason in result


BOOLEAN_NAMES = ["no", "on", "yes", "off", "null", "false", "y", "n", "Yes", "NULL", "True"]


def test_yaml_keywords_are_names() -> None:
    units = "".join(f"  {n}: {i}\n" for i, n in enumerate(BOOLEAN_NAMES))
    text = (
        "units:\n" + units + "gates:\n"
        "  on_off: add(no, on) -> yes_no\n"
        "  true: mul(yes_no, false) -> y_n\n"  # `true` as a gate name
        "  null_: add(y_n, y) -> ok\n"
    )
    c = parse(text)
    assert c.names[: len(BOOLEAN_NAMES)] == BOOLEAN_NAMES
    for i, n in enumerate(BOOLEAN_NAMES):
        assert value_of(c, n) == float(i)
        assert kind_of(c, n) == INPUT
    assert [g.name for g in c.gates] == ["on_off", "true", "null_"]
    assert c.output_name == "ok"
    c.forward()
    no, on, false, y = 0.0, 1.0, 5.0, 6.0
    assert c.output_value == (no + on) * false + y


def test_yaml_keywords_as_output_and_frozen() -> None:
    c = parse(
        "units:\n  no: 2\n  on: 3\ngates:\n  g: mul(no, on) -> off\n  h: neg(off) -> n\n"
        "output: off\nfrozen: [no]\n"
    )
    assert c.output_name == "off"
    assert c.frozen == {c.index["no"]}


def test_quoted_keys_are_names_too() -> None:
    c = parse("units:\n  'a': 1\n  \"b\": 2\ngates:\n  'g': add(a, b) -> s\n")
    assert c.names == ["a", "b", "s"]


def test_literals_become_const_units_named_after_their_slot() -> None:
    c = parse(
        "units:\n  a: 2\ngates:\n"
        "  mulg0: mul(a, 3) -> p\n"
        "  subg0: sub(10, p) -> q\n"
        "  maxg0: max(0, q) -> r\n"
        "  addg0: add(0.5, -2) -> k\n"
        "output: r\n"
    )
    assert c.names == ["a", "mulg0.u1", "p", "subg0.u0", "q", "maxg0.u0", "r",
                       "addg0.u0", "addg0.u1", "k"]  # fmt: skip
    consts = {n: value_of(c, n) for n, k in zip(c.names, c.kinds) if k == CONST}
    assert consts == {"mulg0.u1": 3.0, "subg0.u0": 10.0, "maxg0.u0": 0.0, "addg0.u0": 0.5,
                      "addg0.u1": -2.0}  # fmt: skip
    assert [kind_of(c, n) for n in ("a", "p", "q", "r", "k")] == [INPUT, GATE, GATE, GATE, GATE]
    # Each literal is its own Unit in its own slot, never updated.
    m = c.gates[0]
    assert (m.i0, m.i1) == (c.index["a"], c.index["mulg0.u1"])
    for _ in run_passes(c, iterations=3):
        pass
    assert {n: value_of(c, n) for n in consts} == consts
    assert value_of(c, "a") < 2.0  # r = max(0, 10 - 3a) pulls a down


def test_the_same_literal_twice_is_two_units() -> None:
    c = parse("units:\n  a: 2\ngates:\n  g: mul(1, 1) -> p\n  h: add(p, 1) -> q\n")
    assert [n for n, k in zip(c.names, c.kinds) if k == CONST] == ["g.u0", "g.u1", "h.u1"]
    assert len({id(c.units[c.index[n]]) for n in ("g.u0", "g.u1", "h.u1")}) == 3


def test_output_defaults_to_the_last_gate_output() -> None:
    c = parse("units:\n  a: 2\ngates:\n  g: neg(a) -> b\n  h: exp(a) -> e\n")
    assert c.output_name == "e"
    assert c.output == c.gates[-1].out


def test_output_may_name_an_earlier_gate_output() -> None:
    c = parse("units:\n  a: 2\ngates:\n  g: neg(a) -> b\n  h: exp(a) -> e\noutput: b\n")
    assert c.output_name == "b"


def test_frozen_inputs() -> None:
    c = parse("units: {a: 1, b: 2, c: 3}\ngates:\n  g: add(a, b) -> s\nfrozen: [c, a]\n")
    assert c.frozen == {c.index["a"], c.index["c"]}
    for _ in run_passes(c):
        pass
    assert (value_of(c, "a"), value_of(c, "c")) == (1.0, 3.0)
    assert value_of(c, "b") == 2.0 + DEFAULT_STEP_SIZE * 1.0


def test_frozen_block_list_and_empty_list() -> None:
    c = parse("units: {a: 1, b: 2}\ngates:\n  g: add(a, b) -> s\nfrozen:\n  - b\n")
    assert c.frozen == {c.index["b"]}
    assert parse("units: {a: 1}\ngates:\n  g: neg(a) -> s\nfrozen: []\n").frozen == set()


@pytest.mark.parametrize(
    ("line", "step"),
    [("", 0.01), ("step_size: 0.1\n", 0.1), ("step_size: -1e-3\n", -0.001),
     ("step_size: 0\n", 0.0), ("step_size: 2\n", 2.0)],
)  # fmt: skip
def test_step_size(line: str, step: float) -> None:
    c = parse("units: {a: 1}\ngates:\n  g: neg(a) -> s\n" + line)
    assert c.step_size == step
    assert type(c.step_size) is float


def test_description_and_keys_in_any_order() -> None:
    c = parse(
        "step_size: 0.5\noutput: s\nfrozen: [a]\ngates:\n  g: neg(a) -> s\n"
        "units: {a: 1}\ndescription: any order\n"
    )
    assert (c.description, c.output_name, c.step_size) == ("any order", "s", 0.5)
    assert c.frozen == {0}


def test_description_may_be_any_text() -> None:
    c = parse("description: >\n  two\n  lines\nunits: {a: 1}\ngates:\n  g: neg(a) -> s\n")
    assert c.description == "two lines\n"
    c = parse("description: 42\nunits: {a: 1}\ngates:\n  g: neg(a) -> s\n")
    assert c.description == "42"


def test_the_reference_circuit() -> None:
    c = parse(NEURON.read_bytes())
    assert c.names == ["a", "b", "c", "x", "y", "ax", "by", "ax_p_by", "ax_p_by_p_c", "s"]
    assert c.kinds == [INPUT] * 5 + [GATE] * 5
    assert [value_of(c, n) for n in "abcxy"] == [1.0, 2.0, -3.0, -1.0, 3.0]
    assert [g.name for g in c.gates] == ["mulg0", "mulg1", "addg0", "addg1", "sg0"]
    assert [g.op.name for g in c.gates] == ["mul", "mul", "add", "add", "sigmoid"]
    assert (c.output_name, c.step_size, c.frozen) == ("s", 0.01, set())
    assert c.description == "single sigmoid neuron"
    # Where things are, for errors the engine raises later.
    assert c.locations["a"] == (7, 3)
    assert (c.gates[0].line, c.gates[0].col) == (13, 3)


# -- layouts ------------------------------------------------------------------------------

NEURON_TEXT = NEURON.read_text()


def same_circuit(a: Circuit, b: Circuit) -> None:
    assert a.names == b.names
    assert a.kinds == b.kinds
    assert [u.value for u in a.units] == [u.value for u in b.units]
    assert [(g.name, g.op.name, g.args, g.out) for g in a.gates] == [
        (g.name, g.op.name, g.args, g.out) for g in b.gates
    ]
    assert (a.output, a.step_size, a.frozen) == (b.output, b.step_size, b.frozen)


def test_bom_bytes_and_text() -> None:
    plain = parse(NEURON_TEXT)
    same_circuit(parse(b"\xef\xbb\xbf" + NEURON_TEXT.encode()), plain)
    same_circuit(parse("\ufeff" + NEURON_TEXT), plain)
    assert parse(b"\xef\xbb\xbf" + NEURON_TEXT.encode()).locations == plain.locations


def test_crlf_line_endings() -> None:
    crlf = NEURON_TEXT.replace("\n", "\r\n")
    plain = parse(NEURON_TEXT)
    same_circuit(parse(crlf), plain)
    same_circuit(parse(crlf.encode()), plain)
    assert parse(crlf).locations == plain.locations


def test_flow_style_mappings() -> None:
    flow = (
        "{units: {a: 1.0, b: 2.0, c: -3.0, x: -1.0, y: 3.0},\n"
        " gates: {mulg0: 'mul(a, x) -> ax', mulg1: 'mul(b, y) -> by',\n"
        "         addg0: 'add(ax, by) -> ax_p_by', addg1: 'add(ax_p_by, c) -> ax_p_by_p_c',\n"
        '         sg0: "sigmoid(ax_p_by_p_c) -> s"},\n'
        " output: s, step_size: 0.01, description: single sigmoid neuron}\n"
    )
    same_circuit(parse(flow), parse(NEURON_TEXT))


def test_document_markers_and_comments() -> None:
    text = "%YAML 1.1\n---\n# c\nunits: {a: 1}  # c\ngates:\n  # c\n  g: neg(a) -> s  # c\n...\n"
    c = parse(text)
    assert c.names == ["a", "s"]


def test_gate_text_spacing_quoting_and_folding() -> None:
    texts = [
        "mul(a,x)->p",
        "  mul( a , x )  ->  p  ",
        "'mul(a, x) -> p'",
        '"mul(a, x) -> p"',
        "mul(a,\n      x) -> p",
        ">-\n    mul(a, x)\n    -> p",
        "|\n    mul(a, x) -> p",
    ]
    for t in texts:
        c = parse(f"units:\n  a: 2\n  x: 3\ngates:\n  g: {t}\n")
        assert [(g.op.name, g.args) for g in c.gates] == [("mul", (0, 1))], t
        assert c.names == ["a", "x", "p"], t


def test_parse_accepts_text_and_bytes_alike() -> None:
    same_circuit(parse(NEURON_TEXT), parse(NEURON_TEXT.encode()))


def test_non_ascii_is_fine_in_comments_and_description() -> None:
    c = parse("# π ≈ 3.14159 😀\ndescription: naïve σ\nunits: {a: 1}\ngates:\n  g: neg(a) -> s\n")
    assert c.description == "naïve σ"


@pytest.mark.parametrize("mark", ["\x85", "\u2028", "\u2029"])
def test_line_breaks_an_editor_does_not_show_are_refused_where_they_are(mark: str) -> None:
    # YAML ends a line at NEL, LS and PS too; an editor, grep and cat do not: a
    # key after one in a comment would be live, and line numbers would differ.
    for source in (
        f"units:\n  a: 1 # x{mark}  b: 2\n",
        f"units:\n  a: 1 # x{mark}  b: 2\n".encode(),
    ):
        with pytest.raises(CircuitError) as info:
            parse(source)
        line, col, message, hint = info.value.problems[0]
        assert (line, col) == (2, 11)
        assert f"U+{ord(mark):04X}" in message and "line break" in message
        assert hint is not None and "newline" in hint


@pytest.mark.parametrize(
    ("source", "where"),
    [
        (b"\xef\xbb\xbf" * 3 + b"units: {a: 1}\ngates: {g: neg(a) -> s}\n", (1, 1)),
        (b"# c\n\xef\xbb\xbfunits: {a: 1}\ngates: {g: neg(a) -> s}\n", (2, 1)),
        ("units: {a: 1}\ngates: {g: neg(a) -> s\ufeff}\n", (2, 23)),
    ],
)
def test_a_byte_order_mark_past_the_start_is_refused_where_it_is(
    source: str | bytes, where: tuple[int, int]
) -> None:
    with pytest.raises(CircuitError) as info:
        parse(source)
    assert info.value.problems[0][:2] == where
    assert "byte-order mark" in info.value.problems[0].message


def test_two_byte_order_marks_at_the_start_are_read_past() -> None:
    # one a text editor wrote, one more from a file joined to it: both stripped
    c = parse(b"\xef\xbb\xbf" * 2 + b"units: {a: 2}\ngates: {g: neg(a) -> s}\n")
    assert c.output_name == "s"


def test_a_big_circuit_parses() -> None:
    n = 5_000
    text = "units:\n  x0: 0.5\ngates:\n" + "".join(
        f"  g{i}: add(x{i}, 1) -> x{i + 1}\n" for i in range(n)
    )
    c = parse(text)
    assert len(c.gates) == n
    assert c.output_name == f"x{n}"
    assert c.gates[-1].line == n + 3
