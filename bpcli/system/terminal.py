"""What the terminal asks for: colour or not, and how wide a page is. Pure
functions of the --color flag, the environment and whether the stream is a
terminal, so each rule is a line of a table in the tests.

Colour, in this order (the first rule that applies decides):

1. ``--color always`` or ``--color never``: what the user typed wins;
2. ``NO_COLOR`` set and not empty: no colour (https://no-color.org);
3. ``FORCE_COLOR`` set and not empty, whatever its value: colour, even into a
   pipe or a file (https://force-color.org);
4. ``TERM=dumb``: no colour (a terminal that cannot show it);
5. else colour exactly when the output is a terminal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

COLOR_FLAGS = ("auto", "always", "never")


def wants_color(flag: str, env: Mapping[str, str], isatty: bool) -> bool:
    """Whether to draw in colour (the rules above)."""
    if flag == "always":
        return True
    if flag == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return isatty


def terminal_width(tty: bool, env: Mapping[str, str] | None = None, fd: int = 1) -> int:
    """$COLUMNS when it is set, else the terminal's width (standard error's when
    the output goes into a pipe, as `| less` shows it), else 120 into a pipe or
    a file with no terminal at all, and 80 on a terminal that does not say."""
    columns = (os.environ if env is None else env).get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if tty:
        try:
            return os.get_terminal_size(fd).columns or 80
        except (OSError, ValueError):
            return 80
    try:  # into a pipe read on a terminal (`| less`, `| head`): that terminal's width
        return os.get_terminal_size(2).columns or 120
    except (OSError, ValueError):
        return 120
