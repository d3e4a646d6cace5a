"""`bpcli mistakes`: the mistake zoo, each slip with its line of code and what
it does to the gradients."""

from __future__ import annotations

import click

from ..files import write_stdout
from ..help_texts import HELP
from ..process import BpcliCommand


@click.command(cls=BpcliCommand, help=HELP["mistakes"])
def mistakes() -> None:
    from ..mistakes import MISTAKES

    for m in MISTAKES.values():
        indent = "    "
        wrapped = click.wrap_text(
            m.explanation, width=88, initial_indent=indent, subsequent_indent=indent
        )
        write_stdout(f"{m.name}\n{indent}{m.slip}\n{wrapped}\n\n")
