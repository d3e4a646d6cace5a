"""The parser's rooms, each on its own: the gate text's split (the usual form and
every other agree), the name and number rules, and one path for every gate: a
circuit is the same whichever way its gates are written, whenever they are built."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcli.core.engine import Circuit
from bpcli.core.errors import CircuitError
from bpcli.core.gates import IN_SLOTS, OPS, Op
from bpcli.parser import gate_text, is_name, parse, parse_number
from bpcli.parser.gate_text import GateTextError

from conftest import NEURON

WORDS = [*OPS, "mull", "a", "x", "ax", "a-b", "é"]
MARKS = ["(", ")", ",", ", ", "->", " -> ", "→"]
SPACES = ["", " ", "  ", "\t", "\n"]
NUMBERS = ["1", "-2.5", ".5", "1e400"]
PIECES = WORDS + MARKS + SPACES + NUMBERS
gate_like = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def split_or_error(text: str) -> object:
    try:
        return gate_text.split("g", text)
    except GateTextError as err:
        return (err.offset, err.message, err.hint)


def offsets_or_error(text: str) -> object:
    try:
        return gate_text.offsets("g", text)
    except GateTextError as err:
        return (err.offset, err.message, err.hint)


@settings(max_examples=500, deadline=None)
@given(gate_like)
def test_split_and_offsets_agree_on_every_text(text: str) -> None:
    """The usual form's regex and the full split take the same texts apart the
    same way; where one finds a fault the other finds the same one."""
    parts, places = split_or_error(text), offsets_or_error(text)
    if not isinstance(parts, tuple) or not isinstance(parts[0], Op):
        assert parts == places
        return
    op, args, out = parts
    assert isinstance(places, gate_text.Offsets)
    assert len(args) == len(places.args) == op.arity
    for arg, at in zip(args, places.args):
        assert text[at : at + len(arg)] == arg
    assert text[places.out : places.out + len(out)] == out
    assert is_name(out)


@pytest.mark.parametrize(
    "text",
    [
        "mul(a, x) -> ax",
        "mul(a,x)->ax",
        "  mul( a , x )  ->  ax  ",
        "mul (a, x) -> ax",
        "mul(a,\tx) ->\nax",
    ],
)
def test_split_takes_every_spacing(text: str) -> None:
    assert gate_text.split("g", text) == (OPS["mul"], ("a", "x"), "ax")


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("mul(a) -> b", 3, "mul takes 2 arguments (u0, u1), got 1"),
        ("neg(a, b) -> c", 3, "neg takes 1 argument (u0), got 2"),
        ("mull(a, b) -> c", 0, "unknown op 'mull'"),
        ("mul(a, neg(b)) -> c", 10, "gate 'g': nested calls are not allowed"),
        ("mul(a, b) -> 1c", 13, "invalid output name '1c'"),
        ("mul(a, ) -> c", 6, "gate 'g': empty argument"),
        ("mul(a, b) c", 10, "gate 'g': expected '-> OUT' after ')'"),
    ],
)
def test_split_faults_are_placed(text: str, offset: int, message: str) -> None:
    with pytest.raises(GateTextError) as info:
        gate_text.split("g", text)
    assert info.value.offset == offset
    assert info.value.message.startswith(message)


def test_output_of_reads_what_follows_the_arrow() -> None:
    assert gate_text.output_of("mul(a, b) -> c ") == "c"
    assert gate_text.output_of("mul(a, b)") is None


@pytest.mark.parametrize("name", ["a", "_", "x1", "mulg0", "A_b_9", "no", "true"])
def test_names(name: str) -> None:
    assert is_name(name)


@pytest.mark.parametrize("text", ["", "1x", "a-b", "a.b", "a b", "é€", " a", "a\n"])
def test_not_names(text: str) -> None:
    assert not is_name(text)


@pytest.mark.parametrize(("text", "value"), [("1", 1.0), (" 2.5 ", 2.5), ("1e-3", 0.001)])
def test_parse_number_common_case_and_spaces(text: str, value: float) -> None:
    assert parse_number(text) == value


def shape(c: Circuit) -> tuple[object, ...]:
    gates = [(type(g), g.name, g.args, g.out, g.line) for g in c.gates]
    values = [u.value for u in c.units if u is not None]
    return (c.names, c.kinds, values, gates, c.output, c.step_size, c.frozen)


def test_every_gate_form_builds_the_same_circuit() -> None:
    usual = "units:\n  a: 1\n  x: 2\ngates:\n  g: mul(a, x) -> p\n  h: add(p, 0.5) -> q\n"
    other = 'units:\n  a: 1\n  x: 2\ngates:\n  g: mul (a,x)->p\n  h: "add( p , .5 )  -> q"\n'
    assert shape(parse(usual)) == shape(parse(other))


def test_gates_before_units_build_the_same_circuit() -> None:
    """Gates above `units:` wait for the end of the file; the circuit is the same."""
    units = "units:\n  a: 1\n  x: 2\n"
    gates = "gates:\n  g: mul(a, x) -> p\n  h: neg(p) -> q\n  k: pow(q, 2) -> r\n"
    first, after = parse(units + gates), parse(gates + units)
    assert [(g.name, g.args, g.out) for g in first.gates] == [
        (g.name, g.args, g.out) for g in after.gates
    ]
    assert first.names == after.names and first.kinds == after.kinds


def test_constants_are_named_after_their_slots() -> None:
    c = parse("units:\n  a: 1\ngates:\n  g: mul(2, 3) -> p\n  h: add(p, a) -> q\n")
    assert [n for n, k in zip(c.names, c.kinds) if k == "const"] == [f"g.{s}" for s in IN_SLOTS]


def test_gates_after_a_wrong_one_are_still_checked() -> None:
    """A wrong gate waits with every later one; they are all reported, each once."""
    text = "units:\n  a: 1\ngates:\n  g: mul(a) -> p\n  h: neg(a) -> q\n  k: neg(zz) -> r\n"
    with pytest.raises(CircuitError) as info:
        parse(text, all_errors=True)
    assert [(p.line, p.col) for p in info.value.problems] == [(4, 9), (6, 10)]


def test_bytes_and_text_build_the_same_circuit() -> None:
    data = NEURON.read_bytes()
    for source in (data, b"\xef\xbb\xbf" + data, data.decode()):
        assert shape(parse(source)) == shape(parse(data))
