"""The mistake zoo: classic slips in hand-written gate code, replayed. No I/O.

Each mistake changes one thing in how the passes run, exactly as the slip
would in the guide's code, on the same Unit and gate objects. `bpcli run
--mistake NAME` shows the mistaken run next to the correct one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, NamedTuple

from .engine import INF, Circuit, Unit, drain, in_passes, run_passes
from .errors import CircuitError


class Mistake(NamedTuple):
    name: str
    slip: str  # the line of code that is wrong
    explanation: str


MISTAKES = {
    m.name: m
    for m in [
        Mistake(
            "assign",
            "self.u0.grad = local * self.utop.grad   # instead of +=",
            "backward() assigns its pull instead of adding it. A Unit that feeds several "
            "gate slots (a fan-out) should receive the sum of their pulls; with `=`, each "
            "write overwrites the one before, and only the last gate's pull survives. "
            "Units that feed one slot come out right, which is why this slip hides.",
        ),
        Mistake(
            "copy",
            "self.u0 = Unit(u0.value, u0.grad)   # a copy, not the Unit itself",
            "forward() stores copies of its input Units instead of the Units themselves. "
            "backward() then writes each grad into a copy that nobody else holds, so no "
            "gradient ever reaches the inputs (or the gates before): this is what would "
            "happen if the slots were not the same object. The ids in the table show it.",
        ),
        Mistake(
            "no-zero-grad",
            "# (every grad is not reset to 0 before backward)",
            "Gradients are not set to 0 before each backward pass. The gate outputs are "
            "new Units each forward pass, but the inputs are the same objects, so their "
            "grads pile up: each iteration adds its pulls to the sum of all the previous "
            "ones, and the steps grow. Run with -n to watch it.",
        ),
        Mistake(
            "forward-order",
            "for g in gates: g.backward()   # instead of reversed(gates)",
            "backward() is called gate by gate in forward order. Each gate reads "
            "utop.grad before the gate after it has written it, so it passes back 0 "
            "(or a stale value): only the last gate, whose utop was seeded, gets it right.",
        ),
        Mistake(
            "swap",
            "self.u0.grad += self.u0.value * self.utop.grad   # needs u1.value",
            "The multiply gate's backward() uses u0.value where it needs u1.value. The "
            "local derivative of u0·u1 by u0 is u1: with the wrong one, every Unit fed "
            "into a multiply's first slot gets a wrong gradient, unless u0 happens to "
            "equal u1.",
        ),
    ]
}


def _finite(x: float, where: str) -> float:
    if not -INF < x < INF:
        raise CircuitError.at(1, 1, f"the mistaken run overflows at {where}")
    return x


def _forward_with_copies(c: Circuit) -> Iterator[None]:
    units = c.units
    for g in c.gates:
        copies = [Unit(units[i].value, units[i].grad) for i in g.args]
        units[g.out] = g.forward(*copies)
        yield


def _mistaken_backward(c: Circuit, name: str) -> Iterator[None]:
    """Yields after the seed, then after each gate's (mistaken) backward()."""
    if name != "no-zero-grad":
        for u in c.units:
            u.grad = 0.0
    c.units[c.output].grad = 1.0
    yield
    gates = c.gates if name == "forward-order" else list(reversed(c.gates))
    for g in gates:
        if name not in ("assign", "swap") or (name == "swap" and g.op.name != "mul"):
            g.backward()
            yield
            continue
        slots = [(s, u) for s, u in g.held() if s != "utop"]
        top = g.utop
        values = [u.value for _, u in slots]
        local = list(g.op.local(*values, top.value))
        if name == "swap":
            local[0] = values[0]  # the slip: u0.value where u1.value belongs
        for (slot, u), d in zip(slots, local, strict=True):
            pull = _finite(d * top.grad, f"{g.name}.{slot}")
            u.grad = pull if name == "assign" else _finite(u.grad + pull, f"{g.name}.{slot}")
        yield


def _calls(c: Circuit, name: str, phase: str) -> Iterator[object]:
    """One pass with the mistake in the code, yielding after each call."""
    if phase == "forward":
        return _forward_with_copies(c) if name == "copy" else c.forward_steps()
    if phase == "backward":
        return _mistaken_backward(c, name)
    return c.update_steps()


def mistaken_steps(
    c: Circuit, name: str, iterations: int = 1, update: bool = True
) -> Iterator[tuple[str, int]]:
    """Yields after each call (each gate, the seed, each update), in the order
    `trace` shows them."""
    note = f", with the mistake '{name}'"
    for phase, it, _ in in_passes(iterations, update, lambda p, _: _calls(c, name, p), note):
        yield phase, it


def mistaken_passes(
    c: Circuit, name: str, iterations: int = 1, update: bool = True
) -> Iterator[tuple[str, int]]:
    """Like run_passes, with the mistake in the code: yields after each pass."""
    note = f", with the mistake '{name}'"
    for phase, it, _ in in_passes(
        iterations,
        update,
        lambda p, _: [drain(_calls(c, name, p))],
        note,  # a pass, one call
    ):
        yield phase, it


class Comparison(NamedTuple):
    unit: str
    correct: float  # first backward pass
    mistaken: float
    correct_last: float  # last backward pass
    mistaken_last: float
    verdict: str  # right, wrong, lost, piled up
    why: str


def compare(
    names: list[str],
    first: tuple[dict[str, float], dict[str, float]],
    last: tuple[dict[str, float], dict[str, float]],
    holders: dict[str, int],
    mistake: str,
) -> list[Comparison]:
    rows = []
    for name in names:
        a, b = first[0][name], first[1][name]
        a_last, b_last = last[0][name], last[1][name]
        # Judged on the first backward pass, where both runs start from the same
        # values; piling up shows only later, so no-zero-grad is judged on the last.
        x, y = (a_last, b_last) if mistake == "no-zero-grad" else (a, b)
        if x == y:
            verdict, why = "right", ""
        elif y == 0.0:
            verdict, why = "lost", "no gradient reached it"
        elif mistake == "no-zero-grad":
            verdict, why = "piled up", "the grads of all iterations add up"
        else:
            verdict, why = "wrong", ""
        if mistake == "assign" and verdict != "right" and holders.get(name, 0) > 1:
            why = f"it feeds {holders[name]} slots: each write overwrote the one before"
        if mistake == "copy" and verdict != "right":
            why = "backward wrote into copies nobody else holds"
        if mistake == "swap" and verdict != "right":
            why = "a multiply's u0: its local derivative took u0.value for u1.value"
        if mistake == "forward-order" and verdict != "right":
            why = "its gate ran backward before anyone wrote its utop.grad"
        rows.append(Comparison(name, a, b, a_last, b_last, verdict, why))
    return rows


class Lesson:
    """A run with a mistake, and the correct run beside it, for the comparison."""

    def __init__(self, circuit: Circuit, mistake: str, iterations: int, update: bool) -> None:
        self.circuit, self.mistake = circuit, mistake
        self.iterations, self.update = iterations, update
        self.correct = copy.deepcopy(circuit)  # before any pass: its own fresh Units
        self.grads: dict[str, list[dict[str, float]]] = {"correct": [], "mistaken": []}
        self._record(self.correct, run_passes(self.correct, iterations, update), "correct")

    def _inputs(self, c: Circuit) -> dict[str, float]:
        return {c.names[i]: c.units[i].grad for i in c.inputs}

    def _record(self, c: Circuit, passes: Iterator[tuple[str, int]], key: str) -> None:
        for phase, _ in passes:
            if phase == "backward":
                self.grads[key].append(self._inputs(c))

    def passes(self) -> Iterator[tuple[str, int]]:
        for phase, it in mistaken_passes(self.circuit, self.mistake, self.iterations, self.update):
            if phase == "backward":
                self.grads["mistaken"].append(self._inputs(self.circuit))
            yield phase, it

    def comparison(self) -> list[Any]:
        c = self.circuit
        holders = {c.names[i]: 0 for i in c.inputs}
        for g in c.gates:
            for i in g.args:
                if c.names[i] in holders:
                    holders[c.names[i]] += 1
        right, wrong = self.grads["correct"], self.grads["mistaken"]
        names = [c.names[i] for i in c.inputs]
        return compare(names, (right[0], wrong[0]), (right[-1], wrong[-1]), holders, self.mistake)

    def json(self) -> dict[str, Any]:
        rows = self.comparison()
        return {"mistake": {
            "name": self.mistake,
            "inputs": {r.unit: {"correct": r.correct, "mistaken": r.mistaken,
                                "correct_last": r.correct_last, "mistaken_last": r.mistaken_last,
                                "verdict": r.verdict, "why": r.why} for r in rows},
        }}  # fmt: skip
