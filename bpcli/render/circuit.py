"""A circuit written back as a `gates:` file, for `bpcli expand`."""

from __future__ import annotations

import json

from ..core.engine import CONST, INPUT, Circuit
from ..i18n import _
from ..i18n.safe_text import shown, visible


def gates_file(c: Circuit, source: str) -> str:
    def arg(i: int) -> str:
        return repr(c.units[i].value) if c.kinds[i] == CONST else c.names[i]

    out = [f"# {shown(source)}", "# " + _("expanded by bpcli: the same circuit, one gate a line")]
    if c.description:  # YAML's double quotes take JSON's escapes: \u202e stays \u202e
        out.append(f"description: {visible(json.dumps(c.description, ensure_ascii=False))}")
    out.append("units:")
    out += [f"  {n}: {c.units[i].value!r}" for i, n in enumerate(c.names) if c.kinds[i] == INPUT]
    out.append("gates:")
    for g in c.gates:
        out.append(
            f"  {g.name}: {g.op.name}({', '.join(arg(i) for i in g.args)}) -> {c.names[g.out]}"
        )
    out.append(f"output: {c.output_name}")
    out.append(f"step_size: {c.step_size!r}")
    if c.frozen:
        out.append(f"frozen: [{', '.join(c.names[i] for i in sorted(c.frozen))}]")
    return "\n".join(out) + "\n"
