"""Circuit files (SPEC §2) into a ``Circuit``, keeping every source location.

The YAML is read as a stream of events from PyYAML's C parser (the pure-Python
parser where libyaml is missing), never composed into a tree and never
constructed into Python objects: bpcli types every scalar itself, so keys are
always names (a unit called ``no`` is not a boolean), numbers are what people
write (``1e-3``), and no tag, anchor or alias is ever honoured. The walk keeps
no stack of its own beyond a depth count and never recurses, so any nesting
depth gives an error, not a crash.

Every error is a ``Problem`` with a 1-based line and column. Lines are YAML's
lines (a line ends at LF, CRLF, CR, NEL, LS or PS); columns count characters.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from typing import Any, NamedTuple

import yaml

from .engine import CONST, GATE, GATE_CLASSES, INPUT, Circuit, Gate
from .errors import CircuitError, Problem, did_you_mean
from .gates import OPS

# PyYAML's libyaml binding when it is there (``CParser`` itself is not
# exported by the ``yaml`` package; ``CBaseLoader`` is that parser plus the
# unused base constructor), else the pure-Python parser.
_Parser: Any = getattr(yaml, "CBaseLoader", None) or yaml.BaseLoader
_LIBYAML = not issubclass(_Parser, yaml.reader.Reader)

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
NUMBER_RE = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_BOOLEANS = {"true", "false", "yes", "no", "on", "off", "y", "n"}
_NONFINITE = re.compile(r"[-+]?\.?(?:nan|inf|infinity)\Z", re.IGNORECASE)
_NULLS = {"", "~", "null"}
# What YAML accepts in a stream (YAML 1.1 §5.1, as libyaml checks it). Anything
# else (NUL, other C0/C1 controls, DEL, lone surrogates, U+FFFE, U+FFFF) is
# reported by bpcli itself, at its line and column.
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_Scalar = yaml.ScalarEvent
_NUMBER_START = "+-.0123456789"
_NAME = "[A-Za-z_][A-Za-z0-9_]*"
_ARG = rf"{_NAME}|[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
# A well-formed gate: the fast path of _Builder.gate. Anything else (any
# mistake) takes the path that explains what is wrong.
_PLAIN_GATE = re.compile(
    rf"\s*([a-z]+)\(\s*({_ARG})\s*(?:,\s*({_ARG})\s*)?\)\s*->\s*({_NAME})\s*\Z"
)

TOP_KEYS = ("description", "units", "gates", "expr", "output", "step_size", "frozen")
DEFAULT_STEP_SIZE = 0.01
NAME_RULE = "a name is letters, digits and '_', and does not start with a digit"
MAX_DEPTH = 100  # a circuit needs 2 levels; libyaml itself stops at 1000
MAX_ERRORS = 200  # with all_errors: stop listing after this many
_TOO_DEEP = "the YAML nests too deeply"
_TOO_DEEP_HINT = "a circuit file nests two levels: `units:`, `gates:` and their entries"
_ALIAS_HINT = "write each value out; bpcli refuses anchors and aliases"


def _q(text: str, limit: int = 60) -> str:
    """User text quoted for a one-line message: escaped, and cut when long."""
    shown = text if text.isprintable() else repr(text)[1:-1]
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f"'{shown}'"


def parse_number(text: str) -> float | str:
    """A number as a person writes it, or the reason it is not one."""
    t = text.strip()
    low = t.lower()
    if low in _NULLS:
        return "no value given"
    if low in _BOOLEANS:
        return f"{_q(t)} is a boolean, not a number"
    if _NONFINITE.match(t):
        return f"{_q(t)} is not a finite number"
    if not NUMBER_RE.match(t):
        return f"{_q(t)} is not a number"
    x = float(t)
    if not math.isfinite(x):
        return f"{_q(t)} is too large: it overflows to infinity"
    return x


def _name_hint(text: str) -> str | None:
    """For an invalid name: the valid name it was probably meant to be."""
    fixed = re.sub(r"[-.]", "_", text.strip())
    if fixed and fixed != text and NAME_RE.match(fixed):
        return f"did you mean '{fixed}'?"
    return None


class _Pos(NamedTuple):
    line: int
    col: int


class _Source:
    """Turns character offsets into YAML's 1-based lines and columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def pos(self, index: int) -> _Pos:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.text)]
        index = max(0, min(index, len(self.text)))
        k = bisect.bisect_right(self._starts, index) - 1
        return _Pos(k + 1, index - self._starts[k] + 1)


class _RawGate(NamedTuple):
    name: str
    pos: _Pos
    text: str
    start: int  # source offset of the value scalar (its quote, if quoted)
    end: int
    style: str | None
    pos_line: int  # where the value scalar starts
    pos_col: int


def _kind_of(ev: yaml.Event) -> str:
    if isinstance(ev, yaml.MappingStartEvent):
        return "a mapping"
    if isinstance(ev, yaml.SequenceStartEvent):
        return "a list"
    if isinstance(ev, yaml.ScalarEvent):
        if ev.style in ("|", ">"):
            return "a block of text"
        if ev.style:
            return f"the string {_q(ev.value)}"
        return _q(ev.value) if ev.value else "nothing"
    return "nothing"


def _is_empty(ev: yaml.Event) -> bool:
    return isinstance(ev, yaml.ScalarEvent) and not ev.style and not ev.value


def _output_of(text: str) -> str | None:
    """The OUT of a gate's `OP(ARGS) -> OUT` text, if it has one."""
    _, arrow, out = text.rpartition("->")
    out = out.strip()
    return out if arrow and out else None


class _Reader:
    """Walks the YAML events of one document, reporting problems."""

    def __init__(self, text: str, all_errors: bool) -> None:
        self.text = text
        self.src = _Source(text)
        self.all_errors = all_errors
        self.problems: list[Problem] = []
        self._p: Any = None
        self._get: Any = self._first_event
        self.depth = 0
        # Collected from the document:
        self.top = _Pos(1, 1)
        self.units: list[tuple[str, int, int, float]] = []  # name, line, col, value
        self.gates: list[_RawGate] = []
        self.gate_entries = 0  # gates given, right or wrong
        self.output: tuple[str, _Pos] | None = None
        self.frozen: list[tuple[str, _Pos]] = []
        self.step_size = DEFAULT_STEP_SIZE
        self.description: str | None = None
        self.seen_keys: dict[str, _Pos] = {}
        self.builder: _Builder | None = None
        self.expr: tuple[yaml.ScalarEvent, _Pos] | None = None
        self.misspelt: dict[str, _Pos] = {}  # a required key, given under a near-miss name
        # What was reported, so that its uses are not reported again:
        self.broken: set[str] = set()  # names whose definition was wrong
        self.broken_keys: set[str] = set()  # top-level keys whose value was wrong

    # -- reporting ------------------------------------------------------------

    def report(self, pos: _Pos, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(pos.line, pos.col, message, hint))
        if not self.all_errors or len(self.problems) >= MAX_ERRORS:
            raise CircuitError(self.problems)

    def at(self, mark: Any) -> _Pos:
        """A YAML mark as a position; libyaml may place marks past the end of the file."""
        if mark.index >= len(self.text):
            return self.src.pos(len(self.text))
        return _Pos(mark.line + 1, mark.column + 1)

    def _fatal(self, pos: _Pos, message: str, hint: str | None = None) -> CircuitError:
        return CircuitError([*self.problems, Problem(pos.line, pos.col, message, hint)])

    # -- events ---------------------------------------------------------------

    def _first_event(self) -> yaml.Event:
        # The pure-Python parser reads (and may refuse) characters as it is made.
        self._p = _Parser(self.text)
        self._get = self._p.get_event
        return self._get()

    def next(self) -> yaml.Event:
        try:
            ev = self._get()
        except yaml.YAMLError as exc:
            raise self._error_of(exc) from None
        if type(ev) is _Scalar and ev.anchor is None and ev.tag is None:
            return ev  # the common case, checked first: most events are such scalars
        return self.checked(ev)

    def _error_of(self, exc: yaml.YAMLError) -> CircuitError:
        if isinstance(exc, yaml.MarkedYAMLError):
            return self._yaml_error(exc)
        return self._reader_error(exc)  # the reader's "unacceptable character"

    def checked(self, ev: yaml.Event) -> yaml.Event:
        """Any event but a plain scalar: nesting depth, and no alias, anchor or tag."""
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self._fatal(self.at(ev.start_mark), _TOO_DEEP, _TOO_DEEP_HINT)
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.depth -= 1
        elif isinstance(ev, yaml.AliasEvent):
            raise self._fatal(
                self.at(ev.start_mark), f"aliases (*{ev.anchor}) are not allowed", _ALIAS_HINT
            )
        anchor = getattr(ev, "anchor", None)
        if anchor is not None:
            raise self._fatal(
                self.at(ev.start_mark), f"anchors (&{anchor}) are not allowed", _ALIAS_HINT
            )
        tag = getattr(ev, "tag", None)
        if tag is not None and not isinstance(ev, yaml.DocumentStartEvent):
            if tag.startswith("tag:yaml.org,2002:"):
                tag = "!!" + tag[len("tag:yaml.org,2002:") :]
            raise self._fatal(
                self.at(ev.start_mark),
                f"tags ({tag}) are not allowed",
                "bpcli reads plain names and numbers; remove the tag",
            )
        return ev

    def _yaml_error(self, exc: yaml.MarkedYAMLError) -> CircuitError:
        mark = exc.problem_mark or exc.context_mark
        pos = self.at(mark) if mark is not None else _Pos(1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in problem:
            return self._fatal(pos, _TOO_DEEP, _TOO_DEEP_HINT)
        message = f"invalid YAML: {problem}"
        if exc.context and exc.problem:
            cm = exc.context_mark
            where = ""
            context = self.at(cm) if cm is not None else pos
            if context != pos:
                where = f" at line {context.line}, column {context.col}"
            message += f" ({exc.context}{where})"
        hint = None
        index = getattr(mark, "index", None)
        if isinstance(index, int) and self.text[index : index + 1] == "\t":
            hint = "YAML does not allow tabs for indentation: indent with spaces"
        elif "mapping values are not allowed" in problem:
            hint = "a ': ' inside a value needs quotes, or a key is indented wrongly"
        return self._fatal(pos, message, hint)

    def _reader_error(self, exc: yaml.YAMLError) -> CircuitError:
        try:
            _check_characters(self.text)  # the exact character and where it is
        except CircuitError as err:
            return self._fatal(_Pos(*err.problems[0][:2]), *err.problems[0][2:])
        position = getattr(exc, "position", None)
        reason = getattr(exc, "reason", None) or str(exc).split("\n")[0]
        if not isinstance(position, int):
            return self._fatal(_Pos(1, 1), f"invalid YAML: {reason}")
        if not issubclass(_Parser, yaml.reader.Reader):  # libyaml counts UTF-8 bytes
            position = len(
                self.text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore")
            )
        return self._fatal(self.src.pos(position), f"invalid character: {reason}")

    def skip(self, ev: yaml.Event) -> None:
        """Skip the value that starts with ``ev`` (iteratively, at any depth)."""
        depth = 0
        while True:
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if depth == 0:
                return
            ev = self.next()

    # -- the document -----------------------------------------------------------

    def read(self) -> None:
        self.next()  # StreamStart
        ev = self.next()  # DocumentStart, or StreamEnd for a file of comments
        if isinstance(ev, yaml.StreamEndEvent):
            what = "has only comments" if self.text.strip() else "is empty"
            raise self._fatal(
                _Pos(1, 1), f"the file {what}: no circuit", "a circuit needs `units:` and `gates:`"
            )
        ev = self.next()  # the document's top node
        if _is_empty(ev):
            raise self._fatal(
                self.at(ev.start_mark),
                "the document is empty: no circuit",
                "a circuit needs `units:` and `gates:`",
            )
        if not isinstance(ev, yaml.MappingStartEvent):
            raise self._fatal(
                self.at(ev.start_mark),
                f"the top level must be a mapping of keys (units:, gates:, …), "
                f"found {_kind_of(ev)}",
                "start with `units:` on a line of its own",
            )
        self.top = self.at(ev.start_mark)
        while True:
            ev = self.next()
            if isinstance(ev, yaml.MappingEndEvent):
                break
            self.top_key(ev)
        self.next()  # DocumentEnd
        ev = self.next()
        if not isinstance(ev, yaml.StreamEndEvent):
            raise self._fatal(
                self.at(ev.start_mark),
                "a circuit file holds one YAML document, found more",
                "remove the second '---' and what follows it",
            )

    def key_name(self, ev: yaml.Event, what: str) -> str | None:
        """A mapping key that must be a name; None (reported, value skipped) otherwise."""
        if not isinstance(ev, yaml.ScalarEvent):
            self.report(self.at(ev.start_mark), f"{what} must be a name, found {_kind_of(ev)}")
            self.skip(ev)
            self.skip(self.next())
            return None
        if not NAME_RE.match(ev.value):
            self.broken.add(ev.value)
            self.report(
                self.at(ev.start_mark),
                f"invalid name {_q(ev.value)}: {NAME_RULE}",
                _name_hint(ev.value),
            )
            self.skip(self.next())
            return None
        return ev.value

    def top_key(self, ev: yaml.Event) -> None:
        pos = self.at(ev.start_mark)
        if isinstance(ev, yaml.ScalarEvent) and ev.value not in TOP_KEYS:
            key = ev.value
            hint = did_you_mean(key, TOP_KEYS) or did_you_mean(key.replace("-", "_"), TOP_KEYS)
            for required in ("units", "gates"):
                if did_you_mean(key, [required]) and required not in self.seen_keys:
                    self.misspelt.setdefault(required, pos)  # not "missing" as well
            self.report(
                pos, f"unknown key {_q(key)}", hint or f"the keys are: {', '.join(TOP_KEYS)}"
            )
            self.skip(self.next())
            return
        key = self.key_name(ev, "a top-level key")
        if key is None:
            return
        value = self.next()
        if key in self.seen_keys:
            first = self.seen_keys[key]
            self.report(
                pos,
                f"duplicate key '{key}' (first given at line {first.line})",
                "give each top-level key once",
            )
            self.skip(value)
            return
        self.seen_keys[key] = pos
        getattr(self, f"read_{key}")(pos, value)

    def mapping(self, key: str, pos: _Pos, ev: yaml.Event, example: str) -> bool:
        if isinstance(ev, yaml.MappingStartEvent):
            return True
        self.broken_keys.add(key)
        hint = f"write it as a mapping: {example}"
        if _is_empty(ev):
            self.report(pos, f"'{key}' is empty", hint)
        else:
            if isinstance(ev, yaml.SequenceStartEvent):
                hint += " (one per line, no '- ')"
            self.report(
                self.at(ev.start_mark), f"'{key}' must be a mapping, found {_kind_of(ev)}", hint
            )
        self.skip(ev)
        return False

    def number(self, ev: yaml.Event, what: str) -> float | None:
        if type(ev) is _Scalar and not ev.style and NUMBER_RE.match(ev.value):
            x = float(ev.value)
            if -math.inf < x < math.inf:
                return x
        if not isinstance(ev, yaml.ScalarEvent):
            self.report(self.at(ev.start_mark), f"{what} must be a number, found {_kind_of(ev)}")
            self.skip(ev)
            return None
        if ev.style:
            hint = (
                "remove the quotes" if ev.style in ("'", '"') else "write the number on this line"
            )
            self.report(
                self.at(ev.start_mark), f"{what} must be a number, found {_kind_of(ev)}", hint
            )
            return None
        x = parse_number(ev.value)
        if isinstance(x, str):
            hint = None
            if "," in ev.value and NUMBER_RE.match(ev.value.strip().replace(",", ".")):
                hint = "write the decimal point as '.'"
            elif "(" in ev.value and "->" in ev.value:
                hint = "this looks like a gate: is the `gates:` line above it missing?"
            self.report(self.at(ev.start_mark), f"{what}: {x}", hint)
            return None
        return x

    def name(self, ev: yaml.Event, what: str) -> str | None:
        """A scalar that must be a name (``output``, an entry of ``frozen``)."""
        if not isinstance(ev, yaml.ScalarEvent):
            self.report(self.at(ev.start_mark), f"{what} must be a name, found {_kind_of(ev)}")
            self.skip(ev)
            return None
        if _is_empty(ev):
            self.report(self.at(ev.start_mark), f"{what} is empty", "give the name of a unit")
            return None
        if not NAME_RE.match(ev.value):
            self.report(
                self.at(ev.start_mark),
                f"{what}: invalid name {_q(ev.value)}: {NAME_RULE}",
                _name_hint(ev.value),
            )
            return None
        return ev.value

    # -- the keys -----------------------------------------------------------------

    def read_description(self, pos: _Pos, ev: yaml.Event) -> None:
        if not isinstance(ev, yaml.ScalarEvent):
            self.report(self.at(ev.start_mark), f"'description' must be text, found {_kind_of(ev)}")
            self.skip(ev)
            return
        self.description = ev.value

    def read_units(self, pos: _Pos, ev: yaml.Event) -> None:
        if not self.mapping("units", pos, ev, "`a: 1.0`, one unit per line"):
            return
        # The fast loop, once a unit: `NAME: NUMBER`, two plain scalars, no tag
        # or anchor, a finite number. Anything else goes the way that explains.
        get, keep, is_name, is_number = self._get, self.units.append, NAME_RE.match, NUMBER_RE.match
        while True:
            try:
                ev = get()
                value = get() if type(ev) is _Scalar and ev.anchor is None else None
            except yaml.YAMLError as exc:
                raise self._error_of(exc) from None
            if (
                value is not None and type(value) is _Scalar and ev.tag is None
                and not ev.style and not value.style and value.anchor is None
                and value.tag is None and is_name(ev.value) and is_number(value.value)
            ):  # fmt: skip
                x = float(value.value)
                if -math.inf < x < math.inf:
                    mark = ev.start_mark
                    keep((ev.value, mark.line + 1, mark.column + 1, x))
                    continue
            self.unit_entry(ev, value)
            if isinstance(ev, yaml.MappingEndEvent):
                return

    def unit_entry(self, ev: yaml.Event, value: yaml.Event | None) -> None:
        """An entry of units: the fast loop did not take (``value`` is None when
        it was not read), checked in full; the end of units: is left alone."""
        ev = self.checked(ev) if type(ev) is not _Scalar or ev.anchor or ev.tag else ev
        if isinstance(ev, yaml.MappingEndEvent):
            return
        if value is None:
            name = self.key_name(ev, "a key under 'units'")  # reads the value if it fails
            if name is None:
                return
            value = self.next()
        else:
            if type(value) is not _Scalar or value.anchor or value.tag:
                value = self.checked(value)
            name = ev.value
            if not NAME_RE.match(name):
                self.broken.add(name)
                self.report(
                    self.at(ev.start_mark),
                    f"invalid name {_q(name)}: {NAME_RULE}",
                    _name_hint(name),
                )
                self.skip(value)
                return
        x = self.number(value, f"unit '{name}'")
        if x is None:
            self.broken.add(name)
        else:
            mark = ev.start_mark
            self.units.append((name, mark.line + 1, mark.column + 1, x))

    def read_gates(self, pos: _Pos, ev: yaml.Event) -> None:
        if not self.mapping("gates", pos, ev, "`mulg0: mul(a, x) -> ax`"):
            return
        # With the inputs already read (units: above gates:, as usual), each
        # well-formed gate is built as it is read, keeping nothing else of it.
        # This loop runs once a gate, so it checks the usual case first.
        b = self.builder
        stream = b is not None and "units" in self.seen_keys and not self.gates
        if stream:
            b.add_inputs()
        while stream:  # the fast loop: `NAME: TEXT`, two plain scalars, a gate built
            try:
                ev, value = self._get(), None
                if type(ev) is _Scalar and ev.anchor is None and ev.tag is None:
                    value = self._get()
            except yaml.YAMLError as exc:
                raise self._error_of(exc) from None
            if value is None:  # the end of gates:, or anything unusual
                if self.odd_gate_key(self.checked(ev)):
                    return
                continue
            self.gate_entries += 1
            if type(value) is not _Scalar or value.anchor is not None or value.tag is not None:
                value = self.checked(value)
            elif value.value and NAME_RE.match(ev.value):
                key = ev.start_mark
                if b.plain_gate(ev.value, value.value, key.line + 1, key.column + 1):
                    continue
                stream = False  # keep the file's order: this gate and the rest wait
            self.gate_entry(ev, value)
        while True:
            ev = self.next()
            if not isinstance(ev, yaml.ScalarEvent):
                if self.odd_gate_key(ev):
                    return
                continue
            self.gate_entries += 1
            self.gate_entry(ev, self.next())

    def odd_gate_key(self, ev: yaml.Event) -> bool:
        """A key under gates: that is no scalar: True at the end of gates:, else
        reported (the key and its value skipped)."""
        if isinstance(ev, yaml.MappingEndEvent):
            return True
        self.gate_entries += 1
        self.key_name(ev, "a key under 'gates'")
        return False

    def gate_entry(self, ev: yaml.ScalarEvent, value: yaml.Event) -> None:
        """Check one `NAME: TEXT` entry of gates:, and keep it for the builder."""
        name = ev.value
        if not NAME_RE.match(name):
            self.broken.add(name)
            self.report(
                self.at(ev.start_mark), f"invalid name {_q(name)}: {NAME_RULE}", _name_hint(name)
            )
            self.skip(value)
            return
        if not isinstance(value, yaml.ScalarEvent) or _is_empty(value):
            self.broken.add(name)
            self.report(
                self.at(value.start_mark),
                f"gate '{name}' must be `OP(ARG, ARG) -> OUT`, found {_kind_of(value)}",
                "for example `mulg0: mul(a, x) -> ax`",
            )
            self.skip(value)
            return
        key, start = ev.start_mark, value.start_mark
        self.gates.append(
            _RawGate(
                name,
                _Pos(key.line + 1, key.column + 1),
                value.value,
                start.index,
                value.end_mark.index,
                value.style or None,
                start.line + 1,
                start.column + 1,
            )
        )

    def read_expr(self, pos: _Pos, ev: yaml.Event) -> None:
        if not isinstance(ev, yaml.ScalarEvent) or _is_empty(ev):
            self.broken_keys.add("expr")
            self.report(self.at(ev.start_mark), f"'expr' must be formulas, found {_kind_of(ev)}",
                        "for example `expr: s = sigmoid(a*x + b*y + c)`, or a `|` block of "
                        "lines")  # fmt: skip
            self.skip(ev)
            return
        self.expr = (ev, pos)

    def read_output(self, pos: _Pos, ev: yaml.Event) -> None:
        name = self.name(ev, "'output'")
        if name is not None:
            self.output = (name, self.at(ev.start_mark))

    def read_step_size(self, pos: _Pos, ev: yaml.Event) -> None:
        x = self.number(ev, "'step_size'")
        if x is not None:
            self.step_size = x

    def read_frozen(self, pos: _Pos, ev: yaml.Event) -> None:
        if not isinstance(ev, yaml.SequenceStartEvent):
            if isinstance(ev, yaml.ScalarEvent) and NAME_RE.match(ev.value) and not ev.style:
                hint = f"write it as a list: `frozen: [{ev.value}]`"
            else:
                hint = "write it as a list: `frozen: [a, b]`"
            self.report(
                self.at(ev.start_mark),
                f"'frozen' must be a list of input units, found {_kind_of(ev)}",
                hint,
            )
            self.skip(ev)
            return
        while True:
            ev = self.next()
            if isinstance(ev, yaml.SequenceEndEvent):
                return
            name = self.name(ev, "an entry of 'frozen'")
            if name is not None:
                self.frozen.append((name, self.at(ev.start_mark)))

    # -- positions inside a gate's text -------------------------------------------

    def gate_pos(self, raw: _RawGate, offset: int) -> _Pos:
        """Where character ``offset`` of a gate's text is in the file.

        Exact for text written as is; for text YAML changed (escapes, folded
        lines) the nearest character that can be matched, else the value's start.
        """
        src = self.text[raw.start : raw.end]
        base = raw.start
        if raw.style in ("'", '"'):
            src, base = src[1:-1], base + 1
        elif raw.style in ("|", ">"):
            cut = src.find("\n") + 1
            src, base = src[cut:], base + cut
        if src.startswith(raw.text):
            if raw.style not in ("|", ">") and not _LINE_BREAK.search(src, 0, offset):
                return _Pos(raw.pos_line, raw.pos_col + (base - raw.start) + offset)
            return self.src.pos(base + offset)
        # Align the value with its source, skipping only whitespace in the source.
        j = 0
        for k, ch in enumerate(raw.text[: offset + 1]):
            skipped = False
            while j < len(src) and src[j] != ch and src[j] in " \t\r\n":
                j += 1
                skipped = True
            if j < len(src) and src[j] == ch:
                here = j
                j += 1
            elif skipped and ch in " \t\n":
                here = j - 1  # a line break that YAML folded into this space
            else:
                return self.src.pos(raw.start)
            if k == offset:
                return self.src.pos(base + here)
        return self.src.pos(base + j)


# -- from the collected document to a Circuit ---------------------------------------


class _Def(NamedTuple):
    kind: str  # "input", "gate" (a gate's name) or "output" (a gate's output)
    pos: _Pos
    gate: str = ""  # for an output: the gate that produces it


class _Defs:
    """What each name is and where it was defined, for the error messages.

    A well-formed gate (the fast path) records only what the circuit needs: its
    output in ``index`` and its name in ``gate_names``. Everything else about it
    is looked up here, on the rare occasion that an error needs it, so a million
    gates do not cost a million records of positions.
    """

    def __init__(self, b: _Builder) -> None:
        self.b = b
        self.written: dict[str, _Def] = {}  # set by the path that explains errors

    def get(self, name: str) -> _Def | None:
        d = self.written.get(name)
        if d is not None:
            return d
        b = self.b
        i = b.index.get(name)
        if i is not None and b.kinds[i] == INPUT:
            return _Def("input", _Pos(*b.locations[name]))
        if i is not None and b.kinds[i] == GATE:
            g = b.producer(i)
            return _Def("output", _Pos(g.line, g.col), g.name)
        if name in b.gate_names:
            g = next(g for g in b.gates if g.name == name)
            return _Def("gate", _Pos(g.line, g.col))
        return None

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __getitem__(self, name: str) -> _Def:
        d = self.get(name)
        if d is None:
            raise KeyError(name)
        return d

    def __setitem__(self, name: str, d: _Def) -> None:
        self.written[name] = d


class _Builder:
    def __init__(self, r: _Reader) -> None:
        self.r = r
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.values: list[float] = []
        self.index: dict[str, int] = {}
        self.gate_names: set[str] = set()
        self.defs = _Defs(self)
        self.gates: list[Gate] = []
        self.locations: dict[str, tuple[int, int]] = {}
        self.inputs_added = False

    def producer(self, i: int) -> Gate:
        """The gate whose output is unit ``i`` (errors only: a linear search)."""
        return next(g for g in self.gates if g.out == i)

    def report(self, pos: _Pos, message: str, hint: str | None = None) -> None:
        self.r.report(pos, message, hint)

    def add_unit(self, name: str, kind: str, value: float) -> int:
        i = len(self.names)
        self.names.append(name)
        self.kinds.append(kind)
        self.values.append(value)
        self.index[name] = i
        return i

    # Only errors need these two; they are worked out on first use.

    def output_of_gate(self, name: str) -> str | None:
        """A gate's output name, from the gate (if built) or from its text."""
        for g in self.gates:
            if g.name == name:
                return self.names[g.out]
        raw = next((raw for raw in self.r.gates if raw.name == name), None)
        return _output_of(raw.text) if raw is not None else None

    def is_gate_name(self, name: str) -> bool:
        return name in self.gate_names or any(raw.name == name for raw in self.r.gates)

    @functools.cached_property
    def later_outputs(self) -> dict[str, int]:
        """Output name -> index of the first gate that names it."""
        found: dict[str, int] = {}
        for k, raw in enumerate(self.r.gates):
            out = _output_of(raw.text)
            if out is not None:
                found.setdefault(out, k)
        return found

    def expr_gates(self, ev: yaml.ScalarEvent, key: _Pos) -> None:
        """The formulas of `expr:`, compiled into gates as if written under `gates:`."""
        from .formulas import FormulaError, compile_formulas

        r = self.r
        if "gates" in r.seen_keys:
            self.report(key, "give `gates:` or `expr:`, not both",
                        "`bpcli expand` turns formulas into gates")  # fmt: skip
            return
        inputs = [n for n, k in zip(self.names, self.kinds) if k == INPUT]
        try:
            compiled = compile_formulas(ev.value, inputs)
        except FormulaError as err:
            self.report(self._formula_pos(ev, err.line, err.col), err.message, err.hint)
            return
        start = ev.start_mark.index
        for g in compiled:
            pos = self._formula_pos(ev, g.line, g.col)
            r.gates.append(_RawGate(g.name, pos, g.text, start, start, "=", pos.line, pos.col))

    def _formula_pos(self, ev: yaml.ScalarEvent, line: int, col: int) -> _Pos:
        """Where column ``col`` (0-based) of formula line ``line`` (1-based) is in the file."""
        mark = ev.start_mark
        if ev.style in ("|", ">"):  # a block: its lines follow the indicator's line
            raw = self.r.text[mark.index : ev.end_mark.index].split("\n")
            if line < len(raw):
                text = raw[line]
                return _Pos(mark.line + 1 + line, len(text) - len(text.lstrip()) + col + 1)
            return _Pos(mark.line + 1, mark.column + 1)
        if line == 1:
            return _Pos(mark.line + 1, mark.column + 1 + col + (1 if ev.style else 0))
        return _Pos(mark.line + 1, mark.column + 1)

    def known(self) -> list[str]:
        """The units a gate may use at this point (for did-you-mean)."""
        return [n for n, k in zip(self.names, self.kinds) if k != CONST]

    def add_inputs(self) -> None:
        """The inputs of ``units:``, once, before the first gate."""
        if self.inputs_added:
            return
        self.inputs_added = True
        index, locations = self.index, self.locations
        names, kinds, values = self.names, self.kinds, self.values
        for name, line, col, value in self.r.units:
            if name in index:
                self.report(
                    _Pos(line, col),
                    f"duplicate unit '{name}' (first given at line {locations[name][0]})",
                    "give each unit once",
                )
                continue
            locations[name] = (line, col)
            index[name] = len(names)  # add_unit, inlined: this runs once an input
            names.append(name)
            kinds.append(INPUT)
            values.append(value)

    def build(self) -> Circuit:
        r = self.r
        if "units" not in r.seen_keys:
            r.broken_keys.add("units")  # no unit is known: do not guess at names
            if "units" not in r.misspelt:  # else reported as an unknown key
                self.report(r.top, "missing required key 'units'", "add `units:` with the inputs")
        self.add_inputs()
        if "gates" not in r.seen_keys and "expr" not in r.seen_keys and "gates" not in r.misspelt:
            self.report(
                r.top, "missing required key 'gates'", "add `gates:`, e.g. `mulg0: mul(a, x) -> ax`"
            )
        if r.expr is not None:
            self.expr_gates(*r.expr)
        for k, raw in enumerate(r.gates):
            n_gates = len(self.gates)
            self.gate(k, raw)
            if len(self.gates) == n_gates:  # only with all_errors: avoid a cascade
                out = _output_of(raw.text)
                if out is not None and out not in self.defs:
                    r.broken.add(out)
        output = self.resolve_output()
        frozen = self.resolve_frozen()
        if r.problems:
            raise CircuitError(r.problems)
        return Circuit(
            self.names,
            self.kinds,
            self.values,
            self.gates,
            output,
            r.step_size,
            frozen,
            r.description,
            self.locations,
            self.index,
        )

    def plain_gate(self, name: str, text: str, line: int, col: int) -> bool:
        """The fast path: a well-formed gate, everything it reads defined, its names
        new. Builds it and returns True; else builds nothing and returns False."""
        m = _PLAIN_GATE.match(text)
        if m is None:
            return False
        op_name, a0, a1, out = m.groups()
        cls = GATE_CLASSES.get(op_name)
        if cls is None or (a1 is None) != (cls.arity == 1):
            return False
        index, gate_names, written, broken = (
            self.index, self.gate_names, self.defs.written, self.r.broken
        )  # fmt: skip
        if out == name or (written and (name in written or out in written)):
            return False
        if (broken and out in broken) or name in index or out in gate_names:
            return False
        x0 = x1 = 0.0
        if a0[0] in _NUMBER_START:
            i0, x0 = -1, float(a0)
        else:
            i0 = index.get(a0, -2)
        if a1 is None:
            i1 = i0
        elif a1[0] in _NUMBER_START:
            i1, x1 = -1, float(a1)
        else:
            i1 = index.get(a1, -2)
        if i0 == -2 or i1 == -2 or not (-math.inf < x0 < math.inf and -math.inf < x1 < math.inf):
            return False
        # The last two checks are the inserts themselves (a million gates make
        # big tables, where each lookup is a cache miss): a name already there
        # is not inserted again, and nothing else has been added yet.
        n_gates = len(gate_names)
        gate_names.add(name)
        if len(gate_names) == n_gates:
            return False
        i_out = len(self.names) + (i0 == -1) + (a1 is not None and i1 == -1)
        if index.setdefault(out, i_out) != i_out:
            gate_names.discard(name)
            return False
        if i0 == -1:
            i0 = self.add_unit(f"{name}.u0", CONST, x0)
            if a1 is None:
                i1 = i0
        if i1 == -1:
            i1 = self.add_unit(f"{name}.u1", CONST, x1)
        self.names.append(out)  # add_unit, inlined: this runs once a gate
        self.kinds.append(GATE)
        self.values.append(0.0)
        self.gates.append(cls(name, (i0, i1), i_out, line, col))
        return True

    def gate(self, k: int, raw: _RawGate) -> None:
        if self.plain_gate(raw.name, raw.text, raw.pos.line, raw.pos.col):
            return
        name, pos = raw.name, raw.pos
        d = self.defs.get(name)
        if d is not None:
            line = d.pos.line
            if d.kind == "input":
                msg = f"gate name '{name}' is already the name of input unit '{name}' (line {line})"
            elif d.kind == "gate":
                msg = f"duplicate gate '{name}' (first given at line {line})"
            else:
                msg = (
                    f"gate name '{name}' is already the name of the output of gate "
                    f"'{d.gate}' (line {line})"
                )
            self.report(pos, msg, "names are unique across units and gates: rename the gate")
            return
        self.defs[name] = _Def("gate", pos)
        parsed = self.split(raw)
        if parsed is None:
            return
        op, args, out, out_offset = parsed
        # Every argument is checked (with all_errors, each wrong one is reported).
        found = [
            self.argument(k, raw, slot, arg, offset) for slot, (arg, offset) in enumerate(args)
        ]
        arg_units = [i for i in found if i is not None]
        if len(arg_units) != len(found):
            return
        d = self.defs.get(out)
        if d is not None:
            if d.kind == "input":
                msg = f"gate '{name}' redefines input unit '{out}' (line {d.pos.line})"
                hint = "give the gate's output a new name"
            elif d.kind == "gate":
                msg = f"output '{out}' is already the name of gate '{out}' (line {d.pos.line})"
                hint = "names are unique across units and gates: give the output a new name"
            else:
                msg = f"'{out}' is already produced by gate '{d.gate}' (line {d.pos.line})"
                hint = "each unit is produced by at most one gate: give this output a new name"
            self.report(self.r.gate_pos(raw, out_offset), msg, hint)
            return
        if out in self.r.broken:
            return  # its earlier definition was reported already
        self.defs[out] = _Def("output", pos, name)
        i_out = self.add_unit(out, GATE, 0.0)
        self.gates.append(GATE_CLASSES[op.name](name, tuple(arg_units), i_out, pos.line, pos.col))

    def split(self, raw: _RawGate) -> tuple[Any, list[tuple[str, int]], str, int] | None:
        """`OP(ARG, ARG) -> OUT` into the op, the args with their offsets, the output."""
        text = raw.text
        at = self.r.gate_pos
        example = "write it as `OP(ARG, ARG) -> OUT`, e.g. `mul(a, x) -> ax`"
        lead = len(text) - len(text.lstrip())
        p = text.find("(")
        if p < 0:
            words = text.split("->")[0].split()
            msg = f"gate '{raw.name}': expected `OP(ARG, …) -> OUT`, found {_q(text.strip())}"
            if words and words[0] in OPS:
                hint = f"put the arguments in parentheses: `{words[0]}(ARG, …) -> OUT`"
            else:
                near = did_you_mean(words[0], OPS) if words else None
                hint = f"{example}; {near}" if near else example
            self.report(at(raw, lead), msg, hint)
            return None
        op_name = text[:p].strip()
        op = OPS.get(op_name)
        if op is None:
            if not op_name:
                self.report(
                    at(raw, p),
                    f"gate '{raw.name}': missing op before '('",
                    f"the ops are: {', '.join(OPS)}",
                )
            else:
                hint = did_you_mean(op_name, OPS) or f"the ops are: {', '.join(OPS)}"
                self.report(at(raw, lead), f"unknown op {_q(op_name)}", hint)
            return None
        q = text.find(")", p)
        inner_open = text.find("(", p + 1)
        if 0 <= inner_open < (q if q >= 0 else len(text)):
            self.report(
                at(raw, inner_open),
                f"gate '{raw.name}': nested calls are not allowed",
                "one gate per line: give the inner call its own gate and output",
            )
            return None
        if q < 0:
            self.report(at(raw, len(text.rstrip())), f"gate '{raw.name}': missing ')'", example)
            return None
        args: list[tuple[str, int]] = []
        start = p + 1
        for piece in text[p + 1 : q].split(","):
            stripped = piece.strip()
            offset = start + (len(piece) - len(piece.lstrip()) if stripped else 0)
            args.append((stripped, offset))
            start += len(piece) + 1
        if len(args) == 1 and not args[0][0]:
            args = []
        if len(args) != op.arity:
            want = "1 argument (u0)" if op.arity == 1 else "2 arguments (u0, u1)"
            self.report(
                at(raw, p),
                f"{op.name} takes {want}, got {len(args)}",
                f"for example `{op.name}({', '.join('ab'[: op.arity])}) -> out`",
            )
            return None
        for arg, offset in args:
            if not arg:
                self.report(at(raw, offset), f"gate '{raw.name}': empty argument")
                return None
        rest = text[q + 1 :]
        m = re.match(r"\s*->\s*(\S+)\s*\Z", rest)
        if m and NAME_RE.match(m.group(1)):
            return op, args, m.group(1), q + 1 + m.start(1)
        m = re.match(r"\s*->\s*(.*?)\s*\Z", rest, re.S)
        if m and m.group(1):
            out = m.group(1)
            self.report(
                at(raw, q + 1 + m.start(1)),
                f"invalid output name {_q(out)}: {NAME_RULE}",
                _name_hint(out),
            )
            return None
        where = q + 1 + (len(rest) - len(rest.lstrip()) if rest.strip() else 0)
        hint = example
        if "→" in rest:
            hint = "write the arrow as '->'"
        self.report(at(raw, where), f"gate '{raw.name}': expected '-> OUT' after ')'", hint)
        return None

    def argument(self, k: int, raw: _RawGate, slot: int, arg: str, offset: int) -> int | None:
        r = self.r
        if arg[0] in "+-.0123456789":
            x = parse_number(arg)
            if isinstance(x, str):
                self.report(self.r.gate_pos(raw, offset), f"gate '{raw.name}': argument {x}")
                return None
            return self.add_unit(f"{raw.name}.u{slot}", CONST, x)
        if arg in r.broken:
            return None  # its definition was reported already
        if not NAME_RE.match(arg):
            self.report(
                self.r.gate_pos(raw, offset),
                f"invalid name {_q(arg)}: {NAME_RULE}",
                _name_hint(arg),
            )
            return None
        d = self.defs.get(arg)
        if d is not None and d.kind != "gate":
            return self.index[arg]
        if self.is_gate_name(arg):
            out = self.output_of_gate(arg)
            hint = f"use its output {_q(out)}" if out else "use the gate's output"
            self.report(
                self.r.gate_pos(raw, offset),
                f"'{arg}' is a gate, not a unit",
                hint + " (the name after '->')",
            )
            return None
        first = self.later_outputs.get(arg)
        if first is not None and first == k:
            self.report(
                self.r.gate_pos(raw, offset),
                f"'{arg}' is the output of this very gate '{raw.name}'",
                "a gate cannot read its own output",
            )
            return None
        if first is not None and first > k:
            line = r.gates[first].pos.line
            self.report(
                self.r.gate_pos(raw, offset),
                f"'{arg}' is used before it is defined (line {line})",
                f"the file order is the evaluation order: move this gate below line {line}",
            )
            return None
        if "units" in r.broken_keys:
            return None  # the units could not be read: no point guessing
        self.report(
            self.r.gate_pos(raw, offset),
            f"unknown unit '{arg}'",
            did_you_mean(arg, self.known()) or "define it under `units:` or as a gate output",
        )
        return None

    def resolve_output(self) -> int:
        r = self.r
        if r.output is None:
            if self.gates:
                return self.gates[-1].out
            if not r.gate_entries and "gates" in r.seen_keys and "gates" not in r.broken_keys:
                self.report(
                    r.seen_keys["gates"],
                    "'gates' has no gates",
                    "add at least one `NAME: OP(ARG, ARG) -> OUT`",
                )
            return 0
        name, pos = r.output
        d = self.defs.get(name)
        if d is not None and d.kind != "gate":
            return self.index[name]
        if name in r.broken or (d is None and "units" in r.broken_keys):
            return 0  # reported already
        if self.is_gate_name(name):
            out = self.output_of_gate(name)
            self.report(
                pos,
                f"output '{name}' is a gate, not a unit",
                f"name its output {_q(out)}" if out else "name the gate's output",
            )
        else:
            self.report(
                pos,
                f"output '{name}' is not a unit of this circuit",
                did_you_mean(name, self.known()) or "name an input or a gate output",
            )
        return 0

    def resolve_frozen(self) -> set[int]:
        frozen: set[int] = set()
        inputs = [n for n, k in zip(self.names, self.kinds) if k == INPUT]
        for name, pos in self.r.frozen:
            d = self.defs.get(name)
            if d is None or d.kind == "gate":
                if name in self.r.broken or "units" in self.r.broken_keys:
                    continue  # reported already
                self.report(
                    pos,
                    f"frozen unit '{name}' is not an input unit",
                    did_you_mean(name, inputs) or "list input units only",
                )
            elif d.kind != "input":
                self.report(
                    pos,
                    f"frozen unit '{name}' is a gate output; only inputs are updated",
                    "list input units only",
                )
            elif self.index[name] in frozen:
                self.report(pos, f"'{name}' is listed twice in 'frozen'", "list each unit once")
            else:
                frozen.add(self.index[name])
        return frozen


def _text_position(text: str, index: int) -> tuple[int, int]:
    p = _Source(text).pos(index)
    return p.line, p.col


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM) to text; bad bytes are reported at their line."""
    bom = b"\xef\xbb\xbf"
    body = data[len(bom) :] if data.startswith(bom) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = body[: exc.start].decode("utf-8")  # everything before is valid
        line, col = _text_position(good, len(good))
        bad = body[exc.start : exc.end].hex(" ")
        hint = "save the file as UTF-8"
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint = "this looks like UTF-16: save the file as UTF-8"
        raise CircuitError.at(
            line, col, f"the file is not valid UTF-8 (bytes {bad})", hint
        ) from None


def _check_characters(text: str) -> None:
    """Refuse what YAML refuses (NUL, controls, lone surrogates), at its position."""
    m = _BAD_CHAR.search(text)
    if m is None:
        return
    ch = m.group()
    line, col = _text_position(text, m.start())
    code = f"U+{ord(ch):04X}"
    if "\ud800" <= ch <= "\udfff":
        raise CircuitError.at(line, col, f"lone surrogate {code}: the text is not valid Unicode")
    if ch == "\0":
        raise CircuitError.at(
            line,
            col,
            f"NUL character ({code}) in the file",
            "is this a binary or a UTF-16 file? save it as UTF-8 text",
        )
    if ch in "\ufffe\uffff":
        raise CircuitError.at(line, col, f"character {code} is not allowed (a noncharacter)")
    raise CircuitError.at(
        line,
        col,
        f"control character {code} is not allowed",
        "remove it; only tab, line breaks and printable text are allowed",
    )


def parse(source: bytes | str, *, all_errors: bool = False) -> Circuit:
    """Parse a circuit file's bytes (or text) into a ready-to-run Circuit.

    Raises CircuitError with the first problem, or with every problem found when
    ``all_errors`` is true.
    """
    text = decode(source) if isinstance(source, bytes) else source
    if text.startswith("\ufeff"):
        text = text[1:]
    if isinstance(source, str) or not _LIBYAML:
        # libyaml refuses the same characters itself (see _reader_error), and
        # text decoded from bytes holds no lone surrogates.
        _check_characters(text)
    reader = _Reader(text, all_errors)
    reader.builder = builder = _Builder(reader)
    try:
        reader.read()
        return builder.build()
    except CircuitError as err:
        if all_errors:  # list them in file order
            err.problems.sort(key=lambda p: (p.line, p.col))
        raise
    finally:  # no reference cycles left behind: refcounting alone frees the rest
        reader.builder = None
        del builder.defs
