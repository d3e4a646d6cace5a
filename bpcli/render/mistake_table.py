"""`run --mistake` as a table: each input's gradient, correct against mistaken,
a verdict and why."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ..mistakes import Comparison
from .console import Page, fmt


def mistake_table(page: Page, mistake: str, rows: Sequence[Comparison]) -> str:
    p = page.precision
    styles = {"right": "green", "wrong": "bold red", "lost": "bold red", "piled up": "yellow"}
    cells = [
        [
            Text(r.unit),
            Text(fmt(r.correct, p)),
            Text(fmt(r.mistaken, p)),
            Text(fmt(r.correct_last, p)),
            Text(fmt(r.mistaken_last, p)),
            Text(r.verdict, style=styles.get(r.verdict, "")),
            Text(r.why, style="dim"),
        ]
        for r in rows
    ]
    title = Text(
        f"mistake '{mistake}': each input's gradient, correct against mistaken", style="bold"
    )
    if not rows:
        return page.text(title, Text("the circuit has no input units: no gradient to get wrong"))
    headers = ["input", "correct", "mistaken", "correct, last", "mistaken, last", "verdict", "why"]
    wrong = sum(r.verdict != "right" for r in rows)
    summary = Text(f"{wrong} of {len(rows)} inputs get a wrong gradient", style="bold")
    return page.text(page.table(title, headers, cells), summary)
