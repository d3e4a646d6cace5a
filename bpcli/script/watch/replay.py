"""``bpcli check``'s replays: the script's own forward code run again, with
one input nudged, where nothing of the script can see it.

Where the system can fork (and the script runs no other thread), each replay
runs in a forked copy of the process: the gate's Units are set to the values
its forward saw, nudged, forward is called, the output's value read, and the
copy ends (its output to the null device, files it opens to write kept in
memory). The script's own state, random stream, counters, files and output
are those of the process that goes on, and none of it moved.

Elsewhere (Windows, or a script with threads) it runs here, on copies of the
gate and its Units, with the random streams, standard output and error, files
opened to write, and the script's own globals and class attributes put back
as they were; a replay that changed any of those says so, and is not judged.

bpcli asks in terms of the forward calls it was told of (their step numbers)
and objects (oids); the values are those the forward call saw.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import sys
import weakref
from typing import Any

from .objects import number

_fork = getattr(os, "fork", None)


class Record:
    """One forward call, for replays: the gate, the call's inputs (its
    arguments' and its gate's own Units, with the values they had), what it made."""

    __slots__ = ("args", "gate", "method", "out", "out_slot", "units", "values")

    def __init__(
        self,
        gate: Any,
        method: str,
        args: list[Any],
        units: dict[int, Any],
        values: dict[int, float],
        out: int | None,
        out_slot: str | None,
    ) -> None:
        try:
            self.gate: Any = weakref.ref(gate)
        except TypeError:
            self.gate = lambda g=gate: g
        self.method, self.args, self.units, self.values = method, args, units, values
        self.out, self.out_slot = out, out_slot


class Replays:
    def __init__(self, hooks: Any) -> None:
        self.hooks = hooks
        self.records: dict[int, Record] = {}  # forward step -> its record
        self.latest: dict[int, int] = {}  # gate oid -> its latest forward step
        self.this_pass: list[int] = []  # this pass's forward steps

    def forward(
        self,
        k: int,
        call: Any,
        gate: int,
        after: dict[str, list[Any]],
        objects: dict[str, Any],
        value: object,
    ) -> None:
        """A forward call returned: kept for replays (this pass's, and each
        gate's latest), with the values its inputs had when it began."""
        if call.new_pass:  # kept: the pass before (its whole check), each gate's latest
            keep = set(self.latest.values()) | set(self.this_pass)
            self.records = {s: r for s, r in self.records.items() if s in keep}
            self.this_pass = []
        self.this_pass.append(k)
        units: dict[int, Any] = {}
        values: dict[int, float] = {}
        for encoded, raw in zip(call.args, call.raw):
            if isinstance(encoded, list) and len(encoded) == 2 and encoded[1] is not None:
                units[encoded[0]], values[encoded[0]] = raw, encoded[1]
        before, held = call.before
        for attr, (oid, v, _) in before.items():
            if v is not None:
                units[oid], values[oid] = held[attr], v
        made = [a for a, s in after.items() if a not in before or before[a][0] != s[0]]
        out_slot = made[-1] if made else None
        out = after[out_slot][0] if out_slot else None
        method = self.hooks.methods[call.role]
        self.records[k] = Record(call.gate, method, list(call.raw), units, values, out, out_slot)
        self.latest[gate] = k

    def answer(self, asked: dict[str, Any]) -> dict[str, Any]:
        """bpcli's questions: the output of forward calls run again, nudged."""
        jobs = asked.get("jobs", [])
        results = self._forked(jobs) if _fork is not None and _one_thread() else self._here(jobs)
        return {"t": "replayed", "r": results}

    # -- where they run ----------------------------------------------------------------

    def _forked(self, jobs: list[dict[str, Any]]) -> list[Any]:
        import json

        read, write = os.pipe()
        sys.stdout.flush() if not sys.stdout.closed else None  # nothing of the script's twice
        pid = _fork()  # type: ignore[misc]
        if pid == 0:  # the copy: compute, say, vanish (no atexit, no flush of anything)
            try:
                os.close(read)
                self.hooks.on = False
                sys.setprofile(None)
                _silence(keep=write)
                data = json.dumps([self._job(job, copies=False) for job in jobs]).encode()
                view = memoryview(data)
                while view:
                    view = view[os.write(write, view) :]
            finally:
                os._exit(0)
        os.close(write)
        chunks = []
        while True:
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read)
        os.waitpid(pid, 0)
        try:
            found: list[Any] = json.loads(b"".join(chunks))
        except ValueError:
            return [{"why": "the copy of the script that ran forward again ended early"}] * len(
                jobs
            )
        return found

    def _here(self, jobs: list[dict[str, Any]]) -> list[Any]:
        hooks = self.hooks
        was_on, profile = hooks.on, sys.getprofile()
        hooks.on = False
        sys.setprofile(None)
        try:
            with _Guard() as guard:
                results = [self._job(job, copies=True) for job in jobs]
            if guard.changed:
                return [{"why": "changes", "what": guard.changed}] * len(jobs)
            return results
        finally:
            sys.setprofile(profile)
            hooks.on = was_on

    # -- one question ------------------------------------------------------------------

    def _job(self, job: dict[str, Any], copies: bool) -> Any:
        """The output's value for each value the varied input takes; or why not."""
        chain = [self.records.get(k) for k in job["chain"]]
        if any(r is None or r.gate() is None for r in chain):
            return {"why": "lost"}
        out = job["out"]
        outputs = []
        try:
            for value in job["at"]:
                outputs.append(self._run(chain, job["vary"], value, out, copies))  # type: ignore[arg-type]
        except Exception as exc:
            return {"why": "raised", "error": f"{type(exc).__name__}: {exc}"[:200]}
        return outputs

    def _run(self, chain: list[Record], vary: int, value: float, out: int, copies: bool) -> Any:
        value_attr = self.hooks.value_attr
        made: dict[int, Any] = {}  # what an earlier call made -> what it makes now
        result = None
        for record in chain:
            gate = record.gate()
            units = dict(record.units)
            if copies:
                gate = copy.copy(gate)
                units = {oid: copy.copy(u) for oid, u in units.items()}
            for oid, u in units.items():  # the values the call saw, one input nudged
                if oid not in made:
                    object.__setattr__(u, value_attr, value if oid == vary else record.values[oid])
            swap = {**{id(u): units[o] for o, u in record.units.items()}}
            for oid, new in made.items():
                old = record.units.get(oid)
                if old is not None:
                    swap[id(old)] = new
            if copies:
                for attr, held in list(_own(gate)):
                    if id(held) in swap:
                        object.__setattr__(gate, attr, swap[id(held)])
                    elif _writable(held):  # the gate's own file: the copy writes to memory
                        object.__setattr__(gate, attr, _sink(held))
            args = [swap.get(id(a), a) for a in record.args]
            returned = getattr(gate, record.method)(*args)
            new = returned if number(returned, value_attr) is not None else None
            if new is None and record.out_slot:
                new = getattr(gate, record.out_slot, None)
            if record.out is not None and new is not None:
                made[record.out] = new
            if record.out == out and new is not None:
                result = number(new, value_attr)
        return result


def _own(obj: Any) -> list[tuple[str, Any]]:
    try:
        return list(object.__getattribute__(obj, "__dict__").items())
    except Exception:
        return []


def _one_thread() -> bool:
    import threading

    return threading.active_count() == 1


def _silence(keep: int) -> None:
    """In the forked copy: every file it inherited (the script's files and
    pipes, the terminal, sockets), but ``keep``, made the null device, so that
    nothing a replay writes, flushes or reads reaches anything of the user's;
    and a file opened to write, kept in memory."""
    import builtins

    null = os.open(os.devnull, os.O_RDWR)
    for fd in _open_fds():
        if fd not in (keep, null):
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
    real = builtins.open

    def opened(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            return io.BytesIO() if "b" in mode else io.StringIO()
        return real(file, mode, *args, **kwargs)

    builtins.open = io.open = opened  # type: ignore[assignment]


def _open_fds() -> list[int]:
    """This process's open file descriptors."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return [int(name) for name in os.listdir(folder)]
        except (OSError, ValueError):
            continue
    import resource

    most = min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 65536)
    found = []
    for fd in range(most):
        try:
            os.fstat(fd)
        except OSError:
            continue
        found.append(fd)
    return found


class _Guard:
    """Here, not in a copy of the process: what a replay could change of the
    script, kept and put back (and what changed, for the reason not to judge):
    the random streams (the ``random`` module's, numpy's, and every generator
    object the script holds), its standard streams, files opened to write, and
    the script's globals and its classes' attributes (numbers, text, and the
    contents of its lists, dicts and sets)."""

    def __enter__(self) -> _Guard:
        import builtins
        import random

        self.changed = ""
        self.places = _places()
        self.kept = [_keep(value) for _, _, value in self.places]
        self.random = random.getstate()
        self.streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        self.open = builtins.open
        real = builtins.open

        def opened(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if any(c in mode for c in "wax+"):
                self.changed = self.changed or "a file"
                return io.BytesIO() if "b" in mode else io.StringIO()
            return real(file, mode, *args, **kwargs)

        builtins.open = io.open = opened  # type: ignore[assignment]
        self.sinks = []  # files the script holds open to write: in memory meanwhile
        for place, name, value in self.places:
            if _writable(value):
                sink = _sink(value)
                try:
                    setattr(place, name, sink)
                except (AttributeError, TypeError):
                    continue
                self.sinks.append((place, name, value, sink))
        return self

    def __exit__(self, *exc: object) -> None:
        import builtins
        import random

        builtins.open = io.open = self.open  # type: ignore[assignment]
        sys.stdout, sys.stderr = self.streams
        for place, name, value, sink in self.sinks:
            setattr(place, name, value)
            if sink.tell():
                self.changed = self.changed or "a file"
        if random.getstate() != self.random:
            self.changed = self.changed or "the random numbers"
            random.setstate(self.random)
        for (place, name, value), kept in zip(self.places, self.kept):
            now = getattr(place, "__dict__", {}).get(name)
            if now is not value:  # rebound: put back
                self.changed = self.changed or name
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(place, name, value)
            elif kept is not None and _put_back(value, kept):
                self.changed = self.changed or name


def _places() -> list[tuple[Any, str, Any]]:
    """The script's globals, and its classes' attributes, with their values."""
    main = sys.modules.get("__main__")
    places: list[Any] = [main]
    places += [v for v in list(getattr(main, "__dict__", {}).values()) if isinstance(v, type)]
    found = []
    for place in places:
        for name, value in list(getattr(place, "__dict__", {}).items()):
            if not name.startswith("__"):
                found.append((place, name, value))
    numpy = sys.modules.get("numpy")
    if numpy is not None:  # numpy's global random stream
        found.append((numpy.random, "mtrand", getattr(numpy.random, "mtrand", None)))
    return found


def _keep(value: Any) -> Any:
    """What of a value a replay could change in place, kept to put back."""
    if isinstance(value, list):
        return ("list", list(value))
    if isinstance(value, dict):
        return ("dict", dict(value))
    if isinstance(value, set):
        return ("set", set(value))
    state = getattr(value, "getstate", None)  # random.Random and its kind
    if callable(state) and hasattr(value, "setstate"):
        try:
            return ("state", state())
        except Exception:
            return None
    generator = getattr(value, "bit_generator", None)  # numpy's Generator
    if generator is not None:
        try:
            return ("bits", generator.state)
        except Exception:
            return None
    legacy = getattr(value, "_rand", None) or (value if hasattr(value, "get_state") else None)
    if legacy is not None and hasattr(legacy, "get_state"):  # numpy's RandomState
        try:
            return ("legacy", legacy.get_state())
        except Exception:
            return None
    return None


def _put_back(value: Any, kept: tuple[str, Any]) -> bool:
    """Put ``value`` back as it was kept; whether it had changed."""
    kind, was = kept
    try:
        if kind == "list" and value != was:
            value[:] = was
        elif (kind == "dict" and value != was) or (kind == "set" and value != was):
            value.clear()
            value.update(was)
        elif kind == "state" and value.getstate() != was:
            value.setstate(was)
        elif kind == "bits" and value.bit_generator.state != was:
            value.bit_generator.state = was
        elif kind == "legacy":
            legacy = getattr(value, "_rand", None) or value
            now = legacy.get_state()
            if any(str(a) != str(b) for a, b in zip(now, was)):
                legacy.set_state(was)
            else:
                return False
        else:
            return False
    except Exception:
        return False
    return True


def _writable(value: Any) -> bool:
    """A file object of the script's, open to write."""
    if not isinstance(value, io.IOBase):
        return False
    try:
        return not value.closed and value.writable()
    except Exception:
        return False


def _sink(value: Any) -> Any:
    return io.StringIO() if isinstance(value, io.TextIOBase) else io.BytesIO()
