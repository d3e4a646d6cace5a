"""Regressions from the review of issue 20, part three: under `trace` and
`check` the reviewer's hostile scripts (trimmed) do what `python SCRIPT` does:
objects with a raising repr, an odd __name__ or a logging __getattr__, objects
dropped and freed, a thread, SIGCHLD ignored or handled, a __setattr__ patched
in later, every file number closed and reopened; and signals sent to bpcli end
both processes. Each script prints its own lines as `S|…`; those are compared."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_script_regressions import PY, Proc, bpcli, events, python, src, write

POSIX = os.name == "posix"
MODES = {"trace": ("--format", "jsonl"), "check": ()}
MORE = {  # the pieces of the scripts below, as in test_script_regressions.src
    "@pid": 'import os\nopen("pid.txt", "w").write(str(os.getpid()))\n',
    "@pass": src("""\
g = Mul(); a = Unit(1.0, 0.0); b = Unit(2.0, 0.0)
s = g.forward(a, b); s.grad = 1.0
try:
    g.backward()
    print("S|backward done", a.grad, b.grad)
except Exception as e:
    print("S|SCRIPT SAW", type(e).__name__, e)
"""),
    "@double": src("""\
class G:
    def forward(self, u):
        self.u = u; self.utop = Unit(u.value * 2, 0.0); return self.utop
    def backward(self):
        self.u.grad += 2 * self.utop.grad
a = Unit(1.0, 0.0); g = G()
"""),
}


def own(proc: Proc) -> list[str]:
    """The script's own lines, from whichever stream they went to."""
    return [x for x in (proc.stdout + "\n" + proc.stderr).splitlines() if x.startswith("S|")]


def same_as_python(path: Path, mode: str, *options: str, timeout: float = 120) -> Proc:
    plain = python(path, timeout=timeout)
    assert own(plain), plain.stderr
    ran = bpcli(mode, path, *MODES[mode], *options, timeout=timeout)
    assert own(ran) == own(plain), ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr, ran.stderr
    return ran


# -- 11. hostile objects; objects freed -------------------------------------------

HOSTILE = {
    "repr raises": """\
@unit
class F(float):
    def __repr__(self):
        raise ValueError("my repr")
class Scale:
    def forward(self, u, k):
        self.u, self.k = u, k
        self.utop = Unit(u.value * k, 0.0)
        return self.utop
    def backward(self):
        self.u.grad += self.k * self.utop.grad
g = Scale(); a = Unit(1.0, 0.0)
try:
    out = g.forward(a, F(2.0)); out.grad = 1.0; g.backward()
    print("S|ok", out.value, a.grad)
except Exception as e:
    print("S|SCRIPT SAW", type(e).__name__, e)
""",
    "str subclass name": """\
@unit
class S(str): pass
class G:
    def forward(self, u):
        self.u = u; self.utop = Unit(u.value, 0.0); return self.utop
    def backward(self):
        self.u.grad += self.utop.grad
G.__name__ = S("Gate")
try:
    g = G(); a = Unit(1.0, 0.0); s = g.forward(a); s.grad = 1.0; g.backward()
    print("S|fine", type(g).__name__, a.grad)
except Exception as e:
    print("S|SCRIPT SAW", type(e).__name__, e)
""",
    "getattr logs": """\
calls = []
class Unit:
    def __init__(self, value, grad):
        self.value = value; self.grad = grad
    def __getattr__(self, name):
        calls.append(name)
        raise AttributeError(name)
@mul
g = Mul(); a = Unit(1.0, 0.0); b = Unit(2.0, 0.0)
s = g.forward(a, b); s.grad = 1.0; g.backward()
print("S|__getattr__ called for:", calls, a.grad, b.grad)
""",
    "dropped objects freed": """\
import gc, weakref
@unit
class Neuron:
    def forward(self, xs):
        self.xs = xs
        self.utop = Unit(sum(x.value for x in xs), 0.0)
        return self.utop
    def backward(self):
        for x in self.xs:
            x.grad += self.utop.grad
class Pair:
    def forward(self, u):
        self.u = u; self.utop = Unit(u.value, 0.0); return (self.utop, "cache")
n = Neuron(); refs = []
for i in range(3):
    xs = [Unit(float(i), 0.0), Unit(1.0, 0.0)]
    refs.append(weakref.ref(xs[0]))
    out = n.forward(xs); out.grad = 1.0; n.backward()
p = Pair(); u = Unit(5.0, 0.0); ru = weakref.ref(u)
r2 = weakref.ref(p.forward(u)[0])
del xs, out, u
p.u = None; p.utop = None; n.xs = None; n.utop = None
gc.collect()
print("S|alive:", [r() is not None for r in refs], r2() is not None, ru() is not None)
""",
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_objects_get_what_python_gives_them(tmp_path: Path, name: str, mode: str) -> None:
    ran = same_as_python(write(tmp_path, src(HOSTILE[name])), mode)
    assert ran.returncode == 0 or mode == "check", ran.stderr
    if mode == "trace" and name == "str subclass name":
        assert {e["class"] for e in events(ran) if e["gate"]} == {"Gate"}


# -- 12. a thread; SIGCHLD ignored or handled -----------------------------------

STATS = src("""\
@unit
import threading
class Stats:
    def __init__(self): self.forward_calls = 0; self.tape = []
stats = Stats()
class Mul:
    def forward(self, u0, u1):
        stats.forward_calls += 1
        stats.tape.append("mul")
        self.u0, self.u1 = u0, u1
        self.utop = Unit(u0.value * u1.value, 0.0)
        return self.utop
    def backward(self):
        self.u0.grad += self.u1.value * self.utop.grad
        self.u1.grad += self.u0.value * self.utop.grad
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()
g = Mul(); a = Unit(1.0, 0.0); b = Unit(2.0, 0.0)
s = g.forward(a, b); s.grad = 1.0; g.backward()
print("S|forward_calls", stats.forward_calls, "tape", len(stats.tape), a.grad, b.grad)
""")
SIGCHLD = {
    "ignored": """\
import signal
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
@unit
@mul
@pass
""",
    "handled": """\
import os, signal
reaped = []
def on_child(sig, frame):
    try:
        while True:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            reaped.append(pid)
    except ChildProcessError:
        pass
signal.signal(signal.SIGCHLD, on_child)
@unit
@mul
@pass
print("S|children my handler reaped:", reaped)
""",
}


def test_check_beside_a_thread_leaves_the_scripts_counters(tmp_path: Path) -> None:
    ran = same_as_python(write(tmp_path, STATS), "check", timeout=60)
    assert own(ran) == ["S|forward_calls 1 tape 1 2.0 1.0"]
    assert ran.returncode == 0 and "ok:" in ran.stdout, ran.stdout


@pytest.mark.skipif(not hasattr(signal, "SIGCHLD"), reason="no SIGCHLD")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("how", SIGCHLD)
def test_a_scripts_sigchld_is_its_own(tmp_path: Path, how: str, mode: str) -> None:
    ran = same_as_python(write(tmp_path, src(SIGCHLD[how], MORE)), mode, timeout=60)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "S|backward done 2.0 1.0" in own(ran)


# -- 13. a __setattr__ the script patches in later --------------------------------

PATCH_LATER = src("""\
@unit
@mul
log = []
g = Mul(); a = Unit(1.0, 0.0); b = Unit(2.0, 0.0)
for it in range(3):
    a.grad = 0.0; b.grad = 0.0
    s = g.forward(a, b); s.grad = 1.0; g.backward()
    if it == 0:
        orig = Unit.__setattr__
        def logging_setattr(self, name, v, orig=orig):
            log.append(name)
            orig(self, name, v)
        Unit.__setattr__ = logging_setattr
print("S|writes logged:", len(log), "mine:", Unit.__dict__.get("__setattr__") is logging_setattr)
""")
BASE_PATCHED = src(
    """\
log = []
class Base:
    pass
class Unit(Base):
    def __init__(self, value, grad):
        self.value = value; self.grad = grad
@double
s = g.forward(a)
def logged(self, name, v):
    log.append(name)
    object.__setattr__(self, name, v)
Base.__setattr__ = logged
s.grad = 1.0
g.backward()
print("S|writes logged:", log, a.grad)
""",
    MORE,
)


@pytest.mark.parametrize("mode", MODES)
def test_passes_one_keeps_a_setattr_the_script_installed_later(tmp_path: Path, mode: str) -> None:
    ran = same_as_python(write(tmp_path, PATCH_LATER), mode, "--passes", "1")
    # passes 2 and 3, each: 2 zeroed, the new Unit's value and grad, its seed, 2 pulls
    assert own(ran) == ["S|writes logged: 14 mine: True"]


@pytest.mark.parametrize("passes", [(), ("--passes", "1")], ids=["all", "passes 1"])
@pytest.mark.parametrize("mode", MODES)
def test_a_base_setattr_patched_later_is_honoured(tmp_path: Path, mode: str,
                                                   passes: tuple[str, ...]) -> None:  # fmt: skip
    ran = same_as_python(write(tmp_path, BASE_PATCHED), mode, *passes)
    assert own(ran) == ["S|writes logged: ['grad', 'grad'] 2.0"]


# -- 14. every file number closed, the script's own files ----------------------------

FDS = src(
    """\
import os
@unit
@double
os.closerange(3, 64)
fs = [open("mylog%d.txt" % i, "w") for i in range(4)]
fs[-1].write("my log line\\n")
out = g.forward(a); out.grad = 1.0; g.backward()
for f in fs:
    f.write("grad %s\\n" % a.grad)
    f.close()
print("S|done", a.grad)
""",
    MORE,
)


@pytest.mark.skipif(not POSIX, reason="file numbers of a POSIX process")
@pytest.mark.parametrize("mode", MODES)
def test_a_script_that_closes_every_fd_keeps_its_own_files(tmp_path: Path, mode: str) -> None:
    path = write(tmp_path, FDS)
    python(path)
    logs = sorted(tmp_path.glob("mylog*.txt"))
    plain = {p.name: p.read_bytes() for p in logs}
    assert plain["mylog3.txt"] == b"my log line\ngrad 2.0\n"  # by hand
    for p in logs:
        p.unlink()
    ran = same_as_python(path, mode)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.glob("mylog*.txt")} == plain


# -- 15. signals sent to bpcli ------------------------------------------------------

TERM_HANDLED = src(
    """\
@pid
import signal, sys
stop = False
def on_term(sig, frame):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
@unit
@double
for epoch in range(5):
    s = g.forward(a); s.grad = 1.0; g.backward()
    if stop:
        print("S|saved at epoch", epoch, file=sys.stderr); sys.exit(0)
""",
    MORE,
)
LONG = src(
    """\
@pid
import time
@unit
@double
for epoch in range(3000):  # half a minute at least
    a.grad = 0.0
    s = g.forward(a); s.grad = 1.0; g.backward()
    time.sleep(0.01)
""",
    MORE,
)


def running(pid: int) -> bool:
    """A process that is there and no zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def started(tmp_path: Path, source: str, *command: str) -> tuple[subprocess.Popen[bytes], int]:
    """bpcli started on the script, and the script's pid once it runs."""
    write(tmp_path, source)
    proc = subprocess.Popen([PY, "-m", "bpcli", *command, "--python", PY, "learner.py"],
                            cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    pid_file, began = tmp_path / "pid.txt", time.monotonic()
    while not (pid_file.exists() and pid_file.read_text()):
        assert proc.poll() is None and time.monotonic() - began < 60, proc.communicate()
        time.sleep(0.05)
    time.sleep(1.0)  # at the paused step / well into the loop
    assert proc.poll() is None
    return proc, int(pid_file.read_text())


def ended(proc: subprocess.Popen[bytes], pid: int, within: float) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        if running(pid):
            os.kill(pid, signal.SIGKILL)
        pytest.fail(f"bpcli still running {within} s after the signal")
    began = time.monotonic()
    while running(pid) and time.monotonic() - began < within:
        time.sleep(0.05)
    if running(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the script outlived bpcli")
    return proc.returncode, err.decode(errors="replace")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="/proc of Linux")
def test_sigterm_while_paused_ends_bpcli_and_a_script_that_handles_it(tmp_path: Path) -> None:
    proc, pid = started(tmp_path, TERM_HANDLED, "trace", "--step", "--color", "never")
    proc.send_signal(signal.SIGTERM)
    status, _ = ended(proc, pid, within=5)
    assert status != 0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="/proc of Linux")
def test_ctrl_c_during_check_of_a_long_script_ends_it_at_once(tmp_path: Path) -> None:
    proc, pid = started(tmp_path, LONG, "check", "--color", "never")
    proc.send_signal(signal.SIGINT)
    status, err = ended(proc, pid, within=5)
    assert status == 130, err
