"""The pipe between the watcher and bpcli.

Events go out on a pipe of their own (the script's standard output stays the
script's), each a ``marshal`` record (format 4, which every Python from 3.4
reads: the script's Python and bpcli's may differ) after its length in four
bytes, gathered and written once a step, so a reader of a live trace sees
each step as it comes, whatever the script does next. bpcli's answers come
back as one JSON object a line. Where bpcli
pauses the script (``--step``, a text trace, ``check``), ``ask`` sends and
waits for bpcli's answer.

Only the process that started the watcher speaks: a child the script forks
stays silent (and lets go of the pipes, so bpcli sees their end when the
script ends). If bpcli goes away, the watcher falls silent and the script
runs on, as under ``python``. The functions used here are bound when the
watcher starts, so a script that replaces ``os.write`` or ``json.dumps``
cannot change what bpcli is told.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
from typing import Any

_write = os.write
_read = os.read
_close = os.close
_getpid = os.getpid
_dumps = marshal.dumps
_loads = json.loads
_MARSHAL = 4  # marshal's format: the same in every Python bpcli or a script may run

BLOCK = 1 << 16  # bytes gathered before a write, at most


class Gone(Exception):
    """bpcli is no longer there to listen."""


class Wire:
    def __init__(self, out_fd: int, in_fd: int) -> None:
        self.out_fd, self.in_fd = out_fd, in_fd
        self.pid = _getpid()
        self.pipe = _which(out_fd)  # the file it is: a script that closes it is not written to
        self.parts: list[bytes] = []
        self.size = 0
        self.buffer = b""
        self.open = True
        if hasattr(os, "register_at_fork"):  # POSIX: a forked child lets go, silently (so no
            os.register_at_fork(after_in_child=self._forked)  # pid is asked at each message)

    def send(self, msg: dict[str, Any], now: bool = False) -> None:
        """Gathered with what came before it; written at once with ``now`` (a
        step: a live trace shows it while the script runs on, or sleeps)."""
        if not self.open:
            return
        record = _dumps(msg, _MARSHAL)
        self.parts.append(len(record).to_bytes(4, "little"))
        self.parts.append(record)
        self.size += len(record) + 4
        if now or self.size >= BLOCK:
            self.flush()

    def flush(self) -> None:
        if not self.parts or not self.open:
            return
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        if self.pipe is not None and _which(self.out_fd) != self.pipe:
            self.open = False  # the script closed it (and the number may be its own file now)
            return
        try:
            view = memoryview(data)
            while view:
                view = view[_write(self.out_fd, view) :]
        except OSError:  # bpcli went away: the script runs on, unwatched
            self.open = False

    def ask(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Send, then wait for bpcli's answer (the script is paused meanwhile)."""
        self.send(msg)
        self.flush()
        if not self.open:
            raise Gone
        if self.pipe is not None and _which(self.in_fd) == (-1, -1):
            self.open = False  # the script closed bpcli's answers
            raise Gone
        while b"\n" not in self.buffer:
            try:
                more = _read(self.in_fd, 1 << 16)
            except OSError:
                more = b""
            if not more:
                self.open = False
                raise Gone
            self.buffer += more
        line, _, self.buffer = self.buffer.partition(b"\n")
        answer: dict[str, Any] = _loads(line)
        return answer

    def _forked(self) -> None:
        self.open = False
        for fd in (self.out_fd, self.in_fd):
            with contextlib.suppress(OSError):
                _close(fd)


def _which(fd: int) -> tuple[int, int] | None:
    """The file a descriptor is (its device and inode), where that tells."""
    if os.name == "nt":
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        return (-1, -1)
    return st.st_dev, st.st_ino
