"""bpcli against micrograd on large circuits: whole-process time, phases, memory, startup.

Run with the project's interpreter (it finds ``bpcli`` beside it)::

    .venv/bin/python benchmarks/bench.py            # 10^4 and 10^5 gates, 5 runs each
    .venv/bin/python benchmarks/bench.py --big      # also 10^6 gates (2 runs), ~15 min

What it measures (every figure a median over separate processes; the machine
is shared and timings are noisy, so the minimum is shown beside it):

1. Whole process: wall time and peak RSS (``wait4`` rusage) of
   ``bpcli run -q --no-update FILE`` against ``python benchmarks/micrograd_run.py
   FILE``, runs interleaved, and the two printed output values compared as text.
2. bpcli phases, in a fresh process each: read, ``bpcli.parser.parse``, forward,
   backward, as the CLI does them (with the garbage collector paused), and
   memory as the peak RSS (``ru_maxrss``) minus the RSS before the file was
   read, per gate. micrograd's own phases come from ``micrograd_run.py --timing``.
3. YAML alone: PyYAML's C event parser as bpcli drives it, ``yaml.load`` with
   ``CSafeLoader`` as micrograd's script does, and ``bpcli.parser.parse``, each
   with gc enabled and disabled, and the time spent inside collections (from
   ``gc.callbacks``).
4. Gradients: for the smallest size, every input's gradient from bpcli and
   from micrograd, compared (the sums may be added in another order).
5. Startup: ``bpcli run -q circuits/neuron.txt`` against
   ``python -c "import click, yaml"``.

It installs micrograd (``pip install micrograd``) into this interpreter if it
is missing, writes circuits under benchmarks/out/, and is not part of the test
suite. Exit status 1 if bpcli and micrograd disagree.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

T = TypeVar("T")

PY = sys.executable
BPCLI = str(Path(PY).with_name("bpcli"))
MICROGRAD_RUN = str(HERE / "micrograd_run.py")
NEURON = str(ROOT / "circuits" / "neuron.txt")

# The targets of the issue.
RATIO_TARGET = 0.5  # bpcli / micrograd whole-process time, 10^5-gate MLP
BIG_SECONDS = 10.0  # 10^6 gates parsed, forward and backward
BIG_BYTES_PER_GATE = 1500  # "1.5 KB", read as 1500 bytes (the stricter reading)
STARTUP_RATIO = 1.5  # bpcli run -q neuron.txt / python -c "import click, yaml"


# -- helpers -------------------------------------------------------------------------


def ensure_micrograd() -> None:
    if importlib.util.find_spec("micrograd") is not None:
        return
    print("micrograd is missing: pip install micrograd (for this benchmark only)", flush=True)
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "micrograd"], check=True)
    importlib.invalidate_caches()


def circuit_file(kind: str, gates: int, regen: bool) -> Path:
    path = generate.default_path(kind, gates)
    if regen or not path.exists():
        print(f"generating {path.relative_to(ROOT)} ...", flush=True)
        generate.write(path, kind, gates)
    return path


def gates_in(path: Path) -> int:
    """The number of gates: the lines under `gates:` (the generator writes one a line)."""
    n = 0
    inside = False
    with path.open("rb") as f:
        for line in f:
            if line.startswith(b"gates:"):
                inside = True
            elif inside:
                if not line.startswith(b"  "):
                    break
                n += 1
    return n


class Run:
    def __init__(self, wall: float, maxrss: int, out: str, err: str, code: int) -> None:
        self.wall = wall
        self.maxrss = maxrss
        self.out = out
        self.err = err
        self.code = code


def run_process(cmd: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS of one child process (rusage of that child only)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env
        )
        assert p.stdout is not None
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        p.stdout.close()
        err.seek(0)
        err_text = err.read().decode(errors="replace")
    return Run(wall, usage.ru_maxrss * 1024, out.decode().strip(), err_text, p.returncode)


def git(*args: str) -> str:
    cmd = ["git", "-C", str(ROOT), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def git_state() -> str:
    """The commit measured, and whether bpcli/ differs from it."""
    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "bpcli")
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"
    return f"at {head}" + (" with uncommitted changes in bpcli/" if dirty else "")


def checked(run: Run, cmd: Sequence[str]) -> Run:
    if run.code != 0:
        sys.exit(f"failed ({run.code}): {' '.join(cmd)}\n{run.err}")
    return run


def med(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def fmt_s(xs: Sequence[float]) -> str:
    return f"{med(xs):7.3f} s ({min(xs):.3f})"


def mib(n: float) -> str:
    return f"{n / 2**20:7.1f} MiB"


def current_rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class GcTimer:
    """Time spent inside garbage collections, via gc.callbacks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.collections += 1

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


# -- workers: each runs in a fresh process and prints one JSON object ----------------


def worker_phases(path: str) -> dict[str, Any]:
    """The CLI's steps for `run -q --no-update`, timed one by one."""
    from bpcli.parser import parse

    gc.collect()
    base = current_rss()
    t_read, data = timed(lambda: Path(path).read_bytes())
    gc.disable()  # as the CLI loads and runs: with the collector paused
    t0 = time.perf_counter()
    circuit = parse(data)
    t_parse = time.perf_counter() - t0
    peak_parse = peak_rss()
    del data
    t_fwd, _ = timed(circuit.forward)
    t_bwd, _ = timed(circuit.backward)
    return {
        "gates": len(circuit.gates),
        "units": len(circuit.units),
        "read": t_read,
        "parse": t_parse,
        "forward": t_fwd,
        "backward": t_bwd,
        "base_rss": base,
        "peak_parse": peak_parse,
        "peak": peak_rss(),
        "output": repr(circuit.output_value),
    }


def worker_yaml(path: str) -> dict[str, Any]:
    """YAML loading alone and bpcli's parse, with and without the collector."""
    import yaml

    from bpcli import parser
    from bpcli.parser import events as parser_events

    data = Path(path).read_bytes()
    text = data.decode("utf-8-sig")
    event_parser: Any = parser_events.Parser
    loader: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    result: dict[str, Any] = {"event_parser": getattr(event_parser, "__name__", "?")}

    def events() -> int:
        p = event_parser(text)
        n = 0
        while p.get_event() is not None:
            n += 1
        return n

    def load() -> object:
        return yaml.load(text, Loader=loader)

    for name, fn in (
        ("events", events),
        ("yaml_load", load),
        ("parse", lambda: parser.parse(data)),
    ):
        for enabled in (True, False):
            gc.collect()
            if enabled:
                gc.enable()
            else:
                gc.disable()
            with GcTimer() as gct:
                seconds, value = timed(fn)
            gc.enable()
            key = f"{name}_gc_{'on' if enabled else 'off'}"
            result[key] = seconds
            result[key + "_in_gc"] = gct.seconds
            if name == "events":
                result["events"] = value
            del value
    return result


def worker_grads(path: str) -> dict[str, Any]:
    """Every input's gradient from bpcli and from micrograd, in one process."""
    import micrograd_run

    from bpcli.parser import parse

    circuit: Any = parse(Path(path).read_bytes())
    circuit.forward()
    circuit.backward()
    built = micrograd_run.build(micrograd_run.load(path))
    micrograd_run.backward(built.output, len(built.values))
    worst = 0.0
    bad = 0
    compared = 0
    for i in circuit.inputs:
        a = circuit.units[i].grad
        b = float(built.inputs[circuit.names[i]].grad)
        compared += 1
        if a != b:
            rel = abs(a - b) / max(abs(a), abs(b))
            worst = max(worst, rel)
            if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300):
                bad += 1
    return {
        "compared": compared,
        "max_rel_diff": worst,
        "bad": bad,
        "same_output": circuit.output_value == built.output.data,
    }


WORKERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "phases": worker_phases,
    "yaml": worker_yaml,
    "grads": worker_grads,
}


def run_worker(name: str, path: Path) -> dict[str, Any]:
    cmd = [PY, __file__, "--worker", name, str(path)]
    r = checked(run_process(cmd), cmd)
    return json.loads(r.out.splitlines()[-1])


# -- the report ----------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.results: dict[str, Any] = {"whole": [], "phases": [], "yaml": [], "grads": []}
        self.targets: list[tuple[str, bool, str]] = []
        self.mismatches: list[str] = []

    def target(self, what: str, ok: bool, detail: str) -> None:
        self.targets.append((what, ok, detail))


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 74 - len(title)), flush=True)


def bench_whole(rep: Report, kind: str, path: Path, gates: int, runs: int, warm: bool) -> None:
    bp = [BPCLI, "run", "-q", "--no-update", str(path)]
    mg = [PY, MICROGRAD_RUN, "--timing", str(path)]
    if warm:  # page cache, .pyc files
        checked(run_process(bp), bp)
        checked(run_process(mg), mg)
    b_runs: list[Run] = []
    m_runs: list[Run] = []
    for _ in range(runs):
        b_runs.append(checked(run_process(bp), bp))
        m_runs.append(checked(run_process(mg), mg))
    outs_b = {r.out for r in b_runs}
    outs_m = {r.out for r in m_runs}
    same = outs_b == outs_m and len(outs_b) == 1
    if not same:
        rep.mismatches.append(f"{path.name}: bpcli {sorted(outs_b)} micrograd {sorted(outs_m)}")
    bw = [r.wall for r in b_runs]
    mw = [r.wall for r in m_runs]
    ratio = med(bw) / med(mw)
    print(
        f"{kind:5} {gates:>9,}  bpcli {fmt_s(bw)} {mib(med([r.maxrss for r in b_runs]))}"
        f"  micrograd {fmt_s(mw)} {mib(med([r.maxrss for r in m_runs]))}"
        f"  ratio {ratio:.2f}  output {'same' if same else 'DIFFERENT'} "
        f"({b_runs[0].out})",
        flush=True,
    )
    mt = [json.loads(r.err.strip().splitlines()[-1]) for r in m_runs]
    rep.results["whole"].append(
        {
            "kind": kind,
            "gates": gates,
            "bpcli_wall": bw,
            "micrograd_wall": mw,
            "ratio": ratio,
            "bpcli_maxrss": [r.maxrss for r in b_runs],
            "micrograd_maxrss": [r.maxrss for r in m_runs],
            "micrograd_phases": mt,
            "same_output": same,
            "output": b_runs[0].out,
        }
    )
    if kind == "mlp" and gates >= 90_000 and gates <= 110_000:
        rep.target(
            "bpcli run -q --no-update, 10^5-gate MLP, vs micrograd",
            ratio <= RATIO_TARGET,
            f"{med(bw):.3f} s / {med(mw):.3f} s = {ratio:.2f} (target <= {RATIO_TARGET})",
        )
    if gates >= 900_000:
        per_gate = med([r.maxrss for r in b_runs]) / gates
        rep.target(
            f"10^6 gates ({kind}), whole process `run -q --no-update`, time",
            med(bw) < BIG_SECONDS,
            f"{med(bw):.2f} s (target < {BIG_SECONDS:.0f} s)",
        )
        rep.target(
            f"10^6 gates ({kind}), whole process peak RSS per gate",
            per_gate < BIG_BYTES_PER_GATE,
            f"{per_gate:.0f} B/gate (target < {BIG_BYTES_PER_GATE} B)",
        )


def print_micrograd_phases(rep: Report) -> None:
    print(
        f"{'circuit':16} {'yaml.load':>9} {'build+fwd':>9} {'backward':>9} "
        f"{'exit etc':>9} {'total':>9}"
    )
    for w in rep.results["whole"]:
        ph = w["micrograd_phases"]
        load = med([p["load"] for p in ph])
        build = med([p["build_forward"] for p in ph])
        back = med([p["backward"] for p in ph])
        total = med(w["micrograd_wall"])
        rest = total - load - build - back
        name = f"{w['kind']} {w['gates']:,}"
        print(f"{name:16} {load:9.3f} {build:9.3f} {back:9.3f} {rest:9.3f} {total:9.3f}")


def bench_phases(rep: Report, kind: str, path: Path, runs: int) -> None:
    rs = [run_worker("phases", path) for _ in range(runs)]
    gates = rs[0]["gates"]

    def m(key: str) -> float:
        return med([r[key] for r in rs])

    inproc = [r["parse"] + r["forward"] + r["backward"] for r in rs]
    delta = med([r["peak"] - r["base_rss"] for r in rs])
    name = f"{kind} {gates:,}"
    print(
        f"{name:16} {m('read'):7.3f} {m('parse'):8.3f} {m('forward'):8.3f} {m('backward'):8.3f} "
        f"{med(inproc):8.3f} {mib(delta)} {delta / gates:7.0f}",
        flush=True,
    )
    rep.results["phases"].append({"kind": kind, "path": str(path), "runs": rs})
    if gates >= 900_000:
        rep.target(
            f"10^6 gates ({kind}), in process parse + forward + backward",
            med(inproc) < BIG_SECONDS,
            f"{med(inproc):.2f} s (target < {BIG_SECONDS:.0f} s)",
        )
        rep.target(
            f"10^6 gates ({kind}), in process peak RSS growth per gate",
            delta / gates < BIG_BYTES_PER_GATE,
            f"{delta / gates:.0f} B/gate (target < {BIG_BYTES_PER_GATE} B)",
        )


def bench_yaml(rep: Report, kind: str, path: Path, gates: int, runs: int) -> None:
    rs = [run_worker("yaml", path) for _ in range(runs)]

    def m(key: str) -> float:
        return med([r[key] for r in rs])

    name = f"{kind} {gates:,}"
    print(
        f"{name:16} {m('events'):>9,.0f} {m('events_gc_on'):8.3f} {m('events_gc_on_in_gc'):7.3f} "
        f"{m('events_gc_off'):8.3f}  {m('yaml_load_gc_on'):8.3f} {m('yaml_load_gc_on_in_gc'):7.3f} "
        f"{m('yaml_load_gc_off'):8.3f}  {m('parse_gc_on'):8.3f} {m('parse_gc_on_in_gc'):7.3f} "
        f"{m('parse_gc_off'):8.3f}",
        flush=True,
    )
    rep.results["yaml"].append({"kind": kind, "gates": gates, "runs": rs})


def bench_grads(rep: Report, kind: str, path: Path) -> None:
    r = run_worker("grads", path)
    ok = r["bad"] == 0 and r["same_output"]
    if not ok:
        rep.mismatches.append(f"{path.name}: gradients differ: {r}")
    print(
        f"{path.name:22} {r['compared']:>7,} input grads, max relative difference "
        f"{r['max_rel_diff']:.1e}, beyond 1e-9: {r['bad']}; output bit-identical: "
        f"{r['same_output']}",
        flush=True,
    )
    rep.results["grads"].append({"kind": kind, "file": path.name, **r})


def bench_startup(rep: Report, runs: int) -> None:
    cmds = {
        "bpcli run -q circuits/neuron.txt": [BPCLI, "run", "-q", NEURON],
        'python -c "import click, yaml"': [PY, "-c", "import click, yaml"],
        'python -c "pass"': [PY, "-c", "pass"],
    }
    envs: dict[str, dict[str, str] | None] = {"": None}
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        # This environment never caches bytecode, so bpcli's own modules (an editable
        # install) are compiled at every start. Also measure with a bytecode cache, kept
        # outside the work tree, as a user's machine would have one.
        cache = Path(tempfile.gettempdir()) / "bpcli-bench-pycache"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        envs[", bytecode cached"] = {**env, "PYTHONPYCACHEPREFIX": str(cache)}
        print("PYTHONDONTWRITEBYTECODE is set here: measured as is and with a bytecode cache")
    for label, env in envs.items():
        for cmd in cmds.values():  # warm up: page cache, .pyc files
            checked(run_process(cmd, env), cmd)
            checked(run_process(cmd, env), cmd)
        walls: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(runs):
            for k, cmd in cmds.items():
                walls[k].append(checked(run_process(cmd, env), cmd).wall)
        for k, w in walls.items():
            print(f"{k + label:54} {med(w) * 1000:7.1f} ms (min {min(w) * 1000:.1f})")
        names = list(cmds)
        ratio = med(walls[names[0]]) / med(walls[names[1]])
        print(f"ratio bpcli / import click, yaml{label}: {ratio:.2f}")
        rep.results["startup" + label] = walls
        rep.target(
            f"startup{label}: bpcli run -q circuits/neuron.txt vs python -c 'import click, yaml'",
            ratio <= STARTUP_RATIO,
            f"{med(walls[names[0]]) * 1000:.1f} ms / {med(walls[names[1]]) * 1000:.1f} ms "
            f"= {ratio:.2f} (target <= {STARTUP_RATIO})",
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="gate counts, comma-separated")
    ap.add_argument("--big", action="store_true", help="also 1,000,000 gates")
    ap.add_argument("--kinds", default="mlp,chain", help="circuit kinds, comma-separated")
    ap.add_argument("-k", "--runs", type=int, default=5, help="runs per measurement (median)")
    ap.add_argument("--runs-big", type=int, default=2, help="runs for 10^6 gates")
    ap.add_argument("--startup-runs", type=int, default=21)
    ap.add_argument("--skip", default="", help="parts to skip: whole,phases,yaml,grads,startup")
    ap.add_argument("--regen", action="store_true", help="write the circuit files anew")
    ap.add_argument("--json", type=Path, help="also write every raw figure to this JSON file")
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.file)))
        return 0

    ensure_micrograd()
    skip = set(filter(None, args.skip.split(",")))
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.big and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    kinds = [k for k in args.kinds.split(",") if k]
    files = [(kind, n, circuit_file(kind, n, args.regen)) for n in sizes for kind in kinds]
    counts = {path: gates_in(path) for _, _, path in files}

    def runs_for(n: int) -> int:
        return args.runs_big if n >= 1_000_000 else args.runs

    rep = Report()
    print(f"bpcli {git_state()}; python {sys.version.split()[0]} at {PY}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"runs: {args.runs} ({args.runs_big} for 10^6 gates); figures are medians "
          "(minimum in brackets)")  # fmt: skip

    if "whole" not in skip:
        section("whole process: bpcli run -q --no-update FILE vs micrograd_run.py FILE")
        for kind, n, path in files:
            bench_whole(rep, kind, path, counts[path], runs_for(n), warm=n < 1_000_000)
        section("micrograd phases (in its process, seconds; exit etc = wall - phases)")
        print_micrograd_phases(rep)
    if "phases" not in skip:
        section("bpcli phases in process, gc paused as the CLI does (s; peak RSS - RSS before)")
        print(
            f"{'circuit':16} {'read':>7} {'parse':>8} {'forward':>8} "
            f"{'backward':>8} {'p+f+b':>8} {'peak growth':>11} {'B/gate':>7}"
        )
        for kind, n, path in files:
            bench_phases(rep, kind, path, runs_for(n))
    if "yaml" not in skip:
        section("YAML loading alone (seconds; 'in gc' = time inside collections)")
        print(
            f"{'circuit':16} {'events':>9} {'ev gc on':>8} {'in gc':>7} {'ev gc off':>8}  "
            f"{'load on':>8} {'in gc':>7} {'load off':>8}  {'parse on':>8} {'in gc':>7} "
            f"{'parse off':>8}"
        )
        print("  (events: bpcli's C event parser; load: yaml.load CSafeLoader as micrograd does;")
        print("   parse: bpcli.parser.parse; on/off: garbage collector enabled/disabled)")
        for kind, n, path in files:
            bench_yaml(rep, kind, path, counts[path], 1 if n >= 1_000_000 else min(3, args.runs))
    if "grads" not in skip:
        section("gradients: bpcli vs micrograd, every input, one process")
        smallest = min(sizes)
        for kind, n, path in files:
            if n == smallest:
                bench_grads(rep, kind, path)
    if "startup" not in skip:
        section("startup (whole process, milliseconds)")
        bench_startup(rep, args.startup_runs)

    section("targets")
    for what, ok, detail in rep.targets:
        print(f"{'MET ' if ok else 'MISS'}  {what}: {detail}")
    for m in rep.mismatches:
        print(f"MISMATCH {m}")
    if args.json:
        rep.results["targets"] = rep.targets
        args.json.write_text(json.dumps(rep.results, indent=1))
    return 1 if rep.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
