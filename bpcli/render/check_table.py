"""`bpcli check` as a table: each input's backprop gradient against a central
difference, the verdict and the rule that decided it; the notes (kinks,
overflows) and a count of the verdicts."""

from __future__ import annotations

from collections.abc import Sequence

from ..gradcheck import CheckRow
from ..safe_text import shown
from .console import Page, fmt
from .layout import Cell, Column, Line

STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "kink": "magenta"}
COLUMNS = (
    Column("input"),
    Column("x", right=True, below=2),
    Column("analytic", right=True),
    Column("numeric", right=True),
    Column("rel. error", right=True, short="rel.err"),
    Column("verdict"),
    Column("decided by", prose=True, below=1),
)


def check_table(page: Page, file: str, output: str, h: float, rows: Sequence[CheckRow]) -> str:
    p = page.precision
    cells: list[list[Cell]] = [
        [
            (r.name, ""),
            (fmt(r.value, p), ""),
            (fmt(r.analytic, p), ""),
            ("—" if r.numeric is None else fmt(r.numeric, p), ""),
            ("—" if r.rel_error is None else f"{r.rel_error:.1e}", ""),
            (r.verdict, STYLES.get(r.verdict, "")),
            (r.rule, "dim"),
        ]
        for r in rows
    ]
    title: Line = [
        (f"{shown(file)}: d{output}/dx, backprop against (f(x+h) - f(x-h)) / 2h, h = {h:g}", "")
    ]
    if not rows:
        return page.text(
            page.wrap(title, indent="  ", first=""),
            page.paragraph("the circuit has no input units: nothing to check", indent=""),
        )
    notes = [page.wrap([(f"{r.name}: {r.kink}", "magenta")], indent="  ") for r in rows if r.kink]
    notes += [page.wrap([(f"{r.name}: {r.note}", "red")], indent="  ") for r in rows if r.note]
    counts = {v: sum(r.verdict == v for r in rows) for v in STYLES}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    return page.text(page.table(COLUMNS, cells, title), *notes, [[(summary, "bold")]])
