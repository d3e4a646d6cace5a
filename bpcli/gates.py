"""The gate registry: every op bpcli knows, defined once.

Each row gives the forward function and the local derivatives side by side,
with the formulas as text. The parser (op names, arity), the engine (forward
and backward), ``bpcli gates`` and the tests all read this one table; adding
an op is adding a row.

``forward(u0[, u1])`` returns the output value. ``local(u0[, u1], out)``
returns one local derivative per input, the factor that multiplies
``utop.grad`` in ``u.grad += local * utop.grad``. Either may raise
``ArithmeticError`` or ``ValueError`` for values outside the op's domain; the
engine turns that into an error that names the gate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple


class Op(NamedTuple):
    name: str
    arity: int
    forward: Callable[..., float]
    local: Callable[..., tuple[float, ...]]
    formula: str  # forward, in terms of u0, u1
    local_formulas: tuple[str, ...]  # one per input slot
    domain: str = ""
    guide_class: str = ""  # the class name the guide would give it
    # Where the op has a kink (no derivative): a signed distance to it, 0 at
    # the kink (relu and abs at 0, max and min at a tie). `bpcli check` uses it.
    kink: Callable[..., float] | None = None
    # The same, as Python source (`a`, `b`: the input values, `out`: the output's),
    # for the scripts `bpcli export` writes; a test checks they agree.
    code: str = ""
    local_code: tuple[str, ...] = ()


def _sigmoid(x: float) -> float:
    # Never exponentiates a positive number, so it cannot overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _pow_local(a: float, b: float, out: float) -> tuple[float, float]:
    d0 = b * math.pow(a, b - 1.0) if b != 0.0 else 0.0
    # d/du1 u0^u1 = u0^u1 ln u0 needs u0 > 0; NaN marks it undefined, and the
    # engine skips it when u1 is a literal (SPEC §3) or stops otherwise.
    d1 = out * math.log(a) if a > 0.0 else math.nan
    return d0, d1


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


_OPS = [
    Op("add", 2, lambda a, b: a + b, lambda a, b, o: (1.0, 1.0),
       "u0 + u1", ("1", "1"), guide_class="AddGate",
       code="a + b", local_code=("1.0", "1.0")),
    Op("sub", 2, lambda a, b: a - b, lambda a, b, o: (1.0, -1.0),
       "u0 − u1", ("1", "−1"), guide_class="SubGate",
       code="a - b", local_code=("1.0", "-1.0")),
    Op("mul", 2, lambda a, b: a * b, lambda a, b, o: (b, a),
       "u0 · u1", ("u1", "u0"), guide_class="MultGate",
       code="a * b", local_code=("b", "a")),
    Op("div", 2, lambda a, b: a / b, lambda a, b, o: (1.0 / b, -a / (b * b)),
       "u0 / u1", ("1/u1", "−u0/u1²"), "u1 ≠ 0", "DivGate",
       code="a / b", local_code=("1.0 / b", "-a / (b * b)")),
    Op("pow", 2, math.pow, _pow_local,
       "u0 ^ u1", ("u1·u0^(u1−1)", "u0^u1·ln u0"),
       "real result; the u1 derivative needs u0 > 0 (skipped when u1 is a literal)",
       "PowGate",
       code="math.pow(a, b)",
       local_code=("b * math.pow(a, b - 1.0) if b != 0.0 else 0.0",
                   "out * math.log(a) if a > 0.0 else math.nan")),
    Op("max", 2, lambda a, b: a if a >= b else b,
       lambda a, b, o: (1.0, 0.0) if a >= b else (0.0, 1.0),
       "the larger", ("1 if u0 ≥ u1 else 0", "0 if u0 ≥ u1 else 1"),
       "a tie chooses u0", "MaxGate", lambda a, b: a - b,
       code="a if a >= b else b", local_code=("1.0 if a >= b else 0.0", "0.0 if a >= b else 1.0")),
    Op("min", 2, lambda a, b: a if a <= b else b,
       lambda a, b, o: (1.0, 0.0) if a <= b else (0.0, 1.0),
       "the smaller", ("1 if u0 ≤ u1 else 0", "0 if u0 ≤ u1 else 1"),
       "a tie chooses u0", "MinGate", lambda a, b: a - b,
       code="a if a <= b else b", local_code=("1.0 if a <= b else 0.0", "0.0 if a <= b else 1.0")),
    Op("neg", 1, lambda a: -a, lambda a, o: (-1.0,),
       "−u0", ("−1",), guide_class="NegGate",
       code="-a", local_code=("-1.0",)),
    Op("abs", 1, abs, lambda a, o: (_sign(a),),
       "|u0|", ("sign(u0)",), "derivative 0 at 0", "AbsGate", lambda a: a,
       code="abs(a)", local_code=("1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)",)),
    Op("exp", 1, math.exp, lambda a, o: (o,),
       "e^u0", ("e^u0",), "no overflow", "ExpGate",
       code="math.exp(a)", local_code=("out",)),
    Op("log", 1, math.log, lambda a, o: (1.0 / a,),
       "ln u0", ("1/u0",), "u0 > 0", "LogGate",
       code="math.log(a)", local_code=("1.0 / a",)),
    Op("sigmoid", 1, _sigmoid, lambda a, o: (o * (1.0 - o),),
       "1/(1+e^−u0)", ("σ(1−σ)",), "any real", "SigmoidGate",
       code="sigmoid(a)", local_code=("out * (1.0 - out)",)),
    Op("tanh", 1, math.tanh, lambda a, o: (1.0 - o * o,),
       "tanh u0", ("1 − tanh²",), guide_class="TanhGate",
       code="math.tanh(a)", local_code=("1.0 - out * out",)),
    Op("relu", 1, lambda a: a if a > 0.0 else 0.0, lambda a, o: (1.0 if a > 0.0 else 0.0,),
       "max(0, u0)", ("1 if u0 > 0 else 0",), "derivative 0 at 0", "ReluGate", lambda a: a,
       code="a if a > 0.0 else 0.0", local_code=("1.0 if a > 0.0 else 0.0",)),
    Op("sin", 1, math.sin, lambda a, o: (math.cos(a),),
       "sin u0", ("cos u0",), guide_class="SinGate",
       code="math.sin(a)", local_code=("math.cos(a)",)),
    Op("cos", 1, math.cos, lambda a, o: (-math.sin(a),),
       "cos u0", ("−sin u0",), guide_class="CosGate",
       code="math.cos(a)", local_code=("-math.sin(a)",)),
]  # fmt: skip

OPS: dict[str, Op] = {op.name: op for op in _OPS}

IN_SLOTS = ("u0", "u1")  # a gate's input slots, in argument order
OUT_SLOT = "utop"  # the slot holding the Unit a gate's forward() creates
