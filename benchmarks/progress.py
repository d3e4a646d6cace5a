"""The progress bar's cost: `bpcli run -q -n 1000000 circuits/neuron.txt` with
standard error a terminal (a pseudo-terminal, read as fast as it is written:
the bar is drawn) against the same run with standard error into /dev/null
(no bar). Median of 7 runs each, alternating. Target (issue 13): the bar adds
under 5 %.

    .venv/bin/python benchmarks/progress.py [--runs 7] [-n 1000000]

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
TARGET = 1.05
sys.path.insert(0, str(ROOT / "tests"))
from conftest import stderr_on_a_pty  # noqa: E402  (one copy: the tests' own)


def timed(iterations: int, tty: bool) -> tuple[float, int]:
    """Seconds, and bytes the bar wrote to the terminal."""
    args = [BPCLI, "run", "-q", "-n", str(iterations), "circuits/neuron.txt"]
    start = time.perf_counter()
    if not tty:
        subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start, 0
    _, drawn, _ = stderr_on_a_pty(args, dict(os.environ), columns=100)
    return time.perf_counter() - start, len(drawn)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("-n", type=int, default=1_000_000, help="iterations of the run")
    args = ap.parse_args()
    bar, plain, drawn = [], [], []
    for _ in range(args.runs):
        took, wrote = timed(args.n, tty=True)
        bar.append(took)
        drawn.append(wrote)
        plain.append(timed(args.n, tty=False)[0])
    b, p = statistics.median(bar), statistics.median(plain)
    verdict = "within the target" if b / p <= TARGET else "over the target"
    print(f"bpcli run -q -n {args.n:,} circuits/neuron.txt, median of {args.runs}")
    print(f"  standard error a terminal (bar drawn, {statistics.median(drawn):,.0f} bytes): "
          f"{b:.2f} s")  # fmt: skip
    print(f"  standard error /dev/null (no bar):          {p:.2f} s")
    print(f"  bar / no bar: {b / p:.3f}x  {verdict} ({TARGET:.2f}x)")


if __name__ == "__main__":
    main()
