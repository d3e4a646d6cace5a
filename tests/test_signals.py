"""Ctrl-C and SIGTERM: each says where it stopped, with its own exit status, and
never leaves a line half written, even into a pipe whose reader is slow."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SIGNALS = [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
IDS = ["SIGINT", "SIGTERM"]


def chain(n: int) -> str:
    return "units:\n  u0: 0.5\ngates:\n" + "".join(
        f"  g{i}: mul(u{i}, 1.0001) -> u{i + 1}\n" for i in range(n)
    )


def blocked_in_a_pipe_write(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return "pipe_write" in f.read()
    except OSError:
        return False


def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bpcli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "PYTHONUNBUFFERED"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize(("sig", "status", "word"), SIGNALS, ids=IDS)
def test_a_signal_into_a_full_pipe_leaves_every_line_whole(
    tmp_path: Path, fmt: str, sig: int, status: int, word: str, unbuffered: str
) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(chain(3000))  # a JSON line of some 300 kB: more than a pipe holds
    env = dict(os.environ, PYTHONUNBUFFERED=unbuffered)
    proc = start(["run", "--format", fmt, "-n", "100000", str(circuit)], env)
    end = time.monotonic() + 60
    while not blocked_in_a_pipe_write(proc.pid) and time.monotonic() < end:
        time.sleep(0.02)  # nobody reads: the pipe fills, and bpcli waits mid-line
    assert blocked_in_a_pipe_write(proc.pid), "never filled the pipe"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert out.endswith(b"\n"), out[-80:]
    lines = out.decode().splitlines()
    if fmt == "jsonl":
        assert [json.loads(line)["phase"] for line in lines][:1] == ["forward"]
    else:
        width = lines[0].count(",")
        assert all(line.count(",") == width for line in lines), "a row cut short"
    assert re.search(rf"bpcli: {word} after (forward|backward|update) pass \d+", err.decode())


@pytest.mark.parametrize(("sig", "status", "word"), SIGNALS, ids=IDS)
def test_a_signal_during_a_run_says_after_which_pass(
    tmp_path: Path, sig: int, status: int, word: str
) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(chain(50))
    proc = start(["run", "--format", "jsonl", "-n", "1000000", str(circuit)])
    assert proc.stdout is not None
    proc.stdout.readline()  # the passes are under way
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status
    text = err.decode()
    assert re.fullmatch(
        rf"bpcli: {word} after (forward|backward|update) pass \d+: u50 = [-+.e\d]+\n", text
    ), text


@pytest.mark.parametrize(("sig", "status", "word"), SIGNALS, ids=IDS)
def test_a_signal_during_a_trace_says_after_which_step(
    tmp_path: Path, sig: int, status: int, word: str
) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(chain(5))
    proc = start(["trace", "-n", "1000000", str(circuit)])
    assert proc.stdout is not None
    proc.stdout.read(5000)  # steps are being written
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status
    text = err.decode()
    found = re.fullmatch(rf"bpcli: {word} after step (\d+)/(\d+): .+\n", text)
    assert found, text
    assert 1 <= int(found[1]) < int(found[2])
