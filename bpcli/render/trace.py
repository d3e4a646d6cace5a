"""Trace steps as text (one block per gate call) and as JSON events.

A forward step shows the call and the gate's slots, the new ``utop`` marked.
A backward step writes the chain rule out with numbers, one line per write,
then where the written object is also held (the slot that will read it
next), and, where a Unit has received several pulls, their running sum.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from ..tracer import SlotView, Step, Write
from .table import PHASE_STYLE, SHARED_STYLE, TableRenderer, _table, fmt


class TraceRenderer(TableRenderer):
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
            parts.append(Text("◆ here the run with the mistake parts from the correct one:",
                              style="bold red"))  # fmt: skip
            for unit, here, there in step.parts[:12]:
                parts.append(Text(
                    f"    {unit}: value {fmt(here[0], p)}, grad {fmt(here[1], p)} here; "
                    f"value {fmt(there[0], p)}, grad {fmt(there[1], p)} with the mistake",
                    style="red",
                ))  # fmt: skip
        return self._text(*parts)

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
            rows.append([
                Text(s.slot),
                Text(s.unit, style="bold" if s.also else ""),
                Text(hex(s.id) + (" new" if new else ""), style=style or "dim"),
                Text(fmt(s.value, p)),
                Text(fmt(s.grad, p)),
                Text("\n".join(s.also) or "—", style=style),
            ])  # fmt: skip
        return _table(None, ["slot", "unit", "id", "value", "grad", "same object as"], rows)


def _sum(pulls: tuple[float, ...], p: int) -> str:
    """1.000000 + 2.000000 − 0.500000: a running sum, as a person writes it."""
    return fmt(pulls[0], p) + "".join(
        f" − {fmt(-x, p)}" if x < 0 else f" + {fmt(x, p)}" for x in pulls[1:]
    )


def _slot(s: SlotView) -> dict[str, Any]:
    return {"unit": s.unit, "id": hex(s.id), "value": s.value, "grad": s.grad,
            "same_object_as": list(s.also)}  # fmt: skip


def step_dict(step: Step, number: int) -> dict[str, Any]:
    """One trace event (SPEC §6 and the README's trace section)."""
    event: dict[str, Any] = {
        "step": number,
        "phase": step.phase,
        "iteration": step.iteration,
        "call": step.call,
        "gate": step.gate,
        "op": step.op,
        "class": step.cls,
        "line": step.line,
        "slots": {s.slot: _slot(s) for s in step.slots},
    }
    if step.phase == "backward" or step.writes:
        event["writes"] = [
            {
                key: value
                for key, value in (
                    ("slot", w.slot), ("unit", w.unit), ("formula", w.formula),
                    ("local", w.local), ("upstream", w.upstream),
                    ("grad_before", w.grad_before), ("grad_after", w.grad_after),
                    ("pulls", list(w.pulls)), ("skipped", w.skipped),
                )
                if value is not None and (key != "formula" or value)
            }
            for w in step.writes
        ]  # fmt: skip
    if step.update is not None:
        u = step.update
        event["update"] = {
            "unit": u.unit,
            "step_size": u.step_size,
            "grad": u.grad,
            "value_before": u.value_before,
            "value_after": u.value_after,
        }
    if step.new is not None:
        event["new"] = step.new
    if step.parts:
        event["diverges"] = {
            unit: {"correct": {"value": here[0], "grad": here[1]},
                   "mistaken": {"value": there[0], "grad": there[1]}}
            for unit, here, there in step.parts
        }  # fmt: skip
    return event
