"""Watching the learner's script as it runs, without changing a line of it.

Two hooks see everything a trace needs, as it happens:

- a profile hook (``sys.setprofile``) sees every call of a watched method
  (``forward``, ``backward``) on any object: that object is a gate;
- each Unit class (any class whose objects hold numbers in ``value`` and
  ``grad``) has its ``__setattr__`` wrapped while the script runs, so every
  write to a Unit's value or grad is seen with the very line that made it:
  ``self.u0.grad += …`` inside a gate's backward(), ``s.grad = 1.0`` and the
  update outside any.

A call becomes a step when it returns (a call that made other watched calls
is a container: its gates' calls are the steps); the writes outside any call
become a step per line of the script. Each step is handed to ``emit`` at once,
so a trace is live. An index from each Unit to the gate slots that hold it,
updated call by call, answers "the same object as" in time linear in the run.
"""

from __future__ import annotations

import contextlib
import dis
import os
import sys
from collections.abc import Callable, Iterator
from threading import get_ident
from types import FrameType
from typing import Any

from ..core.steps import Source, Step
from ..core.tracer import Selves
from ..interact.keys import Quit
from . import source as lines
from .names import Names
from .record import CallRecord, Open, RawWrite, ScriptRecord, as_float, read, value_of
from .steps import call_step, script_step

_RETURNS = {dis.opmap[n] for n in ("RETURN_VALUE", "RETURN_CONST") if n in dis.opmap}


class OutputFailed(BaseException):
    """bpcli could not show a step (its output closed, say): not the script's error."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(str(exc))
        self.exc = exc


class Watcher:
    def __init__(
        self,
        emit: Callable[[Step], None],
        methods: tuple[str, ...] = ("forward", "backward"),
        value_attr: str = "value",
        grad_attr: str = "grad",
        record: bool = False,
    ) -> None:
        self.emit = emit
        self.methods = frozenset(methods)
        self.methods_in_order = tuple(methods)  # the first is forward: it begins an iteration
        self.value_attr, self.grad_attr = value_attr, grad_attr
        self.attrs = frozenset((value_attr, grad_attr))
        self.names = Names()
        self.selves = Selves()
        self.on = False  # the hooks report only while the script itself runs
        self.open: list[Open] = []
        self.pending: list[RawWrite] = []  # writes outside any call, on one line
        self.holders: dict[int, list[str]] = {}  # unit id -> gate.slot holding it
        self.gate_slots: dict[int, dict[str, int]] = {}  # gate id -> slot -> unit id
        self.out_slot: dict[int, str] = {}  # gate id -> what its forward() makes
        self.pulls: dict[int, list[float]] = {}
        self.iteration = 0
        self.last_phase = ""
        self.patched: dict[type, Any] = {}
        self.record = record
        self.events: list[CallRecord | ScriptRecord] = []  # with record: what happened
        self.judge: Any = None  # a blame.Judge that finds what is wrong, step by step
        self.steps = 0
        self.thread = get_ident()  # the script's own thread: others are not watched
        self.shown_paths: dict[str, str] = {}  # a file's full path -> as the user named it

    # -- what is a Unit ----------------------------------------------------------

    def is_unit(self, obj: object) -> bool:
        return read(obj, self.value_attr) is not None and read(obj, self.grad_attr) is not None

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
            except Exception:  # a property that fails: not a Unit, and not bpcli's to raise
                continue
            if self.is_unit(obj):
                found[attr] = obj
                self.watch_class(type(obj))
        return found

    def watch_class(self, cls: type) -> None:
        """Wrap the class's __setattr__, once, to see writes to value and grad."""
        if cls in self.patched or cls.__module__ == "builtins":
            return
        original: Callable[[object, str, object], None] = cls.__setattr__  # type: ignore[assignment]
        watcher = self

        def __setattr__(obj: object, name: str, value: object) -> None:
            if name in watcher.attrs and watcher.on and get_ident() == watcher.thread:
                before = getattr(obj, name, None)
                original(obj, name, value)
                watcher.wrote(obj, name, before, value, sys._getframe(1))
            else:
                original(obj, name, value)

        try:
            cls.__setattr__ = __setattr__  # type: ignore[method-assign,assignment]
        except TypeError:  # a class that cannot be changed: its writes go unseen
            return
        self.patched[cls] = original

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """bpcli's own calls of the script's code (its forward, run again): unseen."""
        was_on, profile = self.on, sys.getprofile()
        self.on = False
        sys.setprofile(None)
        try:
            yield
        finally:
            sys.setprofile(profile)
            self.on = was_on

    def unwatch(self) -> None:
        for cls, original in self.patched.items():
            cls.__setattr__ = original  # type: ignore[method-assign]
        self.patched.clear()

    # -- the hooks ------------------------------------------------------------------

    def profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            code = frame.f_code
            if code.co_name not in self.methods:
                return
            gate = frame.f_locals.get("self")
            if gate is None or self.is_unit(gate):
                return
            self.flush()
            args = [frame.f_locals.get(n) for n in code.co_varnames[1 : code.co_argcount]]
            for a in args:
                if self.is_unit(a):
                    self.watch_class(type(a))
            call = Open(frame, gate, code.co_name, self.state(gate), args)
            call.arg_values = tuple(
                read(a, self.value_attr) if self.is_unit(a) else None for a in args
            )
            self.named(call)
            self.open.append(call)
        elif event == "return" and self.open and self.open[-1].frame is frame:
            call = self.open.pop()
            raised = frame.f_code.co_code[frame.f_lasti] not in _RETURNS
            if call.inner:  # a container: its own writes are the script's
                self.pending.extend(call.writes)
                self.flush()
            else:
                self.finish(call, raised, arg)
            if self.open:
                self.open[-1].inner = True

    def state(self, gate: object) -> dict[str, Any]:
        """slot -> (Unit, grad, value) as a call begins."""
        v, g = self.value_attr, self.grad_attr
        return {attr: (u, value_of(u, g), value_of(u, v)) for attr, u in self.slots(gate).items()}

    def wrote(
        self, unit: object, attr: str, before: object, after: object, frame: FrameType
    ) -> None:
        old, new = as_float(before), as_float(after)
        if old is None or new is None:
            return  # a Unit being made, or something that is not a number
        raw = RawWrite(unit, attr, old, new, frame.f_code.co_filename, frame.f_lineno)
        if self.open:
            self.open[-1].writes.append(raw)
            return
        if self.pending and (self.pending[-1].file, self.pending[-1].line) != (raw.file, raw.line):
            self.flush()
        self.pending.append(raw)

    def named(self, call: Open) -> None:
        """The gate and its arguments named by the line that calls it."""
        caller = call.frame.f_back
        if caller is None:
            call.name = self.names.gate(call.gate, None)
            return
        file, lineno = caller.f_code.co_filename, caller.f_lineno
        call.site = site = lines.call_site(file, lineno, call.method, lines.position(caller))
        call.source = self.source(file, lineno)
        dotted = [t for t in (site.gate, *site.args) if t is not None]
        if any(t.startswith("self.") for t in dotted):
            call.owner = caller.f_locals.get("self")
        call.name = self.names.gate(call.gate, site.gate, call.owner)
        for k, a in enumerate(call.args):
            if self.is_unit(a):
                hint = site.args[k] if k < len(site.args) else None
                self.names.unit(a, hint, caller_self=call.owner)

    # -- steps ------------------------------------------------------------------------

    def source(self, file: str, line: int) -> Source:
        """A line of the script, its file named as the user named it (the script
        itself), else relative to here when it is below, else in full."""
        shown = self.shown_paths.get(file)
        if shown is None:
            relative = os.path.relpath(file) if os.path.isabs(file) else file
            shown = file if relative.startswith("..") else relative
        return Source(shown, line, lines.line(file, line).text)

    def finish(self, call: Open, raised: bool, returned: object) -> None:
        step = call_step(self, call, raised, returned)
        self.steps += 1
        self._emit(step)

    def _emit(self, step: Step) -> None:
        """Hand the step on; a failure of bpcli's own (its output closed) is not the
        script's, and leaves the script as bpcli's own error."""
        try:
            self.emit(step)
        except (Quit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            raise OutputFailed(exc) from exc

    def flush(self) -> None:
        """The writes outside any call, one line's worth, as a step of their own."""
        if not self.pending:
            return
        writes, self.pending = self.pending, []
        self.steps += 1
        self._emit(script_step(self, writes))
