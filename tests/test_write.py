"""run --write and -o: the trained numbers and nothing else change; the file is
replaced whole or not at all, keeps its permissions, and is refused when it
changed on disk meanwhile."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

import bpcli.parser.rewrite
from bpcli.parser import parse

from conftest import invoke, run_json

# A held-out training circuit, written the way people write files: comments,
# blank lines, odd spacing, a flow mapping, CRLF line ends, numbers as typed.
TRAINING = (
    "# hinge loss on one point\r\n"
    "units:   # the parameters first\r\n"
    "  w1:   1      # a weight\r\n"
    "\r\n"
    "  w2: -2.5e0\r\n"
    "  bias: .5\r\n"
    "  x1: 1.2\r\n"
    "  x2: 0.7\r\n"
    "gates:\r\n"
    "  m1: mul(w1, x1) -> a\r\n"
    "  m2: mul(w2, x2) -> b\r\n"
    "  s: add(a, b) -> ab\r\n"
    "  t: add(ab, bias) -> score\r\n"
    "  n: sub(1, score) -> slack\r\n"
    "  h: max(0, slack) -> loss\r\n"
    "frozen: [x1, x2]\r\n"
    "step_size: -0.01   # descend\r\n"
)


@pytest.fixture
def training(tmp_path: Path) -> Path:
    path = tmp_path / "train.txt"
    path.write_bytes(TRAINING.encode())
    path.chmod(0o640)
    return path


def final_values(doc: dict) -> dict[str, float]:
    units = doc["passes"][-1]["units"]
    return {n: u["value"] for n, u in units.items() if u["kind"] == "input"}


def test_write_changes_only_the_trained_numbers(training: Path) -> None:
    before = training.read_bytes()
    trained = final_values(run_json(training, "-n", "300"))
    result = invoke("run", "-q", "-n", "300", "--write", training)
    assert result.exit_code == 0, result.stderr
    after = training.read_bytes()
    old_lines, new_lines = before.split(b"\r\n"), after.split(b"\r\n")
    assert len(old_lines) == len(new_lines)
    changed = [(o, n) for o, n in zip(old_lines, new_lines) if o != n]
    assert [o.split(b":")[0].strip() for o, _ in changed] == [b"w1", b"w2", b"bias"]
    for old, new in changed:
        before_number, _, rest = re.match(rb"(\s*\w+:\s*)(\S+)(.*)", old).groups()
        name = before_number.split(b":")[0].strip().decode()
        number = new[len(before_number) : len(new) - len(rest)]
        assert float(number) == trained[name]
        # around the number, the line is as it was, byte for byte
        assert new == before_number + number + rest
    assert stat.S_IMODE(training.stat().st_mode) == 0o640
    assert sorted(os.listdir(training.parent)) == ["train.txt"]  # no temporary left


def test_the_written_circuit_reloads_to_the_runs_output(training: Path, tmp_path: Path) -> None:
    new = tmp_path / "trained.txt"
    doc = run_json(training, "-n", "40")
    assert invoke("run", "-q", "-n", "40", "-o", new, training).exit_code == 0
    assert training.read_bytes() == TRAINING.encode()  # -o leaves FILE alone
    c = parse(new.read_bytes())
    c.forward()
    assert c.output_value == doc["passes"][-1]["output_value"]
    assert {n: c.units[c.index[n]].value for n in final_values(doc)} == final_values(doc)


def test_a_failure_part_way_leaves_the_original_intact(training: Path, monkeypatch) -> None:
    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    result = invoke("run", "-q", "-n", "5", "--write", training)
    assert result.exit_code == 1
    assert "cannot write" in result.stderr and "No space left" in result.stderr
    assert training.read_bytes() == TRAINING.encode()
    assert sorted(os.listdir(training.parent)) == ["train.txt"]


def test_a_file_changed_on_disk_is_not_overwritten(training: Path, monkeypatch) -> None:
    edited = TRAINING.replace("# descend", "# descend (edited meanwhile)").encode()
    original_rewrite = bpcli.parser.rewrite.rewrite

    def someone_edits_meanwhile(data: bytes, values: dict[str, float]) -> bytes:
        training.write_bytes(edited)
        return original_rewrite(data, values)

    monkeypatch.setattr(bpcli.parser.rewrite, "rewrite", someone_edits_meanwhile)
    result = invoke("run", "-q", "-n", "5", "--write", training)
    assert result.exit_code == 1
    assert "changed on disk" in result.stderr and "nothing written" in result.stderr
    assert training.read_bytes() == edited


def test_ctrl_c_writes_nothing(tmp_path: Path) -> None:
    from test_long_runs import interrupt_once_running

    path = tmp_path / "chain.txt"
    text = "units:\n  u0: 0.5\ngates:\n" + "".join(
        f"  g{i}: mul(u{i}, 1.0000001) -> u{i + 1}\n" for i in range(20000)
    )
    path.write_text(text)
    proc, _ = interrupt_once_running(["run", "-q", "-n", "100000", "--write", str(path)])
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert path.read_text() == text


@pytest.mark.parametrize(
    "args",
    [["--write", "--no-update"], ["--write", "-o", "x.txt"], ["-o", "x.txt", "--no-update"]],
)
def test_write_usage(training: Path, args: list[str]) -> None:
    assert invoke("run", *args, training).exit_code == 2
    assert training.read_bytes() == TRAINING.encode()


def test_write_needs_a_file_not_stdin() -> None:
    assert invoke("run", "--write", "-", input=TRAINING).exit_code == 2


def test_set_values_are_final_values_too(training: Path, tmp_path: Path) -> None:
    new = tmp_path / "set.txt"
    assert invoke("run", "-q", "-n", "2", "--set", "x1=3", "-o", new, training).exit_code == 0
    c = parse(new.read_bytes())
    assert c.units[c.index["x1"]].value == 3.0  # frozen, but set: its final value is 3
