"""The user's text made safe to show, and bpcli's own text made plain.

``shown`` escapes what a file name or a description could do to a terminal:
control characters (ESC clears screens and sets window titles, a carriage
return overwrites a line) and the bidirectional overrides that reorder what
follows, as ``\\x1b`` and ``\\u202e``. Only terminal views use it; JSON keeps
the exact string.

``normal`` gives a name in its NFKC form, and ``looks`` what it looks like
(its look-alike letters as the Latin ones), for a name in any alphabet.

``plain`` writes bpcli's own symbols in ASCII (≡ as ==, → as ->, σ as sigma)
where an output's encoding cannot hold them (``PYTHONIOENCODING=ascii``,
``LANG=C`` on an old Python, cp1251 into a pipe on a Russian Windows), and
escapes only what else that encoding cannot hold (Russian stays Russian in
cp1251); ``can_show`` tells such an output.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

# What a terminal may act on or hide: controls (C0, DEL, C1), line and paragraph
# separators, and the invisible format characters (bidirectional overrides and
# isolates, zero widths, the BOM, soft hyphen, tag characters).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)


def _escape(match: re.Match[str]) -> str:
    return _escape_one(match.group())


def _escape_one(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _u_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"  # YAML reads both


def visible(quoted: str) -> str:
    """A YAML double-quoted string (as json.dumps writes it) with the characters
    ``shown`` would escape written as YAML's own escapes: the same string, safe
    to print."""
    return _UNSAFE.sub(_u_escape, quoted)


def unsafe(text: str) -> bool:
    """Whether the text holds anything ``shown`` would escape."""
    return _UNSAFE.search(text) is not None


def shown(text: str) -> str:
    """The text, its control and bidirectional characters written as escapes."""
    return _UNSAFE.sub(_escape, text)


_ASCII_FOR = {
    "≡": "==", "→": "->", "←": "<-", "·": "*", "—": "--", "–": "-", "…": "...",
    "σ": "sigma", "×": "*", "−": "-", "²": "^2", "Δ": "d", "∂": "d", "≤": "<=",
    "≥": ">=", "≠": "!=", "◆": "*", "±": "+-", "↺": "(reused)", "─": "-", "━": "=",
    "│": "|", "‘": "'", "’": "'", "“": '"', "”": '"', "✓": "ok", "✗": "x",
    "\u00a0": " ", "\u202f": " ",
}  # fmt: skip
_PROBE = "≡→σ×−—"  # what an output must be able to show for the unicode views


def plain(text: str, encoding: str = "ascii") -> str:
    """The text as ``encoding`` can hold it: each of bpcli's symbols it cannot hold
    in ASCII (a spaced · separates, as |; a bare one multiplies, as *), anything
    else it cannot hold as an escape."""
    try:
        return text.encode(encoding, _HANDLER).decode(encoding)
    except LookupError:  # an encoding Python does not know: ASCII, which all hold
        return text.encode("ascii", _HANDLER).decode("ascii")


def _in_ascii(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    text, start, end = error.object, error.start, error.end
    said = []
    for at in range(start, end):
        ch = text[at]
        if ch == "·" and text[at - 1 : at] == " " and text[at + 1 : at + 2] == " ":
            said.append("|")
        elif ch in _ASCII_FOR:
            said.append(_ASCII_FOR[ch])
        else:
            said.append(_escape_one(ch))
    return "".join(said), end


_HANDLER = "bpcli-plain"
codecs.register_error(_HANDLER, _in_ascii)


_ASKED: list[Any] = [None, None, True]  # the last stream asked about, its encoding, the answer


def encoding_of(stream: Any) -> str:
    """The encoding a text stream writes in (UTF-8 where it does not say)."""
    return getattr(stream, "encoding", None) or "utf-8"


def can_show(stream: Any) -> bool:
    """Whether a stream's encoding can show bpcli's symbols (asked once a
    stream and encoding: a trace asks at every line)."""
    encoding = encoding_of(stream)
    if _ASKED[0] is stream and _ASKED[1] == encoding:
        return bool(_ASKED[2])
    try:
        _PROBE.encode(encoding)
        shows = True
    except (UnicodeEncodeError, LookupError):
        shows = False
    _ASKED[:] = [stream, encoding, shows]
    return shows


def normal(name: str) -> str:
    """A name in its NFKC form, the form every name of a circuit file takes (and
    Python's own identifiers): how a name on the command line (``--set``,
    ``--gate``, ``--unit``) or in a learner's script is looked up."""
    if name.isascii():
        return name
    import unicodedata

    return unicodedata.normalize("NFKC", name)


# Letters of other alphabets that look like Latin ones (what a reader cannot tell apart).
_LOOKALIKE = str.maketrans(
    "аеорсухіјѕԁһԛԝАВЕКМНОРСТХУІЈЅοαινρτυχκΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhqwABEKMHOPCTXYIJSoaivptuxkABEZHIKMNOPTYX",
)


def looks(name: str) -> str:
    """What a name looks like: its look-alike letters as the Latin ones (a
    Cyrillic ``а`` as a Latin ``a``), so two names a reader cannot tell apart
    compare equal."""
    return name.translate(_LOOKALIKE)
