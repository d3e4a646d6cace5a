"""bpcli where POSIX is missing, as on Windows (issue 22), checked on Linux: the
main commands run in a Python whose ``termios``, ``tty``, ``fcntl``, ``pty``,
``pwd``, ``grp`` and ``resource`` cannot be imported, whose ``os`` has no
``fchmod``, ``fchown``, ``geteuid`` or ``O_NOCTTY``, and whose
``threading.stack_size`` refuses 256 MiB or more (Windows' own limit). Each
command must do what it does on a full POSIX: the same output, the same file
written, no temporary left; and the pieces Windows gives differently (ids as its
``repr`` writes them, its console's keys, its language) are checked as pure
functions."""

from __future__ import annotations

import json
import locale
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PRELUDE = """
import os, sys, threading
for name in ("termios", "tty", "fcntl", "pty", "pwd", "grp", "resource"):
    sys.modules[name] = None  # import raises ImportError
for name in ("fchmod", "fchown", "geteuid", "O_NOCTTY"):
    if hasattr(os, name):
        delattr(os, name)
_size = threading.stack_size
def stack_size(size=0):
    if size >= 256 * 1024 * 1024:
        raise ValueError("size not valid: %d bytes" % size)
    return _size(size)
threading.stack_size = stack_size
sys.argv[0] = "bpcli"
from bpcli.__main__ import main
main()
"""


def bpcli(*args: str, cwd: Path = ROOT, posix: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bpcli"] if posix else [sys.executable, "-c", PRELUDE]
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ["run", "circuits/neuron.txt", "--format", "json"],
        ["run", "circuits/neuron_expr.txt", "--format", "json"],
        ["run", "circuits/two_layer_expr.txt", "--format", "json"],
        ["check", "circuits/neuron.txt"],
        ["graph", "circuits/neuron.txt", "--format", "mermaid"],
        ["--lang", "ru", "check", "circuits/neuron_ru.txt"],
        ["--lang", "ru", "run", "-q", "circuits/neuron_ru.txt"],
    ],
    ids=lambda a: " ".join(a),
)
def test_a_command_says_what_it_says_on_posix(args: list[str]) -> None:
    without, full = bpcli(*args), bpcli(*args, posix=True)
    assert (without.returncode, without.stderr) == (full.returncode, full.stderr)
    # the same circuit, other addresses (and which of them Python reused: JSON, not
    # the tables, whose columns a mark widens)
    ids = r'0x[0-9a-fA-F]+|,\s*"reused_address": true'
    assert re.sub(ids, "ID", without.stdout) == re.sub(ids, "ID", full.stdout)
    assert without.returncode == 0, without.stderr


def test_write_keeps_the_file_and_its_line_endings_and_leaves_no_temporary(
    tmp_path: Path,
) -> None:
    text = (ROOT / "circuits" / "neuron.txt").read_text()
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    ran = bpcli("run", str(crlf), "--write", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    data = crlf.read_bytes()
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n") == text.count("\n")
    assert b"  a: 0.99895" in data  # 1 + 0.01 x -0.104994: the guide's one update
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crlf.txt"]


def test_html_over_an_existing_file_replaces_it_whole(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("old")
    ran = bpcli("trace", str(ROOT / "circuits" / "neuron.txt"), "--html", str(page))
    assert ran.returncode == 0, ran.stderr
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_a_formula_of_thousands_of_terms_parses_on_the_stack_windows_allows(
    tmp_path: Path,
) -> None:
    terms = 500  # (CPython 3.12+ caps the depth of ast construction itself: a few thousand)
    circuit = tmp_path / "long.txt"
    circuit.write_text(f"units:\n  a: 1.0\nexpr: s = {' + '.join(['a'] * terms)}\n")
    ran = bpcli("run", str(circuit), "--format", "json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["passes"][0]["output_value"] == float(terms)


def test_trace_takes_the_same_steps() -> None:
    """(Ids, and which of them Python reused, differ from run to run.)"""
    args = ("trace", "circuits/neuron.txt", "--format", "jsonl")
    without, full = bpcli(*args), bpcli(*args, posix=True)
    steps = [
        [(s["step"], s["call"], [(w["unit"], w["after"]) for w in s.get("writes", [])])
         for s in map(json.loads, ran.stdout.splitlines())]
        for ran in (without, full)
    ]  # fmt: skip
    assert steps[0] == steps[1] and len(steps[0]) == 21, without.stderr


def test_ids_are_written_as_each_platforms_repr_writes_them() -> None:
    from bpcli.core.addresses import address

    n = 0x19681754400
    assert address(n, windows=True) == "0x0000019681754400"  # the learner's debugger
    assert address(n, windows=False) == "0x19681754400"
    seen = object()
    assert f" at {address(id(seen))}>" in repr(seen)  # this platform's own repr


def test_the_consoles_arrow_keys_are_read_as_a_terminals() -> None:
    from bpcli.interact.keys import _SEQUENCES, BACK, ESC, NEXT, console_key

    for raw, action in [("\xe0M", NEXT), ("\xe0P", NEXT), ("\x00Q", NEXT),
                        ("\xe0K", BACK), ("\xe0H", BACK), ("\xe0I", BACK)]:  # fmt: skip
        said = console_key(raw)
        assert said.startswith(ESC) and _SEQUENCES[said[1:]] == action, raw
    assert console_key("\xe0;")[1:] not in _SEQUENCES  # F1: a key with no use
    assert console_key("q") == "q"


def test_the_language_of_windows_is_taken_where_no_variable_names_one() -> None:
    from bpcli.i18n import windows_languages

    russian = 0x0419  # LANGID of ru-RU
    assert locale.windows_locale[russian] == "ru_RU"
    assert windows_languages({}, lambda: russian) == ["ru_RU"]
    assert windows_languages({"LANG": "en_US.UTF-8"}, lambda: russian) is None
    assert windows_languages({}, lambda: None) is None  # not Windows


def test_a_file_another_program_holds_open_is_refused_clearly_and_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses ``os.replace`` over a file another program has open (its
    winerror 32, a sharing violation): one clear message, the file as it was,
    no temporary beside it."""
    from bpcli.system import files

    target = tmp_path / "trained.txt"
    target.write_text("old")

    def held(src: str, dst: str) -> None:
        refused = PermissionError(13, "The process cannot access the file")
        refused.winerror = 32  # type: ignore[attr-defined]
        raise refused

    monkeypatch.setattr(files.os, "replace", held)
    with pytest.raises(files.FileProblem) as said:
        files.write_atomically(str(target), b"new", os.stat(target))
    assert "another program may have it open" in (said.value.hint or "")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["trained.txt"]
