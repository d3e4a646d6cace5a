"""The watcher's hold on writes: each Unit class's ``__setattr__`` wrapped, so
each write to a value or a grad is seen with the line that made it (and a
Value being made, told apart from a write); each gate class's too, so a slot
the script rewires by hand (``g.u0 = c``) is known. A wrapper is the
watcher's only code in the script's classes; when watching ends, each class
whose ``__setattr__`` is still the watcher's is as it was (``hooks``). A
script that takes the profile hook away is noticed at its next write.
"""

from __future__ import annotations

import sys
from threading import get_ident
from types import FrameType
from typing import Any

from .objects import MISSING, described, own
from .steps import Quit
from .value_steps import ValueStepping

_getframe = sys._getframe
_getprofile = sys.getprofile
_PASS = (KeyboardInterrupt, SystemExit, Quit)  # the script's own, or bpcli's `q`: on their way


class Writes(ValueStepping):
    # the hooks' own (hooks.py)
    patched: dict[type, tuple[bool, Any, Any]]
    gate_classes: set[type]
    attrs: set[str]
    grad_attr: str
    thread: int
    inside: bool
    busy: bool
    lost: bool
    monitoring: bool
    _hook: Any

    def fault(self, exc: BaseException, frame: FrameType | None) -> None:
        raise NotImplementedError

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
            if name != self.grad_attr and name != self.read.unit_attr(type(obj)):
                if name in self.closure_attrs and before is not MISSING:
                    self.rewired(obj, name, value)  # `c._backward = f`: what it holds now
                return  # else another attribute of the same spelling as a value's
            if before is MISSING:
                self.read.objects.born(obj)  # a Unit being made, not a write to show
                if self.ops:
                    self.made_in_op(obj, frame)
                return
            self._check_hook(frame)
            self.wrote(obj, name, described(before), described(value), frame)
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
