"""`bpcli run` as tables: one table per pass, and a line that sums the run up.

A Unit held by two or more gate slots is one object: its row is highlighted
and its holders are joined with ``≡``. The backward table shows how much each
grad changed, the update table how much each value moved.
"""

from __future__ import annotations

from rich.text import Text

from ..engine import PassRecord
from .console import PHASE_STYLE, SHARED_STYLE, Page, fmt, signed

MAX_HOLDERS = 4  # slots listed per Unit; the rest are counted
LEGEND = (
    "≡ : these gate slots hold one and the same Unit object (same id), so a grad "
    "written through one is read through the other"
)


def holders_text(held_by: tuple[str, ...]) -> str:
    if not held_by:
        return "—"
    text = "\n≡ ".join(held_by[:MAX_HOLDERS])
    if len(held_by) > MAX_HOLDERS:
        text += f"\n≡ … {len(held_by) - MAX_HOLDERS} more slots"
    return text


class RunTables(Page):
    """The tables of one run, drawn pass by pass."""

    def __init__(
        self,
        precision: int = 6,
        width: int = 120,
        color: bool = False,
        record: bool = False,
        max_rows: int | None = None,
        only: frozenset[str] = frozenset(),
        ascii: bool = False,
    ) -> None:
        super().__init__(precision, width, color, record, ascii)
        self.max_rows = max_rows  # None: every row
        self.only = only  # names of the units to show; empty: all
        self._explained = False

    def pass_table(self, rec: PassRecord, prev: PassRecord | None, output: str) -> str:
        p = self.precision
        phase_style = PHASE_STYLE.get(rec.phase, "")
        title = Text.assemble(
            (f"{rec.phase} {rec.iteration}", f"bold {phase_style}"),
            f"   {output} = {fmt(rec.output_value, p)}",
        )
        delta = {"backward": "Δgrad", "update": "Δvalue"}.get(rec.phase)
        if prev is None:
            delta = None
        rows: list[list[Text]] = []
        shown, hidden = self._pick(rec)
        for i in shown:
            if i is None:  # where rows were left out
                rows.append([Text("…", style="dim"), *(Text("") for _ in range(5 + bool(delta)))])
                rows[-1][-1] = Text(f"{hidden:,} more units (--all shows every one)", style="dim")
                continue
            u = rec.units[i]
            shared = len(u.held_by) > 1
            row = [
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
            row.append(Text(holders_text(u.held_by), style=SHARED_STYLE if shared else ""))
            rows.append(row)
        headers = ["unit", "kind", "value", "grad", *([delta] if delta else []), "id", "held by"]
        drawn = self.table(title, headers, rows)
        if self.needs(drawn) > self.width:  # narrow: the kind column goes first
            drawn = self.table(title, headers, rows, drop=1)
        if not self._explained:
            drawn.caption = LEGEND
            drawn.caption_justify = "left"
            self._explained = True
        return self.text(drawn)

    def _pick(self, rec: PassRecord) -> tuple[list[int | None], int]:
        """The rows to draw (None marks a gap), and how many were left out."""
        chosen: list[int] = (
            [i for i, u in enumerate(rec.units) if u.name in self.only]
            if self.only
            else list(range(len(rec.units)))
        )
        if self.max_rows is None or len(chosen) <= self.max_rows:
            return list(chosen), 0
        head = max(1, self.max_rows // 2)
        tail = max(1, self.max_rows - head)
        return [*chosen[:head], None, *chosen[-tail:]], len(chosen) - head - tail

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
        return self.text(Text(line, style="bold"))
