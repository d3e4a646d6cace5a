"""What the command line asks of a circuit, checked against it: ``--set``
values, ``--step-size``, and the names ``--gate`` and ``--unit`` follow.

A choice the circuit cannot satisfy is a ``UsageProblem`` (exit status 2) with
a did-you-mean where one fits. No click here: the CLI turns the problem into
its usage error.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .engine import INPUT, Circuit
from .errors import UsageProblem, did_you_mean


def apply(circuit: Circuit, sets: Iterable[str] = (), step_size: float | None = None) -> None:
    """``--set NAME=VALUE`` (each input at most once) and ``--step-size X``."""
    sets = list(sets)
    given = [item.partition("=")[0].strip() for item in sets]
    twice = sorted({n for n in given if given.count(n) > 1})
    if twice:
        raise UsageProblem(f"{twice[0]!r} is set more than once", "--set")
    for item in sets:
        set_input(circuit, item)
    if step_size is not None:
        if not math.isfinite(step_size):
            raise UsageProblem("must be a finite number", "--step-size")
        circuit.step_size = step_size


def set_input(circuit: Circuit, item: str) -> None:
    """One ``--set NAME=VALUE``: the name an input unit, the value a number."""
    from .parser import parse_number

    name, eq, text = item.partition("=")
    name = name.strip()
    if not eq or not name:
        raise UsageProblem(f"expected NAME=VALUE, got {item!r}", "--set")
    i = circuit.index.get(name)
    if i is None or circuit.kinds[i] != INPUT:
        inputs = [circuit.names[k] for k in circuit.inputs]
        what = "is not an input unit" if i is not None else "is not a unit of this circuit"
        extra = did_you_mean(name, inputs) or f"the inputs are: {', '.join(inputs[:20])}"
        raise UsageProblem(f"{name!r} {what}; {extra}", "--set")
    value = parse_number(text)
    if isinstance(value, str):
        raise UsageProblem(f"{name}: {value}", "--set")
    circuit.units[i].value = value


def check_names(circuit: Circuit, gates: Iterable[str], units: Iterable[str]) -> None:
    """``--gate`` and ``--unit`` must name what the circuit has."""
    gate_names = [g.name for g in circuit.gates]
    for option, wanted, known in (("--gate", gates, gate_names), ("--unit", units, circuit.names)):
        for name in wanted:
            if name not in known:
                hint = did_you_mean(name, known) or ""
                raise UsageProblem(f"no {option[2:]} named {name!r}. {hint}".strip(), option)
