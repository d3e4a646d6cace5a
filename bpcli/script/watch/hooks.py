"""The watcher's two hooks, and nothing else of the script is touched:

- every call of a watched method (``forward``, ``backward``, or what
  ``--methods`` names; also a method bound under another name, ``forward =
  fwd``) on an object that is no Unit: that object is a gate. On Python 3.12
  and later ``sys.monitoring`` tells, and code that is never a watched method
  costs nothing after its first call; before, ``sys.setprofile``;
- each Unit class (objects with numbers in the value and grad attributes)
  has its ``__setattr__`` wrapped (``writes``), so each write to a value or a
  grad is seen with the line that made it; and each gate class too, so a
  slot the script rewires by hand (``g.u0 = c``) is known;
- Value code's own: each method of a Value's class (an op), each closure of
  Values, each leaf's empty ``_backward`` (``value_steps``).

Only the script's own thread is watched. Nothing of the watcher is ever
raised into the script: if the watcher fails, it stops watching and tells
bpcli where. When watching ends, each class whose ``__setattr__`` is still
the watcher's is as it was. A script that takes the profile hook away (its
own ``sys.setprofile``, or Python's after a ``RecursionError`` inside it)
is noticed at its next write, and bpcli is told where.
"""

from __future__ import annotations

import dis
import sys
from collections.abc import Callable
from threading import get_ident
from types import CodeType, FrameType
from typing import Any

from .reading import Reading, first
from .steps import Quit
from .values import CLOSURE, LEAF, OP, method_of
from .writes import Writes

_MONITORING: Any = getattr(sys, "monitoring", None)  # Python 3.12 and later
_getframe = sys._getframe
_getprofile = sys.getprofile
_setprofile = sys.setprofile
_GENERATORS = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async gen
_INIT = -2  # the role of an __init__ not yet looked at
_OURS = -3  # the role of the watcher's own code
_HERE = __file__.rpartition("hooks.py")[0]  # the watcher's folder
_RETURNS = {dis.opmap[n] for n in ("RETURN_VALUE", "RETURN_CONST") if n in dis.opmap}
_PASS = (KeyboardInterrupt, SystemExit, Quit)  # the script's own, or bpcli's `q`: on their way


class Hooks(Writes):
    def __init__(
        self,
        send: Callable[..., None],
        ask: Callable[[dict[str, Any]], dict[str, Any]] | None,
        methods: list[str],
        value_attr: str | None,
        grad_attr: str,
        iterations: int | None = None,
    ) -> None:
        read = Reading(send, value_attr, grad_attr, self.watch_class)
        super().__init__(send, ask, methods, read, iterations)
        self.grad_attr = grad_attr
        self.attrs = {*read.candidates, grad_attr}  # what a Unit class's writes may be
        self.roles: dict[CodeType, int] = {}  # code -> index in methods, -1 not watched
        self.patched: dict[type, tuple[bool, Any, Any]] = {}  # class -> (own, original, ours)
        self.gate_classes: set[type] = set()
        self.thread = get_ident()
        self.lost = False
        self.inside = False  # in a wrapped __setattr__: a nested one only passes through
        self.busy = False  # the watcher at work within the script's write
        self.probes: list[FrameType] = []  # __init__ calls under way, looked at as they return
        self.calls_on: set[CodeType] = set()  # (sys.monitoring) code whose calls end a line step
        self.monitoring = False
        self.tool = -1
        self._hook = self.profile  # one bound method, to tell it from another hook

    # -- on and off --------------------------------------------------------------------

    def start(self, use_monitoring: bool) -> None:
        self.on = True
        mon = _MONITORING
        if use_monitoring and mon is not None:
            for tool in (4, 3, 5, 2):  # a free tool id; 0-1 are debuggers' and coverage's
                if mon.get_tool(tool) is None:
                    ev = mon.events
                    mon.use_tool_id(tool, "bpcli")
                    mon.register_callback(tool, ev.PY_START, self._started)
                    mon.register_callback(tool, ev.PY_RETURN, self._returned)
                    mon.register_callback(tool, ev.PY_UNWIND, self._unwound)
                    mon.register_callback(tool, ev.CALL, self._calling)
                    mon.set_events(tool, ev.PY_START | ev.PY_UNWIND)
                    self.monitoring, self.tool = True, tool
                    return
        _setprofile(self._hook)

    def stop(self) -> None:
        """Watching ends: hooks off, classes as they were, nothing held."""
        self.on = False
        if self.monitoring:
            mon = _MONITORING
            mon.set_events(self.tool, 0)
            for code in set(self.roles) | self.calls_on:
                mon.set_local_events(self.tool, code, 0)
            for event in ("PY_START", "PY_RETURN", "PY_UNWIND", "CALL"):
                mon.register_callback(self.tool, getattr(mon.events, event), None)
            mon.free_tool_id(self.tool)
            self.monitoring = False
        elif _getprofile() is self._hook:
            _setprofile(None)
        for cls, (had_own, original, ours) in self.patched.items():
            if cls.__dict__.get("__setattr__") is not ours:
                continue  # the script put its own there since: it stays
            try:
                if had_own:
                    cls.__setattr__ = original  # type: ignore[method-assign]
                else:
                    del cls.__setattr__
            except (TypeError, AttributeError):
                pass
        self.patched.clear()
        self.stack.clear()
        self.ops.clear()
        self.queue.clear()
        self.read.objects.forget_all()

    def finish(self) -> None:
        """The script has ended (or stopped): what is left, then the end."""
        if not self.on:
            return
        self._check_hook(None)
        if self.queue:
            self.flush_ops(None)
        while self.stack:  # calls the script left by sys.exit or an exception
            self.pending.extend(self.stack.pop().writes)
        self.flush()
        if self.empty:  # leaves' _backward calls, and closures that wrote nothing
            self.send({"t": "empty", "n": self.empty})
        if not self.read.units:  # nothing held a Unit: what the script does hold, for a hint
            self.send({"t": "hints", **self.read.hints})
        if self.replays is not None and self.ask is not None:
            self.step({"t": "last"})  # check's last pass, judged while its calls are here
        self.stop()

    def fault(self, exc: BaseException, frame: FrameType | None) -> None:
        """The watcher itself failed: it stops watching (the script runs on, as
        under python) and says where, so that bpcli claims nothing after it."""
        try:
            file, line = self.read.where(frame) if frame is not None else (0, 0)
        except Exception:
            file, line = 0, 0
        self.lost = True
        self.send({"t": "lost", "f": file, "l": line, "why": "watcher", "what": type(exc).__name__})
        self.flush()
        self.stop()

    # -- calls: sys.setprofile ---------------------------------------------------------

    def profile(self, frame: FrameType, event: str, arg: object) -> None:
        try:
            if event == "call":
                code = frame.f_code
                role = self.roles.get(code)
                if role is None:
                    role = self._classify(code, frame)
                if role >= 0 and self.on:
                    self.called(frame, code, role)
                    return
                if role == _INIT:
                    self.probes.append(frame)
                elif role == _OURS:
                    return
                if self.pending and not self.busy:  # a line's writes are shown before
                    self.flush()  # anything it calls
                if role <= OP and self.on:
                    self.enter(frame, code, role)
            elif event == "return":
                if self.stack and self.stack[-1].frame is frame:
                    self.returned(arg, frame.f_code.co_code[frame.f_lasti] not in _RETURNS)
                elif self.ops and self.ops[-1].frame is frame:
                    raised = frame.f_code.co_code[frame.f_lasti] not in _RETURNS
                    self.op_returned(frame, arg, raised)
                elif self.probes and self.probes[-1] is frame:
                    self.probes.pop()
                    self._made(frame)
            elif event == "c_call" and self.pending and not self.busy:
                self.flush()
        except _PASS:
            raise
        except BaseException as exc:
            self.fault(exc, frame)

    def enter(self, frame: FrameType, code: CodeType, role: int) -> None:
        """A call of Value code: an op, a closure, a leaf's empty ``_backward``."""
        if role == OP:
            me = first(frame, code)
            if me is not None and self.read.is_unit(me):
                self.op_called(frame, code, me)
        elif role == CLOSURE:
            self.closure_called(frame, code)
        elif role == LEAF:
            self.empty += 1

    def assign(self, code: CodeType, role: int) -> None:
        """A role known before the code's first call (a closure, seen at its op)."""
        if code in self.roles:
            return
        self.roles[code] = role
        if self.monitoring and role == CLOSURE:
            mon = _MONITORING
            mon.set_local_events(self.tool, code, self._local(code, mon.events.PY_RETURN))

    def _made(self, frame: FrameType) -> None:
        """An ``__init__`` returned: if it made a Unit, its class's writes are
        watched from now on (also those before any gate is called). Each
        ``__init__`` is looked at once."""
        code = frame.f_code
        self.roles[code] = -1
        me = first(frame, code)
        if me is not None:
            self.read.is_unit(me)

    # -- calls: sys.monitoring ---------------------------------------------------------

    def _started(self, code: CodeType, offset: int) -> Any:
        if get_ident() != self.thread:
            return None
        try:
            role = self.roles.get(code)
            mon = _MONITORING
            if role is None:
                role = self._classify(code, _getframe(1))
                if role in (-1, _OURS):
                    return mon.DISABLE
                mon.set_local_events(self.tool, code, self._local(code, mon.events.PY_RETURN))
            if role >= 0 and self.on:
                self.called(_getframe(1), code, role)
            elif role <= OP and self.on:
                if self.pending:
                    self.flush()
                self.enter(_getframe(1), code, role)
            elif role == -1:
                return mon.DISABLE  # an __init__ looked at already
        except _PASS:
            raise
        except BaseException as exc:
            self.fault(exc, None)
        return None

    def _returned(self, code: CodeType, offset: int, value: object) -> Any:
        if get_ident() != self.thread:
            return None
        try:
            frame = _getframe(1)
            if self.stack and self.stack[-1].frame is frame:
                self.returned(value, False)
            elif self.ops and self.ops[-1].frame is frame:
                self.op_returned(frame, value, False)
            elif self.roles.get(code) == _INIT:
                self._made(_getframe(1))
        except _PASS:
            raise
        except BaseException as exc:
            self.fault(exc, None)
        return None

    def _unwound(self, code: CodeType, offset: int, exc: BaseException) -> Any:
        if get_ident() != self.thread:
            return None
        try:
            frame = _getframe(1)
            if self.stack and self.stack[-1].frame is frame:
                self.returned(None, True)
            elif self.ops and self.ops[-1].frame is frame:
                self.op_returned(frame, None, True)
        except _PASS:
            raise
        except BaseException as failed:
            self.fault(failed, None)
        return None

    def _calling(self, code: CodeType, offset: int, callee: object, arg0: object) -> Any:
        """A call made by code that left a line's writes waiting: they are a step now."""
        if self.pending and get_ident() == self.thread:
            try:
                self.flush()
            except _PASS:
                raise
            except BaseException as exc:
                self.fault(exc, None)
        return None

    def _local(self, code: CodeType, event: int) -> int:
        """A code object's local events, this one added to those it has."""
        return int(_MONITORING.get_local_events(self.tool, code)) | event

    def pending_in(self, code: CodeType) -> None:
        """(sys.monitoring) a line of ``code`` left writes waiting: its next call ends them."""
        if self.monitoring and code not in self.calls_on:
            self.calls_on.add(code)
            _MONITORING.set_local_events(
                self.tool, code, self._local(code, _MONITORING.events.CALL)
            )

    def _classify(self, code: CodeType, frame: FrameType) -> int:
        """Whether ``code`` is a watched method: its name, or the method of a
        watched name on the class of its first argument (``forward = fwd``)."""
        role = -1
        if code.co_filename.startswith(_HERE):
            role = _OURS  # the watcher's own code (its __setattr__ wrappers): not the script's
        elif code.co_name == "__init__" and code.co_argcount >= 1:
            role = _INIT  # looked at as it returns: does it make a Unit?
        elif code.co_freevars and not code.co_argcount and self._of_values(frame, code):
            role = CLOSURE  # a closure of Values (micrograd's _backward)
        elif code.co_argcount >= 1 and not code.co_flags & _GENERATORS:
            me = first(frame, code)
            if me is not None and self.read.is_unit(me) and method_of(type(me), code):
                role = OP  # a method of a Value's class: what it returns may be new
            elif code.co_name in self.methods:
                role = self.methods.index(code.co_name)
            else:
                me = first(frame, code)
                for k, name in enumerate(self.methods):
                    found = getattr(type(me), name, None) if me is not None else None
                    if getattr(getattr(found, "__func__", found), "__code__", None) is code:
                        role = k
                        break
                if role < 0 and me is not None:
                    self.read.look(frame, code, me)
        self.roles[code] = role
        return role

    def _of_values(self, frame: FrameType, code: CodeType) -> bool:
        """Whether the frame's free variables hold a Value."""
        try:
            local = frame.f_locals
        except Exception:
            return False
        return any(self.read.is_unit(local.get(n)) for n in code.co_freevars)
