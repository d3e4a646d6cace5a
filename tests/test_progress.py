"""The progress bar: on a terminal's standard error, with -q too, once a run
has gone on long enough to want one; never into a pipe or a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import NEURON, ROOT, stderr_on_a_pty

BPCLI = str(Path(sys.executable).parent / "bpcli")
LONG = "400000"  # iterations: a second or two, well past the bar's delay


def _run(args: list[str], stderr_tty: bool) -> tuple[str, bytes, int]:
    """Standard output (a pipe), what reached standard error, the status."""
    env = {**os.environ, "COLUMNS": "80"}
    if not stderr_tty:
        proc = subprocess.run([BPCLI, *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        return proc.stdout, proc.stderr.encode(), proc.returncode
    return stderr_on_a_pty([BPCLI, *args], env)


def test_with_q_on_a_terminal_the_bar_is_drawn_and_gone_at_the_end() -> None:
    out, err, status = _run(["run", "-q", "-n", LONG, str(NEURON)], stderr_tty=True)
    assert status == 0
    assert float(out) > 0.99  # the neuron's output after a long run: near 1
    text = err.decode(errors="replace")
    assert f"/{LONG}" in text and "iteration" in text
    assert "\x1b[?25h" in text  # the cursor shown again when it has gone
    assert "s = 0.99" in text  # the output value as the bar shows it
    assert "it/s" in text


def test_never_into_a_pipe() -> None:
    out, err, status = _run(["run", "-q", "-n", LONG, str(NEURON)], stderr_tty=False)
    assert status == 0 and float(out) > 0.99
    assert err == b""


def test_a_short_run_shows_no_bar() -> None:
    _, err, status = _run(["run", "-q", "-n", "50", str(NEURON)], stderr_tty=True)
    assert status == 0 and err == b""
