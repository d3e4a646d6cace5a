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
_KEYS = {"": NEXT, " ": NEXT, "\r": NEXT, "\n": NEXT, "n": NEXT, "b": BACK, "c": CONTINUE,
         "q": QUIT, "\x04": QUIT}  # fmt: skip


class Keys:
    """Reads the stepper's keys from standard input.

    On a terminal, the whole session runs in cbreak mode (no echo, a key is
    read as soon as it is pressed, Ctrl-C still interrupts), entered and left
    without flushing, so a key pressed while a step is being drawn is kept.
    """

    def __init__(self, stdin: IO[str], tty: bool) -> None:
        self.stdin = stdin
        self.tty = tty

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        if not self.tty or termios is None:
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
        while True:
            if self.tty and termios is not None:
                data = os.read(self.stdin.fileno(), 1)
                if not data:
                    return None
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
    shown: list[str] = []
    at = -1
    running = False
    while True:
        if at + 1 < len(shown):
            at += 1
        else:
            page_text = next(source, None)
            if page_text is None:
                return
            shown.append(page_text)
            at = len(shown) - 1
        show(shown[at])
        if running:
            continue
        prompt(PROMPT)
        key = keys.read()
        if key is None or key == CONTINUE:
            running = True
        elif key == QUIT:
            return
        elif key == BACK:
            at = max(at - 2, -1)
