"""`bpcli expand`: the circuit as a `gates:` file, its `expr:` formulas made
gates."""

from __future__ import annotations

import click

from ...system.files import write_stdout
from ..help_texts import help_for
from ..options import file_argument, set_option, step_size_option
from ..process import BpcliCommand
from .shared import load


@click.command(cls=BpcliCommand, help=help_for("expand"))
@file_argument
@set_option
@step_size_option
def expand(file: str, max_bytes: int, sets: tuple[str, ...], step_size: float | None) -> None:
    from ...render.circuit import gates_file

    name, circuit = load(file, sets, step_size, max_bytes=max_bytes)
    write_stdout(gates_file(circuit, name))
