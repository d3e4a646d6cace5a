"""What the watcher sees, grouped into steps as it happens.

A watched call that makes no watched call of its own is a step when it
returns (``call``): its gate's Units before and after, its arguments, what it
returned, the line that called it, each write it made. Writes outside such
calls (the seed, a zeroing loop, an update, a container's own lines such as
a ``Circuit.backward`` that seeds before calling its gates) are steps of
their own, one line at a time, in the order they happen, each write with its
Unit's value and grad as they were just after it (``lines``); a line's step
is sent before anything the script calls next (its ``print`` comes after
it). A container is told of once (``container``), for its name. Where bpcli
pauses, each step waits for its answer: ``go``, ``quit``, or (``check``)
replays first.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from .objects import reading
from .reading import CONTAINERS, PLAIN, Reading, first
from .wire import Gone


class Quit(BaseException):
    """bpcli's `q`: the script stops where it is paused (status 0)."""


class Call:
    __slots__ = (
        "args",
        "before",
        "captured",
        "frame",
        "gate",
        "inner",
        "new_pass",
        "randoms",
        "raw",
        "role",
        "site",
        "writes",
    )

    def __init__(self, frame: FrameType, role: int, gate: object) -> None:
        self.frame, self.role, self.gate = frame, role, gate
        self.inner = False  # it made watched calls of its own: a container
        self.writes: list[list[Any]] = []
        self.args: list[Any] = []
        self.raw: list[Any] = []  # the arguments themselves (check's replays)
        self.before: tuple[dict[str, list[Any]], dict[str, Any]] = ({}, {})
        self.site: list[Any] | None = None
        self.new_pass = False
        self.randoms: Any = None  # check: the random streams as a forward call began
        self.captured: list[tuple[str, Any]] = []  # a closure's: its free variables' Values


class Stepping:
    def __init__(
        self,
        send: Callable[..., None],
        ask: Callable[[dict[str, Any]], dict[str, Any]] | None,
        methods: list[str],
        read: Reading,
        iterations: int | None,
    ) -> None:
        self.send, self.ask = send, ask  # ask: None unless bpcli pauses at each step
        self.replays: Any = None  # check's: answers bpcli's replays, keeps forward calls
        self.methods = list(methods)
        self.read = read
        self.iterations = iterations
        self.stack: list[Call] = []
        self.pending: list[list[Any]] = []  # writes outside calls, one line's worth
        self.steps = 0
        self.passes = 0
        self.last_role = -1
        self.on = False
        self.interrupted: BaseException | None = None  # Ctrl-C while bpcli held the script

    # the hooks' own (hooks.py)
    def stop(self) -> None:
        raise NotImplementedError

    def watch_class(self, cls: type, gate: bool = False) -> None:
        raise NotImplementedError

    def pending_in(self, code: CodeType) -> None:
        raise NotImplementedError

    # Value code's (value_steps.py)
    def node_of(self, frame: FrameType) -> Any:
        return None

    def node(self, v: Any, msg: dict[str, Any], seen: dict[str, Any] | None = None) -> None:
        raise NotImplementedError

    def node_seen(self, v: Any) -> dict[str, Any]:
        raise NotImplementedError

    def via(self) -> list[int] | None:
        return None

    # -- calls -------------------------------------------------------------------------

    def called(self, frame: FrameType, code: CodeType, role: int) -> None:
        read = self.read
        gate = first(frame, code)
        if gate is None or read.is_unit(gate):
            return
        read.look(frame, code, gate)
        new_pass = role == 0 and self.last_role != 0  # a forward after other calls
        if new_pass:
            self.passes += 1
            if self.iterations is not None and self.passes > self.iterations:
                self.flush()
                self.send({"t": "stopped", "passes": self.iterations}, True)
                self.stop()
                return
        self.last_role = role
        self.watch_class(type(gate), gate=True)  # a slot it is given by hand is seen too
        if self.stack and self.stack[-1].role < 0:  # in a closure: its writes so far, a step
            self.lines(self.stack[-1].writes)
            self.stack[-1].writes = []
        elif self.stack:
            outer = self.stack[-1]
            if not outer.inner:  # a container: what its calling line says names it
                outer.inner = True
                oid = read.objects.oid(outer.gate)
                method = self.methods[outer.role]
                self.send(
                    {"t": "container", "g": oid, "m": method, "s": outer.site, "a": outer.args}
                )
            self.lines(outer.writes)
            outer.writes = []
        else:
            self.flush()
        call = Call(frame, role, gate)
        call.new_pass = new_pass
        if role == 0 and self.replays is not None:
            from .replay import randoms

            call.randoms = randoms()
        try:
            local = frame.f_locals
            call.raw = [local.get(n) for n in code.co_varnames[1 : code.co_argcount]]
        except Exception:
            call.raw = []
        call.args = [read.arg(a) for a in call.raw]
        call.before = read.slots(gate)
        call.site = read.site(frame.f_back)
        self.stack.append(call)

    def returned(self, value: object, raised: bool) -> None:
        call = self.stack.pop()
        if call.inner:
            self.lines(call.writes)
            return
        read = self.read
        after, objects = read.slots(call.gate)
        self.steps += 1
        gate = read.objects.oid(call.gate)
        kind = type(value)
        ret = None if raised or kind in PLAIN or kind in CONTAINERS else read.objects.oid(value)
        msg = {
            "t": "call",
            "k": self.steps,
            "g": gate,
            "m": self.methods[call.role],
            "role": call.role,
            "s": call.site,
            "a": call.args,
            "b": call.before[0],
            "after": after,
            "w": [w[:6] for w in call.writes],  # a gate's writes: its slots name their Units
            "x": raised,
            "ret": ret,
        }
        if call.role == 0 and self.replays is not None:
            self.replays.forward(self.steps, call, gate, after, objects, value)
        self.step(msg)

    # -- writes ------------------------------------------------------------------------

    def wrote(
        self, obj: object, attr: str, before: float | str, after: float | str, frame: FrameType
    ) -> None:
        read = self.read
        file, line = read.where(frame)
        value: float | str | None
        grad: float | str | None
        if attr == read.grad_attr:  # the Unit just after the write: the number written, and
            value, grad = reading(obj, read.value_of(obj)), after  # the other one
        else:
            value, grad = after, reading(obj, read.grad_attr)
        write = [read.objects.oid(obj), attr, before, after, file, line, frame, value, grad, None]
        if self.stack:
            self.stack[-1].writes.append(write)
            return
        write[9] = node = self.node_of(frame)  # microgpt's loop: the Value the line pulls from
        last = self.pending[-1] if self.pending else None
        if last is not None and (last[4:6] != [file, line] or last[9] is not node):
            self.flush()
            last = None
        if node is not None and last is None:  # the node as its first pull found it
            write.append(self.node_seen(node))
        self.pending.append(write)
        self.pending_in(frame.f_code)

    def flush(self) -> None:
        """The writes outside any call, a line's worth, as a step."""
        pending, self.pending = self.pending, []
        self.lines(pending)

    def lines(self, writes: list[list[Any]]) -> None:
        """Writes outside a leaf call, a step for each line (in the order made)."""
        start = 0
        for k in range(1, len(writes) + 1):
            if (
                k == len(writes)
                or writes[k][4:6] != writes[start][4:6]
                or writes[k][9] is not writes[start][9]
            ):
                some = writes[start:k]
                now = {w[0]: [w[7], w[8]] for w in some}  # each Unit as its last write left it
                self_of = self.read.self_of  # a method's own self names `self.a` as `svm.a`
                sent = [[*w[:6], self_of(w[6])] for w in some]
                self.steps += 1
                msg = {"t": "lines", "k": self.steps, "w": sent, "now": now}
                if some[0][9] is not None:
                    self.node(some[0][9], msg, some[0][10] if len(some[0]) > 10 else None)
                via = self.via()
                if via is not None:  # inside a Value's method: the script's line that called it
                    msg["via"] = via
                self.step(msg)
                start = k

    # -- a step, and bpcli's answer ----------------------------------------------------

    def step(self, msg: dict[str, Any]) -> None:
        objects = self.read.objects
        if objects.gone:
            gone, objects.gone = objects.gone, []
            self.send({"t": "gone", "o": gone})
            if self.replays is not None:
                self.replays.forget(gone)
        if self.ask is None:
            self.send(msg, True)
            return
        for stream in (sys.stdout, sys.stderr):  # the script's prints before the step
            with contextlib.suppress(Exception):
                stream.flush()
        try:
            answer = self.ask(msg)
            while answer.get("a") != "go":
                if answer.get("a") == "quit":
                    raise Quit
                if self.replays is None:
                    return
                answer = self.ask(self.replays.answer(answer))
        except Gone:  # bpcli went away: the script runs on, as under python
            self.stop()
        except KeyboardInterrupt as exc:  # Ctrl-C while paused: bpcli says where it stopped
            self.interrupted = exc
            raise
