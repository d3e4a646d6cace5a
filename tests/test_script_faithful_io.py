"""Watching never changes what the learner's program does (issue 20), the
script's dealings with the world: the files it writes (a log appended inside
forward(), weights saved by atexit, a file never closed), its state (a
forward counter, a tape, the random stream; a dict counter, its own
random.Random, a log opened before training), a thread that outlives the main
code, os.chdir under `--html page.html`, and os.fork. Each is compared run
three ways, `python`, `bpcli trace --format jsonl` and `bpcli check`, in a
fresh folder each (the helpers are test_script_faithful.py's)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_script_faithful import GATES, PREFIX, Ran, run_three, same_as_python

# A training loop whose forward code touches the world: each MultGate.forward
# counts itself (a class attribute and a global), grows a tape and appends a
# line to a log it opens itself; NoisyAddGate.forward draws a random number.
# The weights are saved at exit, a last file is written and never closed, and
# a non-daemon thread ends after the main code: started at the end ("late"),
# or at the start, so that it runs through the whole training ("early").
LEARNER = (
    GATES
    + """
random.seed(20)
tape = []
forward_calls = 0


class CountedMultGate(MultGate):
    calls = 0

    def forward(self, u0, u1):
        global forward_calls
        forward_calls += 1
        CountedMultGate.calls += 1
        tape.append(("mul", u0.value, u1.value))
        with open("forward.log", "a") as log:
            log.write(f"mult {u0.value!r} {u1.value!r}\\n")
        return super().forward(u0, u1)


class NoisyAddGate:
    def forward(self, u0, u1):
        tape.append(("add", u0.value, u1.value))
        noise = 0.001 * random.random()
        self.u0 = u0
        self.u1 = u1
        self.utop = Unit(u0.value + u1.value + noise)
        return self.utop

    def backward(self):
        self.u0.grad += self.utop.grad
        self.u1.grad += self.utop.grad


def save_weights():
    with open("weights.txt", "w") as f:
        f.write(" ".join(repr(p.value) for p in params) + "\\n")
    print(P, "weights saved", flush=True)


go = threading.Event()


def late():
    go.wait()
    time.sleep(0.3)
    with open("late.txt", "w") as f:
        f.write("the thread ran to its end\\n")
    print(P, "thread done", flush=True)


if sys.argv[1] == "early":
    threading.Thread(target=late).start()
atexit.register(save_weights)
a, b, c, x, y = Unit(1.0), Unit(2.0), Unit(-3.0), Unit(-1.0), Unit(3.0)
params = [a, b, c, x, y]
mulg0, mulg1, addg0, addg1, sg0 = (CountedMultGate(), CountedMultGate(), NoisyAddGate(),
                                   NoisyAddGate(), SigmoidGate())
for step in range(3):
    for p in params:
        p.grad = 0.0
    ax = mulg0.forward(a, x)
    by = mulg1.forward(b, y)
    axpby = addg0.forward(ax, by)
    axpbypc = addg1.forward(axpby, c)
    s = sg0.forward(axpbypc)
    s.grad = 1.0
    sg0.backward()
    addg1.backward()
    addg0.backward()
    mulg1.backward()
    mulg0.backward()
    for p in params:
        p.value += 0.01 * p.grad
    print(P, "step", step, repr(s.value))
print(P, "forward counters", forward_calls, CountedMultGate.calls)
print(P, "tape", len(tape), tape[-1])
print(P, "random", repr(random.random()))
if sys.argv[1] == "late":
    threading.Thread(target=late).start()
go.set()
left_open = open("unclosed.txt", "w")
left_open.write("written, never closed: python flushes it at exit\\n")
print(P, "main code done")
"""
)

WHEN = ["late", "early"]  # check replays forward in a fork, or (a thread runs) in-process


@pytest.fixture(scope="module", params=WHEN)
def learner(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Ran]:
    return run_three(tmp_path_factory.mktemp(request.param), LEARNER, args=[request.param])


def test_its_prints_counters_tape_and_random_stream(learner: dict[str, Ran]) -> None:
    plain = learner["python"].lines
    assert f"{PREFIX} forward counters 6 6" in plain and f"{PREFIX} tape 12" in plain[4]
    assert plain[-2:] == [f"{PREFIX} thread done", f"{PREFIX} weights saved"]
    same_as_python(learner, status=False)


def test_the_files_it_writes(learner: dict[str, Ran]) -> None:
    plain = learner["python"].files
    assert set(plain) == {"forward.log", "weights.txt", "unclosed.txt", "late.txt"}
    assert len(plain["forward.log"].splitlines()) == 6  # one line per forward call
    for mode in ("trace", "check"):
        got = learner[mode].files
        assert got.get("forward.log") == plain["forward.log"], f"{mode}: the forward log"
        assert got == plain, f"{mode}: the files the script wrote"


def test_the_exit_status_of_a_correct_script_is_its_own(learner: dict[str, Ran]) -> None:
    """The gates are right; the noisy ones cannot be judged, the others can: check
    says ok, and the status is the script's (0)."""
    assert learner["python"].status == 0
    for mode in ("trace", "check"):
        got = learner[mode]
        assert got.status == 0, f"{mode}: status {got.status}\n{got.stdout}"


# State of other shapes: a counter in a dict, the script's own random.Random, a
# log file opened once before training and written by forward (lines long
# enough that its buffer fills now and then, as a long run's does).
HELD = (
    GATES
    + """
stats = {"forward": 0}
rng = random.Random(7)
journal = open("journal.txt", "a")


class JournaledMultGate(MultGate):
    def forward(self, u0, u1):
        stats["forward"] += 1
        journal.write(f"{stats['forward']} {rng.random()!r} " + "x" * 1000 + "\\n")
        return super().forward(u0, u1)


if sys.argv[1] == "early":
    go = threading.Event()
    threading.Thread(target=go.wait).start()
a, x = Unit(2.0), Unit(-1.5)
for step in range(5):
    a.grad = x.grad = 0.0
    s = one_pass(a, x, JournaledMultGate(), SigmoidGate())
journal.close()
print(P, "stats", stats, "rng", repr(rng.random()), "out", repr(s.value))
if sys.argv[1] == "early":
    go.set()
"""
)


@pytest.mark.parametrize("when", WHEN)
def test_a_dict_counter_an_own_rng_and_a_log_opened_before(tmp_path: Path, when: str) -> None:
    ran = run_three(tmp_path, HELD, args=[when])
    assert ran["python"].lines[0].startswith(f"{PREFIX} stats {{'forward': 5}} rng ")
    assert len(ran["python"].files["journal.txt"].splitlines()) == 5
    same_as_python(ran)
    for mode in ("trace", "check"):
        journal = ran[mode].files.get("journal.txt", "")
        assert journal.count("\n") == 5, f"{mode}: the journal has {journal.count(chr(10))} lines"
        assert ran[mode].files == ran["python"].files, f"{mode}: the journal"


# -- os.chdir, and bpcli's own output paths ------------------------------------------------

CHDIR = (
    GATES
    + """
os.makedirs("runs", exist_ok=True)
for name in ("page.html", "learner.py"):
    with open(os.path.join("runs", name), "w") as f:
        f.write("the learner's own " + name + "\\n")
os.chdir("runs")
s = one_pass(Unit(2.0), Unit(-1.5), MultGate(), SigmoidGate())
print(P, "here", os.path.basename(os.getcwd()), sorted(os.listdir(".")), repr(s.value))
"""
)


def test_html_goes_where_bpcli_was_started_not_where_the_script_went(tmp_path: Path) -> None:
    ran = run_three(
        tmp_path, CHDIR, extra=["--html", "page.html"], modes=["python", "trace"], jsonl=False
    )
    plain, traced = ran["python"], ran["trace"]
    assert traced.status == plain.status == 0, traced.stderr
    assert f"{PREFIX} here runs ['learner.py', 'page.html']" in plain.lines[0]
    assert traced.lines == plain.lines
    page = traced.files.pop("page.html", "")
    assert page.startswith("<!DOCTYPE html>"), "no page where bpcli was started"
    assert traced.files == plain.files  # runs/page.html and runs/learner.py: the script's own
    assert traced.files["runs/page.html"] == "the learner's own page.html\n"


# -- os.fork ----------------------------------------------------------------------------------

FORK = (
    GATES
    + """
atexit.register(lambda: print(P, "atexit in", role, flush=True))
role = "parent"
a, x = Unit(2.0), Unit(-1.5)
mulg, sg = MultGate(), SigmoidGate()
s = one_pass(a, x, mulg, sg)
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    role = "child"
    t = one_pass(x, x, mulg, sg)
    print(P, "child", repr(t.value), repr(x.grad), flush=True)
else:
    os.waitpid(pid, 0)
    a.value += 0.01 * a.grad
    a.grad = x.grad = 0.0
    s = one_pass(a, x, mulg, sg)
    print(P, "parent", repr(s.value), repr(a.grad), flush=True)
"""
)

ONE_PASS = [
    ("forward", "ax = mulg.forward(a, x)"), ("forward", "s = sg.forward(ax)"),
    ("script", "s.grad = 1.0"), ("backward", "sg.backward()"), ("backward", "mulg.backward()"),
]  # fmt: skip
UPDATE = [("script", "a.value += 0.01 * a.grad"), ("script", "a.grad = x.grad = 0.0")]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_script_that_forks(tmp_path: Path) -> None:
    ran = run_three(tmp_path, FORK)
    plain = ran["python"].lines
    assert [line.split()[1] for line in plain] == ["child", "atexit", "parent", "atexit"]
    same_as_python(ran)
    events = [json.loads(line) for line in ran["trace"].stdout.splitlines()]
    steps = [e["step"] for e in events]
    assert len(steps) == len(set(steps)), "an event twice: the child's watcher spoke"
    seen = [(e["phase"], e["source"]["text"]) for e in events]
    assert seen == ONE_PASS + UPDATE + ONE_PASS  # the parent's, each once; the child's none
