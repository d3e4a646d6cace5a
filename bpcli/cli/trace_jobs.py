"""What `bpcli trace` shows, for a circuit file and for a Python script: the
steps (numbered), filtered by ``--gate`` and ``--unit``, with the step where a
``--mistake`` run parts from the correct one marked; a script's as it runs.
No printing here: the CLI writes the job with the view the user chose."""

from __future__ import annotations

import sys
from typing import NamedTuple

from ..core.engine import Circuit
from ..core.errors import UsageProblem
from ..core.steps import Step
from ..i18n import _
from .views import Emit, TraceJob


class Selection(NamedTuple):
    """--gate and --unit: the steps to show (all, when both are empty)."""

    gates: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.gates or self.units)

    def shows(self, step: Step) -> bool:
        return not self or bool(step.parts) or step.touches(set(self.gates), set(self.units))


def trace_circuit(
    name: str,
    circuit: Circuit,
    iterations: int,
    update: bool,
    mistake: str | None,
    selection: Selection,
    paged: bool,
) -> TraceJob:
    from ..core.tracer import Tracer
    from .choices import check_names

    check_names(circuit, selection.gates, selection.units)
    tracer = Tracer(circuit)
    total = tracer.count(iterations, update)

    def run(emit: Emit) -> int:
        traced = tracer.steps(iterations, update)
        if mistake:
            import copy

            from ..core.mistakes import MISTAKES, mistaken_steps
            from ..core.tracer import with_mistake

            other = copy.deepcopy(circuit)  # before any pass: its own Units
            shadow = mistaken_steps(other, MISTAKES[mistake], iterations, update)
            traced = with_mistake(traced, circuit, other, shadow)
        parted = False
        for k, step in enumerate(traced, 1):
            parted = parted or bool(step.parts)
            if selection.shows(step):
                emit(k, step)
        if mistake and not parted:
            job.notes.append(
                "bpcli: note: "  # the prefix tools read: never translated
                + _(
                    "the run with --mistake {mistake} never parts from the correct "
                    "one: in this circuit the slip changes no number"
                ).format(mistake=mistake)
            )
        return 0

    job = TraceJob(run, total, circuit, name, paged)
    return job


class ScriptTrace:
    """A script's trace, and what the user should hear of it afterwards."""

    def __init__(
        self,
        path: str,
        argv: list[str],
        methods: str,
        value_attr: str,
        grad_attr: str,
        selection: Selection,
        json: bool,
    ) -> None:
        if path == "-":
            raise UsageProblem(_("a script is run from its file: give its path, not -"))
        self.path, self.argv, self.selection, self.json = path, argv, selection, json
        self.methods = tuple(m.strip() for m in methods.split(",") if m.strip())
        self.value_attr, self.grad_attr = value_attr, grad_attr
        self.seen_gates: set[str] = set()
        self.seen_units: set[str] = set()
        self.count = 0

    def run(self, emit: Emit) -> int:
        from ..script.runner import run
        from ..script.watcher import Watcher

        def numbered(step: Step) -> None:
            self.count += 1
            if step.gate is not None:
                self.seen_gates.add(step.gate)
            self.seen_units.update(v.unit for v in step.slots)
            if self.selection.shows(step):
                emit(self.count, step)

        from ..script.blame import Judge

        watcher = Watcher(numbered, self.methods, self.value_attr, self.grad_attr)
        watcher.judge = Judge(watcher)  # the steps `bpcli check` would blame, marked
        sink = sys.stderr if self.json else sys.stdout  # JSON stays pure on stdout
        if getattr(sink, "closed_stream", False):
            sink = None  # the script's prints go nowhere, as they would under python
        self.gates_called = watcher
        return run(self.path, self.argv, watcher, sink)

    def unknown_name(self) -> UsageProblem | None:
        """The first --gate or --unit that names nothing the script touched
        (known only once it ran), as a circuit's would be."""
        sel = self.selection
        for option, wanted, seen in (
            ("--gate", sel.gates, self.seen_gates),
            ("--unit", sel.units, self.seen_units),
        ):
            for missing in sorted(wanted - seen):
                from .choices import unknown_name

                return unknown_name(
                    option, missing, sorted(seen), "script", _(" (the script ran to its end)")
                )
        return None

    def warnings(self) -> list[str]:
        found = []
        if self.count == 0:
            found.append(
                "bpcli: warning: "  # the prefix tools read: never translated
                + _(
                    "the script called no method named {methods}: there is nothing to "
                    "trace (--methods names others)"
                ).format(methods=_(" or ").join(self.methods))
            )
        elif not self.seen_units:
            found.append(
                "bpcli: warning: "
                + _(
                    "the gates held no Unit (an object with numeric {value} and {grad}); "
                    "micrograd-style code: --value-attr data"
                ).format(value=self.value_attr, grad=self.grad_attr)
            )
        return found


def trace_script(
    path: str,
    argv: list[str],
    methods: str,
    value_attr: str,
    grad_attr: str,
    selection: Selection,
    paged: bool,
    json: bool,
) -> tuple[TraceJob, ScriptTrace]:
    """Run the script, watched, as the job is written (its output to standard
    error for JSON, so that standard output stays JSON)."""
    script = ScriptTrace(path, argv, methods, value_attr, grad_attr, selection, json)
    return TraceJob(script.run, None, paged=paged, live=True), script
