"""Drawing cost: on the 5,000-gate MLP of `generate.py`, `run --all` (every row
of every table) against `run --format csv` (the same numbers, no layout), and
`trace` as text against `trace --format jsonl`; each the whole process, output
into /dev/null at 120 columns, median of 5 runs, the two alternating. Target
(issue 13): each text view within 3x of its machine format.

    .venv/bin/python benchmarks/render.py [--runs 5] [--gates 5000]

It prints figures and never fails on them: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPCLI = str(Path(sys.executable).parent / "bpcli")
TARGET = 3.0
PAIRS = (
    (["run", "--all", "--no-update"], ["run", "--no-update", "--format", "csv"]),
    (["trace", "--no-update"], ["trace", "--no-update", "--format", "jsonl"]),
)


def timed(args: list[str]) -> float:
    env = {**os.environ, "COLUMNS": "120"}
    start = time.perf_counter()
    subprocess.run([BPCLI, *args], env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gates", type=int, default=5000)
    args = ap.parse_args()
    path = ROOT / "benchmarks" / "out" / f"mlp_render_{args.gates}.txt"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--kind", "mlp"]
        subprocess.run([*generate, "--gates", str(args.gates), "-o", str(path)], check=True)
    print(f"{path.name}, median of {args.runs}, whole process, into /dev/null")
    for text, machine in PAIRS:
        t, m = [], []
        for _ in range(args.runs):
            t.append(timed([*text, str(path)]))
            m.append(timed([*machine, str(path)]))
        a, b = statistics.median(t), statistics.median(m)
        verdict = "within the target" if a / b <= TARGET else "over the target"
        print(f"  {' '.join(text):24} {a:6.2f} s   {' '.join(machine):34} {b:6.2f} s   "
              f"{a / b:4.2f}x  {verdict} ({TARGET:.0f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
