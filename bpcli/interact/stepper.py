"""``trace --step``: show one step, wait for a key, show the next.

Keys (read by ``keys``): Enter, space or ``n`` next; ``b`` back one step,
shown in place of the current one; ``g N`` go to step N; ``/NAME`` on to the
next step that touches that unit or gate; ``c`` run to the end; ``q`` quit;
``?`` (or any other key) the keys. Steps are kept as they come, so that any
step seen can be shown again; a jump forward keeps the steps it passes over
without showing them. From a pipe, a step shown again comes after a
``── back to step N ──`` line instead of in place. With ``--quiz`` the
``quiz`` asks for each backward write before its step is shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..i18n import _
from .keys import (
    BACK,
    CONTINUE,
    FIND,
    GOTO,
    HELP,
    KEY_HELP,
    NEXT,
    PROMPT,
    PROMPT_NARROW,
    QUIT,
    Keys,
    Quit,
)

if TYPE_CHECKING:
    from ..core.steps import Step
    from .quiz import Quiz


class Seen(NamedTuple):
    number: int
    step: Step
    text: str


class Goal(NamedTuple):
    """A jump forward past the steps seen: to step ``number``, or to the next step
    after ``after`` that touches ``name``."""

    number: int = 0
    name: str = ""
    after: int = 0

    def reached(self, number: int, step: Step) -> bool:
        if self.name:
            return step.touches({self.name}, {self.name})
        return number >= self.number

    def missed(self, last: int) -> str:
        if self.name:
            return _("no step after {number} touches {name}").format(
                number=self.after, name=self.name
            )
        return _("no step {number}: the trace ended at step {last}").format(
            number=self.number, last=last
        )


def _on_to(number: int) -> str:
    """The line before a step shown after a jump forward."""
    return _("── on to step {number} ──").format(number=number) + "\n"


_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def terminal_size() -> tuple[int, int]:
    """(columns, lines) of the terminal standard output is: its own, else
    $COLUMNS and $LINES, else 80 × 24."""
    try:
        size = os.get_terminal_size(1)
        if size.columns > 0 and size.lines > 0:
            return size.columns, size.lines
    except (OSError, ValueError):
        pass
    env = [os.environ.get(name, "") for name in ("COLUMNS", "LINES")]
    columns, lines = (int(v) if v.isdigit() and int(v) > 0 else 0 for v in env)
    return columns or 80, lines or 24


def rows(text: str, columns: int) -> int:
    """How many terminal rows ``text`` (ending in a newline) takes, wrapped at
    ``columns``."""
    import unicodedata

    total = 0
    for line in _ESCAPES.sub("", text).split("\n")[:-1]:
        width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        total += max(1, -(-width // columns))
    return total


class Screen:
    """What the stepper has drawn, so that a step can be shown in place of
    another: on a terminal, the blocks drawn one under another (history index
    and rows, messages counted with the block above them) and the cursor's row
    (taken to start at the bottom, as on a terminal in use: a block is never
    thought on the screen when it has scrolled off), erased by moving the cursor
    up and clearing to the end of the screen; elsewhere, a marker line."""

    def __init__(
        self, write: Callable[[str], None], inplace: bool, size: Callable[[], tuple[int, int]]
    ) -> None:
        self.write, self.inplace, self.size = write, inplace, size
        self.blocks: list[tuple[int, int]] = []
        self.row: int | None = None  # None: the bottom row, as far as is known

    def put(self, index: int, text: str, lead: str = "") -> None:
        """``text`` under what is there (``lead``, already written, counted with it)."""
        self.write(text)
        if self.inplace:
            self.blocks.append((index, self._wrote(lead + text)))

    def say(self, text: str) -> None:
        self.write(text)
        if self.inplace:
            n = self._wrote(text)
            if self.blocks:
                index, m = self.blocks[-1]
                self.blocks[-1] = (index, m + n)

    def forget(self) -> None:
        """Something else was written (a script's own prints): only what comes next is known."""
        self.blocks.clear()
        self.row = None

    def instead(self, index: int, text: str, marker: str) -> None:
        """Show ``text`` in place of the last block."""
        if not self.inplace:
            self.write(marker + text)
            return
        row = self._row()
        for k in range(len(self.blocks) - 1, -1, -1):
            if self.blocks[k][0] == index:  # drawn just above: clear down to it
                below = sum(n for _, n in self.blocks[k + 1 :])
                if below > 0 and row - below - self.blocks[k][1] >= 0:
                    self._erase(below)
                    del self.blocks[k + 1 :]
                    return
                break
        if self.blocks and row - self.blocks[-1][1] >= 0:
            self._erase(self.blocks.pop()[1])
        else:  # its top has scrolled off: it starts on a clear screen
            self.write("\x1b[H\x1b[J")
            self.blocks.clear()
            self.row = 0
        self.put(index, text)

    def _row(self) -> int:
        return self.size()[1] - 1 if self.row is None else self.row

    def _wrote(self, text: str) -> int:
        columns, lines = self.size()
        n = rows(text, columns)
        self.row = min(self._row() + n, lines - 1)
        return n

    def _erase(self, n: int) -> None:
        self.write(f"\r\x1b[{n}A\x1b[J")
        self.row = self._row() - n


class Stepper:
    """Shows each step as it is offered and waits for a key before the next: the
    caller (a circuit's loop, or a script's own run) goes on when `offer`
    returns; `finish` when it has no more steps. `q` raises ``Quit``."""

    def __init__(
        self,
        keys: Keys,
        write: Callable[[str], None],
        prompt: Callable[[str], None],
        *,
        inplace: bool = False,
        total: int | None = None,
        live: bool = False,
        quiz: Quiz | None = None,
        size: Callable[[], tuple[int, int]] = terminal_size,
    ) -> None:
        self.keys, self.prompt, self.total, self.live, self.quiz = keys, prompt, total, live, quiz
        self.screen = Screen(write, inplace, size)
        self.size = size
        self.history: list[Seen] = []  # every step so far, for `b` and `g`
        self.at = -1  # the one shown now
        self.goal: Goal | None = None
        # From a pipe, a quiz reads answers only: no keys between the steps.
        self.running_on = quiz is not None and not keys.tty
        self.quit = False

    def offer(self, number: int, step: Step, text: str) -> None:
        """The newest step: shown (after its quiz), or kept while a jump passes it;
        returns when the user asks for the next."""
        self.history.append(Seen(number, step, text))
        index = len(self.history) - 1
        if self.live:
            self.screen.forget()
        if self.running_on:
            lead = self._ask(number, step)
            self.screen.put(index, text, lead)
            self.history.clear()
            return
        marker = ""
        if self.goal is not None:
            if not self.goal.reached(number, step):
                return
            self.goal = None
            marker = _on_to(number)
            self.screen.say(marker)
        lead = self._ask(number, step)
        self.screen.put(index, text, lead)
        self.at = index
        self._wait()

    def finish(self) -> None:
        """No more steps: a jump that found none says so, and the steps seen can
        still be paged until the user moves past the last."""
        while self.goal is not None and not self.quit and not self.running_on:
            last = self.history[-1].number if self.history else 0
            self.screen.say(self.goal.missed(last) + "\n")
            self.goal = None
            self._wait()

    def _ask(self, number: int, step: Step) -> str:
        if self.quiz is None:
            return ""
        if self.total:
            where = _("step {number}/{total}").format(number=number, total=self.total)
        else:
            where = _("step {number}").format(number=number)
        return self.quiz.ask(where, step)

    def _wait(self) -> None:
        """Keys, until one asks for a step not seen yet."""
        while True:
            columns = self.size()[0]
            self.prompt(prompt_for(columns))
            key = self.keys.read()
            self.prompt("")  # the prompt goes once a key is pressed
            if key is None or key.action == CONTINUE:  # run on to the end
                for seen in self.history[self.at + 1 :]:
                    self.screen.put(len(self.history), seen.text)
                self.running_on = True
                self.history.clear()
                return
            action = key.action
            if action == QUIT:
                self.quit = True
                raise Quit
            if action == NEXT:
                if self.at + 1 == len(self.history):
                    return  # at the newest: on to the next step
                self._show(self.at + 1)
            elif action == BACK:
                if self.at == 0:
                    self.screen.say(_("already at the first step") + "\n")
                else:
                    self._show(self.at - 1)
            elif action in (GOTO, FIND) and key.arg is not None and self._jump(action, key.arg):
                return
            elif action == HELP:
                unknown = (
                    ""
                    if key.raw in ("?", "h", "H")
                    else _("{key} does nothing here").format(key=repr(key.raw)) + "\n"
                )
                self.screen.say(unknown + _(KEY_HELP) + "\n")

    def _show(self, index: int) -> None:
        """A step seen already: under this one when it is the next, else in its place."""
        seen = self.history[index]
        if index == self.at + 1:
            self.screen.put(index, seen.text)
        elif index < self.at:
            back = _("── back to step {number} ──").format(number=seen.number) + "\n"
            self.screen.instead(index, seen.text, back)
        else:
            self.screen.say(_on_to(seen.number))
            self.screen.put(index, seen.text)
        self.at = index

    def _jump(self, action: str, typed: str) -> bool:
        """`g N` or `/NAME`: whether the step is still to come (the stepper must
        wait for it)."""
        return self._goto(typed) if action == GOTO else self._find(typed)

    def _goto(self, typed: str) -> bool:
        """`g N`: whether the step is still to come (the stepper must wait for it)."""
        if not typed.isdigit() or int(typed) < 1 or (self.total and int(typed) > self.total):
            steps = (
                _("the steps are 1 to {total}").format(total=self.total)
                if self.total
                else _("the steps are 1 on")
            )
            what = (
                _("no step {number}").format(number=typed)
                if typed.isdigit()
                else _("not a step number: {typed}").format(typed=repr(typed))
            )
            self.screen.say(f"{what}: {steps}\n")
            return False
        number = int(typed)
        here = self.history[self.at].number
        if number == here:
            self.screen.say(_("already at step {number}").format(number=number) + "\n")
            return False
        if number <= self.history[-1].number:  # seen: the first kept from there on
            self._show(next(k for k, s in enumerate(self.history) if s.number >= number))
            return False
        self.goal = Goal(number=number)
        return True

    def _find(self, name: str) -> bool:
        """`/NAME`: whether the step is still to come."""
        if not name:
            self.screen.say(_("type a unit's or a gate's name after /") + "\n")
            return False
        goal = Goal(name=name, after=self.history[self.at].number)
        for k in range(self.at + 1, len(self.history)):
            if goal.reached(self.history[k].number, self.history[k].step):
                self._show(k)
                return False
        self.goal = goal
        return True


def prompt_for(columns: int) -> str:
    """The key line at a width: every key with its word, or (narrow) every key
    with [?] to tell them; never a key cut off (below ~40 columns, the keys
    alone)."""
    for said in (_(PROMPT), _(PROMPT_NARROW)):
        if len(said) < columns:
            return said
    return "[Enter] [b] [g] [/] [c] [q] [?]"
