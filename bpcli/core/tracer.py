"""Gate call by gate call: the step records of ``bpcli trace``. No I/O.

The tracer drives the engine's own pass generators (``Circuit.forward_steps``,
``backward_steps``, ``update_steps``), so what it shows is what ``run`` does.
Between two calls it looks at the live objects: which Units a gate's slots
hold, their ids and grads, and which other gate slots hold the very same
object (found by identity). For each backward write it works out the chain
rule's numbers: ``slot.grad += local × utop.grad``, and, where a Unit feeds
several gates, the running sum of the pulls it has received.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .engine import Circuit, Gate, Unit, in_passes, plan
from .gates import OUT_SLOT
from .steps import Pulls, SelfView, SlotView, Step, Update, Write, first_few


def with_mistake(
    steps: Iterator[Step], c: Circuit, other: Circuit, shadow: Iterator[object]
) -> Iterator[Step]:
    """The steps of the correct run, the first one where the mistaken run (``other``,
    advanced by ``shadow`` call for call) holds different numbers marked.

    Before that step the two runs hold the same numbers, so only what this
    step's two calls touched can differ: a gate's Units, an updated input, or
    (the seed, which zeroes every grad) everything. Linear in the steps."""
    parted = False
    everything = range(len(c.units))
    for step in steps:
        call = next(shadow, None)
        if parted:
            yield step
            continue
        if step.gate is None and step.update is None:  # the seed: every grad zeroed
            touched: Iterable[int] = everything
        else:
            touched = {c.index[s.unit] for s in step.slots} | _touched_by(call)
        found = tuple(
            (c.names[i], (u.value, u.grad), (v.value, v.grad))
            for i in sorted(touched)
            for u, v in [(c.units[i], other.units[i])]
            if (u.value, u.grad) != (v.value, v.grad)
        )
        if found:
            parted = True
            step = step._replace(parts=found)
        yield step


def _touched_by(call: object) -> set[int]:
    """The units one call of the mistaken run may have changed."""
    if isinstance(call, Gate):
        return {*call.args, call.out}
    if isinstance(call, int):
        return {call}
    return set()


class _Holders:
    """id(unit) -> the gate slots holding it, kept up to date slot by slot, in
    the order they came to hold it (file order, as forward runs)."""

    def __init__(self) -> None:
        self.by_id: dict[int, dict[str, None]] = {}
        self.held: dict[str, dict[str, int]] = {}  # gate -> slot -> the id it held

    def refresh(self, g: Gate) -> None:
        old = self.held.setdefault(g.name, {})
        for slot, u in g.held():
            uid = id(u)
            was = old.get(slot)
            if was == uid:
                continue  # unchanged: its place among the holders kept
            name = f"{g.name}.{slot}"
            if was is not None:
                holders = self.by_id[was]
                del holders[name]
                if not holders:
                    del self.by_id[was]
            self.by_id.setdefault(uid, {})[name] = None
            old[slot] = uid

    def others(self, uid: int, me: str) -> tuple[tuple[str, ...], int]:
        """The first few other slots holding object ``uid``, and how many in all."""
        return first_few(self.by_id.get(uid, {}), me)


class Selves:
    """The gate objects calls run on: each one's ``self``, and, the first time a
    second object of a class is seen, the first object of that class (they are
    two objects: gates share the Units in their slots, not themselves)."""

    def __init__(self) -> None:
        self.first: dict[type, str] = {}  # class -> the name of its first object seen
        self.seen: set[int] = set()

    def of(self, gate: object, name: str) -> SelfView:
        cls = type(gate)
        first = self.first.setdefault(cls, name)
        new = id(gate) not in self.seen
        self.seen.add(id(gate))
        other = first if new and first != name else None
        return SelfView(name, cls.__name__, id(gate), other)


class Tracer:
    """Runs a circuit pass by pass, describing every single call."""

    def __init__(self, circuit: Circuit) -> None:
        self.c = circuit
        self.holders = _Holders()
        self.order = {g.name: k for k, g in enumerate(circuit.gates)}
        self.selves = Selves()

    def _self(self, g: Gate) -> SelfView:
        return self.selves.of(g, g.name)

    def _name(self, i: int) -> str:
        return self.c.names[i]

    def _slot_views(self, g: Gate) -> tuple[SlotView, ...]:
        idx = {**dict(zip(g.slots, g.args, strict=False)), OUT_SLOT: g.out}
        views = []
        for slot, u in g.held():
            also, count = self.holders.others(id(u), f"{g.name}.{slot}")
            views.append(
                SlotView(
                    slot,
                    self._name(idx[slot]),
                    id(u),
                    u.value,
                    u.grad,
                    also,
                    self.c.addresses.reused(u),
                    count,
                )
            )
        return tuple(views)

    def count(self, iterations: int = 1, update: bool = True) -> int:
        """How many steps ``steps`` yields."""
        c = self.c
        per_pass = {
            "forward": len(c.gates),
            "backward": len(c.gates) + 1,  # the seed, then each gate
            "update": len(c.trainable),
        }
        return sum(per_pass[phase] for phase, _ in plan(iterations, update))

    def steps(self, iterations: int = 1, update: bool = True) -> Iterator[Step]:
        passes = {"forward": self.forward, "backward": self.backward, "update": self.updates}
        for _, _, step in in_passes(iterations, update, lambda phase, it: passes[phase](it)):
            yield step

    def forward(self, it: int) -> Iterator[Step]:
        c = self.c
        for g in c.forward_steps():
            self.holders.refresh(g)
            args = ", ".join(self._name(i) for i in g.args)
            yield Step(
                "forward",
                it,
                f"{g.name}.forward({args})",
                g.name,
                g.op.name,
                type(g).__name__,
                g.line,
                self._slot_views(g),
                new=self._name(g.out),
                self_=self._self(g),
            )

    def backward(self, it: int) -> Iterator[Step]:
        c = self.c
        passes = c.backward_steps()
        next(passes)  # every grad zeroed, the output's seeded with 1.0
        out = c.units[c.output]
        line, _ = c.locations.get(c.output_name, (0, 0))
        producer = next((g for g in c.gates if g.out == c.output), None)
        also, count = self.holders.others(id(out), "")
        yield Step(
            "backward",
            it,
            f"{c.output_name}.grad = 1.0",
            None,
            None,
            None,
            c.output_line or (producer.line if producer else line),
            (
                SlotView(
                    "output",
                    c.output_name,
                    id(out),
                    out.value,
                    out.grad,
                    also,
                    c.addresses.reused(out),
                    count,
                ),
            ),
            output_key=bool(c.output_line),
        )
        pulls: dict[int, Pulls] = {id(out): Pulls(1.0)}  # the seed is the first pull
        for g in reversed(c.gates):
            inputs = g.inputs()
            before = {id(u): u.grad for _, u in inputs}
            upstream = g.utop.grad
            locals_ = _locals(g)
            next(passes)  # g.backward(), the engine's own
            writes = self._writes(g, inputs, before, upstream, locals_, pulls)
            final = {id(u): w.grad_after for w, (_, u) in zip(writes, inputs)}
            if any(final[id(u)] != u.grad for _, u in inputs):  # the engine has the last word
                raise RuntimeError(f"the trace of {g.name}.backward() disagrees with the engine")
            yield Step(
                "backward",
                it,
                f"{g.name}.backward()",
                g.name,
                g.op.name,
                type(g).__name__,
                g.line,
                self._slot_views(g),
                writes,
                self_=self._self(g),
            )

    def _writes(
        self,
        g: Gate,
        inputs: list[tuple[str, Unit]],
        before: dict[int, float],
        upstream: float,
        locals_: tuple[float | None, ...],
        pulls: dict[int, Pulls],
    ) -> tuple[Write, ...]:
        idx = dict(zip(g.slots, g.args, strict=False))
        running = dict(before)  # u0 and u1 may be one object: writes follow each other
        writes = []
        for k, (slot, u) in enumerate(inputs):
            local = locals_[k]
            grad_before = running[id(u)]
            if local is None:  # skipped: pow's derivative by a literal exponent
                grad_after = grad_before
            else:
                grad_after = grad_before + local * upstream
                pulls.setdefault(id(u), Pulls()).add(local * upstream)
            running[id(u)] = grad_after
            received = pulls.get(id(u))
            shown, total = received.shown() if received is not None else ((), 0)
            writes.append(
                Write(
                    slot,
                    self._name(idx[slot]),
                    g.op.local_formulas[k],
                    0.0 if local is None else local,
                    upstream,
                    grad_before,
                    grad_after,
                    shown,
                    local is None,
                    pulls_total=total,
                )
            )
        return tuple(writes)

    def updates(self, it: int) -> Iterator[Step]:
        c = self.c
        before = {i: c.units[i].value for i in c.inputs}
        for i in c.update_steps():
            u = c.units[i]
            name = self._name(i)
            line, _ = c.locations.get(name, (0, 0))
            also, count = self.holders.others(id(u), "")
            reused = c.addresses.reused(u)
            yield Step(
                "update",
                it,
                f"{name}.value += {c.step_size!r} × {name}.grad",
                None,
                None,
                None,
                line,
                (SlotView("unit", name, id(u), u.value, u.grad, also, reused, count),),
                update=Update(name, c.step_size, u.grad, before[i], u.value),
            )


def _locals(g: Gate) -> tuple[float | None, ...]:
    """The gate's local derivatives now, from the registry (None where undefined)."""
    return tuple(None if d != d else d for d in g.locals_now())
