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


def page(
    pages: Iterable[str],
    keys: Keys,
    show: Callable[[str], None],
    prompt: Callable[[str], None],
) -> None:
    """Show ``pages`` one at a time, moving as the keys say."""
    with keys.session():
        _page(iter(pages), keys, show, prompt)


def _page(
    source: Iterator[str], keys: Keys, show: Callable[[str], None], prompt: Callable[[str], None]
) -> None:
    shown: list[str] = []  # the pages so far, for `b`
    at = -1
    while True:
        if at + 1 < len(shown):
            at += 1
        else:
            text = next(source, None)
            if text is None:
                return
            shown.append(text)
            at = len(shown) - 1
        show(shown[at])
        prompt(PROMPT)
        key = keys.read()
        prompt("")  # the prompt goes once a key is pressed
        if key is None or key == CONTINUE:  # run on to the end, keeping nothing
            for text in shown[at + 1 :]:
                show(text)
            for text in source:
                show(text)
            return
        if key == QUIT:
            return
        if key == BACK:
            at = max(at - 2, -1)
