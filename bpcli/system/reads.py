"""Every file bpcli reads: a circuit file by its path, or standard input for
``-``, never more than a limit (1 GiB unless ``--max-bytes`` says otherwise)."""

from __future__ import annotations

import os
import sys

from ..i18n import N_, _, grouped
from .files import FileProblem

STDIN = "<stdin>"  # the name standard input goes by in messages
MAX_BYTES = 1 << 30  # what bpcli reads at most, by default: 1 GiB
_CHUNK = 1 << 20
_MORE = N_("a circuit file is small; --max-bytes N reads more")
_CANNOT_READ = N_("cannot read {path}: {reason}")


class NoInput(Exception):
    """There is nothing to read: standard input is closed (a usage error)."""


def display_name(path: str) -> str:
    return STDIN if path == "-" else path


def read_input(path: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of FILE, or of standard input for ``-``; refused past ``limit``."""
    if path == "-":
        stdin = sys.stdin
        if stdin is None or getattr(stdin, "buffer", None) is None:
            raise NoInput(_("standard input is closed: give FILE as a path"))
        try:
            return _bounded(stdin.buffer, STDIN, limit)
        except (ValueError, OSError) as exc:
            raise NoInput(_("cannot read standard input: {reason}").format(reason=exc)) from None
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:  # a file says how big it is: nothing needs reading
                raise _too_large(path, limit)
            return _bounded(f, path, limit)
    except OSError as exc:
        raise FileProblem.said(_CANNOT_READ, path=path, reason=exc.strerror or exc) from None


def _bounded(f: object, name: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    read = f.read  # type: ignore[attr-defined]
    while True:
        chunk = read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if b"\0" in chunk:  # no text file holds one: enough to say so (`validate /dev/zero`)
            return b"".join(chunks)
        if size > limit:
            raise _too_large(name, limit)


def _too_large(name: str, limit: int) -> FileProblem:
    msg = N_("{path} is larger than {limit} bytes: not read")
    return FileProblem.said(msg, _MORE, path=name, limit=grouped(limit))
