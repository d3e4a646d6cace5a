"""`bpcli graph`: the circuit as DOT or Mermaid text. No I/O.

Each gate is a box labelled with its name and op; each Unit is drawn once, as
an ellipse, with one edge per gate slot that holds it (``u0``, ``u1`` into the
gate, ``utop`` out of it), so a Unit that several slots hold visibly fans
out. With values (after a forward and a backward pass), each Unit also shows
its value, grad and id, and the edges are found from the live objects, by
identity, as ``run`` finds them.

Names may be of any alphabet (issue 15): DOT takes them quoted, as UTF-8;
Mermaid's node ids are ASCII, so a name that is not gets an id spelt with its
code points (``uu_`` + the name, each character past ASCII as ``_x432_``),
and keeps its letters in the node's label.
"""

from __future__ import annotations

import json

from ..core.addresses import address
from ..core.engine import CONST, INPUT, Circuit
from ..core.gates import IN_SLOTS, OUT_SLOT


def _edges(c: Circuit, by_identity: bool) -> list[tuple[int, str, str]]:
    """(unit index, gate name, slot) for every slot, inputs and outputs."""
    if by_identity:
        where = {id(u): i for i, u in enumerate(c.units)}
        return [(where[id(u)], g.name, slot) for g in c.gates for slot, u in g.held()]
    edges = []
    for g in c.gates:
        for slot, i in zip(IN_SLOTS, g.args, strict=False):
            edges.append((i, g.name, slot))
        edges.append((g.out, g.name, OUT_SLOT))
    return edges


def node_count(c: Circuit) -> int:
    return len(c.units) + len(c.gates)


def _number(x: float, precision: int) -> str:
    """``precision`` digits after the point, as in every table, trailing zeros
    dropped: a label is small (2, 0.314981, 1.5e-07)."""
    from .console import fmt

    text = fmt(x, precision)
    mantissa, e, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def _unit_label(c: Circuit, i: int, values: bool, precision: int) -> list[str]:
    """The unit's name (a literal's: its value; a frozen input's: marked so); with
    values, its value, grad and id."""
    if c.kinds[i] == CONST:
        return [_number(c.units[i].value, precision)]
    name = c.names[i]
    lines = [f"{name} (frozen)" if i in c.frozen else name]  # DOT, Mermaid: one language
    if values:
        u = c.units[i]
        lines += [f"value {_number(u.value, precision)}", f"grad {_number(u.grad, precision)}"]
        lines.append(address(id(u)))
    return lines


def _quote(text: str) -> str:
    """A DOT string (a JSON string, near enough), what a terminal would act on
    written as escapes."""
    from ..i18n.safe_text import shown

    return json.dumps("\n".join(shown(line) for line in text.split("\n")), ensure_ascii=False)


def dot(c: Circuit, values: bool = False, precision: int = 6, title: str | None = None) -> str:
    out = ["digraph circuit {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    if title:
        out.append(f"  label={_quote(title)}; labelloc=t;")
    for i, kind in enumerate(c.kinds):
        shape = {INPUT: "ellipse", CONST: "plaintext"}.get(kind, "ellipse")
        style = ', style=filled, fillcolor="#e8f0fe"' if kind == INPUT else ""
        if i in c.frozen:  # an input the updates leave alone: grey and dashed
            style = ', style="filled,dashed", fillcolor="#eeeeee"'
        label = "\n".join(_unit_label(c, i, values, precision))
        out.append(f'  "u:{c.names[i]}" [shape={shape}{style}, label={_quote(label)}];')
    for g in c.gates:
        label = f"{g.name}\n{g.op.name}"
        out.append(f'  "g:{g.name}" [shape=box, style=rounded, label={_quote(label)}];')
    for i, gate, slot in _edges(c, values):
        unit = _quote(f"u:{c.names[i]}")
        if slot == OUT_SLOT:
            out.append(f'  "g:{gate}" -> {unit} [label="{slot}"];')
        else:
            out.append(f'  {unit} -> "g:{gate}" [label="{slot}"];')
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_id(prefix: str, name: str) -> str:
    """A node id Mermaid takes (ASCII letters, digits, '_'), one per name: an ASCII
    name's is ``prefix`` + the name ('.' as '__'); another's begins ``prefix[0]``
    + 'u_', which no ASCII name's does, and spells each character so that no two
    names share one ('_' as '__', '.' as '_p', ``в`` as '_x432_')."""
    if name.isascii():
        return prefix + name.replace(".", "__")
    spelt = "".join(
        ch if ch.isascii() and ch.isalnum() else _SPELT.get(ch, f"_x{ord(ch):x}_") for ch in name
    )
    return f"{prefix[0]}u_{spelt}"


_SPELT = {"_": "__", ".": "_p"}


def mermaid(c: Circuit, values: bool = False, precision: int = 6) -> str:
    out = ["flowchart LR"]
    for i in range(len(c.names)):
        label = "<br/>".join(_unit_label(c, i, values, precision))
        shape = '["{}"]' if c.kinds[i] == CONST else '(["{}"])'  # a literal: a plain box
        out.append(f"  {_mermaid_id('u_', c.names[i])}{shape.format(label)}")
    for g in c.gates:
        out.append(f'  {_mermaid_id("g_", g.name)}["{g.name}: {g.op.name}"]')
    for i, gate, slot in _edges(c, values):
        unit, box = _mermaid_id("u_", c.names[i]), _mermaid_id("g_", gate)
        if slot == OUT_SLOT:
            out.append(f"  {box} -- {slot} --> {unit}")
        else:
            out.append(f"  {unit} -- {slot} --> {box}")
    if c.frozen:
        out.append("  classDef frozen fill:#eeeeee,stroke-dasharray: 4 3")
        frozen = ",".join(_mermaid_id("u_", c.names[i]) for i in sorted(c.frozen))
        out.append(f"  class {frozen} frozen")
    return "\n".join(out) + "\n"
