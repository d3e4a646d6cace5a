"""The mistake zoo: classic slips in hand-written gate code, replayed. No I/O.

Each mistake is one row of ``MISTAKES`` that says, in its own fields, which
part of the passes it changes, exactly as the slip would in the guide's code:
what forward() stores in its slots, how backward() writes (``=`` or ``+=``),
the order of the backward calls, whether the grads are zeroed, or the local
derivative. The passes below read those fields; nothing here compares a
mistake's name. `bpcli run --mistake NAME` shows the mistaken run next to
the correct one, on the same Unit and gate objects.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from ..i18n import N_, _
from ..i18n.worded import Worded
from .engine import Circuit, Gate, drain, in_passes, run_passes
from .gates import Op

RIGHT, WRONG, LOST, PILED_UP = "right", "wrong", "lost", "piled up"  # the verdicts
_SAID = {WRONG: "", LOST: N_("no gradient reached it"), PILED_UP: ""}  # their own words


def _swapped(op: Op, values: list[float], local: list[float]) -> list[float]:
    """The multiply's slip: u0's local derivative is u1's value; the slip takes
    u0's own. Read from the registry: it applies to every op whose u0 derivative
    is the other input's value (`b`), and only there."""
    if op.local_code[:1] == ("b",):
        return [values[0], *local[1:]]
    return local


class Mistake(NamedTuple):
    name: str
    slip: str  # the line of code that is wrong (its comment after "# " marked N_)
    explanation: str  # marked N_, shown with _()
    # Said of an input whose gradient it spoils, given how many gate slots it
    # feeds: English (JSON's `why`), worded by in_words() where a view shows it.
    why: Callable[[int], str]
    # What the slip changes (the defaults are the correct code):
    copies: bool = False  # forward() stores copies of its input Units, not the Units
    assigns: bool = False  # backward() writes `=` where `+=` belongs
    forward_order: bool = False  # backward() called in forward order, not reversed
    zeroes: bool = True  # every grad set to 0 before each backward pass
    local: Callable[[Op, list[float], list[float]], list[float]] | None = None
    judged_last: bool = False  # it shows only over iterations: judge the last pass
    # Whether `why` explains a spoilt input, given its verdict and how many gate
    # slots it feeds (else the verdict's own words).
    explains: Callable[[str, int], bool] = lambda verdict, slots: True


MISTAKES: dict[str, Mistake] = {
    m.name: m
    for m in [
        Mistake(
            "assign",
            "self.u0.grad = local * self.utop.grad   # " + N_("instead of +="),
            N_(
                "backward() assigns its pull instead of adding it. A Unit that feeds several "
                "gate slots (a fan-out) should receive the sum of their pulls; with `=`, each "
                "write overwrites the one before, and only the last gate's pull survives. "
                "Units that feed one slot come out right, which is why this slip hides."
            ),
            lambda slots: Worded.ngettext(
                "it feeds {slots} slot: each write overwrote the one before",
                "it feeds {slots} slots: each write overwrote the one before",
                slots,
                slots=slots,
            ),
            assigns=True,
            explains=lambda verdict, slots: slots > 1,
        ),
        Mistake(
            "copy",
            "self.u0 = Unit(u0.value, u0.grad)   # " + N_("a copy, not the Unit itself"),
            N_(
                "forward() stores copies of its input Units instead of the Units themselves. "
                "backward() then writes each grad into a copy that nobody else holds, so no "
                "gradient ever reaches the inputs (or the gates before): this is what would "
                "happen if the slots were not the same object. The ids in the table show it."
            ),
            lambda slots: Worded(N_("backward wrote into copies nobody else holds")),
            copies=True,
        ),
        Mistake(
            "no-zero-grad",
            "# " + N_("(every grad is not reset to 0 before backward)"),
            N_(
                "Gradients are not set to 0 before each backward pass. The gate outputs are "
                "new Units each forward pass, but the inputs are the same objects, so their "
                "grads pile up: each iteration adds its pulls to the sum of all the previous "
                "ones, and the steps grow. Run with -n to watch it."
            ),
            lambda slots: Worded(N_("the grads of all iterations add up")),
            zeroes=False,
            judged_last=True,
            explains=lambda verdict, slots: verdict == PILED_UP,
        ),
        Mistake(
            "forward-order",
            "for g in gates: g.backward()   # " + N_("instead of reversed(gates)"),
            N_(
                "backward() is called gate by gate in forward order. Each gate reads "
                "utop.grad before the gate after it has written it, so it passes back 0 "
                "(or a stale value): only the last gate, whose utop was seeded, gets it right."
            ),
            lambda slots: Worded(N_("its gate ran backward before anyone wrote its utop.grad")),
            forward_order=True,
        ),
        Mistake(
            "swap",
            "self.u0.grad += self.u0.value * self.utop.grad   # " + N_("needs u1.value"),
            N_(
                "The multiply gate's backward() uses u0.value where it needs u1.value. The "
                "local derivative of u0·u1 by u0 is u1: with the wrong one, every Unit fed "
                "into a multiply's first slot gets a wrong gradient, unless u0 happens to "
                "equal u1."
            ),
            lambda slots: Worded(
                N_("a multiply's u0: its local derivative took u0.value for u1.value")
            ),
            local=_swapped,
        ),
    ]
}


def _forward(c: Circuit, m: Mistake) -> Iterator[object]:
    if not m.copies:
        return c.forward_steps()
    return _forward_with_copies(c)


def _forward_with_copies(c: Circuit) -> Iterator[object]:
    units = c.units
    for g in c.gates:
        # A copy of each Unit, of its own class (a literal's copy is still a literal).
        copies = [type(units[i])(units[i].value, units[i].grad) for i in g.args]
        units[g.out] = g.forward(*copies)
        yield g
    c.computed = True


def _backward(c: Circuit, m: Mistake) -> Iterator[object]:
    """Yields after the seed, then after each gate's (mistaken) backward()."""
    if m.zeroes:
        for u in c.units:
            u.grad = 0.0
    c.units[c.output].grad = 1.0
    yield None
    gates: Iterable[Gate] = c.gates if m.forward_order else reversed(c.gates)
    plain = not m.assigns and m.local is None
    for g in gates:
        if plain:
            g.backward()
        else:
            _mistaken_backward(g, m)
        yield g


def _mistaken_backward(g: Gate, m: Mistake) -> None:
    """The gate's backward() with the slip in it; errors name the gate's line."""
    inputs = g.inputs()
    local = list(g.locals_now())
    if m.local is not None:
        local = m.local(g.op, [u.value for _, u in inputs], local)
    upstream = g.utop.grad
    for (slot, u), d in zip(inputs, local, strict=True):
        g.pull(slot, u, d, upstream, add=not m.assigns)


def _calls(c: Circuit, m: Mistake, phase: str) -> Iterator[object]:
    """One pass with the mistake in the code, yielding after each call."""
    if phase == "forward":
        return _forward(c, m)
    if phase == "backward":
        return _backward(c, m)
    return c.update_steps()


def mistaken_steps(
    c: Circuit, m: Mistake, iterations: int = 1, update: bool = True
) -> Iterator[object]:
    """Yields after each call, in the order `trace` shows them, what it called:
    the gate, None for the seed, the index of the input updated."""
    note = _(", with the mistake '{name}'").format(name=m.name)
    for _p, _i, call in in_passes(iterations, update, lambda p, _i: _calls(c, m, p), note):
        yield call


def mistaken_passes(
    c: Circuit, m: Mistake, iterations: int = 1, update: bool = True
) -> Iterator[tuple[str, int]]:
    """Like run_passes, with the mistake in the code: yields after each pass."""
    note = _(", with the mistake '{name}'").format(name=m.name)

    def one_call(phase: str, _i: int) -> list[None]:
        return [drain(_calls(c, m, phase))]

    for phase, it, _call in in_passes(iterations, update, one_call, note):
        yield phase, it


class Comparison(NamedTuple):
    unit: str
    correct: float  # first backward pass
    mistaken: float
    correct_last: float  # last backward pass
    mistaken_last: float
    verdict: str  # right, wrong, lost, piled up
    why: str  # English (JSON's `why`); a text view shows in_words(why)


def compare(
    names: list[str],
    first: tuple[dict[str, float], dict[str, float]],
    last: tuple[dict[str, float], dict[str, float]],
    holders: dict[str, int],
    m: Mistake,
) -> list[Comparison]:
    rows = []
    for name in names:
        a, b = first[0][name], first[1][name]
        a_last, b_last = last[0][name], last[1][name]
        # Judged on the first backward pass, where both runs start from the same
        # values, unless the mistake shows only later (grads that pile up).
        x, y = (a_last, b_last) if m.judged_last else (a, b)
        if x == y:
            verdict, why = RIGHT, ""
        else:
            verdict = LOST if y == 0.0 else PILED_UP if m.judged_last else WRONG
            slots = holders.get(name, 0)
            why = m.why(slots) if m.explains(verdict, slots) else _SAID[verdict]
        rows.append(Comparison(name, a, b, a_last, b_last, verdict, why))
    return rows


class Lesson:
    """A run with a mistake, and the correct run beside it, for the comparison."""

    def __init__(self, circuit: Circuit, mistake: Mistake, iterations: int, update: bool) -> None:
        self.circuit, self.mistake = circuit, mistake
        self.iterations, self.update = iterations, update
        self.correct = copy.deepcopy(circuit)  # before any pass: its own fresh Units
        self.grads: dict[str, list[dict[str, float]]] = {"correct": [], "mistaken": []}
        self._record(self.correct, run_passes(self.correct, iterations, update), "correct")

    def _inputs(self, c: Circuit) -> dict[str, float]:
        return {c.names[i]: c.units[i].grad for i in c.inputs}

    def _record(self, c: Circuit, passes: Iterator[tuple[str, int]], key: str) -> None:
        for phase, _it in passes:
            if phase == "backward":
                self.grads[key].append(self._inputs(c))

    def passes(self) -> Iterator[tuple[str, int]]:
        for phase, it in mistaken_passes(self.circuit, self.mistake, self.iterations, self.update):
            if phase == "backward":
                self.grads["mistaken"].append(self._inputs(self.circuit))
            yield phase, it

    def comparison(self) -> list[Comparison]:
        c = self.circuit
        holders = {c.names[i]: 0 for i in c.inputs}
        for g in c.gates:
            for i in g.args:
                if c.names[i] in holders:
                    holders[c.names[i]] += 1
        right, wrong = self.grads["correct"], self.grads["mistaken"]
        if not right or not wrong:
            return []  # no backward pass ran (-n 0): nothing to compare
        names = [c.names[i] for i in c.inputs]
        return compare(names, (right[0], wrong[0]), (right[-1], wrong[-1]), holders, self.mistake)
