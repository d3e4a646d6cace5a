"""`bpcli gates`: every op of the registry, its forward and its local
derivatives."""

from __future__ import annotations

import click

from ...system.files import write_stdout
from ..help_texts import help_for
from ..options import format_option
from ..process import BpcliCommand


@click.command(cls=BpcliCommand, help=help_for("gates"))
@format_option("GATES")
def gates(fmt: str) -> None:
    from ...core.gates import OPS
    from .. import views

    views.GATES[fmt](list(OPS.values()), views.Drawing(), write_stdout)
