"""What a number is and what a name is (SPEC §2): each rule in one place.

``parse_number`` is the number rule: every number bpcli reads (a unit's value,
``step_size``, a literal argument, ``--set``) goes through it. ``is_name`` is
the name rule: every unit, gate and output name is checked by it, and nothing
else in the parser knows which characters a name may hold.
"""

from __future__ import annotations

import math
import re

NUMBER_RE = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
NUMBER_START = "+-.0123456789"  # a literal argument starts so; a name never does
_BOOLEANS = {"true", "false", "yes", "no", "on", "off", "y", "n"}
_NONFINITE = re.compile(r"[-+]?\.?(?:nan|inf|infinity)\Z", re.IGNORECASE)
_NULLS = {"", "~", "null"}

MAX_NAME = 1024  # characters in a name, at most
# The name rule, as a pattern (gate_text's regex reads it too).
NAME = f"[A-Za-z_][A-Za-z0-9_]{{0,{MAX_NAME - 1}}}"
NAME_RE = re.compile(rf"{NAME}\Z")
NAME_RULE = "a name is letters, digits and '_', and does not start with a digit"
is_name = NAME_RE.match
"""The name rule: a match (true) when the whole text is a name, else None."""
_NOT_IN_NAME = re.compile("[^A-Za-z0-9_]")


def invalid_name(text: str, what: str = "name") -> str:
    """What is wrong with a text that is not a name: its length, or the first
    character that cannot be in one (with its code point)."""
    if len(text) > MAX_NAME:
        return (
            f"invalid {what} {quoted(text)}: {len(text):,} characters, and a name has at "
            f"most {MAX_NAME:,}"
        )
    bad = _NOT_IN_NAME.search(text)
    if bad is not None and not bad.group().isascii():
        ch = bad.group()
        return (
            f"invalid {what} {quoted(text)}: {ch!r} ({_code(ch)}) is not an ASCII letter, "
            "digit or '_'"
        )
    return f"invalid {what} {quoted(text)}: {NAME_RULE}"


def _code(ch: str) -> str:
    import unicodedata

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
        return "no value given"
    if low in _BOOLEANS:
        return f"{quoted(t)} is a boolean, not a number"
    if _NONFINITE.match(t):
        return f"{quoted(t)} is not a finite number"
    if not NUMBER_RE.match(t):
        return f"{quoted(t)} is not a number"
    x = float(t)
    if not math.isfinite(x):
        return f"{quoted(t)} is too large: it overflows to infinity"
    return x


def name_hint(text: str) -> str | None:
    """For an invalid name: the valid name it was probably meant to be."""
    fixed = re.sub(r"[-.]", "_", text.strip())
    if fixed and fixed != text and is_name(fixed):
        return f"did you mean '{fixed}'?"
    return None
