"""`bpcli run` as tables: one table per pass, and a line that sums the run up.

A Unit held by two or more gate slots is one object: its row is highlighted
and its holders are joined with ``≡`` (the legend says so, under the first
table that shows one). The backward table shows how much each grad changed,
the update table how much each value moved. Narrow, the `kind` column goes
first; then the id and the holders move, whole, to a line under each row.
"""

from __future__ import annotations

from ..core.addresses import address
from ..core.engine import PassRecord, UnitState
from ..i18n import N_, _, grouped, ngettext
from .console import PHASE_STYLE, SHARED_STYLE, Page, fmt, phase_word, signed, translated
from .layout import Cell, Column, Line, Span

MAX_HOLDERS = 4  # slots listed per Unit; the rest are counted
LEGEND = N_(
    "≡ : these gate slots hold one and the same Unit object (same id), so a grad "
    "written through one is read through the other"
)
COLUMNS = (
    Column(N_("unit")),
    Column(N_("kind"), leave=1),
    Column(N_("value"), right=True),
    Column(N_("grad"), right=True),
)
REUSED = "↺"
REUSED_LEGEND = N_(
    "↺ : a new object at an address another Unit had earlier in the run "
    "(Python reuses the memory of freed objects); the same id without "
    "↺ is the same object"
)
DELTA = {"backward": N_("Δgrad"), "update": N_("Δvalue")}
ID, HELD_BY = Column(N_("id"), below=2), Column(N_("held by"), below=2)
KINDS = {"input": N_("input"), "gate": N_("gate"), "const": N_("const")}  # as the table says


def kind_word(kind: str) -> str:
    word = KINDS.get(kind)
    return _(word) if word is not None else kind


def holders_text(held_by: tuple[str, ...]) -> str:
    if not held_by:
        return "—"
    text = "\n≡ ".join(held_by[:MAX_HOLDERS])
    if len(held_by) > MAX_HOLDERS:
        more = len(held_by) - MAX_HOLDERS
        text += "\n≡ " + ngettext("… {n} more slot", "… {n} more slots", more).format(n=more)
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
        encoding: str = "ascii",
    ) -> None:
        super().__init__(precision, width, color, record, ascii, encoding)
        self.max_rows = max_rows  # None: every row
        self.only = only  # names of the units to show; empty: all
        self._told: set[str] = set()  # the legends said already: each once a run

    def pass_table(self, rec: PassRecord, prev: PassRecord | None, output: str) -> str:
        p = self.precision
        phase_style = PHASE_STYLE.get(rec.phase, "")
        title: Line = [
            (f"{phase_word(rec.phase)} {rec.iteration}", f"bold {phase_style}"),
            (f"   {output} = {fmt(rec.output_value, p)}", ""),
        ]
        delta = DELTA.get(rec.phase) if prev is not None else None
        rows: list[list[Cell] | Span] = []
        shown, hidden = self._pick(rec)
        any_shared = any_reused = False
        backward = rec.phase == "backward"
        for i in shown:
            if i is None:  # where rows were left out
                note = ngettext(
                    "… {n} more unit (--all shows every one)",
                    "… {n} more units (--all shows every one)",
                    hidden,
                ).format(n=grouped(hidden))
                rows.append(Span([(note, "dim")]))
                continue
            u = rec.units[i]
            shared = len(u.held_by) > 1
            any_shared = any_shared or shared
            any_reused = any_reused or u.reused
            row: list[Cell] = [
                (u.name, "bold" if shared else ""),
                (kind_word(u.kind), "dim"),
                (fmt(u.value, p), ""),
                (fmt(u.grad, p), ""),
            ]
            if delta is not None and prev is not None:
                before = prev.units[i]
                change = u.grad - before.grad if backward else u.value - before.value
                row.append((signed(change, p), phase_style))
            row.append(self.id_cell(u, shared))
            row.append((holders_text(u.held_by), SHARED_STYLE if shared else ""))
            rows.append(row)
        columns = translated(
            [*COLUMNS, *([Column(delta, right=True, below=3)] if delta else []), ID, HELD_BY]
        )
        return self.text(self.table(columns, rows, title, self._legends(any_shared, any_reused)))

    def _legends(self, shared: bool, reused: bool) -> Line | None:
        """What this table shows for the first time in the run: ≡, ↺."""
        new = [t for t, shown in ((LEGEND, shared), (REUSED_LEGEND, reused)) if shown]
        new = [t for t in new if t not in self._told]
        self._told.update(new)
        return [("\n".join(_(t) for t in new), "")] if new else None

    def id_cell(self, u: UnitState, shared: bool) -> Cell:
        mark = f" {REUSED}" if u.reused else ""
        return (address(u.id) + mark, SHARED_STYLE if shared else "dim")

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
            line = _("{output} = {value} (no update)").format(
                output=output, value=fmt(first.output_value, p)
            )
        else:
            change = last.output_value - first.output_value
            line = ngettext(
                "{output}: {first} → {last} ({change}) after {n} update",
                "{output}: {first} → {last} ({change}) after {n} updates",
                updates,
            ).format(
                output=output,
                first=fmt(first.output_value, p),
                last=fmt(last.output_value, p),
                change=signed(change, p) or "±0",
                n=updates,
            )
        return self.text(self.wrap([(line, "bold")], indent="  ", first=""))
