"""`bpcli graph`: the circuit as a picture (DOT, Mermaid, or SVG and PNG drawn
by Graphviz)."""

from __future__ import annotations

import os
import sys

import click

from ..files import Outputs
from ..help_texts import HELP
from ..option_sets import check_drawing
from ..options import file_argument, format_option, output_option, precision_option, set_option
from ..process import BpcliCommand, say
from .shared import load


@click.command(cls=BpcliCommand, help=HELP["graph"])
@file_argument
@set_option
@format_option("GRAPH", default="dot")
@output_option("Write to this file (whole or not at all) instead of stdout; - is stdout.")
@click.option(
    "--values",
    is_flag=True,
    help="After a forward and a backward pass: each Unit's value, grad, id.",
)
@precision_option
def graph(
    file: str,
    max_bytes: int,
    sets: tuple[str, ...],
    fmt: str,
    out_path: str | None,
    values: bool,
    precision: int,
) -> None:
    from .. import views
    from ..graphviz import SLOW_LAYOUT

    given = click.get_current_context().get_parameter_source("fmt")
    if out_path and given is not click.core.ParameterSource.COMMANDLINE:
        extension = os.path.splitext(out_path)[1].lower()
        fmt = views.GRAPH_EXTENSIONS.get(extension, fmt)  # -o x.svg: SVG
    if fmt in views.BINARY and out_path in (None, "-") and sys.stdout.isatty():
        raise click.UsageError(f"{fmt.upper()} is binary: give -o FILE, or redirect the output")
    check_drawing(fmt, values)
    outputs = Outputs(file, ("-o", out_path))
    _, circuit = load(file, sets, max_bytes=max_bytes)
    if values:
        circuit.forward()
        circuit.backward()
    nodes = len(circuit.units) + len(circuit.gates)
    if fmt in views.GRAPHVIZ and nodes > SLOW_LAYOUT:
        say(f"bpcli: warning: {nodes} nodes: Graphviz's layout gets slow past a few thousand")
    outputs.write("-o", views.GRAPH[fmt](views.GraphJob(circuit, values, precision)))
