"""Every JSON bpcli writes: run's passes (SPEC §6), trace events, check's
verdicts, the gates, a mistake's comparison; one document, or one object per
line (JSONL).

Written with ``json.dumps`` (never through rich, which wraps lines); floats at
full precision, as Python's ``repr`` writes them, and only finite ones: a NaN
or an infinity is a bug, refused here rather than written as something that is
not JSON. Where standard output cannot show more than ASCII, non-ASCII text is
written as JSON's own escapes, so the document stays exact.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..core.addresses import address
from ..core.engine import PassRecord
from ..core.gates import IN_SLOTS, Op
from ..core.gradcheck import CheckRow, Tolerances
from ..core.steps import SlotView, Source, Step, Write
from ..i18n.safe_text import can_show

if TYPE_CHECKING:
    from ..core.mistakes import Lesson

NOT_JUDGED_LISTED = 50  # calls not judged listed in check's JSON (all are counted)
# Only a Unit that came to an address another had earlier says so (see addresses.py).
REUSED_KEY: dict[bool, dict[str, bool]] = {False: {}, True: {"reused_address": True}}


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
                "id": address(u.id),
                "held_by": list(u.held_by),
                **REUSED_KEY[u.reused],
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
    return dumps(doc)


def pass_line(rec: PassRecord) -> str:
    return line(pass_dict(rec))


def _ascii_only() -> bool:
    """Whether standard output can show only ASCII."""
    return not can_show(sys.stdout)


_ENCODERS: dict[tuple[int | None, bool], json.JSONEncoder] = {}


def _encoder(indent: int | None, ascii_only: bool) -> json.JSONEncoder:
    """One encoder for each kind of output, made once (a trace writes thousands
    of lines)."""
    found = _ENCODERS.get((indent, ascii_only))
    if found is None:
        found = _ENCODERS[indent, ascii_only] = json.JSONEncoder(
            indent=indent, ensure_ascii=ascii_only, allow_nan=False, check_circular=False
        )
    return found


def line(obj: Any) -> str:
    """One JSON object on one line (JSONL)."""
    return _strict(obj, None) + "\n"


def dumps(obj: Any) -> str:
    """One JSON document, indented."""
    return _strict(obj, 2) + "\n"


NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}  # and NaN: "NaN"


def _strict(obj: Any, indent: int | None) -> str:
    """Strict JSON (RFC 8259 has no NaN or infinity): a number that is not finite,
    which only a learner's own script can hold (a circuit's is an error), is
    written as the string "NaN", "Infinity" or "-Infinity"."""
    encoder = _encoder(indent, _ascii_only())
    try:
        return encoder.encode(obj)
    except ValueError:
        return encoder.encode(_finite(obj))


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return NON_FINITE.get(obj, "NaN")
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _slot(s: SlotView) -> dict[str, Any]:
    return {
        "unit": s.unit,
        "id": address(s.id),
        "value": s.value,
        "grad": s.grad,
        "same_object_as": list(s.also),
        **REUSED_KEY[s.reused],
        **({"same_object_as_count": s.also_count} if s.also_count else {}),
    }


def _source(src: Source) -> dict[str, Any]:
    return {"file": src.file, "line": src.line, "text": src.text}


def _real(x: float | str | None) -> float | str | None:
    """Every number a float (`1.0`, never `1`), as run's JSON writes them (a str:
    a script's int too large for a float, in writing)."""
    return x if x is None or isinstance(x, str) else float(x)


def _write(step: Step, w: Write) -> dict[str, Any]:
    """A write: the unit, the attribute and its numbers before and after; a gate's,
    also its slot and the chain rule's numbers; a script's, the line that wrote."""
    found: dict[str, Any] = {
        "unit": w.unit,
        "attr": w.attr,
        "before": _real(w.grad_before),
        "after": _real(w.grad_after),
    }
    if w.id is not None:  # a script's: which object, by identity
        found["id"] = address(w.id)
        found.update(REUSED_KEY[w.reused])
    if step.gate is None and step.phase == "script":
        if w.source is not None and w.source != step.source:
            found["source"] = _source(w.source)
        return found
    for key, value in (
        ("slot", w.slot),
        ("formula", w.formula),
        ("local", _real(w.local)),
        ("upstream", _real(w.upstream)),
        ("grad_before", _real(w.grad_before)),
        ("grad_after", _real(w.grad_after)),
        ("pulls", [float(p) for p in w.pulls]),
        ("skipped", w.skipped),
    ):
        if value is not None and (key != "formula" or value):
            found[key] = value
    if w.pulls_total:  # shortened: the first and the last few, and how many in all
        found["pulls_count"] = w.pulls_total
    if w.source is not None:
        found["source"] = _source(w.source)
    return found


def step_dict(step: Step, number: int) -> dict[str, Any]:
    """One trace event (SPEC §6 and the README's trace section)."""
    event: dict[str, Any] = {
        "step": number,
        "phase": step.phase,
        "iteration": step.iteration,
        "call": step.call,
        "gate": step.gate,
        "op": step.op,
        "class": step.cls,
        "line": step.line,
        "slots": {(s.unit if step.phase == "script" else s.slot): _slot(s) for s in step.slots},
    }  # a script's line may write many Units: keyed by each one's (unique) name
    if step.self_ is not None:
        me = step.self_
        event["self"] = {"name": me.name, "class": me.cls, "id": address(me.id)}
        if me.first_of_class is not None:
            event["self"]["first_of_class"] = me.first_of_class
        if me.previous is not None:
            name, cls, was_at = me.previous
            event["self"]["previous"] = {"name": name, "class": cls, "id": address(was_at)}
    if step.source is not None:
        event["source"] = _source(step.source)
    if step.raised is not None:
        event["raised"] = step.raised
    if step.problems:
        event["problems"] = list(step.problems)
    if step.phase == "backward" or step.writes:
        event["writes"] = [_write(step, w) for w in step.writes]
    if step.update is not None:
        u = step.update
        event["update"] = {
            "unit": u.unit,
            "step_size": u.step_size,
            "grad": u.grad,
            "value_before": u.value_before,
            "value_after": u.value_after,
        }
    if step.new is not None:
        event["new"] = step.new
    if step.value is not None:
        event.update(_value(step))
    if step.parts:
        event["diverges"] = {
            unit: {
                "correct": {"value": here[0], "grad": here[1]},
                "mistaken": {"value": there[0], "grad": there[1]},
            }
            for unit, here, there in step.parts
        }
    return event


def _value(step: Step) -> dict[str, Any]:
    """A Value step's own keys: what it is, what made its Value; a closure's
    captured variables, a node's children and local grads."""
    info = step.value
    assert info is not None
    found: dict[str, Any] = {"kind": info.kind, "made_by": info.maker or None}
    if info.made_at is not None:
        found["made_at"] = _source(info.made_at)
    if info.kind != "op":
        found["order"] = info.order
    if info.kind != "op":
        found["uses"] = [{"unit": u, "order": k or None} for u, k in info.uses]
        if info.uses_count > len(info.uses):
            found["uses_count"] = info.uses_count
    if info.kind == "closure":
        began = {name: (value, grad) for name, value, grad in info.before}
        captured: dict[str, Any] = {}
        for s in step.slots:
            captured[s.slot] = _slot(s)
            if s.slot in began:
                value, grad = began[s.slot]
                captured[s.slot]["before"] = {"value": _real(value), "grad": _real(grad)}
        captured.update({name: _real(x) for name, x in info.numbers})  # type: ignore[misc]
        found["captured"] = captured
        found["closure"] = info.closure
    if info.kind == "node":
        children = [s for s in step.slots if s.slot != step.out_slot]
        found["children"] = [{"slot": s.slot, **_slot(s)} for s in children]
        found["local_grads"] = [_real(x) for x in info.local_grads]
    if info.same:
        found["same_object"] = {unit: list(names) for unit, names in info.same}
    return found


def check_document(
    file: str, output: str, h: float, tol: Tolerances, rows: Iterable[CheckRow]
) -> dict[str, Any]:
    return {
        "file": file,
        "output": output,
        "h": h,
        "tolerances": {"ok": tol.ok, "fail": tol.fail, "absolute": tol.absolute},
        "inputs": [row._asdict() for row in rows],
    }


def gates_document(ops: Iterable[Op]) -> list[dict[str, Any]]:
    return [
        {
            "op": op.name,
            "arity": op.arity,
            "slots": list(IN_SLOTS[: op.arity]),
            "forward": op.formula,
            "local": list(op.local_formulas),
            "domain": op.domain,
        }
        for op in ops
    ]


def mistake_dict(name: str, rows: Iterable[Any]) -> dict[str, Any]:
    """A mistake's comparison (SPEC §6's `mistake` object), from its Comparison rows."""
    return {
        "name": name,
        "inputs": {
            r.unit: {
                "correct": r.correct,
                "mistaken": r.mistaken,
                "correct_last": r.correct_last,
                "mistaken_last": r.mistaken_last,
                "verdict": r.verdict,
                "why": r.why,
            }
            for r in rows
        },
    }


def lesson_dict(lesson: Lesson) -> dict[str, Any]:
    """What `--mistake` adds to a run's JSON: the mistake's comparison, as
    ``{"mistake": …}`` (asked for after the passes, which fill it)."""
    return {"mistake": mistake_dict(lesson.mistake.name, lesson.comparison())}


def script_check_document(result: Any) -> dict[str, Any]:
    """`bpcli check SCRIPT.py --format json`."""

    def finding(f: Any) -> dict[str, Any]:
        return {
            "kind": f.kind,
            "gate": f.gate,
            "source": _source(f.source),
            "expected": f.expected,
            "got": f.got,
            "message": f.message,
        }

    shown_skips = result.not_judged[:NOT_JUDGED_LISTED]
    return {
        "file": result.file,
        "verdict": result.verdict,
        "problems": [finding(f) for f in result.findings],
        "notes": [finding(f) for f in result.notes],
        "checked": {
            "backward_calls": result.calls,
            "judged_calls": result.checked_calls,
            "pulls": result.pulls,
        },
        "not_judged": [
            {
                "gate": s.gate or None,
                "call": s.call or None,
                "source": _source(s.source),
                "why": s.why,
            }
            for s in shown_skips
        ],
        "not_judged_count": len(result.not_judged),
        "lost_sight": result.lost,
        "ran": result.ran,
        "status": result.status,
    }
