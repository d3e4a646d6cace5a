"""What the watcher records of a script's run, for ``bpcli check SCRIPT.py``
to judge afterwards: every write to a Unit and every watched call, with the
objects themselves (kept alive) and the lines of the script."""

from __future__ import annotations

import math
import numbers
from types import FrameType
from typing import Any, NamedTuple

from ..core.steps import Source
from . import source as lines


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


def as_float(x: object) -> float | None:
    """A real number (not a bool) as a float; None for anything else, and for an
    int too large for a float (it could not be shown)."""
    if not isinstance(x, numbers.Real) or isinstance(x, bool):
        return None
    try:
        return float(x)
    except (OverflowError, ValueError, TypeError):
        return None


def read(obj: object, attr: str) -> float | None:
    """An attribute of one of the script's objects as a float, or None. bpcli's
    looking never raises into the script: a property that fails is no number."""
    try:
        return as_float(getattr(obj, attr))
    except Exception:
        return None


def value_of(obj: object, attr: str) -> float:
    """As ``read``, for a Unit's value or grad; NaN if it stopped being a number."""
    x = read(obj, attr)
    return math.nan if x is None else x


class Open:
    """A watched call under way (the watcher's, until it returns)."""

    __slots__ = (
        "arg_values",
        "args",
        "before",
        "frame",
        "gate",
        "inner",
        "method",
        "name",
        "owner",
        "site",
        "source",
        "writes",
    )

    def __init__(
        self,
        frame: FrameType,
        gate: object,
        method: str,
        before: dict[str, Any],
        args: list[object],
    ) -> None:
        self.frame, self.gate, self.method, self.before, self.args = (
            frame,
            gate,
            method,
            before,
            args,
        )
        self.writes: list[RawWrite] = []
        self.inner = False  # it made watched calls of its own: a container
        self.name = ""  # the gate's name
        self.owner: object = None  # the caller's own self, for `self.first.forward(...)`
        self.site = lines.CallSite(None, (), None)  # what the calling line says
        self.source: Source | None = None  # the calling line
        self.arg_values: tuple[float | None, ...] = ()  # the Units' values among the args
