"""``trace --quiz``: before a backward step is shown, the learner is asked for
each grad it writes, and told right, or wrong with the chain rule worked out
as the step shows it; a score at the end.

An answer is right within 1e-3 of the grad, relatively, or 1e-9 absolutely
near zero. On a terminal a line that is not a number is asked again (Esc
skips the question, ``q`` quits); from a pipe one line is one answer, and a
line that is not a number counts as wrong, so that a pipe never loops. The
end of input ends the quiz: the trace runs on to its end.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..i18n import N_, _, ngettext
from .keys import EndOfInput, Keys, Quit

if TYPE_CHECKING:
    from ..core.steps import Step, Write

RELATIVE, ABSOLUTE = 1e-3, 1e-9


def is_right(answer: float, grad: float) -> bool:
    return math.isfinite(answer) and abs(answer - grad) <= max(RELATIVE * abs(grad), ABSOLUTE)


def questions(step: Step) -> list[Write]:
    """The writes of a backward call that a learner can work out: its grads."""
    if step.phase != "backward" or step.gate is None:
        return []
    return [w for w in step.writes if not w.skipped and w.attr != "value"]


NOT_A_NUMBER = N_("{typed} is not a number. Type the new {attr} (Esc skips it; q and Enter quit)")


class Quiz:
    """Asks, checks and counts. ``explain`` is a write's lines as the trace step
    shows them; ``number`` a number as the trace writes it."""

    def __init__(
        self,
        keys: Keys,
        write: Callable[[str], None],
        explain: Callable[[Step, Write], str],
        number: Callable[[float], str],
    ) -> None:
        self.keys, self.write, self.explain, self.number = keys, write, explain, number
        self.asked = self.right = 0
        self.over = False  # the end of input: no more questions

    def ask(self, where: str, step: Step) -> str:
        """The questions of ``step`` (``where``: its number); what was written, as
        it stays on the screen."""
        said: list[str] = []
        heading = _("quiz · {where} · {call}: the new grads?").format(where=where, call=step.call)
        heading += "\n"
        for w in questions(step):
            if self.over:
                break
            said.append(self._one(step, w, heading))
            heading = ""
        return "".join(said)

    def score(self) -> str:
        return ngettext("{right} of {asked} right", "{right} of {asked} right", self.right).format(
            right=self.right, asked=self.asked
        )

    def _one(self, step: Step, w: Write, heading: str) -> str:
        question = f"{heading}{w.unit}.{w.attr} = ? "
        before = ""  # answers asked again, on a terminal
        while True:
            try:
                typed = self.keys.answer(question, self.write)
            except EndOfInput:
                if self.keys.tty:
                    self.write("\n")
                self.over = True
                return before + question + "\n" if self.keys.tty else ""
            asked = f"{before}{question}{typed or ''}\n"
            if typed is None:  # Esc
                return asked + self._say(_("skipped") + "\n")
            if typed.lower() in ("q", "quit"):
                raise Quit
            try:
                answer: float | None = float(typed)
            except ValueError:
                if self.keys.tty:
                    again = _(NOT_A_NUMBER).format(typed=repr(typed), attr=w.attr)
                    again += "\n"
                    before = asked + self._say(again)
                    question = question[len(heading) :]
                    heading = ""
                    continue
                answer = None
            self.asked += 1
            right = w.grad_after
            if answer is not None and isinstance(right, float) and is_right(answer, right):
                self.right += 1
                return asked + self._say(_("right") + "\n")
            said = (
                "" if answer is not None else _("not a number: {typed}").format(typed=repr(typed))
            )
            said += "\n" if said else ""
            value = right if isinstance(right, str) else self.number(right)
            said += _("wrong: it is {value}").format(value=value) + "\n"
            said += self.explain(step, w)
            return asked + self._say(said)

    def _say(self, text: str) -> str:
        self.write(text)
        return text
