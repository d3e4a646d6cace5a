"""A script's Value code (micrograd's, microgpt's) as trace steps:

- an *op* (forward): the Values it was given (``self``, ``other``) and the new
  Value it made, each named as the script names it (``x1w1 = x1 * w1``), a
  temporary by its expression (``(x1*w1)``), a constant by its number;
- a *closure* call (backward): the Values its free variables hold, named by
  those variables (``self``, ``other``, ``out``), each write with the chain
  rule's numbers (the pull over ``out.grad``), the op and the line that made
  the closure, and its place in this backward pass;
- a *node* of microgpt's loop (backward): the node, its children and the
  local grads it holds, each ``child.grad += local_grad * v.grad``.

Where a Value is held: by the closures of the Values made from it
(``x1w1._backward.self``), or, without a closure, by their children tuples
(``logit0._children[0]``).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..core.steps import Source, Step, ValueInfo, Write
from .names import EXPR
from .seen import Seen
from .source import assigned_to, write_site

SYMBOLS = {  # an op's symbol, where the script's Value keeps none (microgpt's)
    "__add__": "+",
    "__radd__": "+",
    "__mul__": "*",
    "__rmul__": "*",
    "__sub__": "-",
    "__rsub__": "-",
    "__truediv__": "/",
    "__rtruediv__": "/",
    "__pow__": "**",
    "__neg__": "-",
    "__matmul__": "@",
}
BINARY = frozenset(("+", "-", "*", "/", "**", "@"))
LONGEST = 28  # a name made of an expression, at most (longer parts are "…")
SHOWN_USES = 4  # the Values made from one named in a backward step; the rest counted


class Made(NamedTuple):
    """What made a Value: its op, as the trace showed it."""

    k: int  # the watcher's number of the op's step
    sym: str
    maker: str  # Value.__add__
    at: Source | None  # the script's line whose expression made it
    inside: Source | None  # the line in the op that made it (microgpt's local grads)
    children: tuple[int, ...]
    operands: tuple[int, ...]  # the Values the op was given, in order
    closure: str  # the attribute that holds its closure ("" without one)
    value: float | str | None  # its value as made
    pulls: bool = True  # it will pull into its children: a closure, or local grads


def symbol(ev: dict[str, Any]) -> str:
    said = ev.get("sym")
    if isinstance(said, str) and said:
        return said
    return SYMBOLS.get(ev["m"], ev["m"])


def _short(name: str) -> str:
    return name if len(name) <= LONGEST // 2 or not name.startswith("(") else "(…)"


def expression(sym: str, names: list[str], plain: str | None) -> str:
    """A temporary's name, from its op and operands: ``(x1*w1)``, ``tanh(n)``."""
    parts = [_short(n) for n in names]
    if sym in BINARY and len(parts) == 2:
        text = f"({parts[0]}{sym}{parts[1]})"
    elif sym in BINARY and len(parts) == 1 and plain is not None:
        text = f"({parts[0]}{sym}{plain})"
    elif len(parts) == 1 and sym[:1] in "+-*/@":  # micrograd's "**2"
        text = f"({parts[0]}{sym})"
    else:
        text = f"{sym}({', '.join(parts)})"
    return text if len(text) <= LONGEST else f"{sym}(…)"


def _number(x: Any) -> str:
    """A constant's name: its number, in parentheses (``(2.0).grad`` reads as code)."""
    return f"({x!r})" if isinstance(x, float) else f"({x})"


def _same(pairs: list[tuple[str, int]], seen: Seen) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Names here that hold one and the same Value (``self`` and ``other`` of ``a * a``)."""
    by: dict[int, list[str]] = {}
    for name, oid in pairs:
        by.setdefault(oid, []).append(name)
    return tuple((seen.name(o), tuple(n)) for o, n in by.items() if len(n) > 1)


class ValueSteps:
    def __init__(self, seen: Seen, steps: Any) -> None:
        self.seen, self.steps = seen, steps
        self.reached: tuple[int | None, set[int]] = (None, set())  # root -> its reach

    def op(self, ev: dict[str, Any]) -> Step:
        seen = self.seen
        site = ev.get("s") or [0, 0, None, None, None]
        file, line, c0, c1, owner = site
        for expr, oid in ev.get("n", ()):
            seen.offer(oid, expr, file, line, owner)
        out = ev["r"][0]
        if ev.get("top"):
            target = assigned_to(seen.lines.get((file, line), ""), (c0, c1))
            seen.offer(out, target, file, line, owner)
        units = [p for p in ev["p"] if len(p) >= 4]
        plain = next((p[1] for p in ev["p"][1:] if len(p) == 2 and p[1] is not None), None)
        for p in units:
            if seen.names.rank(p[1]) < 0 and p[1] not in seen.made:  # a constant of the op's
                seen.names.offer(p[1], _number(p[2]), EXPR)
        sym = symbol(ev)
        names = [seen.name(p[1]) for p in units]
        if seen.names.rank(out) < EXPR:
            seen.names.offer(out, expression(sym, names, plain), EXPR)
        fa = ev.get("fa", "")
        held: dict[str, list[Any]] = {}
        for cap in ev.get("cap", ()):
            if cap[1] is not None and cap[1] != out:  # `out` is the Value itself: not a holder
                held[f"{fa}.{cap[0]}"] = [cap[1]]
        if not fa:
            kids = ev.get("ch", ())
            ca = ev.get("ca", "")
            for k, kid in enumerate(kids):
                held[ca if ev.get("set") else f"{ca}[{k}]"] = [kid]
        seen.hold(out, held)
        at = seen.source(file, line) if file else None
        inside = seen.source(*ev["at"]) if ev.get("at") else None
        maker = str(ev["q"])
        seen.made[out] = Made(
            ev["k"],
            sym,
            maker,
            at,
            inside,
            tuple(ev.get("ch", ())),
            tuple(p[1] for p in units),
            fa,
            ev["r"][1],
            bool(fa or ev.get("lg")),
        )
        phase = seen.phase(0)
        seen.ops += 1
        for oid in dict.fromkeys(p[1] for p in units):  # each Value it was given, once
            seen.users.setdefault(oid, []).append(out)
        view = self.steps._view
        slots = [view(p[0], [p[1], p[2], p[3]]) for p in units]
        slots.append(view("out", ev["r"]))
        shown = [plain] if plain is not None and len(names) == 1 and sym in BINARY else []
        if sym in BINARY and len(names) + len(shown) == 2:
            said = f" {sym} ".join([*names, *shown])
        else:
            said = f"{names[0]}.{ev['m']}()" if names else f"{ev['m']}()"
        name = seen.name(out)
        return Step(
            phase,
            seen.iteration,
            f"{said} → {name}",
            name,
            sym,
            maker,
            line,
            tuple(slots),
            new=name,
            out_slot="out",
            source=at,
            value=ValueInfo(
                "op", maker=maker, made_at=at, same=_same([(p[0], p[1]) for p in units], seen)
            ),
        )

    def closure(self, ev: dict[str, Any]) -> Step:
        seen = self.seen
        owner = ev.get("o")
        made = seen.made.get(owner) if owner is not None else None
        phase = seen.phase(1)
        self._ran(owner)
        before = {c[0]: c for c in ev["cap"]}
        after = {c[0]: c[1:] for c in ev["after"]}
        out_slot = next((n for n, c in before.items() if c[1] == owner), "out")
        top = before.get(out_slot)
        upstream = top[3] if top is not None and owner is not None else None
        fa = made.closure if made is not None else "_backward"
        first = {"self": 0, "other": 1}  # the op's own names first, `out` last
        names = sorted(after, key=lambda n: (n == out_slot, first.get(n, 2)))
        slots = tuple(
            self.steps._view(n, after[n], (owner, f"{fa}.{n}") if owner is not None else None)
            for n in names
        )
        writes = tuple(self._chain(self.steps._write(w, after, upstream), w) for w in ev["w"])
        gate = seen.name(owner) if owner is not None else None
        site = ev.get("s")
        source = seen.source(site[0], site[1]) if site else None
        info = ValueInfo(
            "closure",
            seen.order,
            made.maker if made is not None else "",
            made.at if made is not None else None,
            tuple((n[0], n[1]) for n in ev.get("nums", ()) if n[1] is not None),
            _same([(n, after[n][0]) for n in names], seen),
            closure=fa,
            before=tuple((n, before[n][2], before[n][3]) for n in names if n in before),
            **self._uses(owner),
        )
        return Step(
            phase,
            seen.iteration,
            f"{gate or '?'}.{fa}()",
            gate,
            made.sym if made is not None else None,
            made.maker if made is not None else None,
            site[1] if site else 0,
            slots,
            writes,
            out_slot=out_slot,
            source=source,
            value=info,
        )

    def node(self, ev: dict[str, Any]) -> Step:
        seen = self.seen
        v = ev["o"]
        made = seen.made.get(v[0])
        phase = seen.phase(1)
        self._ran(v[0])
        kids = ev.get("ch", [])
        grads = ev.get("lg", [])
        ca = "_children"
        after: dict[str, list[Any]] = {"v": v}
        for place, kid in enumerate(kids):
            after[f"{ca}[{place}]"] = kid
        upstream = v[2]
        slots = tuple(
            self.steps._view(n, c, (v[0], n) if n != "v" else None) for n, c in after.items()
        )
        writes = []
        used: set[int] = set()
        for w in ev["w"]:
            k: int | None = next(
                (i for i, c in enumerate(kids) if c[0] == w[0] and i not in used), None
            )
            wrote = self.steps._write(w, after, upstream)
            if k is not None:
                used.add(k)
                wrote = wrote._replace(slot=f"{ca}[{k}]")
                if k < len(grads):
                    wrote = wrote._replace(local=grads[k])
            writes.append(wrote)
        first = ev["w"][0]
        name = seen.name(v[0])
        info = ValueInfo(
            "node",
            seen.order,
            made.maker if made is not None else "",
            made.at if made is not None else None,
            local_grads=tuple(grads),
            same=_same([(f"{ca}[{k}]", c[0]) for k, c in enumerate(kids)], seen),
            **self._uses(v[0]),
        )
        return Step(
            phase,
            seen.iteration,
            name,
            name,
            made.sym if made is not None else None,
            made.maker if made is not None else None,
            first[5],
            slots,
            tuple(writes),
            out_slot="v",
            source=seen.source(first[4], first[5]),
            value=info,
        )

    def _reach(self) -> set[int]:
        """The Values the seeded output was made from (once a pass)."""
        seen = self.seen
        if self.reached[0] != seen.root:
            found: set[int] = set()
            todo = [seen.root] if seen.root is not None else []
            while todo:
                x = todo.pop()
                if x not in found:
                    found.add(x)
                    made = seen.made.get(x)
                    todo.extend(made.operands if made is not None else ())
            self.reached = (seen.root, found)
        return self.reached[1]

    def _ran(self, owner: int | None) -> None:
        """A closure (or node) runs: its place in this backward pass."""
        seen = self.seen
        seen.order += 1
        seen.closures += 1
        if owner is not None:
            seen.ran[owner] = seen.order

    def _uses(self, owner: int | None) -> dict[str, Any]:
        """The Values this pass made from ``owner`` (its uses), each with the place
        its own backward ran at (0: not yet): why the order is topological."""
        seen = self.seen
        reach = self._reach()  # a Value made from it, but not on the way to the output, never pulls
        users = [u for u in seen.users.get(owner, []) if u in reach] if owner is not None else []
        shown = tuple((seen.name(u), seen.ran.get(u, 0)) for u in users[:SHOWN_USES])
        return {"uses": shown, "uses_count": len(users)}

    def _chain(self, w: Write, raw: list[Any]) -> Write:
        """A closure's write with the chain rule's numbers: its pull (with `=`, the
        whole new grad), over the grad of the Value whose closure it is."""
        up = w.upstream
        before, after = w.grad_before, w.grad_after
        if not (isinstance(up, float) and isinstance(before, float) and isinstance(after, float)):
            return w
        if up == 0.0 or not math.isfinite(up):
            return w
        site = write_site(self.seen.lines.get((raw[4], raw[5]), ""), str(raw[1]))
        pull = after if site.adds is False else after - before
        return w._replace(local=pull / up)
