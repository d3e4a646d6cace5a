"""The stepper's keys and typed lines, from a terminal or from a pipe.

On a terminal the whole session runs in cbreak mode (no echo, a key is read
as soon as it is pressed, Ctrl-C still interrupts), entered and left without
flushing, so a key pressed while a step is being drawn is kept. What the user
types after ``g`` or ``/``, and a quiz answer, is echoed as it is typed, with
Backspace, Enter and Esc (cancel). From a pipe or a file one line is one key,
``g 5`` or ``/sg0`` one line, an answer one line. Nothing here ever opens the
terminal behind the user's back.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple

import click

from ..i18n import N_, _

if sys.platform == "win32":  # click's getchar reads the console's keys
    termios = tty = None
else:
    try:
        import termios
        import tty
    except ImportError:  # a Python built without them
        termios = tty = None  # type: ignore[assignment]

NEXT, BACK, CONTINUE, QUIT, GOTO, FIND, HELP = "n", "b", "c", "q", "g", "/", "?"
# Said where they are shown, in the reader's language: _(PROMPT), _(KEY_HELP)
PROMPT = N_("[Enter] next  [b] back  [g] go to  [/] find  [c] continue  [q] quit  [?] keys")
PROMPT_NARROW = N_("[Enter] [b] [g] [/] [c] [q]  [?] what each key does")  # every key, still
KEY_HELP = N_(
    "keys: Enter, space, n, → or ↓   the next step\n"
    "      b, ← or ↑                 back one step\n"
    "      g, a number, Enter        go to that step\n"
    "      /, a name, Enter          the next step that touches that unit or gate\n"
    "      c                         run on to the end without stopping\n"
    "      q                         quit\n"
    "      ?                         these keys\n"
    "      (a Russian layout's letters on the same keys do the same: т, и, п, ., с, й)"
)
_KEYS = {
    "": NEXT,
    " ": NEXT,
    "\r": NEXT,
    "\n": NEXT,
    "n": NEXT,
    "b": BACK,
    "c": CONTINUE,
    "q": QUIT,
    "\x04": QUIT,
    "g": GOTO,
    "/": FIND,
    "?": HELP,
    "h": HELP,
}
# The same keys on a Russian (ЙЦУКЕН) layout: what they type there.
_RUSSIAN_LAYOUT = {"т": "n", "и": "b", "с": "c", "й": "q", "п": "g", ".": "/", ",": "?", "р": "h"}
_KEYS |= {ru: _KEYS[latin] for ru, latin in _RUSSIAN_LAYOUT.items()}
# What a terminal sends for arrow and page keys (ESC [ …): forward and back.
_SEQUENCES = {
    "[C": NEXT,
    "[B": NEXT,
    "[6~": NEXT,
    "OC": NEXT,
    "OB": NEXT,
    "[D": BACK,
    "[A": BACK,
    "[5~": BACK,
    "OD": BACK,
    "OA": BACK,
}
# What Windows' console sends for them (a prefix byte, then the key's scan code),
# as click.getchar() hands it over: the same sequences, to be read as above.
_SCAN_CODES = {"H": "[A", "P": "[B", "M": "[C", "K": "[D", "I": "[5~", "Q": "[6~"}
ESC, BACKSPACES, ENTERS = "\x1b", ("\x7f", "\x08"), ("\r", "\n")


class Key(NamedTuple):
    action: str  # NEXT, BACK, …; HELP for a key that is not one
    raw: str = ""  # the key pressed (for an unknown key: what to name)
    arg: str | None = None  # GOTO's number, FIND's name: None when cancelled (Esc)


class Quit(BaseException):
    """`q`: stop here. A BaseException, so that a learner's script that is paused
    mid-call cannot catch it by accident; bpcli ends with status 0."""


class EndOfInput(Exception):
    """Standard input ended (or is closed) while a line was being typed."""


class Keys:
    """Reads the stepper's keys and lines from standard input; ``echo`` shows a
    line being typed on a terminal (the prompt line)."""

    def __init__(self, stdin: IO[str] | None, tty: bool) -> None:
        self.stdin = stdin  # None: closed (a daemon, `<&-`): the end of input
        self.tty = tty and stdin is not None
        self.echo: Callable[[str], None] = lambda _: None
        self._saved: Any = None  # the terminal's settings before the session
        self._cbreak = False

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """cbreak mode while keys are read; the terminal as it was afterwards,
        also when a hang-up or Ctrl-\\ ends bpcli (whose default is to die)."""
        if not self.tty or termios is None or self.stdin is None:
            yield
            return
        assert tty is not None
        fd = self.stdin.fileno()
        self._saved = saved = termios.tcgetattr(fd)
        handlers = {}

        def restore_and_die(sig: int, frame: object) -> None:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)

        for name in ("SIGHUP", "SIGQUIT"):
            sig = getattr(signal, name, None)
            if sig is not None:
                handlers[sig] = signal.signal(sig, restore_and_die)
        try:
            tty.setcbreak(fd, termios.TCSANOW)
            self._cbreak = True
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
            self._saved = None
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    def cooked(self) -> None:
        """The terminal as it was (echo, line editing) while a paused script runs
        on and may read its own input; cbreak again at the next key read."""
        if self._saved is not None and self._cbreak and self.stdin is not None:
            assert termios is not None
            termios.tcsetattr(self.stdin.fileno(), termios.TCSANOW, self._saved)
            self._cbreak = False

    def _in_cbreak(self) -> None:
        if self._saved is not None and not self._cbreak and self.stdin is not None:
            assert termios is not None and tty is not None
            tty.setcbreak(self.stdin.fileno(), termios.TCSANOW)
            self._cbreak = True

    def read(self) -> Key | None:
        """The next key, or None at the end of input."""
        if self.stdin is None:
            return None
        if not self.tty:
            line = self.stdin.readline()
            if not line:
                return None
            text = line.strip()
            action = _KEYS.get(text[:1].lower())
            if action in (GOTO, FIND):  # `g 5`, `/sg0`; or the rest on the next line
                try:
                    return Key(action, text[:1], text[1:].strip() or self._pipe_line())
                except EndOfInput:
                    return None
            return Key(HELP, text) if action is None else Key(action, text)
        while True:
            raw = self._key()
            if raw is None:
                return None
            if raw.startswith(ESC):
                action = _SEQUENCES.get(raw[1:])
                if action is not None:
                    return Key(action, raw)
                continue  # Esc alone, or a key the stepper has no use for
            action = _KEYS.get(raw.lower())
            if action is None:
                return Key(HELP, raw)
            if action in (GOTO, FIND):
                label = _("go to step: ") if action == GOTO else _("find: /")
                try:
                    return Key(action, raw, self.line(label))
                except EndOfInput:
                    return None
            return Key(action, raw)

    def answer(self, question: str, show: Callable[[str], None]) -> str | None:
        """A line typed after ``question``, both shown with ``show``: None when
        cancelled with Esc; EndOfInput at the end of input (from a pipe, before
        the question is shown)."""
        if not self.tty:
            line = self._pipe_line()
            show(f"{question}{line}\n")
            return line
        show(question)
        return self.line("", show_on=show)

    def line(self, label: str, show_on: Callable[[str], None] | None = None) -> str | None:
        """A line typed on the terminal: echoed as typed (on the prompt line, or
        with ``show_on`` where it stays), Backspace rubs out, Enter ends it, Esc
        cancels (None)."""
        typed = ""
        if show_on is None:
            self.echo(label)
        while True:
            raw = self._key()
            if raw is None:
                raise EndOfInput
            if raw in ENTERS:
                if show_on is not None:
                    show_on("\n")
                return typed.strip()
            if raw == ESC:
                if show_on is not None:
                    show_on("\n")
                return None
            if raw == "\x04" and not typed:  # Ctrl-D on an empty line
                raise EndOfInput
            if raw.startswith(ESC):
                continue  # an arrow key: not part of a line
            if raw in BACKSPACES:
                if typed:
                    typed = typed[:-1]
                    if show_on is not None:
                        show_on("\b \b")
            elif raw.isprintable():
                typed += raw
                if show_on is not None:
                    show_on(raw)
            if show_on is None:
                self.echo(label + typed)

    def _pipe_line(self) -> str:
        line = self.stdin.readline() if self.stdin is not None else ""
        if not line:
            raise EndOfInput
        return line.strip()

    def _key(self) -> str | None:
        """One keypress on the terminal (a whole ESC sequence), None at its end."""
        assert self.stdin is not None
        if termios is None:  # Windows: click's own (Ctrl-Z, the console's end of input)
            try:
                return console_key(click.getchar())
            except EOFError:
                return None
        self._in_cbreak()
        fd = self.stdin.fileno()
        data = os.read(fd, 1)
        if not data:
            return None
        if data == b"\x1b":  # an arrow or page key: the rest follows at once
            rest = b""
            while len(rest) < 8 and select.select([fd], [], [], 0.03)[0]:
                rest += os.read(fd, 1)
                if rest[-1:].isalpha() or rest[-1:] == b"~":
                    break
            return ESC + rest.decode("latin-1")
        if data[0] >= 0x80:  # the rest of a UTF-8 character
            need = 1 if data[0] < 0xE0 else 2 if data[0] < 0xF0 else 3
            data += os.read(fd, need)
        return data.decode("utf-8", "replace")


def console_key(raw: str) -> str:
    """A key from Windows' console as a terminal sends it: an arrow or page key
    (``'\\xe0M'``, ``'\\x00P'``) as its ESC sequence, an other such key as a
    sequence the stepper has no use for; any other key as it is."""
    if len(raw) == 2 and raw[0] in "\x00\xe0":
        return ESC + _SCAN_CODES.get(raw[1], "?")
    return raw
