"""What tracing micrograd-style Value code costs (issue 21, point 7).

A micrograd MLP written as the lecture writes it (a `Value` with `_backward`
closures and a topological sort; `Neuron`, `Layer`, `MLP` with `__call__`),
2-16-16-1, 20 points, a squared-error loss, `zero_grad`, backward and an
update, for S training steps. Each run is generated into a temporary folder
and run with this Python (`--python sys.executable`):

- the script alone (`python SCRIPT`), and `bpcli trace --format jsonl SCRIPT`
  into a file, alternating, `--runs` rounds each, for S = 1, 2, 4 and 5;
- the events counted from the JSONL (ops, closure calls, nodes, the script's
  own lines), bytes written;
- time per traced closure call: (bpcli's median - the script's median) over
  every event of the run, and over the closure calls alone (the ops of the
  forward pass are steps too: the cost of each kind is not told apart);
- growth from 1 to 4 steps: the ratio of bpcli's time (and of bytes) S=4 over
  S=1, with the fixed cost (a run with S=0: the model is built, nothing
  trained) taken off both (linear is 4.0).

    .venv/bin/python benchmarks/value_cost.py            # ~2-3 minutes
    .venv/bin/python benchmarks/value_cost.py --runs 3 --steps 1 4

It prints figures and never fails on them: the machine is shared and noisy;
compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPCLI = [sys.executable, "-m", "bpcli"]

SCRIPT = """
import math
import random
import sys


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        out = Value(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rmul__(self, other):
        return self * other


class Neuron:
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [
            Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


random.seed(1)
model = MLP(2, [16, 16, 1])
xs = [[random.uniform(-2, 2), random.uniform(-2, 2)] for _ in range(20)]
ys = [1.0 if x[0] * x[1] > 0 else -1.0 for x in xs]
for step in range(int(sys.argv[1])):
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= 0.01 * p.grad
print("done")
"""


def timed(command: list[str], out: Path | None) -> float:
    start = time.perf_counter()
    with open(out or "/dev/null", "wb") as sink:
        subprocess.run(command, stdout=sink, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, nargs="+", default=[0, 1, 2, 4, 5])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "mlp.py"
        script.write_text(SCRIPT)
        events = Path(tmp) / "events.jsonl"
        rows = {}
        for steps in args.steps:
            alone, traced = [], []
            for _ in range(args.runs):  # alternating: the machine's noise on both alike
                alone.append(timed([sys.executable, str(script), str(steps)], None))
                traced.append(
                    timed(
                        [*BPCLI, "trace", "--format", "jsonl", "--python", sys.executable,
                         str(script), "--", str(steps)],
                        events,
                    )
                )  # fmt: skip
            kinds: dict[str, int] = {}
            for line in events.read_text().splitlines():
                if line.startswith("{"):
                    e = json.loads(line)
                    kind = e.get("kind") or e["phase"]
                    kinds[kind] = kinds.get(kind, 0) + 1
            rows[steps] = (
                statistics.median(alone),
                statistics.median(traced),
                kinds,
                events.stat().st_size,
            )
            a, t, k, size = rows[steps]
            total = sum(k.values())
            closures = k.get("closure", 0)
            print(
                f"steps {steps}: python {a:.2f} s, bpcli trace --format jsonl {t:.2f} s "
                f"(x{t / a:.1f}), {total} events {k}, {size / 1e6:.1f} MB"
            )
            if total:
                extra = t - a
                print(
                    f"    per event {extra / total * 1e6:.0f} µs; per closure call "
                    f"{extra / max(closures, 1) * 1e6:.0f} µs (all of bpcli's time over "
                    "the closure calls alone)"
                )
        if 1 in rows and 4 in rows:
            base = rows.get(0, (0.0, 0.0, {}, 0))
            t1, t4 = rows[1][1], rows[4][1]
            b1, b4 = rows[1][3], rows[4][3]
            print(f"growth 1 -> 4 steps: time x{t4 / t1:.2f}, bytes x{b4 / b1:.2f}")
            if 0 in rows:
                print(
                    f"    without the fixed cost (steps 0: {base[1]:.2f} s): time "
                    f"x{(t4 - base[1]) / (t1 - base[1]):.2f}, bytes "
                    f"x{(b4 - base[3]) / max(b1 - base[3], 1):.2f} (linear is 4.0)"
                )


if __name__ == "__main__":
    main()
