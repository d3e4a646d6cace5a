"""`bpcli trace FILE --html OUT`: run the trace job, keep every step, and make
the page of them (a circuit's graph from the circuit, a script's from the
gates its steps called). No printing: the command writes what this returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..core.addresses import address
from ..core.steps import Step

if TYPE_CHECKING:
    from ..core.engine import Circuit


class TraceJob(Protocol):
    """What the page needs of a trace job (the command line's ``views.TraceJob``):
    its circuit (None for a script), how many steps, and the steps themselves."""

    circuit: Circuit | None
    total: int | None

    def steps(self, emit: Callable[[int, Step], None]) -> None: ...


def trace_page(job: TraceJob, title: str, precision: int) -> tuple[str, str]:
    """The page's HTML, and what it had to leave undrawn ("" when nothing)."""
    from ..i18n import _
    from .layout import from_circuit, from_events
    from .page import collect, page

    c = job.circuit
    initial: dict[str, dict[str, Any]] = {}
    subtitle = _("a script traced as it ran")
    if c is not None:  # the inputs and literals as the file gives them, before step 1
        from ..core.engine import GATE

        for name, kind, u in zip(c.names, c.kinds, c.units, strict=False):
            if kind != GATE:
                initial[name] = {"value": float(u.value), "grad": 0.0, "id": address(id(u))}
        facts = (
            c.description,
            _("output {name}").format(name=c.output_name),
            _("step size {size}").format(size=repr(c.step_size)),
        )
        subtitle = " · ".join(part for part in facts if part)
    found: list[tuple[int, Step]] = []
    job.steps(lambda k, s: found.append((k, s)))
    steps = collect(found, precision, job.total)
    graph = from_circuit(c) if c is not None else from_events(s.event for s in steps)
    return page(title, graph, steps, initial, precision, subtitle)
