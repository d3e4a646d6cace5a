"""The process: how each failure ends it (one clear message and an exit status,
never a traceback), the garbage collector paused while a circuit loads and
runs, and the exit itself.

Exit status: 0 success, 1 the circuit is wrong or could not be computed (or an
internal error), 2 wrong command-line usage, 130 interrupted (Ctrl-C), 141 the
reader of standard output went away, 143 terminated (SIGTERM).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import os
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from ..core.errors import CircuitError, Failure, Interrupted, UsageProblem, format_error
from ..i18n import N_, _, grouped, ngettext
from ..system.reads import NoInput
from ..system.signals import Terminated, deferred, install


def _help_shown(text: str) -> str:
    """Help in ASCII where standard output cannot show bpcli's symbols (≡, ×, σ),
    its example commands broken as a shell allows (`` \\`` at a space) where
    they are wider than the terminal."""
    from ..i18n.safe_text import can_show, encoding_of, plain

    text = _examples_fitted(text)
    if sys.stdout is None or can_show(sys.stdout):
        return text
    return plain(text, encoding_of(sys.stdout))


def _examples_fitted(text: str) -> str:
    import shutil

    at = shutil.get_terminal_size().columns  # as click measures it for the rest
    out = []
    for line in text.split("\n"):
        if len(line) <= at or not line.lstrip().startswith(("bpcli ", "| ")):
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        cur = ""
        for word in line.split():
            if cur and len(cur) + 1 + len(word) + 2 > at:
                out.append(cur + " \\")
                cur = indent + "    " + word
            else:
                cur = f"{cur} {word}" if cur else indent + word
        out.append(cur)
    return "\n".join(out)


class _NotLong(click.NoSuchOption):
    """Raised where click's parser tries a short option (``-q``) as a long one
    first: the parser catches it and goes on to the short option, so it is
    never shown, and is not worth click's wording (difflib's close matches,
    a gettext look-up) on every run that gives a short option."""

    def __init__(self) -> None:
        Exception.__init__(self, "")


def _short_options_first(parser: Any) -> None:
    """Let click's parser skip its long-option attempt for a short option (see
    _NotLong). click's parser is private, so where it is not as expected this
    does nothing and click does as it always did."""
    match_long = getattr(parser, "_match_long_opt", None)
    longs, prefixes = getattr(parser, "_long_opt", None), getattr(parser, "_opt_prefixes", None)
    if match_long is None or not isinstance(longs, dict) or not isinstance(prefixes, set):
        return

    def _match_long_opt(opt: str, explicit_value: str | None, state: Any) -> None:
        if opt not in longs and opt[:2] not in prefixes:
            raise _NotLong()  # caught by the parser, which then matches it as short
        match_long(opt, explicit_value, state)

    parser._match_long_opt = _match_long_opt


LANG_FIRST = N_(
    "--lang is bpcli's own option: give it before the command (bpcli --lang ru {command} …)"
)


class BpcliCommand(click.Command):
    """A library's usage problem becomes click's usage error for this command."""

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        _short_options_first(parser)
        return parser

    def get_help(self, ctx: click.Context) -> str:
        return _help_shown(super().get_help(ctx))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            if exc.option_name == "--lang":  # the group's option, given after the command
                said = _(LANG_FIRST).format(command=self.name)
                raise click.UsageError(said, ctx) from None
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageProblem as p:
            hint = f"'{p.option}'" if p.option else None
            raise click.BadParameter(p.message, ctx=ctx, param_hint=hint) from None
        except NoInput as exc:
            raise click.UsageError(str(exc), ctx) from None


class BpcliGroup(click.Group):
    """Turns library errors into one clear message and an exit status, never a traceback."""

    command_class = BpcliCommand

    def get_help(self, ctx: click.Context) -> str:
        return _help_shown(super().get_help(ctx))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except CircuitError as err:
            err.filename = ctx.meta.get("bpcli.file", err.filename)
            say(format_error(err))
            shown = len(err.problems)
            if err.total > shown:
                found = _("{shown} errors shown, {total} found")
                say(found.format(shown=shown, total=grouped(err.total)))
            elif shown > 1:
                say(ngettext("{n} error", "{n} errors", shown).format(n=shown))
            raise click.exceptions.Exit(1) from None
        except Failure as exc:
            say(f"bpcli: error: {exc.message}")  # the prefix as tools read it
            if exc.hint:
                say(_("hint: {hint}").format(hint=exc.hint))
            raise click.exceptions.Exit(1) from None
        except Interrupted as exc:
            say(str(exc), erase=True)
            raise click.exceptions.Exit(exc.status) from None
        except KeyboardInterrupt:
            say(_("bpcli: interrupted"), erase=True)
            raise click.exceptions.Exit(130) from None
        except Terminated:
            say(_("bpcli: terminated"), erase=True)
            raise click.exceptions.Exit(143) from None
        except OSError as exc:
            if reader_gone(exc):  # `| head`: say nothing more, as Unix tools do
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                raise click.exceptions.Exit(141) from None
            say(_cannot_write(exc.strerror or exc))  # e.g. writing to a full disk
            raise click.exceptions.Exit(1) from None
        except Exception as exc:
            if os.environ.get("BPCLI_DEBUG"):
                raise
            say(
                "bpcli: internal error: "  # the prefix as tools read it, in every language
                + _("{error}: {reason}").format(error=type(exc).__name__, reason=exc)
            )
            say(_("hint: this is a bug in bpcli; BPCLI_DEBUG=1 shows where"))
            raise click.exceptions.Exit(1) from None


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


def say(text: str, erase: bool = False) -> None:
    """A message on standard error, each line with the user's text in it made safe
    (control characters escaped), shown as that stream can show it; nothing when
    standard error is closed. ``erase``: first clear the line (a prompt, a bar)."""
    stream = sys.stderr
    if stream is None:
        return
    from ..i18n.safe_text import can_show, encoding_of, plain, shown
    from ..system.terminal import codes_shown

    safe = "\n".join(shown(line) for line in text.split("\n"))
    tty = stream.isatty()
    if tty:  # a person reads it: broken at spaces to the terminal's width
        safe = _fitted(safe)
    start = "\r\x1b[2K" if erase and tty and codes_shown(stream) else ""
    with contextlib.suppress(OSError, ValueError):
        said = safe if can_show(stream) else plain(safe, encoding_of(stream))
        stream.write(start + said + "\n")
        stream.flush()


def _fitted(text: str) -> str:
    """Each line wrapped at spaces to the terminal's width, continued 4 spaces in
    (into a pipe or a file, a message stays one line: tools read it so)."""
    from ..render import layout
    from ..system.terminal import terminal_width

    at = terminal_width(True, fd=2)
    lines = [
        x for line in text.split("\n") for x in layout.wrap([(line, "")], at, "    ", first="")
    ]
    return layout.render(lines)


class _Closed(io.TextIOBase):
    """Standard output when it was closed before bpcli started (``>&-``): every
    write fails as a write to a closed descriptor does, and is said so."""

    encoding = "utf-8"
    closed_stream = True  # a script bpcli runs prints nowhere, as under python itself

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, _("standard output is closed"))

    def isatty(self) -> bool:
        return False

    @property
    def buffer(self) -> _Closed:
        return self  # bytes fail alike


def _streams_that_can_fail() -> None:
    """A closed standard output fails when written to; an output that cannot
    show bpcli's symbols gets escapes, never an error."""
    from ..i18n.safe_text import can_show

    if sys.stdout is None:
        sys.stdout = _Closed()
    elif isinstance(getattr(sys.stdout, "buffer", None), io.RawIOBase):
        # PYTHONUNBUFFERED (python -u): a raw layer loses what a partial write (a
        # signal, a slow pipe) leaves over; a buffered one, flushed at each line,
        # writes it all and shows each line as soon
        out = sys.stdout
        sys.stdout = io.TextIOWrapper(
            io.BufferedWriter(out.buffer),  # type: ignore[attr-defined]
            encoding=out.encoding,
            errors=out.errors,
            line_buffering=True,
        )
    if sys.stderr is None:  # closed: messages go nowhere, and nothing asks it for more
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (for the life of the process)
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not can_show(stream):
            with contextlib.suppress(AttributeError, ValueError):
                stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def exit_with(command: click.Command) -> NoReturn:
    """Run the command, then end with ``os._exit``: a big circuit is millions of
    objects, and freeing them one by one (and the interpreter's last garbage
    collection over them) would only delay the exit the OS does at once."""
    install()
    _streams_that_can_fail()
    try:
        said = command.main(prog_name="bpcli", standalone_mode=False)
        code = said if isinstance(said, int) else 0  # (click hands back an Exit's status)
    except click.ClickException as exc:  # a usage error: said as every message is (fitted)
        shown = io.StringIO()
        exc.show(file=shown)
        say(shown.getvalue().rstrip("\n"))
        code = exc.exit_code
    except click.exceptions.Abort:
        say(_("Aborted!"))
        code = 1
    except OSError as exc:  # `bpcli --help >&-`: click writing before any command runs
        say(_cannot_write(exc.strerror or exc))
        code = 1
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except Terminated:
        say(_("bpcli: terminated"))
        code = 143
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            with deferred():
                stream.flush()
        except (KeyboardInterrupt, Terminated):
            code = code or 130
        except (OSError, ValueError) as exc:  # a full disk, a closed descriptor
            if isinstance(exc, OSError) and reader_gone(exc):
                code = code or 141
            elif stream is sys.stdout and not code:  # else already said
                say(_cannot_write(getattr(exc, "strerror", exc)))
            code = code or 1
    os._exit(code)


def reader_gone(exc: OSError) -> bool:
    """The pipe's reader went away: ``BrokenPipeError``, or on Windows the
    ``EINVAL`` a write to a closed pipe raises there."""
    return isinstance(exc, BrokenPipeError) or (
        sys.platform == "win32" and exc.errno == errno.EINVAL
    )


def _cannot_write(reason: object) -> str:
    """Standard output failed: ``bpcli: error:`` as tools read it, the words the
    reader's language."""
    return "bpcli: error: " + _("cannot write the output: {reason}").format(reason=reason)
