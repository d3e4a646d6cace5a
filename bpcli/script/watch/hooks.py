"""The watcher's two hooks, and nothing else of the script is touched:

- every call of a watched method (``forward``, ``backward``, or what
  ``--methods`` names; also a method bound under another name, ``forward =
  fwd``) on an object that is no Unit: that object is a gate. On Python 3.12
  and later ``sys.monitoring`` tells, and code that is never a watched method
  costs nothing after its first call; before, ``sys.setprofile``;
- each Unit class (objects with numbers in the value and grad attributes)
  has its ``__setattr__`` wrapped, so each write to a value or a grad is seen
  with the line that made it; and each gate class too, so a slot the script
  rewires by hand (``g.u0 = c``) is known.

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

from .objects import MISSING, described, own
from .reading import Reading, first
from .steps import Quit, Stepping

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


class Hooks(Stepping):
    def __init__(
        self,
        send: Callable[..., None],
        ask: Callable[[dict[str, Any]], dict[str, Any]] | None,
        methods: list[str],
        value_attr: str,
        grad_attr: str,
        iterations: int | None = None,
    ) -> None:
        read = Reading(send, value_attr, grad_attr, self.watch_class)
        super().__init__(send, ask, methods, read, iterations)
        self.value_attr, self.grad_attr = value_attr, grad_attr
        self.attrs = {value_attr: 0, grad_attr: 1}
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
        self.read.objects.forget_all()

    def finish(self) -> None:
        """The script has ended (or stopped): what is left, then the end."""
        if not self.on:
            return
        self._check_hook(None)
        while self.stack:  # calls the script left by sys.exit or an exception
            self.pending.extend(self.stack.pop().writes)
        self.flush()
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
            elif event == "return":
                if self.stack and self.stack[-1].frame is frame:
                    self.returned(arg, frame.f_code.co_code[frame.f_lasti] not in _RETURNS)
                elif self.probes and self.probes[-1] is frame:
                    self.probes.pop()
                    self._made(frame)
            elif event == "c_call" and self.pending and not self.busy:
                self.flush()
        except _PASS:
            raise
        except BaseException as exc:
            self.fault(exc, frame)

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
            if self.stack and self.stack[-1].frame is _getframe(1):
                self.returned(value, False)
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
            if self.stack and self.stack[-1].frame is _getframe(1):
                self.returned(None, True)
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
        elif code.co_argcount >= 1 and not code.co_flags & _GENERATORS:
            if code.co_name in self.methods:
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

    # -- writes ------------------------------------------------------------------------

    def watch_class(self, cls: type, gate: bool = False) -> None:
        """Wrap the class's __setattr__ (once, and not again below a wrapped one):
        a Unit's writes of its value and grad, a gate's of a slot."""
        if cls in self.patched or cls.__module__ == "builtins":
            return
        if not gate:
            self.read.objects.born_known.add(cls)
        for klass in cls.__mro__:  # a class above it is wrapped: its writes are seen there
            if getattr(klass.__dict__.get("__setattr__"), "_bpcli_watch", False):
                return
        had_own = "__setattr__" in cls.__dict__
        original: Any = cls.__dict__.get("__setattr__")
        hooks, attrs = self, self.attrs

        def base(obj: object, name: str, value: object) -> None:
            if had_own:
                original(obj, name, value)
            else:  # the next class's, as it is now (the script may patch a base later)
                super(cls, obj).__setattr__(name, value)  # type: ignore[arg-type,misc]

        def __setattr__(obj: object, name: str, value: object) -> None:
            if hooks.inside or not hooks.on or (not gate and name not in attrs):
                base(obj, name, value)
                return
            if gate and hooks.stack and hooks.stack[-1].gate is obj:
                base(obj, name, value)  # in its own call: the call's after-snapshot has it
                return
            hooks.inside = hooks.busy = True  # what is called meanwhile is not the script's line
            try:
                before = own(obj, name)
                base(obj, name, value)
                hooks.inside = False
                if get_ident() == hooks.thread:
                    if gate:
                        hooks._slotted(obj, name, before, value)
                    else:
                        hooks._wrote(obj, name, before, value, _getframe(1))
            finally:
                hooks.inside = hooks.busy = False

        __setattr__._bpcli_watch = True  # type: ignore[attr-defined]
        try:
            cls.__setattr__ = __setattr__  # type: ignore[method-assign,assignment]
        except (TypeError, AttributeError):  # a class that cannot be changed: writes unseen
            return
        self.patched[cls] = (had_own, original, __setattr__)
        if gate:
            self.gate_classes.add(cls)

    def _wrote(self, obj: object, name: str, before: Any, value: object, frame: FrameType) -> None:
        try:
            if not self.on:
                return
            if before is MISSING:
                self.read.objects.born(obj)  # a Unit being made, not a write to show
                return
            self._check_hook(frame)
            self.wrote(obj, self.attrs[name], described(before), described(value), frame)
        except _PASS:
            raise
        except BaseException as exc:
            self.fault(exc, frame)

    def _slotted(self, gate: object, name: str, before: Any, value: object) -> None:
        """A gate's attribute set outside its own watched calls (rewired by the
        script, or by a container): which Unit the slot holds now."""
        try:
            if not self.on or (self.stack and self.stack[-1].gate is gate):
                return
            read = self.read
            was = before is not MISSING and read.is_unit(before)
            now = read.is_unit(value)
            if was or now:
                unit = read.objects.oid(value) if now else None
                self.send({"t": "slot", "g": read.objects.oid(gate), "a": name, "u": unit})
        except _PASS:
            raise
        except BaseException as exc:
            self.fault(exc, None)

    def _check_hook(self, frame: FrameType | None) -> None:
        """sys.setprofile taken back (by the script, or by Python after a
        RecursionError in the hook): said once, with where it was noticed."""
        if self.lost or self.monitoring or _getprofile() is self._hook:
            return
        self.lost = True
        file, line = self.read.where(frame) if frame is not None else (0, 0)
        theirs = _getprofile() is not None
        self.send({"t": "lost", "f": file, "l": line, "why": "theirs" if theirs else "dropped"})
