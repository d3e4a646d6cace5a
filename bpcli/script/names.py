"""Names for the learner's objects, as their own code names them.

A gate is named by the expression its method is called on (``mulg0`` in
``mulg0.forward(a, x)``, ``net.first`` for ``self.first`` inside ``net``'s own
method); a Unit by the argument expression it is passed as (``a``), the name
the call's result is assigned to (``ax = mulg0.forward(a, x)``), or the slot it
is first seen in (``m.out``); failing all that, ``Class#n``. The line that
says so is read once. An object keeps its first name, and is kept alive while
the script runs, so its id is never reused for another object meanwhile.

A gate's name is its own: a second gate under one variable (a loop's ``g``) is
``g#2``. A Unit's is the variable's, like ``s`` in every iteration. A name is
in its NFKC form, as Python reads an identifier (``ﬁ`` is ``fi``), so that it
matches the circuit's names and ``--gate``/``--unit`` (issue 15).
"""

from __future__ import annotations

from typing import Any

from ..i18n.safe_text import normal


class Names:
    def __init__(self) -> None:
        self.by_id: dict[int, str] = {}
        self.keep: list[object] = []  # alive while the script runs: ids stay theirs
        self.counts: dict[str, int] = {}  # Class#n
        self.gate_names: dict[str, int] = {}  # a gate's name -> its object's id

    def get(self, obj: object) -> str | None:
        return self.by_id.get(id(obj))

    def _give(self, obj: object, name: str) -> str:
        name = normal(name)
        self.by_id[id(obj)] = name
        self.keep.append(obj)
        return name

    def _numbered(self, obj: object) -> str:
        cls = type(obj).__name__
        self.counts[cls] = self.counts.get(cls, 0) + 1
        return f"{cls}#{self.counts[cls]}"

    def gate(self, obj: object, expression: str | None, caller_self: Any = None) -> str:
        """The name of the gate ``obj``, its method called on ``expression``."""
        found = self.get(obj)
        if found is not None:
            return found
        name = self._resolved(expression, caller_self) if expression else None
        if name is None:
            return self._give(obj, self._numbered(obj))
        k, unique = 1, name
        while self.gate_names.setdefault(unique, id(obj)) != id(obj):
            k += 1
            unique = f"{name}#{k}"
        return self._give(obj, unique)

    def _resolved(self, expression: str, caller_self: Any) -> str:
        """``self.first`` inside a method of the object named ``net``: ``net.first``."""
        head, dot, rest = expression.partition(".")
        if head == "self" and dot:
            owner = self.get(caller_self) if caller_self is not None else None
            return f"{owner}.{rest}" if owner else rest
        return expression

    def unit(self, obj: object, *hints: str | None, caller_self: Any = None) -> str:
        """The name of the Unit ``obj``: its own, else the first hint there is."""
        found = self.get(obj)
        if found is not None:
            return found
        for hint in hints:
            if hint:
                return self._give(obj, self._resolved(hint, caller_self))
        return self._give(obj, self._numbered(obj))
