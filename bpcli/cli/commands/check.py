"""`bpcli check`: analytic gradients against central differences, input by
input; for a Python script, each backward() call judged against the script's
own forward() code."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import click

from ...i18n import _
from ...system.files import Output, write_stdout
from ..help_texts import help_for
from ..option_sets import check_drawing, for_circuits, script_options, stack
from ..options import (
    CIRCUIT,
    SCRIPT,
    KindCommand,
    KindOption,
    drawing_options,
    file_argument,
    file_kind,
    format_option,
    set_option,
)
from .shared import load

F = TypeVar("F", bound=Callable[..., Any])


class CheckOptions(NamedTuple):
    max_bytes: int
    sets: tuple[str, ...]
    h: float
    tol: tuple[float, float]
    abs_tol: float
    fmt: str
    precision: int
    color: str
    as_script: bool
    python: str | None
    passes: int | None
    methods: str
    value_attr: str | None
    grad_attr: str
    script_args: tuple[str, ...]


def check_options(f: F) -> F:
    """check's tolerances for a circuit: --h, --tol, --abs-tol."""
    return stack(
        click.option(
            "--h",
            "h",
            type=float,
            default=1e-5,
            show_default=True,
            help=_("The step of the central difference (f(x+h) − f(x−h)) / 2h."),
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
            help=_("Relative error below OK is ok, above FAIL fails, between warns."),
            cls=KindOption,
            kind=CIRCUIT,
        ),
        click.option(
            "--abs-tol",
            type=float,
            default=1e-9,
            show_default=True,
            help=_("An absolute difference at most this is ok, whatever its relative error."),
            cls=KindOption,
            kind=CIRCUIT,
        ),
    )(f)


check_command_options = stack(
    for_circuits(file_argument),
    for_circuits(set_option),
    check_options,
    format_option("CHECK"),
    drawing_options,
    script_options,
)


def check_tolerances(h: float, tol: tuple[float, float], abs_tol: float) -> None:
    if not (h > 0 and math.isfinite(h)):
        raise click.BadParameter(_("must be a positive number"), param_hint="'--h'")
    if not (0 <= tol[0] <= tol[1] < math.inf):
        raise click.BadParameter(
            _("OK and FAIL must be numbers with 0 ≤ OK ≤ FAIL"), param_hint="'--tol'"
        )
    if not 0 <= abs_tol < math.inf:
        raise click.BadParameter(_("must be a number ≥ 0"), param_hint="'--abs-tol'")


@click.command(cls=KindCommand, help=help_for("check"))
@check_command_options
def check(file: str, **given: Any) -> None:
    from ...core.gradcheck import FAIL, Tolerances
    from ...core.gradcheck import check as gradient_check
    from .. import views

    o = CheckOptions(**given)
    check_drawing(o.fmt)
    if file_kind(file, o.as_script) == SCRIPT:
        from ...script.check import check_script

        if file == "-":
            raise click.UsageError(_("a script is run from its file: give its path, not -"))
        from ...script.launch import find_python
        from ...script.run import Watch
        from ..trace_jobs import ScriptOptions

        script = ScriptOptions.given(o.python, o.methods, o.value_attr, o.grad_attr, o.passes)
        watch = Watch(script.methods, script.value_attr, script.grad_attr, script.passes)
        result = check_script(find_python(o.python), file, list(o.script_args), watch)
        views.CHECK_SCRIPT[o.fmt](result, views.Drawing(o.precision, o.color), Output())
        from ..process import say

        for line in result.said:
            say(line)
        if result.status >= 128:  # ended by a signal (130 Ctrl-C, 143 SIGTERM): as the shell says
            raise click.exceptions.Exit(result.status)
        if result.verdict != "ok" or result.status:
            raise click.exceptions.Exit(1 if result.verdict != "ok" else result.status)
        return
    check_tolerances(o.h, o.tol, o.abs_tol)
    name, circuit = load(file, o.sets, max_bytes=o.max_bytes)
    tolerances = Tolerances(o.tol[0], o.tol[1], o.abs_tol)
    rows = gradient_check(circuit, o.h, tolerances)
    job = views.CheckJob(name, circuit.output_name, o.h, tolerances, rows)
    views.CHECK[o.fmt](job, views.Drawing(o.precision, o.color), write_stdout)
    if any(row.verdict == FAIL for row in rows):
        raise click.exceptions.Exit(1)
