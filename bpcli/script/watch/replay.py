"""``bpcli check``'s replays: the script's own forward code run again, with
one input nudged, where nothing of the script can see it.

Where the system can fork, the replays of one question run in a forked copy
of the process: each forward call is run on the values it saw as it began,
one input nudged, with the random streams (``random``'s and numpy's) as they
were as it began (so dropout's mask and added noise are the very ones the
script's forward used), and the output's value read; the copy's every
inherited file is the null device, and it ends without a trace. The script's
own state, random stream, counters, files and output are those of the
process that goes on, and none of it moved. A copy that does not finish
within a time limit is ended, and its call is not judged. ``SIGCHLD`` is
held meanwhile, so the script's own handler never sees bpcli's copy.

Elsewhere (Windows), it runs here, on copies, guarded (``guard``).

bpcli asks in terms of the forward calls it was told of (their step numbers)
and objects (oids); the values are those the forward call saw.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import weakref
from typing import Any

from .guard import Guard, sink, writable
from .objects import number

_fork = getattr(os, "fork", None)
LIMIT = 30.0  # seconds a forked copy may take for one question's replays


_GONE, _NONE = object(), object()


def _NONE_IS_NONE(x: Any) -> Any:
    return None if x is _NONE else x


def _hold(obj: Any, depth: int = 0) -> Any:
    """A way back to ``obj`` that does not keep it alive, where there is one (a
    list, tuple or dict, which cannot be weakly referenced: its items held so,
    and made into a new one of them when asked for)."""
    if obj is None:
        return lambda: _NONE
    kind = type(obj)
    if kind in (list, tuple) and depth < 4:
        items = [_hold(x, depth + 1) for x in obj]

        def rebuilt() -> Any:
            found = [_NONE_IS_NONE(x()) for x in items]
            return _GONE if any(x is _GONE for x in found) else kind(found)

        return rebuilt
    if kind is dict and depth < 4:
        values = {k: _hold(v, depth + 1) for k, v in obj.items()}

        def rebuilt_dict() -> Any:
            found = {k: _NONE_IS_NONE(v()) for k, v in values.items()}
            return _GONE if any(v is _GONE for v in found.values()) else found

        return rebuilt_dict
    try:
        ref = weakref.ref(obj)
    except TypeError:  # no weak references to it (a number, a __slots__ object): held
        return lambda: obj
    return lambda: _GONE if ref() is None else ref()


class Record:
    """One forward call, for replays: the gate, the call's inputs (its
    arguments' and its gate's own Units, with the values they had), the random
    streams as it began, what it made."""

    __slots__ = ("args", "gate", "method", "out", "out_slot", "randoms", "units", "values")

    def __init__(
        self,
        gate: Any,
        method: str,
        args: list[Any],
        units: dict[int, Any],
        values: dict[int, Any],
        out: int | None,
        out_slot: str | None,
        randoms: Any,
    ) -> None:
        # each object held weakly where it can be: a record keeps nothing of the
        # script's alive (a replay of a call whose inputs the script let go is not judged)
        self.gate = _hold(gate)
        self.args = [_hold(a) for a in args]
        self.units = {oid: _hold(u) for oid, u in units.items()}
        self.method, self.values = method, values
        self.out, self.out_slot, self.randoms = out, out_slot, randoms

    def held(self) -> tuple[Any, list[Any], dict[int, Any]] | None:
        """The gate, its arguments and Units, if the script still has them all."""
        gate = self.gate()
        args = [a() for a in self.args]
        units = {oid: u() for oid, u in self.units.items()}
        lost = [gate, *units.values()]  # what must be there still (an argument may be None)
        if any(x is None or x is _GONE for x in lost) or any(a is _GONE for a in args):
            return None
        return gate, [None if a is _NONE else a for a in args], units


def randoms() -> Any:
    """The random streams of the script's process now: ``random``'s, numpy's."""
    import random

    numpy = sys.modules.get("numpy")
    try:
        legacy = numpy.random.get_state() if numpy is not None else None
    except Exception:
        legacy = None
    return random.getstate(), legacy


def _set_randoms(state: Any) -> None:
    import random

    random.setstate(state[0])
    numpy = sys.modules.get("numpy")
    if numpy is not None and state[1] is not None:
        numpy.random.set_state(state[1])


class Replays:
    def __init__(self, hooks: Any) -> None:
        self.hooks = hooks
        self.records: dict[int, Record] = {}  # forward step -> its record
        self.latest: dict[int, int] = {}  # gate oid -> its latest forward step
        self.this_pass: list[int] = []  # this pass's forward steps
        self.ops: list[int] = []  # Value code's ops, kept until their pass is judged

    def forward(
        self,
        k: int,
        call: Any,
        gate: int,
        after: dict[str, list[Any]],
        objects: dict[str, Any],
        value: object,
    ) -> None:
        """A forward call returned: kept for replays (this pass's and the pass
        before's, and each gate's latest), with the values its inputs had and the
        random streams as it began."""
        if call.new_pass:
            keep = set(self.latest.values()) | set(self.this_pass)
            self.records = {s: r for s, r in self.records.items() if s in keep}
            self.this_pass = []
        self.this_pass.append(k)
        units: dict[int, Any] = {}
        values: dict[int, Any] = {}
        for encoded, raw in zip(call.args, call.raw):
            if isinstance(encoded, list) and len(encoded) == 2 and encoded[1] is not None:
                units[encoded[0]], values[encoded[0]] = raw, encoded[1]
            elif isinstance(encoded, dict):  # a list of Units: each one an input
                held = [x for x in raw[:64] if self.hooks.read.is_unit(x)]
                for (oid, v), x in zip(encoded["u"], held):
                    if v is not None:
                        units[oid], values[oid] = x, v
        before, held = call.before
        for attr, (oid, v, _) in before.items():  # its gate's own: a slot forward kept
            kept = after.get(attr)
            if v is not None and kept is not None and kept[0] == oid:
                units[oid], values[oid] = held[attr], v
        out_slot = made_slot(before, after, objects, value)
        out = after[out_slot][0] if out_slot else None
        method = self.hooks.methods[call.role]
        self.records[k] = Record(
            call.gate, method, list(call.raw), units, values, out, out_slot, call.randoms
        )
        self.latest[gate] = k

    def op(
        self,
        k: int,
        made: Any,
        me: Any,
        method: str,
        args: list[Any],
        units: dict[int, Any],
        values: dict[int, Any],
        out: int,
        new_pass: bool,
    ) -> None:
        """An op of Value code made a Value: kept for replays as a forward call
        on ``me`` (this pass's and the pass before's)."""
        if new_pass:
            keep = set(self.latest.values()) | set(self.this_pass)
            self.records = {s: r for s, r in self.records.items() if s in keep}
            self.this_pass = []
        self.this_pass.append(k)
        self.records[k] = Record(me, method, args, units, values, out, None, None)
        self.ops.append(k)

    def drop_ops(self) -> None:
        """A Value's backward() returned, its pass judged: its ops let go."""
        for k in self.ops:
            self.records.pop(k, None)
        self.ops = []

    def forget(self, gone: list[int]) -> None:
        """Gates freed by the script: their calls are let go (and what they held)."""
        for oid in gone:
            k = self.latest.pop(oid, None)
            if k is not None and k not in self.this_pass:
                self.records.pop(k, None)

    def answer(self, asked: dict[str, Any]) -> dict[str, Any]:
        """bpcli's questions: the output of forward calls run again, nudged."""
        jobs = asked.get("jobs", [])
        results = self._forked(jobs) if _fork is not None else self._here(jobs)
        return {"t": "replayed", "r": results}

    # -- where they run ----------------------------------------------------------------

    def _forked(self, jobs: list[dict[str, Any]]) -> list[Any]:
        if sys.platform == "win32":  # a forked copy is POSIX only (never asked there)
            return self._here(jobs)
        import json
        import select
        import signal
        import time
        import warnings

        read, write = os.pipe()
        held = hasattr(signal, "pthread_sigmask")
        if held:
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        with warnings.catch_warnings():  # Python 3.12 warns of a fork beside threads
            warnings.simplefilter("ignore")
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
        chunks, deadline = [], time.monotonic() + LIMIT
        while True:  # until the copy closes the pipe (or the time is up)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                chunks = [b'[{"why": "hung"}]']
                break
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read)
        with contextlib.suppress(ChildProcessError):  # the script ignores SIGCHLD: reaped
            os.waitpid(pid, 0)
        if held:
            if hasattr(signal, "sigtimedwait"):
                signal.sigtimedwait({signal.SIGCHLD}, 0)  # the copy's end: not the script's
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        try:
            found: list[Any] = json.loads(b"".join(chunks))
        except ValueError:
            return [{"why": "ended"}] * len(jobs)
        return found * len(jobs) if len(found) == 1 and len(jobs) > 1 else found

    def _here(self, jobs: list[dict[str, Any]]) -> list[Any]:
        hooks = self.hooks
        was_on, profile = hooks.on, sys.getprofile()
        hooks.on = False
        sys.setprofile(None)
        try:
            with Guard() as guard:
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
        records = [self.records.get(k) for k in job["chain"]]
        chain = [(r, r.held()) for r in records if r is not None]
        if len(chain) < len(records) or any(h is None for _, h in chain):
            return {"why": "lost"}
        outputs = []
        try:
            for value in job["at"]:
                outputs.append(self._run(chain, job["vary"], value, job["out"], copies))  # type: ignore[arg-type]
        except Exception as exc:
            return {"why": "raised", "error": f"{type(exc).__name__}: {exc}"[:200]}
        return outputs

    def _run(self, chain: list[Any], vary: int, value: float, out: int, copies: bool) -> Any:
        value_of = self.hooks.read.value_of
        made: dict[int, Any] = {}  # what an earlier call made -> what it makes now
        result = None
        for record, (gate, raw_args, held) in chain:
            units = dict(held)
            given = id(gate)  # a Value's op: the Value it runs on may be an input, or made
            if copies:
                gate = copy.copy(gate)
                units = {oid: copy.copy(u) for oid, u in units.items()}
            for oid, u in units.items():  # the values the call saw, one input nudged
                if oid not in made:
                    nudged = value if oid == vary else record.values[oid]
                    object.__setattr__(u, value_of(u), nudged)
            swap = {id(u): units[o] for o, u in held.items()}
            for oid, new in made.items():
                old = held.get(oid)
                if old is not None:
                    swap[id(old)] = new
            if copies:
                for attr, held in _own(gate):
                    if id(held) in swap:
                        object.__setattr__(gate, attr, swap[id(held)])
                    elif writable(held):  # the gate's own file: the copy writes to memory
                        object.__setattr__(gate, attr, sink(held))
            args = [_swapped(a, swap) for a in raw_args]
            gate = swap.get(given, gate)  # a Value's op: on its input, nudged, or made again
            if record.randoms is not None:
                _set_randoms(record.randoms)  # the random numbers its forward drew, again
            returned = getattr(gate, record.method)(*args)
            new = returned if number(returned, value_of(returned)) is not None else None
            if new is None and record.out_slot:
                new = getattr(gate, record.out_slot, None)
            if record.out is not None and new is not None:
                made[record.out] = new
            if record.out == out and new is not None:
                result = number(new, value_of(new))
        return result


def made_slot(
    before: dict[str, list[Any]],
    after: dict[str, list[Any]],
    objects: dict[str, Any],
    returned: object,
) -> str | None:
    """The slot holding what a forward call made: the one holding what it
    returned, else the last whose Unit is new."""
    for attr, obj in objects.items():
        if obj is returned:
            return attr
    made = [a for a, s in after.items() if a not in before or before[a][0] != s[0]]
    return made[-1] if made else None


def _swapped(arg: Any, swap: dict[int, Any]) -> Any:
    """An argument with the Units a replay gives instead (in a list too)."""
    if type(arg) in (list, tuple):
        return type(arg)(swap.get(id(x), x) for x in arg)
    return swap.get(id(arg), arg)


def _own(obj: Any) -> list[tuple[str, Any]]:
    try:
        return list(object.__getattribute__(obj, "__dict__").items())
    except Exception:
        return []


def _silence(keep: int) -> None:
    """In the forked copy: every file it inherited (the script's files and
    pipes, the terminal, sockets), but ``keep``, made the null device, so that
    nothing a replay writes, flushes or reads reaches anything of the user's;
    and a file opened to write, kept in memory."""
    import builtins
    import io

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
    if sys.platform == "win32":
        return []  # never asked: the forked copy is POSIX only
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
