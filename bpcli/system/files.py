"""Every file bpcli writes goes through here, written as a careful editor
writes (reading: ``reads``). Writing
(``--write``, ``-o``, ``graph -o``, ``export -o``, ``--save-svg``,
``--save-html``) goes through ``write_file``:

- ``-`` is standard output; a target that exists and is not a regular file (a
  FIFO, a device, standard output itself) is written *into*, never renamed over;
- a regular file is replaced whole or not at all: a temporary file in the same
  folder, checked (``verify`` parses it back) before it replaces anything, its
  mode, owner and group those of the file it replaces; a file with several
  hard links is written in place after the checks, so its other names see it;
- a read-only file, the circuit file itself (unless that is the point, as for
  ``--write``), a folder, are refused; a file that would not change is left
  alone; an interrupted write (Ctrl-C, SIGTERM) leaves no temporary behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable
from typing import Any

from ..core.errors import Failure, Interrupted
from ..i18n import N_, _
from ..i18n.safe_text import shown
from .signals import Terminated, deferred

_CANNOT_WRITE = N_("cannot write {path}: {reason}")
_NO_CONTROLLING_TTY = getattr(os, "O_NOCTTY", 0)  # POSIX only: a device never becomes our tty
_HELD_OPEN = (5, 32)  # Windows: access denied, sharing violation (another program holds it)


class FileProblem(Failure):
    """A file could not be read or written (exit status 1)."""


class Output:
    """Standard output as it is now, kept: while a learner's script runs, its own
    prints may be sent elsewhere (standard error, for JSON), bpcli's are not."""

    def __init__(self) -> None:
        self.stream = sys.stdout

    def __call__(self, data: bytes | str) -> None:
        write_stdout(data, self.stream)

    def flush(self) -> None:
        if self.stream is not None:
            self.stream.flush()


def write_stdout(data: bytes | str, stream: object = None) -> None:
    """Data to standard output, text or bytes, in order with what went before;
    text in ASCII where the output cannot show bpcli's symbols."""
    from ..i18n.safe_text import can_show, encoding_of, plain

    out: Any = stream if stream is not None else sys.stdout
    if out is None:
        raise FileProblem(_("cannot write the output: standard output is closed"))
    with deferred():  # a line is never left half written (see signals)
        if isinstance(data, str):
            out.write(data if can_show(out) else plain(data, encoding_of(out)))
            return
        out.flush()
        out.buffer.write(data)


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    """One file under two names (never a file number of 0: Windows' NUL, a pipe,
    the console, which have none)."""
    return a.st_ino != 0 and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def input_stat(path: str) -> os.stat_result | None:
    """What FILE is on disk, to know it again as an output path; for ``-``, the
    file standard input reads, if it is one (``bpcli export - < c.txt``)."""
    try:
        st = os.fstat(0) if path == "-" else os.stat(path)
    except OSError:
        return None
    return st if path != "-" or stat.S_ISREG(st.st_mode) else None


class Target:
    """Where an output goes, checked before anything is computed (and again just
    before it is written): never the circuit file read, a folder, a read-only
    file, or a symbolic link that is dangling or someone else's in a shared
    folder."""

    def __init__(self, path: str, option: str, source: os.stat_result | None = None) -> None:
        self.path, self.option, self.source = path, option, source
        self.stat: os.stat_result | None = None
        if path != "-":
            self.check()

    def check(self) -> None:
        path, option = self.path, self.option
        _links_fit_to_follow(path)
        try:
            self.stat = os.stat(path)  # through symlinks: what it names
        except FileNotFoundError:
            self.stat = None
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                msg = N_("cannot write {path}: the folder {folder} does not exist")
            elif not os.access(folder, os.W_OK):
                msg = N_("cannot write {path}: the folder {folder} is read-only")
            else:
                return
            raise FileProblem.said(msg, path=path, folder=folder) from None
        except OSError as exc:
            raise FileProblem.said(_CANNOT_WRITE, path=path, reason=exc.strerror or exc) from None
        st = self.stat
        if self.source is not None and same_file(st, self.source):
            msg = N_("{option} {path} is the circuit file bpcli read: refusing to overwrite it")
            hint = N_("give another file name")
            if option == "-o":
                hint = N_("give another file name (--write saves trained values into FILE)")
            raise FileProblem.said(msg, hint, option=option, path=path)
        if stat.S_ISREG(st.st_mode) and (not st.st_mode & 0o222 or not os.access(path, os.W_OK)):
            hint = N_("make it writable, or write another file")
            raise FileProblem.said(N_("{path} is read-only: not written"), hint, path=path)

    @property
    def regular(self) -> bool:
        return self.stat is not None and stat.S_ISREG(self.stat.st_mode)

    def same_as(self, other: Target) -> bool:
        """Whether two outputs name one file."""
        if "-" in (self.path, other.path):
            return False
        if self.stat is not None and other.stat is not None:
            return same_file(self.stat, other.stat)
        return os.path.realpath(self.path) == os.path.realpath(other.path)


def _links_fit_to_follow(path: str) -> None:
    """Refuse to write through a dangling symbolic link (it would make a file
    wherever it points), or through one that another user put in a shared
    folder such as /tmp (as the kernel's protected_symlinks does)."""
    if not os.path.islink(path):
        return
    if not os.path.exists(path):
        msg = N_("{path} is a dangling symbolic link: not writing through it")
        raise FileProblem.said(msg, path=path)
    link = os.lstat(path)
    folder = os.stat(os.path.dirname(os.path.abspath(path)))
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if sys.platform == "win32" or not shared or not hasattr(os, "geteuid"):
        return  # Windows: no sticky folders, no owners
    if link.st_uid not in (os.geteuid(), folder.st_uid):
        msg = N_(
            "{path} is another user's symbolic link in a shared folder: not writing through it"
        )
        raise FileProblem.said(msg, path=path)


def write_file(
    target: Target,
    data: bytes,
    verify: Callable[[bytes], None] | None = None,
    check: Callable[[], None] | None = None,
) -> bool:
    """Write ``data`` where ``target`` says (``-``: standard output) by the rules
    above, checked again now. ``verify`` sees the bytes before anything is
    written and may refuse; ``check`` has the last word before the rename.
    False if nothing changed."""
    if target.path == "-":
        write_stdout(data)
        return True
    target.check()
    path, st = target.path, target.stat
    if verify is not None:
        verify(data)
    if (st is not None and not target.regular) or _is_standard_stream(st):
        _write_into(path, data)  # a FIFO, a device, or our own standard output
        return True
    if st is not None:
        with contextlib.suppress(OSError), open(path, "rb") as f:
            if f.read(len(data) + 1) == data:
                return False  # nothing would change: the file is left as it is
    write_atomically(os.path.realpath(path), data, st, check)
    return True


def _is_standard_stream(st: os.stat_result | None) -> bool:
    if st is None:
        return False
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if same_file(os.fstat(fd), st):
                return True
    return False


def _write_into(path: str, data: bytes) -> None:
    """Into what is there (a FIFO, a device, standard output): opened as it is,
    never made, never truncated, and refused should it turn out a regular file."""
    for fd, stream in ((1, sys.stdout), (2, sys.stderr)):
        with contextlib.suppress(OSError):
            if stream is not None and same_file(os.fstat(fd), os.stat(path)):
                stream.flush()
                _write_all(fd, data)
                return
    try:
        fd = os.open(path, os.O_WRONLY | _NO_CONTROLLING_TTY)
    except OSError as exc:
        raise FileProblem.said(_CANNOT_WRITE, path=path, reason=exc.strerror or exc) from None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a file meanwhile
            raise FileProblem.said(N_("{path} changed while bpcli ran: nothing written"), path=path)
        _write_all(fd, data)
    except OSError as exc:
        raise FileProblem.said(_CANNOT_WRITE, path=path, reason=exc.strerror or exc) from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    with deferred():
        while view:
            view = view[os.write(fd, view) :]


def write_atomically(
    path: str,
    data: bytes,
    old: os.stat_result | None = None,
    check: Callable[[], None] | None = None,
) -> None:
    """A temporary file in the same folder with ``old``'s mode, owner and group,
    flushed and synced, then renamed over ``path``; for a file with several
    hard links, or one whose owner or group a new file could not have (another
    user's, writable by this one), copied into it instead, so that its other
    names see it and its owner keeps it (that copy is not atomic: an
    interruption can leave the file half written)."""
    import tempfile

    folder = os.path.dirname(path)
    if old is not None:
        mode = stat.S_IMODE(old.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bpcli-", dir=folder)
        with os.fdopen(fd, "wb") as f:  # closed before any unlink (Windows cannot unlink it open)
            if old is not None and not _keep_owner(fd, old):
                mode &= ~(stat.S_ISUID | stat.S_ISGID)  # never set-id for another owner
            _set_mode(fd, tmp, mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check()
        if old is not None and (old.st_nlink > 1 or not _owner_kept(old)):
            # its other names keep seeing one file; another's file stays theirs
            _copy_into(data, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        if getattr(exc, "winerror", None) in _HELD_OPEN:
            msg = N_("cannot write {path}: Windows refused to replace it")
            hint = N_("another program may have it open: close it there and try again")
            raise FileProblem.said(msg, hint, path=path) from None
        raise FileProblem.said(_CANNOT_WRITE, path=path, reason=exc.strerror or exc) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _owner_kept(old: os.stat_result) -> bool:
    """Whether a new file can have ``old``'s owner and group: as root, or when the
    file is the process's own and its group one of the process's groups. Else
    (a file another user lets this one write) it is written in place. Windows
    has no owner to keep."""
    if sys.platform == "win32" or not hasattr(os, "geteuid"):
        return True
    if os.geteuid() == 0:
        return True
    groups = {os.getegid(), *os.getgroups()}
    return old.st_uid == os.geteuid() and old.st_gid in groups


def _keep_owner(fd: int, old: os.stat_result) -> bool:
    """The owner and group of the file replaced, where the process may set them;
    whether the owner is kept."""
    if sys.platform == "win32" or not hasattr(os, "fchown"):
        return True  # no owner or group to keep
    for uid, gid in ((old.st_uid, old.st_gid), (-1, old.st_gid)):
        try:
            os.fchown(fd, uid, gid)
            return uid != -1 or os.fstat(fd).st_uid == old.st_uid
        except (OSError, AttributeError):
            continue
    return os.fstat(fd).st_uid == old.st_uid


def _set_mode(fd: int, path: str, mode: int) -> None:
    """The replaced file's mode on the temporary: all of it on POSIX; on Windows
    as far as ``os.chmod`` goes (read-only or not; before 3.13 there is no
    ``os.fchmod``)."""
    if sys.platform != "win32" and hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:
        os.chmod(path, mode)


def _copy_into(data: bytes, path: str) -> None:
    with open(path, "r+b") as dst:
        dst.write(data)
        dst.truncate()
        dst.flush()
        os.fsync(dst.fileno())


class Outputs:
    """The files one command writes, checked together before it computes
    anything: each a Target, and no two of them one file."""

    def __init__(self, source_path: str, *named: tuple[str, str | None]) -> None:
        from ..core.errors import UsageProblem

        source = input_stat(source_path)
        self.targets: dict[str, Target] = {}
        for option, path in named:
            if not path:
                continue
            # --write is the circuit file, on purpose; any other output must not be
            target = Target(path, option, None if option == "--write" else source)
            for other in self.targets.values():
                if target.same_as(other):
                    msg = _("{other} and {option} name one file: {path}")
                    msg = msg.format(other=other.option, option=option, path=path)
                    raise UsageProblem(msg, option)
            self.targets[option] = target

    def write(
        self,
        option: str,
        data: bytes | str,
        verify: Callable[[bytes], None] | None = None,
        check: Callable[[], None] | None = None,
    ) -> bool:
        """This output's data, to its file (or standard output when it has none)."""
        target = self.targets.get(option)
        if target is None:
            write_stdout(data)  # text stays text: ASCII where the output needs it
            return True
        raw = data.encode() if isinstance(data, str) else data
        try:
            return write_file(target, raw, verify, check)
        except (KeyboardInterrupt, Terminated) as signal:
            name = shown(target.path)
            done = (target.stat is None or target.regular) and _holds(target.path, raw)
            where = (
                _("after writing {path}") if done else _("before writing {path}: it is as it was")
            )
            raise Interrupted.by(signal, where.format(path=name)) from None


def _holds(path: str, data: bytes) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(data) + 1) == data
    except OSError:
        return False


def unchanged_on_disk(path: str, data: bytes) -> Callable[[], None]:
    """A ``check`` for write_file: refuses if ``path`` no longer holds ``data``."""

    def check() -> None:
        with open(path, "rb") as f:
            if f.read() != data:
                msg = N_("{path} changed on disk while bpcli ran: nothing written")
                raise FileProblem.said(msg, path=path)

    return check
