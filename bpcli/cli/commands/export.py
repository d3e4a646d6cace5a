"""`bpcli export`: a standalone Python script, in the guide's style, that
computes what the circuit computes."""

from __future__ import annotations

import click

from ...i18n import _
from ...system.files import Outputs
from ..help_texts import help_for
from ..options import file_argument, output_option, set_option, step_size_option
from ..process import BpcliCommand
from .shared import load


@click.command(cls=BpcliCommand, help=help_for("export"))
@file_argument
@set_option
@step_size_option
@output_option(_("Write the script to this file (whole or not at all); - is stdout."))
def export(
    file: str, max_bytes: int, sets: tuple[str, ...], step_size: float | None, out_path: str | None
) -> None:
    from ... import __version__
    from ...render.export import script

    outputs = Outputs(file, ("-o", out_path))
    name, circuit = load(file, sets, step_size, max_bytes=max_bytes)
    circuit.forward()  # a circuit that cannot be computed gets its error here, not in Python's
    circuit.backward()
    outputs.write("-o", script(circuit, name, __version__))
