"""`bpcli validate`: parse and check FILE without running it."""

from __future__ import annotations

import click

from ...i18n import _, ngettext
from ...i18n.safe_text import shown
from ...system.files import write_stdout
from ..help_texts import help_for
from ..options import file_argument
from ..process import BpcliCommand
from .shared import load


@click.command(cls=BpcliCommand, help=help_for("validate"))
@file_argument
@click.option("--all-errors", is_flag=True, help=_("List every error found, not just the first."))
def validate(file: str, max_bytes: int, all_errors: bool) -> None:
    name, circuit = load(file, all_errors=all_errors, max_bytes=max_bytes)
    inputs, gates = len(circuit.inputs), len(circuit.gates)
    counted = _("{inputs}, {gates}, output {output}").format(
        inputs=ngettext("{n} input", "{n} inputs", inputs).format(n=inputs),
        gates=ngettext("{n} gate", "{n} gates", gates).format(n=gates),
        output=shown(circuit.output_name),
    )
    write_stdout(f"{shown(name)}: ok: {counted}\n")  # "FILE: ok:" is not translated
