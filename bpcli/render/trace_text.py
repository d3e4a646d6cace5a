"""`bpcli trace` as text: one block per gate call, the seed and each update.

A forward step shows the call and the gate's slots, the new ``utop`` marked.
A backward step writes the chain rule out with numbers, one line per write,
then where the written object is also held (the slot that will read it
next), and, where a Unit has received several pulls, their running sum.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from ..gates import OUT_SLOT
from ..steps import SlotView, Source, Step, Write
from .console import PHASE_STYLE, SHARED_STYLE, Page, fmt


class TraceText(Page):
    """The steps of one trace, drawn one at a time."""

    def step_text(self, step: Step, number: int, total: int | None = None) -> str:
        p = self.precision
        parts: list[object] = [self.heading(step, number, total)]
        if step.self_ is not None and step.self_.first_of_class is not None:
            me = step.self_
            parts.append(
                paragraph(
                    f"{me.name} is another {me.cls}, a different object from "
                    f"{me.first_of_class}, with attributes of its own. Gates of one class "
                    "share their code, not themselves: what they share are the Units in "
                    "their slots.",
                    self.width,
                    style="cyan",
                )
            )
        if step.raised:
            parts.append(Text(f"  this call {step.raised}", style="bold red"))
        if step.phase == "backward" and step.gate is None:
            out = step.slots[0]
            parts.append(Text(f"  every grad set to 0.0, then the output's: {out.unit}.grad = 1.0"))
            parts.append(self._where(out.unit, out))
        top = next((s for s in step.slots if s.slot == step.out_slot), None)
        if step.phase != "forward" and step.gate is not None and top is not None:
            grad = next((w.attr for w in step.writes if w.attr != "value"), "grad")
            reads = Text(
                f"  reads {step.gate}.{top.slot}.{grad} = {fmt(top.grad, self.precision)}: "
                f"{top.unit}"
            )
            if top.also:
                reads.append(", the same object as " + ", ".join(top.also), style=SHARED_STYLE)
            parts.append(reads)
        for w in step.writes:
            parts.extend(self._write_lines(step, w))
        if step.update is not None:
            u = step.update
            parts.append(
                Text(
                    f"  {u.unit}.value = {fmt(u.value_before, p)} + {u.step_size!r} × "
                    f"{fmt(u.grad, p)} → {fmt(u.value_after, p)}"
                )
            )
            parts.append(self._where(u.unit, step.slots[0]))
        for problem in step.problems:  # what `bpcli check` blames here
            parts.append(paragraph(f"✗ {problem}", self.width, style="bold red"))
        if step.gate is not None and step.slots:
            parts.append(self._slots_table(step))
        if step.parts:
            parts.append(
                Text(
                    "◆ here the run with the mistake parts from the correct one:", style="bold red"
                )
            )
            for unit, here, there in step.parts[:12]:
                parts.append(
                    Text(
                        f"    {unit}: value {fmt(here[0], p)}, grad {fmt(here[1], p)} here; "
                        f"value {fmt(there[0], p)}, grad {fmt(there[1], p)} with the mistake",
                        style="red",
                    )
                )
        return self.text(*parts)

    def heading(self, step: Step, number: int, total: int | None) -> Text:
        """What the step is: its pass, its number, the call (or the script's line),
        the gate object it ran on, and where; a field that does not fit the
        width goes whole to the next line."""
        fields = [
            Text(f"{step.phase} {step.iteration}", f"bold {PHASE_STYLE.get(step.phase, '')}"),
            Text(f"step {number}{f'/{total}' if total else ''}"),
        ]
        if step.phase == "script" and step.source is not None:
            src = step.source
            fields.append(Text.assemble((f"{src.file}:{src.line}  ", "dim"), (src.text, "bold")))
            return joined(fields, self.width)
        fields.append(Text(step.call, style="bold"))
        if step.source is not None:
            fields.append(Text(f"{step.source.file}:{step.source.line}"))
        elif step.line:
            fields.append(Text(f"line {step.line}"))
        if step.self_ is not None:
            me = step.self_
            fields.append(Text(f"self = {me.name}, {_a(me.cls)} at {hex(me.id)}"))
        elif step.cls:
            fields.append(Text(step.cls))
        return joined(fields, self.width)

    def _write_lines(self, step: Step, w: Write) -> list[Text]:
        p = self.precision
        lines = []
        if w.source is not None:  # a script's write: its own line, then the numbers
            src = w.source
            if step.source != src:  # a script's line outside calls says it in its heading
                lines.append(self._code_line(src))
            line = Text(f"    {w.unit}.{w.attr} {fmt(w.grad_before, p)} → ")
            line.append(fmt(w.grad_after, p), style="bold")
            if len(w.pulls) > 1:
                line.append(f"   ({_sum(w.pulls, p)} = {fmt(w.grad_after, p)})", style="magenta")
            lines.append(line)
            first = w.slot.split("+")[0]  # one object in several attributes: x * x
            held = next((s for s in step.slots if s.slot == first or s.unit == w.unit), None)
            if held is not None:
                lines.append(self._where(w.unit, held))
            return lines
        if w.skipped:
            lines.append(
                Text(
                    f"  {step.gate}.{w.slot}.grad: {w.formula} is not defined here and "
                    f"{w.slot} holds a literal: skipped, {w.unit}.grad stays "
                    f"{fmt(w.grad_after, p)}"
                )
            )
            return lines
        local, upstream = w.local or 0.0, w.upstream or 0.0  # a circuit's: both known
        lines.append(
            Text(
                f"  {step.gate}.{w.slot}.grad += {w.formula} × {OUT_SLOT}.grad = "
                f"{fmt(local, p)} × {fmt(upstream, p)}"
            )
        )
        line = Text(f"    {w.unit}.grad {fmt(w.grad_before, p)} → ")
        line.append(fmt(w.grad_after, p), style="bold")
        if len(w.pulls) > 1:
            line.append(f"   ({_sum(w.pulls, p)} = {fmt(w.grad_after, p)})", style="magenta")
        lines.append(line)
        lines.append(self._where(w.unit, next(s for s in step.slots if s.slot == w.slot)))
        return lines

    def _code_line(self, src: Source) -> Text:
        """`  file:line  code`; where that is wider than the page, the code goes
        whole to a line of its own."""
        where = f"  {src.file}:{src.line}"
        if len(where) + 2 + len(src.text) <= self.width:
            return Text.assemble((where + "  ", "dim"), src.text)
        return Text.assemble((where, "dim"), "\n    " + src.text)

    def _where(self, unit: str, slot: SlotView) -> Text:
        """Which object was written, and which gate slots hold it too."""
        where = Text(f"    {unit} is {hex(slot.id)}", style="dim")
        if slot.also:
            where.append(", the same object as " + ", ".join(slot.also), style=SHARED_STYLE)
        return where

    def _slots_table(self, step: Step) -> Table:
        p = self.precision
        rows = []
        for s in step.slots:
            new = step.phase == "forward" and s.slot == step.out_slot
            style = SHARED_STYLE if s.also else ""
            rows.append(
                [
                    Text(s.slot),
                    Text(s.unit, style="bold" if s.also else ""),
                    Text(hex(s.id) + (" new" if new else ""), style=style or "dim"),
                    Text(fmt(s.value, p)),
                    Text(fmt(s.grad, p)),
                    Text("\n".join(s.also) or "—", style=style),
                ]
            )
        return self.table(None, ["slot", "unit", "id", "value", "grad", "same object as"], rows)


def _sum(pulls: tuple[float, ...], p: int) -> str:
    """1.000000 + 2.000000 − 0.500000: a running sum, as a person writes it."""
    return fmt(pulls[0], p) + "".join(
        f" − {fmt(-x, p)}" if x < 0 else f" + {fmt(x, p)}" for x in pulls[1:]
    )


def _a(noun: str) -> str:
    """`a MultGate`, `an AddGate`."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def joined(fields: list[Text], width: int, sep: str = " · ", indent: str = "  ") -> Text:
    """Fields joined by ``sep``; one that would pass ``width`` starts a line of
    its own, indented: a heading never breaks inside a field."""
    out = Text()
    used = 0
    for k, field in enumerate(fields):
        size = field.cell_len
        if k and used + len(sep) + size > width:
            out.append("\n" + indent)
            used = len(indent)
        elif k:
            out.append(sep)
            used += len(sep)
        out.append_text(field)
        used += size
    return out


def paragraph(text: str, width: int, indent: str = "  ", style: str = "") -> Text:
    """Prose wrapped at spaces to the width, every line indented."""
    import textwrap

    lines = textwrap.wrap(
        text, max(20, width - len(indent)), break_long_words=False, break_on_hyphens=False
    )
    return Text("\n".join(indent + line for line in lines), style=style)
