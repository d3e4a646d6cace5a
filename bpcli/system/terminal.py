"""What the terminal asks for: colour or not, and how wide a page is. Pure
functions of the --color flag, the environment and whether the stream is a
terminal, so each rule is a line of a table in the tests; and ``codes_shown``,
which turns on Windows' console's handling of colour and cursor codes.

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
import sys
from collections.abc import Mapping
from typing import Any

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


_VIRTUAL_TERMINAL = 0x0004  # ENABLE_VIRTUAL_TERMINAL_PROCESSING, a console output mode


def codes_shown(stream: Any) -> bool:
    """Whether a terminal acts on colour and cursor codes rather than printing
    them (``←[32m``): everywhere but Windows' classic console, whose
    virtual-terminal processing is turned on here. False for an old console
    that has none: no colour there, and no drawing in place."""
    if sys.platform != "win32":
        return True
    import ctypes
    import msvcrt

    try:
        handle = msvcrt.get_osfhandle(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return True  # no console under it: the codes are text for a program
    kernel32 = ctypes.windll.kernel32
    mode = ctypes.c_ulong()
    if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
        return True  # a pipe or a file (Windows Terminal's, VS Code's: a pseudo console)
    if mode.value & _VIRTUAL_TERMINAL:
        return True
    return bool(kernel32.SetConsoleMode(handle, mode.value | _VIRTUAL_TERMINAL))
