"""`bpcli trace` as text: one block per gate call, the seed and each update.

A forward step shows the call and the gate's slots, the new ``utop`` marked.
A backward step writes the chain rule out with numbers, one line per write,
then where the written object is also held (the slot that will read it
next), and, where a Unit has received several pulls, their running sum.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from ..steps import SlotView, Step, Write
from .console import PHASE_STYLE, SHARED_STYLE, Page, fmt


class TraceText(Page):
    """The steps of one trace, drawn one at a time."""

    def step_text(self, step: Step, number: int, total: int | None = None) -> str:
        p = self.precision
        where = f"line {step.line}" if step.line else ""
        title = Text.assemble(
            (f"{step.phase} {step.iteration}", f"bold {PHASE_STYLE.get(step.phase, '')}"),
            f" · step {number}{f'/{total}' if total else ''} · ",
            (step.call, "bold"),
            f" · {step.cls} · {where}" if step.cls else (f" · {where}" if where else ""),
        )
        parts: list[object] = [title]
        if step.phase == "backward" and step.gate is None:
            out = step.slots[0]
            parts.append(Text(f"  every grad set to 0.0, then the output's: {out.unit}.grad = 1.0"))
            parts.append(self._where(out.unit, out))
        top = next((s for s in step.slots if s.slot == step.out_slot), None)
        if step.phase != "forward" and step.gate is not None and top is not None:
            reads = Text(
                f"  reads {step.gate}.{top.slot}.grad = {fmt(top.grad, self.precision)}: {top.unit}"
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
        if step.gate is not None:
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

    def _write_lines(self, step: Step, w: Write) -> list[Text]:
        p = self.precision
        lines = []
        if w.local is None or w.upstream is None:  # a script's gate: what changed, and by how much
            line = Text(f"  {step.gate}.{w.slot}.grad: {w.unit}.grad {fmt(w.grad_before, p)} → ")
            line.append(fmt(w.grad_after, p), style="bold")
            if len(w.pulls) > 1:
                line.append(f"   ({_sum(w.pulls, p)} = {fmt(w.grad_after, p)})", style="magenta")
            first = w.slot.split("+")[0]  # one object in several attributes: x * x
            return [line, self._where(w.unit, next(s for s in step.slots if s.slot == first))]
        if w.skipped:
            lines.append(
                Text(
                    f"  {step.gate}.{w.slot}.grad: {w.formula} is not defined here and "
                    f"{w.slot} holds a literal: skipped, {w.unit}.grad stays "
                    f"{fmt(w.grad_after, p)}"
                )
            )
            return lines
        lines.append(
            Text(
                f"  {step.gate}.{w.slot}.grad += {w.formula} × utop.grad = "
                f"{fmt(w.local, p)} × {fmt(w.upstream, p)}"
            )
        )
        line = Text(f"    {w.unit}.grad {fmt(w.grad_before, p)} → ")
        line.append(fmt(w.grad_after, p), style="bold")
        if len(w.pulls) > 1:
            line.append(f"   ({_sum(w.pulls, p)} = {fmt(w.grad_after, p)})", style="magenta")
        lines.append(line)
        lines.append(self._where(w.unit, next(s for s in step.slots if s.slot == w.slot)))
        return lines

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
