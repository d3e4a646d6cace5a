"""The command line's options, each defined once and meaning the same thing
wherever it appears, and the click classes that check them.

``KindOption`` marks an option of `bpcli trace` that only one kind of FILE
takes (a circuit file, or a Python script); ``TraceCommand`` refuses it, with
click's own usage error, when FILE is of the other kind.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

import click

from .process import BpcliCommand

F = TypeVar("F", bound=Callable[..., Any])
CIRCUIT, SCRIPT = "circuit", "script"
_FOR = {CIRCUIT: "circuit files", SCRIPT: "Python scripts (FILE.py, or --python)"}


def file_argument(f: F) -> F:
    """FILE: a circuit file, or `-` for standard input."""
    return click.argument(
        "file", type=click.Path(exists=True, dir_okay=False, allow_dash=True), metavar="FILE"
    )(f)


def set_option(f: F, kind: str | None = None) -> F:
    return click.option(
        "--set",
        "sets",
        metavar="NAME=VALUE",
        multiple=True,
        help="Override an input's starting value (repeatable).",
        **_kind(kind),
    )(f)


def step_size_option(f: F, kind: str | None = None) -> F:
    return click.option(
        "--step-size",
        type=float,
        default=None,
        help="Override the file's step_size (a negative step descends).",
        **_kind(kind),
    )(f)


def iteration_options(f: F, kind: str | None = None) -> F:
    """-n and --no-update: which passes run (SPEC §4)."""
    f = click.option(
        "--no-update", is_flag=True, help="Only forward and backward: no update.", **_kind(kind)
    )(f)
    return click.option(
        "-n",
        "--iterations",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        help="Iterations of backward, update, forward after the first forward pass.",
        **_kind(kind),
    )(f)


def check_iterations(iterations: int, no_update: bool) -> None:
    if no_update and iterations != 1:
        raise click.UsageError("--no-update runs one forward and one backward pass; drop -n")


def format_option(view: Mapping[str, Any], default: str = "table") -> Callable[[F], F]:
    """--format, its choices the formats the view can write."""
    names = list(view)
    others = [n for n in names if n != default]
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(names),
        default=default,
        show_default=True,
        help=f"{default} for people; {', '.join(others)} for programs."
        if default == "table"
        else f"One of {', '.join(names)}.",
    )


def drawing_options(f: F) -> F:
    """--precision and --color: how numbers and colour are drawn in text views."""
    f = click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour in tables (auto: only on a terminal, and not when NO_COLOR is set).",
    )(f)
    return precision_option(f)


def precision_option(f: F) -> F:
    return click.option(
        "--precision",
        type=click.IntRange(0, 17),
        default=6,
        show_default=True,
        help="Digits after the point in what is drawn (JSON and CSV: always full precision).",
    )(f)


def save_options(f: F) -> F:
    """--save-svg and --save-html: the tables drawn, kept as a picture or a page."""
    f = click.option(
        "--save-html",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Also save the tables drawn as an HTML page.",
    )(f)
    return click.option(
        "--save-svg",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Also save the tables drawn as an SVG picture.",
    )(f)


def check_saving(fmt: str, save_svg: str | None, save_html: str | None) -> bool:
    if (save_svg or save_html) and fmt != "table":
        raise click.UsageError("--save-svg and --save-html keep the table view: drop --format")
    return bool(save_svg or save_html)


def output_option(help: str, metavar: str = "FILE") -> Callable[[F], F]:
    """-o/--output: where a command writes instead of standard output."""
    return click.option(
        "-o", "--output", "out_path", type=click.Path(dir_okay=False), metavar=metavar, help=help
    )


def unit_option(f: F) -> F:
    return click.option(
        "--unit",
        "only_units",
        multiple=True,
        metavar="NAME",
        help="Follow only this unit: its rows in tables, the steps that touch it (repeatable).",
    )(f)


def gate_option(f: F) -> F:
    return click.option(
        "--gate",
        "only_gates",
        multiple=True,
        metavar="NAME",
        help="Show only the calls of this gate (repeatable).",
    )(f)


def view_options(f: F) -> F:
    """--every, --max-rows, --all and --unit: what run's tables show."""
    f = unit_option(f)
    f = click.option("--all", "all_rows", is_flag=True, help="Every row, however many units.")(f)
    f = click.option(
        "--max-rows",
        type=click.IntRange(min=2),
        default=40,
        show_default=True,
        help="Past this many units, show the first and last rows and a count.",
    )(f)
    return click.option(
        "--every",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        metavar="K",
        help="Tables of every K-th iteration only (and of the first and last).",
    )(f)


def mistake_option(kind: str | None = None) -> Callable[[F], F]:
    from .mistakes import MISTAKES

    return click.option(
        "--mistake",
        type=click.Choice(list(MISTAKES)),
        metavar="NAME",
        help="A classic slip in the gate code (bpcli mistakes): run replays it beside the "
        "correct run; trace marks the step where the two part.",
        **_kind(kind),
    )


# -- options for one kind of FILE --------------------------------------------------------


def _kind(kind: str | None) -> dict[str, Any]:
    return {"cls": KindOption, "kind": kind} if kind else {}


class KindOption(click.Option):
    """An option that only one kind of FILE takes (`kind`: circuit or script)."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs["help"] = f"{kwargs.get('help', '')} [{_FOR[kind].split(' (')[0]}]".lstrip()
        super().__init__(*args, **kwargs)
        self.kind = kind


def file_kind(path: str, as_python: bool) -> str:
    """A Python script (FILE.py, or --python), else a circuit file."""
    return SCRIPT if as_python or path.endswith(".py") else CIRCUIT


class TraceCommand(BpcliCommand):
    """Refuses an option given for the other kind of FILE, as a usage error."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        kind = file_kind(str(ctx.params.get("file", "")), bool(ctx.params.get("as_python")))
        for param in self.get_params(ctx):
            wanted = getattr(param, "kind", None)
            if wanted is None or wanted == kind or param.name is None:
                continue
            if ctx.get_parameter_source(param.name) is click.core.ParameterSource.COMMANDLINE:
                what = "a script runs as it is" if kind == SCRIPT else "FILE is a circuit file"
                raise click.UsageError(f"{param.opts[0]} is for {_FOR[wanted]}; {what}", ctx)
        if kind == CIRCUIT and ctx.params.get("script_args"):
            raise click.UsageError(
                f"unexpected argument {ctx.params['script_args'][0]!r}: only a script takes ARGS",
                ctx,
            )
        return rest


# -- each command's options, all together -------------------------------------------------


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Decorators applied as if written one above the other, the first on top."""

    def apply(f: F) -> F:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


class RunOptions(NamedTuple):
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


def run_options(run_view: Mapping[str, Any]) -> Callable[[F], F]:
    return _stack(
        file_argument,
        set_option,
        step_size_option,
        iteration_options,
        click.option(
            "-q",
            "--quiet",
            is_flag=True,
            help="Print only the output value of the last pass (Python repr of the float).",
        ),
        format_option(run_view),
        drawing_options,
        view_options,
        save_options,
        click.option(
            "--write",
            "write_back",
            is_flag=True,
            help="Save the trained input values back into FILE, changing nothing else.",
        ),
        output_option("Write the circuit with the trained values to NEW instead.", "NEW"),
        mistake_option(),
    )


def check_run(file: str, o: RunOptions) -> None:
    """The combinations of run's options that make no sense are usage errors."""
    check_iterations(o.iterations, o.no_update)
    ctx = click.get_current_context()
    given = ctx.get_parameter_source("fmt") is click.core.ParameterSource.COMMANDLINE
    if o.quiet and given:
        raise click.UsageError("-q prints only the output value: drop --format")
    if check_saving(o.fmt, o.save_svg, o.save_html) and o.quiet:
        raise click.UsageError("-q draws no tables to save: drop --save-svg/--save-html")
    if o.write_back and o.out_path:
        raise click.UsageError("--write saves into FILE, -o into NEW: choose one")
    if (o.write_back or o.out_path) and o.no_update:
        raise click.UsageError("--no-update trains nothing: drop --write or -o")
    if o.write_back and file == "-":
        raise click.UsageError("--write needs FILE to be a file; use -o NEW with standard input")
    if o.mistake and not o.no_update and o.iterations == 0:
        raise click.UsageError("-n 0 runs no backward pass: nothing for --mistake to compare")


class TraceOptions(NamedTuple):
    sets: tuple[str, ...]
    step_size: float | None
    iterations: int
    no_update: bool
    step: bool
    only_gates: tuple[str, ...]
    only_units: tuple[str, ...]
    fmt: str
    precision: int
    color: str
    save_svg: str | None
    save_html: str | None
    mistake: str | None
    as_python: bool
    methods: str
    value_attr: str
    grad_attr: str
    script_args: tuple[str, ...]


def _script_option(*names: str, **kwargs: Any) -> Callable[[F], F]:
    return click.option(*names, show_default=True, cls=KindOption, kind=SCRIPT, **kwargs)


def trace_options(trace_view: Mapping[str, Any]) -> Callable[[F], F]:
    circuit = {"kind": CIRCUIT}
    return _stack(
        file_argument,
        functools.partial(set_option, **circuit),
        functools.partial(step_size_option, **circuit),
        functools.partial(iteration_options, **circuit),
        click.option("--step", is_flag=True, help="Pause after each step: Enter next, b back."),
        gate_option,
        unit_option,
        format_option(trace_view),
        drawing_options,
        save_options,
        mistake_option(CIRCUIT),
        click.option(
            "--python",
            "as_python",
            is_flag=True,
            help="FILE is a Python script, whatever its name (.py files always are).",
        ),
        _script_option(
            "--methods", default="forward,backward", help="The methods to watch, comma-separated."
        ),
        _script_option("--value-attr", default="value", help="A Unit's value (micrograd: data)."),
        _script_option("--grad-attr", default="grad", help="A Unit's gradient attribute."),
        click.argument("script_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- ARGS]"),
    )


def check_trace(file: str, o: TraceOptions) -> bool:
    """Usage errors of trace's options; whether what is drawn is kept for saving."""
    if o.step and o.fmt != "table":
        raise click.UsageError("--step pages the table view; drop --format")
    if file_kind(file, o.as_python) == CIRCUIT:
        check_iterations(o.iterations, o.no_update)
        if o.step and file == "-":
            raise click.UsageError("--step reads its keys from standard input: give FILE as a path")
    return check_saving(o.fmt, o.save_svg, o.save_html)


def check_options(f: F) -> F:
    """check's tolerances: --h, --tol, --abs-tol."""
    return _stack(
        click.option(
            "--h",
            "h",
            type=float,
            default=1e-5,
            show_default=True,
            help="The step of the central difference (f(x+h) − f(x−h)) / 2h.",
        ),
        click.option(
            "--tol",
            nargs=2,
            type=float,
            default=(1e-7, 1e-4),
            show_default=True,
            metavar="OK FAIL",
            help="Relative error below OK is ok, above FAIL fails, between warns.",
        ),
        click.option(
            "--abs-tol",
            type=float,
            default=1e-9,
            show_default=True,
            help="An absolute difference at most this is ok, whatever its relative error.",
        ),
    )(f)


def check_tolerances(h: float, tol: tuple[float, float], abs_tol: float) -> None:
    if not (h > 0 and math.isfinite(h)):
        raise click.BadParameter("must be a positive number", param_hint="'--h'")
    if not (0 <= tol[0] <= tol[1] < math.inf):
        raise click.BadParameter(
            "OK and FAIL must be numbers with 0 ≤ OK ≤ FAIL", param_hint="'--tol'"
        )
    if not 0 <= abs_tol < math.inf:
        raise click.BadParameter("must be a number ≥ 0", param_hint="'--abs-tol'")
