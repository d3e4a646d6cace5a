from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

# The tests read bpcli's English: whatever language the machine running them
# speaks (tests of the other languages ask for theirs, by --lang or in env=).
for _variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
    os.environ.pop(_variable, None)
os.environ["LANG"] = "C.UTF-8"

from bpcli.cli.main import cli  # noqa: E402  (after the language is set)

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = sorted((ROOT / "circuits").glob("*.txt"))
NEURON = ROOT / "circuits" / "neuron.txt"


def program(name: str, package: str) -> str:
    """The path of a program a test needs. Where it is missing: outside CI the
    test is skipped, saying what to install; in CI (``CI`` set) it fails, for
    ``.ci/run`` installs it."""
    import shutil

    path = shutil.which(name)
    if path:
        return path
    why = f"no `{name}` on PATH (Debian: apt-get install {package})"
    if os.environ.get("CI"):
        pytest.fail(f"{why}: in CI it must be there")
    raise pytest.skip.Exception(why)


def invoke(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def run_json(*args: str, input: str | bytes | None = None) -> dict[str, Any]:
    result = invoke("run", "--format", "json", *args, input=input)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def write_circuit(tmp_path: Path):
    def write(text: str, name: str = "c.txt") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


def stderr_on_a_pty(args: list[str], env: dict[str, str], input: bytes | None = None,
                    cwd: Path = ROOT, columns: int = 0) -> tuple[str, bytes, int]:  # fmt: skip
    """Run ``args`` with standard error a pseudo-terminal (read as fast as it is
    written) and standard output a pipe: (stdout, what reached the terminal,
    status)."""
    import os
    import pty
    import subprocess
    import threading

    master, slave = pty.openpty()
    if columns:  # the terminal's size, as a terminal window sets it
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    got = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            got.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run(args, cwd=cwd, env=env, input=input, stdout=subprocess.PIPE,
                          stderr=slave, timeout=120)  # fmt: skip
    os.close(slave)
    reader.join(5)
    os.close(master)
    return proc.stdout.decode(), bytes(got), proc.returncode
