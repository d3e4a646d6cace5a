"""Every view fits the terminal: each line of every view of every shipped
circuit at 60, 80 and 120 columns is at most that wide, and no word, number
or id is broken across lines (every word of a narrow view is a word of the
same view drawn wide, or one of the short headers a narrow table uses)."""

from __future__ import annotations

import re

import pytest

from bpcli.core.mistakes import MISTAKES
from bpcli.render.layout import width
from bpcli.render.run_tables import REUSED_LEGEND

from conftest import CIRCUITS, NEURON, ROOT, invoke

WIDTHS = (60, 80, 120)
WIDE = 1000
ID = re.compile(r"0x[0-9a-f]+")
ERROR = re.compile(r"\S+:\d+(?::\d+)?: (?:error|warning): ")
NUMBER = re.compile(r"[-+]?\d+\.\d+(?:e[-+]\d+)?")


def view(args: list[str], columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    if "--help" in args:  # click's test runner draws help 80 wide: run it for real
        return _process(args, columns)
    result = invoke(*args)
    assert result.exit_code in (0, 1), result.stderr  # check's verdict may be 1
    return result.stdout


def _process(args: list[str], columns: int) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    bpcli = str(Path(sys.executable).parent / "bpcli")
    env = {**os.environ, "COLUMNS": str(columns)}
    proc = subprocess.run([bpcli, *args], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# A learner's own circuit: long names, a Unit in many slots, a long path.
LONG = next((ROOT / "tests" / "fit").rglob("*.txt"))


def views() -> list[list[str]]:
    found = []
    for c in (*CIRCUITS, LONG):
        found += [["run", str(c)], ["trace", "-n", "1", str(c)], ["check", str(c)]]
    found += [["run", "--mistake", m, str(NEURON)] for m in MISTAKES]
    found += [["run", "--mistake", "no-zero-grad", str(LONG)]]
    found += [["trace", "--no-update", "--mistake", m, str(NEURON)] for m in MISTAKES]
    found += [["trace", "examples/neuron_gates.py"], ["check", "examples/neuron_slip.py"]]
    found += [[cmd, "--help"] for cmd in ("run", "trace", "check", "graph", "export",
                                          "expand", "validate", "gates", "mistakes")]  # fmt: skip
    found += [["--help"], ["gates"], ["mistakes"], ["expand", "circuits/two_layer_expr.txt"]]
    return found


def _short_headers() -> set[str]:
    from bpcli.render import check_table, mistake_table, run_tables, trace_text

    tables = (check_table.COLUMNS, mistake_table.COLUMNS, run_tables.COLUMNS,
              trace_text.SLOT_COLUMNS)  # fmt: skip
    return {w for cols in tables for c in cols for w in (c.short or "").split()}


# Words any view may have at one width and not another: the short headers of a
# narrow table, and the legend of a reused address (Python reuses one or not).
ALLOWED = _short_headers() | set(REUSED_LEGEND.split()) | {"\\"}  # an example's line, continued


def _words(text: str) -> set[str]:
    """The words, ids masked (each run makes new objects), rules left out."""
    # (a header moved under its row is its label there: "decided by:", "x =")
    # (a path too long for a line breaks after a slash: its folders are its words)
    words = (p for w in text.split() for p in w.split("/"))
    return {ID.sub("0x", w).rstrip(":") for w in words if w.strip("-─=:")}


@pytest.mark.parametrize("args", views(), ids=" ".join)
def test_every_view_fits_and_breaks_no_word(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = _words(view(args, WIDE, monkeypatch)) | ALLOWED
    for columns in WIDTHS:
        text = view(args, columns, monkeypatch)
        for n, line in enumerate(text.splitlines(), 1):
            if ERROR.match(line):  # one line into a pipe: tools read it so
                continue
            assert width(line) <= columns, f"{columns} columns, line {n}: {line!r}"
        broken = _words(text) - wide
        assert not broken, f"{columns} columns: broken or new words {sorted(broken)[:8]}"
        # Numbers stay whole and copy-pasteable: the same ones, as many times.
        assert sorted(NUMBER.findall(text)) == sorted(NUMBER.findall(
            view(args, WIDE, monkeypatch)))  # fmt: skip


def test_a_message_on_a_terminal_is_wrapped_at_its_width() -> None:
    """On a terminal (a pseudo-terminal 40 columns wide) an error wraps at
    spaces, continued 4 spaces in."""
    import os
    import sys
    from pathlib import Path

    from conftest import stderr_on_a_pty

    bpcli = str(Path(sys.executable).parent / "bpcli")
    circuit = b"units:\n  a: 1\ngates:\n  g: mul(a, nosuchunitwithalongname) -> p\noutput: p\n"
    env = {**os.environ, "COLUMNS": "40"}
    _, got, status = stderr_on_a_pty([bpcli, "validate", "-"], env, input=circuit)
    lines = got.decode().replace("\r\n", "\n").strip("\n").split("\n")
    assert status == 1
    assert lines[0].startswith("<stdin>:4:")
    assert all(width(x) <= 40 for x in lines)
    hint = next(k for k, x in enumerate(lines) if x.startswith("hint: "))
    assert hint > 1 and all(x.startswith("    ") for x in lines[1:hint])  # continued
    assert "nosuchunitwithalongname" in " ".join(lines)


def test_the_fast_width_agrees_with_measuring_each_character() -> None:
    """Cyrillic (and the other blocks measured by their length) takes the cells
    each character takes: one, never a combining mark's none or a wide one's two."""
    import unicodedata

    from bpcli.render.layout import _wide

    for code in range(0x20, 0x2400):
        ch = chr(code)
        if unicodedata.category(ch) in ("Cs", "Cn"):  # surrogates, unassigned
            continue
        assert width("ж" + ch) == _wide("ж" + ch), hex(code)
    assert width("вес_a") == 5 and width("変数") == 4 and width("e\u0301") == 1


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.parametrize("command", [["run"], ["trace", "-n", "1"], ["check"]], ids=" ".join)
def test_a_learners_circuit_fits_a_real_terminal(
    command: list[str], columns: int, lang: str
) -> None:
    """In a pseudo-terminal of that width (colour on, as a person sees it), no
    line of the long-named circuit passes the edge."""
    import os
    import sys
    from pathlib import Path

    import pexpect

    bpcli = str(Path(sys.executable).parent / "bpcli")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(bpcli, ["--lang", lang, *command, str(LONG)], env=env,
                          dimensions=(50, columns), encoding="utf-8", timeout=60)  # fmt: skip
    said = child.read()
    child.close()
    assert child.exitstatus in (0, 1), said
    plain = re.sub(r"\x1b\[[0-9;]*m", "", said)
    assert "\x1b" not in plain
    lines = plain.replace("\r\n", "\n").split("\n")
    assert len(lines) > 10 and all(width(line) <= columns for line in lines), [
        line for line in lines if width(line) > columns
    ]
