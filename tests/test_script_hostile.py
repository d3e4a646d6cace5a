"""Hostile scripts get what python gives them (issue 20, point 7): objects whose
attributes raise or loop, numbers no float holds, deep recursion, a script that
takes bpcli's hook away, odd exits, a syntax error, a closed standard output,
sys.argv[0] as typed, `forward = fwd`, __main__ for pickle and spawn, a sibling
import, threads. Each script runs as `python SCRIPT` and under bpcli
(test_script_faithful.py's harness), and what the script itself produced is
compared. What reaches a terminal is test_script_hostile_tty.py's."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_script_faithful import GATES, PREFIX, Ran, run_three, same_as_python

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
NEWER = sorted(PYENV.glob("3.1[2-9]*/bin/python")) if PYENV.is_dir() else []
PYTHONS = [sys.executable, *map(str, NEWER[-1:])]  # sys.setprofile, and sys.monitoring
IDS = [Path(p).parent.parent.name for p in PYTHONS]
ONE_PASS = ["mulg.forward(a, x)", "sg.forward(ax)", "sg.backward()", "mulg.backward()"]


def run_python(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    return Ran(args[0], proc.returncode, proc.stdout, proc.stderr, cwd)


def bpcli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    return run_python("-m", "bpcli", *args, cwd=cwd, env=env)


def events(ran: Ran) -> list[dict]:
    """The JSONL trace, strict: no NaN or Infinity."""

    def refuse(word: str) -> None:
        pytest.fail(f"not strict JSON: {word}")

    return [json.loads(line, parse_constant=refuse) for line in ran.stdout.splitlines()]


def calls(ran: Ran) -> list[str]:
    return [e["call"] for e in events(ran) if e["gate"] is not None]


ODD = {  # the body of class Odd, whose objects hold a number in value
    "__getattr__ raises": "def __getattr__(self, name): raise RuntimeError(name)",
    "__getattr__ recurses": "def __getattr__(self, name): return getattr(self, name)",
    "a grad property raises": "grad = property(lambda self: 1 / 0)",
}
HOLDER = """
class Holder:
    def forward(self, u, odd):
        self.u0, self.odd = u, odd
        self.utop = Unit(u.value * 2.0)
        return self.utop
    def backward(self):
        self.u0.grad += 2.0 * self.utop.grad
odd = Odd()
h = Holder()
a = Unit(3.0)
s = h.forward(a, odd)
try:
    odd.grad
except (RuntimeError, RecursionError, ZeroDivisionError) as e:
    print(P, "odd.grad:", type(e).__name__)
s.grad = 1.0
h.backward()
s2 = one_pass(Unit(3.0), Unit(0.5), MultGate(), SigmoidGate())
print(P, "done", a.grad, s2.value)
"""


@pytest.mark.parametrize("python", PYTHONS, ids=IDS)
@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
def test_an_object_that_raises_or_loops_when_read(tmp_path: Path, odd: str, python: str) -> None:
    source = f"{GATES}\nclass Odd:\n    value = 1.0\n    {odd}\n{HOLDER}"
    ran = run_three(tmp_path, source, python=python)
    same_as_python(ran, status=False)
    assert any("odd.grad:" in line for line in ran["python"].lines)
    trace, check = ran["trace"], ran["check"]
    assert trace.status == 0
    if "hook was taken away" in trace.stderr:  # Python dropped it (a RecursionError in it)
        assert check.status == 1 and "error:" not in check.stdout, check.stdout  # no false claim
        assert "hook was taken away" in check.stdout + check.stderr
    else:
        assert check.status == 0 and check.stdout.startswith("ok"), check.stdout
        assert calls(trace)[:2] == ["h.forward(a, odd)", "h.backward()"], calls(trace)
        assert len(calls(trace)) == 6, calls(trace)


FLOAT_SUBCLASS = """
class F(float):
    def __float__(self):
        raise ValueError("no float for you")
s = one_pass(Unit(F(2.0)), Unit(F(-1.5)), MultGate(), SigmoidGate())
print(P, "float subclass", repr(s.value), type(s.value).__name__)
"""
BIG = """
s = one_pass(Unit(2.0), Unit(-1.5), MultGate(), SigmoidGate())
m = MultGate()
big = m.forward(Unit(10**400, 0), Unit(3, 0))
big.grad = 1
m.backward()
print(P, "big", big.value % 1000, m.u0.grad, m.u1.grad % 1000)
"""


def test_a_float_subclass_whose_float_raises_is_a_number(tmp_path: Path) -> None:
    ran = run_three(tmp_path, GATES + FLOAT_SUBCLASS)
    same_as_python(ran)
    first = next(e for e in events(ran["trace"]) if e["call"] == "mulg.forward(a, x)")
    assert {k: v["value"] for k, v in first["slots"].items()} == {"u0": 2.0, "u1": -1.5,
                                                                 "utop": -3.0}  # fmt: skip


def test_an_int_no_float_holds(tmp_path: Path) -> None:
    ran = run_three(tmp_path, GATES + BIG)
    same_as_python(ran)  # check: no internal error, status 0 (the first pass is checked)
    evs = events(ran["trace"])  # strict JSON, whatever the numbers
    mine = [e for e in evs if e["gate"] == "m"]
    assert [e["phase"] for e in mine] == ["forward", "backward"]
    assert mine[0]["slots"]["utop"]["value"] != "NaN"  # 3 * 10**400 is a number, not NaN


THIEVES = {  # what takes bpcli's hook away: (inside the watched forward, after it)
    "a caught RecursionError in forward": ("print(P, 'depth', deep(0))", "pass"),
    "sys.setprofile(None) in forward": ("sys.setprofile(None)", "pass"),
    "sys.setprofile(None) after forward": ("pass", "sys.setprofile(None)"),
    "its own profile function": ("pass", "sys.setprofile(mine)"),
}
BACKWARDS = {  # u0's pull and u1's
    "swapped": ("self.u0.value", "self.u1.value"),
    "right": ("self.u1.value", "self.u0.value"),
}
THIEF = """
def deep(n):
    try:
        return deep(n + 1)
    except RecursionError:
        return n
seen = []
def mine(frame, event, arg):
    if event == "call":
        seen.append(frame.f_code.co_name)
class Mul:
    def forward(self, u0, u1):
        {0}
        self.u0, self.u1 = u0, u1
        self.utop = Unit(u0.value * u1.value)
        return self.utop
    def backward(self):
        self.u0.grad += {2} * self.utop.grad
        self.u1.grad += {3} * self.utop.grad
g = Mul()
a, b = Unit(2.0), Unit(-3.0)
out = g.forward(a, b)
{1}
out.grad = 1.0
g.backward()
sys.setprofile(None)
print(P, "grads", a.grad, b.grad, "profiled backward", seen.count("backward"))
"""


def depths(ran: dict[str, Ran]) -> dict[str, int]:
    """Each run's deepest recursion, then written as N (it may differ by a few frames)."""
    found = {}
    for mode, r in ran.items():
        said = re.findall(rf"^{re.escape(PREFIX)} depth (\d+)$", r.stdout + "\n" + r.stderr, re.M)
        assert len(said) == 1, (mode, r.stdout, r.stderr)
        found[mode] = int(said[0])
        r.stdout, r.stderr = (re.sub(r"depth \d+$", "depth N", t, flags=re.M)
                              for t in (r.stdout, r.stderr))  # fmt: skip
    return found


@pytest.mark.parametrize("python", PYTHONS, ids=IDS)
@pytest.mark.parametrize("backward", BACKWARDS.keys())
@pytest.mark.parametrize("thief", THIEVES.keys())
def test_after_the_hook_was_taken_away_check_claims_nothing_false(
    tmp_path: Path, thief: str, backward: str, python: str
) -> None:
    source = GATES + THIEF.format(*THIEVES[thief], *BACKWARDS[backward])
    ran = run_three(tmp_path, source, python=python)
    if "Recursion" in thief:
        deepest = depths(ran)
        assert deepest["python"] > 100, deepest
        assert all(abs(d - deepest["python"]) <= 10 for d in deepest.values()), deepest
    same_as_python(ran, status=False)  # its own lines, its own profile function's count
    assert ran["python"].status == ran["trace"].status == 0
    check = ran["check"]
    said = check.stdout + check.stderr
    told = "hook was taken away" in said  # and so it says it could not judge
    assert "called no backward method" not in said, said  # it did: bpcli did not see it
    if backward == "swapped":  # found, or said that it could not: never ok
        assert check.status == 1 and not check.stdout.startswith("ok"), said
        assert told or "error: this pull into a.grad" in said, said
    else:  # no false alarm
        assert "error:" not in said, said
        assert check.status == (1 if told else 0), said
    trace = ran["trace"]
    assert "g.backward()" in calls(trace) or "hook was taken away" in trace.stderr, trace.stderr


def test_deep_recursion_that_is_not_caught_ends_as_under_python(tmp_path: Path) -> None:
    source = GATES + "\ndef down(n):\n    return down(n + 1)\n\n\none_pass(Unit(1.0), Unit(2.0),"
    source += " MultGate(), SigmoidGate())\nprint(P, 'before', flush=True)\ndown(0)\n"
    ran = run_three(tmp_path, source, modes=("python", "trace"))
    plain, traced = ran["python"], ran["trace"]
    assert plain.status == traced.status == 1 and traced.lines == plain.lines
    assert plain.own_stderr[-1].startswith("RecursionError: maximum recursion depth")
    assert traced.own_stderr[-1] == plain.own_stderr[-1]
    assert traced.own_stderr[:4] == plain.own_stderr[:4]  # no frame of the watcher's
    assert "_bpcli_watch" not in traced.stderr and "boot.py" not in traced.stderr


EXITS = {
    "sys.exit(10**30)": "sys.exit(10**30)",
    "sys.exit(obj) whose str raises": "class O:\n    def __str__(self):\n"
    "        raise ValueError('no str')\n\n\nsys.exit(O())",
    'sys.exit("message")': 'sys.exit("message")',
    "raise SystemExit(None)": "raise SystemExit(None)",
}


@pytest.mark.parametrize("end", EXITS.values(), ids=EXITS.keys())
def test_odd_exits_end_as_under_python(tmp_path: Path, end: str) -> None:
    source = GATES + "\none_pass(Unit(1.0), Unit(2.0), MultGate(), SigmoidGate())\n"
    ran = run_three(tmp_path, source + "print(P, 'ran', flush=True)\n" + end + "\n")
    same_as_python(ran)
    for mode in ("trace", "check"):  # the script's own stderr, exactly, before bpcli's lines
        said = ran[mode].stderr.splitlines(keepends=True)
        own = "".join(line for line in said if not line.startswith(PREFIX))
        assert own.startswith(ran["python"].stderr), (mode, own)


def test_a_syntax_error_is_pythons_and_nothing_more(tmp_path: Path) -> None:
    ran = run_three(tmp_path, GATES + "\nx = (\n", jsonl=False)
    plain = ran["python"]
    assert plain.status == 1 and "SyntaxError" in plain.stderr
    for mode in ("trace", "check"):
        got = ran[mode]
        assert got.status == 1 and got.own_stderr == plain.own_stderr, mode
        assert "nothing to trace" not in got.stderr, (mode, got.stderr)
        assert "nothing checked" not in got.stdout, (mode, got.stdout)  # it never ran


def test_a_script_that_never_ran_gets_no_summary(tmp_path: Path) -> None:
    ran = run_three(tmp_path, GATES + "\nx = (\n", modes=("trace",), jsonl=False)
    assert ran["trace"].stdout.strip() == "", ran["trace"].stdout  # no "0 gate objects …"


STREAMS = """
one_pass(Unit(1.0), Unit(2.0), MultGate(), SigmoidGate())
print(P, "flushed", flush=True)
sys.stderr.write(P + " to stderr\\n")
sys.stdout.close()
s = one_pass(Unit(3.0), Unit(-2.0), MultGate(), SigmoidGate())
sys.stderr.write(P + " after the close " + repr(s.value) + "\\n")
"""


@pytest.mark.parametrize("jsonl", [True, False], ids=["jsonl", "table"])
def test_a_script_that_flushes_closes_stdout_and_writes_to_stderr(
    tmp_path: Path, jsonl: bool
) -> None:
    ran = run_three(tmp_path, GATES + STREAMS, jsonl=jsonl)
    same_as_python(ran)
    assert len(ran["python"].lines) == 3
    said = "\n".join(calls(ran["trace"])) if jsonl else ran["trace"].stdout
    assert len(re.findall(r"sg(#2)?\.backward\(\)", said)) == 2  # both passes, after the close


ARGV = """
print(P, "argv", sys.argv, sys.path[0])
print(P, "file", __file__)
one_pass(Unit(1.0), Unit(2.0), MultGate(), SigmoidGate())
"""


@pytest.mark.parametrize("typed", ["x.py", "./x.py", "sub/../x.py", "absolute"])
def test_argv0_and_file_are_as_under_python(tmp_path: Path, typed: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "x.py").write_text(GATES + ARGV)
    typed = str(tmp_path / "x.py") if typed == "absolute" else typed
    argv, file = run_python(typed, cwd=tmp_path).lines
    assert argv == f"{PREFIX} argv [{typed!r}] <here>".replace(str(tmp_path), "<here>")
    for command in ("trace", "check"):
        got = bpcli(command, "--python", sys.executable, typed, cwd=tmp_path)
        assert got.lines[0] == argv, (command, got.lines)  # sys.argv[0] as typed
        assert got.lines[1] == file, (command, got.lines)  # __file__ as python makes it


RENAMED = """
class G:
    def fwd(self, u0, u1):
        self.u0, self.u1 = u0, u1
        self.utop = Unit(u0.value * u1.value)
        return self.utop
    def bwd(self):
        self.u0.grad += self.u1.value * self.utop.grad
        self.u1.grad += self.u0.value * self.utop.grad
    forward = fwd
    backward = bwd
g = G()
a, b = Unit(2.0), Unit(-3.0)
out = g.forward(a, b)
out.grad = 1.0
g.backward()
print(P, a.grad, b.grad)
"""


def test_a_method_bound_under_a_watched_name_is_watched(tmp_path: Path) -> None:
    ran = run_three(tmp_path, GATES + RENAMED)
    same_as_python(ran)  # check: 0, so something was checked
    evs = events(ran["trace"])
    assert [(e["phase"], e["call"]) for e in evs if e["gate"] == "g"] == [
        ("forward", "g.forward(a, b)"), ("backward", "g.backward()")]  # fmt: skip
    back = next(e for e in evs if e["call"] == "g.backward()")
    assert [w["unit"] for w in back["writes"]] == ["a", "b"]


MAIN = """
import multiprocessing
import pickle
import sibling
def value_of(v):
    return one_pass(Unit(v), Unit(2.0), MultGate(), SigmoidGate()).value
if __name__ == "__main__":
    m = MultGate()
    out = m.forward(Unit(2.0), Unit(sibling.WEIGHT))
    out.grad = 1.0
    m.backward()
    with open("gate.pickle", "wb") as f:
        pickle.dump(m, f, protocol=4)
    with open("gate.pickle", "rb") as f:
        back = pickle.load(f)
    print(P, type(back).__module__, type(back.u0).__qualname__, back.u0.grad, back.u1.grad)
    if sys.argv[1:] == ["spawn"]:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            print(P, "spawned", pool.map(value_of, [0.5, -1.0]))
"""


@pytest.mark.parametrize("spawn", [False, True], ids=["pickle", "pickle and spawn"])
def test_main_guard_pickle_spawn_and_a_sibling_module(tmp_path: Path, spawn: bool) -> None:
    def place(folder: Path) -> None:
        (folder / "learner.py").write_text(GATES + MAIN)
        (folder / "sibling.py").write_text("WEIGHT = -3.0\n")

    ran = run_three(tmp_path, "", args=["spawn"] if spawn else [], place=place)
    same_as_python(ran)
    assert ran["python"].lines[0] == f"{PREFIX} __main__ Unit -3.0 2.0"
    assert len(ran["python"].lines) == 1 + spawn
    for mode in ("trace", "check"):
        assert ran[mode].files == ran["python"].files, mode  # the same pickle, byte for byte
    assert "m.backward()" in calls(ran["trace"])


THREADS = """
class ThreadGate(MultGate):
    pass
done = []
def work():
    for _ in range(50):
        tg = ThreadGate()
        out = tg.forward(Unit(1.5), Unit(2.25))
        out.grad = 7.0
        tg.backward()
        done.append(tg.u0.grad)
worker = threading.Thread(target=work)
worker.start()
s = one_pass(Unit(1.0), Unit(2.0), MultGate(), SigmoidGate())
worker.join()
print(P, "threads", len(done), sum(done), repr(s.value))
"""


@pytest.mark.parametrize("python", PYTHONS, ids=IDS)
def test_calls_in_another_thread_are_not_watched_and_the_script_works(
    tmp_path: Path, python: str
) -> None:
    ran = run_three(tmp_path, GATES + THREADS, python=python)
    same_as_python(ran)
    evs = events(ran["trace"])
    assert [e["call"] for e in evs if e["gate"]] == ONE_PASS
    assert all(e["class"] != "ThreadGate" for e in evs)
    assert all(w["after"] not in (7.0, 15.75) for e in evs for w in e.get("writes", []))


def test_the_hint_names_only_the_scripts_own_classes(tmp_path: Path) -> None:
    source = "class Value:\n    def __init__(self, v):\n        self.val, self.g = v, 0.0\n\n"
    source += "    def fwd(self):\n        return self\n\n\nv = Value(2.0).fwd()\nv.g = 1.0\n"
    (tmp_path / "v.py").write_text(source)
    for command in ("trace", "check"):
        got = bpcli(command, "--python", sys.executable, "v.py", cwd=tmp_path)
        said = got.stdout + got.stderr
        assert got.status == (1 if command == "check" else 0), said
        assert "--value-attr val --grad-attr g" in said, said
        for watchers in ("Wire", "Hooks", "Watcher", "out_fd", "--methods ended"):
            assert watchers not in said, (command, said)
