"""Whatever bytes or text come in, the parser answers with a Circuit or a
CircuitError that names a real line and column, never any other exception;
and the command line exits 0 or 1, never with a traceback (SPEC §5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpcli.cli.main import cli
from bpcli.core.errors import CircuitError
from bpcli.parser import events, parse

from conftest import CIRCUITS, NEURON

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
LOCATED = re.compile(r"^<stdin>:(\d+):(\d+): error: \S")

# Pieces of circuit files, right and wrong, for a grammar of YAML-ish text.
FRAGMENTS = [
    # keys and names
    "units", "gates", "output", "frozen", "step_size", "description", "expr", "stepsize",
    "a", "x", "no", "on", "true", "null", "s", "ax", "mulg0", "g", "a-b", "é",
    # YAML punctuation and indicators
    ":", ": ", " ", "  ", "    ", "\n", "\r\n", "\r", "\t", "- ", "[", "]", "{", "}", ",", ", ",
    "&a ", "*a", "!!str ", "!!python/object/apply:os.system ", "!x ", "'", '"', "#", "# c",
    "---\n", "...\n", "|", ">", "? ", "%YAML 1.1\n", "\\", "\\n",
    # numbers, right and wrong
    "1", "-2.5", ".5", "1e-3", "2E+4", "1e400", ".nan", ".inf", "~", "0x1F", "1,5",
    # gates
    "mul(a, x) -> ax", "sigmoid(", ")", "(", "->", " -> ", "add(ax, 1)", "neg", "→",
    # characters YAML or UTF-8 refuse
    "\ufeff", "\x00", "\x01", "\x7f", "\x85", "\u2028", "\ufffe", "\ud800", "😀",
]  # fmt: skip
yamlish = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)

REAL = [path.read_text() for path in CIRCUITS]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real circuit file with a few pieces inserted, deleted or replaced."""
    text = draw(st.sampled_from(REAL))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 12))
        piece = draw(st.lists(st.sampled_from(FRAGMENTS), max_size=4).map("".join))
        text = text[:at] + piece + text[at + cut :]
    return text


@contextmanager
def yaml_parser(which: str) -> Iterator[None]:
    saved = events.Parser
    events.Parser = yaml.CBaseLoader if which == "libyaml" else yaml.BaseLoader
    try:
        yield
    finally:
        events.Parser = saved


def check(source: str | bytes) -> None:
    """parse() and parse(all_errors=True) agree, and every problem is well placed."""
    first = every = None
    try:
        parse(source)
    except CircuitError as err:
        first = err.problems
    try:
        parse(source, all_errors=True)
    except CircuitError as err:
        every = err.problems
    assert (first is None) == (every is None), (first, every)
    if first is None or every is None:
        return
    assert len(first) == 1
    assert first[0] in every  # the first error is one of all the errors
    # in file order, but for YAML's own error, which comes first (issue 11)
    yaml_first = every[0].message.startswith(("invalid YAML", "a byte-order mark"))
    rest = every[1:] if yaml_first else every
    assert rest == sorted(rest, key=lambda p: (p.line, p.col))
    text = source if isinstance(source, str) else None
    if text is not None:
        lines = LINE_BREAK.split(text.removeprefix("\ufeff"))
    for p in every:
        assert p.line >= 1 and p.col >= 1, p
        assert p.message and "\n" not in p.message and "\r" not in p.message, p
        assert p.hint is None or (p.hint and "\n" not in p.hint), p
        if text is not None:  # a real place in the file (or just after its end)
            assert p.line <= len(lines), (p, len(lines))
            assert p.col <= len(lines[p.line - 1]) + 1, (p, lines[p.line - 1])


@pytest.mark.parametrize("which", ["libyaml", "pure-python"])
@pytest.mark.parametrize(
    "strategy",
    [st.text(), st.binary(), yamlish, mutated()],
    ids=["text", "binary", "yaml-ish", "mutated circuits"],
)
def test_parse_raises_only_circuit_errors(which: str, strategy: st.SearchStrategy) -> None:
    @FAST
    @given(strategy)
    def run(source: str | bytes) -> None:
        check(source)

    with yaml_parser(which):
        run()


@FAST
@given(mutated())
def test_errors_survive_encoding_to_bytes(text: str) -> None:
    """The same text as UTF-8 bytes gives the same answer (bar lone surrogates)."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return
    answers = []
    for source in (text, data):
        try:
            parse(source)
            answers.append(None)
        except CircuitError as err:
            answers.append(err.problems)
    assert answers[0] == answers[1]


def test_small_edits_of_real_circuits_reach_both_outcomes() -> None:
    """Real circuits with one character commented out: some still parse and some
    do not, so fuzzing from them exercises the builder as well as the errors."""
    ok = bad = 0
    for text in REAL:
        for cut in range(0, len(text), 7):
            try:
                parse(text[:cut] + "#" + text[cut + 1 :])
                ok += 1
            except CircuitError:
                bad += 1
    assert ok > 10 and bad > 10


def cli_input(data: bytes, command: str) -> None:
    args = ["validate", "--all-errors", "-"] if command == "validate" else ["run", "-"]
    result = CliRunner().invoke(cli, args, input=data)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything
    assert "internal error" not in result.stderr
    if result.exit_code == 1:
        assert LOCATED.match(result.stderr), result.stderr
        assert result.stdout == ""
    else:
        assert result.stderr == ""


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(
    "strategy",
    [
        st.binary(max_size=200),
        yamlish.map(lambda t: t.encode("utf-8", "surrogatepass")),
        mutated().map(lambda t: t.encode("utf-8", "surrogatepass")),
    ],
    ids=["binary", "yaml-ish", "mutated circuits"],
)
def test_cli_never_shows_a_traceback(command: str, strategy: st.SearchStrategy) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def run(data: bytes) -> None:
        cli_input(data, command)

    run()


def test_cli_exit_codes_of_the_reference_circuit() -> None:
    cli_input(NEURON.read_bytes(), "run")
    cli_input(NEURON.read_bytes()[:-30], "run")  # cut short: an error, exit 1
