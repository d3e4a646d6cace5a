"""`run --mistake` after the run: each input's gradient in the correct run
against the mistaken one, first and last pass, the verdict and why."""

from __future__ import annotations

from collections.abc import Sequence

from ..mistakes import Comparison
from .console import Page, fmt
from .layout import Cell, Column, Line

STYLES = {"right": "green", "wrong": "bold red", "lost": "bold red", "piled up": "yellow"}
COLUMNS = (
    Column("input"),
    Column("correct", right=True),
    Column("mistaken", right=True),
    Column("correct, last", right=True, below=2, short="correct@end"),
    Column("mistaken, last", right=True, below=2, short="mistaken@end"),
    Column("verdict"),
    Column("why", prose=True, below=1),
)


def mistake_table(page: Page, mistake: str, rows: Sequence[Comparison]) -> str:
    p = page.precision
    cells: list[list[Cell]] = [
        [
            (r.unit, ""),
            (fmt(r.correct, p), ""),
            (fmt(r.mistaken, p), ""),
            (fmt(r.correct_last, p), ""),
            (fmt(r.mistaken_last, p), ""),
            (r.verdict, STYLES.get(r.verdict, "")),
            (r.why, "dim"),
        ]
        for r in rows
    ]
    title: Line = [
        (f"mistake '{mistake}': each input's gradient, correct against mistaken", "bold")
    ]
    if not rows:
        none = "the circuit has no input units: no gradient to get wrong"
        return page.text(page.wrap(title, indent="  ", first=""), page.paragraph(none, indent=""))
    wrong = sum(r.verdict != "right" for r in rows)
    summary = f"{wrong} of {len(rows)} inputs get a wrong gradient"
    return page.text(page.table(COLUMNS, cells, title), [[(summary, "bold")]])
