"""What watching a learner's script costs (issue 20, point 6): `bpcli trace
SCRIPT.py`, the script in its own interpreter beside the watcher, bpcli reading
the watcher's events from a pipe. Both sides run with this Python (`--python
sys.executable`); every script is generated into a temporary folder.

    .venv/bin/python benchmarks/script_cost.py                 # everything, a few minutes
    .venv/bin/python benchmarks/script_cost.py -k one-gate -k loop --runs 3
    .venv/bin/python benchmarks/script_cost.py -k new-gates-kept   # not in the default set

1. Growth (`one-gate`): ONE gate's `backward()` called N times after one
   forward, each call adding into u0.grad and u1.grad (the running sum);
   N = 1,500 and 6,000, and N = 1 for the fixed cost (start-up of both
   processes). `trace --format jsonl` and the text trace (table view,
   COLUMNS=80), standard output into a file: wall time, bytes written, the
   ratio 6k/1.5k for time and output (target at most 4.4; linear is 4.0), and
   the same ratio with the N = 1 run taken off both.
2. Growth (`new-gates`): a NEW MultGate each iteration (forward, the seed,
   backward), the gate dropped at the next iteration; the same measures.
   (`new-gates-kept`, only when asked: every gate kept in a list, so two Units
   are held by thousands of live slots.)
3. A training loop (`loop`): the guide's neuron (two MultGates, two AddGates, a
   SigmoidGate), zeroing and update loops, 2,000 iterations = 20,000 watched
   forward/backward calls. The script alone (`python SCRIPT`), `trace --format
   jsonl` into a file, the same into /dev/null, and with `--passes 1` (watch one
   forward pass, then run on unwatched: the fixed cost), 5 rounds, alternating;
   medians and minimums; the cost per watched call over the script's own time
   (target at most 40 µs). Then where the time goes:
   - CPU time of each process: bpcli is run by a small driver (written to the
     temporary folder; bpcli itself unchanged) that, when bpcli ends with
     `os._exit`, records `getrusage(RUSAGE_SELF)` (bpcli's own CPU) and
     `getrusage(RUSAGE_CHILDREN)` (the watched child: the script and the
     watcher, together; bpcli waits for it). The watcher's share is estimated
     as the child's CPU less the script's own CPU (the script run alone,
     `wait4`), per watched call after the `--passes 1` run is taken off;
   - bpcli's process under cProfile (the same driver: `python -m cProfile -o`
     writes nothing, because bpcli ends with `os._exit`), top 10 by cumulative
     and by own time. The watcher's side is not profiled: it runs in the
     script's process on `sys.setprofile` (Python < 3.12), which cProfile would
     take from it, and running it differently is not what is measured.

It prints figures and never fails on them: the machine is shared (2 cores) and
noisy; compare ratios within one run rather than absolute times across days.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GROWTH_TARGET = 1.1  # at most 1.1x linear: 4.4 for 4x the calls
CALL_TARGET = 40.0  # µs a watched call over the script's own time

UNIT_AND_MULT = """\
import math


class Unit:
    def __init__(self, value, grad):
        self.value = value
        self.grad = grad


class MultGate:
    def forward(self, u0, u1):
        self.u0 = u0
        self.u1 = u1
        self.utop = Unit(u0.value * u1.value, 0.0)
        return self.utop

    def backward(self):
        self.u0.grad += self.u1.value * self.utop.grad
        self.u1.grad += self.u0.value * self.utop.grad
"""

ADD_AND_SIGMOID = """

class AddGate:
    def forward(self, u0, u1):
        self.u0 = u0
        self.u1 = u1
        self.utop = Unit(u0.value + u1.value, 0.0)
        return self.utop

    def backward(self):
        self.u0.grad += 1 * self.utop.grad
        self.u1.grad += 1 * self.utop.grad


class SigmoidGate:
    def sig(self, x):
        return 1 / (1 + math.exp(-x))

    def forward(self, u0):
        self.u0 = u0
        self.utop = Unit(self.sig(self.u0.value), 0.0)
        return self.utop

    def backward(self):
        s = self.sig(self.u0.value)
        self.u0.grad += (s * (1 - s)) * self.utop.grad
"""


def one_gate(n: int) -> str:
    """One gate, forward once, backward n times: u0.grad, u1.grad keep growing."""
    return UNIT_AND_MULT + (
        "\n\na = Unit(2.0, 0.0)\nb = Unit(-3.0, 0.0)\ng = MultGate()\n"
        "s = g.forward(a, b)\ns.grad = 1.0\n"
        f"for _ in range({n}):\n    g.backward()\nprint(a.grad, b.grad)\n"
    )


def new_gates(n: int, keep: bool = False) -> str:
    """A new MultGate each iteration on the same two Units: forward, seed, backward."""
    kept = "    gates.append(g)\n" if keep else ""
    return UNIT_AND_MULT + (
        "\n\nx = Unit(1.0, 0.0)\nw = Unit(0.5, 0.0)\ngates = []\n"
        f"for _ in range({n}):\n    g = MultGate()\n{kept}"
        "    out = g.forward(x, w)\n    out.grad = 1.0\n    g.backward()\n"
        "print(x.grad, w.grad)\n"
    )


def training_loop(iterations: int) -> str:
    """The guide's neuron trained: 5 forward and 5 backward calls an iteration,
    grads zeroed and values updated by loops over the parameters."""
    return (
        UNIT_AND_MULT
        + ADD_AND_SIGMOID
        + f"""

a = Unit(1.0, 0.0)
b = Unit(2.0, 0.0)
c = Unit(-3.0, 0.0)
x = Unit(-1.0, 0.0)
y = Unit(3.0, 0.0)
params = [a, b, c, x, y]

mulg0 = MultGate()
mulg1 = MultGate()
addg0 = AddGate()
addg1 = AddGate()
sg0 = SigmoidGate()


def forward_neuron():
    ax = mulg0.forward(a, x)
    by = mulg1.forward(b, y)
    axpby = addg0.forward(ax, by)
    axpbypc = addg1.forward(axpby, c)
    return sg0.forward(axpbypc)


step_size = 0.01
for it in range({iterations}):
    s = forward_neuron()
    for p in params:
        p.grad = 0.0
    s.grad = 1.0
    sg0.backward()
    addg1.backward()
    addg0.backward()
    mulg1.backward()
    mulg0.backward()
    for p in params:
        p.value += step_size * p.grad
print("circuit output:", s.value)
"""
    )


# name -> (what it is, the script for n, watched calls for n)
GROWTH: dict[str, tuple[str, Callable[[int], str], Callable[[int], int]]] = {
    "one-gate": ("one gate's backward() called N times (forward once)", one_gate, lambda n: n + 1),
    "new-gates": ("a new MultGate each iteration, N gates (forward, seed, backward; dropped)",
                  new_gates, lambda n: 2 * n),
    "new-gates-kept": ("a new MultGate each iteration, N gates kept in a list (two Units "
                       "held by N live slots)", lambda n: new_gates(n, keep=True), lambda n: 2 * n),
}  # fmt: skip
DEFAULT = ["one-gate", "new-gates", "loop"]

# bpcli run in this process, as `python -m bpcli ARGS` runs it; at bpcli's
# os._exit, its own CPU time and its waited-for children's are written out (and
# with a profile path, the cProfile stats of this process).
DRIVER = """\
import cProfile, json, os, resource, sys

usage_out, profile_out = sys.argv[1], sys.argv[2]
sys.argv = ["bpcli", *sys.argv[3:]]
profile = None if profile_out == "-" else cProfile.Profile()
real_exit = os._exit


def ending(code):
    if profile is not None:
        profile.disable()
        profile.dump_stats(profile_out)
    cpu = {}
    for who in ("RUSAGE_SELF", "RUSAGE_CHILDREN"):
        u = resource.getrusage(getattr(resource, who))
        cpu[who] = u.ru_utime + u.ru_stime
    with open(usage_out, "w") as f:
        json.dump(cpu, f)
    real_exit(code)


os._exit = ending
if profile is not None:
    profile.enable()
from bpcli.__main__ import main

main()
ending(0)
"""


class Run(NamedTuple):
    wall: float  # s
    cpu: float  # s, user + system of the process and the children it waited for (wait4)
    size: int  # bytes written to standard output (0 into /dev/null)


class Shown:
    """Commands as printed: $PY for this Python, $TMP for the temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)

    def __call__(self, args: list[str], out: str = "") -> str:
        text = shlex.join(args).replace(PY, "$PY").replace(self.folder, "$TMP")
        return f"{text} > {out}" if out else text


def run(args: list[str], out: Path | None, errors: Path) -> Run:
    """One whole process, standard output into `out` (None: /dev/null), at 80 columns."""
    env = {**os.environ, "COLUMNS": "80"}
    with open(out or os.devnull, "wb") as sink, open(errors, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=sink, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = errors.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{shlex.join(args)}: exit status {code}\n{tail}")
    return Run(wall, usage.ru_utime + usage.ru_stime, out.stat().st_size if out else 0)


def trace(fmt: str, script: Path, *extra: str) -> list[str]:
    machine = ["--format", "jsonl"] if fmt == "jsonl" else []
    return [PY, "-m", "bpcli", "trace", *machine, *extra, "--python", PY, str(script)]


def med(values: list[float]) -> float:
    return statistics.median(values)


def verdict(ratio: float, target: float) -> str:
    return f"within the target (≤ {target:.1f})" if ratio <= target else f"OVER ≤ {target:.1f}"


def growth(name: str, sizes: list[int], runs: int, folder: Path, show: Shown) -> None:
    what, make, calls = GROWTH[name]
    small, big = sizes
    target = GROWTH_TARGET * big / small
    scripts = {}
    for n in (1, small, big):
        scripts[n] = folder / f"{name}_{n}.py"
        scripts[n].write_text(make(n))
    out, errors = folder / "out", folder / "errors"
    print(f"\n{name}: {what}", flush=True)
    print(f"  script   {show([str(scripts[big])])} (and _1, _{small}): calls = watched calls")
    print(f"  python   {show([PY, 'SCRIPT'], '/dev/null')}")
    print(f"  jsonl    {show(trace('jsonl', Path('SCRIPT')), 'FILE')}")
    print(f"  text     COLUMNS=80 {show(trace('text', Path('SCRIPT')), 'FILE')}")
    print(f"  {runs} rounds, each every format at N = 1, {small:,}, {big:,} (order reversed "
          "every other round); median, min; µs/call and B/call beyond the N = 1 run")  # fmt: skip
    jobs = [(fmt, n) for fmt in ("python", "jsonl", "text") for n in (1, small, big)]
    walls: dict[tuple[str, int], list[float]] = {job: [] for job in jobs}
    sizes_out: dict[tuple[str, int], int] = {}
    run([PY, str(scripts[1])], None, errors)  # warm-up: the file cache, both interpreters
    run(trace("jsonl", scripts[1]), out, errors)
    for r in range(runs):
        for fmt, n in jobs if r % 2 == 0 else reversed(jobs):
            if fmt == "python":
                done = run([PY, str(scripts[n])], None, errors)
            else:
                done = run(trace(fmt, scripts[n]), out, errors)
                sizes_out[fmt, n] = done.size
            walls[fmt, n].append(done.wall)
    out.unlink(missing_ok=True)
    print(f"  {'':8} {'N':>6} {'calls':>7} {'median':>9} {'min':>9} {'output':>14} "
          f"{'µs/call':>8} {'B/call':>7}")  # fmt: skip
    for fmt in ("python", "jsonl", "text"):
        base = med(walls[fmt, 1])
        for n in (1, small, big):
            t = med(walls[fmt, n])
            size = f"{sizes_out[fmt, n]:,} B" if fmt != "python" else ""
            extra = ""
            if n > 1 and fmt != "python":
                per = 1e6 * (t - base) / (calls(n) - calls(1))
                grown = (sizes_out[fmt, n] - sizes_out[fmt, 1]) / (calls(n) - calls(1))
                extra = f"{per:8.1f} {grown:7.0f}"
            print(f"  {fmt:8} {n:>6,} {calls(n):>7,} {t:8.3f}s {min(walls[fmt, n]):8.3f}s "
                  f"{size:>14} {extra}")  # fmt: skip
        if fmt == "python":
            continue
        t_small, t_big = med(walls[fmt, small]), med(walls[fmt, big])
        s_small, s_big = sizes_out[fmt, small], sizes_out[fmt, big]
        time_ratio, out_ratio = t_big / t_small, s_big / s_small
        net = (t_big - base) / (t_small - base)
        net_out = (s_big - sizes_out[fmt, 1]) / (s_small - sizes_out[fmt, 1])
        print(f"  {fmt:8} {big:,}/{small:,}: time {time_ratio:.2f}x "
              f"{verdict(time_ratio, target)}, output {out_ratio:.2f}x "
              f"{verdict(out_ratio, target)}; less the N = 1 run: time {net:.2f}x, "
              f"output {net_out:.2f}x", flush=True)  # fmt: skip


def where(entry: tuple[str, int, str]) -> str:
    """A profile entry's place, short: bpcli/... relative, else the file's name."""
    file, line, func = entry
    if file == "~":
        return func
    p = Path(file)
    try:
        file = str(p.resolve().relative_to(ROOT))
    except ValueError:
        file = p.name
    return f"{file}:{line}({func})"


TRUNK = ("bpcli/__main__.py", "bpcli/cli/", "/click/")  # the command's entry: the whole run


def top(profile: Path, key: int, count: int = 10) -> list[str]:
    """The `count` functions with the most time: key 3 cumulative (the trunk
    left out), 2 own."""
    stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    entries = [
        (fn, row)
        for fn, row in stats.items()
        if key != 3 or not any(part in fn[0] for part in TRUNK)
    ]
    rows = sorted(entries, key=lambda kv: kv[1][key], reverse=True)[:count]
    return [
        f"    {ct:7.3f} s {tt:7.3f} s {nc:>9,}  {where(fn)}"
        for fn, (_cc, nc, tt, ct, _callers) in rows
    ]


def loop(calls_wanted: int, runs: int, folder: Path, show: Shown) -> None:
    iterations = max(1, calls_wanted // 10)
    script = folder / "training_loop.py"
    script.write_text(training_loop(iterations))
    out, errors = folder / "loop.jsonl", folder / "errors"
    jsonl = trace("jsonl", script)
    fixed = trace("jsonl", script, "--passes", "1")
    jobs = {
        "python": ([PY, str(script)], None),
        "jsonl > FILE": (jsonl, out),
        "jsonl > /dev/null": (jsonl, None),
        "--passes 1 > /dev/null": (fixed, None),
    }
    print(f"\nloop: the guide's neuron trained, {iterations:,} iterations (5 forward, "
          "5 backward calls each; zeroing and update loops)", flush=True)  # fmt: skip
    for label, (args, sink) in jobs.items():
        print(f"  {label:24} {show(args, 'FILE' if sink else '/dev/null')}")
    walls: dict[str, list[float]] = {k: [] for k in jobs}
    cpus: dict[str, list[float]] = {k: [] for k in jobs}
    run(fixed, None, errors)  # warm-up: the file cache, both interpreters
    for r in range(runs):
        for label in jobs if r % 2 == 0 else reversed(jobs):
            args, sink = jobs[label]
            done = run(args, sink, errors)
            walls[label].append(done.wall)
            cpus[label].append(done.cpu)
    size = out.stat().st_size
    watched = writes = lines = 0
    with open(out, "rb") as f:
        for line in f:
            lines += 1
            step = json.loads(line)
            watched += step.get("phase") in ("forward", "backward")
            writes += len(step.get("writes") or ())
    out.unlink()
    print(
        f"  {runs} rounds, alternating (order reversed every other round); "
        "CPU = user + system of the process and its children (wait4)"
    )
    print(f"  {'':24} {'median':>9} {'min':>9} {'CPU median':>11}")
    for label in jobs:
        w = walls[label]
        print(f"  {label:24} {med(w):8.3f}s {min(w):8.3f}s {med(cpus[label]):10.3f}s")
    print(f"  JSONL: {size:,} B, {lines:,} steps, {watched:,} watched forward/backward "
          f"calls ({calls_wanted:,} wanted), {writes:,} writes")  # fmt: skip
    calls = max(watched, 1)
    alone, traced = med(walls["python"]), med(walls["jsonl > FILE"])
    per = 1e6 * (traced - alone) / calls
    per_min = 1e6 * (min(walls["jsonl > FILE"]) - min(walls["python"])) / calls
    print(f"  cost per watched call over the script's own time: {per:.1f} µs (medians), "
          f"{per_min:.1f} µs (minimums); {verdict(per, CALL_TARGET)} µs", flush=True)  # fmt: skip

    # where the time goes: writing, the fixed cost, each process's CPU
    to_file = traced - med(walls["jsonl > /dev/null"])
    start = med(walls["--passes 1 > /dev/null"]) - alone
    beyond = 1e6 * (med(walls["jsonl > /dev/null"]) - med(walls["--passes 1 > /dev/null"])) / calls
    print("  where the time goes (wall, medians):")
    print(f"    writing the file (FILE less /dev/null)       {1000 * to_file:8.1f} ms "
          f"{1e6 * to_file / calls:6.1f} µs/call")  # fmt: skip
    print(f"    fixed cost (--passes 1 less python alone)    {1000 * start:8.1f} ms "
          f"{1e6 * start / calls:6.1f} µs/call")  # fmt: skip
    print(f"    watching (/dev/null less --passes 1)         {beyond * calls / 1000:8.1f} ms "
          f"{beyond:6.1f} µs/call")  # fmt: skip

    driver = folder / "driver.py"
    driver.write_text(DRIVER)
    usage = folder / "usage.json"
    cpu_jobs = {"full": jsonl[3:], "--passes 1": fixed[3:]}  # bpcli's arguments
    cpu: dict[str, dict[str, list[float]]] = {k: {"wall": [], "self": [], "child": []}
                                              for k in cpu_jobs}  # fmt: skip
    for r in range(runs):
        for label in cpu_jobs if r % 2 == 0 else reversed(cpu_jobs):
            done = run([PY, str(driver), str(usage), "-", *cpu_jobs[label]], None, errors)
            got = json.loads(usage.read_text())
            cpu[label]["wall"].append(done.wall)
            cpu[label]["self"].append(got["RUSAGE_SELF"])
            cpu[label]["child"].append(got["RUSAGE_CHILDREN"])
    m = {k: {part: med(v) for part, v in parts.items()} for k, parts in cpu.items()}
    script_cpu = med(cpus["python"])
    print(f"  CPU of each process (bpcli run by {show([PY, str(driver), 'USAGE', '-', 'ARGS'])}"
          f" into /dev/null, {runs} rounds, medians):")  # fmt: skip
    print(
        f"    {'':12} {'wall':>8} {'bpcli CPU':>10} {'child CPU':>10}   "
        "(child = the script and the watcher, one process)"
    )
    for label in cpu_jobs:
        print(f"    {label:12} {m[label]['wall']:7.3f}s {m[label]['self']:9.3f}s "
              f"{m[label]['child']:9.3f}s")  # fmt: skip
    print(f"    {'python alone':12} {alone:7.3f}s {'':10} {script_cpu:9.3f}s")
    bpcli_per = 1e6 * (m["full"]["self"] - m["--passes 1"]["self"]) / calls
    child_per = 1e6 * (m["full"]["child"] - m["--passes 1"]["child"]) / calls
    watcher = m["full"]["child"] - script_cpu
    print(f"    bpcli's side:   {1000 * m['full']['self']:7.1f} ms CPU, "
          f"{bpcli_per:5.1f} µs/call beyond --passes 1")  # fmt: skip
    print(f"    watcher's side: {1000 * watcher:7.1f} ms CPU (child less the script alone), "
          f"{child_per:5.1f} µs/call beyond --passes 1")  # fmt: skip
    print(
        f"    wall less bpcli's CPU: {1000 * (m['full']['wall'] - m['full']['self']):7.1f} ms "
        "(the two run at once on 2 cores: CPU times may add up to more than the wall)"
    )

    profile = folder / "bpcli.prof"
    start_t = time.perf_counter()
    run([PY, str(driver), str(usage), str(profile), *jsonl[3:]], None, errors)
    took = time.perf_counter() - start_t
    print(f"  bpcli's process under cProfile ({took:.2f} s wall, the profiler slows it): "
          "top 10 by cumulative time, leaving out the command's entry (bpcli/__main__.py, "
          "bpcli/cli/, click: the whole run)")  # fmt: skip
    print(f"    {'cumul.':>9} {'own':>9} {'calls':>9}  function")
    print("\n".join(top(profile, 3)))
    print("  top 10 by own time")
    print("\n".join(top(profile, 2)), flush=True)


def git_state() -> str:
    """The commit measured, and whether bpcli/ differs from it (as bench.py says it)."""

    def git(*args: str) -> str:
        cmd = ["git", "-C", str(ROOT), *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "bpcli")
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"
    return f"at {head}" + (" with uncommitted changes in bpcli/" if dirty else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    choices = [*GROWTH, "loop"]
    ap.add_argument("-k", dest="only", action="append", choices=choices,
                    help=f"a case (default: {', '.join(DEFAULT)})")  # fmt: skip
    ap.add_argument("--sizes", type=int, nargs=2, default=[1500, 6000], metavar=("SMALL", "BIG"))
    ap.add_argument("--runs", type=int, default=3, help="rounds per growth case (median)")
    ap.add_argument("--loop-runs", type=int, default=5, help="rounds of the training loop")
    ap.add_argument("--calls", type=int, default=20000, help="watched calls in the loop")
    opts = ap.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"PY = {PY} (Python {sys.version.split()[0]}), bpcli from {ROOT} {git_state()}; "
          f"{os.cpu_count()} cores, shared: load average {load}; timings are noisy")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bpcli-script-cost-") as tmp:
        folder = Path(tmp)
        show = Shown(folder)
        print(f"TMP = {folder}")
        for name in opts.only or DEFAULT:
            if name == "loop":
                loop(opts.calls, opts.loop_runs, folder, show)
            else:
                growth(name, opts.sizes, opts.runs, folder, show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
