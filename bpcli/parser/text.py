"""Bytes into text, and places in the text into lines and columns.

``decode`` reads UTF-8 (with or without a BOM); ``check_characters`` refuses
what YAML refuses, at its place. ``Source`` turns character offsets, YAML marks
and offsets inside a scalar's value into 1-based lines and columns: lines are
YAML's lines (a line ends at LF, CRLF, CR, NEL, LS or PS), columns count
characters.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, NamedTuple

from ..core.errors import CircuitError
from ..i18n import N_, _

# What YAML accepts in a stream (YAML 1.1 §5.1, as libyaml checks it). Anything
# else (NUL, other C0/C1 controls, DEL, lone surrogates, U+FFFE, U+FFFF) is
# reported by bpcli itself, at its line and column.
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
BOM = b"\xef\xbb\xbf"
_BLOCK = ("|", ">")


class Pos(NamedTuple):
    line: int
    col: int


class Span(NamedTuple):
    """Where a scalar's source is: its offsets (from its quote, if quoted), its
    style, and the line and column it starts at."""

    start: int
    end: int
    style: str | None
    line: int
    col: int

    @classmethod
    def of(cls, ev: Any) -> Span:
        """The span of a YAML scalar event."""
        start = ev.start_mark
        return cls(
            start.index, ev.end_mark.index, ev.style or None, start.line + 1, start.column + 1
        )


class Source:
    """Turns character offsets into YAML's 1-based lines and columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def pos(self, index: int) -> Pos:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in LINE_BREAK.finditer(self.text)]
        index = max(0, min(index, len(self.text)))
        k = bisect.bisect_right(self._starts, index) - 1
        return Pos(k + 1, index - self._starts[k] + 1)

    def at(self, mark: Any) -> Pos:
        """A YAML mark as a position; libyaml may place marks past the end of the file."""
        if mark.index >= len(self.text):
            return self.pos(len(self.text))
        return Pos(mark.line + 1, mark.column + 1)

    def in_value(self, span: Span, value: str, offset: int) -> Pos:
        """Where character ``offset`` of a scalar's ``value`` is in the file: exact
        for text written as is, and through YAML's escapes and folded lines too
        (see ``places``); else the value's start."""
        body, base = self.body(span)
        if body.startswith(value):
            if span.style not in _BLOCK and not LINE_BREAK.search(body, 0, offset):
                return Pos(span.line, span.col + (base - span.start) + offset)
            return self.pos(base + offset)
        found = places(body, span.style, value[: offset + 1])
        if 0 <= offset < len(found) and found[offset] >= 0:
            return self.pos(base + found[offset])
        return self.pos(span.start)

    def body(self, span: Span) -> tuple[str, int]:
        """A scalar's source without its quotes (or a block's indicator line), and
        where that starts in the file."""
        body, base = self.text[span.start : span.end], span.start
        if span.style in ("'", '"'):
            return body[1:-1], base + 1
        if span.style in _BLOCK:
            cut = body.find("\n") + 1
            return body[cut:], base + cut
        return body, base


_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
    "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX = {"x": 2, "u": 4, "U": 8}


def _escape(src: str, j: int) -> tuple[str, int]:
    """The character a double-quoted escape at ``src[j]`` (a backslash) stands
    for ('' for an escaped line break), and how long the escape is."""
    ch = src[j + 1 : j + 2]
    if ch in _HEX:
        digits = src[j + 2 : j + 2 + _HEX[ch]]
        try:
            return chr(int(digits, 16)), 2 + _HEX[ch]
        except ValueError:
            return "", 1
    if ch in ("\r", "\n"):
        return "", 2 + (src[j + 1 : j + 3] == "\r\n")
    return _ESCAPES.get(ch, ""), 2


def places(src: str, style: str | None, value: str) -> list[int]:
    """For each character of a scalar's value, where it is in its source ``src``
    (the text between the quotes, or after a block's indicator line); -1 from the
    first character that cannot be matched. One pass: YAML's folding (a line
    break read as a space), indentation, and double-quoted escapes and line
    continuations are followed as YAML reads them."""
    found = [-1] * len(value)
    j, k = 0, 0
    while k < len(value) and j < len(src):
        ch, here = value[k], src[j]
        if here == "\\" and style == '"':
            produced, length = _escape(src, j)
            if produced == ch:
                found[k] = j
                k += 1
            elif produced:
                break
            j += length
        elif here == "'" and style == "'" and src.startswith("''", j) and ch == "'":
            found[k] = j
            k, j = k + 1, j + 2
        elif here == ch:
            found[k] = j
            k, j = k + 1, j + 1
        elif here in " \t\r\n":
            if ch in " \n" and here in "\r\n":  # a line break that YAML folded
                found[k] = j
                k += 1
            j += 1
        else:
            break
    return found


def text_position(text: str, index: int) -> tuple[int, int]:
    p = Source(text).pos(index)
    return p.line, p.col


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM) to text; bad bytes are reported at their line."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = body[: exc.start].decode("utf-8")  # everything before is valid
        line, col = text_position(good, len(good))
        bad = body[exc.start : exc.end].hex(" ")
        hint = _("save the file as UTF-8")
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint = _("this looks like UTF-16: save the file as UTF-8")
        message = _("the file is not valid UTF-8 (bytes {bytes})").format(bytes=bad)
        raise CircuitError.at(line, col, message, hint) from None


_HIDDEN = re.compile("[\x85\u2028\u2029\ufeff]")
_HIDDEN_NAMES = {  # each a whole message
    "\x85": N_(
        "a next-line character (U+0085): YAML reads it as a line break, most editors do not"
    ),
    "\u2028": N_("a line separator (U+2028): YAML reads it as a line break, most editors do not"),
    "\u2029": N_(
        "a paragraph separator (U+2029): YAML reads it as a line break, most editors do not"
    ),
}
BOM_MESSAGE = N_("a byte-order mark (U+FEFF) in the middle of the file")
BOM_HINT = N_("remove it: it is invisible in most editors (joining two files can leave one)")


def check_hidden(text: str) -> None:
    """Refuse the characters YAML accepts but an editor does not show as they are
    read: a byte-order mark past the start, and the line breaks (NEL, LS, PS) that
    YAML ends a line at and editors, grep and cat do not, so a key could hide in a
    comment and every later line number would differ from the editor's."""
    m = _HIDDEN.search(text)
    if m is None:
        return
    check_characters(text[: m.start()])  # a character YAML refuses, earlier, is first
    line, col = text_position(text, m.start())
    if m.group() == "\ufeff":
        where = (
            _(BOM_MESSAGE)
            if m.start()
            else _("a byte-order mark (U+FEFF) after the one at the start")
        )
        raise CircuitError.at(line, col, where, _(BOM_HINT))
    raise CircuitError.at(
        line, col, _(_HIDDEN_NAMES[m.group()]), _("replace it with a newline, or remove it")
    )


def check_characters(text: str) -> None:
    """Refuse what YAML refuses (NUL, controls, lone surrogates), at its position."""
    m = _BAD_CHAR.search(text)
    if m is None:
        return
    ch = m.group()
    line, col = text_position(text, m.start())
    code = f"U+{ord(ch):04X}"
    if "\ud800" <= ch <= "\udfff":
        message = _("lone surrogate {code}: the text is not valid Unicode")
        raise CircuitError.at(line, col, message.format(code=code))
    if ch == "\0":
        raise CircuitError.at(
            line,
            col,
            _("NUL character ({code}) in the file").format(code=code),
            _("is this a binary or a UTF-16 file? save it as UTF-8 text"),
        )
    if ch in "\ufffe\uffff":
        message = _("character {code} is not allowed (a noncharacter)")
        raise CircuitError.at(line, col, message.format(code=code))
    raise CircuitError.at(
        line,
        col,
        _("control character {code} is not allowed").format(code=code),
        _("remove it; only tab, line breaks and printable text are allowed"),
    )
