"""`bpcli check SCRIPT.py`: the learner's script run as it is, in its own
interpreter, watched, each backward call judged against the script's own
forward code as it returns (``blame``), the replays run by the watcher where
the script cannot see them. The verdict claims no more than was checked:
``ok`` only when at least one pull was compared and none was wrong;
``nothing checked`` (with why, and what the script does hold) otherwise."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..core.steps import Step
from .blame import Judge, NotJudged
from .findings import Finding
from .launch import Interpreter
from .run import Run, Watch

OK, FAIL, NOTHING = "ok", "fail", "nothing checked"


class ScriptCheck(NamedTuple):
    file: str
    findings: list[Finding]  # what is wrong: each at the line that did it
    notes: list[Finding]  # what is right but worth knowing (a kink)
    status: int  # the script's own exit status
    calls: int  # backward calls seen
    pulls: int  # pulls compared with the forward code
    sampled: bool = False  # the whole-pass check took a sample of the inputs
    not_judged: tuple[NotJudged, ...] = ()  # backward calls not judged, and why
    checked_calls: int = 0  # backward calls with at least one pull compared
    said: tuple[str, ...] = ()  # what bpcli says of the run (the hook taken, hints)
    lost: bool = False  # the script took bpcli's hook away: its calls after it unseen
    ran: bool = True  # False: the script never ran (a syntax error): nothing to say

    @property
    def verdict(self) -> str:
        if self.findings:
            return FAIL
        return OK if self.pulls else NOTHING


def check_script(python: Interpreter, path: str, argv: list[str], watch: Watch) -> ScriptCheck:
    """Run and judge; the script's own output goes to standard error, so that
    standard output holds the verdict."""
    run = Run(python, path, argv, watch, sync=True, output_to_stderr=True, check=True)
    judge = Judge(run.seen, watch.grad_attr, run.replay)

    def judged(step: Step, msg: dict[str, Any]) -> list[str]:
        if run.lost is not None:  # calls unseen from here on: nothing more is claimed
            judge.in_backward = False
            return []
        if msg["t"] == "last":
            judge.finish()
            return []
        if msg["t"] == "passend":  # a Value's backward() returned: its pass, judged whole
            judge.finish()
            judge.values.ended()
            return []
        return judge.step(step, msg)

    run.judge = judged
    status = run.run(lambda step: None)
    if run.lost is None:
        judge.finish()
    from .notes import after_run

    said = tuple(after_run(run))
    return ScriptCheck(
        path,
        judge.findings,
        judge.notes,
        status,
        judge.calls,
        judge.checked,
        judge.sampled,
        tuple(judge.not_judged),
        judge.checked_calls,
        said,
        run.lost is not None,
        bool(run.end.get("ran", True)),
    )
