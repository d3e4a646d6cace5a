"""The circuit file's shape (SPEC §2): its top-level keys and what each holds.

``Document.read`` walks the events once, in file order. It checks each key and
the kind of each value, collects ``units``, ``output``, ``frozen``,
``step_size``, ``description`` and ``expr``, and hands every well-formed
``gates`` entry to the builder as it is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from ..core.errors import did_you_mean
from ..i18n import N_, _
from ..i18n.safe_text import normal
from .events import Events, MappingEnd, MappingStart, Scalar, SequenceEnd, SequenceStart
from .problems import Problems
from .text import Pos, Source
from .values import NUMBER_RE, invalid_name, is_name, name_hint, parse_number, quoted

if TYPE_CHECKING:
    from .builder import Builder

TOP_KEYS = ("description", "units", "gates", "expr", "output", "step_size", "frozen")
REQUIRED = ("units", "gates")
DEFAULT_STEP_SIZE = 0.01
NO_CIRCUIT_HINT = N_("a circuit needs `units:` and `gates:`")
GATE_EXAMPLE = N_("for example `mulg0: mul(a, x) -> ax`")


def kind_of(ev: yaml.Event) -> str:
    """What a value is, for a message that says what was found instead."""
    if isinstance(ev, MappingStart):
        return _("a mapping")
    if isinstance(ev, SequenceStart):
        return _("a list")
    if isinstance(ev, Scalar):
        if ev.style in ("|", ">"):
            return _("a block of text")
        if ev.style:
            return _("the string {text}").format(text=quoted(ev.value))
        return quoted(ev.value) if ev.value else _("nothing")
    return _("nothing")


def is_empty(ev: yaml.Event) -> bool:
    return isinstance(ev, Scalar) and not ev.style and not ev.value


class Document:
    """What one circuit file says, read from its events."""

    def __init__(self, src: Source, problems: Problems, events: Events, builder: Builder) -> None:
        self.src = src
        self.events = events
        self.report = problems.report
        self.fatal = problems.fatal
        self.builder = builder
        self.top = Pos(1, 1)
        self.seen_keys: dict[str, Pos] = {}
        self.misspelt: dict[str, Pos] = {}  # a required key, given under a near-miss name
        self.units: list[tuple[str, int, int, float]] = []  # name, line, col, value
        self.gate_entries = 0  # gates given, right or wrong
        self.output: tuple[str, Pos] | None = None
        self.frozen: list[tuple[str, Pos]] = []
        self.step_size = DEFAULT_STEP_SIZE
        self.description: str | None = None
        self.expr: tuple[Any, Pos] | None = None  # the formulas' scalar event, the key
        self.broken = builder.broken  # names whose definition was wrong
        self.broken_keys = builder.broken_keys  # top-level keys whose value was wrong

    def read(self) -> None:
        next_event, at = self.events.next, self.src.at
        next_event()  # StreamStart
        ev = next_event()  # DocumentStart, or StreamEnd for a file of comments
        if isinstance(ev, yaml.StreamEndEvent):
            if self.src.text.strip():
                what = _("the file has only comments: no circuit")
            else:
                what = _("the file is empty: no circuit")
            raise self.fatal(Pos(1, 1), what, _(NO_CIRCUIT_HINT))
        ev = next_event()  # the document's top node
        if is_empty(ev):
            raise self.fatal(
                at(ev.start_mark), _("the document is empty: no circuit"), _(NO_CIRCUIT_HINT)
            )
        if not isinstance(ev, MappingStart):
            raise self.fatal(
                at(ev.start_mark),
                _(
                    "the top level must be a mapping of keys (units:, gates:, …), found {kind}"
                ).format(kind=kind_of(ev)),
                _("start with `units:` on a line of its own"),
            )
        self.top = at(ev.start_mark)
        while True:
            ev = next_event()
            if isinstance(ev, MappingEnd):
                break
            self.top_key(ev)
        next_event()  # DocumentEnd
        ev = next_event()
        if not isinstance(ev, yaml.StreamEndEvent):
            raise self.fatal(
                at(ev.start_mark),
                _("a circuit file holds one YAML document, found more"),
                _("remove the second '---' and what follows it"),
            )

    def key_name(self, ev: yaml.Event, what: str) -> str | None:
        """A mapping key that must be a name; None (reported, value skipped) otherwise."""
        if isinstance(ev, Scalar) and is_name(ev.value):
            return normal(ev.value)
        self.bad_key(ev, None, what)
        return None

    def bad_key(self, key: yaml.Event, value: yaml.Event | None, what: str) -> None:
        """Report a key that is not a name (``what``: whose key, marked ``N_``), and
        skip its entry; ``value`` is its value if that was read already."""
        if isinstance(key, Scalar):
            self.broken.add(key.value)
            self.invalid_name(key)
        else:
            message = _("{what} must be a name, found {kind}")
            self.report(
                self.src.at(key.start_mark), message.format(what=_(what), kind=kind_of(key))
            )
            self.events.skip(key)
        self.events.skip(self.events.next() if value is None else value)

    def invalid_name(self, ev: Any, what: str = "") -> None:
        self.report(
            self.src.at(ev.start_mark),
            f"{what}{invalid_name(ev.value)}",
            name_hint(ev.value),
        )

    def top_key(self, ev: yaml.Event) -> None:
        pos = self.src.at(ev.start_mark)
        if isinstance(ev, Scalar) and ev.value not in TOP_KEYS:
            key = ev.value
            hint = did_you_mean(key, TOP_KEYS) or did_you_mean(key.replace("-", "_"), TOP_KEYS)
            for required in REQUIRED:
                if did_you_mean(key, [required]) and required not in self.seen_keys:
                    self.misspelt.setdefault(required, pos)  # not "missing" as well
            value = self.events.next()
            if type(value) is Scalar and not value.style:  # an entry at column 0?
                from .advice import looks_like_gate  # an unknown key: to word it

                if looks_like_gate(value.value):
                    hint = _("to make it a gate, indent it under `gates:`")
                elif not hint and type(parse_number(value.value)) is float:
                    hint = _("to make it a unit, indent it under `units:`")
            self.report(
                pos,
                _("unknown key {key}").format(key=quoted(key)),
                hint or _("the keys are: {keys}").format(keys=", ".join(TOP_KEYS)),
            )
            self.events.skip(value)
            return
        name = self.key_name(ev, N_("a top-level key"))
        if name is None:
            return
        key = name
        value = self.events.next()
        if key in self.seen_keys:
            first = self.seen_keys[key]
            self.report(
                pos,
                _("duplicate key '{key}' (first given at line {line})").format(
                    key=key, line=first.line
                ),
                _("give each top-level key once"),
            )
            self.events.skip(value)
            return
        self.seen_keys[key] = pos
        getattr(self, f"read_{key}")(pos, value)

    def mapping(self, key: str, pos: Pos, ev: yaml.Event, example: str) -> bool:
        if isinstance(ev, MappingStart):
            return True
        self.broken_keys.add(key)
        hint = _("write it as a mapping: {example}").format(example=_(example))
        if is_empty(ev):
            self.report(pos, _("'{key}' is empty").format(key=key), hint)
        elif not self.newcomer_faults(ev):
            if isinstance(ev, SequenceStart):
                hint = _("write it as a mapping: {example} (one per line, no '- ')").format(
                    example=_(example)
                )
            message = _("'{key}' must be a mapping, found {kind}")
            self.report(self.src.at(ev.start_mark), message.format(key=key, kind=kind_of(ev)), hint)
        self.events.skip(ev)
        return False

    def newcomer_faults(self, ev: Any) -> bool:
        """Report the lines of a plain scalar that hold a newcomer's mistake (see
        advice.py), if any: it stands where a mapping or a number should."""
        if type(ev) is not Scalar or ev.style:
            return False
        mark: Any = ev.start_mark
        end: Any = ev.end_mark
        from .advice import faults_in  # only where something is wrong

        faults = faults_in(self.src, mark.line + 1, end.line + 1)
        for fault in faults:
            self.report(*fault)
        return bool(faults)

    def number(self, ev: yaml.Event, what: str, name: str = "") -> float | None:
        """A value that must be a number; None (reported) otherwise. ``what`` (a
        text marked ``N_``, ``{name}`` in it filled with ``name``) says whose
        value it is."""
        if type(ev) is Scalar and not ev.style:
            x = parse_number(ev.value)
            if type(x) is float:  # the common case first: a number
                return x
        what = _(what).format(name=name)
        at = self.src.at(ev.start_mark)
        must = _("{what} must be a number, found {kind}")
        if not isinstance(ev, Scalar):
            self.report(at, must.format(what=what, kind=kind_of(ev)))
            self.events.skip(ev)
            return None
        if ev.style:
            quotes = ev.style in ("'", '"')
            fix = _("remove the quotes") if quotes else _("write the number on this line")
            self.report(at, must.format(what=what, kind=kind_of(ev)), fix)
            return None
        mark, end = ev.start_mark, ev.end_mark
        ran_on = mark is not None and end is not None and mark.line != end.line
        if ran_on and self.newcomer_faults(ev):
            return None  # a number that ran on into the next line
        hint = None
        if "," in ev.value and NUMBER_RE.match(ev.value.strip().replace(",", ".")):
            hint = _("write the decimal point as '.'")
        elif "(" in ev.value and "->" in ev.value:
            hint = _("this looks like a gate: is the `gates:` line above it missing?")
        self.report(at, f"{what}: {parse_number(ev.value)}", hint)
        return None

    def name(self, ev: yaml.Event, what: str) -> str | None:
        """A scalar that must be a name (``output``, an entry of ``frozen``);
        ``what``, marked ``N_``, says whose."""
        if not isinstance(ev, Scalar):
            message = _("{what} must be a name, found {kind}")
            self.report(self.src.at(ev.start_mark), message.format(what=_(what), kind=kind_of(ev)))
            self.events.skip(ev)
            return None
        if is_empty(ev):
            self.report(
                self.src.at(ev.start_mark),
                _("{what} is empty").format(what=_(what)),
                _("give the name of a unit"),
            )
            return None
        if not is_name(ev.value):
            self.invalid_name(ev, f"{_(what)}: ")
            return None
        return normal(ev.value)

    # -- the keys -----------------------------------------------------------------

    def read_description(self, pos: Pos, ev: yaml.Event) -> None:
        if not isinstance(ev, Scalar):
            message = _("'description' must be text, found {kind}").format(kind=kind_of(ev))
            self.report(self.src.at(ev.start_mark), message)
            self.events.skip(ev)
            return
        self.description = ev.value

    def read_units(self, pos: Pos, ev: yaml.Event) -> None:
        if not self.mapping("units", pos, ev, N_("`a: 1.0`, one unit per line")):
            return
        keep, number = self.units.append, self.number
        for key, value in self.events.entries():
            name = None if value is None else is_name(key.value)  # in its NFKC form
            if value is None or name is None:  # a list, a mapping or no name
                self.bad_key(key, value, N_("a key under 'units'"))
                continue
            x = number(value, N_("unit '{name}'"), name)
            if x is None:
                self.broken.add(name)
                continue
            mark: Any = key.start_mark
            keep((name, mark.line + 1, mark.column + 1, x))

    def read_gates(self, pos: Pos, ev: yaml.Event) -> None:
        if not self.mapping("gates", pos, ev, "`mulg0: mul(a, x) -> ax`"):
            return
        b = self.builder
        if "units" in self.seen_keys:  # the usual order: each gate is built as it is read
            b.add_inputs(self.units, stream=True)
        gate = b.gate
        for key, value in self.events.entries():
            self.gate_entries += 1
            name = None if value is None else is_name(key.value)  # in its NFKC form
            if value is None or name is None:  # a list, a mapping or no name
                self.bad_key(key, value, N_("a key under 'gates'"))
                continue
            if type(value) is Scalar and (value.value or value.style):
                mark: Any = key.start_mark
                gate(name, value.value, mark.line + 1, mark.column + 1, value)
                continue
            self.broken.add(name)
            self.report(
                self.src.at(value.start_mark),
                _("gate '{name}' must be `OP(ARG, ARG) -> OUT`, found {kind}").format(
                    name=name, kind=kind_of(value)
                ),
                _(GATE_EXAMPLE),
            )
            self.events.skip(value)

    def read_expr(self, pos: Pos, ev: yaml.Event) -> None:
        if not isinstance(ev, Scalar) or is_empty(ev):
            self.broken_keys.add("expr")
            self.report(
                self.src.at(ev.start_mark),
                _("'expr' must be formulas, found {kind}").format(kind=kind_of(ev)),
                _("for example `expr: s = sigmoid(a*x + b*y + c)`, or a `|` block of lines"),
            )
            self.events.skip(ev)
            return
        self.expr = (ev, pos)

    def read_output(self, pos: Pos, ev: yaml.Event) -> None:
        name = self.name(ev, "'output'")
        if name is not None:
            self.output = (name, self.src.at(ev.start_mark))

    def read_step_size(self, pos: Pos, ev: yaml.Event) -> None:
        x = self.number(ev, "'step_size'")
        if x is not None:
            self.step_size = x

    def read_frozen(self, pos: Pos, ev: yaml.Event) -> None:
        if not isinstance(ev, SequenceStart):
            if isinstance(ev, Scalar) and is_name(ev.value) and not ev.style:
                hint = _("write it as a list: `frozen: [{name}]`").format(name=ev.value)
            else:
                hint = _("write it as a list: `frozen: [a, b]`")
            self.report(
                self.src.at(ev.start_mark),
                _("'frozen' must be a list of input units, found {kind}").format(kind=kind_of(ev)),
                hint,
            )
            self.events.skip(ev)
            return
        while True:
            ev = self.events.next()
            if isinstance(ev, SequenceEnd):
                return
            name = self.name(ev, N_("an entry of 'frozen'"))
            if name is not None:
                self.frozen.append((name, self.src.at(ev.start_mark)))
