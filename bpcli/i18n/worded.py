"""Texts the data keeps in English, for a program to read (a mistake's `why`,
a check row's rule, kink and note go into JSON as they are), that a text view
words in the reader's language: each remembers its message and arguments.

``Worded`` is a ``str`` (its English text), so JSON, tests and comparisons see
nothing else; ``in_words`` gives it in the language chosen, and any other
string through ``_``. Its messages are marked where they are written:
``Worded(N_("…{x}…"), x=…)``, ``Worded.ngettext("…", "…", n, n=n)``.
"""

from __future__ import annotations

from typing import Any

from . import _, ngettext


class Worded(str):
    """English text that can be worded again in the reader's language."""

    message: str
    plural: str | None
    number: int
    args: dict[str, Any]

    def __new__(cls, message: str, /, **args: Any) -> Worded:
        text = super().__new__(cls, message.format(**args))
        text.message, text.plural, text.number, text.args = message, None, 0, args
        return text

    def __reduce__(self) -> tuple[object, ...]:
        """Copied and pickled as what it was made of, not as its finished text (which
        may hold braces that are no placeholders)."""
        return (_remade, (self.message, self.plural, self.number, self.args))

    @classmethod
    def ngettext(cls, singular: str, plural: str, count: int, **args: Any) -> Worded:
        """A count's text (Russian has three plural forms): English by ``count``."""
        text = cls(singular if count == 1 else plural, **args)
        text.message, text.plural, text.number = singular, plural, count
        return text


def _remade(message: str, plural: str | None, number: int, args: dict[str, Any]) -> Worded:
    if plural is None:
        return Worded(message, **args)
    return Worded.ngettext(message, plural, number, **args)


def in_words(text: str) -> str:
    """``text`` in the language chosen: a Worded's message translated, its
    arguments put in (those that are Worded, worded too); another text looked
    up as it is; an empty text stays empty (gettext's "" is the catalog's header)."""
    if not text:
        return text
    if not isinstance(text, Worded):
        return _(text)
    args = {k: in_words(v) if isinstance(v, Worded) else v for k, v in text.args.items()}
    if text.plural is None:
        return _(text.message).format(**args)
    return ngettext(text.message, text.plural, text.number).format(**args)
