"""A script's calls and writes as trace steps, the same records a circuit's
trace gives: a gate call with its slots, the gate object it ran on, and each
write with the very line of the learner's code that made it; a line of the
script outside any call (the seed ``s.grad = 1.0``, an update) with its writes.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..core.gates import OUT_SLOT
from ..core.steps import SlotView, Source, Step, Write
from ..core.tracer import Selves
from ..i18n import N_
from ..i18n.worded import Worded
from . import source as lines
from .names import Names
from .record import CallRecord, Open, RawWrite, ScriptRecord, value_of


class Watcher(Protocol):
    """What a step is made of: the watcher's state (``watcher.Watcher``), as
    this module reads and updates it. The watcher imports this module, never
    the other way round."""

    names: Names
    selves: Selves
    methods_in_order: tuple[str, ...]
    value_attr: str
    grad_attr: str
    holders: dict[int, list[str]]
    gate_slots: dict[int, dict[str, int]]
    out_slot: dict[int, str]
    pulls: dict[int, list[float]]
    iteration: int
    last_phase: str
    record: bool
    events: list[CallRecord | ScriptRecord]
    judge: Any
    steps: int

    def slots(self, gate: object) -> dict[str, object]: ...

    def source(self, file: str, line: int) -> Source: ...


_PLAIN = (int, float, str, bool, type(None))
RAISED = N_("raised an exception (if the script does not catch it, its traceback follows)")


def call_step(w: Watcher, call: Open, raised: bool, returned: object) -> Step:
    gate, method, name, site, owner = call.gate, call.method, call.name, call.site, call.owner
    source = call.source
    lineno = source.line if source is not None else 0
    after = w.slots(gate)
    before = call.before
    created = [a for a, u in after.items() if a not in before or before[a][0] is not u]
    forward = method == next(iter(w.methods_in_order))
    if forward and created:
        w.out_slot[id(gate)] = created[-1]
    out_slot = w.out_slot.get(id(gate), OUT_SLOT)
    for attr, u in after.items():
        made = attr in created and returned is u
        w.names.unit(u, site.target if made else None, f"{name}.{attr}", caller_self=owner)
    _phase(w, method, forward)
    _index(w, gate, name, after)
    upstream = before[out_slot][1] if out_slot in before else None
    views = tuple(
        SlotView(attr, _name(w, u), id(u), _value(w, u), _grad(w, u), _also(w, u, f"{name}.{attr}"))
        for attr, u in after.items()
    )
    writes = tuple(_write(w, raw, after, upstream) for raw in call.writes)
    new = [_name(w, after[a]) for a in created]
    args = ", ".join(
        repr(a)
        if isinstance(a, _PLAIN)
        else w.names.unit(a, site.args[k] if k < len(site.args) else None, caller_self=owner)
        for k, a in enumerate(call.args)
    )
    problems: tuple[str, ...] = ()
    if w.record or w.judge is not None:
        record = CallRecord(
            w.steps + 1,
            gate,
            name,
            method,
            "forward" if forward else "backward",
            tuple(call.args),
            call.arg_values,
            dict(before),
            dict(after),
            w.out_slot.get(id(gate)),
            upstream,
            tuple(call.writes),
            source or w.source("", 0),
            raised,
            returned,
        )
        if w.record:
            w.events.append(record)
        if w.judge is not None:
            found = w.judge.call(record)  # English, as JSON says it; text() for a reader
            problems = tuple(f.message for f in found)
    return Step(
        method,
        w.iteration,
        f"{name}.{method}({args})",
        name,
        type(gate).__name__,
        type(gate).__name__,
        lineno,
        views,
        writes,
        new=new[-1] if new and forward else None,
        out_slot=out_slot,
        self_=w.selves.of(gate, name),
        problems=problems,
        source=source,
        raised=Worded(RAISED) if raised else None,
    )


def script_step(w: Watcher, writes: list[RawWrite]) -> Step:
    """One line of the script, outside any watched call, and what it wrote."""
    first = writes[0]
    source = w.source(first.file, first.line)
    site = lines.write_site(first.file, first.line, first.attr)
    hint = site.target.rpartition(".")[0] if site.target else None
    views: dict[int, SlotView] = {}
    out = []
    for raw in writes:
        unit = w.names.unit(raw.unit, hint)
        if raw.attr == w.grad_attr:  # a grad set from outside: a seed, or a reset
            w.pulls[id(raw.unit)] = [raw.after] if raw.after else []
        views.setdefault(
            id(raw.unit),
            SlotView(
                raw.attr,
                unit,
                id(raw.unit),
                _value(w, raw.unit),
                _grad(w, raw.unit),
                tuple(w.holders.get(id(raw.unit), ())),
            ),
        )
        out.append(
            Write(
                raw.attr, unit, "", None, None, raw.before, raw.after, (), False, raw.attr, source
            )
        )
    if w.record or w.judge is not None:
        record = ScriptRecord(w.steps + 1, tuple(writes), source)
        if w.record:
            w.events.append(record)
        if w.judge is not None:
            w.judge.script(record)
    return Step(
        "script",
        w.iteration,
        source.text,
        None,
        None,
        None,
        first.line,
        tuple(views.values()),
        tuple(out),
        source=source,
    )


def _phase(w: Watcher, method: str, forward: bool) -> None:
    """A forward call after other calls begins the next iteration."""
    if forward and w.last_phase and w.last_phase != method:
        w.iteration += 1
    if forward:
        w.pulls.clear()
    w.last_phase = method


def _index(w: Watcher, gate: object, name: str, after: dict[str, object]) -> None:
    """The Unit -> slots index, brought up to date for this one gate."""
    gid = id(gate)
    for attr, uid in w.gate_slots.get(gid, {}).items():
        held = w.holders.get(uid)
        if held is not None:
            held.remove(f"{name}.{attr}")
            if not held:
                del w.holders[uid]
    now = {attr: id(u) for attr, u in after.items()}
    for attr, uid in now.items():
        w.holders.setdefault(uid, []).append(f"{name}.{attr}")
    w.gate_slots[gid] = now


def _write(w: Watcher, raw: RawWrite, after: dict[str, object], upstream: float | None) -> Write:
    unit = _name(w, raw.unit)
    held = [attr for attr, u in after.items() if u is raw.unit]
    site = lines.write_site(raw.file, raw.line, raw.attr)
    slot = site.slot if site.slot in held else ("+".join(held) or raw.attr)
    pulls: tuple[float, ...] = ()
    if raw.attr == w.grad_attr:
        received = w.pulls.setdefault(id(raw.unit), [])
        received.append(raw.after - raw.before)
        pulls = tuple(received)
    return Write(
        slot,
        unit,
        "",
        None,
        upstream,
        raw.before,
        raw.after,
        pulls,
        False,
        raw.attr,
        w.source(raw.file, raw.line),
    )


def _name(w: Watcher, u: object) -> str:
    return w.names.get(u) or w.names.unit(u)


def _value(w: Watcher, u: Any) -> float:
    return value_of(u, w.value_attr)


def _grad(w: Watcher, u: Any) -> float:
    return value_of(u, w.grad_attr)


def _also(w: Watcher, u: object, me: str) -> tuple[str, ...]:
    return tuple(h for h in w.holders.get(id(u), ()) if h != me)
