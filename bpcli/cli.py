"""The command line: parse options, call the library, write what it returns.

No arithmetic, no table layout and no file handling live here: the options
are defined in ``options.py``, the views and their formats in ``views.py``,
files are read and written by ``files.py``. Data goes to stdout, messages to
stderr. Exit status: 0 success, 1 the circuit is wrong or could not be
computed, 2 wrong command-line usage, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from . import views
from .errors import CircuitError, Failure, Interrupted, format_error
from .files import display_name, read_input, write_output, write_stdout
from .options import (
    CIRCUIT,
    SCRIPT,
    BpcliCommand,
    KindOption,
    TraceCommand,
    check_iterations,
    check_saving,
    drawing_options,
    file_argument,
    file_kind,
    format_option,
    iteration_options,
    mistake_option,
    output_option,
    precision_option,
    save_options,
    set_option,
    step_size_option,
    view_options,
)

if TYPE_CHECKING:
    from .engine import Circuit
    from .render.console import Page


class BpcliGroup(click.Group):
    """Turns library errors into one clear message and an exit status, never a traceback."""

    command_class = BpcliCommand

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except CircuitError as err:
            err.filename = ctx.meta.get("bpcli.file", err.filename)
            click.echo(format_error(err), err=True)
            if len(err.problems) > 1:
                click.echo(f"{len(err.problems)} errors", err=True)
            raise click.exceptions.Exit(1) from None
        except Failure as exc:
            click.echo(f"bpcli: error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            raise click.exceptions.Exit(1) from None
        except Interrupted as exc:
            click.echo(str(exc), err=True)
            raise click.exceptions.Exit(130) from None
        except KeyboardInterrupt:
            erase = "\r\x1b[2K" if sys.stderr.isatty() else ""
            click.echo(erase + "bpcli: interrupted", err=True)
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (`| head`): say nothing more, as Unix tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(141) from None
        except OSError as exc:  # e.g. writing to a full disk
            click.echo(f"bpcli: error: cannot write the output: {exc.strerror or exc}", err=True)
            raise click.exceptions.Exit(1) from None
        except Exception as exc:
            if os.environ.get("BPCLI_DEBUG"):
                raise
            click.echo(f"bpcli: internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("hint: this is a bug in bpcli; BPCLI_DEBUG=1 shows where", err=True)
            raise click.exceptions.Exit(1) from None


@click.group(cls=BpcliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bpcli", prog_name="bpcli")
def cli() -> None:
    """bpcli: see every Unit of a backprop circuit, and which gate slots hold that very object.

    \b
    Examples:
      bpcli run circuits/neuron.txt
      bpcli run circuits/neuron.txt --format json | jq '.passes[1].units.a.grad'
      bpcli run -q -n 100 circuits/hinge.txt
      cat circuits/neuron.txt | bpcli run - --set a=2
      bpcli validate --all-errors my_circuit.txt
      bpcli gates
    """


# -- loading ------------------------------------------------------------------------


def load(
    path: str,
    sets: tuple[str, ...] = (),
    step_size: float | None = None,
    all_errors: bool = False,
) -> tuple[str, Circuit]:
    """Read and parse FILE, then apply --set and --step-size (bad ones exit 2)."""
    from . import choices
    from .parser import parse

    name = display_name(path)
    meta = click.get_current_context().meta
    meta["bpcli.file"] = name  # for errors found later
    meta["bpcli.data"] = data = read_input(path)  # for --write
    circuit = parse(data, all_errors=all_errors)
    meta["bpcli.values"] = {i: circuit.units[i].value for i in circuit.inputs}  # as in FILE
    choices.apply(circuit, sets, step_size)
    return name, circuit


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The engine makes no reference cycles, so the collector would only cost time
    (a full collection walks every Unit; see README, Performance)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Everything made meanwhile goes to the permanent generation: else the
        # first collection after enable() would walk every Unit of the circuit.
        gc.freeze()
        if was_enabled:
            gc.enable()


def save_recorded(page: Page | None, title: str, svg: str | None, html: str | None) -> None:
    """--save-svg and --save-html: what the page drew, as a picture or a page."""
    from .files import write_atomically

    for kind, path in (("svg", svg), ("html", html)):
        if path and page is not None:
            write_atomically(path, page.recorded(kind, title).encode())


# -- commands -------------------------------------------------------------------------


@cli.command()
@file_argument
@set_option
@step_size_option
@iteration_options
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print only the output value of the last pass (Python repr of the float).",
)
@format_option(views.RUN)
@drawing_options
@view_options
@save_options
@click.option(
    "--write",
    "write_back",
    is_flag=True,
    help="Save the trained input values back into FILE, changing nothing else.",
)
@output_option("Write the circuit with the trained values to NEW instead.", metavar="NEW")
@mistake_option("Replay the run with a classic mistake in the gate code (bpcli mistakes).")
def run(
    file: str,
    sets: tuple[str, ...],
    step_size: float | None,
    iterations: int,
    no_update: bool,
    quiet: bool,
    fmt: str,
    precision: int,
    color: str,
    every: int,
    max_rows: int,
    all_rows: bool,
    only_units: tuple[str, ...],
    save_svg: str | None,
    save_html: str | None,
    write_back: bool,
    out_path: str | None,
    mistake: str | None,
) -> None:
    """Forward, backward, update, forward: a table of every Unit after each pass.

    Each row is one Unit: its value, grad, Python id(), and every gate slot
    that holds that very object. Slots joined by ≡ share one object: that is
    how a grad written by one gate's backward() is read by the next.

    A long run shows a progress bar on standard error when that is a terminal
    (and standard output is not, or with -q). Ctrl-C stops it after the
    current pass, with a summary of the last one completed (status 130).

    --write saves the trained input values into FILE (-o NEW: into a new
    file), changing only those numbers; the file is replaced whole or not at
    all, and not if it changed on disk meanwhile.

    \b
    Examples:
      bpcli run circuits/neuron.txt
      bpcli run circuits/neuron.txt --no-update
      bpcli run -n 50 --step-size -0.05 circuits/hinge.txt
      bpcli run -n 300 --every 100 --unit loss circuits/hinge.txt
      bpcli run -q -n 300 circuits/hinge.txt -o trained.txt
      bpcli run circuits/neuron.txt --set a=2 --set x=-0.5
      bpcli run circuits/neuron.txt --format json | jq '.passes[-1].output_value'
      s=$(bpcli run -q circuits/neuron.txt)
    """
    from . import choices
    from .engine import run_passes
    from .render.progress import with_progress

    check_iterations(iterations, no_update)
    ctx = click.get_current_context()
    if quiet and ctx.get_parameter_source("fmt") is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("-q prints only the output value: drop --format")
    saving = check_saving(fmt, save_svg, save_html)
    if saving and quiet:
        raise click.UsageError("-q draws no tables to save: drop --save-svg/--save-html")
    if write_back and out_path:
        raise click.UsageError("--write saves into FILE, -o into NEW: choose one")
    if (write_back or out_path) and no_update:
        raise click.UsageError("--no-update trains nothing: drop --write or -o")
    if write_back and file == "-":
        raise click.UsageError("--write needs FILE to be a file; use -o NEW with standard input")
    if mistake and not no_update and iterations == 0:
        raise click.UsageError("-n 0 runs no backward pass: nothing for --mistake to compare")
    with gc_paused():
        name, circuit = load(file, sets, step_size)
        choices.check_names(circuit, (), only_units)
        last = iterations if not no_update else 0
        lesson = None
        if mistake:
            from .mistakes import MISTAKES, Lesson

            lesson = Lesson(circuit, MISTAKES[mistake], iterations, not no_update)
        source = lesson.passes() if lesson else run_passes(circuit, iterations, not no_update)
        passes = with_progress(source, last, circuit.output_name, lambda: circuit.output_value)
        if quiet:
            for _ in passes:
                pass
            write_stdout(repr(circuit.output_value) + "\n")
        else:
            job = views.RunJob(
                name,
                circuit,
                passes,
                last,
                lesson,
                every,
                None if all_rows else max_rows,
                frozenset(only_units),
            )
            drawn = views.RUN[fmt](job, views.Drawing(precision, color, saving), write_stdout)
            save_recorded(drawn, f"bpcli run {name}", save_svg, save_html)
    if write_back or out_path:
        save_trained(name, circuit, out_path)


def save_trained(name: str, circuit: Circuit, new: str | None) -> None:
    """The final input values into FILE (or NEW): those numbers and nothing else change."""
    from .files import unchanged_on_disk, write_atomically
    from .rewrite import moved_inputs, rewrite

    meta = click.get_current_context().meta
    data = meta["bpcli.data"]
    changed = moved_inputs(circuit, meta["bpcli.values"])
    target = new or name
    check = None if new else unchanged_on_disk(name, data)
    write_atomically(target, rewrite(data, changed), check=check)
    click.echo(f"bpcli: wrote {len(changed)} trained values to {target}", err=True)


@cli.command(cls=TraceCommand)
@file_argument
@functools.partial(set_option, kind=CIRCUIT)
@functools.partial(step_size_option, kind=CIRCUIT)
@functools.partial(iteration_options, kind=CIRCUIT)
@click.option("--step", is_flag=True, help="Pause after each step: Enter next, b back, q quit.")
@click.option(
    "--gate",
    "only_gates",
    multiple=True,
    metavar="NAME",
    help="Show only the calls of this gate (repeatable).",
)
@click.option(
    "--unit",
    "only_units",
    multiple=True,
    metavar="NAME",
    help="Show only the steps that touch this unit (repeatable).",
)
@format_option(views.TRACE)
@drawing_options
@save_options
@mistake_option("Mark the step where a run with this mistake parts from this one.", CIRCUIT)
@click.option(
    "--python",
    "as_python",
    is_flag=True,
    help="FILE is a Python script, whatever its name (.py files always are).",
)
@click.option(
    "--methods",
    default="forward,backward",
    show_default=True,
    help="The method names to watch, comma-separated.",
    cls=KindOption,
    kind=SCRIPT,
)
@click.option(
    "--value-attr",
    default="value",
    show_default=True,
    help="A Unit's value attribute (micrograd: data).",
    cls=KindOption,
    kind=SCRIPT,
)
@click.option(
    "--grad-attr",
    default="grad",
    show_default=True,
    help="A Unit's gradient attribute.",
    cls=KindOption,
    kind=SCRIPT,
)
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- ARGS]")
def trace(
    file: str,
    step: bool,
    only_gates: tuple[str, ...],
    only_units: tuple[str, ...],
    fmt: str,
    precision: int,
    color: str,
    save_svg: str | None,
    save_html: str | None,
    as_python: bool,
    **kinds: Any,
) -> None:
    """Every single gate call, forward and backward, with the chain rule written out.

    A forward step shows the gate's slots u0, u1 and the new utop Unit. A
    backward step shows each write, e.g. sg0.u0.grad += σ(1−σ) × utop.grad,
    with its numbers, and every other gate slot that holds the very object
    written, which is where the next gate will read it.

    FILE may also be your own Python script (FILE.py, or --python): bpcli RUNS
    IT, with your rights, exactly as `python FILE.py ARGS` would (arguments
    after --), and shows every call of a method named forward or backward:
    the gate (named by its variable), each attribute that holds a Unit (any
    object with numeric value and grad), before and after, and which other
    gate attributes hold the very same object. In JSON formats the script's
    own output goes to standard error; bpcli exits with the script's status.

    With --step, bpcli waits after each step: Enter, space or n for the next,
    b to go back one step, c to run to the end, q to quit. From a pipe or a
    file, each line is one key, and the trace runs on at the end of input.

    \b
    Examples:
      bpcli trace circuits/neuron.txt
      bpcli trace --step circuits/neuron.txt
      bpcli trace --gate sg0 --gate addg1 circuits/neuron.txt
      bpcli trace --unit x circuits/fanout.txt
      bpcli trace --format jsonl circuits/neuron.txt | jq -c 'select(.phase=="backward") | .writes'
      bpcli trace examples/neuron_gates.py
      bpcli trace --value-attr data my_micrograd_script.py -- --epochs 3
    """
    from .trace_jobs import Selection, trace_circuit, trace_script

    if step and fmt != "table":
        raise click.UsageError("--step pages the table view; drop --format")
    drawing = views.Drawing(precision, color, check_saving(fmt, save_svg, save_html))
    selection = Selection(frozenset(only_gates), frozenset(only_units))
    if file_kind(file, as_python) == SCRIPT:
        job, warnings = trace_script(
            file,
            list(kinds["script_args"]),
            kinds["methods"],
            kinds["value_attr"],
            kinds["grad_attr"],
            selection,
            step,
            json=fmt != "table",
        )
        for warning in warnings:
            click.echo(warning, err=True)
    else:
        check_iterations(kinds["iterations"], kinds["no_update"])
        if step and file == "-":
            raise click.UsageError("--step reads its keys from standard input: give FILE as a path")
        with gc_paused():
            name, circuit = load(file, kinds["sets"], kinds["step_size"])
        update = not kinds["no_update"]
        job = trace_circuit(
            name, circuit, kinds["iterations"], update, kinds["mistake"], selection, step
        )
    drawn = views.TRACE[fmt](job, drawing, write_stdout)
    save_recorded(drawn, f"bpcli trace {display_name(file)}", save_svg, save_html)
    if job.status:
        raise click.exceptions.Exit(job.status)


@cli.command()
@file_argument
@set_option
@click.option(
    "--h",
    "h",
    type=float,
    default=1e-5,
    show_default=True,
    help="The step of the central difference (f(x+h) − f(x−h)) / 2h.",
)
@click.option(
    "--tol",
    nargs=2,
    type=float,
    default=(1e-7, 1e-4),
    show_default=True,
    metavar="OK FAIL",
    help="Relative error below OK is ok, above FAIL fails, between warns.",
)
@click.option(
    "--abs-tol",
    type=float,
    default=1e-9,
    show_default=True,
    help="An absolute difference at most this is ok, whatever its relative error.",
)
@format_option(views.CHECK)
@drawing_options
def check(
    file: str,
    sets: tuple[str, ...],
    h: float,
    tol: tuple[float, float],
    abs_tol: float,
    fmt: str,
    precision: int,
    color: str,
) -> None:
    """Analytic gradients against central differences, input by input.

    For each input x: the gradient backprop gives, (f(x+h) − f(x−h)) / 2h, the
    relative error |a − n| / max(|a|, |n|) and a verdict. A tiny absolute
    difference counts as agreement too (near zero, the central difference is
    mostly rounding noise); each row says which rule decided. At a kink (relu
    or abs at 0, a max/min tie) there is no derivative: the row says so. Exit
    status 1 when any input fails.

    \b
    Examples:
      bpcli check circuits/neuron.txt
      bpcli check --h 1e-6 --tol 1e-8 1e-5 circuits/relu_net.txt
      bpcli check --set c=0.2 circuits/hinge.txt
      bpcli check --format json circuits/neuron.txt | jq '.inputs[] | select(.verdict != "ok")'
    """
    from .gradcheck import FAIL, Tolerances
    from .gradcheck import check as gradient_check

    if not (h > 0 and math.isfinite(h)):
        raise click.BadParameter("must be a positive number", param_hint="'--h'")
    if not (0 <= tol[0] <= tol[1] < math.inf):
        raise click.BadParameter(
            "OK and FAIL must be numbers with 0 ≤ OK ≤ FAIL", param_hint="'--tol'"
        )
    if not 0 <= abs_tol < math.inf:
        raise click.BadParameter("must be a number ≥ 0", param_hint="'--abs-tol'")
    name, circuit = load(file, sets)
    tolerances = Tolerances(tol[0], tol[1], abs_tol)
    rows = gradient_check(circuit, h, tolerances)
    job = views.CheckJob(name, circuit.output_name, h, tolerances, rows)
    views.CHECK[fmt](job, views.Drawing(precision, color), write_stdout)
    if any(row.verdict == FAIL for row in rows):
        raise click.exceptions.Exit(1)


@cli.command()
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
    sets: tuple[str, ...],
    fmt: str,
    out_path: str | None,
    values: bool,
    precision: int,
) -> None:
    """The circuit as a picture: gates as boxes, each Unit once, one edge per slot.

    A Unit held by several gate slots has an edge to each of them, so a shared
    Unit visibly fans out. DOT and Mermaid need nothing installed; SVG and PNG
    run Graphviz's `dot`, whose layout gets slow past a few thousand nodes.

    \b
    Examples:
      bpcli graph circuits/neuron.txt | dot -Tsvg > neuron.svg
      bpcli graph --format svg --values -o neuron.svg circuits/neuron.txt
      bpcli graph --format mermaid circuits/fanout.txt
    """
    from .graphviz import SLOW_LAYOUT

    given = click.get_current_context().get_parameter_source("fmt")
    if out_path and given is not click.core.ParameterSource.COMMANDLINE:
        extension = os.path.splitext(out_path)[1].lower()
        fmt = views.GRAPH_EXTENSIONS.get(extension, fmt)  # -o x.svg: SVG
    if fmt in views.BINARY and out_path in (None, "-") and sys.stdout.isatty():
        raise click.UsageError(f"{fmt.upper()} is binary: give -o FILE, or redirect the output")
    _, circuit = load(file, sets)
    if values:
        circuit.forward()
        circuit.backward()
    nodes = len(circuit.units) + len(circuit.gates)
    if fmt in views.GRAPHVIZ and nodes > SLOW_LAYOUT:
        click.echo(
            f"bpcli: warning: {nodes} nodes: Graphviz's layout gets slow past a few thousand",
            err=True,
        )
    write_output(out_path, views.GRAPH[fmt](views.GraphJob(circuit, values, precision)))


@cli.command()
@file_argument
@set_option
@step_size_option
@output_option("Write the script to this file (whole or not at all); - is stdout.")
def export(file: str, sets: tuple[str, ...], step_size: float | None, out_path: str | None) -> None:
    """A standalone Python script, in the guide's style, that computes the same.

    A Unit class, one class per gate type with forward() and backward(), the
    inputs, a forward() function, the backward calls in reverse order (each
    commented with the Units it writes), the update and the second forward
    pass. It prints the first output, every input's gradient and the final
    output at full precision, and which slots hold the very same Unit. Run it,
    or step through it in your own debugger.

    \b
    Examples:
      bpcli export circuits/neuron.txt -o neuron.py && python neuron.py
      bpcli export circuits/fanout.txt | python -
    """
    from . import __version__
    from .export import script

    name, circuit = load(file, sets, step_size)
    circuit.forward()  # a circuit that cannot be computed gets its error here, not in Python's
    circuit.backward()
    write_output(out_path, script(circuit, name, __version__))


@cli.command()
def mistakes() -> None:
    """The classic mistakes `run --mistake NAME` replays, with what each one breaks.

    \b
    Examples:
      bpcli mistakes
      bpcli run --mistake assign circuits/fanout.txt
      bpcli run -n 5 --mistake no-zero-grad --format json circuits/neuron.txt | jq .mistake
    """
    from .mistakes import MISTAKES

    for m in MISTAKES.values():
        click.echo(f"{m.name}\n    {m.slip}")
        indent = "    "
        wrapped = click.wrap_text(
            m.explanation, width=88, initial_indent=indent, subsequent_indent=indent
        )
        click.echo(wrapped + "\n")


@cli.command()
@file_argument
@set_option
@step_size_option
def expand(file: str, sets: tuple[str, ...], step_size: float | None) -> None:
    """The circuit as a `gates:` file: how `expr:` formulas become gates.

    `s = sigmoid(a*x + b*y + c)` becomes the guide's neuron, gate for gate:
    mulg0, mulg1, addg0, addg1, sg0. Its output is itself a circuit file.

    \b
    Examples:
      bpcli expand circuits/neuron_expr.txt
      bpcli expand circuits/neuron_expr.txt > neuron_gates.txt
    """
    from .render.circuit import gates_file

    name, circuit = load(file, sets, step_size)
    write_stdout(gates_file(circuit, name))


@cli.command()
@file_argument
@click.option("--all-errors", is_flag=True, help="List every error found, not just the first.")
def validate(file: str, all_errors: bool) -> None:
    """Parse and check FILE without running it: exit 0, or 1 with the error(s).

    \b
    Examples:
      bpcli validate circuits/neuron.txt
      bpcli validate --all-errors my_circuit.txt
    """
    name, circuit = load(file, all_errors=all_errors)
    click.echo(
        f"{name}: ok: {len(circuit.inputs)} inputs, {len(circuit.gates)} gates, "
        f"output {circuit.output_name}"
    )


@cli.command()
@format_option(views.GATES)
def gates(fmt: str) -> None:
    """The gates a circuit may use, with their local derivatives.

    Backward always adds: u.grad += local × utop.grad.

    \b
    Examples:
      bpcli gates
      bpcli gates --format json | jq -r '.[].op'
    """
    from .gates import OPS

    views.GATES[fmt](list(OPS.values()), views.Drawing(), write_stdout)


def main() -> None:
    """The ``bpcli`` command. It ends with ``os._exit``: a big circuit is millions of
    objects, and freeing them one by one (and the interpreter's last garbage
    collection over them) would only delay the exit the OS does at once."""
    try:
        cli(prog_name="bpcli")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    os._exit(code)
