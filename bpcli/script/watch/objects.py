"""The script's objects as the watcher knows them.

Each object seen gets a small number (its *oid*), sent once with its class
and ``id()``. The watcher holds no object alive: a weak reference tells when
it is gone (bpcli is told, and forgets it), and tells a new object at an
address an earlier one had apart from it (``reused``). An object of a Unit
class that cannot be weakly referenced (``__slots__`` without
``__weakref__``, as many ``Value`` classes are) is known new when one of its
numbers is set for the first time (``born``), which its ``__init__`` does;
any other such object is held alive, so that an address is never taken for
the object it once was.

Reading an attribute never raises into the script: a property that fails, a
``__getattr__`` that loops, a number whose ``__float__`` raises are no number.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from numbers import Real
from typing import Any

_ref = weakref.ref
_id = id
_float = float
_isinstance = isinstance
_getattr = getattr
_DEAD = object()  # the entry of an address whose object is gone


def as_number(x: object) -> float | str | None:
    """A real number (not a bool) as a float; an int too large for one as its
    number in writing (``3e+400``); None for anything else. A float or int of
    a subclass is read as the number it is, never through its own ``__float__``."""
    if type(x) is float:
        return x  # type: ignore[return-value]
    if _isinstance(x, bool):
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
    """``obj.attr`` as a float, or None; never raises into the script."""
    try:
        x = _getattr(obj, attr)
    except Exception:
        return None
    return as_number(x)


class Objects:
    """oid by object, by identity, alive or not as the script decides."""

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self.send = send
        # id -> (oid, a weak reference, _DEAD, or the object itself when it must be held)
        self.known: dict[int, tuple[int, Any]] = {}
        self.next = 1
        self.gone: list[int] = []  # oids whose objects were freed, to tell bpcli
        self.born_known: set[type] = set()  # Unit classes: a new object is seen being made

    def oid(self, obj: object) -> int:
        known = self.known.get(_id(obj))
        if known is not None:
            oid, ref = known
            if ref is obj or (type(ref) is _ref and ref() is obj):
                return oid
            if ref is None and type(obj) in self.born_known:
                return oid  # alive as far as `born` says
            return self._new(obj, True)
        return self._new(obj, False)

    def born(self, obj: object) -> None:
        """``obj`` is being made (a number of it set for the first time): an oid
        its address had belongs to an object that is gone."""
        address = _id(obj)
        known = self.known.get(address)
        if known is not None and known[1] is None:
            self.known[address] = (known[0], _DEAD)
            self.gone.append(known[0])

    def _new(self, obj: object, reused: bool) -> int:
        oid, self.next = self.next, self.next + 1
        objects = self

        def freed(_: object) -> None:  # as the object is freed, before its id can be reused
            objects.gone.append(oid)  # the list of now: it is handed on and replaced

        try:
            ref: Any = _ref(obj, freed)
        except TypeError:  # no weak references to it
            ref = None if type(obj) in self.born_known else obj
        self.known[_id(obj)] = (oid, ref)
        self.send({"t": "obj", "o": oid, "c": type(obj).__name__, "i": _id(obj), "r": reused})
        return oid

    def forget_all(self) -> None:
        """Watching has stopped: nothing held any more."""
        self.known.clear()
