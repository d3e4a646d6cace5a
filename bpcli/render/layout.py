"""Text laid out at a width, fast and whole: nothing a reader needs is ever
cut, and no word, number or id is broken across lines.

A ``Line`` is a list of styled segments ``(text, style)``, the style in rich's
words (``"bold cyan"``); a view is a list of lines. Three layouts:

- ``wrap``: prose, broken at spaces only, every line after the first indented;
- ``fields``: a heading's fields joined by `` · ``; one that would pass the
  width starts a line of its own, whole;
- ``table``: columns as wide as their widest cell, laid out the way rich's
  SIMPLE_HEAD box draws them (bpcli's tables have always looked so) but
  without rich's per-cell measuring: bpcli knows every width. Too wide for
  the page, a table shortens its headers where it may, wraps its prose
  columns at spaces, then, level by level, leaves out the columns that may go
  and moves those that may move to a line of their own under each row,
  labelled.

``render`` turns lines into text, with ANSI colour when asked. Pure: no I/O,
and rich only to turn a style's words into its colour codes, once a style.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import NamedTuple

Seg = tuple[str, str]  # (text, style)
Line = list[Seg]
Cell = tuple[str, str]  # (text, style); the text may hold several lines

GAP = "   "  # between two columns
UNDER = "     "  # before the columns that moved under their row
PROSE = 20  # a prose column wraps to no fewer cells (else it moves under its row)
RULE = "-"  # ASCII: a rule is as many bytes as cells, as byte-counting tools expect
_EDGE, _GAP = (" ", ""), ("   ", "")


def width(text: str) -> int:
    """Terminal cells: wide (CJK) characters take two, combining marks none."""
    if text.isascii() or not _MAYBE_NOT_ONE.search(text):
        return len(text)
    return _wide(text)


# Outside these blocks (Latin, Greek, Cyrillic, general punctuation, arrows,
# mathematical operators: one cell each, never combining) a character is
# measured on its own.
_MAYBE_NOT_ONE = re.compile("[^\x00-\u02ff\u0370-\u0482\u048a-\u052f\u2000-\u20cf\u2100-\u22ff]")


@functools.lru_cache(maxsize=65536)
def _wide(text: str) -> int:
    """A text's cells, character by character (words and headers repeat: cached)."""
    return sum(_char_width(c) for c in text)


@functools.lru_cache(maxsize=4096)
def _char_width(c: str) -> int:
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def line_width(line: Line) -> int:
    return sum(width(t) for t, _ in line)


def plain_line(line: Line) -> str:
    return "".join(t for t, _ in line)


# -- prose and fields --------------------------------------------------------------------

_WORDS = re.compile(r"( +)")
# A line never ends in one of these: each goes to the next line with its operand
# (`+ 3.000000`, `→ 8.0`), as a person breaks a sum.
GLUED = frozenset(
    {"+", "-", "−", "×", "·", "=", "→", "->", "≡", "==", "*", "±", "+-", "<", ">", "/"}
)


def _tokens(text: str) -> list[str]:
    """Words and runs of spaces; an operator and the word after it are one word."""
    parts = [t for t in _WORDS.split(text) if t]
    out: list[str] = []
    k = 0
    while k < len(parts):
        token = parts[k]
        if token in GLUED and k + 2 < len(parts) and parts[k + 1][0] == " ":
            token = token + parts[k + 1] + parts[k + 2]
            k += 2
        out.append(token)
        k += 1
    return out


def wrap(line: Line, at: int, indent: str = "", first: str | None = None) -> list[Line]:
    """``line`` broken at spaces (and at its own newlines) into lines of at most
    ``at`` cells where the words allow: a word longer than that stands alone,
    whole. ``first`` starts the first line (default ``indent``), ``indent`` the
    others."""
    lead = indent if first is None else first
    out: list[Line] = []
    cur: Line = [(lead, "")] if lead else []
    used = width(lead)
    fresh = True  # nothing but the indent on this line yet
    space: Seg | None = None  # spaces waiting for the next word
    for text, style in line:
        for k, part in enumerate(text.split("\n")):
            if k:  # the text's own line break
                out.append(cur)
                cur, used = ([(indent, "")] if indent else []), width(indent)
                fresh, space = True, None
            tokens, joins = _tokens(part), _NO_JOINS
            if "/" in part or "\\" in part:  # a path: maybe in pieces (rare: checked first)
                tokens, joins = _pieces(tokens, at - width(indent))
            for k, token in enumerate(tokens):
                joined = k in joins
                if token[0] == " ":
                    space = (token, style)
                    continue
                size = width(token)
                pad = width(space[0]) if space is not None and not fresh else 0
                if joined and not fresh and used + size <= at:  # a path's next folder
                    cur.append((token, style))
                    used += size
                    continue
                if not fresh and used + pad + size > at:
                    out.append(cur)
                    cur, used = ([(indent, "")] if indent else []), width(indent)
                    pad = 0
                elif pad and space is not None:
                    cur.append(space)
                cur.append((token, style))
                used += pad + size
                fresh, space = False, None
    out.append(cur)
    return out


_PATH_PARTS = re.compile(r"[^/\\]*[/\\]+|[^/\\]+")  # each folder with its slash
_NO_JOINS: AbstractSet[int] = frozenset()  # a line with no path: no piece joins another


def _pieces(tokens: list[str], room: int) -> tuple[list[str], set[int]]:
    """The tokens, a path wider than the line's room in pieces, one a folder
    (so that it breaks after a slash, never inside a name), and the places of
    the pieces that join the one before without a space."""
    out, joins = [], set()
    for token in tokens:
        if ("/" not in token and "\\" not in token) or width(token) <= room:
            out.append(token)
            continue
        for k, piece in enumerate(_PATH_PARTS.findall(token)):
            if k:
                joins.add(len(out))
            out.append(piece)
    return out, joins


def fields(
    parts: Sequence[Line], at: int, sep: str = " · ", indent: str = "  ", first: str = ""
) -> list[Line]:
    """Fields joined by ``sep``; one that would pass ``at`` starts a line of its
    own, indented, whole (wrapped at its spaces, should it pass ``at`` even
    there). ``first`` starts the first line."""
    out: list[Line] = []
    cur: Line = [(first, "")] if first else []
    used = len(first)
    for k, field in enumerate(parts):
        size = line_width(field)
        if k and used + len(sep) + size > at:
            out.append(cur)
            cur, used = [(indent, "")], len(indent)
        elif k:
            cur.append((sep, ""))
            used += len(sep)
        if used + size > at:  # wider than a line of its own: broken at its spaces
            lines = wrap(field, at, indent=indent + "  ", first=" " * used)
            cur.extend(lines[0][1:] if used else lines[0])  # (its lead: the room used)
            for line in lines[1:]:
                out.append(cur)
                cur = line
            used = line_width(cur)
            continue
        cur.extend(field)
        used += size
    out.append(cur)
    return out


# -- tables ------------------------------------------------------------------------------


class Column(NamedTuple):
    header: str
    right: bool = False  # numbers: right-aligned
    leave: int = 0  # 1, 2, …: left out when the page is too narrow, level by level
    short: str | None = None  # the header when the page is too narrow for the table
    prose: bool = False  # may wrap at spaces
    below: int = 0  # 1, 2, …: moved, whole, to a line under its row (levels shared
    # with ``leave``: the lowest level goes first)
    label: str | None = None  # its inline label there ("why:"), a message of its own;
    # None: the header


class Span(NamedTuple):
    """A row that is one line across the table (`… 120 more units`)."""

    line: Line


class Table(NamedTuple):
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell] | Span]
    title: Line | None = None
    caption: Line | None = None


def table(t: Table, at: int) -> list[Line]:
    """The table's lines at width ``at`` (see the module's docstring)."""
    cols = list(range(len(t.columns)))
    widths = _widths(t)
    if _total(widths, cols) > at and any(c.short for c in t.columns):
        t = t._replace(columns=[c._replace(header=c.short or c.header) for c in t.columns])
        widths = _widths(t)
    limits = dict.fromkeys(cols, 0)
    over = _total(widths, cols) - at
    for k in cols:  # prose columns give up what they can, down to their longest word
        if over > 0 and t.columns[k].prose:
            words = [width(w) for c in _column(t, k) for w in c[0].split()]
            longest = max([*words, width(t.columns[k].header), PROSE])
            give = min(over, widths[k] - longest)
            if give > 0:
                limits[k] = widths[k] - give
                over -= give
    # Then, level by level, columns are left out or moved under their rows.
    moved: list[int] = []
    left: list[int] = []
    levels = sorted({c.leave for c in t.columns if c.leave} | {c.below for c in t.columns})
    for level in (x for x in levels if x):
        if _total(_limited(widths, limits), cols) <= at:
            break
        for k, c in enumerate(t.columns):
            if k in cols and len(cols) > 1 and level in (c.leave, c.below):
                cols.remove(k)
                (left if c.leave == level else moved).append(k)
    for level in sorted({t.columns[k].leave for k in left}, reverse=True):
        back = [k for k in left if t.columns[k].leave == level]  # room again, perhaps
        wider = sorted([*cols, *back])
        if _total(_limited(widths, limits), wider) <= at:
            cols = wider
    moved.sort()
    shown = {k: limits[k] or widths[k] for k in cols}
    out: list[Line] = []
    if t.title is not None:
        out.extend(wrap(t.title, at))
    out.append([])  # the box's top edge, as rich draws it
    out.append(_header(t, cols, shown))
    out.append([(" " + RULE * (sum(shown.values()) + len(GAP) * (len(cols) - 1)), "")])
    for row in t.rows:
        if isinstance(row, Span):
            out.append([(" ", ""), *row.line])
        else:
            out.extend(_row(t, row, cols, shown, limits, moved, at))
    out.append([])  # the bottom edge
    if t.caption is not None:  # as wide as the table, or the page if that is narrower
        drawn = _total(_limited(widths, limits), cols) + 1
        out.extend(wrap(t.caption, min(at, max(drawn, 60))))
    return out


def _column(t: Table, k: int) -> Iterable[Cell]:
    return (row[k] for row in t.rows if not isinstance(row, Span))


def _widths(t: Table) -> list[int]:
    found = []
    for k, col in enumerate(t.columns):
        w = width(col.header)
        for text, _ in _column(t, k):
            if "\n" in text:
                w = max(w, *(width(s) for s in text.split("\n")))
            elif text.isascii():
                w = max(w, len(text))
            else:
                w = max(w, width(text))
        found.append(w)
    return found


def _total(widths: list[int], cols: list[int]) -> int:
    return 1 + sum(widths[k] for k in cols) + len(GAP) * (len(cols) - 1)


def _limited(widths: list[int], limits: dict[int, int]) -> list[int]:
    return [limits.get(k) or w for k, w in enumerate(widths)]


def _pad(text: str, size: int, right: bool) -> str:
    if text.isascii():
        return text.rjust(size) if right else text.ljust(size)
    room = size - width(text)
    if room <= 0:
        return text
    return " " * room + text if right else text + " " * room


def _header(t: Table, cols: list[int], shown: dict[int, int]) -> Line:
    line: Line = [(" ", "")]
    last = cols[-1] if cols else -1
    for k in cols:
        col = t.columns[k]
        text = col.header if k == last and not col.right else _pad(col.header, shown[k], col.right)
        line.append((text, "bold"))
        if k != last:
            line.append((GAP, ""))
    return line


def _row(
    t: Table,
    row: Sequence[Cell],
    cols: list[int],
    shown: dict[int, int],
    limits: dict[int, int],
    moved: list[int],
    at: int,
) -> list[Line]:
    last = cols[-1]
    rights = [t.columns[k].right for k in cols]
    out: list[Line] = []
    if not any(limits[k] or "\n" in row[k][0] for k in cols):  # one line: the usual row
        line: Line = [_EDGE]
        for k, right in zip(cols, rights, strict=True):
            text, style = row[k]
            line.append((text if k == last and not right else _pad(text, shown[k], right), style))
            line.append(_GAP)
        line.pop()
        out.append(line)
    else:
        cells: list[list[str]] = []
        for k in cols:
            text = row[k][0]
            if limits[k]:
                cells.append([plain_line(x) for x in wrap([(text, "")], limits[k])])
            else:
                cells.append(text.split("\n"))
        for j in range(max(len(c) for c in cells)):
            line = [_EDGE]
            for k, right, lines in zip(cols, rights, cells, strict=True):
                text = lines[j] if j < len(lines) else ""
                padded = text if k == last and not right else _pad(text, shown[k], right)
                line.append((padded, row[k][1]))
                line.append(_GAP)
            line.pop()
            out.append(line)
    # The columns that went under the row: "header value", as fields; prose, wrapped.
    parts: list[Line] = []
    for k in moved:
        text, style = row[k]
        if not text or text == "—":  # nothing there: no line for it
            continue
        label = t.columns[k].label or t.columns[k].header
        field: Line = [(label + " ", "dim"), (" ".join(text.split("\n")), style)]
        if t.columns[k].prose or width(UNDER) + sum(width(x) for x, _ in field) > at:
            # (a list too long for a line: broken at its spaces, before each ≡)
            out.extend(wrap(field, at, indent=UNDER + "  ", first=UNDER))
        else:
            parts.append(field)
    if parts:
        out.extend(fields(parts, at, sep=GAP, indent=UNDER, first=UNDER))
    return out


# -- text --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _codes(style: str) -> tuple[str, str]:
    """A style's ANSI codes before and after its text, worked out by rich once."""
    from rich.color import ColorSystem
    from rich.style import Style

    drawn = Style.parse(style).render("\0", color_system=ColorSystem.STANDARD)
    before, _, after = drawn.partition("\0")
    return before, after


def render(lines: Iterable[Line], color: bool = False) -> str:
    """The lines as text, each without trailing spaces; in colour if asked."""
    if not color:
        return "\n".join("".join(t for t, _ in line).rstrip() for line in lines)
    out = []
    for line in lines:
        text = []
        for t, style in _trimmed(line):
            if style and t.strip():
                before, after = _codes(style)
                text.append(before + t + after)
            else:
                text.append(t)
        out.append("".join(text))
    return "\n".join(out)


def _trimmed(line: Line) -> Line:
    """The line without its trailing spaces (segment by segment)."""
    end = len(line)
    while end and not line[end - 1][0].strip():
        end -= 1
    if end == 0:
        return []
    last = line[end - 1]
    return [*line[: end - 1], (last[0].rstrip(), last[1])]
