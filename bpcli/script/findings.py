"""What `bpcli check SCRIPT.py` finds (blame.py), worded twice: in English in
``message``, as JSON says it, and from its template and arguments in the
reader's language, as the text view and the trace draw it (``text()``)."""

from __future__ import annotations

from typing import NamedTuple

from ..i18n import N_, _
from ..steps import Source

A_UNIT = N_("a Unit")  # a Unit the script gave no name


class Finding(NamedTuple):
    kind: str  # local, assign, order, stale, total; kink for a note
    gate: str | None
    source: Source
    expected: float | None
    got: float | None
    message: str  # in English, as JSON says it
    template: str = ""  # the message's template, marked N_, and what fills it
    args: tuple[tuple[str, str], ...] = ()

    def text(self) -> str:
        """The message in the reader's language."""
        return translated(self.template, self.args) if self.template else self.message

    def said(self) -> Said:
        """The message as a ``Said``: English, its translation at hand."""
        return said(self.template, **dict(self.args)) if self.template else Said(self.message)


def translated(template: str, args: tuple[tuple[str, str], ...]) -> str:
    """``template`` (marked ``N_``) in the reader's language, filled with ``args``."""
    return _(template).format(**{k: _(v) if v == A_UNIT else v for k, v in args})


class Said(str):
    """English text, as JSON shows it, that can also say itself in the reader's
    language: ``text()`` (the text view's, a trace's)."""

    template: str = ""
    args: tuple[tuple[str, str], ...] = ()

    def text(self) -> str:
        return translated(self.template, self.args) if self.template else str(self)


def said(template: str, /, **args: str) -> Said:
    """``template`` (marked ``N_``) filled in English, its translation at hand."""
    s = Said(template.format(**args))
    s.template, s.args = template, tuple(args.items())
    return s


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
    """A Finding, its message worded from ``template`` (English in ``message``)."""
    message = template.format(**args)
    return Finding(kind, gate, source, expected, got, message, template, tuple(args.items()))
