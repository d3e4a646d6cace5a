"""Names for the learner's objects, as their own code names them.

Evidence comes from the script's lines: the expression a method is called on
(``mulg0`` in ``mulg0.forward(a, x)``), the arguments (``a``), the name a
call's result is assigned to (``ax = …``), the name a write goes through
(``s.grad = 1.0`` names the Unit ``s``), an attribute of a named object
(``svm.circuit.mulg0`` for ``self.mulg0`` inside ``svm.circuit``'s own
method, never ``self.…``), and the slot a Unit is seen in (``mulg0.utop``).
Evidence ranks, best first: a variable of the script, a path from a named
object, the expression a Value was made by (``(x1*w1)``, a number for a
constant), a function's parameter, a loop's variable, then ``Class#n``. Better
evidence renames an object from that step on; a name is never given to two
objects in one trace (the second ``total`` is ``total#2``); a name is in NFKC
form, as Python reads an identifier.

Only the objects alive are remembered (bpcli is told when one is freed), and
for each name how many objects had it: memory stays flat over a long run.
"""

from __future__ import annotations

from ..i18n.safe_text import normal

VARIABLE, PATH, EXPR, PARAMETER, LOOP, NUMBERED = 5, 4, 3, 2, 1, 0


class Names:
    def __init__(self) -> None:
        self.of: dict[int, tuple[str, int]] = {}  # oid -> (name, rank)
        self.given: dict[str, int] = {}  # a name -> how many objects had it
        self.every: dict[int, list[str]] = {}  # oid -> each name it had (--unit, --gate)
        self.renamed = 0  # how many times an object's name changed (a version of the names)
        self.by_name: dict[str, int] = {}  # a name now -> the object that has it

    def get(self, oid: int) -> str | None:
        found = self.of.get(oid)
        return found[0] if found is not None else None

    def oid_of(self, name: str) -> int | None:
        """The object that has this name now, if one does."""
        return self.by_name.get(name)

    def rank(self, oid: int) -> int:
        found = self.of.get(oid)
        return found[1] if found is not None else -1

    def name(self, oid: int, cls: str) -> str:
        """The object's name; ``Class#n`` if the script gave it none yet."""
        found = self.of.get(oid)
        if found is not None:
            return found[0]
        return self._give(oid, cls, NUMBERED)

    def offer(self, oid: int, name: str | None, rank: int) -> None:
        """Evidence of a name: taken if it ranks above what the object has (the
        very name it has already, only ranked higher: kept as it is)."""
        if not name or rank <= self.rank(oid):
            return
        name = normal(name)
        had = self.of.get(oid)
        if had is not None and had[0].partition("#")[0] == name:
            self.of[oid] = (had[0], rank)
            return
        self._give(oid, name, rank)

    def _give(self, oid: int, base: str, rank: int) -> str:
        if oid in self.of:
            self.renamed += 1  # names made of this one (`gate.slot`) are made anew
        n = self.given.get(base, 0) + 1
        self.given[base] = n
        name = f"{base}#{n}" if rank == NUMBERED else base if n == 1 else f"{base}#{n}"
        had = self.of.get(oid)
        if had is not None:
            self.by_name.pop(had[0], None)
        self.of[oid] = (name, rank)
        self.by_name[name] = oid
        self.every.setdefault(oid, []).append(name)
        return name

    def gone(self, oid: int) -> None:
        had = self.of.pop(oid, None)
        if had is not None:
            self.by_name.pop(had[0], None)
        self.every.pop(oid, None)

    def called(self, oid: int, wanted: set[str]) -> bool:
        """Whether the object has had one of these names (--gate, --unit)."""
        return any(n in wanted for n in self.every.get(oid, ()))
