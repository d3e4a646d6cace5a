"""The learner's script in its own interpreter, with the watcher beside it.

The interpreter is the one the learner would run the script with: the
``python3`` on ``PATH`` (``python`` on Windows), or ``--python PATH``;
bpcli's own only when none is found. It is started as ``python boot.py
CONFIG SCRIPT ARGS…`` with two pipes of its own: events come in on one,
bpcli's answers go out on the other. Its standard input, output and error
are bpcli's (its output goes to bpcli's standard error when bpcli's own
output is JSON), so its prints, its ``input()`` and its terminal are its own.

The script's exit status is bpcli's: a script ended by a signal gives the
shell's 128 + N (130 for Ctrl-C, 143 for SIGTERM). Ctrl-C reaches the
script as it would under python (the terminal sends it to both); SIGTERM,
SIGHUP and SIGQUIT sent to bpcli alone are passed on.
"""

from __future__ import annotations

import contextlib
import io
import json
import marshal
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from ..core.errors import UsageProblem
from ..i18n import _, environ_as_given

BOOT = Path(__file__).resolve().parent / "watch" / "boot.py"
WINDOWS = os.name == "nt"


class Interpreter(NamedTuple):
    path: str
    chosen: str  # how: "--python", "PATH", or "bpcli" (none found)


def find_python(given: str | None) -> Interpreter:
    """--python PATH, else the first python3 (Windows: python) on PATH that is
    a real interpreter, else bpcli's own."""
    if given:
        found = shutil.which(given) or (given if os.path.isfile(given) else None)
        if found is None:
            raise UsageProblem(_("--python {path}: no such interpreter").format(path=given))
        return Interpreter(found, "--python")
    for name in ("python", "python3") if WINDOWS else ("python3",):
        found = shutil.which(name)
        if found and not (WINDOWS and "WindowsApps" in found):  # the Store's stub opens the Store
            return Interpreter(found, "PATH")
    return Interpreter(sys.executable, "bpcli")


class Child:
    """The running script: its events, bpcli's answers, its end."""

    def __init__(
        self,
        python: str,
        script: str,
        argv: list[str],
        config: dict[str, Any],
        output_to_stderr: bool,
    ) -> None:
        events_r, events_w = _pipe()
        answers_r, answers_w = _pipe()
        ends = (events_w, answers_r)
        kwargs: dict[str, Any] = {}
        if WINDOWS:
            import msvcrt

            handles = [msvcrt.get_osfhandle(fd) for fd in ends]  # type: ignore[attr-defined]
            for h in handles:
                os.set_handle_inheritable(h, True)  # type: ignore[attr-defined]
            info = subprocess.STARTUPINFO()  # type: ignore[attr-defined]
            info.lpAttributeList = {"handle_list": handles}
            kwargs["startupinfo"] = info
            config = {**config, "out": handles[0], "in": handles[1]}
        else:
            kwargs["pass_fds"] = ends
            config = {**config, "out": events_w, "in": answers_r}
        streams = (sys.stderr if output_to_stderr else sys.stdout, sys.stderr)
        places = [_place(s) for s in streams]
        command = [python, str(BOOT), json.dumps(config), script, *argv]
        try:
            self.process = subprocess.Popen(
                command,
                stdout=places[0],
                stderr=places[1],
                close_fds=True,
                env=environ_as_given(),
                **kwargs,
            )
        except OSError as exc:
            for fd in (*ends, events_r, answers_w):
                os.close(fd)
            raise UsageProblem(
                _("--python {path}: cannot run it: {reason}").format(
                    path=python, reason=exc.strerror or exc
                )
            ) from None
        for fd in ends:
            os.close(fd)
        self.copies = [  # a stream with no file under it (a test's, a notebook's): copied
            _copy(pipe, stream)
            for pipe, stream in (
                (self.process.stdout, streams[0]),
                (self.process.stderr, streams[1]),
            )
            if pipe is not None
        ]
        self.events = os.fdopen(events_r, "rb", buffering=1 << 16)
        self.answers = answers_w

    def messages(self, idle: Callable[[], None] = lambda: None) -> Iterator[dict[str, Any]]:
        """The watcher's events, as they come, until the script lets go: each a
        marshal record (format 4) after its length in four bytes. ``idle`` runs
        each time bpcli has taken all that came and is about to wait for more."""
        fd, loads = self.events.fileno(), marshal.loads
        data, at = b"", 0
        while True:
            while len(data) - at >= 4:
                size = int.from_bytes(data[at : at + 4], "little")
                if len(data) - at - 4 < size:
                    break
                at += 4 + size
                yield loads(data[at - size : at])
            idle()
            try:
                more = os.read(fd, 1 << 17)
            except OSError:
                return
            if not more:
                return
            data, at = data[at:] + more, 0

    def answer(self, message: dict[str, Any]) -> None:
        """Tell the paused script what to do (it waits for this)."""
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        try:
            while data:
                data = data[os.write(self.answers, data) :]
        except OSError:  # the script is gone already: nothing to tell
            pass

    def wait(self) -> int:
        """The script's exit status, as a shell reports it."""
        self.let_go()
        code = self.process.wait()
        for copying in self.copies:
            copying.join()
        return 128 - code if code < 0 else code

    def let_go(self) -> None:
        """Stop listening: a paused script hears the end of its answers and runs
        on, unwatched (its events have nowhere to go)."""
        for close in (lambda: os.close(self.answers), self.events.close):
            with contextlib.suppress(OSError, ValueError):
                close()

    def pass_on(self, sig: signal.Signals) -> None:
        """A signal bpcli got that the script did not (not from the terminal)."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.send_signal(sig)


class Attached(Child):
    """A watcher already running in another interpreter (a notebook's kernel,
    ``bpcli.notebook``), which handed bpcli its two pipes in ``BPCLI_ATTACH``
    (``EVENTS,ANSWERS``): bpcli's first answer is the watcher's settings; the
    script's end is the watcher's, its status the kernel's business (0)."""

    def __init__(self, attach: str, config: dict[str, Any]) -> None:
        events, answers = (int(fd) for fd in attach.split(","))
        if sys.platform == "win32":  # handles, as the kernel handed them
            import msvcrt

            events = msvcrt.open_osfhandle(events, os.O_RDONLY)
            answers = msvcrt.open_osfhandle(answers, os.O_WRONLY)
        self.events = os.fdopen(events, "rb", buffering=1 << 16)
        self.answers = answers
        self.copies = []
        self.answer(config)

    def wait(self) -> int:
        self.let_go()
        return 0

    def pass_on(self, sig: signal.Signals) -> None:
        return None  # the kernel is not bpcli's to signal


def start(
    python: str, script: str, argv: list[str], config: dict[str, Any], output_to_stderr: bool
) -> Child:
    """The script started, watched; or, from a notebook, the watcher joined."""
    attach = os.environ.get("BPCLI_ATTACH")
    if attach:
        return Attached(attach, config)
    return Child(python, script, argv, config, output_to_stderr)


def _pipe() -> tuple[int, int]:
    """A pipe whose ends are none of the standard streams' numbers (0-2), even
    where bpcli was started with one of those closed: the script's own output
    must never go into bpcli's events."""
    ends = os.pipe()
    if sys.platform == "win32" or min(ends) > 2:  # Windows: no fcntl, and no need
        return ends
    import fcntl

    high = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3) for fd in ends)
    for fd in ends:
        os.close(fd)
    return high[0], high[1]


def _place(stream: Any) -> Any:
    """Where the script's stream goes: bpcli's own file, or a pipe to copy from
    when bpcli's stream has no file under it (None: closed, as bpcli's is)."""
    if stream is None:
        return subprocess.DEVNULL
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return subprocess.PIPE
    with contextlib.suppress(OSError, ValueError, AttributeError):
        stream.flush()  # what bpcli wrote comes before what the script writes
    return fd


def _copy(pipe: IO[bytes], stream: Any) -> threading.Thread:
    def copy() -> None:
        for chunk in iter(lambda: pipe.read1(1 << 16), b""):  # type: ignore[attr-defined]
            with contextlib.suppress(Exception):
                stream.write(chunk.decode(getattr(stream, "encoding", None) or "utf-8", "replace"))
                stream.flush()
        pipe.close()

    thread = threading.Thread(target=copy, name="bpcli-script-output", daemon=True)
    thread.start()
    return thread
