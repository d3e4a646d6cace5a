"""What every text view shares: numbers as people read them, and a ``Page``
that turns rich renderables into text at a width (colour codes only when
asked), keeping a copy in colour for ``--save-svg`` and ``--save-html``.

Names and descriptions come from the user's file, so they are rich ``Text``,
never markup.
"""

from __future__ import annotations

import io
import re
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..safe_text import plain, shown

# Columns of numbers: right-aligned wherever they appear.
RIGHT = frozenset(
    {
        "value",
        "grad",
        "Δgrad",
        "Δvalue",
        "x",
        "analytic",
        "numeric",
        "rel. error",
        "correct",
        "mistaken",
        "correct, last",
        "mistaken, last",
    }
)
_RIGHT_ASCII = frozenset(plain(h) for h in RIGHT)
SHARED_STYLE = "bold cyan"
PHASE_STYLE = {"forward": "green", "backward": "magenta", "update": "yellow"}


def fmt(x: float, precision: int) -> str:
    """Readable fixed point; scientific for very small or very large magnitudes."""
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


_ASCII_HEAD = box.Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)


def table(
    title: Text | None,
    headers: list[str],
    rows: list[list[Text]],
    drop: int = -1,
    ascii: bool = False,
) -> Table:
    """Nothing a reader needs is ever cut: every column keeps the width of its
    widest cell (a terminal too narrow wraps the line instead), and the holders
    of one object stand one per line. ``drop``: a column left out. ``ascii``:
    for an output that cannot show more, every cell in ASCII, laid out as such."""
    if ascii:
        title = None if title is None else ascii_text(title)
        headers = [plain(h) for h in headers]
        rows = [[ascii_text(c) for c in r] for r in rows]
    t = Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=_ASCII_HEAD if ascii else box.SIMPLE_HEAD,
        pad_edge=False,
    )
    keep = [k for k in range(len(headers)) if k != drop]
    for k in keep:
        widest = max((c.cell_len for r in rows for c in r[k].split("\n")), default=0)
        t.add_column(
            headers[k],
            justify="right" if headers[k] in RIGHT or headers[k] in _RIGHT_ASCII else "left",
            no_wrap=True,
            min_width=max(widest, len(headers[k])),
        )
    for r in rows:
        t.add_row(*(r[k] for k in keep))
    return t


def ascii_text(t: Text) -> Text:
    """A Text in ASCII (σ as sigma, → as ->): a span's style stays where its text
    stays the same length, else the whole keeps the Text's own style."""
    text = plain(t.plain)
    if len(text) == len(t.plain):
        out = t.copy()
        out.plain = text
        return out
    return Text(text, style=t.style)


class Page:
    """Renders rich renderables to text at a fixed width, with or without colour;
    in ASCII where the output cannot show more."""

    def __init__(
        self,
        precision: int = 6,
        width: int = 120,
        color: bool = False,
        record: bool = False,
        ascii: bool = False,
    ) -> None:
        self.precision = precision
        self.ascii = ascii
        # With record, everything drawn is also kept, in colour, for SVG or HTML.
        self._recorder = (
            Console(
                file=io.StringIO(),
                width=width,
                record=True,
                force_terminal=True,
                color_system="truecolor",
                highlight=False,
                emoji=False,
            )
            if record
            else None
        )
        self._console = Console(
            file=io.StringIO(),
            width=width,
            force_terminal=color,
            no_color=not color,
            color_system="auto" if color else None,
            highlight=False,
            emoji=False,
        )

    @property
    def width(self) -> int:
        return self._console.width

    def needs(self, renderable: Any) -> int:
        """The narrowest width that draws this without cutting anything."""
        console = self._console
        unbounded = console.options.update_width(10_000)
        return Measurement.get(console, unbounded, renderable).minimum

    def table(
        self, title: Text | None, headers: list[str], rows: list[list[Text]], drop: int = -1
    ) -> Table:
        return table(title, headers, rows, drop, self.ascii)

    def text(self, *renderables: Any) -> str:
        """Renderables as text. One wider than the console is drawn whole (the
        terminal wraps its lines): bpcli never cuts a name, a number or an id."""
        if self.ascii:
            renderables = tuple(_ascii(r) for r in renderables)
        console = self._console
        width = console.width
        console.width = max([width, *(self.needs(r) for r in renderables if isinstance(r, Table))])
        try:
            with console.capture() as cap:
                for r in renderables:
                    console.print(r)
            if self._recorder is not None:
                self._recorder.width = console.width
                for r in renderables:
                    self._recorder.print(r)
                self._recorder.print()
        finally:
            console.width = width
        return "\n".join(line.rstrip() for line in cap.get().split("\n"))

    def recorded(self, kind: str, title: str) -> str:
        """Everything drawn so far, as an SVG picture or an HTML page."""
        if self._recorder is None:
            raise ValueError("this page was made without record=True")
        if kind == "svg":
            return self._recorder.export_svg(title=title, clear=False)
        return self._recorder.export_html(inline_styles=True, clear=False)

    def header(self, file: str, description: str | None, output: str, step_size: float) -> str:
        """The circuit's heading: its file, description, output and step size (the
        user's own text with its control characters shown escaped)."""
        t = Text(shown(file), style="bold")
        if description:  # a description of several lines, on one line
            folded = re.sub(r"[ \t]*(\r\n|\n)[ \t]*", " ", description.strip()).replace("\t", " ")
            t.append(f" — {shown(folded)}")
        t.append(f"\noutput {output} · step size {step_size!r}", style="dim")
        return self.text(t)


def _ascii(r: Any) -> Any:
    if isinstance(r, Text):
        return ascii_text(r)
    if isinstance(r, Table) and isinstance(r.caption, str):
        r.caption = plain(r.caption)
    return r
