"""How bpcli's time grows with the size of its input: each case at sizes that
double, the median of a few whole-process runs, and the ratio per doubling
(linear is 2.0; the target is at most 2.3).

    .venv/bin/python benchmarks/growth.py                # every case
    .venv/bin/python benchmarks/growth.py -k expr -k export --runs 5

Cases (issue 11): an `expr: |` block of many formula lines; `bpcli export` of a
long chain; `bpcli trace --mistake` of a long chain. It prints figures and
never fails on them: the machine is shared and noisy.
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


CASES: dict[str, tuple[Callable[[int], str], list[str], list[int]]] = {
    "expr": (expr_block, ["run", "-q", "--no-update"], [2000, 4000, 8000, 16000]),
    "export": (chain, ["export"], [1000, 2000, 4000, 8000]),
    "trace-mistake": (chain, ["trace", "--format", "jsonl", "--no-update", "--mistake", "assign"],
                      [1000, 2000, 4000, 8000]),
}  # fmt: skip


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, check=True)
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
                path = Path(folder) / f"{name}_{n}.txt"
                path.write_text(make(n))
                args = [sys.executable, "-m", "bpcli", *command, str(path)]
                t = statistics.median(timed(args) for _ in range(opts.runs))
                ratio = f"{t / previous:5.2f}x" if previous else "     "
                flag = "" if previous is None or t / previous <= TARGET else "  over the target"
                print(f"  {n:>7,}   {t:7.3f} s   {ratio} per doubling{flag}", flush=True)
                previous = t
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
