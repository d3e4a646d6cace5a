"""`run --mistake` after the run: each input's gradient in the correct run
against the mistaken one, first and last pass, the verdict and why."""

from __future__ import annotations

from collections.abc import Sequence

from ..core.mistakes import Comparison
from ..i18n import N_, _, ngettext
from ..i18n.worded import in_words
from .console import Page, fmt, translated
from .layout import Cell, Column, Line

STYLES = {"right": "green", "wrong": "bold red", "lost": "bold red", "piled up": "yellow"}
VERDICTS = {
    "right": N_("right"),
    "wrong": N_("wrong"),
    "lost": N_("lost"),
    "piled up": N_("piled up"),
}
COLUMNS = (
    Column(N_("input")),
    Column(N_("correct"), right=True),
    Column(N_("mistaken"), right=True),
    Column(
        N_("correct, last"),
        right=True,
        below=2,
        short=N_("correct@end"),
        label=N_("correct, last:"),
    ),
    Column(
        N_("mistaken, last"),
        right=True,
        below=2,
        short=N_("mistaken@end"),
        label=N_("mistaken, last:"),
    ),
    Column(N_("verdict")),
    Column(N_("why"), prose=True, below=1, label=N_("why:")),
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
            (_(VERDICTS[r.verdict]), STYLES.get(r.verdict, "")),
            (in_words(r.why), "dim"),  # English in the data (JSON's `why`),
        ]
        for r in rows
    ]
    title: Line = [
        (
            _("mistake '{mistake}': each input's gradient, correct against mistaken").format(
                mistake=mistake
            ),
            "bold",
        )
    ]
    if not rows:
        none = _("the circuit has no input units: no gradient to get wrong")
        return page.text(page.wrap(title, indent="  ", first=""), page.paragraph(none, indent=""))
    wrong = sum(r.verdict != "right" for r in rows)
    summary = ngettext(
        "a wrong gradient for {wrong} of {n} input",
        "a wrong gradient for {wrong} of {n} inputs",
        len(rows),
    ).format(wrong=wrong, n=len(rows))
    return page.text(page.table(translated(COLUMNS), cells, title), [[(summary, "bold")]])
