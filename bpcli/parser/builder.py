"""Names into definitions into a ``Circuit`` (bpcli/engine.py).

Every gate goes through ``Builder.gate``: the usual gate (its text well
formed, every argument defined, its names new) costs a regex match and a few
dict lookups, and is built at once, while the file is read. A wrong gate is
not reported then: it and the gates after it wait until the whole file is
read, so that the message can say what a name is wherever the file defines it
(a gate further down, a unit whose value was wrong) and the problems keep the
order of a file read first and built after. Then the same function builds them,
reporting each fault.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from ..core.engine import CONST, GATE, GATE_CLASSES, INPUT, Gate
from ..core.errors import did_you_mean
from ..core.gates import IN_SLOTS
from ..i18n import N_, _
from . import gate_text
from .gate_text import GateTextError
from .problems import Problems
from .text import Pos, Source, Span
from .values import NUMBER_START, invalid_name, is_name, name_hint, parse_number, quoted


class RawGate(NamedTuple):
    """A gate as read: its name, its text, where its key is and where its value is."""

    name: str
    text: str
    line: int
    col: int
    value: Span


_DEFINE_IT = N_("define it under `units:` or as a gate output")


class Def(NamedTuple):
    kind: str  # "input", "gate" (a gate's name) or "output" (a gate's output)
    pos: Pos
    gate: str = ""  # for an output: the gate that produces it


class Builder:
    def __init__(self, src: Source, problems: Problems) -> None:
        self.src = src
        self.problems = problems
        self.report = problems.report
        # What was reported (by the document too), so that its uses are not reported again:
        self.broken: set[str] = set()  # names whose definition was wrong
        self.broken_keys: set[str] = set()  # top-level keys whose value was wrong
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.values: list[float] = []
        self.index: dict[str, int] = {}
        self.constants: dict[str, int] = {}  # a literal's constant unit, by its slot's name
        self.locations: dict[str, tuple[int, int]] = {}  # of the inputs
        self.gates: list[Gate] = []
        self.gate_names: set[str] = set()
        self.gate_at: dict[str, Pos] = {}  # where each gate that was not built is
        self.pending: list[RawGate] = []  # gates waiting for the end of the file
        # For the messages, looked up by name (never a search per error): the gates
        # built, by name and by output, and the pending ones, as far as indexed.
        self._by_name: dict[str, Gate] = {}
        self._by_out: dict[int, Gate] = {}
        self._pending_by_name: dict[str, RawGate] = {}
        self._indexed = [0, 0]  # how many gates, and pending gates, are in those
        self.streaming = False  # are gates built as they are read?
        self.inputs_added = False

    def add_unit(self, name: str, kind: str, value: float) -> int:
        """A unit; a literal's (its constant, `g1.u1`) is kept out of the index that
        names are looked up in, so that no gate can read it by its slot's name."""
        i = len(self.names)
        self.names.append(name)
        self.kinds.append(kind)
        self.values.append(value)
        if kind == CONST:
            self.constants[name] = i
        else:
            self.index[name] = i
        return i

    def add_inputs(self, units: list[tuple[str, int, int, float]], stream: bool = False) -> None:
        """The inputs of ``units:``, once, before the first gate; with ``stream``,
        the gates that follow are built as they are read."""
        self.streaming = stream
        if self.inputs_added:
            return
        self.inputs_added = True
        index, locations = self.index, self.locations
        for name, line, col, value in units:
            if name in index:
                self.report(
                    Pos(line, col),
                    _("duplicate unit '{name}' (first given at line {line})").format(
                        name=name, line=locations[name][0]
                    ),
                    _("give each unit once"),
                )
                continue
            locations[name] = (line, col)
            self.add_unit(name, INPUT, value)

    # -- one gate ---------------------------------------------------------------------

    def gate(self, name: str, text: str, line: int, col: int, value: Any, k: int = -1) -> bool:
        """Build gate ``name``: True if it was built. ``k`` is its place among the
        pending gates when they are built, after the file, and ``value`` the ``Span``
        of its text; -1 while the file is read, and ``value`` the text's YAML event."""
        if k < 0 and not self.streaming:
            return self.wait(name, text, line, col, value)
        index, gate_names, broken, names = self.index, self.gate_names, self.broken, self.names
        if name in index or name in gate_names:
            if k < 0:
                return self.wait(name, text, line, col, value)
            return self.name_taken(name, Pos(line, col))
        try:
            op, args, out = gate_text.split(name, text)
        except GateTextError as err:
            if k < 0:
                return self.wait(name, text, line, col, value)
            self.report(self.where(value, text, err.offset), err.message, err.hint)
            if self.problems.all_errors and err.loose:  # the arguments may be wrong too
                self.loose_arguments(k, RawGate(name, text, line, col, value))
            return self.not_built(name, line, col)
        # The units of the first and the last argument (one and the same for one),
        # when they are defined names; else `arguments` finds them.
        i0, i1 = index.get(args[0]), index.get(args[-1])
        literals: list[tuple[int, float]] = []  # (slot, value): made into constants
        if i0 is None or i1 is None:
            found = self.arguments(name, text, line, col, value, k, args, literals)
            if not found:
                return False
            i0, i1 = found[0], found[-1]
        i_out = len(names) + len(literals)
        # The output's checks, the last of which defines it (one lookup of a big table).
        if (
            out == name
            or out in gate_names
            or (broken and out in broken)
            or index.setdefault(out, i_out) != i_out
        ):
            if k < 0:
                return self.wait(name, text, line, col, value)
            if (out == name or out in gate_names or out in index) and not any(
                arg in broken and arg in index for arg in args
            ):  # else something it names was reported already
                self.output_taken(RawGate(name, text, line, col, value), out)
            return self.not_built(name, line, col)
        if literals:
            for slot, x in literals:
                self.add_unit(f"{name}.{IN_SLOTS[slot]}", CONST, x)
        names.append(out)  # add_unit, but for the index: this runs once a gate
        self.kinds.append(GATE)
        self.values.append(0.0)
        gate_names.add(name)
        self.gates.append(GATE_CLASSES[op.name](name, (i0, i1), i_out, line, col))
        return True

    def arguments(
        self,
        name: str,
        text: str,
        line: int,
        col: int,
        value: Any,
        k: int,
        args: tuple[str, ...],
        literals: list[tuple[int, float]],
    ) -> tuple[int, ...]:
        """The units of gate ``name``'s arguments, where some are not defined names:
        a literal becomes a constant (listed in ``literals``, its unit numbered after
        those there are). Empty when one is wrong: the gate waits, or it is reported."""
        units: list[int] = []
        wrong = False
        for slot, arg in enumerate(args):
            i = self.index.get(arg)
            if i is None and arg[0] in NUMBER_START:
                x = parse_number(arg)
                if type(x) is float:
                    i = len(self.names) + len(literals)
                    literals.append((slot, x))
            if i is None:
                if k < 0:
                    self.wait(name, text, line, col, value)
                    return ()
                self.bad_argument(k, RawGate(name, text, line, col, value), slot, arg)
                wrong = True
            units.append(i or 0)
        if wrong:
            self.not_built(name, line, col)
            return ()
        return tuple(units)

    def loose_arguments(self, k: int, raw: RawGate) -> None:
        """With all_errors, the arguments of a gate whose op is wrong: each that is
        neither a defined name nor a number is reported as well."""
        index = self.index
        for slot, (arg, offset) in enumerate(gate_text.loose_args(raw.text)):
            if arg in index or (arg[0] in NUMBER_START and type(parse_number(arg)) is float):
                continue
            self.bad_argument(k, raw, slot, arg, self.where(raw.value, raw.text, offset))

    def wait(self, name: str, text: str, line: int, col: int, value: Any) -> bool:
        """Keep a gate (and, from now on, every later one) for the end of the file."""
        self.streaming = False
        span = value if isinstance(value, Span) else Span.of(value)  # not the whole event
        self.pending.append(RawGate(name, text, line, col, span))
        return False

    def not_built(self, name: str, line: int, col: int) -> bool:
        """A gate reported wrong: its name is taken all the same."""
        self.gate_names.add(name)
        self.gate_at[name] = Pos(line, col)
        return False

    # -- what a name is, for the messages -----------------------------------------------

    def where(self, span: Span, text: str, offset: int) -> Pos:
        """Where character ``offset`` of a gate's text (its value at ``span``) is."""
        return self.src.in_value(span, text, offset)

    def _index(self) -> None:
        """The gates (built and pending) added since the last call, indexed."""
        built, waiting = self._indexed
        for g in self.gates[built:]:
            self._by_name[g.name] = g
            self._by_out[g.out] = g
        for raw in self.pending[waiting:]:
            self._pending_by_name.setdefault(raw.name, raw)
        self._indexed = [len(self.gates), len(self.pending)]

    def definition(self, name: str) -> Def | None:
        """What ``name`` is and where it is defined."""
        self._index()
        i = self.index.get(name)
        if i is not None and self.kinds[i] == INPUT:
            return Def("input", Pos(*self.locations[name]))
        if i is not None and self.kinds[i] == GATE:
            g = self._by_out[i]
            return Def("output", Pos(g.line, g.col), g.name)
        if name in self.gate_names:
            pos = self.gate_at.get(name)
            if pos is None:
                g = self._by_name[name]
                pos = Pos(g.line, g.col)
            return Def("gate", pos)
        return None

    def output_of_gate(self, name: str) -> str | None:
        """A gate's output name, from the gate (if built) or from its text."""
        self._index()
        g = self._by_name.get(name)
        if g is not None:
            return self.names[g.out]
        raw = self._pending_by_name.get(name)
        return gate_text.output_of(raw.text) if raw is not None else None

    def is_gate_name(self, name: str) -> bool:
        self._index()
        return name in self.gate_names or name in self._pending_by_name

    @functools.cached_property
    def later_outputs(self) -> dict[str, int]:
        """Output name -> index of the first pending gate that names it."""
        found: dict[str, int] = {}
        for k, raw in enumerate(self.pending):
            out = gate_text.output_of(raw.text)
            if out is not None:
                found.setdefault(out, k)
        return found

    def known(self) -> list[str]:
        """The units a gate may use at this point (for did-you-mean)."""
        return [n for n, k in zip(self.names, self.kinds) if k != CONST]

    # -- the faults of one gate ------------------------------------------------------------

    def name_taken(self, name: str, pos: Pos) -> bool:
        d = self.definition(name)
        assert d is not None
        line = d.pos.line
        if d.kind == "input":
            msg = _("gate name '{name}' is already the name of input unit '{name}' (line {line})")
        elif d.kind == "gate":
            msg = _("duplicate gate '{name}' (first given at line {line})")
        else:
            msg = _(
                "gate name '{name}' is already the name of the output of gate "
                "'{gate}' (line {line})"
            )
        self.report(
            pos,
            msg.format(name=name, line=line, gate=d.gate),
            _("names are unique across units and gates: rename the gate"),
        )
        return False

    def bad_argument(
        self, k: int, raw: RawGate, slot: int, arg: str, at: Pos | None = None
    ) -> None:
        """Report what is wrong with argument ``arg`` (silent if it was reported);
        ``at``: where it is, if its gate's text cannot be taken apart."""
        if at is None:
            offset = gate_text.offsets(raw.name, raw.text).args[slot]
            at = self.where(raw.value, raw.text, offset)
        if arg[0] in NUMBER_START:
            message = _("gate '{gate}': argument {problem}")
            self.report(at, message.format(gate=raw.name, problem=parse_number(arg)))
            return
        if arg in self.broken:
            return  # its definition was reported already
        if not is_name(arg):
            self.report(at, invalid_name(arg), name_hint(arg))
            return
        if self.is_gate_name(arg):
            out = self.output_of_gate(arg)
            if out:
                hint = _("use its output {output} (the name after '->')").format(output=quoted(out))
            else:
                hint = _("use the gate's output (the name after '->')")
            self.report(at, _("'{name}' is a gate, not a unit").format(name=arg), hint)
            return
        first = self.later_outputs.get(arg)
        if first is not None and first == k:
            self.report(
                at,
                _("'{name}' is the output of this very gate '{gate}'").format(
                    name=arg, gate=raw.name
                ),
                _("a gate cannot read its own output"),
            )
        elif first is not None and first > k:
            line = self.pending[first].line
            self.report(
                at,
                _("'{name}' is used before it is defined (line {line})").format(
                    name=arg, line=line
                ),
                _(
                    "the file order is the evaluation order: move this gate below line {line}"
                ).format(line=line),
            )
        elif "units" not in self.broken_keys:  # else no unit is known: no point guessing
            self.report(
                at,
                _("unknown unit {name}").format(name=quoted(arg)),
                lambda: did_you_mean(arg, self.known()) or _(_DEFINE_IT),
            )

    def output_taken(self, raw: RawGate, out: str) -> None:
        d = Def("gate", Pos(raw.line, raw.col)) if out == raw.name else self.definition(out)
        assert d is not None
        line = d.pos.line
        if d.kind == "input":
            msg = _("gate '{gate}' redefines input unit '{name}' (line {line})")
            hint = _("give the gate's output a new name")
        elif d.kind == "gate":
            msg = _("output '{name}' is already the name of gate '{name}' (line {line})")
            hint = _("names are unique across units and gates: give the output a new name")
        else:
            msg = _("'{name}' is already produced by gate '{other}' (line {line})")
            hint = _("each unit is produced by at most one gate: give this output a new name")
        at = self.where(raw.value, raw.text, gate_text.offsets(raw.name, raw.text).out)
        self.report(at, msg.format(gate=raw.name, name=out, other=d.gate, line=line), hint)
