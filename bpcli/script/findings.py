"""What `bpcli check SCRIPT.py` finds (blame.py): each message a ``Worded``,
English as JSON says it, worded again in the reader's language where the text
view and the trace draw it (``Finding.text()``)."""

from __future__ import annotations

from typing import NamedTuple

from ..core.steps import Source
from ..i18n import N_
from ..i18n.worded import Worded, in_words

A_UNIT = Worded(N_("a Unit"))  # a Unit the script gave no name


class Finding(NamedTuple):
    kind: str  # local, assign, order, stale, total; kink for a note
    gate: str | None
    source: Source
    expected: float | None
    got: float | None
    message: str  # in English, as JSON says it (a Worded)

    def text(self) -> str:
        """The message in the reader's language."""
        return in_words(self.message)


def found(
    kind: str,
    gate: str | None,
    source: Source,
    expected: float | None,
    got: float | None,
    template: str,
    /,
    **args: str,
) -> Finding:
    """A Finding, its message worded from ``template`` (marked N_)."""
    return Finding(kind, gate, source, expected, got, Worded(template, **args))
