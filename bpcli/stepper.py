"""``trace --step``: show one step, wait for a key, show the next.

Keys: Enter, space or ``n`` next; ``b`` back one step (the earlier step is
shown again); ``c`` run to the end; ``q`` quit. On a terminal a single
keypress does it; when standard input is a pipe or a file, one line is one
key (an empty line is Enter) and at the end of input the trace runs on to
its end. Nothing here ever opens the terminal behind the user's back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO

import click

NEXT, BACK, CONTINUE, QUIT = "n", "b", "c", "q"
PROMPT = "[Enter/space/n] next  [b] back  [c] continue  [q] quit"
_KEYS = {"": NEXT, " ": NEXT, "\r": NEXT, "\n": NEXT, "n": NEXT, "b": BACK, "c": CONTINUE,
         "q": QUIT, "\x04": QUIT}  # fmt: skip


class Keys:
    """Reads the stepper's keys from standard input."""

    def __init__(self, stdin: IO[str], tty: bool) -> None:
        self.stdin = stdin
        self.tty = tty

    def read(self) -> str | None:
        """The next key (NEXT, BACK, CONTINUE, QUIT), or None at the end of input."""
        while True:
            if self.tty:
                raw = click.getchar()  # Ctrl-C raises KeyboardInterrupt
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
    source = iter(pages)
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
