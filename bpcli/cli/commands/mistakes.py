"""`bpcli mistakes`: the mistake zoo, each slip with its line of code and what
it does to the gradients."""

from __future__ import annotations

import click

from ...i18n import _
from ...system.files import write_stdout
from ..help_texts import help_for
from ..process import BpcliCommand


def slip_shown(slip: str) -> str:
    """A slip's line of code, its comment (after ``# ``) in the reader's language."""
    code, mark, comment = slip.partition("# ")
    return code + mark + _(comment) if mark else slip


@click.command(cls=BpcliCommand, help=help_for("mistakes"))
def mistakes() -> None:
    import sys

    from ...core.mistakes import MISTAKES
    from ...render.console import Page
    from ...system.terminal import terminal_width

    page = Page(width=min(terminal_width(sys.stdout.isatty()), 88))
    for m in MISTAKES.values():
        slip = slip_shown(m.slip)
        code = [[("    " + slip, "")]]  # a line of code: never broken, but its
        if len(slip) + 4 > page.width and "   # " in slip:  # comment may go above
            line, _sep, comment = slip.partition("   # ")
            code = [[("    # " + comment, "")], [("    " + line, "")]]
        write_stdout(
            page.text([[(m.name, "")]], code, page.paragraph(_(m.explanation), indent="    "))
        )
        write_stdout("\n")
