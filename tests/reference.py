"""An independent float64 reference for the tests: its own YAML reading
(PyYAML's BaseLoader, not bpcli's parser), its own op table (math, not bpcli's
registry), and gradients by central differences, never by backprop."""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "max": max,
    "min": min,
    "neg": lambda a: -a,
    "abs": abs,
    "exp": math.exp,
    "log": math.log,
    "sigmoid": lambda a: 0.5 * (1.0 + math.tanh(a / 2.0)),
    "tanh": math.tanh,
    "relu": lambda a: max(a, 0.0),
    "sin": math.sin,
    "cos": math.cos,
}
GATE = re.compile(r"\s*(\w+)\((.*)\)\s*->\s*(\w+)\s*$")


class Reference:
    def __init__(self, text: str) -> None:
        doc = yaml.load(text, Loader=yaml.BaseLoader)  # every scalar a string
        self.inputs = {k: float(v) for k, v in doc["units"].items()}
        self.gates = []
        for value in doc.get("gates", {}).values():
            op, args, out = GATE.match(value).groups()
            self.gates.append((op, [a.strip() for a in args.split(",")], out))
        # expr: the formulas, evaluated by Python itself (with this file's ops)
        self.formulas = [line.split("=", 1) for line in doc.get("expr", "").splitlines() if line]
        last = self.formulas[-1][0].strip() if self.formulas else self.gates[-1][2]
        self.output = doc.get("output", last)
        self.step_size = float(doc.get("step_size", 0.01))
        self.frozen = set(doc.get("frozen", []))

    @classmethod
    def from_file(cls, path: Path) -> Reference:
        return cls(path.read_text())

    def values(self, inputs: dict[str, float] | None = None) -> dict[str, float]:
        env = dict(inputs or self.inputs)
        for op, args, out in self.gates:
            xs = [env[a] if a in env else float(a) for a in args]
            env[out] = float(OPS[op](*xs))
        for target, formula in self.formulas:
            env[target.strip()] = float(eval(formula, {**OPS, "__builtins__": {}}, env))
        return env

    def f(self, inputs: dict[str, float] | None = None) -> float:
        return self.values(inputs)[self.output]

    def grads(self, inputs: dict[str, float] | None = None, h: float = 1e-6) -> dict[str, float]:
        base = dict(inputs or self.inputs)
        out = {}
        for name, x in base.items():
            hi = dict(base, **{name: x + h})
            lo = dict(base, **{name: x - h})
            out[name] = (self.f(hi) - self.f(lo)) / (2 * h)
        return out


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 0.0) -> bool:
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)
