"""The command line's options, each defined once and meaning the same thing
wherever it appears, and the click classes that check them.

``KindOption`` marks an option of `bpcli trace` that only one kind of FILE
takes (a circuit file, or a Python script); ``KindCommand`` refuses it, with
click's own usage error, when FILE is of the other kind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from ..i18n import N_, _
from ..system.reads import MAX_BYTES
from .process import BpcliCommand

F = TypeVar("F", bound=Callable[..., Any])
CIRCUIT, SCRIPT = "circuit", "script"
# Each kind of FILE: the tag after an option's help, and the usage error for an
# option given with the other kind ({what}: what FILE is instead).
_TAG = {CIRCUIT: N_("circuit files"), SCRIPT: N_("Python scripts")}
_FOR = {
    CIRCUIT: N_("{option} is for circuit files; {what}"),
    SCRIPT: N_("{option} is for Python scripts (FILE.py, or --script); {what}"),
}


def file_argument(f: F, kind: str | None = None) -> F:
    """FILE: a circuit file, or `-` for standard input; and how much of it is read."""
    f = click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=MAX_BYTES,
        show_default=True,
        metavar="N",
        help=_("Refuse a FILE larger than this."),
        **_kind(kind),
    )(f)
    return click.argument(
        "file", type=click.Path(exists=True, dir_okay=False, allow_dash=True), metavar="FILE"
    )(f)


class OutputPath(click.ParamType):
    """A file to write: not empty, not a folder (`-` is standard output)."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not text:
            self.fail(_("a file name cannot be empty (- is standard output)"), param, ctx)
        if text != "-" and os.path.isdir(text):
            self.fail(_("{file} is a folder: give a file name").format(file=repr(text)), param, ctx)
        if text.endswith(("/", os.sep)):
            ends = _("{file} ends in '/', as a folder does: give a file name")
            self.fail(ends.format(file=repr(text)), param, ctx)
        return text


def set_option(f: F, kind: str | None = None) -> F:
    return click.option(
        "--set",
        "sets",
        metavar="NAME=VALUE",
        multiple=True,
        help=_("Override an input's starting value (repeatable)."),
        **_kind(kind),
    )(f)


def step_size_option(f: F, kind: str | None = None) -> F:
    return click.option(
        "--step-size",
        type=float,
        default=None,
        help=_("Override the file's step_size (a negative step descends)."),
        **_kind(kind),
    )(f)


def iteration_options(f: F, kind: str | None = None) -> F:
    """-n and --no-update: which passes run (SPEC §4)."""
    f = click.option(
        "--no-update", is_flag=True, help=_("Only forward and backward: no update."), **_kind(kind)
    )(f)
    return click.option(
        "-n",
        "--iterations",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        help=_("Iterations of backward, update, forward after the first forward pass."),
        **_kind(kind),
    )(f)


def check_iterations(iterations: int, no_update: bool) -> None:
    if no_update and iterations != 1:
        raise click.UsageError(_("--no-update runs one forward and one backward pass; drop -n"))


class LazyChoice(click.Choice):
    """click's Choice, its choices read from their registry only when they are
    needed: a value given, help shown, a completion. So a command that is run
    without the option never imports the registry (``views``, ``mistakes``). The
    option's default, which the command itself names, is taken as it is (the
    tests check that it is one of the choices)."""

    def __init__(self, load: Callable[[], Iterable[str]]) -> None:
        self._load = load
        self._choices: tuple[str, ...] | None = None
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices

    @choices.setter
    def choices(self, value: Iterable[str]) -> None:
        self._choices = tuple(value)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if param is not None and value is not None and value == param.default:
            return value
        return super().convert(value, param, ctx)


class LazyHelpOption(click.Option):
    """An option whose help is worded from a registry only when it is shown."""

    def __init__(self, *args: Any, word_help: Callable[[], str], **kwargs: Any) -> None:
        self._word_help = word_help
        super().__init__(*args, **kwargs)

    @property
    def help(self) -> str | None:
        return self._word_help()

    @help.setter
    def help(self, value: str | None) -> None:
        pass  # always worded by word_help


def view_formats(view: str) -> Callable[[], list[str]]:
    """The formats of one of ``views``' tables (RUN, TRACE, …), read when asked."""

    def names() -> list[str]:
        from . import views

        return list(getattr(views, view))

    return names


def format_option(view: str, default: str = "table") -> Callable[[F], F]:
    """--format, its choices the formats the view (a table of ``views``, by its
    name) can write; views is imported only when they are needed."""
    formats = view_formats(view)

    def word_help() -> str:
        names = formats()
        others = [n for n in names if n != default]
        if default == "table":
            return _("{default} for people; {others} for programs.").format(
                default=default, others=", ".join(others)
            )
        return _("One of {formats}.").format(formats=", ".join(names))

    return click.option(
        "--format",
        "fmt",
        type=LazyChoice(formats),
        default=default,
        show_default=True,
        cls=LazyHelpOption,
        word_help=word_help,
    )


def drawing_options(f: F) -> F:
    """--precision and --color: how numbers and colour are drawn in text views."""
    f = click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help=_(
            "Colour in tables (auto: on a terminal, or with FORCE_COLOR; "
            "never with NO_COLOR or TERM=dumb)."
        ),
    )(f)
    return precision_option(f)


def precision_option(f: F) -> F:
    return click.option(
        "--precision",
        type=click.IntRange(0, 17),
        default=6,
        show_default=True,
        help=_("Digits after the point in what is drawn (machine formats: always full precision)."),
    )(f)


def save_options(f: F) -> F:
    """--save-svg and --save-html: the tables drawn, kept as a picture or a page."""
    f = click.option(
        "--save-html",
        type=OutputPath(),
        metavar="FILE",
        help=_("Also save the tables drawn as an HTML page."),
    )(f)
    return click.option(
        "--save-svg",
        type=OutputPath(),
        metavar="FILE",
        help=_("Also save the tables drawn as an SVG picture."),
    )(f)


def check_saving(fmt: str, save_svg: str | None, save_html: str | None) -> bool:
    if (save_svg or save_html) and fmt != "table":
        raise click.UsageError(_("--save-svg and --save-html keep the table view: drop --format"))
    return bool(save_svg or save_html)


def output_option(help: str, metavar: str = "FILE") -> Callable[[F], F]:
    """-o/--output: where a command writes instead of standard output."""
    return click.option("-o", "--output", "out_path", type=OutputPath(), metavar=metavar, help=help)


def unit_option(f: F) -> F:
    return click.option(
        "--unit",
        "only_units",
        multiple=True,
        metavar="NAME",
        help=_("Follow only this unit: its rows in tables, the steps that touch it (repeatable)."),
    )(f)


def gate_option(f: F) -> F:
    return click.option(
        "--gate",
        "only_gates",
        multiple=True,
        metavar="NAME",
        help=_("Show only the calls of this gate (repeatable)."),
    )(f)


def view_options(f: F) -> F:
    """--every, --max-rows, --all and --unit: what run's tables show."""
    f = unit_option(f)
    f = click.option("--all", "all_rows", is_flag=True, help=_("Every row, however many units."))(f)
    f = click.option(
        "--max-rows",
        type=click.IntRange(min=2),
        default=40,
        show_default=True,
        help=_("Past this many units, show the first and last rows and a count."),
    )(f)
    return click.option(
        "--every",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        metavar="K",
        help=_("Tables of every K-th iteration only (and of the first and last)."),
    )(f)


def _mistake_names() -> list[str]:
    from ..core.mistakes import MISTAKES

    return list(MISTAKES)


def mistake_option(kind: str | None = None) -> Callable[[F], F]:
    return click.option(
        "--mistake",
        type=LazyChoice(_mistake_names),
        metavar="NAME",
        help=_(
            "A classic slip in the gate code (bpcli mistakes): run replays it beside the "
            "correct run; trace marks the step where the two part."
        ),
        **_kind(kind),
    )


# -- options for one kind of FILE --------------------------------------------------------


def _kind(kind: str | None) -> dict[str, Any]:
    return {"cls": KindOption, "kind": kind} if kind else {}


class KindOption(click.Option):
    """An option that only one kind of FILE takes (`kind`: circuit or script)."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs["help"] = f"{kwargs.get('help', '')} [{_(_TAG[kind])}]".lstrip()
        super().__init__(*args, **kwargs)
        self.kind = kind


def file_kind(path: str, as_script: bool) -> str:
    """A Python script (FILE.py, or --script), else a circuit file."""
    return SCRIPT if as_script or path.lower().endswith(".py") else CIRCUIT


class KindCommand(BpcliCommand):
    """Refuses an option given for the other kind of FILE, as a usage error."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        kind = file_kind(str(ctx.params.get("file", "")), bool(ctx.params.get("as_script")))
        for param in self.get_params(ctx):
            wanted = getattr(param, "kind", None)
            if wanted is None or wanted == kind or param.name is None:
                continue
            if ctx.get_parameter_source(param.name) is click.core.ParameterSource.COMMANDLINE:
                what = (
                    _("a script runs as it is") if kind == SCRIPT else _("FILE is a circuit file")
                )
                refused = _(_FOR[wanted]).format(option=param.opts[0], what=what)
                raise click.UsageError(refused, ctx)
        if kind == CIRCUIT and ctx.params.get("script_args"):
            unexpected = _("unexpected argument {argument}: only a script takes ARGS")
            argument = repr(ctx.params["script_args"][0])
            raise click.UsageError(unexpected.format(argument=argument), ctx)
        return rest
