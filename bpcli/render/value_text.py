"""What a step of a script's Value code says in words, beside its table: an
op given one object twice (``a * a``); the closure a ``_backward`` call runs,
who made it and what its cells hold (the answer to "how does the closure get
``self`` and ``other``": the very objects, not copies); the place of a
closure or a node in its backward pass; microgpt's node and its local grads.
The trace (``trace_text``) draws these lines into the step."""

from __future__ import annotations

from typing import Any

from ..core.steps import Source, Step, Summary, ValueInfo
from ..i18n import _, grouped, ngettext
from .console import SHARED_STYLE, fmt
from .layout import Line

EQUALS = "\u00a0=\u00a0"  # ` = ` that a line never breaks at
ORDER = "\u00a0(#{n})"  # a use's place in the pass, kept beside its name


def where(src: Source | None) -> str:
    """`examples/x.py:77 (x1w1 = x1 * w1)`."""
    if src is None:
        return "?"
    return f"{src.file}:{src.line} ({src.text})" if src.text else f"{src.file}:{src.line}"


def order(info: ValueInfo) -> str | None:
    """The heading's field: the step's place in its backward pass."""
    if info.kind == "op" or not info.order:
        return None
    return _("#{n} in this backward pass").format(n=info.order)


def same(info: ValueInfo) -> list[str]:
    """One Value under two names here: said where it happens."""
    said = []
    for unit, names in info.same:
        both = _(" and ").join(names)
        if info.kind == "op":
            text = _(
                "{names} are one and the same object, {unit}: it is used twice, so in "
                "backward its grad receives two pulls, one through each name"
            )
        else:
            text = _(
                "{names} are one and the same object, {unit}: {unit}.grad receives a pull "
                "through each name, and += adds them up (= would keep only the last)"
            )
        said.append(text.format(names=both, unit=unit))
    return said


def closure(info: ValueInfo, step: Step, first: bool, precision: int) -> str:
    """What the closure is and what its cells hold."""
    held = [f"{s.slot}{EQUALS}{s.unit}" for s in step.slots]  # each pair kept on one line
    held += [f"{name}{EQUALS}{fmt(x, precision)}" for name, x in info.numbers]
    pairs = ", ".join(held)
    call = f"{step.gate}.{info.closure}" if step.gate else info.closure
    if first:
        text = _(
            "{call} is the closure {maker} made at {where}. Its free variables are cells "
            "holding the very objects that op had, not copies (see the ids): {pairs}"
        )
    else:
        text = _("the closure {maker} made at {where}: {pairs}")
    return text.format(call=call, maker=info.maker or "?", where=where(info.made_at), pairs=pairs)


def node(info: ValueInfo, step: Step) -> str:
    """What a node of microgpt's loop is, and what its children receive."""
    return _(
        "node {name}, made by {maker} at {where}: each child's grad receives "
        "its local grad × {name}.grad"
    ).format(name=step.gate or "?", maker=info.maker or "?", where=where(info.made_at))


def uses(info: ValueInfo, name: str) -> tuple[str, bool] | None:
    """Whether every Value made from this one has pulled into its grad yet (why
    the order is topological), and which; None when this pass made none (the
    output: its grad is the seed)."""
    if not info.uses:
        return None
    more = info.uses_count - len(info.uses)
    done = [f"{u}{ORDER.format(n=k)}" for u, k in info.uses if k]
    waiting = [u for u, k in info.uses if not k]
    tail = _(", … and {n} more").format(n=more) if more > 0 else ""
    if not waiting:
        text = _(
            "every Value made from {name} has pulled into {name}.grad already: {uses}; "
            "so {name}.grad is complete and can be passed on"
        )
        return text.format(name=name, uses=", ".join(done) + tail), True
    text = _(
        "{name}.grad is not complete: {waiting} (made from {name}) has not pulled into it "
        "yet, and will after this"
    )
    return text.format(name=name, waiting=", ".join(waiting) + tail), False


def summary(seen: Summary) -> str:
    """What Value code came to: Values its ops made, its backward steps, and the
    empty ``_backward`` calls (a leaf's), counted."""
    said = []
    if seen.ops:
        n = seen.ops
        said.append(ngettext("{n} Value made by an op", "{n} Values made by ops", n))
        said[-1] = said[-1].format(n=grouped(n))
    if seen.closures:
        n = seen.closures
        said.append(
            ngettext(
                "{n} backward step of Value code (a closure or a node)",
                "{n} backward steps of Value code (closures or nodes)",
                n,
            ).format(n=grouped(n))
        )
    if seen.empty:
        n = seen.empty
        said.append(
            ngettext(
                "{n} _backward call that wrote nothing (a leaf's), not shown",
                "{n} _backward calls that wrote nothing (leaves'), not shown",
                n,
            ).format(n=grouped(n))
        )
    return "; ".join(said) + "." if said else ""


def lines(page: Any, step: Step, info: ValueInfo) -> list[list[Line]]:
    """A Value step's words, drawn on ``page`` (the trace's ``TraceText``): the
    closure and its cells (said in full once a maker), microgpt's node and its
    loop's line, one object under two names, whether its grad is complete."""
    blocks = []
    if info.kind == "closure":
        first = page._tells("closure " + info.maker, step.gate or "")
        blocks.append(page.paragraph(closure(info, step, first, page.precision), style="cyan"))
    elif info.kind == "node":
        blocks.append(page.paragraph(node(info, step), style="cyan"))
        if step.source is not None:  # the loop's line, once: each write is on it
            blocks.append(page._code_line(step.source))
    for said in same(info):
        blocks.append(page.paragraph(said, style=SHARED_STYLE))
    told = uses(info, step.gate or "?")
    if told is not None:
        blocks.append(page.paragraph(told[0], style="" if told[1] else "bold red"))
    return blocks
