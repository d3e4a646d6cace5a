"""Nothing a user owns is ever damaged (issue 11, items 1-5): every way bpcli
writes a file, against FIFOs, devices, standard output, read-only and foreign
files, hard links, the circuit file itself, folders, and signals mid-write."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bpcli.parser import parse

from conftest import NEURON, invoke

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown, mknod)")
CIRCUIT = "units:\n  a: 1.0\n  b: -2.0\ngates:\n  g: mul(a, b) -> p\n  h: sigmoid(p) -> s\n"


def bpcli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bpcli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".bpcli-"))


# -- 1. only regular files are replaced ------------------------------------------------


def test_a_fifo_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = invoke("export", NEURON, "-o", fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO
    assert b"class MultGate" in got[0]
    assert leftovers(tmp_path) == []


@ROOT_ONLY
def test_a_character_device_is_written_into_not_replaced(tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    for args in (
        ["export", NEURON, "-o", null],
        ["graph", NEURON, "-o", null],
        ["run", NEURON, "--save-html", null],
    ):
        result = invoke(*args)
        assert result.exit_code == 0, result.stderr
        assert stat.S_ISCHR(null.stat().st_mode), args
    assert leftovers(tmp_path) == []


def test_dev_stdout_into_a_file_is_that_file(tmp_path: Path) -> None:
    out = tmp_path / "out.py"
    with out.open("wb") as f:
        inode = os.fstat(f.fileno()).st_ino
        proc = subprocess.run(
            [sys.executable, "-m", "bpcli", "export", str(NEURON), "-o", "/dev/stdout"],
            stdout=f,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_ino == inode  # the same file: nothing renamed over it
    assert "class MultGate" in out.read_text()


def test_dash_is_standard_output() -> None:
    result = invoke("export", NEURON, "-o", "-")
    assert result.exit_code == 0 and "class MultGate" in result.stdout


# -- 2. permissions, owner, links; nothing rewritten when nothing changed ---------------


def test_a_read_only_target_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "x.py"
    target.write_text("mine\n")
    target.chmod(0o444)
    for args in (["export", NEURON, "-o", target], ["run", NEURON, "--save-svg", target]):
        result = invoke(*args)
        assert result.exit_code == 1
        assert f"{target} is read-only" in result.stderr
    assert target.read_text() == "mine\n" and stat.S_IMODE(target.stat().st_mode) == 0o444
    circuit = tmp_path / "c.txt"
    circuit.write_text(CIRCUIT)
    circuit.chmod(0o444)
    result = invoke("run", "-q", "--write", circuit)
    assert result.exit_code == 1 and "is read-only" in result.stderr
    assert circuit.read_text() == CIRCUIT


@ROOT_ONLY
def test_write_keeps_a_foreign_owner_group_and_mode(tmp_path: Path) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(CIRCUIT)
    os.chown(circuit, 12345, 23456)
    circuit.chmod(0o640)
    result = invoke("run", "-q", "--write", circuit)
    assert result.exit_code == 0, result.stderr
    st = circuit.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o640)
    assert circuit.read_text() != CIRCUIT  # trained
    other = tmp_path / "other.py"
    other.write_text("old\n")
    os.chown(other, 12345, 23456)
    other.chmod(0o604)
    assert invoke("export", NEURON, "-o", other).exit_code == 0
    st = other.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o604)


def test_a_hard_linked_file_stays_one_file(tmp_path: Path) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(CIRCUIT)
    twin = tmp_path / "twin.txt"
    os.link(circuit, twin)
    inode = circuit.stat().st_ino
    result = invoke("run", "-q", "--write", circuit)
    assert result.exit_code == 0, result.stderr
    assert circuit.stat().st_ino == twin.stat().st_ino == inode
    assert twin.read_text() == circuit.read_text() != CIRCUIT
    assert leftovers(tmp_path) == []


def test_nothing_is_rewritten_when_nothing_changed(tmp_path: Path) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(CIRCUIT)
    before = circuit.stat()
    time.sleep(0.01)
    result = invoke("run", "-q", "-n", "0", "--write", circuit)
    assert result.exit_code == 0
    assert "no value changed" in result.stderr
    after = circuit.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# -- 3. verify before replace -------------------------------------------------------------

ROUND_TRIPS = {
    "two BOMs": b"\xef\xbb\xbf\xef\xbb\xbf" + CIRCUIT.encode(),
    "a zero-width space in a comment": CIRCUIT.replace(
        "gates:", "# a \u200b here\ngates:"
    ).encode(),
    "CRLF": CIRCUIT.replace("\n", "\r\n").encode(),
    "CR only": CIRCUIT.replace("\n", "\r").encode(),
    "mixed line ends": CIRCUIT.replace("\n", "\r\n", 2).replace("\n", "\r", 2).encode(),
    "tabs in comments": CIRCUIT.replace("a: 1.0", "a: 1.0\t# \tthe weight\t").encode(),
    "+1": CIRCUIT.replace("a: 1.0", "a: +1").encode(),
    "1.": CIRCUIT.replace("a: 1.0", "a: 1.").encode(),
    ".5": CIRCUIT.replace("a: 1.0", "a: .5").encode(),
    "1E3": CIRCUIT.replace("a: 1.0", "a: 1E3").replace("b: -2.0", "b: -2e-3").encode(),
    "0x-like text": b"description: 0x10 and 0xff\n" + CIRCUIT.encode(),
}


@pytest.mark.parametrize("data", ROUND_TRIPS.values(), ids=ROUND_TRIPS)
def test_written_files_round_trip_to_the_trained_values(tmp_path: Path, data: bytes) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_bytes(data)
    doc = invoke("run", "--format", "json", "-n", "3", circuit)
    assert doc.exit_code == 0, doc.stderr
    import json

    final = json.loads(doc.stdout)["passes"][-1]["units"]
    result = invoke("run", "-q", "-n", "3", "--write", circuit)
    assert result.exit_code == 0, result.stderr
    c = parse(circuit.read_bytes())
    for name in ("a", "b"):
        assert c.units[c.index[name]].value == final[name]["value"], name
    new = circuit.read_bytes()
    assert len(new.splitlines()) == len(data.splitlines())  # nothing else moved
    assert new.startswith(data[: data.index(b"units")])  # BOMs and comments as they were


def test_a_rewrite_that_would_not_give_the_values_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bpcli.parser.rewrite

    circuit = tmp_path / "c.txt"
    circuit.write_text(CIRCUIT)
    real = bpcli.parser.rewrite.rewrite
    monkeypatch.setattr(
        bpcli.parser.rewrite, "rewrite", lambda d, v: real(d, v).replace(b"b:", b"b:9")
    )
    result = invoke("run", "-q", "--write", circuit)
    assert result.exit_code == 1
    assert "nothing written" in result.stderr
    assert circuit.read_text() == CIRCUIT and leftovers(tmp_path) == []


# -- 4. never overwrite the circuit that was read; odd -o paths -------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["run", "{c}", "--save-html", "{c}"],
        ["run", "{c}", "--save-svg", "{c}"],
        ["graph", "{c}", "-o", "{c}"],
        ["export", "{c}", "-o", "{c}"],
        ["run", "-q", "{c}", "-o", "{c}"],
        ["trace", "{c}", "--save-html", "{link}"],
    ],
)
def test_an_output_is_never_the_circuit_file(tmp_path: Path, args: list[str]) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(CIRCUIT)
    (tmp_path / "link.txt").symlink_to(circuit)
    result = invoke(*(a.format(c=circuit, link=tmp_path / "link.txt") for a in args))
    assert result.exit_code == 1
    assert "is the circuit file bpcli read" in result.stderr
    assert circuit.read_text() == CIRCUIT


def test_odd_output_paths_are_usage_errors(tmp_path: Path) -> None:
    assert invoke("export", NEURON, "-o", "").exit_code == 2
    result = invoke("export", NEURON, "-o", str(tmp_path / "newdir") + "/")
    assert result.exit_code == 2 and "newdir/" in result.stderr and "folder" in result.stderr
    result = invoke("graph", NEURON, "-o", tmp_path)
    assert result.exit_code == 2 and str(tmp_path) in result.stderr
    result = invoke("export", NEURON, "-o", tmp_path / "no" / "such" / "x.py")
    assert result.exit_code == 1 and "does not exist" in result.stderr


# -- 5. interrupted writes leave nothing behind -------------------------------------------

SLOW_FSYNC = """
import os, time
_fsync = os.fsync
def fsync(fd):
    open(os.environ["BPCLI_TEST_MARK"], "w").close()
    time.sleep(30)
    _fsync(fd)
os.fsync = fsync
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_write_removes_the_temporary(tmp_path: Path, sig: int) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SLOW_FSYNC)  # every fsync waits: we strike then
    work = tmp_path / "work"
    work.mkdir()
    circuit = work / "c.txt"
    circuit.write_text(CIRCUIT)
    mark = tmp_path / "in-fsync"
    env = dict(os.environ, PYTHONPATH=str(hook), BPCLI_TEST_MARK=str(mark))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpcli", "run", "-q", "--write", str(circuit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    end = time.monotonic() + 60
    while not mark.exists() and time.monotonic() < end:
        time.sleep(0.02)
    assert mark.exists(), "never reached the write"
    assert leftovers(work)  # the temporary is there, mid-write
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (143 if sig == signal.SIGTERM else 130), err
    assert leftovers(work) == []
    assert circuit.read_text() == CIRCUIT
    assert "Traceback" not in err


def chain(n: int) -> str:
    return "units:\n  u0: 0.5\ngates:\n" + "".join(
        f"  g{i}: mul(u{i}, 1.0001) -> u{i + 1}\n" for i in range(n)
    )


@pytest.mark.parametrize("fmt", ["table", "jsonl"])
def test_ctrl_c_while_output_is_written_prints_the_summary(tmp_path: Path, fmt: str) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(chain(60))
    every_row = ["--all"] if fmt == "table" else []
    command = ["run", "--format", fmt, *every_row, "-n", "100000", str(circuit)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpcli", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.read(20000)  # it is writing
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    text = err.decode()
    assert re.search(r"bpcli: interrupted after (forward|backward|update) pass \d+: u60 = ", text)
    assert "Traceback" not in text


# -- found in review: links, owners, standard input, early refusals, one file twice ----------


def test_a_dangling_symbolic_link_is_not_written_through(tmp_path: Path) -> None:
    link = tmp_path / "out.dot"
    link.symlink_to(tmp_path / "private" / "planted.dot")
    result = invoke("graph", NEURON, "-o", link)
    assert result.exit_code == 1 and "dangling symbolic link" in result.stderr
    assert not (tmp_path / "private").exists()


@ROOT_ONLY
def test_another_users_link_in_a_shared_folder_is_not_followed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n")
    link = shared / "o.dot"
    link.symlink_to(victim)
    os.lchown(link, 12345, 12345)
    result = invoke("graph", NEURON, "-o", link)
    assert result.exit_code == 1 and "another user's symbolic link" in result.stderr
    assert victim.read_text() == "mine\n"


@ROOT_ONLY
def test_set_id_bits_go_when_the_owner_cannot_be_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "tool.py"
    target.write_text("old\n")
    os.chown(target, 12345, 12345)
    target.chmod(0o6755)

    def refused(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refused)  # as a user who may not give files away
    assert invoke("export", NEURON, "-o", target).exit_code == 0
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode & (stat.S_ISUID | stat.S_ISGID) == 0 and mode & 0o777 == 0o755


def test_the_circuit_read_from_standard_input_is_not_overwritten(tmp_path: Path) -> None:
    circuit = tmp_path / "in.txt"
    circuit.write_text(CIRCUIT)
    with circuit.open() as stdin:
        proc = subprocess.run(
            [sys.executable, "-m", "bpcli", "export", "-", "-o", str(circuit)],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1 and "is the circuit file bpcli read" in proc.stderr
    assert circuit.read_text() == CIRCUIT


def test_a_read_only_target_is_refused_before_the_run(tmp_path: Path) -> None:
    circuit = tmp_path / "c.txt"
    circuit.write_text(CIRCUIT)
    circuit.chmod(0o444)
    result = invoke("run", "-q", "-n", "1000000", "--write", circuit)  # would take minutes
    assert result.exit_code == 1 and "is read-only" in result.stderr
    assert result.stdout == ""  # refused before anything ran


def test_two_outputs_may_not_name_one_file(tmp_path: Path) -> None:
    same = tmp_path / "same.txt"
    result = invoke("run", NEURON, "-o", same, "--save-svg", same)
    assert result.exit_code == 2 and "name one file" in result.stderr
    assert not same.exists()


def test_another_users_file_is_written_in_place_and_stays_theirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a user who may write the file but not give a new one its owner: the
    # file is written into (one inode), never replaced by a file of this user's.
    circuit = tmp_path / "c.txt"
    circuit.write_text(CIRCUIT)
    circuit.chmod(0o666)
    before = circuit.stat()
    monkeypatch.setattr(os, "geteuid", lambda: before.st_uid + 1)
    result = invoke("run", "-q", "--write", circuit)
    assert result.exit_code == 0, result.stderr
    after = circuit.stat()
    assert after.st_ino == before.st_ino and after.st_uid == before.st_uid
    assert parse(circuit.read_bytes()).units[0].value != 1.0  # trained
    assert [p.name for p in tmp_path.iterdir()] == ["c.txt"]  # no temporary left
