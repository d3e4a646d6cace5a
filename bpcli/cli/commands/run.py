"""`bpcli run`: forward, backward, update, forward, and a table of every Unit
after each pass (or only the last output value, with -q)."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from ...i18n import _, ngettext
from ...i18n.safe_text import normal
from ...system.files import Outputs, unchanged_on_disk, write_stdout
from ...system.signals import Terminated
from ..help_texts import help_for
from ..option_sets import TABLE_OPTIONS, check_mistake_passes, refuse_given, stack
from ..options import (
    check_iterations,
    check_saving,
    drawing_options,
    file_argument,
    format_option,
    iteration_options,
    mistake_option,
    output_option,
    save_options,
    set_option,
    step_size_option,
    view_options,
)
from ..process import BpcliCommand, gc_paused, say
from .shared import load, save_recorded

if TYPE_CHECKING:
    from ...core.engine import Circuit


class RunOptions(NamedTuple):
    max_bytes: int
    sets: tuple[str, ...]
    step_size: float | None
    iterations: int
    no_update: bool
    quiet: bool
    fmt: str
    precision: int
    color: str
    every: int
    max_rows: int
    all_rows: bool
    only_units: tuple[str, ...]
    save_svg: str | None
    save_html: str | None
    write_back: bool
    out_path: str | None
    mistake: str | None


run_options = stack(
    file_argument,
    set_option,
    step_size_option,
    iteration_options,
    click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help=_("Print only the output value of the last pass (Python repr of the float)."),
    ),
    format_option("RUN"),
    drawing_options,
    view_options,
    save_options,
    click.option(
        "--write",
        "write_back",
        is_flag=True,
        help=_("Save the trained input values back into FILE, changing nothing else."),
    ),
    output_option(_("Write the circuit with the trained values to NEW instead."), "NEW"),
    mistake_option(),
)


def check_run(file: str, o: RunOptions) -> None:
    """The combinations of run's options that make no sense are usage errors."""
    check_iterations(o.iterations, o.no_update)
    ctx = click.get_current_context()
    given = ctx.get_parameter_source("fmt") is click.core.ParameterSource.COMMANDLINE
    if o.quiet and given:
        raise click.UsageError(_("-q prints only the output value: drop --format"))
    if check_saving(o.fmt, o.save_svg, o.save_html) and o.quiet:
        raise click.UsageError(_("-q draws no tables to save: drop --save-svg/--save-html"))
    if o.write_back and o.out_path:
        raise click.UsageError(_("--write saves into FILE, -o into NEW: choose one"))
    if (o.write_back or o.out_path) and o.no_update:
        raise click.UsageError(_("--no-update trains nothing: drop --write or -o"))
    if o.write_back and file == "-":
        raise click.UsageError(_("--write needs FILE to be a file; use -o NEW with standard input"))
    if o.write_back and not _regular(file):
        raise click.UsageError(
            _(
                "--write needs FILE to be a regular file (bpcli reads it again to replace "
                "it); use -o NEW"
            )
        )
    if o.mistake and (o.write_back or o.out_path):
        raise click.UsageError(
            _(
                "--mistake {name} trains with a deliberate slip: its values are not worth "
                "saving; drop --write or -o"
            ).format(name=o.mistake)
        )
    check_mistake_passes(o.mistake, o.iterations, o.no_update)
    if o.quiet:
        refuse_given(
            ctx, (*TABLE_OPTIONS, "only_units", "every"), _("-q prints only the output value")
        )
    elif o.fmt != "table":
        full = _("--format {format} writes every number in full").format(format=o.fmt)
        refuse_given(ctx, TABLE_OPTIONS, full)


def _regular(file: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(file).st_mode)
    except OSError:
        return True  # the read reports it, in its own words


@click.command(cls=BpcliCommand, help=help_for("run"))
@run_options
def run(file: str, **given: Any) -> None:
    from ...core.engine import run_passes
    from ...render.progress import Watch
    from .. import choices

    o = RunOptions(**given)
    check_run(file, o)
    outputs = Outputs(
        file,
        ("-o", o.out_path),
        ("--save-svg", o.save_svg),
        ("--save-html", o.save_html),
        ("--write", file if o.write_back else None),
    )
    training = bool(o.write_back or o.out_path)
    with gc_paused():
        name, circuit = load(file, o.sets, o.step_size, max_bytes=o.max_bytes, keep=training)
        choices.check_names(circuit, (), o.only_units)
        update = not o.no_update
        last = o.iterations if update else 0
        lesson = None
        if o.mistake:
            from ...core.mistakes import MISTAKES, Lesson

            lesson = Lesson(circuit, MISTAKES[o.mistake], o.iterations, update)
        source = lesson.passes() if lesson else run_passes(circuit, o.iterations, update)
        watch = Watch(last, circuit.output_name, lambda: circuit.output_value, o.quiet)
        try:
            if o.quiet:
                for _pass in watch.passes(source):
                    pass
                write_stdout(repr(circuit.output_value) + "\n")
            else:
                from .. import views

                rows = None if o.all_rows else o.max_rows
                passes = watch.passes(source)
                only = frozenset(map(normal, o.only_units))  # as the file's names are
                job = views.RunJob(name, circuit, passes, last, lesson, o.every, rows, only)
                drawing = views.Drawing(o.precision, o.color, bool(o.save_svg or o.save_html))
                drawn = views.RUN[o.fmt](job, drawing, write_stdout)
                save_recorded(drawn, f"bpcli run {name}", outputs)
        except (KeyboardInterrupt, Terminated) as signal:
            raise watch.interrupted(signal) from None
    if training:
        save_trained(file, circuit, outputs, "--write" if o.write_back else "-o")


def save_trained(file: str, circuit: Circuit, outputs: Outputs, option: str) -> None:
    """The final input values into FILE (--write) or NEW (-o): those numbers and
    nothing else change, and the new text is checked before it is written."""
    from ...parser.rewrite import trained

    orig = click.get_current_context().meta["bpcli.original"]
    text, moved, verify = trained(orig, circuit)
    check = unchanged_on_disk(file, orig.data) if option == "--write" else None
    target = outputs.targets[option].path
    if option == "--write" and not moved:
        say("bpcli: " + _("no value changed: {file} left as it was").format(file=target))
        return
    outputs.write(option, text, verify, check)
    wrote = ngettext(
        "wrote {n} trained value to {file}", "wrote {n} trained values to {file}", moved
    )
    say("bpcli: " + wrote.format(n=moved, file=target))
