"""The engine: real Unit and gate objects, forward, backward, update. No I/O.

The classes follow Karpathy's "Hacker's guide to Neural Networks": a ``Unit``
holds ``value`` and ``grad``; a gate's ``forward`` stores the Units it is given
in ``u0`` (and ``u1``), creates a new ``utop`` Unit and returns it; its
``backward`` *adds* ``local × utop.grad`` into the grads of the Units it holds.
Because the next gate is handed the very ``utop`` object, ``sg0.u0`` and
``addg1.utop`` are one object: that sharing is what bpcli shows.

Nothing here recurses, prints, or reads files. ``run_passes`` performs the
passes of SPEC §4 one at a time; ``Circuit.snapshot`` describes the live
objects for the renderers.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar, NamedTuple, TypeVar

from ..i18n import N_
from ..i18n.worded import Worded
from .addresses import Addresses
from .errors import CircuitError, backward_error, forward_error, update_error
from .gates import OPS, OUT_SLOT, Op, slots_of

T = TypeVar("T")
INF = math.inf
_SINK: deque[object] = deque(maxlen=0)
drain = _SINK.extend  # runs a generator to its end, keeping nothing
NAN = math.nan
INPUT, GATE, CONST = "input", "gate", "const"


class Unit:
    """A value and its gradient, nothing else (as in the guide)."""

    __slots__ = ("__weakref__", "grad", "value")  # weakly referenced by ``Addresses``

    def __init__(self, value: float, grad: float = 0.0) -> None:
        self.value = value
        self.grad = grad

    def __repr__(self) -> str:
        return f"{type(self).__name__}(value={self.value!r}, grad={self.grad!r})"


class Const(Unit):
    """A Unit made from a numeric literal in a gate's arguments: never updated."""

    __slots__ = ()


class Gate:
    """Shared parts of a gate: its name, where it is defined, what it reads.

    Each op of the registry gets its own subclass (``MultGate``, ``AddGate``,
    ``SigmoidGate``, …, see ``GATE_CLASSES``) whose ``op``, ``_f`` (forward) and
    ``_local`` (local derivatives) are class attributes, read from the registry.
    ``forward`` and ``backward`` are the guide's; the rest serves the tracer,
    the mistakes and the error messages, off the hot path.
    """

    __slots__ = ("col", "i0", "i1", "line", "name", "out", OUT_SLOT)
    op: ClassVar[Op]
    arity: ClassVar[int]
    slots: ClassVar[tuple[str, ...]] = ()  # the input slots, then the output's
    _f: ClassVar[Callable[..., float]]
    _local: ClassVar[Callable[..., tuple[float, ...]]]
    utop: Unit
    forward: Callable[..., Unit]  # (u0[, u1]) -> the new utop
    backward: Callable[[], None]

    def __init__(self, name: str, args: tuple[int, ...], out: int, line: int, col: int) -> None:
        self.name = name
        self.i0 = args[0]
        self.i1 = args[-1]
        self.out = out
        self.line = line
        self.col = col

    @property
    def args(self) -> tuple[int, ...]:
        """The unit indices of the inputs, one per input slot."""
        return (self.i0, self.i1)[: self.arity]

    def held(self) -> list[tuple[str, Unit]]:
        """(slot, Unit) for every slot that holds a Unit now."""
        return [(s, getattr(self, s)) for s in self.slots if hasattr(self, s)]

    def inputs(self) -> list[tuple[str, Unit]]:
        """(slot, Unit) for the input slots (after a forward call)."""
        return [(s, getattr(self, s)) for s in self.slots[: self.arity]]

    def locals_now(self) -> tuple[float, ...]:
        """The local derivatives at the Units held now; NaN where undefined."""
        values = [u.value for _, u in self.inputs()]
        try:
            return self._local(*values, self.utop.value)
        except (ArithmeticError, ValueError):
            return self._one_by_one(*values, self.utop.value)

    def _one_by_one(self, *values: float) -> tuple[float, ...]:
        """Each local derivative on its own (NaN where it cannot be computed): where
        one of them raised, the others may still be finite."""
        found = []
        for each in self.op.local_each:
            try:
                found.append(each(*values))
            except (ArithmeticError, ValueError):
                found.append(NAN)
        return tuple(found)

    def pull(self, slot: str, unit: Unit, local: float, upstream: float, add: bool = True) -> bool:
        """One write of backward(), as the hot path does it: ``unit.grad += local ×
        upstream`` (``=`` with ``add=False``). An undefined derivative into a literal
        u1 is skipped (SPEC §3): False. Anything else non-finite is an error."""
        x = local * upstream + (unit.grad if add else 0.0)
        if not -INF < x < INF:
            if local != local and type(unit) is Const and slot != self.slots[0]:
                return False
            raise self._backward_error(slot, local, upstream)
        unit.grad = x
        return True

    def _forward_error(self, values: tuple[float, ...], exc: Exception | None) -> CircuitError:
        return forward_error(self.name, self.line, self.col, self.op, values, exc)

    def _backward_error(self, slot: str, local: float, upstream: float) -> CircuitError:
        values = tuple(u.value for _, u in self.inputs())
        k = self.slots.index(slot)
        return backward_error(self.name, self.line, self.col, self.op, k, local, upstream, values)


class Gate1(Gate):
    """A gate with one input slot, like the guide's SigmoidGate."""

    __slots__ = slots_of(1)
    arity = 1
    slots = (*slots_of(1), OUT_SLOT)
    u0: Unit

    def forward(self, u0: Unit) -> Unit:
        self.u0 = u0
        try:
            v = self._f(u0.value)
        except (ArithmeticError, ValueError) as exc:
            raise self._forward_error((u0.value,), exc) from None
        if not -INF < v < INF:
            raise self._forward_error((u0.value,), None)
        self.utop = utop = Unit(v)
        return utop

    def backward(self) -> None:
        # The hot path: Gate.pull's rule, inlined.
        u0 = self.u0
        top = self.utop
        g = top.grad
        try:
            (d0,) = self._local(u0.value, top.value)
        except (ArithmeticError, ValueError):
            d0 = NAN  # one slot: nothing else to compute
        x = u0.grad + d0 * g
        if not -INF < x < INF:
            raise self._backward_error(self.slots[0], d0, g)
        u0.grad = x


class Gate2(Gate):
    """A gate with two input slots, like the guide's MultGate and AddGate."""

    __slots__ = slots_of(2)
    arity = 2
    slots = (*slots_of(2), OUT_SLOT)
    u0: Unit
    u1: Unit

    def forward(self, u0: Unit, u1: Unit) -> Unit:
        self.u0 = u0
        self.u1 = u1
        try:
            v = self._f(u0.value, u1.value)
        except (ArithmeticError, ValueError) as exc:
            raise self._forward_error((u0.value, u1.value), exc) from None
        if not -INF < v < INF:
            raise self._forward_error((u0.value, u1.value), None)
        self.utop = utop = Unit(v)
        return utop

    def backward(self) -> None:
        # The hot path: Gate.pull's rule, inlined.
        u0 = self.u0
        u1 = self.u1
        top = self.utop
        g = top.grad
        try:
            d0, d1 = self._local(u0.value, u1.value, top.value)
        except (ArithmeticError, ValueError):
            d0, d1 = self._one_by_one(u0.value, u1.value, top.value)
        # One write after the other: u0 and u1 may be the same Unit (mul(a, a)).
        x = u0.grad + d0 * g
        if not -INF < x < INF:
            raise self._backward_error(self.slots[0], d0, g)
        u0.grad = x
        x = u1.grad + d1 * g
        if not -INF < x < INF:
            if d1 != d1 and type(u1) is Const:  # undefined (pow's, for u0 ≤ 0) for a
                return  # literal u1: skipped, its grad stays 0 (SPEC §3)
            raise self._backward_error(self.slots[1], d1, g)
        u1.grad = x


def _gate_class(op: Op) -> type[Gate]:
    base = Gate2 if op.arity == 2 else Gate1
    attrs = {
        "__slots__": (),
        "__doc__": f"{op.name}: forward {op.formula}; local {', '.join(op.local_formulas)}",
        "op": op,
        "_f": staticmethod(op.forward),
        "_local": staticmethod(op.local),
    }
    return type(op.guide_class, (base,), attrs)


GATE_CLASSES: dict[str, type[Gate]] = {name: _gate_class(op) for name, op in OPS.items()}


class UnitState(NamedTuple):
    """What one Unit holds at one moment, and which gate slots hold it."""

    name: str
    kind: str
    value: float
    grad: float
    id: int
    held_by: tuple[str, ...]
    reused: bool = False  # a new object at an address another Unit had before in the run


class PassRecord(NamedTuple):
    phase: str
    iteration: int
    output_value: float
    units: list[UnitState]


class Circuit:
    """Units (by index, in definition order) and gates (in file order).

    ``units[i]`` is the Unit object that currently carries name ``names[i]``:
    inputs and constants are created once; a gate's output is the new Unit its
    latest forward() returned.
    """

    def __init__(
        self,
        names: list[str],
        kinds: list[str],
        values: list[float],
        gates: list[Gate],
        output: int,
        step_size: float,
        frozen: set[int] | None = None,
        description: str | None = None,
        locations: dict[str, tuple[int, int]] | None = None,
        index: dict[str, int] | None = None,
    ) -> None:
        self.names = names
        self.kinds = kinds
        # A gate's output has no Unit until its gate's first forward() makes one:
        # until then it is this circuit's own placeholder, which nothing writes to.
        not_yet = Unit(NAN)
        self.units = [
            not_yet if k == GATE else Const(v) if k == CONST else Unit(v)
            for v, k in zip(values, kinds)
        ]
        self.computed = False  # whether a forward pass has run to its end
        self.gates = gates
        self.output = output
        self.step_size = step_size
        self.frozen = frozen or set()
        self.description = description
        self.locations = locations or {}
        self.index = index if index is not None else {n: i for i, n in enumerate(names)}
        self.inputs = [i for i, k in enumerate(kinds) if k == INPUT]
        self.trainable = [i for i in self.inputs if i not in self.frozen]  # what update moves
        self.output_line = 0  # the line of `output:` (0: none, the last gate's output)
        self.addresses = Addresses()  # every id shown goes through it (see addresses.py)

    # -- the passes -------------------------------------------------------

    # Each pass is a generator that yields after every single call, so that
    # `bpcli trace` can watch the very same code that `run` drains at full speed.

    def forward_steps(self) -> Iterator[Gate]:
        """Each gate's forward() in file order; yields the gate after its call."""
        units = self.units
        for g in self.gates:
            if g.arity == 2:
                units[g.out] = g.forward(units[g.i0], units[g.i1])
            else:
                units[g.out] = g.forward(units[g.i0])
            yield g
        self.computed = True

    def backward_steps(self) -> Iterator[Gate | None]:
        """Zero every grad and seed the output's with 1.0 (yields None), then each
        gate's backward() in reverse file order (yields the gate after its call)."""
        if not self.computed:
            raise RuntimeError("Circuit.backward() needs a complete forward pass first")
        for u in self.units:
            u.grad = 0.0
        self.units[self.output].grad = 1.0
        yield None
        for g in reversed(self.gates):
            g.backward()
            yield g

    def update_steps(self) -> Iterator[int]:
        """value += step_size × grad for each input not frozen; yields its index."""
        step = self.step_size
        units = self.units
        for i in self.trainable:
            u = units[i]
            v = u.value + step * u.grad
            if not -INF < v < INF:
                name = self.names[i]
                line, col = self.locations.get(name, (1, 1))
                raise update_error(name, line, col, u.value, step, u.grad)
            u.value = v
            yield i

    def forward(self) -> None:
        drain(self.forward_steps())

    def backward(self) -> None:
        drain(self.backward_steps())

    def update(self) -> None:
        drain(self.update_steps())

    @property
    def output_name(self) -> str:
        return self.names[self.output]

    @property
    def output_value(self) -> float:
        return self.units[self.output].value

    # -- describing the live objects -----------------------------------------

    def holders(self) -> dict[int, list[str]]:
        """id(unit) -> every 'gate.slot' holding that very object (found by identity)."""
        found: dict[int, list[str]] = {}
        for g in self.gates:
            for slot, unit in g.held():
                found.setdefault(id(unit), []).append(f"{g.name}.{slot}")
        return found

    def snapshot(self, phase: str, iteration: int) -> PassRecord:
        holders = self.holders()
        reused = self.addresses.reused
        rows = [
            UnitState(name, kind, u.value, u.grad, id(u), tuple(holders.get(id(u), ())), reused(u))
            for name, kind, u in zip(self.names, self.kinds, self.units)
        ]
        return PassRecord(phase, iteration, self.output_value, rows)


def run_passes(
    circuit: Circuit, iterations: int = 1, update: bool = True
) -> Iterator[tuple[str, int]]:
    """Perform the passes of SPEC §4, yielding (phase, iteration) after each."""
    do = {"forward": circuit.forward, "backward": circuit.backward, "update": circuit.update}
    for phase, it, _call in in_passes(iterations, update, lambda phase, it: (do[phase](),)):
        yield phase, it


def in_passes(
    iterations: int,
    update: bool,
    calls: Callable[[str, int], Iterable[T]],
    note: str = "",
) -> Iterator[tuple[str, int, T]]:
    """Every call of every pass of ``plan``, ``calls(phase, iteration)`` giving one
    pass's calls; an error says in which pass it happened. `run`, `trace` and the
    mistakes all drive their passes through here."""
    for phase, it in plan(iterations, update):
        try:
            for call in calls(phase, it):
                yield phase, it, call
        except CircuitError as err:
            raise err.during(Worded(_DURING[phase], n=it, note=note)) from None


# when an error happened (``note``: ", with the mistake 'NAME'", or nothing)
_DURING = {
    "forward": N_("(in forward pass {n}{note})"),
    "backward": N_("(in backward pass {n}{note})"),
    "update": N_("(in update pass {n}{note})"),
}


def plan(iterations: int = 1, update: bool = True) -> Iterator[tuple[str, int]]:
    """The passes of SPEC §4: forward 0, then per iteration backward, update,
    forward; with ``update=False`` only forward 0 and backward 0."""
    yield "forward", 0
    if not update:
        yield "backward", 0
        return
    for i in range(iterations):
        yield "backward", i
        yield "update", i
        yield "forward", i + 1
