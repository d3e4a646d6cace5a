"""The command line: parse options, call the library, write what it returns.

No arithmetic, no table layout and no file handling live here: the options
are defined in ``options.py``, the views and their formats in ``views.py``,
files are read and written by ``files.py``, and ``process.py`` turns every
failure into a message and an exit status. Data goes to stdout, messages to
stderr.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from . import views
from .errors import Interrupted
from .files import (
    MAX_BYTES,
    Output,
    Outputs,
    display_name,
    read_input,
    unchanged_on_disk,
    write_stdout,
)
from .help_texts import HELP
from .option_sets import (
    CheckOptions,
    RunOptions,
    TraceOptions,
    check_command_options,
    check_drawing,
    check_run,
    check_tolerances,
    check_trace,
    run_options,
    trace_options,
)
from .options import (
    SCRIPT,
    KindCommand,
    file_argument,
    file_kind,
    format_option,
    output_option,
    precision_option,
    set_option,
    step_size_option,
)
from .process import BpcliGroup, exit_with, gc_paused, say
from .safe_text import shown
from .signals import Terminated

if TYPE_CHECKING:
    from .engine import Circuit
    from .render.console import Page


@click.group(
    cls=BpcliGroup, help=HELP["bpcli"], context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(package_name="bpcli", prog_name="bpcli")
def cli() -> None:
    pass


# -- loading ------------------------------------------------------------------------


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
    from . import choices
    from .parser import parse

    name = display_name(path)
    meta = click.get_current_context().meta
    meta["bpcli.file"] = name  # for errors found later
    data = read_input(path, max_bytes)
    circuit = parse(data, all_errors=all_errors)
    if keep:
        from .rewrite import original

        meta["bpcli.original"] = original(data, circuit)
    choices.apply(circuit, sets, step_size)
    return name, circuit


def save_recorded(page: Page | None, title: str, outputs: Outputs) -> None:
    """--save-svg and --save-html: what the page drew, as a picture or a page."""
    for option, kind in (("--save-svg", "svg"), ("--save-html", "html")):
        if option in outputs.targets and page is not None:
            outputs.write(option, page.recorded(kind, title))


# -- commands -------------------------------------------------------------------------


@cli.command(help=HELP["run"])
@run_options(views.RUN)
def run(file: str, **given: Any) -> None:
    from . import choices
    from .engine import run_passes
    from .render.progress import Watch

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
            from .mistakes import MISTAKES, Lesson

            lesson = Lesson(circuit, MISTAKES[o.mistake], o.iterations, update)
        source = lesson.passes() if lesson else run_passes(circuit, o.iterations, update)
        watch = Watch(last, circuit.output_name, lambda: circuit.output_value)
        try:
            if o.quiet:
                for _ in watch.passes(source):
                    pass
                write_stdout(repr(circuit.output_value) + "\n")
            else:
                rows = None if o.all_rows else o.max_rows
                passes = watch.passes(source)
                only = frozenset(o.only_units)
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
    from .rewrite import trained

    orig = click.get_current_context().meta["bpcli.original"]
    text, moved, verify = trained(orig, circuit)
    check = unchanged_on_disk(file, orig.data) if option == "--write" else None
    target = outputs.targets[option].path
    if option == "--write" and not moved:
        say(f"bpcli: no value changed: {target} left as it was")
        return
    outputs.write(option, text, verify, check)
    values = "value" if moved == 1 else "values"
    say(f"bpcli: wrote {moved} trained {values} to {target}")


@cli.command(cls=KindCommand, help=HELP["trace"])
@trace_options(views.TRACE)
def trace(file: str, **given: Any) -> None:
    from .trace_jobs import Selection, trace_circuit, trace_script

    o = TraceOptions(**given)
    drawing = views.Drawing(o.precision, o.color, check_trace(file, o))
    outputs = Outputs(file, ("--save-svg", o.save_svg), ("--save-html", o.save_html))
    selection = Selection(frozenset(o.only_gates), frozenset(o.only_units))
    script = None
    if file_kind(file, o.as_python) == SCRIPT:
        argv, json = list(o.script_args), o.fmt != "table"
        job, script = trace_script(
            file, argv, o.methods, o.value_attr, o.grad_attr, selection, o.step, json
        )
    else:
        with gc_paused():
            name, circuit = load(file, o.sets, o.step_size, max_bytes=o.max_bytes)
        update = not o.no_update
        job = trace_circuit(name, circuit, o.iterations, update, o.mistake, selection, o.step)
    try:
        drawn = views.TRACE[o.fmt](job, drawing, Output())
    except (KeyboardInterrupt, Terminated) as signal:
        raise Interrupted.by(signal, job.where()) from None
    for warning in [*job.notes, *(script.warnings() if script is not None else ())]:
        say(warning)
    save_recorded(drawn, f"bpcli trace {display_name(file)}", outputs)
    if job.status:
        raise click.exceptions.Exit(job.status)


@cli.command(cls=KindCommand, help=HELP["check"])
@check_command_options(views.CHECK)
def check(file: str, **given: Any) -> None:
    from .gradcheck import FAIL, Tolerances
    from .gradcheck import check as gradient_check

    o = CheckOptions(**given)
    check_drawing(o.fmt)
    if file_kind(file, o.as_python) == SCRIPT:
        from .script.check import check_script

        if file == "-":
            raise click.UsageError("a script is run from its file: give its path, not -")
        methods = tuple(m.strip() for m in o.methods.split(",") if m.strip())
        result = check_script(file, list(o.script_args), methods, o.value_attr, o.grad_attr)
        views.CHECK_SCRIPT[o.fmt](result, views.Drawing(o.precision, o.color), Output())
        if result.findings or result.status:
            raise click.exceptions.Exit(1 if result.findings else result.status)
        return
    check_tolerances(o.h, o.tol, o.abs_tol)
    name, circuit = load(file, o.sets, max_bytes=o.max_bytes)
    tolerances = Tolerances(o.tol[0], o.tol[1], o.abs_tol)
    rows = gradient_check(circuit, o.h, tolerances)
    job = views.CheckJob(name, circuit.output_name, o.h, tolerances, rows)
    views.CHECK[o.fmt](job, views.Drawing(o.precision, o.color), write_stdout)
    if any(row.verdict == FAIL for row in rows):
        raise click.exceptions.Exit(1)


@cli.command(help=HELP["graph"])
@file_argument
@set_option
@format_option(views.GRAPH, default="dot")
@output_option("Write to this file (whole or not at all) instead of stdout; - is stdout.")
@click.option(
    "--values",
    is_flag=True,
    help="After a forward and a backward pass: each Unit's value, grad, id.",
)
@precision_option
def graph(
    file: str,
    max_bytes: int,
    sets: tuple[str, ...],
    fmt: str,
    out_path: str | None,
    values: bool,
    precision: int,
) -> None:
    from .graphviz import SLOW_LAYOUT

    given = click.get_current_context().get_parameter_source("fmt")
    if out_path and given is not click.core.ParameterSource.COMMANDLINE:
        extension = os.path.splitext(out_path)[1].lower()
        fmt = views.GRAPH_EXTENSIONS.get(extension, fmt)  # -o x.svg: SVG
    if fmt in views.BINARY and out_path in (None, "-") and sys.stdout.isatty():
        raise click.UsageError(f"{fmt.upper()} is binary: give -o FILE, or redirect the output")
    check_drawing(fmt, values)
    outputs = Outputs(file, ("-o", out_path))
    _, circuit = load(file, sets, max_bytes=max_bytes)
    if values:
        circuit.forward()
        circuit.backward()
    nodes = len(circuit.units) + len(circuit.gates)
    if fmt in views.GRAPHVIZ and nodes > SLOW_LAYOUT:
        say(f"bpcli: warning: {nodes} nodes: Graphviz's layout gets slow past a few thousand")
    outputs.write("-o", views.GRAPH[fmt](views.GraphJob(circuit, values, precision)))


@cli.command(help=HELP["export"])
@file_argument
@set_option
@step_size_option
@output_option("Write the script to this file (whole or not at all); - is stdout.")
def export(
    file: str, max_bytes: int, sets: tuple[str, ...], step_size: float | None, out_path: str | None
) -> None:
    from . import __version__
    from .export import script

    outputs = Outputs(file, ("-o", out_path))
    name, circuit = load(file, sets, step_size, max_bytes=max_bytes)
    circuit.forward()  # a circuit that cannot be computed gets its error here, not in Python's
    circuit.backward()
    outputs.write("-o", script(circuit, name, __version__))


@cli.command(help=HELP["mistakes"])
def mistakes() -> None:
    from .mistakes import MISTAKES

    for m in MISTAKES.values():
        indent = "    "
        wrapped = click.wrap_text(
            m.explanation, width=88, initial_indent=indent, subsequent_indent=indent
        )
        write_stdout(f"{m.name}\n{indent}{m.slip}\n{wrapped}\n\n")


@cli.command(help=HELP["expand"])
@file_argument
@set_option
@step_size_option
def expand(file: str, max_bytes: int, sets: tuple[str, ...], step_size: float | None) -> None:
    from .render.circuit import gates_file

    name, circuit = load(file, sets, step_size, max_bytes=max_bytes)
    write_stdout(gates_file(circuit, name))


@cli.command(help=HELP["validate"])
@file_argument
@click.option("--all-errors", is_flag=True, help="List every error found, not just the first.")
def validate(file: str, max_bytes: int, all_errors: bool) -> None:
    name, circuit = load(file, all_errors=all_errors, max_bytes=max_bytes)
    inputs, gates = len(circuit.inputs), len(circuit.gates)
    write_stdout(
        f"{shown(name)}: ok: {inputs} {'input' if inputs == 1 else 'inputs'}, "
        f"{gates} {'gate' if gates == 1 else 'gates'}, output {shown(circuit.output_name)}\n"
    )


@cli.command(help=HELP["gates"])
@format_option(views.GATES)
def gates(fmt: str) -> None:
    from .gates import OPS

    views.GATES[fmt](list(OPS.values()), views.Drawing(), write_stdout)


def main() -> None:
    """The ``bpcli`` command."""
    exit_with(cli)
