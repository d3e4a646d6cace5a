"""Passes as JSON (SPEC §6): one document, or one object per line (JSONL).

Written with ``json.dumps`` (never through rich, which wraps lines); floats at
full precision, as Python's ``repr`` writes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from ..engine import PassRecord


def pass_dict(rec: PassRecord) -> dict[str, Any]:
    return {
        "phase": rec.phase,
        "iteration": rec.iteration,
        "output_value": rec.output_value,
        "units": {
            u.name: {
                "kind": u.kind,
                "value": u.value,
                "grad": u.grad,
                "id": hex(u.id),
                "held_by": list(u.held_by),
            }
            for u in rec.units
        },
    }


def run_document(
    file: str,
    output: str,
    step_size: float,
    records: Iterable[PassRecord],
    extra: Callable[[], dict[str, Any]] | None = None,
) -> str:
    doc = {
        "file": file,
        "output": output,
        "step_size": step_size,
        "passes": [pass_dict(r) for r in records],
    }
    if extra is not None:  # asked for after the passes: e.g. the mistake's comparison
        doc.update(extra())
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def pass_line(rec: PassRecord) -> str:
    return line(pass_dict(rec))


def line(obj: Any) -> str:
    """One JSON object on one line (JSONL)."""
    return json.dumps(obj, ensure_ascii=False) + "\n"


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
