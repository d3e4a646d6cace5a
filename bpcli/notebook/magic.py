"""The magics. ``%%bpcli trace [OPTIONS]`` and ``%%bpcli check [OPTIONS]``: the
cell runs here, in the kernel, in the notebook's namespace (the Units, gates and
Values of earlier cells are the real objects), watched as a script is; bpcli's
side is ``python -m bpcli trace|check … cell.py`` in a process of its own,
attached to this watcher by two pipes (``BPCLI_ATTACH``) instead of starting an
interpreter. The cell's text is written to a file of its own (a blank line
first, so that its lines keep the numbers the notebook shows: line 1 is the
``%%bpcli`` line). What bpcli says comes back inline: the page (``--html``,
the default for trace) in an iframe, text otherwise.
"""

from __future__ import annotations

import html
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from typing import Any

CELL = "cell.py"  # the cell's file, as bpcli names it


def load(ipython: Any) -> None:
    """Register ``%bpcli`` and ``%%bpcli`` (``%load_ext bpcli``)."""
    ipython.register_magic_function(line_magic, "line", "bpcli")
    ipython.register_magic_function(cell_magic, "cell", "bpcli")


def line_magic(line: str) -> None:
    """``%bpcli run FILE …``, ``%bpcli graph FILE``: the command line's
    commands, their output inline (a graph as SVG)."""
    args = shlex.split(line)
    if args[:1] == ["graph"] and not {"--format", "-f"} & set(args):
        args = [*args, "--format", "svg"]
    ran = subprocess.run(
        [sys.executable, "-m", "bpcli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
    )
    _show(ran.stdout, ran.stderr, svg=args[:1] == ["graph"] and "svg" in args)


def cell_magic(line: str, cell: str) -> None:
    """``%%bpcli trace|check [OPTIONS]``: the cell run here, watched."""
    from IPython import get_ipython

    args = shlex.split(line)
    if args[:1] not in (["trace"], ["check"]):
        from ..i18n import _

        print(_("usage: %%bpcli trace [OPTIONS] or %%bpcli check [OPTIONS]"), file=sys.stderr)
        return
    run_cell(get_ipython().user_ns, args, cell)


def run_cell(namespace: dict[str, Any], args: list[str], cell: str) -> None:
    """The cell run in ``namespace``, watched; bpcli's verdict or trace shown."""
    folder = tempfile.mkdtemp(prefix="bpcli-cell-")
    path = os.path.join(folder, CELL)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n" + cell)
    command, options = args[0], args[1:]
    lang, options = _own(options)
    page = command == "trace" and not {"--text", "--format"} & set(options)
    options = [o for o in options if o != "--text"]
    if page:
        options += ["--html", "page.html"]
    said = [open(os.path.join(folder, n), "w+", encoding="utf-8") for n in ("out", "err")]  # noqa: SIM115
    events_r, events_w = os.pipe()
    answers_r, answers_w = os.pipe()
    attach, kwargs = _handed((events_r, answers_w))
    env = {**os.environ, "BPCLI_ATTACH": attach, "COLUMNS": "100"}
    bpcli = subprocess.Popen(
        [sys.executable, "-m", "bpcli", *lang, command, *options, CELL],
        cwd=folder,
        env=env,
        stdout=said[0],
        stderr=said[1],
        stdin=subprocess.DEVNULL,
        **kwargs,
    )
    os.close(events_r)
    os.close(answers_w)
    config = _first_line(answers_r)
    if config is None:  # bpcli refused the options: its usage message says why
        os.close(events_w)
        os.close(answers_r)
        bpcli.wait()
        _shown(said, None)
        shutil.rmtree(folder, ignore_errors=True)
        return
    from ..script.watch import session

    ours = _as_the_watcher_takes_them(events_w, answers_r)
    watcher = session.Watcher(
        {**config, "out": ours[0], "in": ours[1]},
        os.path.dirname(os.path.abspath(session.__file__)),
    )
    try:
        watcher.run(path, namespace)
    except BaseException as exc:  # the cell's own: shown from the cell's line, as without
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != path:
            tb = tb.tb_next
        raise exc.with_traceback(tb or exc.__traceback__)  # noqa: B904 (the same exception)
    finally:
        bpcli.wait()
        _shown(said, os.path.join(folder, "page.html") if page else None)
        shutil.rmtree(folder, ignore_errors=True)  # the cell's file, the page: shown, gone


def _own(options: list[str]) -> tuple[list[str], list[str]]:
    """bpcli's own ``--lang LANG``, which the command line takes before the
    command, taken out of a cell's options (where it comes after)."""
    own: list[str] = []
    rest: list[str] = []
    k = 0
    while k < len(options):
        if options[k] == "--lang" and k + 1 < len(options):
            own, k = ["--lang", options[k + 1]], k + 2
            continue
        if options[k].startswith("--lang="):
            own = [options[k]]
        else:
            rest.append(options[k])
        k += 1
    return own, rest


def _handed(fds: tuple[int, int]) -> tuple[str, dict[str, Any]]:
    """Two pipe ends as another process (or the watcher) takes them: file
    numbers on POSIX; on Windows their handles, made inheritable and listed for
    the child alone (as the command line hands a script its pipes)."""
    if sys.platform != "win32":
        return f"{fds[0]},{fds[1]}", {"pass_fds": fds}
    import msvcrt

    handles = [msvcrt.get_osfhandle(fd) for fd in fds]
    for h in handles:
        os.set_handle_inheritable(h, True)
    info = subprocess.STARTUPINFO()
    info.lpAttributeList = {"handle_list": handles}
    return f"{handles[0]},{handles[1]}", {"startupinfo": info, "close_fds": True}


def _as_the_watcher_takes_them(*fds: int) -> list[int]:
    """Its pipe ends as a script's watcher gets them: file numbers on POSIX,
    handles on Windows (each then opened as a file number of its own)."""
    if sys.platform != "win32":
        return list(fds)
    import msvcrt

    return [msvcrt.get_osfhandle(fd) for fd in fds]


def _first_line(fd: int) -> dict[str, Any] | None:
    """bpcli's first answer: the watcher's settings (None: bpcli ended first)."""
    data = b""
    while not data.endswith(b"\n"):
        more = os.read(fd, 1)
        if not more:
            return None
        data += more
    found: dict[str, Any] = json.loads(data)
    return found


def _shown(said: list[Any], page: str | None) -> None:
    texts = []
    for f in said:
        f.seek(0)
        texts.append(f.read())
        f.close()
    if page is not None and os.path.exists(page):
        with open(page, encoding="utf-8") as f:
            _page(f.read())
        if texts[1].strip():
            print(texts[1], file=sys.stderr)
        return
    _show(texts[0], texts[1])


def _page(text: str) -> None:
    """The trace page, inline: the same self-contained page in an iframe."""
    import warnings

    from IPython.display import HTML, display

    frame = (
        f'<iframe srcdoc="{html.escape(text, quote=True)}" '
        'style="width:100%;height:760px;border:1px solid #ddd" '
        'sandbox="allow-scripts"></iframe>'
    )
    with warnings.catch_warnings():  # "consider IFrame": it takes an address, not a page
        warnings.simplefilter("ignore")
        display(HTML(frame))


def _show(out: str, err: str, svg: bool = False) -> None:
    if svg and out.lstrip().startswith("<"):
        from IPython.display import SVG, display

        display(SVG(out))
    elif out:
        print(out, end="" if out.endswith("\n") else "\n")
    if err.strip():
        print(err, end="" if err.endswith("\n") else "\n", file=sys.stderr)
