"""What `bpcli trace` shows, for a circuit file and for a Python script: the
steps (numbered), filtered by ``--gate`` and ``--unit``, with the step where a
``--mistake`` run parts from the correct one marked. No printing here: the
CLI writes the job with the view the user chose."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import NamedTuple

from .engine import Circuit
from .errors import UsageProblem, did_you_mean
from .steps import Step
from .views import TraceJob


class Selection(NamedTuple):
    """--gate and --unit: the steps to show (all, when both are empty)."""

    gates: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.gates or self.units)


def trace_circuit(
    name: str,
    circuit: Circuit,
    iterations: int,
    update: bool,
    mistake: str | None,
    selection: Selection,
    paged: bool,
) -> TraceJob:
    from .choices import check_names
    from .tracer import Tracer

    check_names(circuit, selection.gates, selection.units)
    tracer = Tracer(circuit)
    total = tracer.count(iterations, update)
    traced = tracer.steps(iterations, update)
    if mistake:
        import copy

        from .mistakes import MISTAKES, mistaken_steps
        from .tracer import with_mistake

        other = copy.deepcopy(circuit)  # before any pass: its own Units
        shadow = mistaken_steps(other, MISTAKES[mistake], iterations, update)
        traced = with_mistake(traced, circuit, other, shadow)
    steps: Iterator[tuple[int, Step]] = enumerate(traced, 1)
    if selection:
        gates, units = set(selection.gates), set(selection.units)
        steps = ((k, s) for k, s in steps if s.parts or s.touches(gates, units))
    return TraceJob(steps, total, circuit, name, paged)


def trace_script(
    path: str,
    argv: list[str],
    methods: str,
    value_attr: str,
    grad_attr: str,
    selection: Selection,
    paged: bool,
    json: bool,
) -> tuple[TraceJob, list[str]]:
    """Run the script (its output to standard error for JSON, so standard output
    stays JSON); the job, and warnings for the user."""
    from .script_trace import trace_script as run_script

    if path == "-":
        raise UsageProblem("a script is run from its file: give its path, not -")
    names = tuple(m.strip() for m in methods.split(",") if m.strip())
    sink = sys.stderr if json else sys.stdout
    if getattr(sink, "closed_stream", False):
        sink = None  # the script's prints go nowhere, as they would under python
    found, status = run_script(path, argv, sink, names, value_attr, grad_attr)
    warnings = []
    steps: Iterator[tuple[int, Step]] = enumerate(found, 1)
    if selection:
        gates, units = set(selection.gates), set(selection.units)
        steps = ((k, s) for k, s in steps if s.touches(gates, units))
        seen_gates = {s.gate for s in found if s.gate is not None}
        seen_units = {v.unit for s in found for v in s.slots}
        for option, wanted, seen in (("--gate", gates, seen_gates), ("--unit", units, seen_units)):
            for missing in sorted(wanted - seen):
                hint = did_you_mean(missing, seen) or ""
                warnings.append(
                    f"bpcli: warning: {option} {missing}: the script has none by that name. "
                    f"{hint}".rstrip()
                )
    if found and not any(s.slots for s in found):
        warnings.append(
            f"bpcli: warning: the gates held no Unit (an object with numeric {value_attr} "
            f"and {grad_attr}); micrograd-style code: --value-attr data"
        )
    return TraceJob(steps, len(found), paged=paged, status=status), warnings
