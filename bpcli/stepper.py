"""``trace --step``: show one step, wait for a key, show the next.

Keys: Enter, space or ``n`` next; ``b`` back one step (the earlier step is
shown again); ``c`` run to the end; ``q`` quit. On a terminal a single
keypress does it; when standard input is a pipe or a file, one line is one
key (an empty line is Enter) and at the end of input the trace runs on to
its end. Nothing here ever opens the terminal behind the user's back.
"""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import Callable, Iterable, Iterator
from typing import IO

import click

try:
    import termios
    import tty
except ImportError:  # not on Windows
    termios = None  # type: ignore[assignment]

NEXT, BACK, CONTINUE, QUIT = "n", "b", "c", "q"
PROMPT = "[Enter/space/n] next  [b] back  [c] continue  [q] quit"
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
}
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


class Keys:
    """Reads the stepper's keys from standard input.

    On a terminal, the whole session runs in cbreak mode (no echo, a key is
    read as soon as it is pressed, Ctrl-C still interrupts), entered and left
    without flushing, so a key pressed while a step is being drawn is kept.
    """

    def __init__(self, stdin: IO[str] | None, tty: bool) -> None:
        self.stdin = stdin  # None: closed (a daemon, `<&-`): the end of input
        self.tty = tty and stdin is not None

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        if not self.tty or termios is None or self.stdin is None:
            yield
            return
        fd = self.stdin.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd, termios.TCSANOW)
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, saved)

    def read(self) -> str | None:
        """The next key (NEXT, BACK, CONTINUE, QUIT), or None at the end of input."""
        if self.stdin is None:
            return None
        while True:
            if self.tty and termios is not None:
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
                    key = _SEQUENCES.get(rest.decode("latin-1"))
                    if key is not None:
                        return key
                    continue
                raw = data.decode("latin-1")
            elif self.tty:
                raw = click.getchar()  # no termios (Windows): click's own
            else:
                line = self.stdin.readline()
                if not line:
                    return None
                raw = line.strip()[:1]
            key = _KEYS.get(raw.lower())
            if key is not None:
                return key
            if not self.tty:
                return NEXT  # an unknown line moves on rather than stalling a script


class Quit(BaseException):
    """`q`: stop here. A BaseException, so that a learner's script that is paused
    mid-call cannot catch it by accident; bpcli ends with status 0."""


class Stepper:
    """Shows each step as it is offered and waits for a key before the next: the
    caller (a circuit's loop, or a script's own run) goes on when `offer`
    returns. `b` pages back over the steps already shown, and forward again to
    the newest; `c` runs on without waiting; `q` raises ``Quit``."""

    def __init__(
        self, keys: Keys, show: Callable[[str], None], prompt: Callable[[str], None]
    ) -> None:
        self.keys, self.show, self.prompt = keys, show, prompt
        self.shown: list[str] = []  # the pages so far, for `b`
        self.running_on = False

    def offer(self, text: str) -> None:
        """Show ``text`` (the newest step), and return when the user asks for the next."""
        if self.running_on:
            self.show(text)
            return
        self.shown.append(text)
        at = len(self.shown) - 1
        self.show(text)
        while True:
            self.prompt(PROMPT)
            key = self.keys.read()
            self.prompt("")  # the prompt goes once a key is pressed
            if key is None or key == CONTINUE:  # run on to the end, keeping nothing
                for page in self.shown[at + 1 :]:
                    self.show(page)
                self.running_on = True
                self.shown.clear()
                return
            if key == QUIT:
                raise Quit
            if key == BACK:
                at = max(at - 1, 0)
            elif at + 1 < len(self.shown):
                at += 1
            else:
                return  # at the newest: on to the next step
            self.show(self.shown[at])


def page(
    pages: Iterable[str],
    keys: Keys,
    show: Callable[[str], None],
    prompt: Callable[[str], None],
) -> None:
    """Show ``pages`` one at a time, moving as the keys say."""
    stepper = Stepper(keys, show, prompt)
    with keys.session(), contextlib.suppress(Quit):
        for text in pages:
            stepper.offer(text)
