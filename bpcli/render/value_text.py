"""What a step of a script's Value code says in words, beside its table: an
op given one object twice (``a * a``); the closure a ``_backward`` call runs,
who made it and what its cells hold (the answer to "how does the closure get
``self`` and ``other``": the very objects, not copies); the place of a
closure or a node in its backward pass; microgpt's node and its local grads.
The trace (``trace_text``) draws these lines into the step."""

from __future__ import annotations

from ..core.steps import Source, Step, ValueInfo
from ..i18n import _
from .console import fmt

EQUALS = "\u00a0=\u00a0"  # ` = ` that a line never breaks at


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
