"""Every file bpcli reads or writes goes through here.

Reading: a circuit file by its path, or standard input for ``-``. Writing:
``write_atomically`` is the one way bpcli writes a file (``--write``, ``-o``,
``graph -o``, ``export -o``, ``--save-svg``, ``--save-html``): a temporary file
in the same folder, flushed and synced, then renamed over the target, so the
target is replaced whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable

from .errors import Failure

STDIN = "<stdin>"  # the name standard input goes by in messages


class FileProblem(Failure):
    """A file could not be read or written (exit status 1)."""


class NoInput(Exception):
    """There is nothing to read: standard input is closed (a usage error)."""


def display_name(path: str) -> str:
    return STDIN if path == "-" else path


def read_input(path: str) -> bytes:
    """The bytes of FILE, or of standard input for ``-``."""
    if path == "-":
        stdin = sys.stdin
        if stdin is None:
            raise NoInput("standard input is closed: give FILE as a path")
        try:
            return stdin.buffer.read()
        except (AttributeError, ValueError, OSError) as exc:
            raise NoInput(f"cannot read standard input: {exc}") from None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise FileProblem(f"cannot read {path}: {exc.strerror or exc}") from None


def write_stdout(data: bytes | str) -> None:
    """Data to standard output, text or bytes, in order with what went before."""
    if isinstance(data, str):
        sys.stdout.write(data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)


def write_output(path: str | None, data: bytes | str) -> None:
    """To ``path`` (atomically), or to standard output for None or ``-``."""
    if path in (None, "-"):
        write_stdout(data)
    else:
        write_atomically(path, data.encode() if isinstance(data, str) else data)


def write_atomically(path: str, data: bytes, check: Callable[[], None] | None = None) -> None:
    """Write a file whole or not at all: a temporary file in the same folder,
    flushed and synced, then renamed over the target. ``check`` has the last
    word before the rename and may refuse by raising."""
    import tempfile

    path = os.path.realpath(path)  # through a symlink to the file it names
    folder = os.path.dirname(path)
    try:
        mode = os.stat(path).st_mode & 0o7777  # an existing file keeps its permissions
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bpcli-", dir=folder)
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check()
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise FileProblem(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def unchanged_on_disk(path: str, data: bytes) -> Callable[[], None]:
    """A ``check`` for write_atomically: refuses if ``path`` no longer holds ``data``."""

    def check() -> None:
        with open(path, "rb") as f:
            if f.read() != data:
                raise FileProblem(f"{path} changed on disk while bpcli ran: nothing written")

    return check
