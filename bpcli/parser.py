"""Circuit files (SPEC §2) into a ``Circuit``, keeping every source location.

The YAML is read as a stream of events from PyYAML's C parser (the pure-Python
parser where libyaml is missing), never composed into a tree and never
constructed into Python objects: bpcli types every scalar itself, so keys are
always names (a unit called ``no`` is not a boolean), numbers are what people
write (``1e-3``), and no tag, anchor or alias is ever honoured. The walk keeps
its own small stack, so any nesting depth gives an error, not a crash.

Every error is a ``Problem`` with a 1-based line and column.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import yaml

from .engine import CONST, GATE, INPUT, Circuit, Gate, Gate1, Gate2
from .errors import CircuitError, Problem, did_you_mean
from .gates import OPS

_Parser: Any = getattr(yaml, "CBaseLoader", None) or yaml.BaseLoader

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
NUMBER_RE = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_BOOLEANS = {"true", "false", "yes", "no", "on", "off", "y", "n"}
_NONFINITE = {".nan", ".inf", "+.inf", "-.inf", "nan", "inf", "+inf", "-inf", "infinity"}
_NULLS = {"", "~", "null"}

TOP_KEYS = ("description", "units", "gates", "expr", "output", "step_size", "frozen")
DEFAULT_STEP_SIZE = 0.01
NAME_RULE = "a name is letters, digits and '_', and does not start with a digit"


def parse_number(text: str) -> float | str:
    """A number as a person writes it, or the reason it is not one."""
    t = text.strip()
    if t.lower() in _NULLS:
        return "no value given"
    if t.lower() in _BOOLEANS:
        return f"'{t}' is a boolean, not a number"
    if t.lower() in _NONFINITE:
        return f"'{t}' is not a finite number"
    if not NUMBER_RE.match(t):
        return f"'{t}' is not a number"
    x = float(t)
    if not math.isfinite(x):
        return f"'{t}' is too large: it overflows to infinity"
    return x


class _Pos(NamedTuple):
    line: int
    col: int


class _RawGate(NamedTuple):
    name: str
    pos: _Pos
    text: str
    text_pos: _Pos  # where the value scalar's text starts
    quoted: bool


def _pos(mark: Any) -> _Pos:
    return _Pos(mark.line + 1, mark.column + 1)


def _kind_of(ev: yaml.Event) -> str:
    if isinstance(ev, yaml.MappingStartEvent):
        return "a mapping"
    if isinstance(ev, yaml.SequenceStartEvent):
        return "a list"
    if isinstance(ev, yaml.ScalarEvent):
        return "a string" if ev.style else f"'{ev.value}'"
    return "nothing"


class _Reader:
    """Walks the YAML events of one document, reporting problems."""

    def __init__(self, text: str, all_errors: bool) -> None:
        self.text = text
        self.all_errors = all_errors
        self.problems: list[Problem] = []
        self._p = _Parser(text)
        # Collected from the document:
        self.units: list[tuple[str, _Pos, float, tuple[int, int]]] = []
        self.gates: list[_RawGate] = []
        self.output: tuple[str, _Pos] | None = None
        self.frozen: list[tuple[str, _Pos]] = []
        self.step_size = DEFAULT_STEP_SIZE
        self.description: str | None = None
        self.seen_keys: dict[str, _Pos] = {}

    # -- reporting ------------------------------------------------------------

    def report(self, pos: _Pos, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(pos.line, pos.col, message, hint))
        if not self.all_errors:
            raise CircuitError(self.problems)

    # -- events ---------------------------------------------------------------

    def next(self) -> yaml.Event:
        try:
            ev = self._p.get_event()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = _pos(mark) if mark else _Pos(1, 1)
            msg = exc.problem or exc.context or "invalid YAML"
            ctx = f" ({exc.context})" if exc.context and exc.problem else ""
            raise CircuitError(
                [*self.problems, Problem(pos.line, pos.col, f"invalid YAML: {msg}{ctx}")]
            ) from None
        except yaml.YAMLError as exc:  # e.g. the reader's "unacceptable character"
            raise CircuitError(self.problems + [self._reader_problem(exc)]) from None
        if isinstance(ev, yaml.AliasEvent):
            self._fatal(
                _pos(ev.start_mark),
                f"aliases (*{ev.anchor}) are not allowed",
                "write each value out; bpcli refuses anchors and aliases",
            )
        anchor = getattr(ev, "anchor", None)
        if anchor is not None:
            self._fatal(
                _pos(ev.start_mark),
                f"anchors (&{anchor}) are not allowed",
                "write each value out; bpcli refuses anchors and aliases",
            )
        tag = getattr(ev, "tag", None)
        if tag is not None and not isinstance(ev, yaml.DocumentStartEvent):
            self._fatal(
                _pos(ev.start_mark),
                f"tags ({tag}) are not allowed",
                "bpcli reads plain names and numbers; remove the tag",
            )
        return ev

    def _fatal(self, pos: _Pos, message: str, hint: str | None = None) -> None:
        raise CircuitError([*self.problems, Problem(pos.line, pos.col, message, hint)])

    def _reader_problem(self, exc: yaml.YAMLError) -> Problem:
        position = getattr(exc, "position", None)
        if isinstance(position, int):
            line = self.text.count("\n", 0, position) + 1
            col = position - (self.text.rfind("\n", 0, position) + 1) + 1
            return Problem(line, col, f"invalid character: {exc}")
        return Problem(1, 1, f"invalid YAML: {exc}")

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
        ev = self.next()
        if isinstance(ev, yaml.StreamEndEvent):
            self._fatal(_Pos(1, 1), "the file is empty", "a circuit needs `units:` and `gates:`")
        ev = self.next()  # DocumentStart -> first node
        if isinstance(ev, yaml.ScalarEvent) and ev.value == "" and not ev.style:
            self._fatal(_pos(ev.start_mark), "the file is empty",
                        "a circuit needs `units:` and `gates:`")  # fmt: skip
        if not isinstance(ev, yaml.MappingStartEvent):
            self._fatal(
                _pos(ev.start_mark),
                f"the top level must be a mapping of keys (units:, gates:, …), "
                f"found {_kind_of(ev)}",
            )
        self.top = _pos(ev.start_mark)
        while True:
            ev = self.next()
            if isinstance(ev, yaml.MappingEndEvent):
                break
            self.top_key(ev)
        self.next()  # DocumentEnd
        ev = self.next()
        if not isinstance(ev, yaml.StreamEndEvent):
            self._fatal(_pos(ev.start_mark), "a circuit file holds one YAML document, found more",
                        "remove the second '---' and what follows it")  # fmt: skip

    def key_name(self, ev: yaml.Event, what: str) -> str | None:
        """A mapping key that must be a name; None (reported, value skipped) otherwise."""
        if not isinstance(ev, yaml.ScalarEvent):
            self.report(_pos(ev.start_mark), f"{what} must be a name, found {_kind_of(ev)}")
            self.skip(ev)
            self.skip(self.next())
            return None
        if not NAME_RE.match(ev.value):
            self.report(_pos(ev.start_mark), f"invalid name '{ev.value}': {NAME_RULE}")
            self.skip(self.next())
            return None
        return ev.value

    def top_key(self, ev: yaml.Event) -> None:
        key = self.key_name(ev, "a top-level key")
        if key is None:
            return
        pos = _pos(ev.start_mark)
        value = self.next()
        if key not in TOP_KEYS:
            self.report(pos, f"unknown key '{key}'",
                        did_you_mean(key, TOP_KEYS) or f"the keys are: {', '.join(TOP_KEYS)}")  # fmt: skip
            self.skip(value)
            return
        if key in self.seen_keys:
            first = self.seen_keys[key]
            self.report(pos, f"duplicate key '{key}' (first given at line {first.line})")
            self.skip(value)
            return
        self.seen_keys[key] = pos
        getattr(self, f"read_{key}")(pos, value)

    def mapping(self, key: str, pos: _Pos, ev: yaml.Event, example: str) -> bool:
        if isinstance(ev, yaml.MappingStartEvent):
            return True
        if isinstance(ev, yaml.ScalarEvent) and ev.value == "" and not ev.style:
            self.report(pos, f"'{key}' is empty", f"write it as a mapping: {example}")
        else:
            hint = f"write it as a mapping: {example}"
            if isinstance(ev, yaml.SequenceStartEvent):
                hint += " (one per line, no '- ')"
            self.report(_pos(ev.start_mark), f"'{key}' must be a mapping, found {_kind_of(ev)}",
                        hint)  # fmt: skip
        self.skip(ev)
        return False

    def number(self, ev: yaml.Event, what: str) -> float | None:
        if not isinstance(ev, yaml.ScalarEvent):
            self.report(_pos(ev.start_mark), f"{what} must be a number, found {_kind_of(ev)}")
            self.skip(ev)
            return None
        if ev.style:
            self.report(_pos(ev.start_mark),
                        f"{what} must be a number, found the string {ev.value!r}",
                        "remove the quotes")  # fmt: skip
            return None
        x = parse_number(ev.value)
        if isinstance(x, str):
            self.report(_pos(ev.start_mark), f"{what}: {x}")
            return None
        return x

    def scalar(self, ev: yaml.Event, what: str) -> str | None:
        if not isinstance(ev, yaml.ScalarEvent):
            self.report(_pos(ev.start_mark), f"{what} must be a name, found {_kind_of(ev)}")
            self.skip(ev)
            return None
        return ev.value

    # -- the keys -----------------------------------------------------------------

    def read_description(self, pos: _Pos, ev: yaml.Event) -> None:
        if not isinstance(ev, yaml.ScalarEvent):
            self.report(_pos(ev.start_mark), f"'description' must be text, found {_kind_of(ev)}")
            self.skip(ev)
            return
        self.description = ev.value

    def read_units(self, pos: _Pos, ev: yaml.Event) -> None:
        if not self.mapping("units", pos, ev, "`a: 1.0`, one unit per line"):
            return
        while True:
            ev = self.next()
            if isinstance(ev, yaml.MappingEndEvent):
                return
            name = self.key_name(ev, "a unit name")
            if name is None:
                continue
            value = self.next()
            x = self.number(value, f"unit '{name}'")
            if x is not None:
                span = (value.start_mark.index, value.end_mark.index)
                self.units.append((name, _pos(ev.start_mark), x, span))

    def read_gates(self, pos: _Pos, ev: yaml.Event) -> None:
        if not self.mapping("gates", pos, ev, "`mulg0: mul(a, x) -> ax`"):
            return
        while True:
            ev = self.next()
            if isinstance(ev, yaml.MappingEndEvent):
                return
            name = self.key_name(ev, "a gate name")
            if name is None:
                continue
            value = self.next()
            if not isinstance(value, yaml.ScalarEvent) or (not value.style and not value.value):
                self.report(_pos(value.start_mark),
                            f"gate '{name}' must be `OP(ARG, ARG) -> OUT`, found {_kind_of(value)}",
                            "for example `mulg0: mul(a, x) -> ax`")  # fmt: skip
                self.skip(value)
                continue
            self.gates.append(_RawGate(name, _pos(ev.start_mark), value.value,
                                       _pos(value.start_mark), bool(value.style)))  # fmt: skip

    def read_expr(self, pos: _Pos, ev: yaml.Event) -> None:
        self.report(pos, "'expr:' formulas are not supported by this version of bpcli",
                    "write the circuit as `gates:`, one `NAME: OP(ARG, ARG) -> OUT` a line")  # fmt: skip
        self.skip(ev)

    def read_output(self, pos: _Pos, ev: yaml.Event) -> None:
        name = self.scalar(ev, "'output'")
        if name is not None:
            self.output = (name, _pos(ev.start_mark))

    def read_step_size(self, pos: _Pos, ev: yaml.Event) -> None:
        x = self.number(ev, "'step_size'")
        if x is not None:
            self.step_size = x

    def read_frozen(self, pos: _Pos, ev: yaml.Event) -> None:
        if not isinstance(ev, yaml.SequenceStartEvent):
            if isinstance(ev, yaml.ScalarEvent) and ev.value and not ev.style:
                hint = f"write it as a list: `frozen: [{ev.value}]`"
            else:
                hint = "write it as a list: `frozen: [a, b]`"
            self.report(_pos(ev.start_mark), f"'frozen' must be a list of input units, "
                        f"found {_kind_of(ev)}", hint)  # fmt: skip
            self.skip(ev)
            return
        while True:
            ev = self.next()
            if isinstance(ev, yaml.SequenceEndEvent):
                return
            name = self.scalar(ev, "an entry of 'frozen'")
            if name is not None:
                self.frozen.append((name, _pos(ev.start_mark)))


# -- from the collected document to a Circuit ---------------------------------------


class _Builder:
    def __init__(self, r: _Reader) -> None:
        self.r = r
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.values: list[float] = []
        self.index: dict[str, int] = {}
        self.where: dict[str, tuple[str, _Pos]] = {}  # name -> (what it is, where defined)
        self.gates: list[Gate] = []
        self.locations: dict[str, tuple[int, int]] = {}

    def report(self, pos: _Pos, message: str, hint: str | None = None) -> None:
        self.r.report(pos, message, hint)

    def add_unit(self, name: str, kind: str, value: float) -> int:
        i = len(self.names)
        self.names.append(name)
        self.kinds.append(kind)
        self.values.append(value)
        self.index[name] = i
        return i

    def build(self) -> Circuit:
        r = self.r
        top = getattr(r, "top", _Pos(1, 1))
        if "units" not in r.seen_keys:
            self.report(top, "missing required key 'units'", "add `units:` with the inputs")
        if "gates" not in r.seen_keys and "expr" not in r.seen_keys:
            self.report(top, "missing required key 'gates'",
                        "add `gates:`, e.g. `mulg0: mul(a, x) -> ax`")  # fmt: skip
        for name, pos, value, _span in r.units:
            if name in self.where:
                first = self.where[name][1]
                self.report(pos, f"duplicate unit '{name}' (first given at line {first.line})")
                continue
            self.where[name] = ("input unit", pos)
            self.locations[name] = (pos.line, pos.col)
            self.add_unit(name, INPUT, value)
        self.later_outputs = self._outputs_by_name()
        for k, raw in enumerate(r.gates):
            n_problems = len(r.problems)
            self.gate(k, raw)
            if len(r.problems) > n_problems:  # only with all_errors: avoid a cascade
                out = raw.text.rpartition("->")[2].strip()
                if NAME_RE.match(out) and out not in self.where:
                    self.where[out] = ("broken gate", raw.pos)
        output = self.resolve_output()
        frozen = self.resolve_frozen()
        if r.problems:
            raise CircuitError(r.problems)
        return Circuit(
            self.names, self.kinds, self.values, self.gates, output, r.step_size,
            frozen, r.description, self.locations,
        )  # fmt: skip

    def _outputs_by_name(self) -> dict[str, list[tuple[int, _Pos]]]:
        """Where each name is a gate output, for 'used before defined' messages."""
        found: dict[str, list[tuple[int, _Pos]]] = {}
        for k, raw in enumerate(self.r.gates):
            out = raw.text.rpartition("->")[2].strip()
            if out:
                found.setdefault(out, []).append((k, raw.pos))
        return found

    def gate(self, k: int, raw: _RawGate) -> None:
        name, pos = raw.name, raw.pos
        if name in self.where:
            what, first = self.where[name]
            self.report(pos, f"gate name '{name}' is already the name of {what} '{name}' "
                        f"(line {first.line})", "names are unique across units and gates")  # fmt: skip
            return
        self.where[name] = ("gate", pos)
        parsed = self.split(raw)
        if parsed is None:
            return
        op, args, out, out_col = parsed
        arg_units: list[int] = []
        for slot, (arg, col) in enumerate(args):
            i = self.argument(k, raw, slot, arg, col)
            if i is None:
                return
            arg_units.append(i)
        out_pos = self.col_pos(raw, out_col)
        if not NAME_RE.match(out):
            self.report(out_pos, f"invalid output name '{out}': {NAME_RULE}")
            return
        if out in self.where:
            what, first = self.where[out]
            if what == "input unit":
                msg = f"gate '{name}' redefines input unit '{out}' (line {first.line})"
                hint = "give the gate's output a new name"
            elif what == "gate":
                msg = f"output '{out}' is already the name of gate '{out}' (line {first.line})"
                hint = "names are unique across units and gates"
            else:
                msg = f"'{out}' is already produced by {what} (line {first.line})"
                hint = "each unit is produced by at most one gate: give this output a new name"
            self.report(out_pos, msg, hint)
            return
        self.where[out] = (f"gate '{name}'", pos)
        i_out = self.add_unit(out, GATE, 0.0)
        self.locations[out] = (pos.line, pos.col)
        self.locations[name] = (pos.line, pos.col)
        cls = Gate2 if op.arity == 2 else Gate1
        self.gates.append(cls(name, op, tuple(arg_units), i_out, pos.line, pos.col))

    def col_pos(self, raw: _RawGate, offset: int) -> _Pos:
        return _Pos(raw.text_pos.line, raw.text_pos.col + offset + (1 if raw.quoted else 0))

    def split(self, raw: _RawGate) -> tuple[Any, list[tuple[str, int]], str, int] | None:
        """`OP(ARG, ARG) -> OUT` into the op, the args with their columns, the output."""
        text = raw.text
        example = "write it as `OP(ARG, ARG) -> OUT`, e.g. `mul(a, x) -> ax`"
        p = text.find("(")
        if p < 0:
            word = text.split("->")[0].strip()
            msg = f"gate '{raw.name}': expected `OP(ARG, …) -> OUT`, found {text!r}"
            hint = did_you_mean(word.split()[0] if word else word, OPS)
            self.report(self.col_pos(raw, 0), msg, f"{example}; {hint}" if hint else example)
            return None
        op_name = text[:p].strip()
        op_col = len(text) - len(text.lstrip())
        op = OPS.get(op_name)
        if op is None:
            if not op_name:
                self.report(self.col_pos(raw, p), f"gate '{raw.name}': missing op before '('",
                            f"the ops are: {', '.join(OPS)}")  # fmt: skip
            else:
                hint = did_you_mean(op_name, OPS) or f"the ops are: {', '.join(OPS)}"
                self.report(self.col_pos(raw, op_col), f"unknown op '{op_name}'", hint)
            return None
        q = text.find(")", p)
        inner_open = text.find("(", p + 1)
        if 0 <= inner_open < (q if q >= 0 else len(text)):
            self.report(self.col_pos(raw, inner_open),
                        f"gate '{raw.name}': nested calls are not allowed",
                        "one gate per line: give the inner call its own gate and output")  # fmt: skip
            return None
        if q < 0:
            self.report(self.col_pos(raw, len(text.rstrip())), f"gate '{raw.name}': missing ')'",
                        example)  # fmt: skip
            return None
        args: list[tuple[str, int]] = []
        start = p + 1
        for piece in text[p + 1 : q].split(","):
            stripped = piece.strip()
            col = start + (len(piece) - len(piece.lstrip()) if stripped else 0)
            args.append((stripped, col))
            start += len(piece) + 1
        if len(args) == 1 and not args[0][0]:
            args = []
        if len(args) != op.arity:
            want = "1 argument (u0)" if op.arity == 1 else "2 arguments (u0, u1)"
            self.report(self.col_pos(raw, p),
                        f"{op.name} takes {want}, got {len(args)}",
                        f"for example `{op.name}({', '.join('ab'[: op.arity])}) -> out`")  # fmt: skip
            return None
        for arg, col in args:
            if not arg:
                self.report(self.col_pos(raw, col), f"gate '{raw.name}': empty argument")
                return None
        rest = text[q + 1 :]
        m = re.match(r"\s*->\s*(\S+)\s*\Z", rest)
        if not m:
            r2 = re.match(r"\s*->\s*(.*?)\s*\Z", rest)
            if r2 and r2.group(1):
                out = r2.group(1)
                self.report(self.col_pos(raw, q + 1 + r2.start(1)),
                            f"invalid output name '{out}': {NAME_RULE}")  # fmt: skip
                return None
            where = q + 1 + (len(rest) - len(rest.lstrip()) if rest.strip() else 0)
            self.report(self.col_pos(raw, where),
                        f"gate '{raw.name}': expected '-> OUT' after ')'", example)  # fmt: skip
            return None
        return op, args, m.group(1), q + 1 + m.start(1)

    def argument(self, k: int, raw: _RawGate, slot: int, arg: str, col: int) -> int | None:
        pos = self.col_pos(raw, col)
        if arg[0] in "+-.0123456789":
            x = parse_number(arg)
            if isinstance(x, str):
                self.report(pos, f"gate '{raw.name}': argument {x}")
                return None
            return self.add_unit(f"{raw.name}.u{slot}", CONST, x)
        if not NAME_RE.match(arg):
            self.report(pos, f"invalid name '{arg}': {NAME_RULE}")
            return None
        i = self.index.get(arg)
        if i is not None:
            return i
        what = self.where.get(arg)
        if what is not None and what[0] == "broken gate":
            return None  # already reported
        if what is not None and what[0] == "gate":
            self.report(pos, f"'{arg}' is a gate, not a unit",
                        "use the gate's output (the name after '->')")  # fmt: skip
            return None
        later = [(j, p) for j, p in self.later_outputs.get(arg, ()) if j >= k]
        if later:
            line = later[0][1].line
            self.report(pos, f"'{arg}' is used before it is defined (line {line})",
                        "the file order is the evaluation order: move this gate below "
                        f"line {line}")  # fmt: skip
            return None
        self.report(pos, f"unknown unit '{arg}'",
                    did_you_mean(arg, self.index) or "define it under `units:` or as a gate output")  # fmt: skip
        return None

    def resolve_output(self) -> int:
        r = self.r
        if r.output is None:
            if not self.gates:
                if r.gates or "gates" not in r.seen_keys:
                    return 0
                self.report(r.seen_keys["gates"], "'gates' has no gates",
                            "add at least one `NAME: OP(ARG, ARG) -> OUT`")  # fmt: skip
                return 0
            return self.gates[-1].out
        name, pos = r.output
        i = self.index.get(name)
        if i is not None and self.kinds[i] != CONST:
            return i
        if name in self.where and self.where[name][0] == "gate":
            self.report(pos, f"output '{name}' is a gate, not a unit",
                        "name the gate's output (the name after '->')")  # fmt: skip
        else:
            self.report(pos, f"output '{name}' is not a unit of this circuit",
                        did_you_mean(name, self.index) or "name an input or a gate output")  # fmt: skip
        return 0

    def resolve_frozen(self) -> set[int]:
        frozen: set[int] = set()
        for name, pos in self.r.frozen:
            i = self.index.get(name)
            if i is None:
                self.report(pos, f"frozen unit '{name}' is not an input unit",
                            did_you_mean(name, [n for n, k in zip(self.names, self.kinds)
                                                if k == INPUT]))  # fmt: skip
            elif self.kinds[i] != INPUT:
                self.report(pos, f"frozen unit '{name}' is a gate output; only inputs are updated")
            elif i in frozen:
                self.report(pos, f"'{name}' is listed twice in 'frozen'")
            else:
                frozen.add(i)
        return frozen


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM) to text; bad bytes are reported at their line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        col = len(data[line_start:start].decode("utf-8", "replace")) + 1
        bad = data[start : exc.end].hex(" ")
        raise CircuitError.at(line, col, f"the file is not valid UTF-8 (bytes {bad})",
                              "save the file as UTF-8") from None  # fmt: skip


def parse(source: bytes | str, *, all_errors: bool = False) -> Circuit:
    """Parse a circuit file's bytes (or text) into a ready-to-run Circuit.

    Raises CircuitError with the first problem, or with every problem found when
    ``all_errors`` is true.
    """
    if isinstance(source, bytes):
        text = decode(source)
    else:
        text = source
        m = re.search("[\ud800-\udfff]", text)
        if m is not None:
            bad = m.start()
            line = text.count("\n", 0, bad) + 1
            col = bad - (text.rfind("\n", 0, bad) + 1) + 1
            raise CircuitError.at(line, col, "the text holds a lone surrogate, not valid Unicode")
    reader = _Reader(text, all_errors)
    reader.read()
    return _Builder(reader).build()
