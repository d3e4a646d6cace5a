"""`bpcli check` as a table: each input's backprop gradient against a central
difference, the verdict and the rule that decided it; the notes (kinks,
overflows) and a count of the verdicts."""

from __future__ import annotations

from collections.abc import Sequence

from ..core.gradcheck import CheckRow
from ..i18n import N_, _, ngettext
from ..i18n.safe_text import shown
from ..i18n.worded import in_words
from .console import Page, fmt, translated
from .layout import Cell, Column, Line

STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "kink": "magenta"}
VERDICTS = {"ok": N_("ok"), "warn": N_("warn"), "fail": N_("fail"), "kink": N_("kink")}
# The central difference, written as one word so that no line breaks inside it.
FORMULA = "(f(x+h)-f(x-h))/2h"
COLUMNS = (
    Column(N_("input")),
    Column("x", right=True, below=2, label="x ="),
    Column(N_("analytic"), right=True),
    Column(N_("numeric"), right=True),
    Column(N_("rel. error"), right=True, short=N_("rel.err")),
    Column(N_("verdict")),
    Column(N_("decided by"), prose=True, below=1, label=N_("decided by:")),
)


def summary(counts: dict[str, int]) -> str:
    """`3 ok, 1 fail`: each verdict's count, in the reader's language."""
    said = {
        "ok": lambda n: ngettext("{n} ok", "{n} ok", n),
        "warn": lambda n: ngettext("{n} warn", "{n} warn", n),
        "fail": lambda n: ngettext("{n} fail", "{n} fail", n),
        "kink": lambda n: ngettext("{n} kink", "{n} kink", n),
    }
    return ", ".join(said[v](n).format(n=n) for v, n in counts.items() if n)


def check_table(page: Page, file: str, output: str, h: float, rows: Sequence[CheckRow]) -> str:
    p = page.precision
    cells: list[list[Cell]] = [
        [
            (r.name, ""),
            (fmt(r.value, p), ""),
            (fmt(r.analytic, p), ""),
            ("—" if r.numeric is None else fmt(r.numeric, p), ""),
            ("—" if r.rel_error is None else f"{r.rel_error:.1e}", ""),
            (_(VERDICTS[r.verdict]), STYLES.get(r.verdict, "")),
            (in_words(r.rule), "dim"),
        ]
        for r in rows
    ]
    title: Line = [
        (
            _("{file}: d{output}/dx, backprop against {formula}, h = {h}").format(
                file=shown(file), output=output, formula=FORMULA, h=f"{h:g}"
            ),
            "",
        )
    ]
    if not rows:
        return page.text(
            page.wrap(title, indent="  ", first=""),
            page.paragraph(_("the circuit has no input units: nothing to check"), indent=""),
        )
    notes = [
        page.wrap([(f"{r.name}: {in_words(r.kink)}", "magenta")], indent="  ")
        for r in rows
        if r.kink
    ]
    notes += [
        page.wrap([(f"{r.name}: {in_words(r.note)}", "red")], indent="  ") for r in rows if r.note
    ]
    counts = {v: sum(r.verdict == v for r in rows) for v in STYLES}
    return page.text(
        page.table(translated(COLUMNS), cells, title), *notes, [[(summary(counts), "bold")]]
    )
