"""The trace page (`bpcli trace FILE --html OUT.html`): one self-contained HTML
file, its CSS and script inline, nothing fetched, working from ``file://``.

It holds the circuit drawn by bpcli (svg.py), every step as the very event
``trace --format jsonl`` writes (in a ``<script type="application/json">``),
each step's text as the terminal trace writes it (colourless), and the
script that steps through them (page.js). Pure: the caller writes the text."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Any, NamedTuple

from ..steps import Step
from .layout import Graph, Layout
from .svg import esc, svg

MAX_GATES = 2000  # past this many gates, only the first layers are drawn
TEXT_WIDTH = 100  # the step texts are laid out this wide


class PageStep(NamedTuple):
    event: dict[str, Any]  # render.json.step_dict: what trace --format jsonl writes
    text: str  # render.trace_text.TraceText.step_text, colourless
    zeroes: bool  # the step set every grad to 0 first (a circuit's seed)


def asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def collect(steps: Iterable[tuple[int, Step]], precision: int, total: int | None) -> list[PageStep]:
    """Each numbered step as the page holds it."""
    from ..render.json import step_dict
    from ..render.trace_text import TraceText

    text = TraceText(precision=precision, width=TEXT_WIDTH, color=False)
    found = []
    for k, s in steps:
        zeroes = s.phase == "backward" and s.gate is None and s.update is None and not s.writes
        found.append(PageStep(step_dict(s, k), text.step_text(s, k, total), zeroes))
    return found


def cut_note(lay: Layout) -> str:
    """What the page says (and bpcli warns) when only the first layers are drawn."""
    if lay.drawn_layers >= lay.layers:
        return ""
    return (
        f"{lay.gates} gates: only the first {lay.drawn_layers} of {lay.layers} layers "
        f"({lay.drawn_gates} gates) are drawn; the table lists every Unit, and every step "
        "is here"
    )


def page(
    title: str,
    graph: Graph,
    steps: list[PageStep],
    initial: dict[str, dict[str, Any]],
    precision: int,
    subtitle: str = "",
) -> tuple[str, str]:
    """The page's HTML, and the note on what was left undrawn ("" when nothing was)."""
    from ..render.json import line
    from .layout import layout

    lay = layout(graph, MAX_GATES)
    note = cut_note(lay)
    edges = [(e.src, e.dst, e.gate, e.slot, e.unit) for e in graph.edges]
    drawing = svg(lay, edges, title=title, standalone=False)
    if lay.width < 1600:  # small enough to be scaled to the window's width
        drawing = drawing.replace('class="bp-graph"', 'class="bp-graph bp-fit"', 1)
    units = [n.name for n in graph.nodes.values() if n.kind == "unit"]
    for s in steps:  # every Unit a step names, drawn or not, has its row
        for view in s.event["slots"].values():
            if view["unit"] not in initial and view["unit"] not in units:
                units.append(view["unit"])
    for name in initial:
        if name not in units:
            units.append(name)
    data = {
        "title": title,
        "precision": precision,
        "units": units,
        "initial": initial,
        "events": [s.event for s in steps],
        "texts": [s.text for s in steps],
        "zeroes": [s.event["step"] for s in steps if s.zeroes],
    }
    payload = line(data).strip().replace("<", "\\u003c")  # nothing can close the script
    rows = "\n".join(
        f'<tr data-unit="{esc(u)}"><th scope="row">{esc(u)}</th><td class="v"></td>'
        f'<td class="g"></td><td class="i"></td></tr>'
        for u in units
    )
    count = len(steps)
    banner = f'<p class="bp-note" role="note">{esc(note)}</p>' if note else ""
    html = TEMPLATE.format(
        title=esc(title),
        subtitle=esc(subtitle),
        css=asset("page.css"),
        js=asset("page.js"),
        svg=drawing,
        rows=rows,
        data=payload,
        last=max(count, 1),
        banner=banner,
        first_text=esc(steps[0].text if steps else "no steps: the trace is empty"),
    )
    return html, note


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title} · bpcli trace</title>
<style>{css}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="bp-sub">{subtitle}</p>
{banner}
</header>
<nav class="bp-controls" aria-label="steps">
<button type="button" id="bp-first" title="first step (Home)">« first</button>
<button type="button" id="bp-prev" title="previous step (←)">← back</button>
<button type="button" id="bp-play" title="play or pause (p)" aria-pressed="false">▶ play</button>
<button type="button" id="bp-next" title="next step (→)">next →</button>
<button type="button" id="bp-last" title="last step (End)">last »</button>
<label for="bp-slider" class="bp-count">step <output id="bp-n">1</output> of {last}</label>
<input type="range" id="bp-slider" min="1" max="{last}" value="1" step="1">
</nav>
<main>
<section class="bp-draw" aria-label="the circuit">
{svg}
</section>
<p id="bp-identity" class="bp-identity" aria-live="polite">Hover over or focus a Unit \
(Tab) to see every gate slot that holds that very object.</p>
<section class="bp-step" aria-label="this step">
<h2 id="bp-call">step</h2>
<pre id="bp-text">{first_text}</pre>
</section>
<section class="bp-units" aria-label="every Unit as of this step">
<h2>Every Unit, as of this step</h2>
<table id="bp-table">
<thead><tr><th scope="col">unit</th><th scope="col">value</th><th scope="col">grad</th>\
<th scope="col">id</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</section>
</main>
<footer><p>Made by bpcli trace --html. Keys: ← → step, Home/End, p play/pause; \
the address ends in #step=N for this step.</p></footer>
<script type="application/json" id="bp-data">{data}</script>
<script>{js}</script>
</body>
</html>
"""
