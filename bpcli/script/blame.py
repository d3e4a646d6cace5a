"""`bpcli check SCRIPT.py`: which line of the learner's backward code is wrong.

Each backward call is judged as it returns, against the script's own forward
code, never against a formula of bpcli's: the watcher runs the gate's last
forward call again, in a copy of the process, on the values that call saw
with one input nudged by ±h (``replay``). The inputs are the Units its
arguments and its gate's own attributes held when forward began (a weight
made in ``__init__`` is one like any other).

- ``local``: an input's pull, against that slope times the grad it read;
- ``assign``: ``=`` where ``+=`` belongs (the write replaced an earlier pull);
- ``order``: a backward call that read its output's grad before any call
  wrote it in this pass (backward in forward order), where it is called;
- ``stale``: a pass that began while an input still held a grad from the
  pass before, at its first write;
- ``total``: when a pass showed nothing else, each input's grad against a
  central difference of the output, the pass's forward calls run again.

A call ends *checked*, with a *problem*, or *not judged, because …*: forward
is random (two runs on the same values differ), or depends on more than its
inputs (a run on the values it saw gives another output), raises when run
again, an input is not finite, bpcli never saw its forward call. At a kink
(relu at 0, a max tie) a pull that takes either one-sided slope is right:
noted, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from ..core.steps import Source, Step
from ..i18n import N_
from ..i18n.worded import Worded
from .findings import Finding, Forward, Wording, agree
from .seen import Seen
from .value_blame import ValueJudge

REPLAYS = 200_000  # forward calls run again for a pass's whole check, at most
ROUNDING = 8 * 2.220446049250313e-16  # an output's rounding, in ulps (its relative size)

Replay = Callable[[list[dict[str, Any]]], list[Any]]


class NotJudged(NamedTuple):
    gate: str
    source: Source
    why: str  # in English, as JSON says it (a Worded)
    call: str = ""  # the call not judged, as shown (mulg0.backward(), n._backward())


class Judge:
    def __init__(self, seen: Seen, grad_attr: str, replay: Replay) -> None:
        self.seen, self.grad_attr, self.replay = seen, grad_attr, replay
        self.say = Wording(seen, grad_attr)
        self.calling = ""  # the backward call being judged, as shown
        self.values = ValueJudge(self)
        self.findings: list[Finding] = []
        self.notes: list[Finding] = []
        self.not_judged: list[NotJudged] = []
        self.last_forward: dict[int, Forward] = {}  # gate -> its latest forward
        self.forwards: list[Forward] = []  # this pass's, in order
        self.made: set[int] = set()  # Units some forward made (not the inputs)
        self.written: set[int] = set()  # grads written in this backward pass
        self.final: dict[int, float] = {}  # each grad after its last write in this pass
        self.seed: tuple[int, Source, float] | None = None  # the Unit seeded, where, with what
        self.grads: dict[int, Any] = {}  # each Unit's grad as last seen
        self.seeded = False
        self.in_backward = False
        self.stale_said = False
        self.pass_findings = 0
        self.forward_findings = 0  # found in this pass's forward (an op left without a closure)
        self.pass_skips = 0  # calls not judged before this pass began
        self.pass_calls = 0  # backward calls before this pass began
        self.calls = 0  # backward calls seen
        self.checked_calls = 0
        self.checked = 0  # pulls compared with the forward code
        self.sampled = False

    # -- events ------------------------------------------------------------------------

    def step(self, step: Step, msg: dict[str, Any]) -> list[str]:
        if msg["t"] == "lines":
            self._lines(msg)
            return []
        if msg["t"] in ("op", "closure", "node"):  # Value code's (value_blame.py)
            found = self.values.step(step, msg)
        elif msg["role"] == 0:
            self._forward(msg)
            return []
        else:
            found = self._backward(step, msg)
        self.findings += found
        self.pass_findings += len(found)
        if not self.in_backward:
            self.forward_findings += len(found)
        return [f.message for f in found]

    def finish(self) -> None:
        if self.in_backward:
            self.end_pass()

    def _lines(self, msg: dict[str, Any]) -> None:
        """A line of the script: a grad set from outside (not to 0) is a seed."""
        for w in msg["w"]:
            if w[1] == self.grad_attr:
                self.grads[w[0]] = w[3]
            if w[1] == self.grad_attr and w[3] != 0.0 and _finite(w[3]):
                self.begin()
                at = msg.get("via") or w[4:6]  # a Value's backward(): where the script called it
                self.seed = (w[0], self.seen.source(at[0], at[1]), float(w[3]))
                self.seeded = True
                self.written.add(w[0])

    def _forward(self, msg: dict[str, Any]) -> None:
        if self.in_backward:
            self.end_pass()
        units = [u for a in msg["a"] for u in _units(a)]
        inputs = {u[0]: u[1] for u in units}
        before, after = msg["b"], msg["after"]
        for attr, slot in before.items():  # its gate's own: a slot forward kept (a weight)
            kept = after.get(attr)
            if slot[1] is not None and kept is not None and kept[0] == slot[0]:
                inputs.setdefault(slot[0], slot[1])
        made = self.seen.made_slot(msg)
        out = after[made] if made is not None else None
        args = frozenset(u[0] for u in units)
        f = Forward(
            msg["k"], msg["g"], inputs, out[0] if out else None, out[1] if out else None, args
        )
        self.last_forward[msg["g"]] = f
        self.forwards.append(f)
        if f.out is not None:
            self.made.add(f.out)

    def begin(self) -> None:
        if self.in_backward:
            self.end_pass()
        self.in_backward = True
        self.written, self.final = set(), {}
        self.pass_findings, self.forward_findings = self.forward_findings, 0
        self.pass_skips = len(self.not_judged)
        self.pass_calls = self.calls
        self.seeded = self.stale_said = False

    # -- one backward call -------------------------------------------------------------

    def _backward(
        self, step: Step, msg: dict[str, Any], say: Wording | None = None
    ) -> list[Finding]:
        """A backward call (or a Value's closure, a node: ``say`` words them, and
        their order is judged apart)."""
        gates = say is None
        say = say or self.say
        self.calling = say.call(step.gate or "?")
        if not self.in_backward:
            self.begin()
        self.calls += 1
        found: list[Finding] = []
        source = step.source or Source("?", 0, "")
        gate, name = msg["g"], step.gate or "?"
        out_slot = step.out_slot
        top = msg["b"].get(out_slot)
        upstream = top[2] if top is not None else None
        out = top[0] if top is not None else None
        read_early = out is not None and out not in self.written and self.seeded
        if gates and read_early and upstream is not None:
            found.append(say.order(name, out_slot, source, upstream))
        by_unit: dict[int, list[list[Any]]] = {}
        say.fresh = set()  # the units this call writes first in the pass (no pull to replace)
        for slot in msg["after"].values():
            self.grads[slot[0]] = slot[2]
        for w in msg["w"]:
            if w[1] != self.grad_attr:
                continue
            self.grads[w[0]] = w[3]
            first = w[0] not in self.written
            if first:
                say.fresh.add(w[0])
            stale = first and _finite(w[2]) and w[2] != 0.0 and w[0] not in self.made
            if stale and not self.stale_said:
                began = self.seed[1] if self.seed is not None else None
                found.append(say.stale(name, w, began))
                self.stale_said = True
            self.written.add(w[0])
            self.final[w[0]] = w[3]
            by_unit.setdefault(w[0], []).append(w)
        self.seeded = True  # after a pass's first call, every read grad must have been written
        forward = self.last_forward.get(gate)
        if forward is None:
            self._skip(name, source, N_("bpcli did not see its forward call"))
        elif upstream is None:
            self._skip(name, source, N_("its gate holds no output Unit bpcli could read"))
        else:
            found += self._pulls(name, out_slot, source, forward, by_unit, upstream, say)
        return found

    def _pulls(
        self,
        name: str,
        out_slot: str,
        source: Source,
        forward: Forward,
        by_unit: dict[int, list[list[Any]]],
        upstream: float,
        say: Wording,
    ) -> list[Finding]:
        """Each input's pull against the gate's own forward(), nudged; an argument
        it wrote nothing into, too (its pull missing)."""
        units = [u for u in forward.inputs if u in by_unit or u in forward.args]
        units = [u for u in units if u != forward.out]
        if not units:
            return []
        if forward.out is None:
            self._skip(name, source, N_("its forward call made no Unit"))
            return []
        bad = [u for u in units if not _finite(forward.inputs[u])]
        if bad or (forward.value is not None and not _finite(forward.value)):
            self._skip(name, source, N_("an input of its forward call is not a finite number"))
            return []
        if not _finite(upstream):
            self._skip(name, source, N_("the grad it read is not a finite number"))
            return []
        jobs = []
        for u in units:
            x = forward.inputs[u]
            h = 1e-6 * max(1.0, abs(x))
            jobs.append(
                {"chain": [forward.k], "vary": u, "at": [x - h, x + h, x, x], "out": forward.out}
            )
        found: list[Finding] = []
        judged = False
        for u, result in zip(units, self.replay(jobs), strict=True):
            why = _unusable(result, forward.value)
            if why:
                self._skip(name, source, why)
                return found
            fm, fp, f0, _ = result
            h = 1e-6 * max(1.0, abs(forward.inputs[u]))
            local, left, right = (fp - fm) / (2 * h), (f0 - fm) / h, (fp - f0) / h
            want = local * upstream
            # the slopes' own rounding: an output far larger than the nudge (3e7 + b,
            # b nudged by 1e-6) is known to a few ulps only, each worth ulp/h of slope
            slack = ROUNDING * max(abs(fm), abs(fp), abs(f0)) / h
            writes = by_unit.get(u)
            if writes is not None and not all(_finite(x) for w in writes for x in w[2:4]):
                self._skip(name, source, N_("a grad it wrote is not a finite number"))
                continue
            self.checked += 1
            judged = True
            kinked = not _close(left, right, 2 * slack)  # smooth: the two sides agree
            if writes is None:  # an argument its backward wrote nothing into
                if not _close(0.0, want, slack * abs(upstream)) and not kinked:
                    unit = say.unit(u)
                    found.append(say.missing(name, out_slot, source, unit, want, local, upstream))
                continue
            got = writes[-1][3] - writes[0][2]
            if _close(got, want, slack * abs(upstream)):
                continue  # right (a smooth minimum, a**2 at 0, is no kink: both sides agree)
            if kinked and (agree(got, left * upstream) or agree(got, right * upstream)):
                self.notes.append(say.kink(name, writes[-1], left, right))
                continue
            found.append(say.wrong(name, out_slot, writes, want, local, upstream))
        self.checked_calls += judged
        return found

    def _skip(self, gate: str, source: Source, why: str) -> None:
        said = why if isinstance(why, Worded) else Worded(why)
        self.not_judged.append(NotJudged(gate, source, said, self.calling))

    # -- the whole pass ----------------------------------------------------------------

    def end_pass(self) -> None:
        """Each input's grad against a central difference of the output, by the
        pass's own forward calls run again; only where nothing else was found."""
        self.in_backward = False
        forwards, self.forwards = self.forwards, []
        judged_all = len(self.not_judged) == self.pass_skips  # no call of the pass left out
        ran = self.calls > self.pass_calls  # a backward pass is one that called backward
        if self.pass_findings or self.seed is None or not forwards or not judged_all or not ran:
            return
        out, where, seed = self.seed
        made = {f.out for f in forwards}
        inputs: dict[int, float] = {}
        for f in forwards:
            for u, v in f.inputs.items():
                if u not in made and _finite(v):
                    inputs.setdefault(u, v)
        most = max(1, REPLAYS // (3 * len(forwards)))  # past a budget, a sample, spread evenly
        chosen = list(inputs)
        if len(chosen) > most:
            chosen = [chosen[int(k * len(chosen) / most)] for k in range(most)]
            self.sampled = True
        chain = [f.k for f in forwards]
        jobs = []
        for u in chosen:
            h = 1e-6 * max(1.0, abs(inputs[u]))
            jobs.append(
                {
                    "chain": chain,
                    "vary": u,
                    "at": [inputs[u] - h, inputs[u] + h, inputs[u], inputs[u]],
                    "out": out,
                }
            )
        for u, result in zip(chosen, self.replay(jobs) if jobs else [], strict=True):
            if not isinstance(result, list) or any(not _finite(x) for x in result):
                continue
            fm, fp, f0, again = result
            if f0 != again:  # the pass's forward code is random: no central difference of it
                return
            h = 1e-6 * max(1.0, abs(inputs[u]))
            slopes = (fp - fm) / (2 * h), (f0 - fm) / h, (fp - f0) / h
            numeric, left, right = (seed * s for s in slopes)  # backprop of the seed written
            got = self.final.get(u, self.grads.get(u, 0.0))
            if not _finite(got):
                continue
            slack = ROUNDING * max(abs(fm), abs(fp), abs(f0)) / h * abs(seed)
            at_kink = not _close(left, right, 2 * slack) and (agree(got, left) or agree(got, right))
            if not _close(got, numeric, slack) and not at_kink:
                self.findings.append(self.say.total(u, where, numeric, got))


def _units(arg: Any) -> list[list[Any]]:
    """The Units an argument is or holds (a list of them), each [oid, value]."""
    if isinstance(arg, list) and len(arg) == 2:
        return [arg]
    if isinstance(arg, dict):
        return list(arg.get("u", ()))
    return []


def _close(a: float, b: float, slack: float) -> bool:
    """``agree``, or within ``slack`` (what rounding alone can make of a slope)."""
    return agree(a, b) or abs(a - b) <= slack


def _finite(x: Any) -> bool:
    """A finite float (not a script's int too large for one, sent as a str)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


_WHY = {  # why the watcher could not run forward again
    "lost": N_("bpcli did not keep its forward call"),
    "ended": N_("the copy of the script that ran forward again ended early"),
    "raised": N_("forward raised when run again: {error}"),
    "changes": N_("forward changes {what}, which the script holds outside the gate"),
}


def _unusable(result: Any, recorded: float | None) -> str | None:
    """Why a replay's numbers cannot judge a pull (None: they can)."""
    if isinstance(result, dict):
        template = _WHY.get(str(result.get("why")), _WHY["ended"])
        return Worded(
            template, error=str(result.get("error", "")), what=str(result.get("what", ""))
        )
    if not isinstance(result, list) or not all(_finite(x) for x in result):
        return N_("forward gave no finite number when run again")
    if result[2] != result[3]:
        return N_("forward gives different outputs for the same inputs (it is random)")
    if recorded is not None and not agree(result[2], recorded):
        return N_(
            "forward, run again on the values it saw, gives another output (it depends "
            "on more than its inputs)"
        )
    return None
