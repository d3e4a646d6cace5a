"""Names that look like others: letters of two alphabets in one word, and two
names that differ only in letters that look alike (a Latin ``a``, a Cyrillic
``а``). Both are accepted (a name is any Python identifier), with a warning.

A character's alphabet is the first word of its Unicode name (``LATIN``,
``CYRILLIC``, ``GREEK``, …); digits and ``_`` belong to none, and split a name
into words: ``вес_a`` is two words, one Cyrillic and one Latin, and fine;
``pаrам`` is one word of both, and warned about. Chinese characters, kana and
hangul are written together in one word, and are taken as one alphabet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from ..i18n import N_, _
from ..i18n.safe_text import looks
from .values import NAME, code_point, is_name

if TYPE_CHECKING:
    from ..core.engine import Circuit

# How an alphabet is called in a message; one not listed: its Unicode word, titled.
_ALPHABETS = {
    "LATIN": N_("Latin"),
    "CYRILLIC": N_("Cyrillic"),
    "GREEK": N_("Greek"),
    "ARMENIAN": N_("Armenian"),
}
_EAST_ASIAN = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC"}
_WORD = re.compile(NAME)


class NameWarning(NamedTuple):
    line: int  # 1-based
    col: int  # 1-based, in characters
    message: str


def alphabet(ch: str) -> str | None:
    """The alphabet of a letter (``LATIN``, ``CYRILLIC``), None for anything else."""
    if not ch.isalpha():
        return None
    word = unicodedata.name(ch, "").split(" ")[0].split("-")[0]
    return "CJK" if word in _EAST_ASIAN else word or None


def _called(script: str) -> str:
    known = _ALPHABETS.get(script)
    return _(known) if known is not None else script.title()


def mixed(name: str) -> str | None:
    """What is wrong with a name one of whose words mixes alphabets, if one does."""
    for word in re.split(r"[\d_]+", name):
        first: str | None = None
        for ch in word:
            script = alphabet(ch)
            if script is None:
                continue
            if first is None:
                first = script
            elif script != first:
                return _("{name} mixes {first} and {second} letters: {char} is {code}").format(
                    name=repr(name),
                    first=_called(first),
                    second=_called(script),
                    char=repr(ch),
                    code=code_point(ch),
                )
    return None


def _differs(name: str, other: str) -> str:
    """The first character where two look-alike names differ (of ``name``)."""
    for a, b in zip(name, other, strict=False):
        if a != b:
            return a
    return name[0]


def warnings(names: Iterable[str], text: str) -> list[NameWarning]:
    """The warnings about the circuit's ``names``, each where the name is first
    written in the file's ``text`` (a name the file does not spell, such as one
    derived from a formula, is not warned about: its parts are)."""
    every = set(names)
    if all(n.isascii() for n in every):
        return []
    found: list[NameWarning] = []
    seen: dict[str, tuple[str, int]] = {}  # what a name looks like -> the name, its line
    done: set[str] = set()
    for number, line in enumerate(text.split("\n"), 1):
        code = "" if line.lstrip().startswith("#") else line.split(" #")[0]
        for m in _WORD.finditer(code):
            name = is_name(m.group())
            if name is None or name in done or name not in every:
                continue
            done.add(name)
            why = mixed(name)
            if why is not None:
                found.append(NameWarning(number, m.start() + 1, why))
                continue
            other, at = seen.setdefault(looks(name), (name, number))
            if other != name:
                ch = _differs(name, other)
                message = _(
                    "{name} looks like {other} (line {line}), but they are different "
                    "names: {char} is {code}"
                ).format(
                    name=repr(name),
                    other=repr(other),
                    line=at,
                    char=repr(ch),
                    code=code_point(ch),
                )
                found.append(NameWarning(number, m.start() + 1, message))
    return found


def circuit_warnings(circuit: Circuit, data: bytes | str) -> list[NameWarning]:
    """The warnings about the names of a parsed circuit, read from its file's
    bytes (or text); nothing to look for, and no cost, when every name is ASCII."""
    names = [*circuit.names, *(g.name for g in circuit.gates)]
    if all(n.isascii() for n in names):
        return []
    from .text import decode

    text = decode(data) if isinstance(data, bytes) else data
    return warnings(names, text.lstrip("\ufeff"))
