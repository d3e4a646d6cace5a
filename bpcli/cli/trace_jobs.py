"""What `bpcli trace` shows, for a circuit file and for a Python script: the
steps (numbered), filtered by ``--gate`` and ``--unit``, with the step where a
``--mistake`` run parts from the correct one marked; a script's as it runs.
No printing here: the CLI writes the job with the view the user chose."""

from __future__ import annotations

from typing import NamedTuple

from ..core.engine import Circuit
from ..core.errors import UsageProblem
from ..core.steps import Step
from ..i18n import _
from .views import Emit, TraceJob


class ScriptOptions(NamedTuple):
    """How a script is run and watched: --python, --methods, --value-attr,
    --grad-attr, --passes."""

    python: str | None
    methods: tuple[str, ...]
    value_attr: str | None
    grad_attr: str
    passes: int | None

    @classmethod
    def given(
        cls,
        python: str | None,
        methods: str,
        value_attr: str | None,
        grad_attr: str,
        passes: int | None,
    ) -> ScriptOptions:
        names = tuple(m.strip() for m in methods.split(",") if m.strip())
        return cls(python, names, value_attr, grad_attr, passes)


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
        given: ScriptOptions,
        selection: Selection,
        json: bool,
        sync: bool,
    ) -> None:
        from ..script.launch import find_python
        from ..script.run import Run, Watch

        if path == "-":
            raise UsageProblem(_("a script is run from its file: give its path, not -"))
        self.selection, self.json = selection, json
        _spelled(path, selection)
        watch = Watch(given.methods, given.value_attr, given.grad_attr, given.passes)
        self.python = find_python(given.python)
        self.script = Run(self.python, path, argv, watch, sync, output_to_stderr=json)
        self.seen_gates: set[str] = set()
        self.seen_units: set[str] = set()

    def run(self, emit: Emit) -> int:
        seen = self.script.seen

        def numbered(step: Step) -> None:
            if step.gate is not None:
                self.seen_gates.add(step.gate)
            self.seen_units.update(v.unit for v in step.slots)
            self.seen_units.update(w.unit for w in step.writes)
            if self._shows(step):
                emit(self.script.count, step)

        self.names = seen.names
        return self.script.run(numbered)

    def _shows(self, step: Step) -> bool:
        """--gate, --unit: by any name the object has had (a name can get better)."""
        sel = self.selection
        return not sel or step.touches(set(sel.gates), set(sel.units))

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
        from ..script.notes import after_run

        return after_run(self.script)


def trace_script(
    path: str,
    argv: list[str],
    given: ScriptOptions,
    selection: Selection,
    paged: bool,
    json: bool,
    live_text: bool,
) -> tuple[TraceJob, ScriptTrace]:
    """Run the script, watched, as the job is written (its output to standard
    error for JSON, so that standard output stays JSON). A text trace waits at
    each step, so that its lines come between the script's own prints."""
    script = ScriptTrace(path, argv, given, selection, json, sync=paged or live_text)
    job = TraceJob(script.run, None, paged=paged, live=True)
    script.script.handoff = lambda: job.handoff()  # --step: the terminal back to the script
    script.script.idle = lambda: job.idle()  # before bpcli waits for the script: all shown
    job.summary = script.script.seen.summary
    return job, script


def _spelled(path: str, selection: Selection) -> None:
    """--gate and --unit, checked before the script runs, as far as its text
    tells: a name none of whose words the script (or a file beside it) spells
    can name none of its objects."""
    if not selection:
        return
    from ..script.source import could_name, words

    known = words(path)
    for option, wanted in (("--gate", selection.gates), ("--unit", selection.units)):
        for name in sorted(wanted):
            if not could_name(name, known):
                from ..core.errors import did_you_mean

                said = (
                    _("no gate named {name}: the script spells no such name")
                    if option == "--gate"
                    else _("no unit named {name}: the script spells no such name")
                ).format(name=repr(name))
                hint = did_you_mean(name, sorted(known))
                raise UsageProblem(f"{said} ({hint})" if hint else said, option)
