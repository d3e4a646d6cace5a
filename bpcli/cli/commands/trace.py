"""`bpcli trace`: every single gate call, forward and backward, of a circuit
file or of the learner's own Python script, as it happens."""

from __future__ import annotations

from typing import Any, NamedTuple

import click

from ...core.errors import Interrupted
from ...i18n import _
from ...i18n.safe_text import normal
from ...system.files import Output, Outputs
from ...system.reads import display_name
from ...system.signals import Terminated
from ..help_texts import help_for
from ..option_sets import (
    TABLE_OPTIONS,
    check_mistake_passes,
    for_circuits,
    refuse_given,
    script_options,
    stack,
)
from ..options import (
    CIRCUIT,
    SCRIPT,
    KindCommand,
    OutputPath,
    check_iterations,
    check_saving,
    drawing_options,
    file_argument,
    file_kind,
    format_option,
    gate_option,
    iteration_options,
    mistake_option,
    save_options,
    set_option,
    step_size_option,
    unit_option,
)
from ..process import gc_paused, say
from .shared import load, save_recorded


class TraceOptions(NamedTuple):
    max_bytes: int
    sets: tuple[str, ...]
    step_size: float | None
    iterations: int
    no_update: bool
    step: bool
    quiz: bool
    only_gates: tuple[str, ...]
    only_units: tuple[str, ...]
    fmt: str
    precision: int
    color: str
    save_svg: str | None
    save_html: str | None
    mistake: str | None
    as_script: bool
    python: str | None
    passes: int | None
    methods: str
    value_attr: str | None
    grad_attr: str
    script_args: tuple[str, ...]
    html: str | None


trace_options = stack(
    for_circuits(file_argument),
    for_circuits(set_option),
    for_circuits(step_size_option),
    for_circuits(iteration_options),
    click.option(
        "--step", is_flag=True, help=_("Pause after each step: Enter next, b back, ? keys.")
    ),
    click.option(
        "--quiz",
        is_flag=True,
        help=_("Ask for each grad before its backward step is shown; implies --step."),
    ),
    gate_option,
    unit_option,
    format_option("TRACE"),
    drawing_options,
    save_options,
    mistake_option(CIRCUIT),
    script_options,
    click.option(
        "--html",
        type=OutputPath(),
        metavar="FILE",
        help=_(
            "Write one self-contained HTML page instead: the circuit drawn, every step "
            "to step through in a browser (- is stdout)."
        ),
    ),
)


def _script(o: TraceOptions) -> Any:
    from ..trace_jobs import ScriptOptions

    return ScriptOptions.given(o.python, o.methods, o.value_attr, o.grad_attr, o.passes)


def check_html(o: TraceOptions) -> None:
    """--html writes every step, as the page steps through them: what would
    change that is a usage error."""
    given = click.get_current_context().get_parameter_source
    for option, name in (
        ("--step", "step"),
        ("--quiz", "quiz"),
        ("--format", "fmt"),
        ("--save-svg", "save_svg"),
        ("--save-html", "save_html"),
        ("--gate", "only_gates"),
        ("--unit", "only_units"),
        ("--color", "color"),
    ):
        if given(name) is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError(
                _("--html writes a page of every step: drop {option}").format(option=option)
            )


def check_trace(file: str, o: TraceOptions) -> bool:
    """Usage errors of trace's options; whether what is drawn is kept for saving."""
    paged = "--quiz" if o.quiz else "--step"
    if o.step and o.fmt != "table":
        raise click.UsageError(
            _("{option} pages the table view; drop --format").format(option=paged)
        )
    if file_kind(file, o.as_script) == CIRCUIT:
        check_iterations(o.iterations, o.no_update)
        check_mistake_passes(o.mistake, o.iterations, o.no_update)
        if o.step and file == "-":
            raise click.UsageError(
                _("{option} reads its keys from standard input: give FILE as a path").format(
                    option=paged
                )
            )
    if o.fmt != "table":
        refuse_given(
            click.get_current_context(),
            TABLE_OPTIONS,
            _("--format {format} writes every number in full").format(format=o.fmt),
        )
    return check_saving(o.fmt, o.save_svg, o.save_html)


@click.command(cls=KindCommand, help=help_for("trace"))
@trace_options
def trace(file: str, **given: Any) -> None:
    from .. import views
    from ..trace_jobs import Selection, trace_circuit, trace_script

    o = TraceOptions(**given)
    if o.html is not None:
        return trace_html(file, o)
    if o.quiz:
        o = o._replace(step=True)
    drawing = views.Drawing(o.precision, o.color, check_trace(file, o))
    outputs = Outputs(file, ("--save-svg", o.save_svg), ("--save-html", o.save_html))
    only_gates, only_units = map(normal, o.only_gates), map(normal, o.only_units)
    selection = Selection(frozenset(only_gates), frozenset(only_units))  # as the file's are
    script = None
    if file_kind(file, o.as_script) == SCRIPT:
        argv, json = list(o.script_args), o.fmt != "table"
        job, script = trace_script(
            file, argv, _script(o), selection, o.step, json, live_text=not json
        )
    else:
        with gc_paused():
            name, circuit = load(file, o.sets, o.step_size, max_bytes=o.max_bytes)
        update = not o.no_update
        job = trace_circuit(name, circuit, o.iterations, update, o.mistake, selection, o.step)
    job.quiz = o.quiz
    try:
        drawn = views.TRACE[o.fmt](job, drawing, Output())
    except (KeyboardInterrupt, Terminated) as signal:
        raise Interrupted.by(signal, job.where()) from None
    for warning in [*job.notes, *(script.warnings() if script is not None else ())]:
        say(warning)
    save_recorded(drawn, f"bpcli trace {display_name(file)}", outputs)
    unknown = script.unknown_name() if script is not None else None
    if unknown is not None and not job.status:
        raise unknown  # a usage error, as for a circuit, once the script's names are known
    if unknown is not None:  # the script's own failure status comes first
        say(f"bpcli: {unknown.message}")
    if job.status:
        raise click.exceptions.Exit(job.status)


def trace_html(file: str, o: TraceOptions) -> None:
    """`bpcli trace FILE --html OUT`: the page, written whole (or not at all)."""
    from ...html.job import trace_page
    from ..trace_jobs import Selection, trace_circuit, trace_script

    check_html(o)
    kind = file_kind(file, o.as_script)
    if kind == CIRCUIT:
        check_iterations(o.iterations, o.no_update)
        check_mistake_passes(o.mistake, o.iterations, o.no_update)
    outputs = Outputs(file, ("--html", o.html))
    script = None
    if kind == SCRIPT:  # the script's own output to stderr when the page goes to stdout
        argv, quiet = list(o.script_args), o.html == "-"
        job, script = trace_script(file, argv, _script(o), Selection(), False, quiet, False)
    else:
        with gc_paused():
            name, circuit = load(file, o.sets, o.step_size, max_bytes=o.max_bytes)
        update = not o.no_update
        job = trace_circuit(name, circuit, o.iterations, update, o.mistake, Selection(), False)
    try:
        html, note = trace_page(job, f"bpcli trace {display_name(file)}", o.precision)
    except (KeyboardInterrupt, Terminated) as signal:
        raise Interrupted.by(signal, job.where()) from None
    for warning in [*job.notes, *(script.warnings() if script is not None else ())]:
        say(warning)
    if note:
        say(f"bpcli: warning: {note}")
    outputs.write("--html", html)
    if job.status:
        raise click.exceptions.Exit(job.status)
