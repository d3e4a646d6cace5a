"""`bpcli graph`: the circuit as a picture (DOT, Mermaid; SVG drawn by bpcli's
own layout, or by Graphviz when asked; PNG by Graphviz)."""

from __future__ import annotations

import os
import sys

import click

from ...i18n import _, ngettext
from ...system.files import Outputs
from ...system.reads import display_name
from ..help_texts import help_for
from ..option_sets import check_drawing
from ..options import file_argument, format_option, output_option, precision_option, set_option
from ..process import BpcliCommand, say
from .shared import load


@click.command(cls=BpcliCommand, help=help_for("graph"))
@file_argument
@set_option
@format_option("GRAPH", default="dot")
@output_option(_("Write to this file (whole or not at all) instead of stdout; - is stdout."))
@click.option(
    "--values",
    is_flag=True,
    help=_("After a forward and a backward pass: each Unit's value, grad, id."),
)
@precision_option
@click.option(
    "--engine",
    type=click.Choice(["bpcli", "graphviz"]),
    default=None,
    help=_(
        "Who lays out SVG: bpcli (the default, nothing to install) or Graphviz's dot. "
        "PNG is always Graphviz's."
    ),
)
def graph(
    file: str,
    max_bytes: int,
    sets: tuple[str, ...],
    fmt: str,
    out_path: str | None,
    values: bool,
    precision: int,
    engine: str | None,
) -> None:
    from ...system.graphviz import SLOW_LAYOUT
    from .. import views

    given = click.get_current_context().get_parameter_source("fmt")
    if out_path and given is not click.core.ParameterSource.COMMANDLINE:
        extension = os.path.splitext(out_path)[1].lower()
        fmt = views.GRAPH_EXTENSIONS.get(extension, fmt)  # -o x.svg: SVG
    if fmt in views.BINARY and out_path in (None, "-") and sys.stdout.isatty():
        raise click.UsageError(
            _("{format} is binary: give -o FILE, or redirect the output").format(format=fmt.upper())
        )
    check_drawing(fmt, values)
    engine = check_engine(fmt, engine)
    outputs = Outputs(file, ("-o", out_path))
    _name, circuit = load(file, sets, max_bytes=max_bytes)
    if values:
        circuit.forward()
        circuit.backward()
    nodes = len(circuit.units) + len(circuit.gates)
    if engine == "bpcli":
        outputs.write("-o", bpcli_svg(circuit, values, precision, display_name(file)))
        return
    if fmt in views.GRAPHVIZ and nodes > SLOW_LAYOUT:
        slow = ngettext(
            "{nodes} node: Graphviz's layout gets slow past a few thousand",
            "{nodes} nodes: Graphviz's layout gets slow past a few thousand",
            nodes,
        )
        say("bpcli: warning: " + slow.format(nodes=nodes))
    outputs.write("-o", views.GRAPH[fmt](views.GraphJob(circuit, values, precision)))


def check_engine(fmt: str, engine: str | None) -> str | None:
    """The engine that lays out ``fmt`` (None for text that needs none): SVG is
    bpcli's unless Graphviz is asked for, PNG only Graphviz's."""
    if fmt == "svg":
        return engine or "bpcli"
    if fmt == "png":
        if engine == "bpcli":
            raise click.UsageError(
                _("bpcli draws SVG only: PNG is Graphviz's (drop --engine bpcli)")
            )
        return "graphviz"
    if engine is not None and fmt != "dot":
        raise click.UsageError(
            _("--format {format} is text that needs no layout: drop --engine").format(format=fmt)
        )
    return None


def bpcli_svg(circuit: object, values: bool, precision: int, name: str) -> str:
    """The SVG drawn by bpcli's own layout; past a few thousand gates, the first
    layers only (a warning says so)."""
    from ...html.layout import from_circuit, layout
    from ...html.page import MAX_GATES, cut_note
    from ...html.svg import circuit_svg

    note = cut_note(layout(from_circuit(circuit, room=values), MAX_GATES), page=False)
    if note:
        say(f"bpcli: warning: {note}")
    title = getattr(circuit, "description", "") or name
    return circuit_svg(circuit, values, precision, title, MAX_GATES)
