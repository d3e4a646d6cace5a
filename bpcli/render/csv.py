"""Passes as CSV: a header, then one row per (pass, unit); floats at full precision."""

from __future__ import annotations

import csv
import io

from ..core.addresses import address
from ..core.engine import PassRecord

HEADER = ("phase", "iteration", "unit", "kind", "value", "grad", "id", "held_by")


def header() -> str:
    return _rows([HEADER])


def pass_rows(rec: PassRecord) -> str:
    return _rows(
        (
            rec.phase,
            rec.iteration,
            u.name,
            u.kind,
            repr(u.value),
            repr(u.grad),
            address(u.id),
            " ".join(u.held_by),
        )
        for u in rec.units
    )


def _rows(rows: object) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)  # type: ignore[arg-type]
    return buf.getvalue()
