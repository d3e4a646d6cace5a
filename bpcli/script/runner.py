"""Running the learner's script as ``python SCRIPT.py ARGS`` would: its own
``__main__``, its arguments, the current directory, its folder first on
``sys.path``, its output and its exit status; its own traceback when it fails,
with bpcli's frames trimmed. The watcher's hooks are on while it runs, and
only then. This runs the user's script with the user's rights: it is their
program.
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import sys
import traceback
from typing import Any

from ..i18n import _
from ..interact.keys import Quit as StopScript  # the stepper's `q`: stopped where it is, status 0
from .watcher import OutputFailed, Watcher


class ScriptStdout(io.TextIOBase):
    """The script's ``sys.stdout``: bpcli's own standard output, written through,
    but closed on its own, so that a script that closes it (as some do when
    done) closes its view of it, not bpcli's, which still has a trace to end."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        return int(self._stream.write(text))

    def flush(self) -> None:
        if not self.closed:
            self._stream.flush()

    def close(self) -> None:
        if not self.closed:
            self._stream.flush()
        super().close()

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(self._stream.encoding)

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._stream.errors  # type: ignore[no-any-return]

    @property
    def buffer(self) -> Any:
        return self._stream.buffer


_BPCLI = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _without_bpcli(te: traceback.TracebackException) -> traceback.TracebackException:
    """The script's traceback as python prints it: without bpcli's own frames (its
    hooks, the stream it gave the script), in the chained exceptions too."""
    seen: set[int] = set()
    todo = [te]
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        kept = [f for f in t.stack if not os.path.abspath(f.filename).startswith(_BPCLI)]
        t.stack = traceback.StackSummary.from_list(kept)
        todo.extend(x for x in (t.__cause__, t.__context__) if x is not None)
    return te


def run(path: str, argv: list[str], watcher: Watcher, stdout: Any) -> int:
    """Run the script, watched; its exit status. ``stdout``: where its output goes
    (None: nowhere)."""
    script = os.path.abspath(path)
    watcher.shown_paths[script] = path
    saved_argv, saved_path0 = sys.argv, sys.path[0]
    sys.argv = [path, *argv]
    sys.path[0] = os.path.dirname(script)
    status = 0
    try:
        with contextlib.redirect_stdout(None if stdout is None else ScriptStdout(stdout)):
            watcher.on = True
            sys.setprofile(watcher.profile)
            try:
                runpy.run_path(script, run_name="__main__")
            finally:
                sys.setprofile(None)
                watcher.on = False
        watcher.flush()  # the script's last lines that wrote a Unit
    except StopScript:
        status = 0
    except OutputFailed as failed:  # bpcli's own output: its error, not the script's
        raise failed.exc from None
    except SystemExit as done:
        with contextlib.suppress(StopScript):
            watcher.flush()
        code = done.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        if not isinstance(code, int) and code is not None:
            print(code, file=sys.stderr)
    except KeyboardInterrupt:
        print(_("bpcli: interrupted"), file=sys.stderr)
        status = 130
    except BrokenPipeError:  # the reader of the output went away (`| head`): bpcli's exit
        raise
    except BaseException as exc:  # the script's own error: shown as Python shows it
        status = 1
        tb = exc.__traceback__
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script:
            tb = tb.tb_next
        shown = traceback.TracebackException(type(exc), exc, tb)
        print("".join(_without_bpcli(shown).format()), end="", file=sys.stderr)
    finally:
        watcher.unwatch()
        sys.argv = saved_argv
        sys.path[0] = saved_path0
    return status
