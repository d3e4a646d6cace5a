"""What several commands' option bundles share: decorators stacked as written,
the options a table's shape depends on, and the options that would be ignored,
refused as usage errors before anything runs. Each command's own bundle (a
NamedTuple its body reads) and its own refusals are in its module under
``bpcli/cli/commands``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..i18n import _
from .options import CIRCUIT, SCRIPT, KindOption

F = TypeVar("F", bound=Callable[..., Any])


def stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Decorators applied as if written one above the other, the first on top."""

    def apply(f: F) -> F:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


TABLE_OPTIONS = ("precision", "color", "max_rows", "all_rows")  # what shapes a table


def refuse_given(ctx: click.Context, names: tuple[str, ...], why: str) -> None:
    """An option given on the command line that what is asked for would ignore:
    a usage error, not silence."""
    for param in ctx.command.params:
        if param.name in names and isinstance(param, click.Option):
            source = ctx.get_parameter_source(param.name)
            if source is click.core.ParameterSource.COMMANDLINE:
                drop = _("{why}: drop {option}").format(why=why, option=param.opts[0])
                raise click.UsageError(drop, ctx)


def check_mistake_passes(mistake: str | None, iterations: int, no_update: bool) -> None:
    if mistake and not no_update and iterations == 0:
        raise click.UsageError(_("-n 0 runs no backward pass: nothing for --mistake to compare"))


def check_drawing(fmt: str, values: bool | None = None) -> None:
    """check --format json, graph without --values: --precision and --color would
    shape nothing."""
    ctx = click.get_current_context()
    if values is not None and not values:
        refuse_given(ctx, ("precision",), _("--precision sets the digits of --values"))
    elif values is None and fmt != "table":
        full = _("--format {format} writes every number in full").format(format=fmt)
        refuse_given(ctx, TABLE_OPTIONS, full)


# -- trace and check: a circuit file or a script ---------------------------------------


def for_circuits(option: Callable[[F, str | None], F]) -> Callable[[F], F]:
    """An option that only a circuit file takes (trace and check take scripts too)."""

    def apply(f: F) -> F:
        return option(f, CIRCUIT)

    return apply


def _script_option(*names: str, **kwargs: Any) -> Callable[[F], F]:
    kwargs.setdefault("show_default", True)
    return click.option(*names, cls=KindOption, kind=SCRIPT, **kwargs)


def script_options(f: F) -> F:
    """What a learner's script is run and watched by: --script, --python,
    --methods, --value-attr, --grad-attr, --passes, and its own arguments after --."""
    return stack(
        click.option(
            "--script",
            "as_script",
            is_flag=True,
            help=_("FILE is a Python script, whatever its name (.py files always are)."),
        ),
        _script_option(
            "--python",
            "python",
            metavar="PATH",
            default=None,
            show_default=False,
            help=_("The Python to run the script with (default: python3 on PATH)."),
        ),
        _script_option(
            "--passes",
            type=click.IntRange(min=1),
            default=None,
            show_default=False,
            metavar="N",
            help=_("Watch the first N forward passes, then let the script run on unwatched."),
        ),
        _script_option(
            "--methods",
            default="forward,backward",
            help=_("The methods to watch, comma-separated."),
        ),
        _script_option(
            "--value-attr",
            default=None,
            show_default=False,
            help=_("A Unit's value attribute. [default: value, else data (micrograd's)]"),
        ),
        _script_option("--grad-attr", default="grad", help=_("A Unit's gradient attribute.")),
        click.argument("script_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- ARGS]"),
    )(f)
