"""Hostile scripts and the learner's terminal (issue 20, point 7): control and
bidi characters in every name, class name, file name and source line bpcli
prints (escaped in text, exact in JSON, as for circuits); a script's input()
under `--step` (echo and line editing on while it reads); Ctrl-\\ and SIGHUP
under `--step` (the terminal restored, the script ended as python's would be).
The terminal cases run on a real pseudo-terminal, as test_script_live.py's."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import resource
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_script_faithful import GATES, PREFIX
from test_script_hostile import bpcli, events, run_python
from test_trace import _read_until

PROMPT = r"\[q\] quit"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")

EVIL_FILE = "e\x1b[2Jvil\u202eyp.py"
EVIL = """
Evil = type("Ev\\x1b[31mil\\u202e", (MultGate,), {})
Quiet = type("Un\\x1b]0;owned\\x07it\\u202e", (Unit,), {})
class Slotted(MultGate):
    def forward(self, u0, u1):
        setattr(self, "u0\\x1b[2J\\u202e", u0)
        self.u1, self.utop = u1, Unit(u0.value * u1.value)
        return self.utop
    def backward(self):  # wrong: u1's pull is its own value
        getattr(self, "u0\\x1b[2J\\u202e").grad += self.u1.value * self.utop.grad
        self.u1.grad += self.u1.value * self.utop.grad  # \x1b[2J cleared \u202e
g, k = Evil(), Slotted()
a = Unit(2.0)
out = g.forward(a, Quiet(3.0))
out.grad = 1.0  # \x1b]0;title\x07 \u202e
g.backward()
t = k.forward(Unit(2.0), Unit(-1.0))
t.grad = 1.0
k.backward()
print(P, "done")
"""


def evil(tmp_path: Path) -> tuple[str, ...]:
    (tmp_path / EVIL_FILE).write_text(GATES + EVIL)
    plain = run_python(EVIL_FILE, cwd=tmp_path)
    assert plain.status == 0 and plain.stdout == f"{PREFIX} done\n", plain.stderr
    return "--python", sys.executable, EVIL_FILE


@pytest.mark.parametrize("command", ["trace", "check"])
def test_names_files_and_lines_are_escaped_in_text(tmp_path: Path, command: str) -> None:
    args = evil(tmp_path)
    ran = bpcli(command, *args, cwd=tmp_path, env=dict(os.environ, NO_COLOR="1", COLUMNS="80"))
    said = ran.stdout + ran.stderr
    assert not UNSAFE.search(said), (UNSAFE.findall(said), said)
    assert "e\\x1b[2Jvil\\u202eyp.py" in said
    if command == "trace":
        assert "Ev\\x1b[31mil\\u202e" in said and "u0\\x1b[2J\\u202e" in said
        assert "Un\\x1b]0;owned\\x07it\\u202e#1" in said  # an unnamed Unit's Class#n
        assert "# \\x1b]0;title\\x07 \\u202e" in said
    else:
        assert "# \\x1b[2J cleared \\u202e" in said and ran.status == 1


def test_names_files_and_lines_are_exact_in_json(tmp_path: Path) -> None:
    evs = events(bpcli("trace", "--format", "jsonl", *evil(tmp_path), cwd=tmp_path))
    first = evs[0]
    assert first["self"]["class"] == "Ev\x1b[31mil\u202e" and first["source"]["file"] == EVIL_FILE
    assert first["slots"]["u1"]["unit"] == "Un\x1b]0;owned\x07it\u202e#1"
    seed = next(e for e in evs if e["phase"] == "script")
    assert seed["source"]["text"] == "out.grad = 1.0  # \x1b]0;title\x07 \u202e"
    slotted = next(e for e in evs if e["call"] == "k.backward()")
    assert "u0\x1b[2J\u202e" in slotted["slots"]
    assert slotted["writes"][-1]["source"]["text"].endswith("# \x1b[2J cleared \u202e")


# -- the terminal under --step -----------------------------------------------------------------

ASK = """
with open("pid", "w") as f:
    f.write(str(os.getpid()))
m = MultGate()
out = m.forward(Unit(2.0), Unit(3.0))
name = input("name? ")
print(P, "hello", repr(name), flush=True)
out.grad = 1.0
m.backward()
"""


@contextlib.contextmanager
def stepping(tmp_path: Path) -> Iterator[tuple[int, int, subprocess.Popen]]:
    """`bpcli trace --step` of ASK on a pseudo-terminal that is its controlling
    terminal, as a learner's would be (and no core file from Ctrl-\\)."""
    (tmp_path / "ask.py").write_text(GATES + ASK)
    master, slave = pty.openpty()

    def child() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    proc = subprocess.Popen(
        [sys.executable, "-m", "bpcli", "trace", "--step", "--python", sys.executable, "ask.py"],
        stdin=slave, stdout=slave, stderr=slave, close_fds=True, cwd=tmp_path,
        env=dict(os.environ, COLUMNS="120", LINES="40", TERM="xterm"), start_new_session=True,
        preexec_fn=child,
    )  # fmt: skip
    try:
        yield master, slave, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(slave)
        os.close(master)


def line_mode(slave: int) -> tuple[bool, bool]:
    """(ICANON, ECHO) as the terminal has them now."""
    lflag = termios.tcgetattr(slave)[3]
    return bool(lflag & termios.ICANON), bool(lflag & termios.ECHO)


def ended(pid: int, within: float = 10.0) -> bool:
    """Whether the process has ended (gone, or a zombie no one has reaped yet)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            if not Path("/proc").is_dir():  # no /proc (macOS): a zombie counts as running
                os.kill(pid, 0)
                state = "R"
            else:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


def test_input_under_step_has_echo_and_line_editing(tmp_path: Path) -> None:
    with stepping(tmp_path) as (master, slave, proc):
        _read_until(master, r"step 1 ·[\s\S]*" + PROMPT)
        assert line_mode(slave) == (False, False)  # bpcli reads single keys
        os.write(master, b"\r")  # on: the script asks
        _read_until(master, r"name\? $")
        assert line_mode(slave) == (True, True)  # the script's input(): a line, echoed
        os.write(master, b"bx\x7fob\r")  # a slip rubbed out with Backspace
        screen = _read_until(master, r"step 2 ·[\s\S]*" + PROMPT)
        typed, hello = screen.index("ob\r\n"), screen.index(f"{PREFIX} hello 'bob'")
        assert screen.startswith("bx") and typed < hello  # echoed as typed, before its print
        os.write(master, b"c")
        assert proc.wait(timeout=20) == 0
        assert line_mode(slave) == (True, True)


@pytest.mark.parametrize("how", ["Ctrl-\\", "SIGHUP"])
def test_a_signal_under_step_restores_the_terminal_and_ends_the_script(
    tmp_path: Path, how: str
) -> None:
    sig = signal.SIGQUIT if how == "Ctrl-\\" else signal.SIGHUP
    with stepping(tmp_path) as (master, slave, proc):
        _read_until(master, PROMPT)
        pid = int((tmp_path / "pid").read_text())
        if sig == signal.SIGQUIT:
            os.write(master, b"\x1c")  # the terminal sends SIGQUIT to bpcli and the script
        else:
            proc.send_signal(sig)  # a hangup: the terminal's controlling process, bpcli alone
        code = proc.wait(timeout=20)
        assert code in (-sig, 128 + sig), code  # ended by it, as python would be
        assert line_mode(slave) == (True, True)
        assert ended(pid), "the script runs on after bpcli ended"
