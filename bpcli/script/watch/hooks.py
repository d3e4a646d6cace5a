"""The watcher's two hooks, and nothing else of the script is touched:

- every call of a watched method (``forward``, ``backward``, or what
  ``--methods`` names; also a method bound under another name, ``forward =
  fwd``) on an object that is no Unit: that object is a gate. On Python 3.12
  and later ``sys.monitoring`` tells, and code that is never a watched method
  costs nothing after its first call; before, ``sys.setprofile``;
- each Unit class (objects with numbers in the value and grad attributes) has
  its ``__setattr__`` wrapped, so each write to a value or a grad is seen with
  the line that made it.

Only the script's own thread is watched. When watching ends, every class is
as it was. A script that takes the profile hook away (its own
``sys.setprofile``, or Python's after a ``RecursionError`` inside the hook)
is noticed at its next write, and bpcli is told where.
"""

from __future__ import annotations

import dis
import sys
from collections.abc import Callable
from threading import get_ident
from types import CodeType, FrameType
from typing import Any

from .objects import as_number, number
from .reading import Reading, first
from .steps import Stepping

_MONITORING: Any = getattr(sys, "monitoring", None)  # Python 3.12 and later
_getframe = sys._getframe
_getprofile = sys.getprofile
_setprofile = sys.setprofile
_GENERATORS = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async gen
_INIT = -2  # the role of an __init__ not yet looked at
_RETURNS = {dis.opmap[n] for n in ("RETURN_VALUE", "RETURN_CONST") if n in dis.opmap}


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
        self.patched: dict[type, tuple[bool, Any]] = {}  # class -> (had its own, original)
        self.thread = get_ident()
        self.lost = False
        self.probes: list[FrameType] = []  # __init__ calls under way, to look at as they return
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
            for code, role in self.roles.items():
                if role != -1:
                    mon.set_local_events(self.tool, code, 0)
            for event in (mon.events.PY_START, mon.events.PY_RETURN, mon.events.PY_UNWIND):
                mon.register_callback(self.tool, event, None)
            mon.free_tool_id(self.tool)
            self.monitoring = False
        elif _getprofile() is self._hook:
            _setprofile(None)
        for cls, (own, original) in self.patched.items():
            try:
                if own:
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

    # -- calls: sys.setprofile ---------------------------------------------------------

    def profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            code = frame.f_code
            role = self.roles.get(code)
            if role is None:
                role = self._classify(code, frame)
            if role >= 0 and self.on:
                self.called(frame, code, role)
            elif role == _INIT:
                self.probes.append(frame)
        elif event == "return":
            if self.stack and self.stack[-1].frame is frame:
                self.returned(arg, frame.f_code.co_code[frame.f_lasti] not in _RETURNS)
            elif self.probes and self.probes[-1] is frame:
                self.probes.pop()
                self._made(frame)

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
        role = self.roles.get(code)
        mon = _MONITORING
        if role is None:
            role = self._classify(code, _getframe(1))
            if role == -1:
                return mon.DISABLE
            mon.set_local_events(self.tool, code, mon.events.PY_RETURN)
        if role >= 0 and self.on:
            self.called(_getframe(1), code, role)
        elif role == -1:
            return mon.DISABLE  # an __init__ looked at already
        return None

    def _returned(self, code: CodeType, offset: int, value: object) -> Any:
        if get_ident() != self.thread:
            return None
        if self.stack and self.stack[-1].frame is _getframe(1):
            self.returned(value, False)
        elif self.roles.get(code) == _INIT:
            self._made(_getframe(1))
            _MONITORING.set_local_events(self.tool, code, 0)
        return None

    def _unwound(self, code: CodeType, offset: int, exc: BaseException) -> Any:
        if self.stack and get_ident() == self.thread and self.stack[-1].frame is _getframe(1):
            self.returned(None, True)
        return None

    def _classify(self, code: CodeType, frame: FrameType) -> int:
        """Whether ``code`` is a watched method: its name, or the method of a
        watched name on the class of its first argument (``forward = fwd``)."""
        role = -1
        if code.co_name == "__init__" and code.co_argcount >= 1:
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

    def watch_class(self, cls: type) -> None:
        """Wrap the class's __setattr__ (once, and not again below a wrapped one)."""
        if cls in self.patched or cls.__module__ == "builtins":
            return
        current: Any = cls.__setattr__
        self.read.objects.born_known.add(cls)
        if getattr(current, "_bpcli_watch", False):
            return  # a subclass of a wrapped class: its writes are seen already
        hooks = self
        attrs = self.attrs

        def __setattr__(obj: object, name: str, value: object) -> None:
            if name in attrs and hooks.on:
                before = number(obj, name)
                current(obj, name, value)
                if get_ident() == hooks.thread:
                    hooks._wrote(obj, name, before, value, _getframe(1))
            else:
                current(obj, name, value)

        __setattr__._bpcli_watch = True  # type: ignore[attr-defined]
        own = "__setattr__" in cls.__dict__
        try:
            cls.__setattr__ = __setattr__  # type: ignore[method-assign,assignment]
        except (TypeError, AttributeError):  # a class that cannot be changed: writes unseen
            return
        self.patched[cls] = (own, current)

    def _wrote(
        self, obj: object, name: str, before: float | str | None, value: object, frame: FrameType
    ) -> None:
        if not self.on:
            return
        if before is None:
            self.read.objects.born(obj)  # a Unit being made, not a write to show
            return
        after = as_number(value)
        if after is not None:
            self._check_hook(frame)
            self.wrote(obj, self.attrs[name], before, after, frame)

    def _check_hook(self, frame: FrameType | None) -> None:
        """sys.setprofile taken back (by the script, or by Python after a
        RecursionError in the hook): said once, with where it was noticed."""
        if self.lost or self.monitoring or _getprofile() is self._hook:
            return
        self.lost = True
        file, line = self.read.where(frame) if frame is not None else (0, 0)
        self.send({"t": "lost", "f": file, "l": line, "theirs": _getprofile() is not None})
