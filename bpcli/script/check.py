"""`bpcli check SCRIPT.py`: the learner's script run as it is, watched, each
backward() call judged against the script's own forward() code (blame.py)."""

from __future__ import annotations

import sys
from typing import NamedTuple

from .blame import Finding, Judge
from .runner import run
from .watcher import Watcher


class ScriptCheck(NamedTuple):
    file: str
    findings: list[Finding]  # what is wrong: each at the line that did it
    notes: list[Finding]  # what is right but worth knowing (a kink)
    status: int  # the script's own exit status
    calls: int  # backward calls judged
    pulls: int  # pulls compared with the forward code
    sampled: bool = False  # the whole-pass check took a sample of the inputs


def check_script(
    path: str, argv: list[str], methods: tuple[str, ...], value_attr: str, grad_attr: str
) -> ScriptCheck:
    """Run and judge; the script's own output goes to standard error, so that
    standard output holds the verdict."""
    watcher = Watcher(lambda step: None, methods, value_attr, grad_attr)
    judge = Judge(watcher)
    watcher.judge = judge
    calls = [0]

    def counted(step: object) -> None:
        if getattr(step, "phase", "") != methods[0] and getattr(step, "gate", None) is not None:
            calls[0] += 1

    watcher.emit = counted
    status = run(path, argv, watcher, sys.stderr)
    findings = judge.finish()
    return ScriptCheck(path, findings, judge.notes, status, calls[0], judge.checked, judge.sampled)
