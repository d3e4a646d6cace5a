"""What every text view shares: numbers as people read them, and a ``Page``
that turns rich renderables into text at a width (colour codes only when
asked), keeping a copy in colour for ``--save-svg`` and ``--save-html``.

Names and descriptions come from the user's file, so they are rich ``Text``,
never markup.
"""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

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


def table(title: Text | None, headers: list[str], rows: list[list[Text]], drop: int = -1) -> Table:
    """Nothing a reader needs is ever cut: every column keeps the width of its
    widest cell (a terminal too narrow wraps the line instead), and the holders
    of one object stand one per line. ``drop``: a column left out."""
    t = Table(
        title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False
    )
    keep = [k for k in range(len(headers)) if k != drop]
    for k in keep:
        widest = max((c.cell_len for r in rows for c in r[k].split("\n")), default=0)
        t.add_column(
            headers[k],
            justify="right" if headers[k] in RIGHT else "left",
            no_wrap=True,
            min_width=max(widest, len(headers[k])),
        )
    for r in rows:
        t.add_row(*(r[k] for k in keep))
    return t


class Page:
    """Renders rich renderables to text at a fixed width, with or without colour."""

    def __init__(
        self, precision: int = 6, width: int = 120, color: bool = False, record: bool = False
    ) -> None:
        self.precision = precision
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

    def text(self, *renderables: Any) -> str:
        """Renderables as text. One wider than the console is drawn whole (the
        terminal wraps its lines): bpcli never cuts a name, a number or an id."""
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
        """The circuit's heading: its file, description, output and step size."""
        t = Text(file, style="bold")
        if description:
            t.append(f" — {description}")
        t.append(f"\noutput {output} · step size {step_size!r}", style="dim")
        return self.text(t)
