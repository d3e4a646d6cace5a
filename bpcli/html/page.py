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

from ..core.steps import Step
from ..i18n import N_, _
from ..render.console import PHASE_WORDS
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


def cut_note(lay: Layout, page: bool = True) -> str:
    """What the page says (and bpcli warns) when only the first layers are drawn;
    ``page=False``: what a drawing without the page's table and steps says."""
    if lay.drawn_layers >= lay.layers:
        return ""
    if not page:
        return _("{gates} gates: only the first {drawn} of {layers} layers are drawn").format(
            gates=lay.gates, drawn=lay.drawn_layers, layers=lay.layers
        )
    return _(
        "{gates} gates: only the first {drawn} of {layers} layers "
        "({drawn_gates} gates) are drawn; the table lists every Unit, and every step "
        "is here"
    ).format(
        gates=lay.gates, drawn=lay.drawn_layers, layers=lay.layers, drawn_gates=lay.drawn_gates
    )


# What the page's script says (page.js), given to it in the reader's language
SCRIPT_LABELS = {
    "call": N_("Step {step}: {phase} {iteration} · {call}"),
    "unseen": N_("{name}: no step has shown this Unit yet"),
    "held": N_("{name} is {id}, one object held by {slots}"),
    "free": N_("{name} is {id}, held by no gate slot yet"),
    "play": N_("▶ play"),
    "pause": N_("⏸ pause"),
}
# The page's own words (TEMPLATE's), each escaped where it goes
PAGE_LABELS = {
    "steps": N_("steps"),
    "first_tip": N_("first step (Home)"),
    "first": N_("« first"),
    "prev_tip": N_("previous step (←)"),
    "prev": N_("← back"),
    "play_tip": N_("play or pause (p)"),
    "play": N_("▶ play"),
    "next_tip": N_("next step (→)"),
    "next": N_("next →"),
    "last_tip": N_("last step (End)"),
    "last_step": N_("last »"),
    "the_circuit": N_("the circuit"),
    "hover": N_(
        "Hover over or focus a Unit (Tab) to see every gate slot that holds that very object."
    ),
    "this_step": N_("this step"),
    "step": N_("step"),
    "units_label": N_("every Unit as of this step"),
    "units_title": N_("Every Unit, as of this step"),
    "unit": N_("unit"),
    "value": N_("value"),
    "grad": N_("grad"),
    "id": N_("id"),
    "written": N_("← written"),
    "footer": N_(
        "Made by bpcli trace --html. Keys: ← → step, Home/End, p play/pause; "
        "the address ends in #step=N for this step."
    ),
}


def labels() -> dict[str, Any]:
    """The words page.js shows, in the reader's language (the phases too)."""
    said: dict[str, Any] = {k: _(v) for k, v in SCRIPT_LABELS.items()}
    said["phases"] = {k: _(v) for k, v in PHASE_WORDS.items()}
    return said


def _page_words(last: int) -> dict[str, str]:
    words = {k: esc(_(v)) for k, v in PAGE_LABELS.items()}
    # the mark of a Unit written (page.css's ::after): a CSS string, in the attribute
    said = _(PAGE_LABELS["written"]).replace("\\", "\\\\").replace('"', '\\"')
    words["written_css"] = esc(f'" {said}"')
    count = esc(_("step {number} of {last}"))
    words["count"] = count.replace("{number}", '<output id="bp-n">1</output>').replace(
        "{last}", str(last)
    )
    return words


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
        "labels": labels(),
    }
    payload = line(data).strip().replace("<", "\\u003c")  # nothing can close the script
    rows = "\n".join(
        f'<tr data-unit="{esc(u)}"><th scope="row">{esc(u)}</th><td class="v"></td>'
        f'<td class="g"></td><td class="i"></td></tr>'
        for u in units
    )
    count = len(steps)
    banner = f'<p class="bp-note" role="note">{esc(note)}</p>' if note else ""
    from ..i18n import language

    html = TEMPLATE.format(
        lang=esc(language()),
        **_page_words(max(count, 1)),
        title=esc(title),
        subtitle=esc(subtitle),
        css=asset("page.css"),
        js=asset("page.js"),
        svg=drawing,
        rows=rows,
        data=payload,
        last=max(count, 1),
        banner=banner,
        first_text=esc(steps[0].text if steps else _("no steps: the trace is empty")),
    )
    return html, note


TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}">
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
<nav class="bp-controls" aria-label="{steps}">
<button type="button" id="bp-first" title="{first_tip}">{first}</button>
<button type="button" id="bp-prev" title="{prev_tip}">{prev}</button>
<button type="button" id="bp-play" title="{play_tip}" aria-pressed="false">{play}</button>
<button type="button" id="bp-next" title="{next_tip}">{next}</button>
<button type="button" id="bp-last" title="{last_tip}">{last_step}</button>
<label for="bp-slider" class="bp-count">{count}</label>
<input type="range" id="bp-slider" min="1" max="{last}" value="1" step="1">
</nav>
<main>
<section class="bp-draw" aria-label="{the_circuit}">
{svg}
</section>
<p id="bp-identity" class="bp-identity" aria-live="polite">{hover}</p>
<section class="bp-step" aria-label="{this_step}">
<h2 id="bp-call">{step}</h2>
<pre id="bp-text">{first_text}</pre>
</section>
<section class="bp-units" aria-label="{units_label}" style="--bp-written: {written_css}">
<h2>{units_title}</h2>
<table id="bp-table">
<thead><tr><th scope="col">{unit}</th><th scope="col">{value}</th><th scope="col">{grad}</th>\
<th scope="col">{id}</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</section>
</main>
<footer><p>{footer}</p></footer>
<script type="application/json" id="bp-data">{data}</script>
<script>{js}</script>
</body>
</html>
"""
