"""Passes as rich tables, returned as text (with colour codes only when asked).

One table per pass. A Unit held by two or more gate slots is one object: its
row is highlighted and its holders are joined with ``≡``. The backward table
shows how much each grad changed, the update table how much each value moved.
Names come from the user's file, so they are rich ``Text`` (never markup).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..engine import PassRecord
from ..gates import Op

SAME = " ≡ "
SHARED_STYLE = "bold cyan"
PHASE_STYLE = {"forward": "green", "backward": "magenta", "update": "yellow"}


def fmt(x: float, precision: int) -> str:
    """Readable fixed point; scientific for very small or very large magnitudes."""
    if x == 0.0:
        return f"{0.0:.{precision}f}"
    if 1e-4 <= abs(x) < 1e9:
        return f"{x:.{precision}f}"
    return f"{x:.{precision}e}"


def signed(x: float, precision: int) -> str:
    if x == 0.0:
        return ""
    s = fmt(x, precision)
    return s if s.startswith("-") else "+" + s


class TableRenderer:
    """Renders records to text at a fixed width, with or without colour."""

    def __init__(self, precision: int = 6, width: int = 120, color: bool = False) -> None:
        self.precision = precision
        self._console = Console(
            file=io.StringIO(),
            width=width,
            force_terminal=color,
            no_color=not color,
            color_system="auto" if color else None,
            highlight=False,
            emoji=False,
        )
        self._explained = False

    def _text(self, *renderables: object) -> str:
        with self._console.capture() as cap:
            for r in renderables:
                self._console.print(r)
        return "\n".join(line.rstrip() for line in cap.get().split("\n"))

    def header(self, file: str, description: str | None, output: str, step_size: float) -> str:
        t = Text(file, style="bold")
        if description:
            t.append(f" — {description}")
        t.append(f"\noutput {output} · step size {step_size!r}", style="dim")
        return self._text(t)

    def pass_table(self, rec: PassRecord, prev: PassRecord | None, output: str) -> str:
        p = self.precision
        phase_style = PHASE_STYLE.get(rec.phase, "")
        title = Text.assemble(
            (f"{rec.phase} {rec.iteration}", f"bold {phase_style}"),
            f"   {output} = {fmt(rec.output_value, p)}",
        )
        table = Table(title=title, title_justify="left", header_style="bold")
        table.add_column("unit")
        table.add_column("kind")
        table.add_column("value", justify="right")
        table.add_column("grad", justify="right")
        delta = {"backward": "Δgrad", "update": "Δvalue"}.get(rec.phase)
        if delta and prev is not None:
            table.add_column(delta, justify="right")
        else:
            delta = None
        table.add_column("id")
        table.add_column("held by (≡ same object)", overflow="fold")
        for i, u in enumerate(rec.units):
            shared = len(u.held_by) > 1
            row: list[Text] = [
                Text(u.name, style="bold" if shared else ""),
                Text(u.kind, style="dim"),
                Text(fmt(u.value, p)),
                Text(fmt(u.grad, p)),
            ]
            if delta and prev is not None:
                before = prev.units[i]
                change = u.grad - before.grad if rec.phase == "backward" else u.value - before.value
                row.append(Text(signed(change, p), style=phase_style))
            row.append(Text(hex(u.id), style=SHARED_STYLE if shared else "dim"))
            row.append(Text(SAME.join(u.held_by) or "—", style=SHARED_STYLE if shared else ""))
            table.add_row(*row)
        if not self._explained:
            table.caption = (
                "≡ : these gate slots hold one and the same Unit object (same id), so a grad "
                "written through one is read through the other"
            )
            table.caption_justify = "left"
            self._explained = True
        return self._text(table)

    def summary(self, output: str, first: PassRecord, last: PassRecord, updates: int) -> str:
        p = self.precision
        if updates == 0:
            line = f"{output} = {fmt(first.output_value, p)} (no update)"
        else:
            change = last.output_value - first.output_value
            plural = "update" if updates == 1 else "updates"
            line = (
                f"{output}: {fmt(first.output_value, p)} → {fmt(last.output_value, p)} "
                f"({signed(change, p) or '±0'}) after {updates} {plural}"
            )
        return self._text(Text(line, style="bold"))

    def gates_table(self, ops: Sequence[Op]) -> str:
        table = Table(
            title="bpcli gates · backward adds: u.grad += local × utop.grad",
            title_justify="left",
            header_style="bold",
        )
        table.add_column("op")
        table.add_column("forward")
        table.add_column("local ∂/∂u0", no_wrap=True)
        table.add_column("local ∂/∂u1", no_wrap=True)
        table.add_column("domain / notes")
        for op in ops:
            local = [*op.local_formulas, "—"][:2]
            call = f"{op.name}(u0, u1)" if op.arity == 2 else f"{op.name}(u0)"
            table.add_row(call, op.formula, *local, op.domain)
        return self._text(table)
