"""The baseline: build a bpcli circuit file with micrograd and run forward + backward.

Reads the file the ordinary way (``yaml.load`` with PyYAML's C ``CSafeLoader``,
``SafeLoader`` where libyaml is missing), then builds micrograd ``Value``s gate
by gate in file order (building a ``Value`` *is* micrograd's forward pass) and
calls ``out.backward()``. Prints ``repr`` of the output value, as
``bpcli run -q --no-update FILE`` does, so the two can be compared as text.

The PyPI release of micrograd (0.1.0) has ``+ * ** relu`` but no ``tanh``,
``exp`` or ``sigmoid``; those are added here the way micrograd writes its own
ops (a new ``Value`` with a ``_backward`` closure), using the same formulas as
bpcli (``math.tanh``; a sigmoid that never exponentiates a positive number) so
the output value is bit-for-bit the same.

micrograd's ``backward()`` sorts the graph with a recursive DFS, one Python
frame per level of depth, so the recursion limit is raised to fit the circuit
and the backward pass runs in a thread with a large stack.

    python benchmarks/micrograd_run.py benchmarks/out/mlp_100000.txt
    python benchmarks/micrograd_run.py --timing FILE   # phase times as JSON on stderr
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import yaml
from micrograd.engine import Value

Loader: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


# -- the ops micrograd 0.1.0 lacks, written micrograd's way ------------------------


def tanh(x: Value) -> Value:
    t = math.tanh(x.data)
    out = Value(t, (x,), "tanh")

    def _backward() -> None:
        x.grad += (1.0 - t * t) * out.grad

    out._backward = _backward
    return out


def sigmoid(x: Value) -> Value:
    d = x.data
    if d >= 0.0:
        s = 1.0 / (1.0 + math.exp(-d))
    else:
        z = math.exp(d)
        s = z / (1.0 + z)
    out = Value(s, (x,), "sigmoid")

    def _backward() -> None:
        x.grad += s * (1.0 - s) * out.grad

    out._backward = _backward
    return out


def exp(x: Value) -> Value:
    e = math.exp(x.data)
    out = Value(e, (x,), "exp")

    def _backward() -> None:
        x.grad += e * out.grad

    out._backward = _backward
    return out


OPS: dict[str, Callable[..., Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "neg": lambda a: -a,
    "relu": lambda a: a.relu(),
    "tanh": tanh,
    "sigmoid": sigmoid,
    "exp": exp,
}


# -- the circuit ------------------------------------------------------------------


class Built:
    """The micrograd graph of one circuit file."""

    def __init__(self, inputs: dict[str, Value], values: dict[str, Value], output: Value):
        self.inputs = inputs
        self.values = values
        self.output = output


def load(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        doc = yaml.load(f, Loader=Loader)
    if not isinstance(doc, dict):
        raise SystemExit(f"{path}: not a circuit file (top level is not a mapping)")
    return doc


def build(doc: dict[str, Any]) -> Built:
    """Build the circuit's Values in file order: micrograd's forward pass."""
    inputs = {name: Value(float(v)) for name, v in doc["units"].items()}
    values: dict[str, Value] = dict(inputs)
    last = ""
    for gate, text in doc["gates"].items():
        call, arrow, out = str(text).rpartition("->")
        op, paren, rest = call.partition("(")
        if not arrow or not paren:
            raise SystemExit(f"gate {gate}: cannot read {text!r}")
        fn = OPS.get(op.strip())
        if fn is None:
            raise SystemExit(f"gate {gate}: op {op.strip()!r} is not supported by this baseline")
        args: list[Value | float] = []
        for piece in rest.strip().removesuffix(")").split(","):
            arg = piece.strip()
            args.append(float(arg) if arg[0] in "+-.0123456789" else values[arg])
        last = out.strip()
        values[last] = fn(*args)
    output = values[str(doc.get("output") or last)]
    return Built(inputs, values, output)


def backward(out: Value, depth_hint: int) -> None:
    """out.backward() with room for micrograd's recursive topological sort."""
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, depth_hint + 1000))
    old_stack = threading.stack_size()
    # Generous: a Python frame of build_topo costs well under 500 bytes of C stack.
    threading.stack_size(min(max(64 << 20, depth_hint * 512), 2 << 30))
    failure: list[BaseException] = []

    def target() -> None:
        try:
            out.backward()
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    try:
        t = threading.Thread(target=target)
        t.start()
        t.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if failure:
        raise failure[0]


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument(
        "--timing", action="store_true", help="print phase times as one JSON line on stderr"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    doc = load(args.file)
    t1 = time.perf_counter()
    built = build(doc)
    t2 = time.perf_counter()
    backward(built.output, len(built.values))
    t3 = time.perf_counter()
    print(repr(built.output.data))
    if args.timing:
        timing = {
            "load": t1 - t0,
            "build_forward": t2 - t1,
            "backward": t3 - t2,
            "gates": len(doc["gates"]),
            "peak_rss": peak_rss_bytes(),
        }
        print(json.dumps(timing), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
