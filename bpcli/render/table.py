"""Passes as rich tables, returned as text (with colour codes only when asked).

One table per pass. A Unit held by two or more gate slots is one object: its
row is highlighted and its holders are joined with ``≡``. The backward table
shows how much each grad changed, the update table how much each value moved.
Names come from the user's file, so they are rich ``Text`` (never markup).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..engine import PassRecord
from ..gates import Op
from ..gradcheck import CheckRow

RIGHT = (
    "value",
    "grad",
    "Δgrad",
    "Δvalue",
    "x",
    "analytic",
    "numeric",
    "rel. error",
    "correct",
    "mistaken",
    "correct, last",
    "mistaken, last",
)
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


MAX_HOLDERS = 4  # slots listed per Unit; the rest are counted


def _holders(held_by: tuple[str, ...]) -> str:
    if not held_by:
        return "—"
    text = "\n≡ ".join(held_by[:MAX_HOLDERS])
    if len(held_by) > MAX_HOLDERS:
        text += f"\n≡ … {len(held_by) - MAX_HOLDERS} more slots"
    return text


def _table(title: Text | None, headers: list[str], rows: list[list[Text]], drop: int = -1) -> Table:
    """Nothing a reader needs is ever cut: every column keeps the width of its
    widest cell (a terminal too narrow wraps the line instead), and the holders
    of one object stand one per line."""
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                  pad_edge=False)  # fmt: skip
    keep = [k for k in range(len(headers)) if k != drop]
    for k in keep:
        widest = max((c.cell_len for r in rows for c in r[k].split("\n")), default=0)
        right = headers[k] in RIGHT
        table.add_column(headers[k], justify="right" if right else "left", no_wrap=True,
                         min_width=max(widest, len(headers[k])))  # fmt: skip
    for r in rows:
        table.add_row(*(r[k] for k in keep))
    return table


class TableRenderer:
    """Renders records to text at a fixed width, with or without colour."""

    def __init__(
        self,
        precision: int = 6,
        width: int = 120,
        color: bool = False,
        record: bool = False,
        max_rows: int | None = None,
        only: frozenset[str] = frozenset(),
    ) -> None:
        self.precision = precision
        self.max_rows = max_rows  # None: every row
        self.only = only  # names of the units to show; empty: all
        # With record, everything drawn is also kept, in colour, for SVG or HTML.
        self._recorder = (
            Console(file=io.StringIO(), width=width, record=True, force_terminal=True,
                    color_system="truecolor", highlight=False, emoji=False)
            if record else None
        )  # fmt: skip
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

    def _needs(self, renderable: object) -> int:
        console = self._console
        unbounded = console.options.update_width(10_000)
        return Measurement.get(console, unbounded, renderable).minimum  # type: ignore[arg-type]

    def _text(self, *renderables: object) -> str:
        """Renderables as text. One wider than the console is drawn whole (the
        terminal wraps its lines): bpcli never cuts a name, a number or an id."""
        console = self._console
        width = console.width
        console.width = max([width, *(self._needs(r) for r in renderables if isinstance(r, Table))])
        try:
            with console.capture() as cap:
                for r in renderables:
                    console.print(r)
            if self._recorder is not None:
                self._recorder.width = console.width
                for r in renderables:
                    self._recorder.print(r)
                self._recorder.print()
        finally:
            console.width = width
        return "\n".join(line.rstrip() for line in cap.get().split("\n"))

    def recorded(self, kind: str, title: str) -> str:
        """Everything drawn so far, as an SVG picture or an HTML page."""
        assert self._recorder is not None, "made without record=True"
        if kind == "svg":
            return self._recorder.export_svg(title=title, clear=False)
        return self._recorder.export_html(inline_styles=True, clear=False)

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
            row.append(Text(_holders(u.held_by), style=SHARED_STYLE if shared else ""))
            rows.append(row)
        headers = ["unit", "kind", "value", "grad", *([delta] if delta else []), "id", "held by"]
        table = _table(title, headers, rows)
        if self._needs(table) > self._console.width:  # narrow: the kind column goes first
            table = _table(title, headers, rows, drop=1)
        if not self._explained:
            table.caption = (
                "≡ : these gate slots hold one and the same Unit object (same id), so a grad "
                "written through one is read through the other"
            )
            table.caption_justify = "left"
            self._explained = True
        return self._text(table)

    def _pick(self, rec: PassRecord) -> tuple[list[int | None], int]:
        """The rows to draw (None marks a gap), and how many were left out."""
        chosen: list[int] = (
            [i for i, u in enumerate(rec.units) if u.name in self.only]
            if self.only else list(range(len(rec.units)))
        )  # fmt: skip
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
        return self._text(Text(line, style="bold"))

    def gates_table(self, ops: Sequence[Op]) -> str:
        rows = []
        for op in ops:
            call = f"{op.name}(u0, u1)" if op.arity == 2 else f"{op.name}(u0)"
            local = [*op.local_formulas, "—"][:2]
            rows.append([Text(call), Text(op.formula), *(Text(x) for x in local)])
        title = Text("bpcli gates · backward adds: u.grad += local × utop.grad")
        table = _table(title, ["op", "forward", "local ∂/∂u0", "local ∂/∂u1"], rows)
        notes = Text("\ndomains and notes:", style="bold")
        for op in ops:
            if op.domain:
                notes.append(f"\n  {op.name}: {op.domain}", style="")
        return self._text(table, notes)

    def mistake_table(self, mistake: str, rows: Sequence[Any]) -> str:
        p = self.precision
        styles = {"right": "green", "wrong": "bold red", "lost": "bold red", "piled up": "yellow"}
        cells = [
            [Text(r.unit), Text(fmt(r.correct, p)), Text(fmt(r.mistaken, p)),
             Text(fmt(r.correct_last, p)), Text(fmt(r.mistaken_last, p)),
             Text(r.verdict, style=styles.get(r.verdict, "")), Text(r.why, style="dim")]
            for r in rows
        ]  # fmt: skip
        title = Text(f"mistake '{mistake}': each input's gradient, correct against mistaken",
                     style="bold")  # fmt: skip
        headers = ["input", "correct", "mistaken", "correct, last", "mistaken, last", "verdict",
                   "why"]  # fmt: skip
        wrong = sum(r.verdict != "right" for r in rows)
        summary = Text(f"{wrong} of {len(rows)} inputs get a wrong gradient", style="bold")
        return self._text(_table(title, headers, cells), summary)

    def check_table(self, file: str, output: str, h: float, rows: Sequence[CheckRow]) -> str:
        p = self.precision
        styles = {"ok": "green", "warn": "yellow", "fail": "bold red", "kink": "magenta"}
        cells = []
        for r in rows:
            cells.append([
                Text(r.name),
                Text(fmt(r.value, p)),
                Text(fmt(r.analytic, p)),
                Text("—" if r.numeric is None else fmt(r.numeric, p)),
                Text("—" if r.rel_error is None else f"{r.rel_error:.1e}"),
                Text(r.verdict, style=styles.get(r.verdict, "")),
                Text(r.rule, style="dim"),
            ])  # fmt: skip
        title = Text(f"{file}: d{output}/dx, backprop against (f(x+h) − f(x−h)) / 2h, h = {h:g}")
        table = _table(title, ["input", "x", "analytic", "numeric", "rel. error", "verdict",
                               "decided by"], cells)  # fmt: skip
        notes = [Text(f"{r.name}: {r.kink}", style="magenta") for r in rows if r.kink]
        counts = {v: sum(r.verdict == v for r in rows) for v in styles}
        summary = Text(", ".join(f"{n} {v}" for v, n in counts.items() if n), style="bold")
        return self._text(table, *notes, summary)
