"""`bpcli check SCRIPT.py`: which line of the learner's backward code is wrong.

The script runs as it is, watched; each call is judged as it returns, against
the script's own forward code, never against a formula of bpcli's:

- ``local``: each input's pull in a backward() call against the gate's own
  forward(), run again on copies of its inputs nudged by ±h: a swapped
  multiply, ``s*(1+s)`` for a sigmoid, is found at the line that wrote it;
- ``assign``: a write that replaced an earlier pull (``=`` where ``+=``
  belongs) is found at its line;
- ``order``: a backward() that read its output's grad before any call wrote it
  in this pass (backward in forward order) is found where it is called;
- ``stale``: a pass that begins while an input still holds a grad from the
  pass before is found at that input's first write;
- ``total``: when a pass found nothing else, each input's grad against a
  central difference of the output, by replaying that pass's forward calls on
  copies.

At a kink (relu at 0, a max tie) the two one-sided slopes differ, and a pull
that matches either is right: it is noted, never an error.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
from typing import TYPE_CHECKING, Any

from ..core.steps import Source
from ..i18n import N_
from . import source as lines
from .findings import A_UNIT, Finding
from .findings import found as _found
from .record import CallRecord, RawWrite, ScriptRecord

if TYPE_CHECKING:
    from .watcher import Watcher

REL, ABS = 1e-4, 1e-9  # a pull within these of the expected one is right
REPLAYS = 200_000  # forward calls run again for a pass's whole check, at most


def agree(a: float, b: float) -> bool:
    return abs(a - b) <= ABS + REL * max(abs(a), abs(b))


class Judge:
    def __init__(self, watcher: Watcher) -> None:
        self.w = watcher
        self.findings: list[Finding] = []
        self.notes: list[Finding] = []
        self.last_forward: dict[int, CallRecord] = {}  # gate id -> its latest forward
        self.forwards: list[CallRecord] = []  # this pass's forward calls, in order
        self.made: set[int] = set()  # units some forward() made (not the inputs)
        self.written: set[int] = set()  # grads written in this backward pass
        self.seed: tuple[object, Source] | None = None  # the Unit seeded, and where
        self.seeded = False  # this pass began with a seed from the script
        self.final: dict[int, float] = {}  # each grad after its last write in this pass
        self.stale_said = False  # a stale grad is one problem of its pass
        self.in_backward = False
        self.pass_findings = 0
        self.checked = 0
        self.sampled = False  # the whole-pass check took a sample of the inputs

    # -- events ------------------------------------------------------------------------

    def script(self, rec: ScriptRecord) -> None:
        """A line of the script: a grad set from outside (not to 0) is a seed."""
        for raw in rec.writes:
            if raw.attr == self.w.grad_attr and raw.after != 0.0:
                self.begin(rec.source)
                self.seed = (raw.unit, rec.source)
                self.seeded = True
                self.written.add(id(raw.unit))

    def call(self, rec: CallRecord) -> list[Finding]:
        if rec.kind == "forward":
            if self.in_backward:
                self.end_pass()
            self.last_forward[id(rec.gate)] = rec
            self.forwards.append(rec)
            out = rec.after.get(rec.out_slot or "")
            if out is not None:
                self.made.add(id(out))
            return []
        if not self.in_backward:
            self.begin(rec.site)
        found = self.judged(rec)
        for raw in rec.writes:
            if raw.attr == self.w.grad_attr:
                self.written.add(id(raw.unit))
                self.final[id(raw.unit)] = raw.after
        self.seeded = True  # after the first call of a pass, its outputs must have been written
        self.findings += found
        self.pass_findings += len(found)
        return found

    def begin(self, where: Source) -> None:
        if self.in_backward:
            self.end_pass()
        self.in_backward = True
        self.written = set()
        self.final = {}
        self.pass_findings = 0
        self.seeded = False
        self.stale_said = False

    def finish(self) -> list[Finding]:
        if self.in_backward:
            self.end_pass()
        return self.findings

    # -- one backward call ------------------------------------------------------------

    def judged(self, rec: CallRecord) -> list[Finding]:
        found: list[Finding] = []
        g = self.w.grad_attr
        out_slot = rec.out_slot
        out = rec.before[out_slot][0] if out_slot and out_slot in rec.before else None
        read_early = out is not None and id(out) not in self.written and self.seeded
        if read_early and rec.upstream is not None:
            found.append(
                _found(
                    "order",
                    rec.name,
                    rec.site,
                    None,
                    rec.upstream,
                    N_(
                        "{call}() read {grad} = {value} before any call wrote it in this pass: "
                        "call it after the backward() of the gate that reads its output"
                    ),
                    call=f"{rec.name}.{rec.method}",
                    grad=f"{rec.name}.{out_slot}.{g}",
                    value=f"{rec.upstream:.6g}",
                )
            )
        for raw in rec.writes:  # a stale grad: left from the pass before (said once a pass)
            first = raw.attr == g and id(raw.unit) not in self.written
            if (
                first
                and raw.before != 0.0
                and id(raw.unit) not in self.made
                and not self.stale_said
            ):
                found.append(self.stale(rec, raw))
                self.stale_said = True
            if raw.attr == g:
                self.written.add(id(raw.unit))
        forward = self.last_forward.get(id(rec.gate))
        if forward is not None and rec.upstream is not None:
            found += self.pulls(rec, forward)
        return found

    def stale(self, rec: CallRecord, raw: RawWrite) -> Finding:
        unit = self.w.names.get(raw.unit) or A_UNIT
        where = self.w.source(raw.file, raw.line)
        return _found(
            "stale",
            rec.name,
            where,
            0.0,
            raw.before,
            N_(
                "{unit}.{attr} was {before} when this backward pass began, left from the pass "
                "before, and this write adds to it: set every grad to 0 before backward (the "
                "first such write of this pass)"
            ),
            unit=unit,
            attr=raw.attr,
            before=f"{raw.before:.6g}",
        )

    def pulls(self, rec: CallRecord, forward: CallRecord) -> list[Finding]:
        """Each input's pull against the gate's own forward(), nudged."""
        found: list[Finding] = []
        g = self.w.grad_attr
        by_unit: dict[int, list[RawWrite]] = {}
        for raw in rec.writes:
            if raw.attr == g:
                by_unit.setdefault(id(raw.unit), []).append(raw)
        for k, arg in enumerate(forward.args):
            if id(arg) not in by_unit or k >= len(forward.arg_values):
                continue
            slopes = self.slopes(forward, k)
            if slopes is None:
                continue
            local, left, right = slopes
            writes = by_unit.pop(id(arg))
            same = [j for j, a in enumerate(forward.args) if a is arg]  # x * x: two slots
            if len(same) > 1:
                more = [self.slopes(forward, j) for j in same[1:]]
                if any(m is None for m in more):
                    continue
                local += sum(m[0] for m in more if m is not None)
                left = right = local
            self.checked += 1
            upstream = rec.upstream or 0.0
            got = writes[-1].after - writes[0].before
            want = local * upstream
            kinked = not agree(left, right)
            one_side = kinked and (agree(got, left * upstream) or agree(got, right * upstream))
            if agree(got, want) or one_side:
                if kinked:
                    self.notes.append(self.kink(rec, writes[-1], left, right))
                continue
            found.append(self.wrong(rec, writes, want, local, upstream))
        return found

    def wrong(
        self, rec: CallRecord, writes: list[RawWrite], want: float, local: float, upstream: float
    ) -> Finding:
        last = writes[-1]
        unit = self.w.names.get(last.unit) or A_UNIT
        where = self.w.source(last.file, last.line)
        site = lines.write_site(last.file, last.line, last.attr)
        before = writes[0].before
        if site.adds is False and before != 0.0 and agree(last.after, want):
            return _found(
                "assign",
                rec.name,
                where,
                before + want,
                last.after,
                N_(
                    "{unit}.{attr} was {before} from an earlier pull, and this write replaced "
                    "it with {after} instead of adding to it: with += it would be {sum}"
                ),
                unit=unit,
                attr=last.attr,
                before=f"{before:.6g}",
                after=f"{last.after:.6g}",
                sum=f"{before + want:.6g}",
            )
        got = last.after - before
        return _found(
            "local",
            rec.name,
            where,
            want,
            got,
            N_(
                "this pull into {unit}.{attr} is {got}, but {gate}'s own forward() changes by "
                "{local} per unit of {unit}, so with {out_grad} = {upstream} it should be {want}"
            ),
            unit=unit,
            attr=last.attr,
            got=f"{got:.6g}",
            gate=rec.name,
            local=f"{local:.6g}",
            out_grad=f"{rec.name}.{rec.out_slot}.{last.attr}",
            upstream=f"{upstream:.6g}",
            want=f"{want:.6g}",
        )

    def kink(self, rec: CallRecord, raw: RawWrite, left: float, right: float) -> Finding:
        unit = self.w.names.get(raw.unit) or A_UNIT
        return _found(
            "kink",
            rec.name,
            self.w.source(raw.file, raw.line),
            None,
            None,
            N_(
                "{gate} is at a kink for {unit}: its forward() slopes {left} on one side and "
                "{right} on the other; the pull takes one side, as backprop must"
            ),
            gate=rec.name,
            unit=unit,
            left=f"{left:.6g}",
            right=f"{right:.6g}",
        )

    # -- the forward code, run again ----------------------------------------------------

    def slopes(self, forward: CallRecord, k: int) -> tuple[float, float, float] | None:
        """d out / d input k of the gate's own forward() at its recorded inputs: the
        central difference, and the two one-sided ones (None: not computable)."""
        x = forward.arg_values[k]
        if x is None:
            return None
        h = 1e-6 * max(1.0, abs(x))
        try:
            f0 = self.replay(forward, {k: x})
            fp = self.replay(forward, {k: x + h})
            fm = self.replay(forward, {k: x - h})
        except Exception:
            return None
        if not all(math.isfinite(v) for v in (f0, fp, fm)):
            return None
        return (fp - fm) / (2 * h), (f0 - fm) / h, (fp - f0) / h

    def replay(self, forward: CallRecord, values: dict[int, float]) -> float:
        """The gate's forward() once more, on copies: its output's value."""
        with self.w.paused():
            gate = copy.copy(forward.gate)
            args = []
            for j, a in enumerate(forward.args):
                if forward.arg_values[j] is None:
                    args.append(a)
                    continue
                c = copy.copy(a)
                setattr(c, self.w.value_attr, values.get(j, forward.arg_values[j]))
                args.append(c)
        return self.output_of(getattr(type(gate), forward.method), gate, args, forward.out_slot)

    def output_of(self, method: Any, gate: object, args: list[object], slot: str | None) -> float:
        with self.w.paused(), contextlib.redirect_stdout(io.StringIO()):
            returned = method(gate, *args)
        unit = returned if self.w.is_unit(returned) else getattr(gate, slot or "", None)
        return float(getattr(unit, self.w.value_attr))

    # -- the whole pass -------------------------------------------------------------------

    def end_pass(self) -> None:
        """Each input's grad against a central difference of the output, by the
        pass's own forward calls run again; only where nothing else was found."""
        self.in_backward = False
        forwards, self.forwards = self.forwards, []
        if self.pass_findings or self.seed is None or not forwards:
            self.final = {}
            return
        out, where = self.seed
        inputs = self.inputs(forwards)
        # Each input costs three runs of every forward call: past a budget, a sample
        # of the inputs, spread evenly (a learner's script is well within it).
        most = max(1, REPLAYS // (3 * len(forwards)))
        if len(inputs) > most:
            step = len(inputs) / most
            inputs = [inputs[int(k * step)] for k in range(most)]
            self.sampled = True
        for unit, value in inputs:
            slopes = self.numeric(forwards, unit, value, out)
            if slopes is None:
                continue
            numeric, left, right = slopes
            got = self.final.get(id(unit), 0.0)
            at_kink = not agree(left, right) and (agree(got, left) or agree(got, right))
            if not agree(got, numeric) and not at_kink:
                name = self.w.names.get(unit) or A_UNIT
                self.findings.append(
                    _found(
                        "total",
                        None,
                        where,
                        numeric,
                        got,
                        N_(
                            "after this backward pass {unit}.{attr} is {got}, but the output "
                            "changes by {numeric} per unit of {unit} (the forward calls, run again)"
                        ),
                        unit=name,
                        attr=self.w.grad_attr,
                        got=f"{got:.6g}",
                        numeric=f"{numeric:.6g}",
                    )
                )

    def inputs(self, forwards: list[CallRecord]) -> list[tuple[object, float]]:
        made = {id(f.after.get(f.out_slot or "")) for f in forwards}
        found: dict[int, tuple[object, float]] = {}
        for f in forwards:
            for a, v in zip(f.args, f.arg_values, strict=False):
                if v is not None and id(a) not in made:
                    found.setdefault(id(a), (a, v))
        return list(found.values())

    def numeric(
        self, forwards: list[CallRecord], unit: object, value: float, out: object
    ) -> tuple[float, float, float] | None:
        """d output / d unit: the central difference and the two one-sided ones."""
        h = 1e-6 * max(1.0, abs(value))
        try:
            up = self.rerun(forwards, unit, value + h, out)
            here = self.rerun(forwards, unit, value, out)
            down = self.rerun(forwards, unit, value - h, out)
        except Exception:
            return None
        if up is None or down is None or here is None:
            return None
        return (up - down) / (2 * h), (here - down) / h, (up - here) / h

    def rerun(
        self, forwards: list[CallRecord], unit: object, value: float, out: object
    ) -> float | None:
        """The pass's forward calls on copies, ``unit`` at ``value``: the output's value."""
        copies: dict[int, object] = {}
        with self.w.paused():
            nudged = copy.copy(unit)
            setattr(nudged, self.w.value_attr, value)
        copies[id(unit)] = nudged
        result = None
        for f in forwards:
            with self.w.paused():
                gate = copy.copy(f.gate)
                args = []
                for a, v in zip(f.args, f.arg_values, strict=False):
                    if id(a) in copies:
                        args.append(copies[id(a)])
                    elif v is not None:
                        c = copy.copy(a)
                        setattr(c, self.w.value_attr, v)
                        args.append(c)
                    else:
                        args.append(a)
            with self.w.paused(), contextlib.redirect_stdout(io.StringIO()):
                returned = getattr(type(gate), f.method)(gate, *args)
            made = f.after.get(f.out_slot or "")
            new = returned if self.w.is_unit(returned) else getattr(gate, f.out_slot or "", None)
            if made is not None and new is not None:
                copies[id(made)] = new
            if made is out and new is not None:
                result = float(getattr(new, self.w.value_attr))
        return result
