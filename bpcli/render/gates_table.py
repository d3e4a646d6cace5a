"""`bpcli gates` as a table: every op of the registry, its forward and local
derivatives, then the domains."""

from __future__ import annotations

from collections.abc import Sequence

from ..gates import IN_SLOTS, Op
from .console import Page
from .layout import Cell, Column, Line


def gates_table(page: Page, ops: Sequence[Op]) -> str:
    rows: list[list[Cell]] = []
    for op in ops:
        call = f"{op.name}({', '.join(IN_SLOTS[: op.arity])})"
        local = [*op.local_formulas, "—"][:2]
        rows.append([(call, ""), (op.formula, ""), *((x, "") for x in local)])
    title: Line = [("bpcli gates · backward adds: u.grad += local × utop.grad", "")]
    columns = [
        Column("op"),
        Column("forward", prose=True),
        # Narrow, the second slot's derivative goes under its row.
        *(Column(f"local ∂/∂{s}", prose=True, below=k) for k, s in enumerate(IN_SLOTS)),
    ]
    notes: list[Line] = [[], [("domains and notes:", "bold")]]
    for op in ops:
        if op.domain:
            notes += page.wrap([(f"{op.name}: {op.domain}", "")], indent="      ", first="  ")
    return page.text(page.table(columns, rows, title), notes)
