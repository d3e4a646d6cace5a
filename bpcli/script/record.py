"""What the watcher records of a script's run, for ``bpcli check SCRIPT.py``
to judge afterwards: every write to a Unit and every watched call, with the
objects themselves (kept alive) and the lines of the script."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..steps import Source


class RawWrite(NamedTuple):
    unit: object
    attr: str  # the attribute written (the value or the grad attribute)
    before: float
    after: float
    file: str
    line: int


class CallRecord(NamedTuple):
    step: int  # the step it is shown as
    gate: object
    name: str  # the gate's name
    method: str
    kind: str  # "forward" for the first watched method, else "backward"
    args: tuple[object, ...]  # what the call was given
    arg_values: tuple[float | None, ...]  # the values of the Units among them, then
    before: dict[str, Any]  # slot -> (unit, grad, value) when the call began
    after: dict[str, object]  # slot -> unit when it returned
    out_slot: str | None  # the slot holding what the gate's forward() makes
    upstream: float | None  # that Unit's grad when the call began
    writes: tuple[RawWrite, ...]
    site: Source  # the line that called it
    raised: bool
    returned: object  # what the call returned


class ScriptRecord(NamedTuple):
    """One line of the script, outside any watched call, that wrote Units."""

    step: int
    writes: tuple[RawWrite, ...]
    source: Source
