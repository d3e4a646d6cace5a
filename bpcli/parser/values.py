"""What a number is and what a name is (SPEC §2): each rule in one place.

``parse_number`` is the number rule: every number bpcli reads (a unit's value,
``step_size``, a literal argument, ``--set``) goes through it. ``is_name`` is
the name rule: every unit, gate and output name is checked by it, and nothing
else in the parser knows which characters a name may hold. A name is any
Python identifier after NFKC normalisation (``вес``, ``смещение``, ``変数``;
issue 15 replaces SPEC's ASCII rule), and ``is_name`` gives it in that form:
two spellings that normalise alike (``ﬁ`` and ``fi``) are one name, as they are
one identifier to Python.
"""

from __future__ import annotations

import math
import re
import unicodedata

from ..i18n import N_, _, grouped

NUMBER_RE = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
NUMBER_START = "+-.0123456789"  # a literal argument starts so; a name never does
_BOOLEANS = {"true", "false", "yes", "no", "on", "off", "y", "n"}
_NONFINITE = re.compile(r"[-+]?\.?(?:nan|inf|infinity)\Z", re.IGNORECASE)
_NULLS = {"", "~", "null"}

MAX_NAME = 1024  # characters in a name, at most
# A name's usual form, as a pattern for finding one in a text (gate_text's and
# advice's regexes read it): a letter or '_', then letters, digits and '_', of
# any alphabet. ``is_name`` decides what is a name.
NAME = rf"[^\W\d]\w{{0,{MAX_NAME - 1}}}"
NAME_RULE = N_("a name is letters, digits and '_', and does not start with a digit")


def is_name(text: str) -> str | None:
    """The name rule: the name, in its NFKC form, when the whole text is one (a
    Python identifier of at most ``MAX_NAME`` characters), else None."""
    if text.isascii():
        return text if len(text) <= MAX_NAME and text.isidentifier() else None
    name = unicodedata.normalize("NFKC", text)
    return name if len(name) <= MAX_NAME and name.isidentifier() else None


def _first_bad(name: str) -> str | None:
    """The first character of a (normalised) text that cannot be where it is in a name."""
    for i, ch in enumerate(name):
        if not (ch if i == 0 else "a" + ch).isidentifier():
            return ch
    return None


def invalid_name(text: str, what: str = "name") -> str:
    """What is wrong with a text that is not a name: its length, or the first
    character that cannot be in one (with its code point)."""
    shown = quoted(text)
    if len(text) > MAX_NAME:
        return _(
            "invalid {what} {text}: {length} characters, and a name has at most {most}"
        ).format(what=_(what), text=shown, length=grouped(len(text)), most=grouped(MAX_NAME))
    bad = _first_bad(unicodedata.normalize("NFKC", text))
    if bad is not None and not bad.isascii():
        return _("invalid {what} {text}: {char} ({code}) cannot be in a name").format(
            what=_(what), text=shown, char=repr(bad), code=code_point(bad)
        )
    return _("invalid {what} {text}: {rule}").format(what=_(what), text=shown, rule=_(NAME_RULE))


N_("name")  # the ``what`` of invalid_name: each one its callers pass
N_("output name")


def code_point(ch: str) -> str:
    """``U+0430 CYRILLIC SMALL LETTER A``: a character as Unicode names it."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def quoted(text: str, limit: int = 60) -> str:
    """User text quoted for a one-line message: escaped, and cut when long."""
    shown = text if text.isprintable() else repr(text)[1:-1]
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f"'{shown}'"


def parse_number(text: str) -> float | str:
    """A number as a person writes it, or the reason it is not one."""
    if NUMBER_RE.match(text):  # the common case first: a number, nothing around it
        x = float(text)
        if -math.inf < x < math.inf:
            return x
    t = text.strip()
    low = t.lower()
    if low in _NULLS:
        return _("no value given")
    if low in _BOOLEANS:
        return _("{text} is a boolean, not a number").format(text=quoted(t))
    if _NONFINITE.match(t):
        return _("{text} is not a finite number").format(text=quoted(t))
    if not NUMBER_RE.match(t):
        return _("{text} is not a number").format(text=quoted(t))
    x = float(t)
    if not math.isfinite(x):
        return _("{text} is too large: it overflows to infinity").format(text=quoted(t))
    return x


def name_hint(text: str) -> str | None:
    """For an invalid name: the valid name it was probably meant to be."""
    fixed = re.sub(r"[-.]", "_", text.strip())
    if fixed and fixed != text and is_name(fixed):
        return _("did you mean '{name}'?").format(name=fixed)
    return None
