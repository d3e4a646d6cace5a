"""What every text view shares: numbers as people read them, and a ``Page``
that lays lines out at the terminal's width (``layout``) and turns them into
text, with colour codes only when asked, keeping a copy in colour for
``--save-svg`` and ``--save-html`` (the one place rich draws).

Names and descriptions come from the user's file: they are text, never markup,
with their control characters shown escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..i18n import N_, _
from ..i18n.safe_text import plain, shown
from . import layout
from .layout import Cell, Column, Line, Span, Table

SHARED_STYLE = "bold cyan"
PHASE_STYLE = {"forward": "green", "backward": "magenta", "update": "yellow"}
# A pass's word in a heading (JSON keeps the English phase)
PHASE_WORDS = {
    "forward": N_("forward"),
    "backward": N_("backward"),
    "update": N_("update"),
    "script": N_("script"),
}


def phase_word(phase: str) -> str:
    """``forward`` as the reader's language says it, in a heading."""
    word = PHASE_WORDS.get(phase)
    return _(word) if word is not None else phase


def translated(columns: Sequence[Column]) -> list[Column]:
    """The columns with their headers (and short headers) in the reader's
    language: done before the table is laid out, since headers take room."""
    return [
        c._replace(
            header=_(c.header),
            short=_(c.short) if c.short else c.short,
            label=_(c.label) if c.label else c.label,
        )
        for c in columns
    ]


def fmt(x: float | str, precision: int) -> str:
    """Readable fixed point; scientific for very small or very large magnitudes
    (a str: a script's int too large for a float, already in writing)."""
    if isinstance(x, str):
        return x
    if x == 0.0:
        return f"{0.0:.{precision}f}"
    if 1e-4 <= abs(x) < 1e9:
        return f"{x:.{precision}f}"
    return f"{x:.{precision}e}"


def signed(x: float, precision: int) -> str:
    if x == 0.0:
        return ""
    s = fmt(x, precision)
    return s if s.startswith("-") else "+" + s


class Page:
    """Lines laid out at a fixed width, drawn as text with or without colour; in
    ASCII where the output cannot show more (laid out as ASCII, so that its
    widths are the ones drawn)."""

    def __init__(
        self,
        precision: int = 6,
        width: int = 120,
        color: bool = False,
        record: bool = False,
        ascii: bool = False,
        encoding: str = "ascii",
    ) -> None:
        self.precision = precision
        self.width = max(width, 20)
        self.color = color
        self.ascii = ascii  # the output cannot hold bpcli's symbols: those it cannot, plain
        self.encoding = encoding
        self._recorded: list[Line] | None = [] if record else None

    # -- pieces, in ASCII where they must be ----------------------------------------

    def seg(self, text: str, style: str = "") -> layout.Seg:
        return (plain(text, self.encoding) if self.ascii else text, style)

    def line(self, *segs: tuple[str, str] | str) -> Line:
        """A line of segments: ``"text"`` or ``("text", "style")``."""
        return [self.seg(s) if isinstance(s, str) else self.seg(*s) for s in segs]

    def wrap(self, line: Line, indent: str = "", first: str | None = None) -> list[Line]:
        """Prose at the page's width, broken at spaces only."""
        return layout.wrap(self._ascii(line), self.width, indent, first)

    def paragraph(self, text: str, style: str = "", indent: str = "  ") -> list[Line]:
        return self.wrap([(text, style)], indent=indent)

    def fields(
        self, parts: Sequence[Line], sep: str = " · ", indent: str = "  ", first: str = ""
    ) -> list[Line]:
        """A heading: fields that do not fit go, whole, to the next line."""
        return layout.fields([self._ascii(p) for p in parts], self.width, sep, indent, first)

    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[Cell] | Span],
        title: Line | None = None,
        caption: Line | None = None,
    ) -> list[Line]:
        if self.ascii:
            columns = [c._replace(header=plain(c.header, self.encoding)) for c in columns]
            rows = [
                Span(self._ascii(r.line)) if isinstance(r, Span) else self._ascii(list(r))
                for r in rows
            ]
            title = None if title is None else self._ascii(title)
            caption = None if caption is None else self._ascii(caption)
        return layout.table(Table(columns, rows, title, caption), self.width)

    def _ascii(self, line: Line) -> Line:
        return [(plain(t, self.encoding), s) for t, s in line] if self.ascii else line

    # -- text ----------------------------------------------------------------------

    def text(self, *blocks: Sequence[Line]) -> str:
        """The blocks as text, one line each, ending in a newline; kept for
        --save-svg and --save-html when the page records."""
        lines = [self._ascii(x) for block in blocks for x in block]
        if self._recorded is not None:
            self._recorded.extend(lines)
            self._recorded.append([])
        return layout.render(lines, self.color) + "\n"

    def recorded(self, kind: str, title: str) -> str:
        """Everything drawn so far, in colour, as an SVG picture or an HTML page."""
        if self._recorded is None:
            raise ValueError("this page was made without record=True")
        import io

        from rich.console import Console
        from rich.text import Text

        lines = self._recorded
        wide = max([self.width, *(layout.line_width(x) for x in lines)])
        console = Console(
            file=io.StringIO(),
            width=wide,
            record=True,
            force_terminal=True,
            color_system="truecolor",
            highlight=False,
            emoji=False,
        )
        for x in lines:
            console.print(Text.assemble(*x), no_wrap=True, crop=False, overflow="ignore")
        if kind == "svg":
            return console.export_svg(title=title, clear=False)
        return console.export_html(inline_styles=True, clear=False)

    def header(self, file: str, description: str | None, output: str, step_size: float) -> str:
        """The circuit's heading: its file and description (the user's own text,
        its control characters shown escaped, wrapped at spaces), then its output
        and step size."""
        title: Line = [(shown(file), "bold")]
        if description:  # a description of several lines, on one line
            folded = re.sub(r"[ \t]*(\r\n|\n)[ \t]*", " ", description.strip()).replace("\t", " ")
            title.append((f" — {shown(folded)}", ""))
        facts = [
            self.line((_("output {name}").format(name=shown(output)), "dim")),
            self.line((_("step size {size}").format(size=repr(step_size)), "dim")),
        ]
        return self.text(self.wrap(title, indent="  ", first=""), self.fields(facts, indent=""))


def cells(*texts: str | tuple[str, str]) -> list[Cell]:
    """A table row: ``"text"`` or ``("text", "style")`` each."""
    return [(t, "") if isinstance(t, str) else t for t in texts]
