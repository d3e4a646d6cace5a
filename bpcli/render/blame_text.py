"""`bpcli check SCRIPT.py` as text: each problem as `FILE:LINE: error: …` with
the learner's own line below it, the notes, and a verdict."""

from __future__ import annotations

from ..i18n import _, ngettext
from ..i18n.safe_text import shown
from ..script.blame import Finding
from ..script.check import ScriptCheck
from .console import Page


def _finding(level: str, f: Finding) -> str:
    src = f.source
    text = f"{shown(src.file)}:{src.line}: {level}: {f.text()}"  # the prefix as tools read it
    if src.text:
        text += f"\n    {src.text}"
    return text


def blame_text(result: ScriptCheck, page: Page, tty: bool = False) -> str:
    """The findings, one line each as tools read them (wrapped at the page's
    width only on a terminal), the learner's line below each, then the verdict."""
    lines = [_finding("error", f) for f in result.findings]
    lines += [_finding("note", f) for f in result.notes]
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
    elif result.calls:
        ok = _("ok: the backward code agrees with its forward code ({checked})")
        lines.append(ok.format(checked=checked))
    else:
        lines.append(_("nothing to check: the script called no backward method"))
    verdict = page.wrap([(lines.pop(), "")], indent="    ", first="")
    found = [page.text(*(page.wrap([(x, "")], "    ", "") for x in lines))] if tty else lines
    return "".join(x if x.endswith("\n") else x + "\n" for x in [*found, page.text(verdict)])
