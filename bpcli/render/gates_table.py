"""`bpcli gates` as a table: every op of the registry, its forward and local
derivatives, then the domains."""

from __future__ import annotations

from collections.abc import Sequence

from ..core.gates import IN_SLOTS, Op
from ..i18n import _
from ..i18n.worded import in_words
from .console import Page
from .layout import Cell, Column, Line


def gates_table(page: Page, ops: Sequence[Op]) -> str:
    rows: list[list[Cell]] = []
    for op in ops:
        call = f"{op.name}({', '.join(IN_SLOTS[: op.arity])})"
        local = [*op.local_formulas, "—"][:2]
        # The registry's words (`the larger`), marked there, in the reader's language
        said = [in_words(op.formula), *(in_words(x) for x in local)]
        rows.append([(call, ""), *((x, "") for x in said)])
    title: Line = [
        (_("bpcli gates · backward adds: {code}").format(code="u.grad += local × utop.grad"), "")
    ]
    columns = [
        Column(_("op")),
        Column(_("forward"), prose=True),
        # Narrow, the second slot's derivative goes under its row.
        *(
            Column(
                _("local ∂/∂{slot}").format(slot=s),
                prose=True,
                below=k,
                label=_("local ∂/∂{slot}:").format(slot=s),
            )
            for k, s in enumerate(IN_SLOTS)
        ),
    ]
    notes: list[Line] = [[], [(_("domains and notes:"), "bold")]]
    for op in ops:
        if op.domain:  # the registry's English (JSON has it so), marked there
            domain = f"{op.name}: {_(op.domain)}"
            notes += page.wrap([(domain, "")], indent="      ", first="  ")
    return page.text(page.table(columns, rows, title), notes)
