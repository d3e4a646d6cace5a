"""The circuit drawn as SVG text, from a Layout: gates as boxes with their name
and op, each Unit once (a rounded box with its name, and a line for its value
and grad), one edge per gate slot that holds a Unit, so a shared Unit fans
out. Every element carries its names as data attributes (``data-unit``,
``data-gate``, ``data-slot``), which the trace page's script marks; all user
text is escaped. Pure: no I/O."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping

from ..core.addresses import address
from ..i18n import _
from .layout import DUMMY, GATE, NODE_H, Layout, Placed

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in XML


def esc(text: object) -> str:
    """Text for XML and HTML: markup escaped, control characters shown as �."""
    from html import escape

    return escape(_CONTROL.sub("\ufffd", str(text)), quote=True)


STYLE = """
.bp-edge path{fill:none;stroke:#6b7280;stroke-width:1.2}
.bp-edge text,.bp-node text{font:12px ui-monospace,Menlo,Consolas,monospace;fill:#111}
.bp-edge text{font-size:10px;fill:#555}
.bp-node rect{stroke:#374151;stroke-width:1.2;fill:#fff}
.bp-unit rect{fill:#f8fafc}
.bp-unit.bp-k-input rect{fill:#e8f0fe}
.bp-unit.bp-k-const rect{stroke-dasharray:3 2}
.bp-gate rect{fill:#fef3c7}
.bp-gate .bp-op,.bp-vg{fill:#555}
"""


def _path(lay: Layout, src: str, dst: str, via: list[str], order: int) -> tuple[str, float, float]:
    """The edge's path (through the dummies of a long edge), and its end point."""
    a, b = lay.placed[src], lay.placed[dst]
    x1, y1 = a.x + a.node.width, a.y
    x2, y2 = b.x, b.y
    if b.node.kind == GATE and order >= 0:  # into a gate: each input slot at its own height
        y2 += (min(order, 1) - 0.5) * 12
    points = [(x1, y1)]
    for d in via:  # across a layer: straight over its column
        p = lay.placed[d]
        left, right = lay.columns[p.layer]
        points += [(left, p.y), (right, p.y)]
    points.append((x2, y2))
    path = [f"M{x1:.1f},{y1:.1f}"]
    for k, ((xa, ya), (xb, yb)) in enumerate(itertools.pairwise(points)):
        if k % 2:  # over a column
            path.append(f"L{xb:.1f},{yb:.1f}")
        else:
            dx = max(12.0, abs(xb - xa) / 2)
            path.append(f"C{xa + dx:.1f},{ya:.1f} {xb - dx:.1f},{yb:.1f} {xb:.1f},{yb:.1f}")
    return " ".join(path), x2, y2


def svg(
    lay: Layout,
    edges: list[tuple[str, str, str, str, str]],
    details: Mapping[str, tuple[tuple[str, str], str]] | None = None,
    title: str = "",
    standalone: bool = True,
    room: bool = True,
) -> str:
    """The drawing. ``edges``: (src key, dst key, gate, slot, unit), in slot order;
    ``details``: for a Unit's name, its value and grad lines and its tooltip (the
    page's script fills them in, step by step); ``room``: lines for them."""
    details = details or {}
    w, h = max(lay.width, 120.0), max(lay.height, 60.0)
    out = [] if not standalone else ['<?xml version="1.0" encoding="UTF-8"?>']
    out += [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bp-graph" width="{w:.0f}" '
        f'height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
        f'aria-label="{esc(title or "circuit")}">'
    ]
    if title:
        out.append(f"<title>{esc(title)}</title>")
    out.append(
        '<defs><marker id="bp-arrow" viewBox="0 0 8 8" refX="8" refY="4" '
        'markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" '
        'fill="#6b7280"/></marker></defs>'
    )
    if standalone:
        out.append(f"<style>{STYLE}</style>")
    out.append('<g class="bp-edges">')
    inputs_seen: dict[str, int] = {}
    for k, (src, dst, gate, slot, unit) in enumerate(edges):
        if src not in lay.placed or dst not in lay.placed:
            continue
        order = -1
        if lay.placed[dst].node.kind == GATE:
            order = inputs_seen.get(dst, 0)
            inputs_seen[dst] = order + 1
        d, x2, y2 = _path(lay, src, dst, lay.routes.get(k, []), order)
        a = lay.placed[src]
        x1, y1 = a.x + a.node.width, a.y
        # (an input's slot name ends clear of the 8-wide arrowhead at the gate)
        lx, ly, anchor = (x2 - 10, y2 - 3, "end") if order >= 0 else (x1 + 4, y1 - 3, "start")
        out.append(
            f'<g class="bp-edge" id="bp-e{k}" data-gate="{esc(gate)}" data-slot="{esc(slot)}" '
            f'data-unit="{esc(unit)}"><path d="{d}" marker-end="url(#bp-arrow)"/>'
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">{esc(slot)}</text></g>'
        )
    out.append("</g>")
    out.append('<g class="bp-nodes">')
    for k, p in enumerate(lay.placed.values()):
        if p.node.kind != DUMMY:
            out.append(_node(k, p, details, room))
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def _node(k: int, p: Placed, details: Mapping[str, tuple[tuple[str, str], str]], room: bool) -> str:
    n = p.node
    cx = p.x + n.width / 2
    top = p.y - NODE_H / 2
    if n.kind == GATE:
        return (
            f'<g class="bp-node bp-gate" id="bp-n{k}" data-gate="{esc(n.name)}">'
            f'<rect x="{p.x:.1f}" y="{top:.1f}" width="{n.width:.1f}" height="{NODE_H:.0f}" '
            f'rx="3"/><text x="{cx:.1f}" y="{p.y - 3:.1f}" text-anchor="middle" '
            f'class="bp-name">{esc(n.name)}</text><text x="{cx:.1f}" y="{p.y + 12:.1f}" '
            f'text-anchor="middle" class="bp-op">{esc(n.sub)}</text></g>'
        )
    lines, tip = details.get(n.name, ((), ""))
    kind = f" bp-k-{esc(n.sub)}" if n.sub else ""
    tooltip = f"<title>{esc(tip)}</title>" if tip else ""
    texts = [
        f'<text x="{cx:.1f}" y="{p.y + (-10 if room else 4):.1f}" text-anchor="middle" '
        f'class="bp-name">{esc(n.name)}</text>'
    ]
    if room:
        for cls, dy, text in (
            ("bp-v", 5, lines[0] if lines else ""),
            ("bp-g", 19, lines[1] if lines else ""),
        ):
            texts.append(
                f'<text x="{cx:.1f}" y="{p.y + dy:.1f}" text-anchor="middle" '
                f'class="bp-vg {cls}">{esc(text)}</text>'
            )
    label = _("Unit {name}").format(name=n.name)
    return (
        f'<g class="bp-node bp-unit{kind}" id="bp-n{k}" data-unit="{esc(n.name)}" '
        f'tabindex="0" role="button" aria-label="{esc(label)}">{tooltip}'
        f'<rect x="{p.x:.1f}" y="{top:.1f}" width="{n.width:.1f}" height="{NODE_H:.0f}" '
        f'rx="14"/>{"".join(texts)}</g>'
    )


def circuit_svg(
    c: object, values: bool, precision: int, title: str = "", max_gates: int | None = None
) -> str:
    """`bpcli graph --format svg --engine bpcli`: the circuit (after a forward and a
    backward pass, with ``values``: each Unit's value and grad, its id on hover)."""
    from ..render.graph import _number  # the labels' numbers, as DOT's
    from .layout import from_circuit, layout

    g = from_circuit(c, room=values)
    lay = layout(g, max_gates)
    details: dict[str, tuple[tuple[str, str], str]] = {}
    if values:
        for name, u in zip(c.names, c.units, strict=False):  # type: ignore[attr-defined]
            value, grad = _number(u.value, precision), _number(u.grad, precision)
            said = _("{unit} is {address}").format(unit=name, address=address(id(u)))
            details[name] = ((f"value {value}", f"grad {grad}"), said)
    edges = [(e.src, e.dst, e.gate, e.slot, e.unit) for e in g.edges]
    return svg(lay, edges, details, title, room=values)
