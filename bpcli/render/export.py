"""`bpcli export`: a circuit as a standalone Python script in the guide's style.

The script has a ``Unit`` class, one class per gate type the circuit uses
(``forward`` stores its Units and makes ``utop``; ``backward`` adds into their
grads), the inputs, a ``forward()`` function, the backward calls in reverse
order with comments naming the Units each one writes, the update and the
second forward pass. It prints what ``bpcli run`` computes, at full
precision, and which slots hold the very same object. Its code comes from the
registry (``Op.code`` and ``Op.local_code``). No I/O here: it returns text.
"""

from __future__ import annotations

import builtins
import keyword
import re

from ..core.engine import CONST, GATE, GATE_CLASSES, INPUT, Circuit, Gate
from ..core.gates import ARGS, IN_SLOTS, OUT_SLOT, slots_of

# Names the script itself uses: never a gate's or a unit's variable.
_RESERVED = {
    "math",
    "Unit",
    "forward",
    "LITERALS",
    "step_size",
    "unit",
    "name",
    *dir(builtins),
    *(cls.__name__ for cls in GATE_CLASSES.values()),
    *(f for cls in GATE_CLASSES.values() for f in re.findall(r"^def (\w+)", cls.op.helpers, re.M)),
}


class _Names:
    """A Python variable for each gate and unit: its own name where it can be,
    else made one, never the same variable for two things."""

    def __init__(self, c: Circuit) -> None:
        taken = set(_RESERVED)

        def fresh(name: str) -> str:
            ident = name.replace(".", "_")
            while keyword.iskeyword(ident) or ident in taken:
                ident += "_"
            taken.add(ident)
            return ident

        self.gates = {g.name: fresh(g.name) for g in c.gates}
        self.units = [fresh(name) for name in c.names]


def _gate_class(cls: type[Gate]) -> str:
    op = cls.op
    slots = slots_of(op.arity)
    args = ", ".join(slots)
    values = ", ".join(f"{s}.value" for s in slots)
    names = ", ".join(ARGS[: op.arity])
    one = "," if op.arity == 1 else ""
    lines = [
        "",
        "",
        f"class {cls.__name__}:",
        f'    """{op.name}: forward {op.formula}; local derivative(s) '
        f'{"; ".join(op.local_formulas)}."""',
        "",
        f"    def forward(self, {args}):",
        *(f"        self.{s} = {s}" for s in slots),
        f"        {names}{one} = {values}{one}",
        f"        self.{OUT_SLOT} = Unit({op.code}, 0.0)",
        f"        return self.{OUT_SLOT}",
        "",
        "    def backward(self):",
        f"        {names}, out = "
        + ", ".join([*(f"self.{s}.value" for s in slots), f"self.{OUT_SLOT}.value"]),
    ]
    for slot, code in zip(slots, op.local_code, strict=True):
        if "math.nan" in code:  # undefined here: skipped for a literal (SPEC §3)
            lines += [
                f"        local = {code}",
                "        if local == local:",
                f"            self.{slot}.grad += local * self.{OUT_SLOT}.grad",
                f"        elif not any(self.{slot} is u for u in LITERALS):",
                f'            raise ValueError("{op.name}: {op.domain}")',
            ]
        else:
            lines.append(f"        self.{slot}.grad += ({code}) * self.{OUT_SLOT}.grad")
    return "\n".join(lines) + "\n"


def script(c: Circuit, source: str, version: str) -> str:
    names = _Names(c)
    ident, var = names.units, names.gates
    used = {type(g): None for g in c.gates}
    out = [
        "#!/usr/bin/env python3",
        # The file's own text goes into comments, as repr: one line, nothing it can run.
        f"# circuit: {source!r}",
        *([f"# description: {c.description!r}"] if c.description else []),
        f"# Exported by bpcli {version}. Run it, or step through it in a debugger:",
        "# it computes what `bpcli run` does, with the same Unit and gate objects.",
        "",
        "import math",
        "",
        "",
        "class Unit:",
        "    def __init__(self, value, grad):",
        "        self.value = value",
        "        self.grad = grad",
    ]
    for helper in dict.fromkeys(cls.op.helpers for cls in used if cls.op.helpers):
        out += ["", "", helper.rstrip("\n")]
    for cls in used:
        out.append(_gate_class(cls).rstrip("\n"))
    out += ["", "", "# The inputs (updated) and the literals (constant Units, never updated)."]
    for i, kind in enumerate(c.kinds):
        if kind in (INPUT, CONST):
            note = "  # frozen" if i in c.frozen else ""
            out.append(f"{ident[i]} = Unit({c.units[i].value!r}, 0.0){note}")
    consts = [ident[i] for i, k in enumerate(c.kinds) if k == CONST]
    out.append(f"LITERALS = [{', '.join(consts)}]")
    out += ["", "# The gates."]
    for g in c.gates:
        out.append(f"{var[g.name]} = {type(g).__name__}()")
    gate_outputs = [ident[i] for i, k in enumerate(c.kinds) if k == GATE]
    out += ["", "", "def forward():", f"    global {', '.join(gate_outputs)}"]
    for g in c.gates:
        args = ", ".join(ident[i] for i in g.args)
        out.append(f"    {ident[g.out]} = {var[g.name]}.forward({args})")
    out += [f"    return {ident[c.output]}", "", ""]
    out += [
        f"{ident[c.output]} = forward()",
        f'print("forward 0:", repr({ident[c.output]}.value))',
        "",
    ]
    out.append("# The very same objects: each gate's utop is the next gate's input Unit.")
    readers: dict[int, list[str]] = {}  # unit -> the slots that read it, in file order
    for h in c.gates:
        for slot, i in zip(IN_SLOTS, h.args, strict=False):
            readers.setdefault(i, []).append(f"{var[h.name]}.{slot}")
    for g in c.gates:  # one pass over the gates: no pair of gates is compared
        for reader in readers.get(g.out, ()):
            pair = f"{var[g.name]}.{OUT_SLOT} is {reader}"
            out.append(f'print("{pair}:", {pair})')
    everything = [ident[i] for i in range(len(c.names))]
    out += [
        "",
        "# backward: every grad set to 0, the output's to 1, then each gate in reverse order.",
        f"for unit in [{', '.join(everything)}]:",
        "    unit.grad = 0.0",
        f"{ident[c.output]}.grad = 1.0",
    ]
    for g in reversed(c.gates):
        writes = ", ".join(
            f"{c.names[i]}.grad ({g.name}.{slot})"
            for slot, i in zip(IN_SLOTS, g.args, strict=False)
        )
        out.append(f"{var[g.name]}.backward()  # reads {c.names[g.out]}.grad, writes {writes}")
    for i in c.inputs:
        out.append(f'print("grad {c.names[i]}:", repr({ident[i]}.grad))')
    trained = [ident[i] for i in c.trainable]
    out += [
        "",
        "# update: each input that is not frozen moves along its gradient.",
        f"step_size = {c.step_size!r}",
        f"for unit in [{', '.join(trained)}]:",
        "    unit.value += step_size * unit.grad",
        "",
        f"{ident[c.output]} = forward()",
        f'print("forward 1:", repr({ident[c.output]}.value))',
    ]
    return "\n".join(out) + "\n"
