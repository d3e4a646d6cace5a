"""`bpcli check`: analytic gradients against central differences. No I/O.

For every input x, the numeric gradient is (f(x + h) − f(x − h)) / 2h, each
f a real forward pass of the engine. Agreement is judged by the relative
error |a − n| / max(|a|, |n|), except that a tiny absolute difference counts as
agreement too (both sides near zero, where the central difference is mostly
rounding noise); each row says which rule decided. Where x sits at a kink
(relu or abs at 0, a max/min tie), the function has no derivative and the two
numbers may rightly differ: the row says so instead of failing.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..i18n import N_
from ..i18n.worded import Worded
from .engine import INPUT, Circuit
from .errors import CircuitError

OK, WARN, FAIL, KINK = "ok", "warn", "fail", "kink"


class Tolerances(NamedTuple):
    ok: float = 1e-7  # relative error below this: ok
    fail: float = 1e-4  # above this: fail; between: warn
    absolute: float = 1e-9  # |a − n| at most this: ok whatever the relative error


class CheckRow(NamedTuple):
    name: str
    value: float
    analytic: float
    numeric: float | None  # None: f(x ± h) could not be computed
    abs_error: float | None
    rel_error: float | None
    verdict: str
    # In English (JSON reads them); a text view shows them with in_words().
    rule: str  # which rule decided, in words
    kink: str | None  # the gate whose kink x sits at, and why
    note: str | None = None  # what else the reader should know (an overflow)


def _kink_distances(c: Circuit) -> dict[str, float]:
    """Each kinked gate's signed distance to its kink, in the current pass."""
    found = {}
    for g in c.gates:
        if g.op.kink is not None:
            found[g.name] = g.op.kink(*(u.value for _, u in g.inputs()))
    return found


def _f(c: Circuit) -> tuple[float, dict[str, float]]:
    c.forward()
    return c.output_value, _kink_distances(c)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


DEFAULT = Tolerances()


def check(c: Circuit, h: float = 1e-5, tol: Tolerances = DEFAULT) -> list[CheckRow]:
    c.forward()
    c.backward()
    base = _kink_distances(c)
    analytic = {i: c.units[i].grad for i in c.inputs}
    rows = []
    for i in (i for i, k in enumerate(c.kinds) if k == INPUT):
        u = c.units[i]
        x = u.value
        try:
            u.value = x + h
            f_plus, kinks_plus = _f(c)
            u.value = x - h
            f_minus, kinks_minus = _f(c)
        except CircuitError as err:
            u.value = x
            rows.append(
                _failed(
                    c.names[i],
                    x,
                    analytic[i],
                    Worded(
                        N_("f(x ± h) cannot be computed: {problem}"),
                        problem=err.problems[0].message,
                    ),
                )
            )
            continue
        finally:
            u.value = x
        numeric = _central(f_plus, f_minus, h)
        if numeric is None:
            rows.append(
                _failed(
                    c.names[i],
                    x,
                    analytic[i],
                    Worded(N_("the numeric gradient overflows")),
                    Worded(
                        N_(
                            "(f(x+h) − f(x−h)) / 2h = ({plus} − {minus}) / {twice_h} is too "
                            "large to be a number; try a smaller --h"
                        ),
                        plus=repr(f_plus),
                        minus=repr(f_minus),
                        twice_h=repr(2 * h),
                    ),
                )
            )
            continue
        kink = None
        for gate, d in base.items():
            moved = _sign(kinks_plus[gate]) != _sign(kinks_minus[gate])
            if moved or (d == 0.0 and kinks_plus[gate] != kinks_minus[gate]):
                op = next(g.op for g in c.gates if g.name == gate)
                kink = Worded(
                    N_(
                        "{op} at {at} (gate {gate}): x ± h falls on both sides, so the "
                        "numeric value averages two slopes; the analytic one is the side bpcli "
                        "picks"
                    ),
                    op=op.name,
                    at=Worded(op.kink_at),
                    gate=gate,
                )
                break
        rows.append(_judge(c.names[i], x, analytic[i], numeric, kink, tol))
    c.forward()  # leave the circuit as it was: values at x, grads of x
    c.backward()
    return rows


def _failed(name: str, x: float, a: float, rule: str, note: str | None = None) -> CheckRow:
    """A row with no numeric gradient: the verdict fail, and why."""
    return CheckRow(
        name,
        x,
        a,
        numeric=None,
        abs_error=None,
        rel_error=None,
        verdict=FAIL,
        rule=rule,
        kink=None,
        note=note,
    )


def _central(f_plus: float, f_minus: float, h: float) -> float | None:
    """(f(x+h) − f(x−h)) / 2h, finite where it can be (the difference of two huge
    values may overflow where their halves do not); None where it cannot."""
    numeric = (f_plus - f_minus) / (2 * h)
    if not math.isfinite(numeric):
        numeric = f_plus / (2 * h) - f_minus / (2 * h)
    return numeric if math.isfinite(numeric) else None


def _judge(name: str, x: float, a: float, n: float, kink: str | None, tol: Tolerances) -> CheckRow:
    diff = abs(a - n)
    scale = max(abs(a), abs(n))
    rel = diff / scale if scale > 0 else 0.0
    said = {"rel": f"{rel:.1e}", "diff": f"{diff:.1e}", "ok": f"{tol.ok:.0e}"}
    said |= {"fail": f"{tol.fail:.0e}", "absolute": f"{tol.absolute:.0e}"}
    rule: str
    if diff == 0.0:
        verdict, rule = OK, Worded(N_("equal") if scale else N_("both zero"))
    elif rel < tol.ok:
        verdict, rule = OK, Worded(N_("relative: {rel} < {ok}"), **said)
    elif diff <= tol.absolute:
        verdict, rule = OK, Worded(N_("absolute: |a − n| = {diff} ≤ {absolute}"), **said)
    elif rel <= tol.fail:
        verdict, rule = WARN, Worded(N_("relative: {ok} ≤ {rel} ≤ {fail}"), **said)
    else:
        verdict, rule = FAIL, Worded(N_("relative: {rel} > {fail}"), **said)
    if kink is not None and verdict != OK:
        verdict, rule = KINK, Worded(N_("x ± h straddles a kink"))
    return CheckRow(name, x, a, n, diff, rel, verdict, rule, kink)
