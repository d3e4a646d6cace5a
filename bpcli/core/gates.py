"""The gate registry: every op bpcli knows, defined once.

Each row gives the forward computation and the local derivatives side by side,
once each, as Python source (``a``, ``b``: the input values; ``out``: the
output's value). The engine's functions are compiled from that source, and
``bpcli export`` writes the same source into its scripts, so the two cannot
drift. Beside it stands the notation a person reads (``u0 · u1``, ``σ(1−σ)``),
which is prose, not code. The parser (op names, arity), the engine (forward and
backward), the formulas of ``expr:`` (operators, gate and unit names),
``bpcli gates``, ``bpcli check`` (kinks) and the tests all read this one table;
adding an op is adding a row.

``forward(a[, b])`` returns the output value. ``local(a[, b], out)`` returns one
local derivative per input, the factor that multiplies ``utop.grad`` in
``u.grad += local * utop.grad``. Either may raise ``ArithmeticError`` or
``ValueError`` for values outside the op's domain; the engine turns that into
an error that names the gate. A local derivative that is undefined at a point
is NaN; ``local_each`` computes them one by one, so that one that cannot be
computed does not stand in the way of another that can.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from ..i18n import N_

IN_SLOTS = ("u0", "u1")  # a gate's input slots, in argument order
OUT_SLOT = "utop"  # the slot holding the Unit a gate's forward() creates
ARGS = ("a", "b")  # the names of the input values in the registry's code

# Python source of the helpers the registry's code may call, for the engine and
# for exported scripts alike.
SIGMOID_SOURCE = '''\
def sigmoid(x):
    """1 / (1 + e^-x), written so that it never overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
'''
_NAMESPACE: dict[str, Any] = {"math": math, "__builtins__": {"abs": abs}}
exec(SIGMOID_SOURCE, _NAMESPACE)
_sigmoid: Callable[[float], float] = _NAMESPACE["sigmoid"]


class Op(NamedTuple):
    name: str
    arity: int
    code: str  # forward, as Python
    local_code: tuple[str, ...]  # one per input slot, as Python
    formula: str  # forward, as a person writes it, in terms of u0, u1
    local_formulas: tuple[str, ...]  # one per input slot, as a person writes them
    domain: str  # marked N_, shown with _() (JSON keeps it in English)
    guide_class: str  # the class name the guide would give it
    forward: Callable[..., float]  # compiled from code
    local: Callable[..., tuple[float, ...]]  # compiled from local_code
    local_each: tuple[Callable[..., float], ...]  # the same, one function a slot
    # Where the op has a kink (no derivative): a signed distance to it, 0 at the
    # kink (relu and abs at 0, max and min at a tie), and where that is in words.
    # `bpcli check` uses them.
    kink: Callable[..., float] | None
    kink_at: str  # marked N_ (check's kink note words it)
    helpers: str  # Python source the code needs beyond `math` (for exported scripts)
    # For `expr:` formulas: the Python operator written for it (`+`, `*`, unary
    # `-`), how a derived unit name joins its operands (`ax_p_by`), and the
    # prefix of its gates' names (`mulg0`, `sg0`).
    operator: str
    join: str | None
    prefix: str


def _compile(code: str, params: tuple[str, ...]) -> Callable[..., Any]:
    """The registry's source as a function. A plain call of one function with the
    inputs in order (`math.exp(a)`, `sigmoid(a)`) is that function itself: no
    Python frame in between."""
    head, call, _ = code.partition(f"({', '.join(params)})")
    if call and code.endswith(call):
        module, _, name = head.rpartition(".")
        scope = vars(_NAMESPACE[module]) if module else {**_NAMESPACE, **_NAMESPACE["__builtins__"]}
        if callable(scope.get(name)):
            return scope[name]  # type: ignore[no-any-return]
    return eval(f"lambda {', '.join(params)}: {code}", _NAMESPACE)  # type: ignore[no-any-return]


def _op(
    name: str,
    code: str,
    local_code: tuple[str, ...],
    formula: str,
    local_formulas: tuple[str, ...],
    guide_class: str,
    *,
    domain: str = "",
    kink: str = "",
    kink_at: str = "",
    operator: str = "",
    join: str | None = None,
    prefix: str = "",
) -> Op:
    arity = len(local_code)
    params = ARGS[:arity]
    local = _compile(f"({', '.join(local_code)},)", (*params, "out"))
    each = tuple(_compile(code, (*params, "out")) for code in local_code)
    return Op(
        name,
        arity,
        code,
        local_code,
        formula,
        local_formulas,
        domain,
        guide_class,
        _compile(code, params),
        local,
        each,
        _compile(kink, params) if kink else None,
        kink_at,
        SIGMOID_SOURCE if "sigmoid(" in code else "",
        operator,
        join,
        prefix or name + "g",
    )


_SIGN = "1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)"

# One row an op: name, forward, local derivatives (Python, then as a person
# writes them), the guide's class name, then what some ops have besides.
_OPS = [
    _op("add", "a + b", ("1.0", "1.0"),
        "u0 + u1", ("1", "1"), "AddGate", operator="+", join="_p_"),
    _op("sub", "a - b", ("1.0", "-1.0"),
        "u0 − u1", ("1", "−1"), "SubGate", operator="-", join="_m_"),
    _op("mul", "a * b", ("b", "a"),
        "u0 × u1", ("u1", "u0"), "MultGate", operator="*", join=""),
    # -(a / b) / b, not -a / (b * b): the square of a tiny divisor underflows
    _op("div", "a / b", ("1.0 / b", "-(a / b) / b"),
        "u0 / u1", ("1/u1", "−u0/u1²"), "DivGate", domain=N_("u1 ≠ 0"), operator="/", join="_d_"),
    _op("pow", "math.pow(a, b)",
        ("b * math.pow(a, b - 1.0) if b != 0.0 else 0.0",
         "out * math.log(a) if a > 0.0 else math.nan"),
        "u0 ^ u1", ("u1·u0^(u1−1)", "u0^u1·ln u0"), "PowGate",
        domain=N_("real result; the u1 derivative needs u0 > 0 (skipped when u1 is a literal)"),
        operator="**", join="_pow_"),
    _op("max", "a if a >= b else b", ("1.0 if a >= b else 0.0", "0.0 if a >= b else 1.0"),
        N_("the larger"), ("1 if u0 ≥ u1 else 0", "0 if u0 ≥ u1 else 1"), "MaxGate",
        domain=N_("a tie chooses u0"), kink="a - b", kink_at=N_("a tie")),
    _op("min", "a if a <= b else b", ("1.0 if a <= b else 0.0", "0.0 if a <= b else 1.0"),
        N_("the smaller"), ("1 if u0 ≤ u1 else 0", "0 if u0 ≤ u1 else 1"), "MinGate",
        domain=N_("a tie chooses u0"), kink="a - b", kink_at=N_("a tie")),
    _op("neg", "-a", ("-1.0",),
        "−u0", ("−1",), "NegGate", operator="-"),
    _op("abs", "abs(a)", (_SIGN,),
        "|u0|", ("sign(u0)",), "AbsGate", domain=N_("derivative 0 at 0"), kink="a", kink_at="0"),
    _op("exp", "math.exp(a)", ("out",),
        "e^u0", ("e^u0",), "ExpGate", domain=N_("no overflow")),
    _op("log", "math.log(a)", ("1.0 / a",),
        "ln u0", ("1/u0",), "LogGate", domain=N_("u0 > 0")),
    _op("sigmoid", "sigmoid(a)", ("out * (1.0 - out)",),
        "1/(1+e^−u0)", ("σ(1−σ)",), "SigmoidGate", domain=N_("any real"), prefix="sg"),
    _op("tanh", "math.tanh(a)", ("1.0 - out * out",),
        "tanh u0", ("1 − tanh²",), "TanhGate"),
    _op("relu", "a if a > 0.0 else 0.0", ("1.0 if a > 0.0 else 0.0",),
        "max(0, u0)", ("1 if u0 > 0 else 0",), "ReluGate",
        domain=N_("derivative 0 at 0"), kink="a", kink_at="0"),
    _op("sin", "math.sin(a)", ("math.cos(a)",),
        "sin u0", ("cos u0",), "SinGate"),
    _op("cos", "math.cos(a)", ("-math.sin(a)",),
        "cos u0", ("−sin u0",), "CosGate"),
]  # fmt: skip

OPS: dict[str, Op] = {op.name: op for op in _OPS}


def slots_of(arity: int) -> tuple[str, ...]:
    """The input slots of a gate of this arity (u0, or u0 and u1)."""
    return IN_SLOTS[:arity]


def by_operator(symbol: str, arity: int) -> Op | None:
    """The op a Python operator stands for in a formula (`+` add, unary `-` neg)."""
    return next((op for op in _OPS if op.operator == symbol and op.arity == arity), None)
