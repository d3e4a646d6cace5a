"""One watched run of the script: the pipes to bpcli, the hooks, the script
run in ``__main__``, and its end told to bpcli, whatever way it ends.

The end is the script's own: a normal end, ``sys.exit`` (any code, as
Python handles it), or an exception it did not catch, printed by
``sys.excepthook`` (the script's own, if it set one) without the watcher's
frames, then handled by Python as it would be (status 1; a Ctrl-C ends by
the signal). bpcli's ``q`` ends it with status 0, as ``sys.exit(0)`` would.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from .hooks import Hooks
from .steps import Quit
from .wire import Wire


def _fd(handle: int, write: bool) -> int:
    """The pipe's end as a file descriptor (on Windows bpcli passes a handle)."""
    if os.name != "nt":
        return handle
    import msvcrt

    return msvcrt.open_osfhandle(handle, os.O_WRONLY if write else os.O_RDONLY)  # type: ignore[attr-defined,no-any-return]


def _high(fd: int) -> int:
    """The pipe's end moved far above the numbers a script's own files take, so
    a script that closes a range of them and opens its own does not write into
    bpcli's pipe (nor bpcli into its files: the wire checks which file it is)."""
    if sys.platform == "win32":
        return fd
    import fcntl

    try:
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 767)
    except OSError:
        return fd
    os.close(fd)
    return high


class Watcher:
    def __init__(self, config: dict[str, Any], here: str) -> None:
        self.here = here + os.sep
        out, answers = _fd(config["out"], True), _fd(config["in"], False)
        out, answers = _high(out), _high(answers)
        for fd in (out, answers):  # not for the script's own subprocesses
            os.set_inheritable(fd, False)
        self.fds = (out, answers)
        self.wire = Wire(out, answers)
        self.hooks = Hooks(
            self.wire.send,
            self.wire.ask if config.get("sync") else None,
            config["methods"],
            config["value"],
            config["grad"],
            config.get("iterations"),
        )
        if config.get("check"):
            from .replay import Replays

            self.hooks.replays = Replays(self.hooks)
        self.monitoring = config.get("hook", "auto") == "auto" and hasattr(sys, "monitoring")
        self.wire.send(
            {
                "t": "hello",
                "py": ".".join(map(str, sys.version_info[:3])),
                "exe": sys.executable,
                "pid": os.getpid(),
                "monitoring": self.monitoring,
            }
        )

    def run(self, path: str, namespace: dict[str, Any]) -> None:
        import io

        try:
            with io.open_code(path) as f:
                source = f.read()
            code = compile(source, path, "exec", dont_inherit=True)
        except BaseException as exc:
            self.ended(exc, ran=False)
            raise
        self.hooks.start(self.monitoring)
        try:
            exec(code, namespace)
        except Quit:
            self.ended(None)
            raise SystemExit(0) from None
        except SystemExit as exc:
            self.ended(exc)
            raise
        except BaseException as exc:
            self.ended(exc)
            raise
        self.ended(None)

    def ended(self, exc: BaseException | None, ran: bool = True) -> None:
        """Tell bpcli how the script ended, and let go of the pipes."""
        self.hooks.finish()
        said: dict[str, Any] = {"t": "end", "ran": ran}
        if exc is not None and not isinstance(exc, SystemExit):
            said["raised"] = type(exc).__name__
            if isinstance(exc, ModuleNotFoundError):
                said["module"] = exc.name
            self._without_watcher(exc)
        self.wire.send(said)
        self.wire.flush()
        self.wire.open = False
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _without_watcher(self, exc: BaseException) -> None:
        """The exception's traceback (and its chained ones') as the script made
        it: the watcher's frames left out, and printed by the script's hook."""
        seen: set[int] = set()
        todo: list[BaseException] = [exc]
        while todo:
            e = todo.pop()
            if id(e) in seen:
                continue
            seen.add(id(e))
            e.__traceback__ = self._trimmed(e.__traceback__)
            todo.extend(x for x in (e.__cause__, e.__context__) if x is not None)
        theirs = sys.excepthook
        trimmed = self._trimmed
        paused = self.hooks.interrupted

        def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
            sys.excepthook = theirs
            if value is paused:  # Ctrl-C at a step bpcli paused: bpcli says where, not this
                return
            tb = trimmed(tb)
            if isinstance(value, BaseException):  # what Python prints is the exception's own
                value.__traceback__ = tb
            theirs(kind, value, tb)

        sys.excepthook = hook

    def _trimmed(self, tb: Any) -> Any:
        import types

        kept = []
        while tb is not None:
            if not tb.tb_frame.f_code.co_filename.startswith(self.here):
                kept.append(tb)
            tb = tb.tb_next
        new = None
        for t in reversed(kept):
            new = types.TracebackType(new, t.tb_frame, t.tb_lasti, t.tb_lineno)
        return new
