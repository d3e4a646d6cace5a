"""A script's events as trace steps, the same records a circuit's trace gives:
a gate call with its slots, the gate object it ran on (its ``self``), and
each write with the very line of the learner's code that made it, the name
and id of the object written; a line of the script outside any call (the
seed ``s.grad = 1.0``, a zeroing loop, an update) with each of its writes.
"""

from __future__ import annotations

from typing import Any

from ..core.gates import OUT_SLOT
from ..core.steps import Pulls, SlotView, Step, Write
from ..i18n import N_
from ..i18n.worded import Worded
from .names import PATH
from .seen import Seen
from .source import write_site

RAISED = N_("raised an exception (if the script does not catch it, its traceback follows)")


class Steps:
    """Events in, steps out, in the order the script made them."""

    def __init__(self, seen: Seen, grad_attr: str) -> None:
        self.seen = seen
        self.grad = grad_attr  # a write's attribute: this, or the value's (its class's)

    def call(self, ev: dict[str, Any]) -> Step:
        seen = self.seen
        gate, method, role = ev["g"], ev["m"], ev["role"]
        seen.evidence(ev)
        name = seen.name(gate)
        for a in ev["a"]:  # arguments first, in order: Class#n where nothing names them
            if isinstance(a, list):
                seen.name(a[0])
        for attr, slot in ev["after"].items():  # else the slot a Unit is first seen in
            if seen.names.get(slot[0]) is None:
                seen.names.offer(slot[0], f"{name}.{attr}", PATH)
        before, after = ev["b"], ev["after"]
        forward = role == 0
        phase = seen.phase(role)
        made = seen.made_slot(ev) if forward else None
        if made is not None:
            seen.out_slot[gate] = made
        out_slot = seen.out_slot.get(gate, OUT_SLOT)
        seen.hold(gate, after)
        upstream = before[out_slot][2] if out_slot in before else None
        views = tuple(self._view(attr, s, (gate, attr)) for attr, s in after.items())
        writes = tuple(self._write(w, after, upstream) for w in ev["w"])
        args = ", ".join(self._arg(a) for a in ev["a"])
        site = ev["s"]
        source = seen.source(site[0], site[1]) if site else None
        cls = seen.things[gate].cls
        new = seen.name(after[made][0]) if made is not None else None
        return Step(
            phase,
            seen.iteration,
            f"{name}.{method}({args})",
            name,
            cls,
            cls,
            source.line if source is not None else 0,
            views,
            writes,
            new=new,
            out_slot=out_slot,
            self_=seen.self_view(gate, name, not forward),
            source=source,
            raised=Worded(RAISED) if ev["x"] else None,
        )

    def lines(self, ev: dict[str, Any]) -> Step:
        """One line of the script, outside any watched call, and what it wrote."""
        seen = self.seen
        writes = ev["w"]
        for k, w in enumerate(writes):  # the k-th write of a line's attribute: its k-th target
            seen.write_evidence(w, w[1], sum(v[1] == w[1] for v in writes[:k]))
        first = writes[0]
        source = seen.source(first[4], first[5])
        views: dict[int, SlotView] = {}
        out = []
        for w in writes:
            oid, attr = w[0], w[1]
            if attr == self.grad:  # a grad set from outside: a seed, or a reset
                seen.pulls[oid] = Pulls(w[3]) if w[3] else Pulls()
                if w[3]:
                    seen.order = 0  # a seed: a backward pass begins
                    seen.ran = {}
                    seen.root = oid
            unit = seen.name(oid)
            if oid not in views:
                now = ev["now"].get(str(oid)) or ev["now"].get(oid) or (None, None)
                views[oid] = self._view(attr, [oid, *now])
            out.append(self._line_write(w, unit))
        return Step(
            "script",
            seen.iteration,
            source.text,
            None,
            None,
            None,
            first[5],
            tuple(views.values()),
            tuple(out),
            source=source,
        )

    # -- parts -----------------------------------------------------------------------------

    def _arg(self, a: Any) -> str:
        """An argument as the call shows it: a plain value by its repr, a Unit by
        its name, a list of Units as a list of their names."""
        if isinstance(a, str):
            return a
        if isinstance(a, dict):
            names = [self.seen.name(u[0]) for u in a["u"][:4]]
            if len(names) == a["n"] and a["u"]:
                inside = ", ".join(names) + ("," if a["c"] == "tuple" and len(names) == 1 else "")
                return f"[{inside}]" if a["c"] == "list" else f"({inside})"
            return f"<{a['c']} of {a['n']}>"
        return self.seen.name(a[0])

    def _view(self, attr: str, slot: list[Any], me: tuple[int, str] | None = None) -> SlotView:
        seen = self.seen
        oid, value, grad = slot[0], slot[1], slot[2]
        thing = seen.things.get(oid)
        also, count = seen.also(oid, me)
        return SlotView(
            attr,
            seen.name(oid),
            thing.address if thing else 0,
            _real(value),
            _real(grad),
            also,
            thing.reused if thing else False,
            count,
        )

    def _write(self, w: list[Any], after: dict[str, list[Any]], upstream: float | None) -> Write:
        """A write inside a gate call: its slot, the running sum of a grad's pulls."""
        seen = self.seen
        oid, attr, before, value, file, line = w[:6]
        held = [a for a, s in after.items() if s[0] == oid]
        site = write_site(seen.lines.get((file, line), ""), attr)
        slot = site.slot if site.slot in held else ("+".join(held) or attr)
        pulls: tuple[float, ...] = ()
        total = 0
        if attr == self.grad and isinstance(value, float) and isinstance(before, float):
            if site.adds is False:  # `=`: what it held is gone, this pull is all there is
                received = seen.pulls[oid] = Pulls(value)
            else:
                received = seen.pulls.setdefault(oid, Pulls())
                received.add(value - before)
            pulls, total = received.shown()
        thing = seen.things.get(oid)
        return Write(
            slot,
            seen.name(oid),
            "",
            None,
            upstream,
            before,
            value,
            pulls,
            False,
            attr,
            seen.source(file, line),
            thing.address if thing else None,
            thing.reused if thing else False,
            total,
        )

    def _line_write(self, w: list[Any], unit: str) -> Write:
        oid, attr, before, value, file, line = w[:6]
        thing = self.seen.things.get(oid)
        return Write(
            attr,
            unit,
            "",
            None,
            None,
            before,
            value,
            (),
            False,
            attr,
            self.seen.source(file, line),
            thing.address if thing else None,
            thing.reused if thing else False,
        )


def _real(x: float | str | None) -> float | str:
    """A number of the script's, as the watcher sent it (a str: an int too large
    for a float, in writing); NaN where it stopped being a number."""
    if x is None:
        return float("nan")
    return x if isinstance(x, str) else float(x)
