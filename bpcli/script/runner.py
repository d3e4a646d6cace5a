"""Running the learner's script as ``python SCRIPT.py ARGS`` would: its own
``__main__``, its arguments, the current directory, its folder first on
``sys.path``, its output and its exit status; its own traceback when it fails,
with bpcli's frames trimmed. The watcher's hooks are on while it runs, and
only then. This runs the user's script with the user's rights: it is their
program.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
import traceback
from typing import Any

from ..stepper import Quit as StopScript  # the stepper's `q`: stopped where it is, status 0
from .watcher import OutputFailed, Watcher


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
        with contextlib.redirect_stdout(stdout):
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
        print("bpcli: interrupted", file=sys.stderr)
        status = 130
    except BrokenPipeError:  # the reader of the output went away (`| head`): bpcli's exit
        raise
    except BaseException as exc:  # the script's own error: shown as Python shows it
        status = 1
        tb = exc.__traceback__
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
    finally:
        watcher.unwatch()
        sys.argv = saved_argv
        sys.path[0] = saved_path0
    return status
