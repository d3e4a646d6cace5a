"""The problems found in one circuit file, listed as they are found.

Without ``all_errors`` the first problem stops the parse; with it, the first
``MAX_ERRORS`` problems are listed and the rest only counted, and a fatal one
(after which nothing more can be read) ends the walk.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.errors import CircuitError, Problem
from .text import Pos

Hint = str | Callable[[], str | None] | None  # a callable: worded only if listed

MAX_ERRORS = 200  # with all_errors: stop listing after this many


class Problems:
    def __init__(self, all_errors: bool) -> None:
        self.all_errors = all_errors
        self.found: list[Problem] = []
        self.count = 0  # every problem found, listed or not

    def report(self, pos: Pos, message: str, hint: Hint = None) -> None:
        """A problem; a ``hint`` that costs a search (did you mean?) may come as a
        callable, asked only for the problems listed: past ``MAX_ERRORS`` a
        problem is only counted, so that a file of 10^5 wrong gates costs no
        10^5 searches of 10^5 names."""
        self.count += 1
        if len(self.found) < MAX_ERRORS:
            worded = hint() if callable(hint) else hint
            self.found.append(Problem(pos.line, pos.col, message, worded))
        if not self.all_errors:
            raise CircuitError(self.found)

    def fatal(self, pos: Pos, message: str, hint: str | None = None) -> CircuitError:
        """The error that ends the parse: every problem so far, then this one."""
        return CircuitError(
            [*self.found[: MAX_ERRORS - 1], Problem(pos.line, pos.col, message, hint)]
        )
