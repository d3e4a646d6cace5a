"""What the watcher reads of the script's objects and frames, never raising
into it and never running its ``__getattr__`` where it can help it: which
objects are Units, a gate's Units by attribute, a call's arguments, the line
a frame is on (each file and line told to bpcli once), a method's own
``self``, and, while nothing holds a Unit, which objects hold numbers and
which methods the script calls on them (for the hint that says what to
watch)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from .objects import Objects, as_number, number, reading
from .objects import text as plain_text

PLAIN = frozenset((int, float, str, bool, type(None), complex))  # exact types: their repr is safe
CONTAINERS = frozenset((list, tuple, dict, set, frozenset))  # described, not followed
HINTS = 40  # calls looked at for hints, while no Unit is seen
_POSITIONS: dict[CodeType, list[Any]] = {}


def _libraries() -> tuple[str, ...]:
    """Where code that is not the script's lives: the watcher, the standard
    library, installed packages, and Python's own frozen modules."""
    import os
    import sysconfig

    places = {os.path.dirname(os.path.abspath(__file__)) + os.sep, "<"}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        with contextlib.suppress(KeyError, OSError):
            places.add(os.path.abspath(sysconfig.get_paths()[key]) + os.sep)
    return tuple(places)


class Reading:
    def __init__(
        self,
        send: Callable[..., None],
        value_attr: str | None,
        grad_attr: str,
        watch_class: Callable[[type], None],
    ) -> None:
        self.send = send
        # the value's attribute: the one asked for, else `value` or `data` (micrograd's)
        self.candidates = (value_attr,) if value_attr else ("value", "data")
        self.grad_attr = grad_attr
        self.watch_class = watch_class  # a class found to hold Units: its writes are wanted
        self.objects = Objects(send)
        self.units: dict[type, str] = {}  # classes whose objects are Units -> their value's attr
        self.files: dict[str, int] = {}
        self.lines: set[tuple[int, int]] = set()
        self.hints: dict[str, Any] = {"units": {}, "methods": {}}
        self.looked = 0
        self.libraries: tuple[str, ...] | None = None  # where code not the script's is

    def is_unit(self, obj: object) -> bool:
        cls = type(obj)
        if cls in self.units:
            return True
        if cls in PLAIN or cls in CONTAINERS or number(obj, self.grad_attr) is None:
            return False
        for attr in self.candidates:
            if number(obj, attr) is not None:
                self.units[cls] = attr
                self.watch_class(cls)
                init = cls.__dict__.get("__init__") or getattr(cls, "__init__", None)
                for base in cls.__mro__[1:-1]:  # the class whose __init__ made it (`class
                    if base.__dict__.get("__init__") is init:  # V(Value): pass`): its own
                        self.units.setdefault(base, attr)  # objects (made by its ops) are
                        self.watch_class(base)  # Units too
                        break
                return True
        return False

    def value_of(self, obj: object) -> str:
        """The attribute that holds a Unit's value (its class's)."""
        return self.unit_attr(type(obj)) or self.candidates[0]

    def unit_attr(self, cls: type) -> str | None:
        """The value's attribute of a Unit class, or of a class made from one
        (``class V(Value): pass``, whose first object is still being made)."""
        found = self.units.get(cls)
        if found is None:
            for base in cls.__mro__[1:]:
                found = self.units.get(base)
                if found is not None:
                    self.units[cls] = found
                    self.objects.born_known.add(cls)  # its objects are seen being made
                    break
        return found

    def slots(self, gate: object) -> tuple[dict[str, list[Any]], dict[str, Any]]:
        """The gate's attributes that hold Units: attr -> [oid, value, grad], and
        attr -> the Unit itself."""
        found: dict[str, list[Any]] = {}
        objects: dict[str, Any] = {}
        for attr, obj in attributes(gate):
            if self.is_unit(obj):
                found[attr] = [
                    self.objects.oid(obj),
                    reading(obj, self.value_of(obj)),
                    reading(obj, self.grad_attr),
                ]
                objects[attr] = obj
        return found, objects

    def arg(self, obj: object) -> Any:
        """An argument as bpcli is told of it: a plain value by its repr, a Unit
        by its oid and value, anything else by its oid."""
        kind = type(obj)
        if kind in PLAIN:
            said = repr(obj)
            return said if len(said) <= 40 else said[:39] + "…"
        if kind in (list, tuple):  # its Units told of (the first 64), the list not held
            items: Any = obj
            units = [
                [self.objects.oid(x), number(x, self.value_of(x))]
                for x in items[:64]
                if self.is_unit(x)
            ]
            return {"c": kind.__name__, "n": len(items), "u": units}
        if kind in CONTAINERS:
            return f"<{kind.__name__} of {len(obj)}>"  # type: ignore[arg-type]
        if self.is_unit(obj):
            return [self.objects.oid(obj), number(obj, self.value_of(obj))]
        return [self.objects.oid(obj)]

    def site(self, frame: FrameType | None) -> list[Any] | None:
        """The calling line, where on it the call is, and the caller's own self."""
        if frame is None:
            return None
        file, line = self.where(frame)
        cols = columns(frame)
        return [file, line, cols[0], cols[1], self.self_of(frame)]

    def self_of(self, frame: FrameType) -> int | None:
        """The oid of the frame's own ``self`` (a method's), else None; an object
        seen so for the first time is named by a global of the script that holds it."""
        code = frame.f_code
        if not (code.co_argcount and code.co_varnames[0] == "self"):
            return None
        try:
            me = frame.f_locals.get("self")
        except Exception:
            return None
        if me is None or type(me) in PLAIN or type(me) in CONTAINERS:
            return None
        fresh = id(me) not in self.objects.known
        oid = self.objects.oid(me)
        if fresh:
            main = sys.modules.get("__main__")
            for name, value in list(getattr(main, "__dict__", {}).items()):
                if value is me and type(name) is str and not name.startswith("_"):
                    self.send({"t": "global", "o": oid, "n": name})
                    break
        return oid

    def where(self, frame: FrameType) -> tuple[int, int]:
        """The frame's file and line, as numbers; each told to bpcli once."""
        path = frame.f_code.co_filename
        file = self.files.get(path)
        if file is None:
            file = self.files[path] = len(self.files) + 1
            self.send({"t": "file", "f": file, "p": plain_text(path)})
        line = frame.f_lineno or 0
        if (file, line) not in self.lines:
            self.lines.add((file, line))
            self.send({"t": "line", "f": file, "l": line, "x": text(path, line, frame)})
        return file, line

    def look(self, frame: FrameType, code: CodeType, obj: object) -> None:
        """While no Unit is seen: which objects hold numbers, and which methods the
        script calls on objects that hold them or with them (its own code only:
        not the watcher's, not the standard library's or an installed package's)."""
        if self.units or self.looked >= HINTS:
            return
        if self.libraries is None:
            self.libraries = _libraries()
        if code.co_filename.startswith(self.libraries):
            return
        self.looked += 1
        try:
            local = frame.f_locals
            args = [local.get(n) for n in code.co_varnames[1 : code.co_argcount]]
        except Exception:
            args = []
        if self.numbers(obj):
            return  # a method of a number-holder itself
        held = [v for _, v in attributes(obj)] + args
        if any(self.numbers(h) for h in held if type(h) not in PLAIN):
            said = self.hints["methods"].setdefault(plain_text(type(obj).__name__), [])
            if code.co_name not in said:
                said.append(plain_text(code.co_name))

    def numbers(self, obj: object) -> bool:
        numbers = [plain_text(a) for a, v in attributes(obj) if as_number(v) is not None]
        if len(numbers) >= 2:
            self.hints["units"].setdefault(plain_text(type(obj).__name__), numbers[:6])
        return len(numbers) >= 2


def first(frame: FrameType, code: CodeType) -> Any:
    """A call's first argument (a method's self)."""
    try:
        return frame.f_locals.get(code.co_varnames[0])
    except Exception:
        return None


_SLOTS: dict[type, tuple[str, ...]] = {}


def attributes(obj: object) -> list[tuple[str, Any]]:
    """An object's own attributes (its __dict__ and __slots__), read without
    running any of the script's code."""
    try:
        found = list(object.__getattribute__(obj, "__dict__").items())
    except Exception:
        found = []
    cls = type(obj)
    names = _SLOTS.get(cls)
    if names is None:  # the slots of the class and its bases, found once a class
        names = _SLOTS[cls] = tuple(
            name
            for klass in cls.__mro__
            for name in _slot_names(klass)
            if type(name) is str and not name.startswith("__")
        )
    for name in names:
        with contextlib.suppress(Exception):
            found.append((name, object.__getattribute__(obj, name)))
    return [(a, v) for a, v in found if type(a) is str and not a.startswith("__")]


def _slot_names(klass: type) -> tuple[Any, ...]:
    slots = klass.__dict__.get("__slots__", ())
    return (slots,) if type(slots) is str else tuple(slots) if type(slots) in CONTAINERS else ()


def columns(frame: FrameType) -> tuple[int | None, int | None]:
    """Where on its line the frame is now (the call it makes), Python 3.11+."""
    code = frame.f_code
    places = _POSITIONS.get(code)
    if places is None:
        positions = getattr(code, "co_positions", None)
        places = _POSITIONS[code] = list(positions()) if positions is not None else []
    k = frame.f_lasti // 2
    if k >= len(places):
        return None, None
    return places[k][2], places[k][3]


def text(path: str, line: int, frame: FrameType) -> str:
    """The line as written (its indent kept: Python's columns count from it)."""
    import linecache

    return plain_text(linecache.getline(path, line, frame.f_globals)).rstrip()
