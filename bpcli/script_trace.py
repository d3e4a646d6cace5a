"""`bpcli trace SCRIPT.py`: watch the learner's own gate code, unchanged.

The script runs as `python SCRIPT.py` would (its own `__main__`, its
arguments, the current directory, its folder first on `sys.path`), with a
profile hook (`sys.setprofile`) that sees every call of a method named
`forward` or `backward` on any object. Such an object is a gate; any object
with numeric `value` and `grad` attributes is a Unit (the names are options).
For each call, the gate's attributes that hold Units are read before and
after, and turned into the same `Step` records a circuit's trace gives.

This runs the user's script with the user's rights: it is their program.
"""

from __future__ import annotations

import os
import re
import runpy
import sys
from types import FrameType
from typing import Any

from .gates import OUT_SLOT
from .tracer import SlotView, Step, Write

_TOKEN = re.compile(r"[\w#]+")  # a name in a call's text, placeholders (Unit#10) whole


class _Names:
    """Names for objects: the variable the script binds them to, else Class#n.

    The objects are kept alive while the script runs, so an id is never reused
    for another object (and one object keeps one name)."""

    def __init__(self) -> None:
        self.by_id: dict[int, str] = {}
        self.keep: list[object] = []
        self.counts: dict[str, int] = {}
        self.placeholders: dict[str, int] = {}  # Class#n -> id, to rename it later
        self.unique: dict[str, int] = {}  # gate names: one object each

    def name(
        self, obj: object, frame: FrameType | None, script: dict[str, Any], unique: bool = False
    ) -> str:
        found = self.by_id.get(id(obj))
        if found is not None and "#" not in found:
            return found
        variable = _bound_name(obj, frame, script)
        if variable is not None and unique and self.unique.setdefault(variable, id(obj)) != id(obj):
            k = 2  # two gates bound to one variable, in turn: gate, gate#2, …
            while self.unique.setdefault(f"{variable}#{k}", id(obj)) != id(obj):
                k += 1
            variable = f"{variable}#{k}"
        if variable is not None:
            self.by_id[id(obj)] = variable
        elif found is None:
            cls = type(obj).__name__
            self.counts[cls] = self.counts.get(cls, 0) + 1
            self.by_id[id(obj)] = variable = f"{cls}#{self.counts[cls]}"
            self.placeholders[variable] = id(obj)
        else:
            return found
        self.keep.append(obj)
        return variable


def _bound_name(obj: object, frame: FrameType | None, script: dict[str, Any]) -> str | None:
    """A variable bound to this very object, in the calling frames or the script."""
    seen = 0
    while frame is not None and seen < 8:
        for scope in (frame.f_locals, frame.f_globals):
            for key, value in scope.items():
                if value is obj and not key.startswith("_") and key != "self":
                    return key
        frame, seen = frame.f_back, seen + 1
    for key, value in script.items():
        if value is obj and not key.startswith("_"):
            return key
    return None


class ScriptWatcher:
    def __init__(
        self,
        methods: tuple[str, ...] = ("forward", "backward"),
        value_attr: str = "value",
        grad_attr: str = "grad",
    ) -> None:
        self.methods = set(methods)
        self.value_attr, self.grad_attr = value_attr, grad_attr
        self.names = _Names()
        self.gates: list[object] = []  # every gate seen, for "same object as"
        self.gate_ids: set[int] = set()
        self.steps: list[Step] = []
        self.calls: list[tuple[FrameType, object, str, dict, list[object], int]] = []
        self.out_slot: dict[int, str] = {}  # gate id -> the attribute its forward() creates
        self.pulls: dict[int, list[float]] = {}
        self.iteration = 0
        self.last_phase = ""
        self.script: dict[str, Any] = {}
        self.script_file = ""

    def is_unit(self, obj: object) -> bool:
        value = getattr(obj, self.value_attr, None)
        grad = getattr(obj, self.grad_attr, None)
        numeric = (int, float)
        return (
            isinstance(value, numeric)
            and not isinstance(value, bool)
            and isinstance(grad, numeric)
            and not isinstance(grad, bool)
        )

    def slots(self, gate: object) -> dict[str, object]:
        """The gate's attributes that hold Units, by attribute name."""
        found: dict[str, object] = {}
        attrs = getattr(gate, "__dict__", {})
        names = list(attrs) + [s for s in getattr(type(gate), "__slots__", ()) if s not in attrs]
        for attr in names:
            if attr.startswith("__"):
                continue
            try:
                obj = getattr(gate, attr)
            except AttributeError:
                continue
            if self.is_unit(obj):
                found[attr] = obj
        return found

    def state(self, gate: object) -> dict[str, tuple[int, float, float]]:
        return {
            attr: (id(u), float(getattr(u, self.value_attr)), float(getattr(u, self.grad_attr)))
            for attr, u in self.slots(gate).items()
        }

    def profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_name in self.methods:
            gate = frame.f_locals.get("self")
            if gate is None or self.is_unit(gate):
                return
            if id(gate) not in self.gate_ids:
                self.gate_ids.add(id(gate))
                self.gates.append(gate)
            code = frame.f_code
            args = [frame.f_locals.get(n) for n in code.co_varnames[1 : code.co_argcount]]
            self.calls.append((frame, gate, code.co_name, self.state(gate), args, len(self.steps)))
        elif event == "return" and self.calls and self.calls[-1][0] is frame:
            _, gate, method, before, args, steps_before = self.calls.pop()
            if len(self.steps) == steps_before:  # a call that held others is a container
                self.record(frame, gate, method, before, args)

    def record(
        self, frame: FrameType, gate: object, method: str, before: dict, call_args: list[object]
    ) -> None:
        caller = frame.f_back
        if method == "forward" and self.last_phase and self.last_phase != "forward":
            self.iteration += 1
            self.pulls.clear()
        if method == "forward":
            self.pulls.clear()
        self.last_phase = method
        gate_name = self.names.name(gate, caller, self.script, unique=True)
        units = self.slots(gate)
        views = []
        writes = []
        written: set[int] = set()
        for attr, u in units.items():
            uid = id(u)
            unit_name = self.names.name(u, caller, self.script)
            value = float(getattr(u, self.value_attr))
            grad = float(getattr(u, self.grad_attr))
            views.append(SlotView(attr, unit_name, uid, value, grad, self.also(gate, attr, u)))
            old = before.get(attr)
            if old is not None and old[0] == uid and old[2] != grad and uid not in written:
                # One write per object: a Unit in two attributes (x * x) changed once, by
                # both pulls together, which the script never shows apart.
                written.add(uid)
                slots = "+".join(a for a, w in units.items() if w is u)
                pulls = self.pulls.setdefault(uid, [])
                pulls.append(grad - old[2])
                writes.append(Write(slots, unit_name, "", None, None, old[2], grad, tuple(pulls)))
        created = [v for v in views if v.slot not in before or before[v.slot][0] != v.id]
        if method == "forward" and created:
            self.out_slot[id(gate)] = created[-1].slot
        new = [v.unit for v in created]
        plain = (int, float, str, bool, type(None))
        args = ", ".join(
            repr(a) if isinstance(a, plain) else self.names.name(a, caller, self.script)
            for a in call_args
        )
        line = caller.f_lineno if caller is not None else 0
        self.steps.append(
            Step(
                method,
                self.iteration,
                f"{gate_name}.{method}({args})",
                gate_name,
                type(gate).__name__,
                type(gate).__name__,
                line,
                tuple(views),
                tuple(writes),
                new=new[-1] if new and method == "forward" else None,
                out_slot=self.out_slot.get(id(gate), OUT_SLOT),
            )
        )

    def also(self, gate: object, slot: str, unit: object) -> tuple[str, ...]:
        """Every other gate attribute holding this very object (this gate's too)."""
        found = []
        for other in self.gates:
            for attr, u in self.slots(other).items():
                if u is unit and not (other is gate and attr == slot):
                    found.append(f"{self.names.name(other, None, self.script, True)}.{attr}")
        return tuple(found)

    def run(self, path: str, argv: list[str], stdout: Any) -> int:
        """Run the script as `python path argv…` would; its exit status."""
        import contextlib
        import traceback

        self.script_file = os.path.abspath(path)
        saved_argv, saved_path0 = sys.argv, sys.path[0]
        sys.argv = [path, *argv]
        sys.path[0] = os.path.dirname(self.script_file)
        status = 0
        globals_seed: dict[str, Any] = {}
        self.script = globals_seed
        try:
            with contextlib.redirect_stdout(stdout):
                sys.setprofile(self.profile)
                try:
                    self.script = runpy.run_path(self.script_file, run_name="__main__")
                finally:
                    sys.setprofile(None)
        except SystemExit as done:
            code = done.code
            status = code if isinstance(code, int) else (0 if code is None else 1)
            if not isinstance(code, int) and code is not None:
                print(code, file=sys.stderr)
        except BaseException as exc:  # the script's own error: shown as Python shows it
            status = 130 if isinstance(exc, KeyboardInterrupt) else 1
            tb = exc.__traceback__
            while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != (
                self.script_file
            ):
                tb = tb.tb_next
            traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
        finally:
            sys.argv = saved_argv
            sys.path[0] = saved_path0
        return status


def trace_script(
    path: str,
    argv: list[str],
    stdout: Any,
    methods: tuple[str, ...],
    value_attr: str,
    grad_attr: str,
) -> tuple[list[Step], int]:
    watcher = ScriptWatcher(methods, value_attr, grad_attr)
    status = watcher.run(path, argv, stdout)
    names = watcher.names
    for obj in names.keep:  # the script's variables at its end name what is still unnamed
        if "#" in names.by_id[id(obj)]:
            bound = _bound_name(obj, None, watcher.script)
            if bound is not None:
                names.by_id[id(obj)] = bound
    return _named(watcher.steps, names.by_id, names.placeholders), status


def _named(steps: list[Step], by_id: dict[int, str], placeholders: dict[str, int]) -> list[Step]:
    """A Unit met before the script named it (a new utop: `ax = mulg0.forward(a, x)`
    binds `ax` only after the call) gets, everywhere, the name it got later."""
    placeholder = {
        old: by_id[uid] for old, uid in placeholders.items() if "#" not in by_id.get(uid, "#")
    }

    def fix(name: str) -> str:
        return placeholder.get(name, name)

    def rename(match: re.Match[str]) -> str:
        return placeholder.get(match.group(), match.group())

    out = []
    for step in steps:
        out.append(
            step._replace(
                call=_TOKEN.sub(rename, step.call) if placeholder else step.call,
                gate=fix(step.gate) if step.gate is not None else None,
                new=fix(step.new) if step.new is not None else None,
                slots=tuple(v._replace(unit=fix(v.unit)) for v in step.slots),
                writes=tuple(w._replace(unit=fix(w.unit)) for w in step.writes),
            )
        )
    return out
