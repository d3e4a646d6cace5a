"""What the command line asks of a circuit, checked against it: ``--set``
values, ``--step-size``, and the names ``--gate`` and ``--unit`` follow.

A choice the circuit cannot satisfy is a ``UsageProblem`` (exit status 2) with
a did-you-mean where one fits. No click here: the CLI turns the problem into
its usage error.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from ..core.engine import INPUT, Circuit
from ..core.errors import UsageProblem, did_you_mean
from ..i18n import N_, _, grouped, ngettext
from ..i18n.safe_text import normal


def apply(circuit: Circuit, sets: Iterable[str] = (), step_size: float | None = None) -> None:
    """``--set NAME=VALUE`` (each input at most once) and ``--step-size X``."""
    sets = list(sets)
    given = [normal(item.partition("=")[0].strip()) for item in sets]
    twice = sorted({n for n in given if given.count(n) > 1})
    if twice:
        raise UsageProblem(_("{name} is set more than once").format(name=repr(twice[0])), "--set")
    for item in sets:
        set_input(circuit, item)
    if step_size is not None:
        if not math.isfinite(step_size):
            raise UsageProblem(_("must be a finite number"), "--step-size")
        circuit.step_size = step_size


def set_input(circuit: Circuit, item: str) -> None:
    """One ``--set NAME=VALUE``: the name an input unit, the value a number."""
    from ..parser import parse_number

    name, eq, text = item.partition("=")
    name = normal(name.strip())
    if not eq or not name:
        raise UsageProblem(_("expected NAME=VALUE, got {item}").format(item=repr(item)), "--set")
    i = circuit.index.get(name)
    if i is None or circuit.kinds[i] != INPUT:
        inputs = [circuit.names[k] for k in circuit.inputs]
        if i is not None:
            what = _("{name} is not an input unit; {hint}")
        else:
            what = _("{name} is not a unit of this circuit; {hint}")
        hint = did_you_mean(name, inputs) or _("the inputs are: {names}").format(
            names=", ".join(inputs[:20])
        )
        raise UsageProblem(what.format(name=repr(name), hint=hint), "--set")
    value = parse_number(text)
    if isinstance(value, str):
        raise UsageProblem(f"{name}: {value}", "--set")
    circuit.units[i].value = value


def check_names(circuit: Circuit, gates: Iterable[str], units: Iterable[str]) -> None:
    """``--gate`` and ``--unit`` must name what the circuit has."""
    gate_names = [g.name for g in circuit.gates]
    for option, wanted, known in (("--gate", gates, gate_names), ("--unit", units, circuit.names)):
        for name in map(normal, wanted):
            if name not in known:
                raise unknown_name(option, name, known)


LISTED = 20  # names listed in full; past that, how many more


_UNKNOWN = {  # (option, the script ran) -> what names nothing, what there is, what there is not
    ("--gate", False): (
        N_("no gate named {name}."),
        N_("The circuit's gates are: {names}"),
        N_("The circuit has no gates"),
    ),
    ("--unit", False): (
        N_("no unit named {name}."),
        N_("The circuit's units are: {names}"),
        N_("The circuit has no units"),
    ),
    ("--gate", True): (
        N_("no gate named {name} (the script ran to its end)."),
        N_("The script's gates are: {names}"),
        N_("The script has no gates"),
    ),
    ("--unit", True): (
        N_("no unit named {name} (the script ran to its end)."),
        N_("The script's units are: {names}"),
        N_("The script has no units"),
    ),
}


def unknown_name(
    option: str, name: str, known: Sequence[str], owner: str = "circuit", ran: str = ""
) -> UsageProblem:
    """``--gate NAME`` or ``--unit NAME`` that names nothing: a did-you-mean
    where one fits, and the names there are, so that a circuit and a script
    say alike (``owner`` "script" and some ``ran``: a script's names, known
    only once it ran to its end)."""
    head, are, none = _UNKNOWN[option, owner == "script" and bool(ran)]
    hint = did_you_mean(name, known, sentence=True)
    listed = ", ".join(known[:LISTED])
    if len(known) > LISTED:
        more = len(known) - LISTED
        listed = ngettext("{names} and {n} more", "{names} and {n} more", more).format(
            names=listed, n=grouped(more)
        )
    names = _(are).format(names=listed) if known else _(none)
    parts = [_(head).format(name=repr(name)), *([hint] if hint else []), names]
    return UsageProblem(" ".join(parts), option)
