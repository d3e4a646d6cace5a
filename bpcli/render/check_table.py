"""`bpcli check` as a table: each input's two gradients, the verdict and the
rule that decided it, and notes on kinks."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ..gradcheck import CheckRow
from ..safe_text import shown
from .console import Page, fmt


def check_table(page: Page, file: str, output: str, h: float, rows: Sequence[CheckRow]) -> str:
    p = page.precision
    styles = {"ok": "green", "warn": "yellow", "fail": "bold red", "kink": "magenta"}
    cells = [
        [
            Text(r.name),
            Text(fmt(r.value, p)),
            Text(fmt(r.analytic, p)),
            Text("—" if r.numeric is None else fmt(r.numeric, p)),
            Text("—" if r.rel_error is None else f"{r.rel_error:.1e}"),
            Text(r.verdict, style=styles.get(r.verdict, "")),
            Text(r.rule, style="dim"),
        ]
        for r in rows
    ]
    title = Text(f"{shown(file)}: d{output}/dx, backprop against (f(x+h) − f(x−h)) / 2h, h = {h:g}")
    if not rows:
        return page.text(title, Text("the circuit has no input units: nothing to check"))
    headers = ["input", "x", "analytic", "numeric", "rel. error", "verdict", "decided by"]
    notes = [Text(f"{r.name}: {r.kink}", style="magenta") for r in rows if r.kink]
    notes += [Text(f"{r.name}: {r.note}", style="red") for r in rows if r.note]
    counts = {v: sum(r.verdict == v for r in rows) for v in styles}
    summary = Text(", ".join(f"{n} {v}" for v, n in counts.items() if n), style="bold")
    return page.text(page.table(title, headers, cells), *notes, summary)
