"""What several commands do alike: read FILE into a circuit, and save what a
page drew (--save-svg, --save-html)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ...i18n import _
from ...system.files import Outputs
from ...system.reads import MAX_BYTES, display_name, read_input

if TYPE_CHECKING:
    from ...core.engine import Circuit
    from ...render.console import Page


def load(
    path: str,
    sets: tuple[str, ...] = (),
    step_size: float | None = None,
    all_errors: bool = False,
    max_bytes: int = MAX_BYTES,
    keep: bool = False,
) -> tuple[str, Circuit]:
    """Read and parse FILE, then apply --set and --step-size (bad ones exit 2);
    with ``keep``, the file as read is kept, to save trained values into."""
    from ...parser import parse
    from .. import choices

    name = display_name(path)
    if path.lower().endswith(".py"):
        refuse_script(name)
    meta = click.get_current_context().meta
    meta["bpcli.file"] = name  # for errors found later
    data = read_input(path, max_bytes)
    circuit = parse(data, all_errors=all_errors)
    if not data.isascii():  # a name may look like another (an ASCII file: no look)
        from ...parser.alphabets import circuit_warnings
        from ..process import say

        for w in circuit_warnings(circuit, data):
            say(f"{name}:{w.line}:{w.col}: warning: {w.message}")
    if keep:
        from ...parser.rewrite import original

        meta["bpcli.original"] = original(data, circuit)
    choices.apply(circuit, sets, step_size)
    return name, circuit


def refuse_script(name: str) -> None:
    """A Python script given where a circuit file belongs: one line, and exit
    status 2, as for any FILE of the wrong kind (a usage error: nothing is read)."""
    from ..process import say

    use = _("this is a Python script: use bpcli trace {file}").format(file=name)
    say(f"{name}: error: {use}")
    raise click.exceptions.Exit(2)


def save_recorded(page: Page | None, title: str, outputs: Outputs) -> None:
    """--save-svg and --save-html: what the page drew, as a picture or a page."""
    for option, kind in (("--save-svg", "svg"), ("--save-html", "html")):
        if option in outputs.targets and page is not None:
            outputs.write(option, page.recorded(kind, title))
