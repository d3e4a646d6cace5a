"""The end of the file: what only the whole file can say, and the ``Circuit``.

After the document is read: the required keys, the formulas of ``expr:``, the
gates that waited (see builder.py), ``output`` and ``frozen``. Then the
``Circuit``, if nothing was wrong.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.engine import GATE, INPUT, Circuit
from ..core.errors import CircuitError, did_you_mean
from ..i18n import _
from . import gate_text
from .builder import Builder, RawGate
from .document import Document
from .text import Pos, Source, Span, places
from .values import quoted


def build(doc: Document, b: Builder) -> Circuit:
    report, seen = b.report, doc.seen_keys
    if "units" not in seen:
        b.broken_keys.add("units")  # no unit is known: do not guess at names
        if "units" not in doc.misspelt:  # else reported as an unknown key
            report(doc.top, _("missing required key 'units'"), _("add `units:` with the inputs"))
    b.add_inputs(doc.units)
    if "gates" not in seen and "expr" not in seen and "gates" not in doc.misspelt:
        report(
            doc.top,
            _("missing required key 'gates'"),
            _("add `gates:`, e.g. `mulg0: mul(a, x) -> ax`"),
        )
    if doc.expr is not None:
        expr_gates(doc, b, *doc.expr)
    for k, raw in enumerate(b.pending):
        if not b.gate(*raw, k=k):  # only with all_errors: avoid a cascade
            out = gate_text.output_of(raw.text)
            if out is not None and b.definition(out) is None:
                b.broken.add(out)
    output = resolve_output(doc, b)
    frozen = resolve_frozen(doc, b)
    if b.problems.found:
        raise CircuitError(b.problems.found)
    circuit = Circuit(
        b.names,
        b.kinds,
        b.values,
        b.gates,
        output,
        doc.step_size,
        frozen,
        doc.description,
        b.locations,
        _with_constants(b),
    )
    if doc.output is not None:
        circuit.output_line = doc.output[1].line
    return circuit


def _with_constants(b: Builder) -> dict[str, int]:
    """The circuit's index of every unit by name, the literals' constants too (they
    were kept apart while gates were read)."""
    b.index.update(b.constants)
    b.constants.clear()
    return b.index


def expr_gates(doc: Document, b: Builder, ev: Any, key: Pos) -> None:
    """The formulas of `expr:`, compiled into gates as if written under `gates:`."""
    from .formulas import FormulaError, compile_formulas

    if "gates" in doc.seen_keys:
        b.report(
            key,
            _("give `gates:` or `expr:`, not both"),
            _("`bpcli expand` turns formulas into gates"),
        )
        return
    inputs = [n for n, k in zip(b.names, b.kinds) if k == INPUT]
    try:
        compiled = compile_formulas(ev.value, inputs)
    except FormulaError as err:
        b.report(FormulaPlaces(doc.src, ev).at(err.line, err.col), err.message, err.hint)
        return
    start = ev.start_mark.index
    where = FormulaPlaces(doc.src, ev)
    for g in compiled:
        pos = where.at(g.line, g.col)
        span = Span(start, start, "=", pos.line, pos.col)  # any place in it: the formulas' start
        b.pending.append(RawGate(g.name, g.text, pos.line, pos.col, span))


class FormulaPlaces:
    """Where each character of the formulas of `expr:` is in the file, worked
    out once for all of them (a block of thousands of lines stays linear)."""

    def __init__(self, src: Source, ev: Any) -> None:
        self.src = src
        span = Span.of(ev)
        body, self.base = src.body(span)
        self.start = src.at(ev.start_mark)
        self.lines = [0]  # where each line of the value starts in it
        for m in _NEWLINE.finditer(ev.value):
            self.lines.append(m.end())
        # A literal block (`expr: |`), the usual way to write formulas: each line
        # of the value is a line of the body, less its indentation. Else (quoted,
        # folded) each character is followed through YAML's rules (``places``).
        self.literal = _literal_starts(body, span.style, ev.value)
        self.places = places(body, span.style, ev.value) if self.literal is None else []

    def at(self, line: int, col: int) -> Pos:
        """Column ``col`` (0-based) of formula line ``line`` (1-based)."""
        if not 1 <= line <= len(self.lines):
            return self.start
        if self.literal is not None:
            if line > len(self.literal):
                return self.start
            return self.src.pos(self.base + self.literal[line - 1] + col)
        k = self.lines[line - 1] + col
        if 0 <= k < len(self.places) and self.places[k] >= 0:
            return self.src.pos(self.base + self.places[k])
        return self.start


_NEWLINE = re.compile("\n")


def _literal_starts(body: str, style: str | None, value: str) -> list[int] | None:
    """For a literal block whose lines are the body's lines as they are, less one
    indentation: where each line's text starts in the body; else None."""
    if style != "|" or "\r" in body:
        return None
    starts: list[int] = []
    at = 0
    for text in value.split("\n"):
        end = body.find("\n", at)
        end = len(body) if end < 0 else end
        line = body[at:end]
        indent = len(line) - len(line.lstrip(" "))
        if text and line[indent:] != text and line[len(line) - len(text) :] != text:
            return None
        starts.append(at + (len(line) - len(text) if text else indent))
        at = end + 1
    return starts


def resolve_output(doc: Document, b: Builder) -> int:
    if doc.output is None:
        if b.gates:
            return b.gates[-1].out
        seen = doc.seen_keys
        if not doc.gate_entries and "gates" in seen and "gates" not in b.broken_keys:
            b.report(
                seen["gates"],
                _("'gates' has no gates"),
                _("add at least one `NAME: OP(ARG, ARG) -> OUT`"),
            )
        return 0
    name, pos = doc.output
    i = b.index.get(name)
    if i is not None and b.kinds[i] in (INPUT, GATE):  # a unit: no gate looked up for it
        return i
    d = b.definition(name)
    if d is not None and d.kind != "gate":
        return b.index[name]
    if name in b.broken or (d is None and "units" in b.broken_keys):
        return 0  # reported already
    if b.is_gate_name(name):
        out = b.output_of_gate(name)
        b.report(
            pos,
            _("output '{name}' is a gate, not a unit").format(name=name),
            _("name its output {output}").format(output=quoted(out))
            if out
            else _("name the gate's output"),
        )
    else:
        b.report(
            pos,
            _("output '{name}' is not a unit of this circuit").format(name=name),
            did_you_mean(name, b.known()) or _("name an input or a gate output"),
        )
    return 0


def resolve_frozen(doc: Document, b: Builder) -> set[int]:
    frozen: set[int] = set()
    inputs = [n for n, k in zip(b.names, b.kinds) if k == INPUT]
    for name, pos in doc.frozen:
        i = b.index.get(name)
        if i is not None and b.kinds[i] == INPUT and i not in frozen:  # the usual case
            frozen.add(i)
            continue
        d = b.definition(name)
        if d is None or d.kind == "gate":
            if name in b.broken or "units" in b.broken_keys:
                continue  # reported already
            b.report(
                pos,
                _("frozen unit '{name}' is not an input unit").format(name=name),
                did_you_mean(name, inputs) or _("list input units only"),
            )
        elif d.kind != "input":
            b.report(
                pos,
                _("frozen unit '{name}' is a gate output; only inputs are updated").format(
                    name=name
                ),
                _("list input units only"),
            )
        elif b.index[name] in frozen:
            b.report(
                pos,
                _("'{name}' is listed twice in 'frozen'").format(name=name),
                _("list each unit once"),
            )
        else:
            frozen.add(b.index[name])
    return frozen
