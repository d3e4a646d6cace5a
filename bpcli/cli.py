"""The command line: parse options, call the library, write what renderers return.

No arithmetic and no table layout live here. Data goes to stdout, messages to
stderr. Exit status: 0 success, 1 the circuit is wrong or could not be
computed, 2 wrong command-line usage.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple, TypeVar

import click

from .engine import INPUT, Circuit, run_passes
from .errors import CircuitError, did_you_mean, format_error

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "jsonl", "csv")
MISTAKE_NAMES = ("assign", "copy", "no-zero-grad", "forward-order", "swap")  # bpcli/mistakes.py


class BpcliGroup(click.Group):
    """Turns library errors into one clear message and an exit status, never a traceback."""

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
        except KeyboardInterrupt:
            click.echo(
                ("\r\x1b[2K" if sys.stderr.isatty() else "") + "bpcli: interrupted", err=True
            )
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


# -- shared options and loading ------------------------------------------------


def circuit_options(f: F) -> F:
    """FILE, --set and --step-size: how a command gets its circuit."""
    f = click.option(
        "--step-size",
        type=float,
        default=None,
        help="Override the file's step_size (a negative step descends).",
    )(f)
    f = click.option(
        "--set",
        "sets",
        metavar="NAME=VALUE",
        multiple=True,
        help="Override an input's starting value (repeatable).",
    )(f)
    return click.argument("file", type=click.File("rb"), metavar="FILE")(f)


def display_name(file: IO[bytes]) -> str:
    name = getattr(file, "name", None)
    return name if isinstance(name, str) else "<stdin>"


def load(file: IO[bytes], sets: tuple[str, ...] = (), step_size: float | None = None,
         all_errors: bool = False) -> tuple[str, Circuit]:  # fmt: skip
    """Read and parse FILE, then apply --set and --step-size (bad ones exit 2)."""
    from .parser import parse

    name = display_name(file)
    meta = click.get_current_context().meta
    meta["bpcli.file"] = name  # for errors found later
    meta["bpcli.data"] = data = file.read()  # for --write
    circuit = parse(data, all_errors=all_errors)
    meta["bpcli.values"] = {i: circuit.units[i].value for i in circuit.inputs}  # as in FILE
    given = [item.partition("=")[0].strip() for item in sets]
    twice = sorted({n for n in given if given.count(n) > 1})
    if twice:
        raise click.BadParameter(f"{twice[0]!r} is set more than once", param_hint="'--set'")
    for item in sets:
        set_input(circuit, item)
    if step_size is not None:
        if not -float("inf") < step_size < float("inf"):
            raise click.BadParameter("must be a finite number", param_hint="'--step-size'")
        circuit.step_size = step_size
    return name, circuit


def set_input(circuit: Circuit, item: str) -> None:
    from .parser import parse_number

    hint = "'--set'"
    name, eq, text = item.partition("=")
    name = name.strip()
    if not eq or not name:
        raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=hint)
    i = circuit.index.get(name)
    if i is None or circuit.kinds[i] != INPUT:
        inputs = [n for n, k in zip(circuit.names, circuit.kinds) if k == INPUT]
        what = "is not an input unit" if i is not None else "is not a unit of this circuit"
        extra = did_you_mean(name, inputs) or f"the inputs are: {', '.join(inputs[:20])}"
        raise click.BadParameter(f"{name!r} {what}; {extra}", param_hint=hint)
    value = parse_number(text)
    if isinstance(value, str):
        raise click.BadParameter(f"{name}: {value}", param_hint=hint)
    circuit.units[i].value = value


def output_options(f: F, formats: tuple[str, ...] = FORMATS) -> F:
    f = click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour in tables (auto: only on a terminal, and not when NO_COLOR is set).",
    )(f)
    f = click.option(
        "--precision",
        type=click.IntRange(0, 17),
        default=6,
        show_default=True,
        help="Digits after the point in tables (JSON and CSV are always full precision).",
    )(f)
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default="table",
        show_default=True,
        help=f"table for people; {', '.join(formats[1:])} for programs.",
    )(f)
    return f


def iteration_options(f: F) -> F:
    """-n and --no-update: which passes run (SPEC §4)."""
    f = click.option("--no-update", is_flag=True, help="Only forward and backward: no update.")(f)
    return click.option(
        "-n", "--iterations", type=click.IntRange(min=0), default=1, show_default=True,
        help="Iterations of backward, update, forward after the first forward pass.",
    )(f)  # fmt: skip


def check_iterations(iterations: int, no_update: bool) -> None:
    if no_update and iterations != 1:
        raise click.UsageError("--no-update runs one forward and one backward pass; drop -n")


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


def output_file_option(help: str) -> Callable[[F], F]:
    """-o/--output FILE: where graph and export write (`-` or none: stdout)."""
    return click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False),
                        default=None, metavar="FILE", help=help)  # fmt: skip


def save_options(f: F) -> F:
    """--save-svg and --save-html: the tables drawn, kept as a picture or a page."""
    f = click.option("--save-html", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Also save the tables drawn as an HTML page.")(f)  # fmt: skip
    return click.option("--save-svg", type=click.Path(dir_okay=False), metavar="FILE",
                        help="Also save the tables drawn as an SVG picture.")(f)  # fmt: skip


def check_saving(fmt: str, save_svg: str | None, save_html: str | None) -> bool:
    if (save_svg or save_html) and fmt != "table":
        raise click.UsageError("--save-svg and --save-html keep the table view: drop --format")
    return bool(save_svg or save_html)


def save_recorded(renderer: Any, title: str, save_svg: str | None, save_html: str | None) -> None:
    for kind, path in (("svg", save_svg), ("html", save_html)):
        if path:
            write_file_atomically(path, renderer.recorded(kind, title).encode())


def table_renderer(precision: int, color: str, trace: bool = False, **options: Any) -> Any:
    from .render.table import TableRenderer
    from .render.trace import TraceRenderer

    tty = sys.stdout.isatty()
    use_color = color == "always" or (color == "auto" and tty and not os.environ.get("NO_COLOR"))
    if tty:
        width = shutil.get_terminal_size().columns
    else:
        width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else 120
    cls = TraceRenderer if trace else TableRenderer
    return cls(precision=precision, width=width, color=use_color, **options)


def write(text: str) -> None:
    sys.stdout.write(text)


# -- commands ----------------------------------------------------------------------


class TableView(NamedTuple):
    """How run draws its tables."""

    precision: int = 6
    color: str = "auto"
    every: int = 1  # draw the passes of every K-th iteration (and the first and last)
    max_rows: int | None = 40  # None: every row
    only: frozenset[str] = frozenset()  # --unit: only these rows
    record: bool = False  # keep what is drawn, for --save-svg and --save-html


def view_options(f: F) -> F:
    """--every, --max-rows, --all and --unit: what run's tables show."""
    f = click.option("--unit", "only_units", multiple=True, metavar="NAME",
                     help="Show only this unit's row (repeatable).")(f)  # fmt: skip
    f = click.option("--all", "all_rows", is_flag=True,
                     help="Every row, however many units.")(f)  # fmt: skip
    f = click.option(
        "--max-rows", type=click.IntRange(min=2), default=40, show_default=True,
        help="Past this many units, show the first and last rows and a count.",
    )(f)  # fmt: skip
    return click.option(
        "--every", type=click.IntRange(min=1), default=1, show_default=True, metavar="K",
        help="Tables of every K-th iteration only (and of the first and last).",
    )(f)  # fmt: skip


@cli.command()
@circuit_options
@iteration_options
@click.option(
    "-q", "--quiet", is_flag=True,
    help="Print only the output value of the last pass (Python repr of the float).",
)  # fmt: skip
@output_options
@view_options
@save_options
@click.option(
    "--write",
    "write_back",
    is_flag=True,
    help="Save the trained input values back into FILE, changing nothing else.",
)
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False), metavar="NEW",
              help="Write the circuit with the trained values to NEW instead.")  # fmt: skip
@click.option(
    "--mistake",
    type=click.Choice(MISTAKE_NAMES),
    metavar="NAME",
    help="Replay the run with a classic mistake in the gate code (bpcli mistakes).",
)
def run(
    file: IO[bytes],
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
    check_iterations(iterations, no_update)
    source = click.get_current_context().get_parameter_source("fmt")
    if quiet and source is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("-q prints only the output value: drop --format")
    saving = check_saving(fmt, save_svg, save_html)
    if saving and quiet:
        raise click.UsageError("-q draws no tables to save: drop --save-svg/--save-html")
    if write_back and out_path:
        raise click.UsageError("--write saves into FILE, -o into NEW: choose one")
    if (write_back or out_path) and no_update:
        raise click.UsageError("--no-update trains nothing: drop --write or -o")
    if write_back and display_name(file) == "<stdin>":
        raise click.UsageError("--write needs FILE to be a file; use -o NEW with standard input")
    view = TableView(precision, color, every, None if all_rows else max_rows,
                     frozenset(only_units), saving)  # fmt: skip
    with gc_paused():
        name, circuit = load(file, sets, step_size)
        check_names(circuit, (), only_units)
        last = iterations if not no_update else 0
        lesson = None
        if mistake:
            from .mistakes import Lesson

            lesson = Lesson(circuit, mistake, iterations, not no_update)
        source = (
            lesson.passes() if lesson else run_passes(circuit, iterations, update=not no_update)
        )
        passes = watched(circuit, source, last)
        if quiet:
            for _ in passes:
                pass
            write(repr(circuit.output_value) + "\n")
        elif fmt == "table":
            renderer = render_tables(name, circuit, passes, view, last)
            if lesson:
                write("\n" + renderer.mistake_table(mistake, lesson.comparison()))
            save_recorded(renderer, f"bpcli run {name}", save_svg, save_html)
        else:
            emit_records(name, circuit, passes, fmt, lesson.json if lesson else None)
    if write_back or out_path:
        save_trained(name, circuit, out_path)


def save_trained(name: str, circuit: Circuit, new: str | None) -> None:
    """The final input values into FILE (or NEW): those numbers and nothing else change."""
    from .rewrite import rewrite

    meta = click.get_current_context().meta
    data, in_file = meta["bpcli.data"], meta["bpcli.values"]
    changed = {circuit.names[i]: circuit.units[i].value for i, v in in_file.items()
               if circuit.units[i].value != v}  # fmt: skip
    target = new or name

    def unchanged_on_disk() -> None:
        if new is None:
            with open(name, "rb") as f:
                if f.read() != data:
                    raise click.ClickException(
                        f"{name} changed on disk while bpcli ran: nothing written"
                    )

    write_file_atomically(target, rewrite(data, changed), check=unchanged_on_disk)
    click.echo(f"bpcli: wrote {len(changed)} trained values to {target}", err=True)


def watched(
    circuit: Circuit, passes: Iterator[tuple[str, int]], last: int
) -> Iterator[tuple[str, int]]:
    """The passes, with a progress bar on a terminal, and Ctrl-C ending cleanly
    after the pass under way: a one-line summary, status 130."""
    done: tuple[str, int] | None = None
    bar = None
    if last >= 2 and sys.stderr.isatty() and not sys.stdout.isatty():
        from .render.progress import ProgressBar

        bar = ProgressBar(last, circuit.output_name)
    try:
        for done in passes:
            if bar is not None and done[0] == "forward":
                bar.update(done[1], circuit.output_value)
            yield done
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        where = f"after {done[0]} pass {done[1]}" if done else "before the first pass ended"
        value = f": {circuit.output_name} = {circuit.output_value!r}" if done else ""
        click.echo(f"bpcli: interrupted {where}{value}", err=True)
        raise click.exceptions.Exit(130) from None
    if bar is not None:
        bar.close()


def emit_records(
    name: str,
    circuit: Circuit,
    passes: Iterator[tuple[str, int]],
    fmt: str,
    extra: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """JSON, JSONL or CSV: every pass, at full precision."""
    records = (circuit.snapshot(phase, it) for phase, it in passes)
    if fmt == "json":
        from .render.json import run_document

        write(run_document(name, circuit.output_name, circuit.step_size, records, extra))
    elif fmt == "jsonl":
        from .render.json import line, pass_line

        for rec in records:  # each pass is written, then let go: memory stays flat
            write(pass_line(rec))
        if extra is not None:
            write(line(extra()))
    else:
        from .render import csv

        write(csv.header())
        for rec in records:
            write(csv.pass_rows(rec))


def render_tables(
    name: str, circuit: Circuit, passes: Iterator[tuple[str, int]], view: TableView, last: int
) -> Any:
    tables = table_renderer(view.precision, view.color, record=view.record,
                            max_rows=view.max_rows, only=view.only)  # fmt: skip
    write(tables.header(name, circuit.description, circuit.output_name, circuit.step_size))
    first = prev = None
    updates = 0
    for phase, it in passes:
        rec = circuit.snapshot(phase, it)
        if it % view.every == 0 or it == last:
            write("\n" + tables.pass_table(rec, prev, circuit.output_name))
        first = first or rec
        prev = rec
        updates += rec.phase == "update"
    assert first is not None and prev is not None
    write("\n" + tables.summary(circuit.output_name, first, prev, updates))
    return tables


@cli.command()
@circuit_options
@iteration_options
@click.option("--step", is_flag=True, help="Pause after each step: Enter next, b back, q quit.")
@click.option(
    "--gate", "only_gates", multiple=True, metavar="NAME",
    help="Show only the calls of this gate (repeatable).",
)  # fmt: skip
@click.option(
    "--unit", "only_units", multiple=True, metavar="NAME",
    help="Show only the steps that touch this unit (repeatable).",
)  # fmt: skip
@functools.partial(output_options, formats=("table", "json", "jsonl"))
@save_options
@click.option(
    "--mistake",
    type=click.Choice(MISTAKE_NAMES),
    metavar="NAME",
    help="Mark the step where a run with this mistake parts from this one.",
)
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
    help="Script: the method names to watch, comma-separated.",
)
@click.option(
    "--value-attr",
    default="value",
    show_default=True,
    help="Script: a Unit's value attribute (micrograd: data).",
)
@click.option(
    "--grad-attr", default="grad", show_default=True, help="Script: a Unit's gradient attribute."
)
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- ARGS]")
def trace(
    file: IO[bytes],
    sets: tuple[str, ...],
    step_size: float | None,
    iterations: int,
    no_update: bool,
    step: bool,
    only_gates: tuple[str, ...],
    only_units: tuple[str, ...],
    fmt: str,
    precision: int,
    color: str,
    save_svg: str | None,
    save_html: str | None,
    mistake: str | None,
    as_python: bool,
    methods: str,
    value_attr: str,
    grad_attr: str,
    script_args: tuple[str, ...],
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
    from .tracer import Tracer

    check_iterations(iterations, no_update)
    if as_python or display_name(file).endswith(".py"):
        circuit_only = {"--set": sets, "--step-size": step_size, "--mistake": mistake,
                        "--save-svg": save_svg, "--save-html": save_html,
                        "--no-update": no_update, "-n": iterations != 1}  # fmt: skip
        given = [option for option, value in circuit_only.items() if value]
        if given:
            raise click.UsageError(f"{given[0]} is for circuit files; a script runs as it is")
        return trace_script_command(file, script_args, step, only_gates, only_units, fmt,
                                    precision, color, methods, value_attr, grad_attr)  # fmt: skip
    if script_args:
        raise click.UsageError(f"unexpected argument {script_args[0]!r}: only a script takes ARGS")
    if step and display_name(file) == "<stdin>":
        raise click.UsageError("--step reads its keys from standard input: give FILE as a path")
    if step and fmt != "table":
        raise click.UsageError("--step pages the table view; drop --format")
    saving = check_saving(fmt, save_svg, save_html)
    name, circuit = load(file, sets, step_size)
    check_names(circuit, only_gates, only_units)
    tracer = Tracer(circuit)
    total = tracer.count(iterations, update=not no_update)
    traced = tracer.steps(iterations, update=not no_update)
    if mistake:
        import copy

        from .mistakes import mistaken_steps
        from .tracer import with_mistake

        other = copy.deepcopy(circuit)  # before any pass: its own Units
        shadow = mistaken_steps(other, mistake, iterations, update=not no_update)
        traced = with_mistake(traced, circuit, other, shadow)
    steps = enumerate(traced, 1)
    if only_gates or only_units:
        gates_, units_ = set(only_gates), set(only_units)
        steps = ((k, s) for k, s in steps if s.parts or s.touches(gates_, units_))
    if fmt != "table":
        emit_steps(steps, fmt, None, total, step)
        return
    renderer = table_renderer(precision, color, trace=True, record=saving)
    write(renderer.header(name, circuit.description, circuit.output_name, circuit.step_size))
    emit_steps(steps, fmt, renderer, total, step)
    save_recorded(renderer, f"bpcli trace {name}", save_svg, save_html)


def emit_steps(
    steps: Iterator[tuple[int, Any]], fmt: str, renderer: Any, total: int, step: bool
) -> None:
    """Trace steps as JSON or JSONL events, or as text, paged with --step."""
    if fmt in ("json", "jsonl"):
        from .render.json import dumps, line
        from .render.trace import step_dict

        if fmt == "jsonl":
            for k, s in steps:
                write(line(step_dict(s, k)))
        else:
            write(dumps([step_dict(s, k) for k, s in steps]))
        return
    pages = ("\n" + renderer.step_text(s, k, total) for k, s in steps)
    if not step:
        for text in pages:
            write(text)
        return
    from .stepper import Keys, page

    tty = sys.stdin is not None and sys.stdin.isatty()

    def show(text: str) -> None:
        write(text)
        sys.stdout.flush()

    def prompt(text: str) -> None:
        """On a terminal: the keys, on one line that goes once a key is pressed."""
        if tty:
            click.echo(text if text else "\r\x1b[2K", nl=False, err=True)

    page(pages, Keys(sys.stdin, tty), show, prompt)


def trace_script_command(
    file: IO[bytes], script_args: tuple[str, ...], step: bool, only_gates: tuple[str, ...],
    only_units: tuple[str, ...], fmt: str, precision: int, color: str, methods: str,
    value_attr: str, grad_attr: str,
) -> None:  # fmt: skip
    """trace SCRIPT.py: run the learner's script, watching its gates."""
    from .script_trace import trace_script

    path = display_name(file)
    if path == "<stdin>":
        raise click.UsageError("a script is run from its file: give its path, not -")
    file.close()
    names = tuple(m.strip() for m in methods.split(",") if m.strip())
    sink = sys.stderr if fmt != "table" else sys.stdout  # JSON stays pure on stdout
    steps_list, status = trace_script(path, list(script_args), sink, names, value_attr,
                                      grad_attr)  # fmt: skip
    steps: Iterator[tuple[int, Any]] = enumerate(steps_list, 1)
    if only_gates or only_units:
        gates_, units_ = set(only_gates), set(only_units)
        steps = ((k, s) for k, s in steps if s.touches(gates_, units_))
        seen_gates = {s.gate for s in steps_list}
        seen_units = {v.unit for s in steps_list for v in s.slots}
        for option, wanted, seen in (("--gate", gates_, seen_gates), ("--unit", units_,
                                                                      seen_units)):  # fmt: skip
            for missing in sorted(wanted - seen):
                hint = did_you_mean(missing, seen) or ""
                click.echo(f"bpcli: warning: {option} {missing}: the script has none by that "
                           f"name. {hint}".rstrip(), err=True)  # fmt: skip
    if steps_list and not any(s.slots for s in steps_list):
        click.echo(f"bpcli: warning: the gates held no Unit (an object with numeric "
                   f"{value_attr} and {grad_attr}); micrograd-style code: --value-attr data",
                   err=True)  # fmt: skip
    renderer = table_renderer(precision, color, trace=True) if fmt == "table" else None
    emit_steps(steps, fmt, renderer, len(steps_list), step)
    if status:
        raise click.exceptions.Exit(status)


def check_names(circuit: Circuit, gates: tuple[str, ...], units: tuple[str, ...]) -> None:
    """--gate and --unit must name what the circuit has (else exit 2, with a hint)."""
    gate_names = [g.name for g in circuit.gates]
    for option, wanted, known in (("'--gate'", gates, gate_names), ("'--unit'", units,
                                                                      circuit.names)):  # fmt: skip
        for name in wanted:
            if name not in known:
                hint = did_you_mean(name, known) or ""
                raise click.BadParameter(f"no {option[3:-1]} named {name!r}. {hint}".strip(),
                                         param_hint=option)  # fmt: skip


@cli.command()
@circuit_options
@click.option("--h", "h", type=float, default=1e-5, show_default=True,
              help="The step of the central difference (f(x+h) − f(x−h)) / 2h.")  # fmt: skip
@click.option(
    "--tol", nargs=2, type=float, default=(1e-7, 1e-4), show_default=True, metavar="OK FAIL",
    help="Relative error below OK is ok, above FAIL fails, between warns.",
)  # fmt: skip
@click.option(
    "--abs-tol",
    type=float,
    default=1e-9,
    show_default=True,
    help="An absolute difference at most this is ok, whatever its relative error.",
)
@functools.partial(output_options, formats=("table", "json"))
def check(
    file: IO[bytes],
    sets: tuple[str, ...],
    step_size: float | None,
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
        raise click.BadParameter("OK and FAIL must be numbers with 0 ≤ OK ≤ FAIL",
                                 param_hint="'--tol'")  # fmt: skip
    if not 0 <= abs_tol < math.inf:
        raise click.BadParameter("must be a number ≥ 0", param_hint="'--abs-tol'")
    name, circuit = load(file, sets, step_size)
    rows = gradient_check(circuit, h, Tolerances(tol[0], tol[1], abs_tol))
    if fmt == "json":
        from .render.json import dumps

        write(dumps({"file": name, "output": circuit.output_name, "h": h,
                     "tolerances": {"ok": tol[0], "fail": tol[1], "absolute": abs_tol},
                     "inputs": [row._asdict() for row in rows]}))  # fmt: skip
    else:
        write(table_renderer(precision, color).check_table(name, circuit.output_name, h, rows))
    if any(row.verdict == FAIL for row in rows):
        raise click.exceptions.Exit(1)


@cli.command()
@circuit_options
@click.option(
    "--format", "fmt", type=click.Choice(["dot", "mermaid", "svg", "png"]), default="dot",
    show_default=True, help="DOT and Mermaid are text; SVG and PNG need Graphviz's `dot`.",
)  # fmt: skip
@output_file_option("Write to this file (whole or not at all) instead of stdout; - is stdout.")
@click.option(
    "--values",
    is_flag=True,
    help="After a forward and a backward pass: each Unit's value, grad, id.",
)
@click.option("--precision", type=click.IntRange(1, 17), default=6, show_default=True,
              help="Significant digits of --values.")  # fmt: skip
def graph(
    file: IO[bytes],
    sets: tuple[str, ...],
    step_size: float | None,
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
    from . import graph as drawing

    by_name = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".svg": "svg", ".png": "png"}
    given = click.get_current_context().get_parameter_source("fmt")
    if out_path and given is not click.core.ParameterSource.COMMANDLINE:
        fmt = by_name.get(os.path.splitext(out_path)[1].lower(), fmt)  # -o x.svg: SVG
    if fmt == "png" and out_path is None and sys.stdout.isatty():
        raise click.UsageError("PNG is binary: give -o FILE, or redirect standard output")
    _, circuit = load(file, sets, step_size)
    if values:
        circuit.forward()
        circuit.backward()
    nodes = drawing.node_count(circuit)
    if fmt != "mermaid" and nodes > drawing.SLOW_LAYOUT:
        click.echo(f"bpcli: warning: {nodes} nodes: Graphviz's layout gets slow past a few "
                   "thousand", err=True)  # fmt: skip
    if fmt == "mermaid":
        data = drawing.mermaid(circuit, values, precision).encode()
    else:
        data = drawing.dot(circuit, values, precision, circuit.description).encode()
    if fmt in ("svg", "png"):
        data = run_graphviz(data, fmt)
    if out_path in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        write_file_atomically(out_path, data)


def run_graphviz(dot_text: bytes, fmt: str) -> bytes:
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise click.ClickException(
            "--format svg and png need Graphviz's `dot` program, which is not installed.\n"
            "hint: install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew "
            "install graphviz), or use --format dot or mermaid"
        )
    proc = subprocess.run([program, f"-T{fmt}"], input=dot_text, capture_output=True)
    if proc.returncode != 0:
        raise click.ClickException(f"Graphviz failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def write_file_atomically(path: str, data: bytes, check: Callable[[], None] | None = None) -> None:
    """Write a new file whole or not at all: a temporary file in the same folder,
    flushed and synced, then renamed over the target."""
    import tempfile

    path = os.path.realpath(path)  # through a symlink to the file it names
    folder = os.path.dirname(path)
    try:
        mode = os.stat(path).st_mode & 0o7777  # an existing file keeps its permissions
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bpcli-", dir=folder)
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check()  # the last word before the file is replaced: it may refuse
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


@cli.command()
@circuit_options
@output_file_option("Write the script to this file (whole or not at all); - is stdout.")
def export(
    file: IO[bytes], sets: tuple[str, ...], step_size: float | None, out_path: str | None
) -> None:
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
    text = script(circuit, name, __version__)
    if out_path in (None, "-"):
        write(text)
    else:
        write_file_atomically(out_path, text.encode())


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
        click.echo(click.wrap_text(m.explanation, width=88, initial_indent="    ",
                                   subsequent_indent="    ") + "\n")  # fmt: skip


@cli.command()
@circuit_options
def expand(file: IO[bytes], sets: tuple[str, ...], step_size: float | None) -> None:
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
    write(gates_file(circuit, name))


@cli.command()
@click.argument("file", type=click.File("rb"), metavar="FILE")
@click.option("--all-errors", is_flag=True, help="List every error found, not just the first.")
def validate(file: IO[bytes], all_errors: bool) -> None:
    """Parse and check FILE without running it: exit 0, or 1 with the error(s).

    \b
    Examples:
      bpcli validate circuits/neuron.txt
      bpcli validate --all-errors my_circuit.txt
    """
    name, circuit = load(file, all_errors=all_errors)
    n_inputs = sum(k == INPUT for k in circuit.kinds)
    click.echo(
        f"{name}: ok: {n_inputs} inputs, {len(circuit.gates)} gates, output {circuit.output_name}"
    )


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="table for people, json for programs.",
)  # fmt: skip
def gates(fmt: str) -> None:
    """The gates a circuit may use, with their local derivatives.

    Backward always adds: u.grad += local × utop.grad.

    \b
    Examples:
      bpcli gates
      bpcli gates --format json | jq -r '.[].op'
    """
    from .gates import OPS

    if fmt == "json":
        from .render.json import dumps

        rows = [
            {
                "op": op.name,
                "arity": op.arity,
                "slots": ["u0", "u1"][: op.arity],
                "forward": op.formula,
                "local": list(op.local_formulas),
                "domain": op.domain,
            }
            for op in OPS.values()
        ]
        write(dumps(rows))
        return
    write(table_renderer(6, "auto").gates_table(list(OPS.values())))


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
