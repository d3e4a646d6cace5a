"""`bpcli check SCRIPT.py` as text: each problem as `FILE:LINE: error: …` with
the learner's own line below it, the notes, and a verdict."""

from __future__ import annotations

from ..i18n import _, ngettext
from ..i18n.safe_text import shown
from ..i18n.worded import in_words
from ..script.blame import Finding, NotJudged
from ..script.check import OK, ScriptCheck
from .console import Page


def _grouped(found: list[Finding]) -> list[tuple[Finding, int]]:
    """Each kind of finding at each line once (the first), with how many more
    there were like it (a slip in a loop is found in every pass)."""
    first: dict[tuple[str, str, int, str], Finding] = {}
    count: dict[tuple[str, str, int, str], int] = {}
    for f in found:
        key = (f.kind, f.source.file, f.source.line, f.gate or "")
        first.setdefault(key, f)
        count[key] = count.get(key, 0) + 1
    return [(f, count[key] - 1) for key, f in first.items()]


def _finding(level: str, f: Finding, more: int = 0) -> str:
    src = f.source
    said = f.text()
    if more:
        said += " " + ngettext(
            "(and {n} more time like it)", "(and {n} more times like it)", more
        ).format(n=more)
    text = f"{shown(src.file)}:{src.line}: {level}: {shown(said)}"  # as tools read it
    if src.text:
        text += f"\n    {shown(src.text)}"
    return text


def blame_text(result: ScriptCheck, page: Page, tty: bool = False) -> str:
    """The findings, one line each as tools read them (wrapped at the page's
    width only on a terminal), the learner's line below each, the backward
    calls not judged (by reason: the first of each, and how many), then the
    verdict, which claims no more than was checked. A script that never ran
    (its own error said it) has nothing more said of it."""
    if not result.ran:
        return ""
    lines = [_finding("error", f, n) for f, n in _grouped(result.findings)]
    lines += [_finding("note", f, n) for f, n in _grouped(result.notes)]
    lines += _not_judged(result)
    n = len(result.findings)
    calls = ngettext("{n} backward call", "{n} backward calls", result.calls)
    pulls = ngettext("{n} pull", "{n} pulls", result.pulls)
    if result.sampled:
        checked = _(
            "{calls}, {pulls} checked against the forward code; each pass's result on a "
            "sample of its inputs"
        )
    else:
        checked = _("{calls}, {pulls} checked against the forward code")
    checked = checked.format(calls=calls.format(n=result.calls), pulls=pulls.format(n=result.pulls))
    if n:
        fail = ngettext("fail: {n} problem ({checked})", "fail: {n} problems ({checked})", n)
        lines.append(fail.format(n=n, checked=checked))
    elif result.verdict == OK:
        ok = _("ok: the backward code agrees with its forward code ({checked})")
        lines.append(ok.format(checked=checked))
    elif result.lost:
        lines.append(
            _("nothing checked: bpcli lost sight of the script's calls ({checked})").format(
                checked=checked
            )
        )
    elif result.calls:
        lines.append(
            _(
                "nothing checked: no pull could be compared with the forward code ({checked})"
            ).format(checked=checked)
        )
    else:
        lines.append(_("nothing checked: bpcli saw no backward call of a gate"))
    verdict = page.wrap([(lines.pop(), "")], indent="    ", first="")
    found = [page.text(*(page.wrap([(x, "")], "    ", "") for x in lines))] if tty else lines
    return "".join(x if x.endswith("\n") else x + "\n" for x in [*found, page.text(verdict)])


def _not_judged(result: ScriptCheck) -> list[str]:
    """`FILE:LINE: note: NAME.backward() not judged: WHY`, the first call of each
    reason, and how many more."""
    by_reason: dict[str, list[NotJudged]] = {}
    for skipped in result.not_judged:
        by_reason.setdefault(str(skipped.why), []).append(skipped)
    said = []
    for calls in by_reason.values():
        first = calls[0]
        src = first.source
        why = in_words(first.why)
        if first.gate:
            call = first.call or f"{first.gate}.backward()"
            text = _("{call} not judged: {why}").format(call=call, why=why)
        else:
            text = why
        if len(calls) > 1:
            more = len(calls) - 1
            text += " " + ngettext(
                "(and {n} more call like it)", "(and {n} more calls like it)", more
            ).format(n=more)
        said.append(f"{shown(src.file)}:{src.line}: note: {shown(text)}")
    return said
