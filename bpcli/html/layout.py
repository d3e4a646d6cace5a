"""A layered left-to-right layout of a circuit's graph, computed here (no
Graphviz). Pure: no I/O.

The graph has a node per Unit and per gate, and an edge per gate slot: a Unit
into the gate that holds it as an input, the gate into the Unit it holds as
its output. Layers are the longest path from the inputs (a Unit nobody
produced sits one layer before its first reader, so it is not stranded at
the far left); within a layer, nodes are ordered by the barycentre of their
neighbours in a few down and up sweeps, which removes most crossings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import NamedTuple

UNIT, GATE, DUMMY = "unit", "gate", "dummy"  # a dummy: where a long edge crosses a layer
CHAR_W = 7.2  # px per character of the 12 px monospace labels
NODE_H = 48.0
GAP_Y = 14.0
GAP_X = 56.0
SWEEPS = 4


class Node(NamedTuple):
    key: str  # "u:NAME" or "g:NAME": unique in the graph
    kind: str  # UNIT or GATE
    name: str
    sub: str  # a gate's op; a Unit's kind (input, gate, const), or ""
    width: float


class Edge(NamedTuple):
    src: str  # node keys
    dst: str
    gate: str
    slot: str
    unit: str


class Graph:
    """Nodes in definition order, edges one per gate slot."""

    def __init__(self, room: bool = True) -> None:
        self.room = room  # room beneath a Unit's name for its value and grad
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self._seen: set[tuple[str, str]] = set()

    def unit(self, name: str, kind: str = "") -> str:
        key = "u:" + name
        if key not in self.nodes:
            label = max(len(name), 12 if self.room else 4)  # "v 0.104994" beneath
            self.nodes[key] = Node(key, UNIT, name, kind, label * CHAR_W + 16)
        return key

    def gate(self, name: str, op: str) -> str:
        key = "g:" + name
        if key not in self.nodes:
            self.nodes[key] = Node(key, GATE, name, op, max(len(name), len(op)) * CHAR_W + 20)
        return key

    def slot(self, gate: str, slot: str, unit: str, output: bool) -> None:
        """The edge of ``gate.slot`` holding ``unit`` (once, however often it is seen)."""
        if (gate, slot) in self._seen:
            return
        self._seen.add((gate, slot))
        g, u = "g:" + gate, "u:" + unit
        src, dst = (g, u) if output else (u, g)
        self.edges.append(Edge(src, dst, gate, slot, unit))


class Placed(NamedTuple):
    node: Node
    layer: int
    x: float  # left edge
    y: float  # centre


class Layout(NamedTuple):
    placed: dict[str, Placed]
    width: float
    height: float
    layers: int  # how many layers the whole graph has
    drawn_layers: int  # how many of them are drawn (the first ones)
    gates: int
    drawn_gates: int
    columns: list[tuple[float, float]]  # each drawn layer's left and right
    routes: dict[int, list[str]]  # edge index -> the dummies it passes, in order


def layers(g: Graph) -> dict[str, int]:
    """Longest path from the sources, in definition order (an edge back to a node
    not yet placed, which only a script's odd graph has, is not followed)."""
    preds: dict[str, list[str]] = {k: [] for k in g.nodes}
    succs: dict[str, list[str]] = {k: [] for k in g.nodes}
    for e in g.edges:
        preds[e.dst].append(e.src)
        succs[e.src].append(e.dst)
    layer: dict[str, int] = {}
    pending = list(g.nodes)
    # definition order is nearly topological: a gate's inputs come before it
    order = _topological(pending, preds, succs)
    for k in order:
        known = [layer[p] for p in preds[k] if p in layer]
        layer[k] = 1 + max(known) if known else 0
    for k in order:  # a source sits just before its first reader
        if not preds[k] and succs[k]:
            layer[k] = max(0, min(layer[s] for s in succs[k]) - 1)
    return layer


def _topological(
    keys: list[str], preds: dict[str, list[str]], succs: dict[str, list[str]]
) -> list[str]:
    """Kahn's order, ties in definition order; what a cycle leaves, in definition order."""
    waiting = {k: len(set(preds[k])) for k in keys}
    ready = [k for k in keys if waiting[k] == 0]
    rank = {k: i for i, k in enumerate(keys)}
    import heapq

    heap = [(rank[k], k) for k in ready]
    heapq.heapify(heap)
    order: list[str] = []
    done: set[str] = set()
    while heap:
        _, k = heapq.heappop(heap)
        if k in done:
            continue
        done.add(k)
        order.append(k)
        for s in set(succs[k]):
            waiting[s] -= 1
            if waiting[s] == 0:
                heapq.heappush(heap, (rank[s], s))
    order += [k for k in keys if k not in done]
    return order


def _sweep(rows: list[list[str]], neighbours: dict[str, list[str]], at: dict[str, float]) -> None:
    for row in rows:
        centre = (len(row) - 1) / 2

        def barycentre(k: str, centre: float = centre) -> float:
            near = [at[n] for n in neighbours[k] if n in at]
            return sum(near) / len(near) if near else at.get(k, 0.0)

        row.sort(key=barycentre)
        for i, k in enumerate(row):
            at[k] = i - centre


def layout(g: Graph, max_gates: int | None = None) -> Layout:
    """Where each node goes; with ``max_gates``, only the first layers that hold
    at most that many gates (at least one layer) are placed."""
    layer = layers(g)
    count = 1 + max(layer.values(), default=-1)
    rows: list[list[str]] = [[] for _ in range(count)]
    for k in g.nodes:
        rows[layer[k]].append(k)
    gates = sum(n.kind == GATE for n in g.nodes.values())
    drawn = count
    if max_gates is not None:
        total = 0
        for i, row in enumerate(rows):
            total += sum(g.nodes[k].kind == GATE for k in row)
            if total > max_gates and i > 0:
                drawn = i
                break
    rows = rows[:drawn]
    kept = {k for row in rows for k in row}
    ins: dict[str, list[str]] = {k: [] for k in kept}
    outs: dict[str, list[str]] = {k: [] for k in kept}
    routes: dict[int, list[str]] = {}
    for n, e in enumerate(g.edges):
        if e.src not in kept or e.dst not in kept:
            continue
        a, b = layer[e.src], layer[e.dst]
        chain = [e.src]
        if b - a > 1:  # a long edge: a dummy in each layer it crosses
            routes[n] = []
            for i in range(a + 1, b):
                d = f"d:{n}:{i}"
                rows[i].append(d)
                layer[d] = i
                ins[d], outs[d] = [], []
                routes[n].append(d)
                chain.append(d)
        chain.append(e.dst)
        for u, v in itertools.pairwise(chain):
            ins[v].append(u)
            outs[u].append(v)
    at = {k: i - (len(row) - 1) / 2 for row in rows for i, k in enumerate(row)}
    for _ in range(SWEEPS):
        _sweep(rows[1:], ins, at)
        _sweep(rows[-2::-1], outs, at)
    _sweep(rows[1:], ins, at)
    return _place(g, rows, layer, count, gates, routes)


def _place(
    g: Graph,
    rows: list[list[str]],
    layer: dict[str, int],
    count: int,
    gates: int,
    routes: dict[int, list[str]],
) -> Layout:
    dummy = Node("", DUMMY, "", "", 0.0)
    tallest = max((len(r) for r in rows), default=0)
    height = tallest * (NODE_H + GAP_Y) + GAP_Y
    placed: dict[str, Placed] = {}
    columns: list[tuple[float, float]] = []
    x = GAP_Y
    for row in rows:
        widest = max((g.nodes[k].width for k in row if k in g.nodes), default=0.0)
        columns.append((x, x + widest))
        top = (height - len(row) * (NODE_H + GAP_Y) + GAP_Y) / 2
        for i, k in enumerate(row):
            node = g.nodes.get(k) or dummy._replace(key=k)
            y = top + i * (NODE_H + GAP_Y) + NODE_H / 2
            placed[k] = Placed(node, layer[k], x + (widest - node.width) / 2, y)
        x += widest + GAP_X
    drawn_gates = sum(p.node.kind == GATE for p in placed.values())
    width = x - GAP_X + GAP_Y
    return Layout(placed, width, height, count, len(rows), gates, drawn_gates, columns, routes)


def from_circuit(c: object, room: bool = True) -> Graph:
    """The graph of a circuit (an engine.Circuit): units by name, gates in file order."""
    from ..core.gates import OUT_SLOT

    graph = Graph(room)
    names, kinds = c.names, c.kinds  # type: ignore[attr-defined]
    for g in c.gates:  # type: ignore[attr-defined]
        for i in g.args:
            graph.unit(names[i], kinds[i])
        graph.gate(g.name, g.op.name)
        graph.unit(names[g.out], kinds[g.out])
        for slot, i in zip(g.slots, g.args, strict=False):
            graph.slot(g.name, slot, names[i], False)
        graph.slot(g.name, OUT_SLOT, names[g.out], True)
    for i, name in enumerate(names):  # a unit no gate reads (an unused input)
        graph.unit(name, kinds[i])
    return graph


def from_events(events: Iterable[dict[str, object]]) -> Graph:
    """The graph of a script's trace: each gate called, and the Units its slots held
    (by the names the trace gave them), the output slot from the first forward call;
    for Value code, each op and the Values it was given and made (a Value given
    twice, ``a * a``, has an edge for each use)."""
    graph = Graph()
    outputs: dict[str, str] = {}
    for e in events:
        gate, slots = e.get("gate"), e.get("slots")
        if not isinstance(gate, str) or not isinstance(slots, dict):
            continue
        if e.get("kind") in ("closure", "node"):  # a Value's op drew its edges: one per use
            continue
        new = e.get("new")
        for slot, view in slots.items():
            if view["unit"] == new and e.get("phase") == "forward":
                outputs.setdefault(gate, slot)
        out = outputs.get(gate)
        for slot, view in slots.items():
            if slot != out:
                graph.unit(view["unit"])
        graph.gate(gate, str(e.get("op") or e.get("class") or ""))
        for slot, view in slots.items():
            if slot == out:
                graph.unit(view["unit"])
            graph.slot(gate, slot, view["unit"], slot == out)
    return graph
