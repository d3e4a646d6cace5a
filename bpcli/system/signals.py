"""Ctrl-C (and Windows' Ctrl-Break) and SIGTERM: each ends bpcli as an exception where it strikes
(``KeyboardInterrupt``, ``Terminated``), so every command can clean up and say
where it stopped; but never in the middle of writing the output.

A write of the output runs ``deferred()``: a signal that comes meanwhile is
held, the write (which the system call resumes, PEP 475) finishes whole, and
the signal is raised after it. So a JSON line, a CSV row or a table is never
left half written in a pipe. A second signal while one is held ends the write
at once: a reader that never reads cannot keep bpcli from stopping.
"""

from __future__ import annotations

import signal
import threading


class Terminated(BaseException):
    """SIGTERM: the process ends as Ctrl-C ends it, cleaning up (exit status 143)."""


class _State:
    depth = 0  # deferred() blocks open
    held: int | None = None  # the signal held until the write is done


def _raise(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


def _on_signal(signum: int, frame: object) -> None:
    if _State.depth and _State.held is None:
        _State.held = signum
        return
    _State.held = None
    _raise(signum)


def install() -> None:
    """Ctrl-C and SIGTERM handled as above (the main thread only, as Python's)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, _on_signal)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_signal)
    ctrl_break = getattr(signal, "SIGBREAK", None)  # Windows: as Ctrl-C (its default: killed)
    if ctrl_break is not None:
        signal.signal(ctrl_break, _on_signal)


class _Deferred:
    """A write of the output, whole: a signal meanwhile is raised after it (a
    class, not a generator: a trace enters it once a line, thousands of times)."""

    def __enter__(self) -> None:
        _State.depth += 1

    def __exit__(self, *exc: object) -> None:
        _State.depth -= 1
        if not _State.depth and _State.held is not None:
            held, _State.held = _State.held, None
            _raise(held)


_DEFERRED = _Deferred()


def deferred() -> _Deferred:
    """A write of the output, whole: a signal meanwhile is raised after it."""
    return _DEFERRED
