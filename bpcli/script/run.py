"""One watched run of the learner's script, from bpcli's side: the child
started (``launch``), its events taken in order (``seen``), each step made
(``steps``) and handed on as it comes; where bpcli pauses (``--step``, a text
trace whose lines must come between the script's own prints, ``check``), the
script waits for bpcli's answer. What the run said of itself (the Python it
ran under, how it ended, what it held if nothing was watched) is kept for
the messages after it.

The script's exit status is the run's. Ctrl-C and SIGTERM reach the script
as they would under python; bpcli waits for it to end, then says where it
stopped. If bpcli's own output fails (``| head``), the watcher falls silent
and the script runs on to its end, unwatched, as it would under python.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..core.steps import Step
from ..interact.keys import Quit
from ..system.signals import Terminated
from .launch import Child, Interpreter, start
from .seen import Seen
from .steps import Steps
from .values import ValueSteps

# what the paused script waits on
WAITS = frozenset(("call", "lines", "op", "closure", "node", "last", "passend", "replayed"))


class Watch(NamedTuple):
    """What to watch, and how."""

    methods: tuple[str, ...] = ("forward", "backward")
    value_attr: str | None = None  # None: `value`, else `data` (micrograd's)
    grad_attr: str = "grad"
    iterations: int | None = None  # forward passes watched; then the script runs on


class Run:
    def __init__(
        self,
        python: Interpreter,
        path: str,
        argv: list[str],
        watch: Watch,
        sync: bool,
        output_to_stderr: bool,
        check: bool = False,
    ) -> None:
        self.python, self.path, self.argv, self.watch = python, path, argv, watch
        self.sync, self.output_to_stderr, self.check = sync, output_to_stderr, check
        self.seen = Seen(path)
        self.steps = Steps(self.seen, watch.grad_attr)
        self.values = ValueSteps(self.seen, self.steps)
        self.hello: dict[str, Any] = {}
        self.end: dict[str, Any] = {}
        self.hints: dict[str, Any] | None = None
        self.lost: dict[str, Any] | None = None
        self.stopped = False
        self.count = 0
        self.units_seen = False
        self.waiting = False  # the script is paused, waiting for bpcli's answer
        self.child: Child | None = None
        self.handoff: Callable[[], None] = lambda: None  # before the script runs on (--step)
        self.idle: Callable[[], None] = lambda: None  # before bpcli waits for the script
        self.judge: Callable[[Step, dict[str, Any]], Any] | None = None
        self.messages: Iterator[dict[str, Any]] = iter(())

    def config(self) -> dict[str, Any]:
        w = self.watch
        return {
            "methods": list(w.methods),
            "value": w.value_attr,
            "grad": w.grad_attr,
            "iterations": w.iterations,
            "sync": self.sync,
            "check": self.check,
        }

    def run(self, emit: Callable[[Step], None]) -> int:
        """Run the script to its end, each step handed to ``emit``; its status."""
        child = self.child = start(
            self.python.path, self.path, self.argv, self.config(), self.output_to_stderr
        )
        self.messages = child.messages(lambda: self.idle())
        try:
            for msg in self.messages:
                self.waiting = self.sync and msg["t"] in WAITS
                if msg["t"] in ("last", "passend"):  # check: a pass ends (or the script)
                    if self.judge is not None:
                        self.judge(None, msg)  # type: ignore[arg-type]
                    self._go(child)
                    continue
                step = self._take(msg)
                if step is not None:
                    self.count += 1
                    self.units_seen = self.units_seen or bool(step.slots or step.writes)
                    emit(step)
                    if self.sync:
                        self.idle()
                        self.handoff()
                        self._go(child)
        except Quit:
            child.answer({"a": "quit"})
            self.waiting = False
            self._drain(child)
            child.wait()
            raise
        except KeyboardInterrupt:
            self._ended_by(child, signal.SIGINT)
            raise
        except Terminated:
            child.pass_on(signal.SIGTERM)
            self._drain(child)
            child.wait()
            raise
        except BaseException:  # bpcli's own failure (its output closed): the script runs on
            child.wait()
            raise
        return child.wait()

    def _go(self, child: Child) -> None:
        self.waiting = False
        child.answer({"a": "go"})

    def replay(self, jobs: list[dict[str, Any]]) -> list[Any]:
        """check: the paused script's forward code run again, as the jobs say."""
        assert self.child is not None
        self.waiting = False
        self.child.answer({"a": "replay", "jobs": jobs})
        for msg in self.messages:
            if msg["t"] == "replayed":
                self.waiting = True  # it waits for what comes next: more, or go
                return list(msg["r"])
            self._take(msg)
        return [{"why": "ended"}] * len(jobs)

    def _take(self, msg: dict[str, Any]) -> Step | None:
        kind = msg["t"]
        if kind == "call":
            step = self.steps.call(msg)
            return self._judged(step, msg)
        if kind == "lines":
            return self._judged(self.steps.lines(msg), msg)
        if kind in ("op", "closure", "node"):
            return self._judged(getattr(self.values, kind)(msg), msg)
        if kind == "hello":
            self.hello = msg
        elif kind == "end":
            self.end = msg
        elif kind == "hints":
            self.hints = msg
        elif kind == "lost":
            self.lost = msg
        elif kind == "stopped":
            self.stopped = True
        else:
            self.seen.take(msg)
        return None

    def _judged(self, step: Step, msg: dict[str, Any]) -> Step:
        if self.judge is None:
            return step
        problems = self.judge(step, msg)
        return step._replace(problems=tuple(problems)) if problems else step

    def _drain(self, child: Child) -> None:
        """The rest of what the script says, unshown, until it lets go; where it
        waits for an answer (the step it is paused at, too), it is told to go on."""
        if self.waiting:
            child.answer({"a": "go"})
        try:  # what was read already, then what is still to come
            for msg in itertools.chain(self.messages, child.messages()):
                if msg["t"] in WAITS and self.sync:
                    child.answer({"a": "go"})
        except (OSError, ValueError):
            pass

    def _ended_by(self, child: Child, sig: signal.Signals) -> None:
        """Ctrl-C: the terminal told the script too; if it did not (a signal sent
        to bpcli alone, or no terminal), it is passed on. Then the script's end
        is awaited."""
        if not _from_terminal():
            child.pass_on(sig)
        try:
            self._drain(child)
            child.wait()
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
            child.process.kill()
            child.wait()


def _from_terminal() -> bool:
    """Whether bpcli runs in the foreground of a terminal (whose Ctrl-C reaches
    every process of the foreground, the script's too)."""
    if sys.platform == "win32" or not hasattr(os, "tcgetpgrp"):
        return True  # Windows: a console's Ctrl-C reaches every process attached to it
    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)
