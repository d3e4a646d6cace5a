"""The script's objects as the watcher knows them.

Each object seen gets a small number (its *oid*), sent once with its class
and ``id()``. The watcher holds no object alive: a weak reference tells when
it is gone (bpcli is told, and forgets it), and tells a new object at an
address an earlier one had apart from it (``reused``). An object of a Unit
class that cannot be weakly referenced (``__slots__`` without
``__weakref__``, as many ``Value`` classes are) is known new when one of its
numbers is set for the first time (``born``), which its ``__init__`` does;
an address is trusted for such an object only by the very class it had. Any
other object that cannot be weakly referenced is held alive, so that an
address is never taken for the object it once was.

Reading an attribute runs none of the script's code: the instance's own
``__dict__``, a ``__slots__`` slot, or a plain class attribute, never a
property or ``__getattr__``; and a float or int of a subclass is the number
it is, never its own ``__float__``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from numbers import Real
from types import MemberDescriptorType
from typing import Any

_ref = weakref.ref
_id = id
_float = float
_isinstance = isinstance
_DEAD = object()  # the entry of an address whose object is gone
MISSING = object()  # an attribute the object does not have
_DICT, _NONE = object(), object()  # how an attribute is read: the instance dict; not at all
_HOW: dict[tuple[type, str], Any] = {}
_NOT_NUMBERS = frozenset((type(None), str, bytes, list, tuple, dict, set, type))


def own(obj: object, attr: str) -> Any:
    """``obj.attr`` as the object holds it (MISSING if it holds none), read
    without running any of the script's code."""
    cls = type(obj)
    how = _HOW.get((cls, attr))
    if how is None:
        how = _HOW[(cls, attr)] = _how(cls, attr)
    if how is _NONE:
        return MISSING
    if type(how) is MemberDescriptorType:  # a __slots__ slot
        try:
            return how.__get__(obj, cls)
        except AttributeError:  # not set yet
            return MISSING
    try:
        found = object.__getattribute__(obj, "__dict__").get(attr, MISSING)
    except Exception:
        found = MISSING
    if found is MISSING and how is not _DICT:
        return how[0]  # a plain class attribute: what the object reads while it has none
    return found


def _how(cls: type, attr: str) -> Any:
    """How ``attr`` of a ``cls`` object is read: its slot, its instance dict (and
    a plain class attribute under it), or not at all (a property, a descriptor)."""
    for klass in cls.__mro__:
        if attr in klass.__dict__:
            found = klass.__dict__[attr]
            if type(found) is MemberDescriptorType:
                return found
            if hasattr(type(found), "__get__"):  # a property or another descriptor: code
                return _NONE
            return (found,)
    return _DICT


def as_number(x: object) -> float | str | None:
    """A real number (not a bool) as a float; an int too large for one as its
    number in writing (``3e+400``); None for anything else. A float or int of
    a subclass is read as the number it is, never through its own ``__float__``."""
    kind = type(x)
    if kind is float:
        return x  # type: ignore[return-value]
    if kind in _NOT_NUMBERS or _isinstance(x, bool):
        return None
    if _isinstance(x, float):
        return float.__float__(x)  # type: ignore[arg-type]
    if _isinstance(x, int):
        try:
            return int.__float__(x)  # type: ignore[arg-type]
        except OverflowError:
            return _large(x)  # type: ignore[arg-type]
    if not _isinstance(x, Real):
        return None
    try:
        return _float(x)  # type: ignore[arg-type]
    except Exception:  # a __float__ that raises
        return None


def _large(x: int) -> str:
    """An int too large for a float, written as a number (its first digits)."""
    import decimal

    digits, _, power = format(decimal.Decimal(x), ".15e").partition("e")
    return f"{digits.rstrip('0').rstrip('.')}e{power}"


def number(obj: object, attr: str) -> float | str | None:
    """``obj.attr`` as a float (or a large int in writing), or None; read
    without running any of the script's code."""
    x = own(obj, attr)
    return None if x is MISSING else as_number(x)


def described(x: object) -> float | str:
    """A value written into a Unit, as bpcli is told of it: its number, else
    what it is (``None``, ``<Tensor>``), never by running the script's code."""
    n = as_number(x)
    if n is not None:
        return n
    if x is None:
        return "None"
    return "<" + text(type(x).__name__) + ">"


def reading(obj: object, attr: str) -> float | str | None:
    """``obj.attr`` as bpcli is told of it (a number, or what it is instead:
    ``None``, ``<Tensor>``); None if the object has no such attribute."""
    x = own(obj, attr)
    return None if x is MISSING else described(x)


def text(x: object) -> str:
    """A str of the script's (a str subclass, maybe) as a plain str."""
    return "".join((x,)) if _isinstance(x, str) else "?"  # type: ignore[arg-type]


class Objects:
    """oid by object, by identity, alive or not as the script decides."""

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self.send = send
        # id -> (oid, a weak reference, _DEAD, None (known new by `born`) or the
        # object itself when it must be held; and its class)
        self.known: dict[int, tuple[int, Any, type]] = {}
        self.next = 1
        self.gone: list[int] = []  # oids whose objects were freed, to tell bpcli
        self.born_known: set[type] = set()  # Unit classes: a new object is seen being made

    def oid(self, obj: object) -> int:
        known = self.known.get(_id(obj))
        if known is not None:
            oid, ref, cls = known
            if ref is obj or (type(ref) is _ref and ref() is obj):
                return oid
            if ref is None and type(obj) is cls and cls in self.born_known:
                return oid  # alive as far as `born` says, and of the very class it had
            return self._new(obj, True)
        return self._new(obj, False)

    def born(self, obj: object) -> None:
        """``obj`` is being made (a number of it set for the first time): an oid
        its address had belongs to an object that is gone."""
        address = _id(obj)
        known = self.known.get(address)
        if known is not None and known[1] is None:
            self.known[address] = (known[0], _DEAD, known[2])
            self.gone.append(known[0])

    def _new(self, obj: object, reused: bool) -> int:
        oid, self.next = self.next, self.next + 1
        objects = self

        def freed(_: object) -> None:  # as the object is freed, before its id can be reused
            objects.gone.append(oid)  # the list of now: it is handed on and replaced

        cls = type(obj)
        try:
            ref: Any = _ref(obj, freed)
        except TypeError:  # no weak references to it
            ref = None if cls in self.born_known else obj
        self.known[_id(obj)] = (oid, ref, cls)
        said = {"t": "obj", "o": oid, "c": text(cls.__name__), "i": _id(obj), "r": reused}
        if type(ref) is not _ref:  # its end will not be told (no weak reference to it)
            said["u"] = True
        self.send(said)
        return oid

    def forget_all(self) -> None:
        """Watching has stopped: nothing held any more."""
        self.known.clear()
