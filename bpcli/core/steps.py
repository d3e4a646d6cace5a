"""The records of a trace, for a circuit and for a learner's script alike: one
``Step`` per gate call (and per seed, update, or line of a script that wrote a
Unit), with the Units its slots hold, the writes it made, and the gate object
it ran on. No I/O: the tracers make them, the renderers draw them."""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

from .gates import OUT_SLOT

SHOWN_HOLDERS = 8  # other slots named for one object in a step; the rest counted
SHOWN_PULLS = 3  # a long running sum: its first and its last few pulls, and how many


class SlotView(NamedTuple):
    slot: str  # u0, u1, utop
    unit: str  # the name of the Unit the slot holds
    id: int
    value: float | str  # a script's int too large for a float: its number in writing
    grad: float | str
    also: tuple[str, ...]  # the other gate.slots that hold this very object (the first few)
    reused: bool = False  # a new object at an address another Unit had before in the run
    also_count: int = 0  # where ``also`` is shortened: how many other slots hold it in all


class Source(NamedTuple):
    """A line of the learner's own script."""

    file: str  # as the user named it
    line: int
    text: str  # the line, stripped


class Write(NamedTuple):
    slot: str  # the gate's slot (attribute) that holds the Unit written
    unit: str
    formula: str  # the local derivative, as text (σ(1−σ)); "" for a script's gate
    local: float | None  # 0.0 where skipped; a script's: the pull over upstream, if any
    upstream: float | None  # utop.grad; None where there is none (a script's seed)
    grad_before: float | str  # before and after, of `attr` (str: a script's int no float holds)
    grad_after: float | str
    pulls: tuple[float, ...]  # what this unit received so far in this pass (the seed
    # 1.0 first, for the output), this write last: they add up to grad_after
    skipped: bool = False  # undefined here, and the slot holds a literal (pow, SPEC §3)
    attr: str = "grad"  # what was written: grad or value (a script's attribute name)
    source: Source | None = None  # the script's line that wrote it
    id: int | None = None  # a script's: the id of the object written
    reused: bool = False  # a script's: that object came to an address another had before
    pulls_total: int = 0  # where ``pulls`` is shortened: how many pulls there were in all


def replaced(w: Write) -> bool:
    """A pull written with ``=`` over a grad that held an earlier one: the grad
    after is the pull alone, not the sum (a script's backward write)."""
    before, after = w.grad_before, w.grad_after
    if w.source is None or w.upstream is None or not w.pulls:
        return False
    if isinstance(before, str) or isinstance(after, str) or before == 0.0:
        return False
    return math.isclose(after, w.pulls[-1]) and not math.isclose(after, before + w.pulls[-1])


class SelfView(NamedTuple):
    """The gate object a call runs on: ``self`` in its forward() or backward()."""

    name: str
    cls: str
    id: int
    first_of_class: str | None = None  # the first gate of this class seen, when this
    # is another object of it, seen for the first time (else None)
    previous: tuple[str, str, int] | None = None  # a script's backward step: the previous
    # step's self (name, class, id), when it was another object


class Summary(NamedTuple):
    """A script's trace at its end: its gate objects (each a ``self`` of its own)
    and the Units that more than one slot holds."""

    gates: int  # gate objects seen, freed or not
    classes: tuple[tuple[str, int], ...]  # class -> how many of its objects were gates
    shared: tuple[tuple[str, tuple[str, ...]], ...]  # unit -> the slots that hold it (a few)
    more_shared: int = 0  # shared Units not listed
    ops: int = 0  # Value code: Values its ops made
    closures: int = 0  # Value code: closure calls (and microgpt nodes) that wrote, shown
    empty: int = 0  # Value code: _backward calls that wrote nothing (a leaf's), not shown


class ValueInfo(NamedTuple):
    """What a step of a script's Value code (micrograd's, microgpt's) says
    beside its slots and writes."""

    kind: str  # op (forward: a Value made), closure (a _backward call), node (microgpt)
    order: int = 0  # closure, node: its place in this backward pass (1: the first)
    maker: str = ""  # the method that made the Value (Value.__add__)
    made_at: Source | None = None  # the script's line that made it
    numbers: tuple[tuple[str, float | str], ...] = ()  # a closure's captured numbers (t)
    same: tuple[tuple[str, tuple[str, ...]], ...] = ()  # one Value, several names here
    local_grads: tuple[float | str, ...] = ()  # node: the Value's own, a child each
    closure: str = ""  # closure: the attribute the Value keeps it in (_backward)
    uses: tuple[tuple[str, int], ...] = ()  # the Values this pass made from it, and the
    # place of each one's backward in the pass (0: not run yet), the first few
    uses_count: int = 0  # how many in all
    before: tuple[tuple[str, float | str, float | str], ...] = ()  # closure: each captured
    # Value's value and grad as the call began


class Update(NamedTuple):
    unit: str
    step_size: float
    grad: float
    value_before: float
    value_after: float


class Step(NamedTuple):
    phase: str  # forward, backward, update
    iteration: int
    call: str  # mulg0.forward(a, x) · sg0.backward() · s.grad = 1.0 · a.value += …
    gate: str | None  # None for the seed and the updates
    op: str | None
    cls: str | None  # the gate's class: MultGate, SigmoidGate, …
    line: int
    slots: tuple[SlotView, ...]
    writes: tuple[Write, ...] = ()
    update: Update | None = None
    new: str | None = None  # forward: the name of the Unit the call created
    # trace --mistake: at the step where the mistaken run first parts from this
    # one, (unit, (value, grad) here, (value, grad) with the mistake) for each unit
    parts: tuple[tuple[str, tuple[float, float], tuple[float, float]], ...] = ()
    out_slot: str = OUT_SLOT  # the slot holding what forward() created (a script's may differ)
    self_: SelfView | None = None  # the gate object the call ran on
    source: Source | None = None  # a script's: the line that called, or that wrote
    output_key: bool = False  # the seed's line is the file's `output:` (else its last gate)
    raised: str | None = None  # a script's call that raised: the exception, as Python says it
    problems: tuple[str, ...] = ()  # what `bpcli check SCRIPT.py` finds wrong here
    value: ValueInfo | None = None  # a step of a script's Value code

    def touches(self, gates: set[str], units: set[str]) -> bool:
        """Whether this step involves one of these gates or units."""
        if self.gate is not None and self.gate in gates:
            return True
        if any(s.unit in units for s in self.slots):
            return True
        return self.update is not None and self.update.unit in units


class Pulls:
    """What one grad received in a pass: the first and the last few, counted,
    so that a Unit that feeds thousands of slots costs each step the same."""

    __slots__ = ("count", "first", "last")

    def __init__(self, *pulls: float) -> None:
        self.first: list[float] = []
        self.last: deque[float] = deque(maxlen=SHOWN_PULLS)
        self.count = 0
        for x in pulls:
            self.add(x)

    def add(self, x: float) -> None:
        self.count += 1
        if len(self.first) < SHOWN_PULLS:
            self.first.append(x)
        else:
            self.last.append(x)

    def shown(self) -> tuple[tuple[float, ...], int]:
        """The pulls to show, and how many there were (0: all are shown)."""
        kept = (*self.first, *self.last)
        return kept, (self.count if self.count > len(kept) else 0)


def first_few(
    holders: dict[str, None], me: str, own: str | None = None
) -> tuple[tuple[str, ...], int]:
    """The first ``SHOWN_HOLDERS`` of an object's holders (gate.slot names, in
    order), but ``me`` and ``own`` (nothing is the same object as itself), and
    how many there are in all when more than shown (else 0). Its cost does not
    grow with the holders: a constant that feeds every gate costs each step the same."""
    skip = {me, own} - {None}
    total = len(holders) - sum(1 for s in skip if s in holders)
    found: list[str] = []
    for h in holders:
        if h in skip:
            continue
        found.append(h)
        if len(found) == SHOWN_HOLDERS:
            break
    return tuple(found), (total if total > len(found) else 0)
