"""Whole-process time and peak memory of an old revision of bpcli against the work tree.

    .venv/bin/python benchmarks/compare.py                 # eda41cf against the work tree
    .venv/bin/python benchmarks/compare.py --old HEAD~3 --runs 7 --big-runs 5

The old revision is checked out into a temporary ``git worktree`` (removed
afterwards) and run from its source with ``PYTHONPATH``; the work tree is run
the same way, by the same interpreter, so both start alike. Each file
(``benchmarks/out/``, written by generate.py unless it is there) is run as
``bpcli run -q --no-update FILE``, OLD and NEW alternating, in fresh processes:
wall time and peak RSS (``os.wait4`` rusage of the child). Bytecode is cached
outside both trees (``PYTHONPYCACHEPREFIX``), as an installed bpcli would have
it, after one warm-up run of each.

It prints figures and never fails on them: medians, minimums, NEW/OLD, peak RSS
per gate, and whether both printed the same output value. The machine may be
shared and noisy: compare ratios, and run it again when they look odd.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench import Run, circuit_file, gates_in, med  # noqa: E402

DEFAULT_OLD = "eda41cf"  # the commit before the parser became a package (issue 10)
FILES = [("mlp", 100_000), ("mlp", 1_000_000), ("chain", 1_000_000)]
BIG = 1_000_000


def git(*args: str) -> str:
    cmd = ["git", "-C", str(ROOT), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def command(path: Path) -> list[str]:
    return [sys.executable, "-m", "bpcli", "run", "-q", "--no-update", str(path)]


class Side:
    """One bpcli to run: its source tree, where it runs from (`python -m` puts
    that folder first on the path, so it must be the tree itself), its environment."""

    def __init__(self, source: Path, cache: Path) -> None:
        self.source = source
        dropped = ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        self.env = {**env, "PYTHONPATH": str(source), "PYTHONPYCACHEPREFIX": str(cache)}

    def run(self, cmd: Sequence[str]) -> Run:
        """Wall time and peak RSS of one child process (rusage of that child only)."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.source,
            )
            _, status, usage = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = code = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            text, errors = (f.read().decode(errors="replace") for f in (out, err))
        return Run(wall, usage.ru_maxrss * 1024, text.strip(), errors, code)

    def which(self) -> str:
        """The parser this side imports (a check that it runs its own source)."""
        code = "import bpcli.parser as p; print(p.__file__)"
        return self.run([sys.executable, "-c", code]).out


def line(label: str, runs: Sequence[Run], gates: int) -> str:
    walls = [r.wall for r in runs]
    rss = med([r.maxrss for r in runs])
    return (
        f"  {label}  median {med(walls):7.3f} s  min {min(walls):7.3f} s"
        f"  peak RSS {rss / 2**20:7.1f} MiB = {rss / gates:6.0f} B/gate"
    )


def compare(path: Path, gates: int, runs: int, sides: dict[str, Side]) -> None:
    cmd = command(path)
    for side in sides.values():  # warm-up: page cache, bytecode
        side.run(cmd)
    results: dict[str, list[Run]] = {name: [] for name in sides}
    for i in range(runs):
        order = list(sides) if i % 2 == 0 else list(reversed(sides))  # alternate who goes first
        for name in order:
            results[name].append(sides[name].run(cmd))
    print(f"{path.relative_to(ROOT)}: {gates:,} gates, {runs} runs each, alternating")
    for side, side_runs in results.items():
        print(line(side, side_runs, gates))
        failed = [r for r in side_runs if r.code != 0]
        if failed:
            print(f"    {len(failed)} run(s) failed: {failed[0].err.strip()[-300:]}")
    old, new = ([r.wall for r in results[name]] for name in sides)
    old_rss, new_rss = (med([r.maxrss for r in results[name]]) for name in sides)
    outputs = {r.out for side_runs in results.values() for r in side_runs}
    print(
        f"  NEW/OLD  median {med(new) / med(old):.3f}  min {min(new) / min(old):.3f}"
        f"  peak RSS {new_rss / old_rss:.3f}"
        f"  output {'same' if len(outputs) == 1 else 'DIFFERENT: ' + ' '.join(sorted(outputs))}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", default=DEFAULT_OLD, help=f"the old revision (default {DEFAULT_OLD})")
    ap.add_argument("--runs", type=int, default=5, help="runs of each side below 10^6 gates")
    ap.add_argument("--big-runs", type=int, default=3, help="runs of each side at 10^6 gates")
    ap.add_argument(
        "--files",
        nargs="+",
        default=[f"{kind}_{gates}" for kind, gates in FILES],
        metavar="KIND_GATES",
        help="which generated files (default: %(default)s)",
    )
    args = ap.parse_args(argv)
    wanted = []
    for name in args.files:
        kind, _, gates = name.partition("_")
        wanted.append(circuit_file(kind, int(gates), regen=False))
    old, head = git("rev-parse", "--short", args.old), git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "bpcli") else ""
    print(f"OLD: {args.old} = {old}; NEW: the work tree at {head}{dirty}")
    with tempfile.TemporaryDirectory(prefix="bpcli-compare-") as tmp:
        old_tree = Path(tmp) / "old"
        git("worktree", "add", "--detach", "--quiet", str(old_tree), args.old)
        try:
            cache = Path(tmp) / "pycache"
            sides = {"OLD": Side(old_tree, cache), "NEW": Side(ROOT, cache)}
            for name, side in sides.items():
                print(f"{name} imports {side.which()}")
            for path in wanted:
                gates = gates_in(path)
                compare(path, gates, args.big_runs if gates >= 0.9 * BIG else args.runs, sides)
        finally:
            git("worktree", "remove", "--force", str(old_tree))
    return 0


if __name__ == "__main__":
    sys.exit(main())
