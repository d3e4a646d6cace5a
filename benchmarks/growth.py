"""How bpcli's time grows with the size of its input: each case at sizes that
double, the median of a few whole-process runs, and the ratio per doubling
(linear is 2.0; the target is at most 2.3).

    .venv/bin/python benchmarks/growth.py                # every case
    .venv/bin/python benchmarks/growth.py -k expr -k export --runs 5

Cases: an `expr: |` block of many formula lines; `bpcli export` of a long chain;
`bpcli trace --mistake` of a long chain (issue 11); `bpcli trace SCRIPT.py` of a
guide-style script, with its cost per step and the script run by python alone
(issue 12: the same cost a step at every size, within 1.5x); `validate
--all-errors` of many gates that each read an unknown unit, or a chain written in
reverse, and a formula naming a unit of millions of characters (issue 11
review). It prints figures and never fails on them: the machine is shared and
noisy.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET = 2.3  # at most this many times slower for twice the input


def expr_block(n: int) -> str:
    lines = [f"  t{i} = tanh(t{i - 1} * w + b)" for i in range(1, n)]
    return "units:\n  t0: 0.5\n  w: 0.9\n  b: 0.1\nexpr: |\n" + "\n".join(lines) + "\n"


def chain(n: int) -> str:
    """A chain of n gates, each a literal's multiple of the one before (a Unit
    that fed every gate would make each step list n holders: output that grows
    with n by itself)."""
    gates = "".join(f"  g{i}: mul(u{i}, 1.0001) -> u{i + 1}\n" for i in range(n))
    return f"units:\n  u0: 0.5\ngates:\n{gates}"


def unknown_units(n: int) -> str:
    """n gates, each reading a unit no one defines: n errors (issue 11 review)."""
    gates = "".join(f"  g{i}: mul(a, zz{i}) -> s{i}\n" for i in range(n))
    return f"units:\n  a: 1\ngates:\n{gates}"


def reversed_chain(n: int) -> str:
    """A chain written last gate first: each gate reads what a later one makes."""
    gates = "".join(f"  g{i}: mul(a, s{i + 1}) -> s{i}\n" for i in range(n))
    return f"units:\n  a: 1\ngates:\n{gates}  h: mul(a, a) -> s{n}\n"


def long_name(n: int) -> str:
    """A formula naming a unit of n characters that does not exist."""
    return f"units:\n  a: 1\nexpr: |\n  s = a * {'a' * n}\n"


def guide_script(n: int) -> str:
    """A learner's script in the guide's style, n gates long: Unit and gate classes,
    a gate object and a variable for every step, forward, the seed, backward calls
    in reverse order, an update (as `bpcli trace SCRIPT.py` meets them)."""
    head = (
        "class Unit:\n    def __init__(self, value, grad):\n"
        "        self.value = value\n        self.grad = grad\n\n"
        "class MultGate:\n    def forward(self, u0, u1):\n        self.u0 = u0\n"
        "        self.u1 = u1\n        self.utop = Unit(u0.value * u1.value, 0.0)\n"
        "        return self.utop\n    def backward(self):\n"
        "        self.u0.grad += self.u1.value * self.utop.grad\n"
        "        self.u1.grad += self.u0.value * self.utop.grad\n\n"
        "class AddGate:\n    def forward(self, u0, u1):\n        self.u0 = u0\n"
        "        self.u1 = u1\n        self.utop = Unit(u0.value + u1.value, 0.0)\n"
        "        return self.utop\n    def backward(self):\n"
        "        self.u0.grad += 1 * self.utop.grad\n        self.u1.grad += 1 * self.utop.grad\n\n"
    )
    lines = [head, "t0 = Unit(0.5, 0.0)"]
    for i in range(n):
        lines.append(f"c{i} = Unit(1.0001, 0.0)")
        lines.append(f"g{i} = {'MultGate' if i % 2 else 'AddGate'}()")
    lines.append("def forward():")
    lines.append("    global " + ", ".join(f"t{i + 1}" for i in range(n)))
    for i in range(n):
        lines.append(f"    t{i + 1} = g{i}.forward(t{i}, c{i})")
    lines += ["forward()", f"t{n}.grad = 1.0"]
    lines += [f"g{i}.backward()" for i in reversed(range(n))]
    lines += [f"c{i}.value += 0.01 * c{i}.grad" for i in range(0, n, 50)]
    return "\n".join(lines) + "\n"


CASES: dict[str, tuple[Callable[[int], str], list[str], list[int]]] = {
    "expr": (expr_block, ["run", "-q", "--no-update"], [2000, 4000, 8000, 16000]),
    "export": (chain, ["export"], [1000, 2000, 4000, 8000]),
    "trace-mistake": (chain, ["trace", "--format", "jsonl", "--no-update", "--mistake", "assign"],
                      [1000, 2000, 4000, 8000]),
    "trace-script": (guide_script, ["trace", "--format", "jsonl"], [250, 500, 1000, 2000, 4000]),
    "all-errors-unknown": (unknown_units, ["validate", "--all-errors"],
                           [12500, 25000, 50000, 100000]),
    "all-errors-reversed": (reversed_chain, ["validate", "--all-errors"],
                            [12500, 25000, 50000, 100000]),
    "long-name": (long_name, ["validate"], [1_250_000, 2_500_000, 5_000_000, 10_000_000]),
}  # fmt: skip


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode not in (0, 1):  # 1: the circuit is wrong, as some cases mean
        raise SystemExit(f"{' '.join(args)}: exit status {done.returncode}")
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", dest="only", action="append", choices=sorted(CASES), help="a case")
    ap.add_argument("--runs", type=int, default=3, help="runs per size (median)")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name in opts.only or CASES:
            make, command, sizes = CASES[name]
            print(f"{name}: bpcli {' '.join(command)} FILE", flush=True)
            previous = None
            for n in sizes:
                path = Path(folder) / f"{name}_{n}{'.py' if 'script' in name else '.txt'}"
                path.write_text(make(n))
                args = [sys.executable, "-m", "bpcli", *command, str(path)]
                t = statistics.median(timed(args) for _ in range(opts.runs))
                ratio = f"{t / previous:5.2f}x" if previous else "     "
                flag = "" if previous is None or t / previous <= TARGET else "  over the target"
                extra = ""
                if "script" in name:  # per step, and the script alone, run by python
                    alone = statistics.median(timed([sys.executable, str(path)]) for _ in range(3))
                    steps = 2 * n + 2 + len(range(0, n, 50))
                    extra = f"   {1e6 * t / steps:6.1f} µs a step   python alone {alone:.3f} s"
                print(f"  {n:>7,}   {t:7.3f} s   {ratio} per doubling{flag}{extra}", flush=True)
                previous = t
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
