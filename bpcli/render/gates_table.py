"""`bpcli gates` as a table: every op of the registry, its forward and local
derivatives, then the domains."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ..gates import IN_SLOTS, Op
from .console import Page


def gates_table(page: Page, ops: Sequence[Op]) -> str:
    rows = []
    for op in ops:
        call = f"{op.name}({', '.join(IN_SLOTS[: op.arity])})"
        local = [*op.local_formulas, "—"][:2]
        rows.append([Text(call), Text(op.formula), *(Text(x) for x in local)])
    title = Text("bpcli gates · backward adds: u.grad += local × utop.grad")
    headers = ["op", "forward", *(f"local ∂/∂{s}" for s in IN_SLOTS)]
    notes = Text("\ndomains and notes:", style="bold")
    for op in ops:
        if op.domain:
            notes.append(f"\n  {op.name}: {op.domain}", style="")
    return page.text(page.table(title, headers, rows), notes)
