"""Each command's options, all together, as one bundle (a NamedTuple the command
reads), and the combinations of them that make no sense, refused as usage
errors before anything runs."""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

import click

from .options import (
    CIRCUIT,
    SCRIPT,
    KindOption,
    check_iterations,
    check_saving,
    drawing_options,
    file_argument,
    file_kind,
    format_option,
    gate_option,
    iteration_options,
    mistake_option,
    output_option,
    save_options,
    set_option,
    step_size_option,
    unit_option,
    view_options,
)

F = TypeVar("F", bound=Callable[..., Any])


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Decorators applied as if written one above the other, the first on top."""

    def apply(f: F) -> F:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


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
    if o.write_back and not _regular(file):
        raise click.UsageError(
            "--write needs FILE to be a regular file (bpcli reads it again to replace it); "
            "use -o NEW"
        )
    if o.mistake and (o.write_back or o.out_path):
        raise click.UsageError(
            f"--mistake {o.mistake} trains with a deliberate slip: its values are not worth "
            "saving; drop --write or -o"
        )
    check_mistake_passes(o.mistake, o.iterations, o.no_update)
    if o.quiet:
        refuse_given(
            ctx, (*TABLE_OPTIONS, "only_units", "every"), "-q prints only the output value"
        )
    elif o.fmt != "table":
        refuse_given(ctx, TABLE_OPTIONS, f"--format {o.fmt} writes every number in full")


TABLE_OPTIONS = ("precision", "color", "max_rows", "all_rows")  # what shapes a table


def refuse_given(ctx: click.Context, names: tuple[str, ...], why: str) -> None:
    """An option given on the command line that what is asked for would ignore:
    a usage error, not silence."""
    for param in ctx.command.params:
        if param.name in names and isinstance(param, click.Option):
            source = ctx.get_parameter_source(param.name)
            if source is click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(f"{why}: drop {param.opts[0]}", ctx)


class TraceOptions(NamedTuple):
    max_bytes: int
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


def _for_circuits(option: Callable[[F, str | None], F]) -> Callable[[F], F]:
    """An option of trace that only a circuit file takes."""

    def apply(f: F) -> F:
        return option(f, CIRCUIT)

    return apply


def trace_options(trace_view: Mapping[str, Any]) -> Callable[[F], F]:
    return _stack(
        _for_circuits(file_argument),
        _for_circuits(set_option),
        _for_circuits(step_size_option),
        _for_circuits(iteration_options),
        click.option("--step", is_flag=True, help="Pause after each step: Enter next, b back."),
        gate_option,
        unit_option,
        format_option(trace_view),
        drawing_options,
        save_options,
        mistake_option(CIRCUIT),
        script_options,
    )


def script_options(f: F) -> F:
    """What a learner's script is watched by: --python, --methods, --value-attr,
    --grad-attr, and its own arguments after --."""
    return _stack(
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
    )(f)


class CheckOptions(NamedTuple):
    max_bytes: int
    sets: tuple[str, ...]
    h: float
    tol: tuple[float, float]
    abs_tol: float
    fmt: str
    precision: int
    color: str
    as_python: bool
    methods: str
    value_attr: str
    grad_attr: str
    script_args: tuple[str, ...]


def check_command_options(check_view: Mapping[str, Any]) -> Callable[[F], F]:
    return _stack(
        _for_circuits(file_argument),
        _for_circuits(set_option),
        check_options,
        format_option(check_view),
        drawing_options,
        script_options,
    )


def check_mistake_passes(mistake: str | None, iterations: int, no_update: bool) -> None:
    if mistake and not no_update and iterations == 0:
        raise click.UsageError("-n 0 runs no backward pass: nothing for --mistake to compare")


def _regular(file: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(file).st_mode)
    except OSError:
        return True  # the read reports it, in its own words


def check_trace(file: str, o: TraceOptions) -> bool:
    """Usage errors of trace's options; whether what is drawn is kept for saving."""
    if o.step and o.fmt != "table":
        raise click.UsageError("--step pages the table view; drop --format")
    if file_kind(file, o.as_python) == CIRCUIT:
        check_iterations(o.iterations, o.no_update)
        check_mistake_passes(o.mistake, o.iterations, o.no_update)
        if o.step and file == "-":
            raise click.UsageError("--step reads its keys from standard input: give FILE as a path")
    if o.fmt != "table":
        refuse_given(
            click.get_current_context(),
            TABLE_OPTIONS,
            f"--format {o.fmt} writes every number in full",
        )
    return check_saving(o.fmt, o.save_svg, o.save_html)


def check_options(f: F) -> F:
    """check's tolerances for a circuit: --h, --tol, --abs-tol."""
    return _stack(
        click.option(
            "--h",
            "h",
            type=float,
            default=1e-5,
            show_default=True,
            help="The step of the central difference (f(x+h) − f(x−h)) / 2h.",
            cls=KindOption,
            kind=CIRCUIT,
        ),
        click.option(
            "--tol",
            nargs=2,
            type=float,
            default=(1e-7, 1e-4),
            show_default=True,
            metavar="OK FAIL",
            help="Relative error below OK is ok, above FAIL fails, between warns.",
            cls=KindOption,
            kind=CIRCUIT,
        ),
        click.option(
            "--abs-tol",
            type=float,
            default=1e-9,
            show_default=True,
            help="An absolute difference at most this is ok, whatever its relative error.",
            cls=KindOption,
            kind=CIRCUIT,
        ),
    )(f)


def check_drawing(fmt: str, values: bool | None = None) -> None:
    """check --format json, graph without --values: --precision and --color would
    shape nothing."""
    ctx = click.get_current_context()
    if values is not None and not values:
        refuse_given(ctx, ("precision",), "--precision sets the digits of --values")
    elif values is None and fmt != "table":
        refuse_given(ctx, TABLE_OPTIONS, f"--format {fmt} writes every number in full")


def check_tolerances(h: float, tol: tuple[float, float], abs_tol: float) -> None:
    if not (h > 0 and math.isfinite(h)):
        raise click.BadParameter("must be a positive number", param_hint="'--h'")
    if not (0 <= tol[0] <= tol[1] < math.inf):
        raise click.BadParameter(
            "OK and FAIL must be numbers with 0 ≤ OK ≤ FAIL", param_hint="'--tol'"
        )
    if not 0 <= abs_tol < math.inf:
        raise click.BadParameter("must be a number ≥ 0", param_hint="'--abs-tol'")
