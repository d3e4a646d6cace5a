"""Long runs and big circuits: --every, --max-rows/--all, --unit, the progress
bar on a terminal only, and Ctrl-C ending with a summary and status 130."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

from conftest import NEURON, ROOT, invoke

HINGE = ROOT / "circuits" / "hinge.txt"


def titles(out: str) -> list[str]:
    return re.findall(r"^((?:forward|backward|update) \d+)", out, flags=re.M)


def test_every_k_shows_every_kth_iteration_and_the_first_and_last() -> None:
    out = invoke("run", "-n", "25", "--every", "10", HINGE).stdout
    assert titles(out) == [
        "forward 0", "backward 0", "update 0", "forward 10", "backward 10", "update 10",
        "forward 20", "backward 20", "update 20", "forward 25",
    ]  # fmt: skip
    assert "after 25 updates" in out


def chain(n: int) -> str:
    return "units:\n  u0: 0.5\ngates:\n" + "".join(
        f"  g{i}: mul(u{i}, 1.001) -> u{i + 1}\n" for i in range(n)
    )


def test_a_big_table_shows_its_first_and_last_rows_and_a_count(write_circuit) -> None:
    path = write_circuit(chain(5000))
    out = invoke("run", "--no-update", path).stdout
    assert len(out.splitlines()) < 250  # two tables of 40 rows, two lines where shared
    # 10,001 units (u0, 5,000 literals and 5,000 outputs): 40 rows and one gap
    assert "9,961 more units (--all shows every one)" in out
    assert re.search(r"^ u0 ", out, flags=re.M) and re.search(r"^ u5000 ", out, flags=re.M)
    few = invoke("run", "--no-update", "--max-rows", "6", path).stdout
    assert "9,995 more units" in few
    small = write_circuit(chain(30), "small.txt")  # 61 units: rich draws big tables slowly
    everything = invoke("run", "--no-update", "--all", small).stdout
    assert re.search(r"^ u15 ", everything, flags=re.M) and "more units" not in everything


def test_unit_follows_chosen_units() -> None:
    out = invoke("run", "--unit", "s", "--unit", "a", NEURON).stdout
    rows = re.findall(r"^ (\w+) +(?:input|gate)", out, flags=re.M)
    assert set(rows) == {"s", "a"} and len(rows) == 8
    assert invoke("run", "--unit", "nosuch", NEURON).exit_code == 2


def slow_circuit(write_circuit) -> str:
    return str(write_circuit(chain(20000)))


def interrupt_once_running(args: list[str]) -> tuple[subprocess.Popen, str]:
    """Start `bpcli ARGS` with its standard error on a terminal, wait until its
    progress bar shows an iteration done (the run is under way), press Ctrl-C;
    the process and what it wrote to the terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpcli", *args],
        stdout=subprocess.PIPE, stderr=slave, text=True, env=dict(os.environ, COLUMNS="100"),
    )  # fmt: skip
    os.close(slave)
    seen = read_terminal(master, proc, until=r"\d it/s")  # the bar has its first rate
    proc.send_signal(signal.SIGINT)
    seen += read_terminal(master, proc)
    os.close(master)
    return proc, seen


def read_terminal(master: int, proc: subprocess.Popen, until: str | None = None) -> str:
    seen = b""
    end = time.monotonic() + 120
    while time.monotonic() < end and (until is None or not re.search(until.encode(), seen)):
        if select.select([master], [], [], 0.1)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif until is None and proc.poll() is not None:
            break
    return seen.decode("utf-8", "replace")


def test_ctrl_c_stops_after_the_pass_with_a_summary(write_circuit) -> None:
    proc, err = interrupt_once_running(["run", "-q", "-n", "100000", slow_circuit(write_circuit)])
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert out == ""  # nothing written
    err = err.rsplit("\x1b[2K", 1)[-1].lstrip("\r\n")  # after the bar is cleared
    assert re.match(r"bpcli: interrupted after (forward|backward|update) pass \d+: u20000 = ", err)
    assert "Traceback" not in err


def peak_rss_kb(args: list[str]) -> int:
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "bpcli", *args], stdout=sink)
        _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return usage.ru_maxrss


def test_jsonl_memory_does_not_grow_with_iterations(write_circuit) -> None:
    path = str(write_circuit(chain(50)))
    short = peak_rss_kb(["run", "--format", "jsonl", "-n", "30", path])
    long = peak_rss_kb(["run", "--format", "jsonl", "-n", "300", path])
    assert long < short * 1.1, (short, long)  # ten times the passes, the same memory
