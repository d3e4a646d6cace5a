"""`bpcli mistakes`: the mistake zoo, each slip with its line of code and what
it does to the gradients."""

from __future__ import annotations

import click

from ..files import write_stdout
from ..help_texts import HELP
from ..process import BpcliCommand


@click.command(cls=BpcliCommand, help=HELP["mistakes"])
def mistakes() -> None:
    import sys

    from ..mistakes import MISTAKES
    from ..render.console import Page
    from ..terminal import terminal_width

    page = Page(width=min(terminal_width(sys.stdout.isatty()), 88))
    for m in MISTAKES.values():
        code = [[("    " + m.slip, "")]]  # a line of code: never broken, but its
        if len(m.slip) + 4 > page.width and "   # " in m.slip:  # comment may go above
            line, _, comment = m.slip.partition("   # ")
            code = [[("    # " + comment, "")], [("    " + line, "")]]
        write_stdout(
            page.text([[(m.name, "")]], code, page.paragraph(m.explanation, indent="    "))
        )
        write_stdout("\n")
