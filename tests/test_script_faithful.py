"""Watching never changes what the learner's program does (issue 20): one
learner-style script run three ways, `python SCRIPT`, `bpcli trace --format
jsonl` and `bpcli check`, each in a fresh folder of its own, and what the
script itself produced compared: its own printed lines, its standard error
apart from bpcli's `bpcli:` lines, its exit status (a shell's 128 + N for a
signal), its name, file and path. The files it writes, its threads, forks
and directory are in test_script_faithful_io.py."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PREFIX = "LEARNER|"  # every line the script prints starts so
MODES = ("python", "trace", "check")
WINDOWS = os.name == "nt"

GATES = """\
import atexit
import math
import os
import random
import signal
import sys
import threading
import time

P = "LEARNER|"


class Unit:
    def __init__(self, value, grad=0.0):
        self.value = value
        self.grad = grad


class MultGate:
    def forward(self, u0, u1):
        self.u0 = u0
        self.u1 = u1
        self.utop = Unit(u0.value * u1.value)
        return self.utop

    def backward(self):
        self.u0.grad += self.u1.value * self.utop.grad
        self.u1.grad += self.u0.value * self.utop.grad


class SigmoidGate:
    def forward(self, u0):
        self.u0 = u0
        self.utop = Unit(1 / (1 + math.exp(-u0.value)))
        return self.utop

    def backward(self):
        s = self.utop.value
        self.u0.grad += s * (1 - s) * self.utop.grad


def one_pass(a, x, mulg, sg):
    ax = mulg.forward(a, x)
    s = sg.forward(ax)
    s.grad = 1.0
    sg.backward()
    mulg.backward()
    return s
"""


@dataclass
class Ran:
    """One way of running the script: what it produced."""

    mode: str
    status: int  # as a shell reports it: 128 + N for a signal
    stdout: str
    stderr: str
    folder: Path
    files: dict[str, str] = field(default_factory=dict)  # all it left, but the script

    @property
    def lines(self) -> list[str]:
        """The script's own printed lines, in their order (one stream holds them)."""
        said = (self.stdout + "\n" + self.stderr).splitlines()
        return [self.here(line) for line in said if line.startswith(PREFIX)]

    @property
    def own_stderr(self) -> list[str]:
        """Standard error but bpcli's own lines and the script's prints."""
        said = self.stderr.splitlines()
        return [self.here(s) for s in said if not s.startswith((PREFIX, "bpcli: "))]

    def here(self, line: str) -> str:
        """The run's folder written as <here>: each way runs in a folder of its own."""
        for path in sorted({str(self.folder), os.path.realpath(self.folder)}, key=len)[::-1]:
            line = line.replace(path, "<here>")
        return line


def command(mode: str, typed: str, python: str, args: Sequence[str], extra: Sequence[str],
            jsonl: bool = True) -> list[str]:  # fmt: skip
    if mode == "python":
        return [python, typed, *args]
    how = ["--format", "jsonl"] if mode == "trace" and jsonl else []
    rest = ["--", *args] if args else []
    return [sys.executable, "-m", "bpcli", mode, *how, "--python", python, *extra, typed, *rest]


def run_three(
    tmp_path: Path,
    source: str,
    args: Sequence[str] = (),
    python: str = sys.executable,
    typed: str = "learner.py",
    place: Callable[[Path], None] | None = None,
    extra: Sequence[str] = (),
    modes: Sequence[str] = MODES,
    jsonl: bool = True,
) -> dict[str, Ran]:
    """The script run each way, in a fresh folder each: ``place`` puts it there
    (default: learner.py) and ``typed`` is the path as the learner types it."""
    ran = {}
    for mode in modes:
        folder = tmp_path / mode
        folder.mkdir()
        if place is None:
            (folder / "learner.py").write_text(source)
        else:
            place(folder)
        mine = {p for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
        proc = subprocess.run(command(mode, typed, python, args, extra, jsonl), cwd=folder,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        code = proc.returncode
        left = {
            p.relative_to(folder).as_posix(): p.read_text(errors="replace")
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p not in mine and "__pycache__" not in p.parts
        }
        ran[mode] = Ran(mode, 128 - code if code < 0 else code, proc.stdout, proc.stderr,
                        folder, left)  # fmt: skip
    return ran


def same_as_python(ran: dict[str, Ran], status: bool = True) -> None:
    """Each bpcli way produced what python did: its lines, its standard error,
    its exit status."""
    plain = ran["python"]
    assert plain.lines, plain.stderr  # the script ran and printed (a test that can fail)
    for mode in [m for m in ran if m != "python"]:
        got = ran[mode]
        assert got.lines == plain.lines, f"{mode}: the script's own lines\n{got.stderr}"
        assert got.own_stderr == plain.own_stderr, f"{mode}: the script's own standard error"
        if status:
            assert got.status == plain.status, f"{mode}: exit status\n{got.stdout}{got.stderr}"


# -- who the script is -----------------------------------------------------------------

IDENTITY = (
    GATES
    + """
print(P, "argv", sys.argv)
print(P, "file", __file__)
print(P, "name", __name__, __package__, __spec__)
print(P, "path0", sys.path[0])
s = one_pass(Unit(2.0), Unit(-1.5), MultGate(), SigmoidGate())
print(P, "out", repr(s.value))
"""
)


def place_typed(folder: Path, typed: str) -> None:
    real = folder / "real"
    (real / "sub").mkdir(parents=True)
    (real / "learner.py").write_text(IDENTITY)
    if typed.startswith("link"):
        (folder / "link.py").symlink_to(Path("real") / "learner.py")


TYPED = ["real/learner.py", "./real/learner.py", "real/sub/../learner.py", "link.py"]


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(typed, marks=pytest.mark.skipif(
            typed.startswith("link") and WINDOWS,
            reason="symbolic links need rights Windows does not give by default"))
        for typed in TYPED
    ],
)  # fmt: skip
def test_argv0_file_name_and_path0_are_pythons(tmp_path: Path, typed: str) -> None:
    ran = run_three(tmp_path, "", args=["--lr", "0.1"], typed=typed,
                    place=lambda folder: place_typed(folder, typed))  # fmt: skip
    plain = ran["python"].lines
    assert plain[0] == f"{PREFIX} argv [{typed!r}, '--lr', '0.1']"
    assert plain[2] == f"{PREFIX} name __main__ None None"
    same_as_python(ran)


# -- how it ends -----------------------------------------------------------------------

ENDINGS = {
    "sys.exit(3)": ("sys.exit(3)", 3),
    "an uncaught exception": ("raise ValueError('my own bug in ' + __name__)", 1),
    "SIGINT": (  # with python's own handler, whatever this test's parent ignores
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "os.kill(os.getpid(), signal.SIGINT)\ntime.sleep(10)",
        130,
    ),
    "SIGTERM": ("os.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(10)", 143),
}


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param(ending, marks=pytest.mark.skipif(
            WINDOWS and ending.startswith("SIG"),
            reason="Windows has no signal that ends a process with 128 + N"))
        for ending in ENDINGS
    ],
)  # fmt: skip
def test_the_exit_status_and_traceback_are_the_scripts(tmp_path: Path, ending: str) -> None:
    end, status = ENDINGS[ending]
    source = (
        GATES
        + f"""
atexit.register(lambda: print(P, "atexit ran", flush=True))
a, x = Unit(2.0), Unit(-1.5)
s = one_pass(a, x, MultGate(), SigmoidGate())
print(P, "grads", repr(a.grad), repr(x.grad), flush=True)
{end}
print(P, "not reached")
"""
    )
    ran = run_three(tmp_path, source)
    assert ran["python"].status == status  # python's own, as a shell reports it
    assert f"{PREFIX} not reached" not in ran["python"].lines
    if ending == "an uncaught exception":
        assert ran["python"].own_stderr[-1] == "ValueError: my own bug in __main__"
    same_as_python(ran)


# -- which interpreter -------------------------------------------------------------------


def make_venv(where: Path) -> Path:
    """A venv with no site packages but its own (so without bpcli's click), and
    a module onlyhere.py in them: its python."""
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    python = where / ("Scripts/python.exe" if WINDOWS else "bin/python")
    assert made.returncode == 0 and python.exists(), made.stderr  # venv is the stdlib's
    ask = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([str(python), "-c", ask], capture_output=True, text=True,
                          timeout=60).stdout.strip()  # fmt: skip
    Path(site, "onlyhere.py").write_text("WORD = 'only in the venv'\n")
    return python


ONLYHERE = (
    GATES
    + """
import onlyhere
s = one_pass(Unit(0.5), Unit(4.0), MultGate(), SigmoidGate())
print(P, onlyhere.WORD, repr(s.value), sys.prefix != sys.base_prefix)
"""
)


def test_a_module_only_the_chosen_python_has(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    there = tmp_path / "runs"
    there.mkdir()
    ran = run_three(there, ONLYHERE, python=str(python))
    assert ran["python"].lines == [f"{PREFIX} only in the venv 0.8807970779778823 True"]
    same_as_python(ran)
    for mode in ("trace", "check"):  # nothing to say of the interpreter: it was asked for
        assert "bpcli: note: the script ran under" not in ran[mode].stderr


CLICK = (
    GATES
    + """
s = one_pass(Unit(0.5), Unit(4.0), MultGate(), SigmoidGate())
print(P, "before the import", repr(s.value), flush=True)
import click
print(P, "click", click.__name__)
"""
)


def test_a_module_only_bpclis_python_has(tmp_path: Path) -> None:
    """click is bpcli's, not the venv's: the script fails as under the venv's
    python, with its own traceback, and bpcli adds one line naming the
    interpreter and --python."""
    python = make_venv(tmp_path / "venv")
    there = tmp_path / "runs"
    there.mkdir()
    ran = run_three(there, CLICK, python=str(python))
    plain = ran["python"]
    assert plain.status == 1
    assert plain.own_stderr[-1] == "ModuleNotFoundError: No module named 'click'"
    same_as_python(ran)
    for mode in ("trace", "check"):
        said = ran[mode].stderr.splitlines()
        added = [line for line in said if line.startswith("bpcli: ")]
        assert len(added) == 1, f"{mode}: {added}"
        assert str(python) in added[0] and "--python" in added[0] and "'click'" in added[0]
