"""`bpcli check SCRIPT.py` as text: each problem as `FILE:LINE: error: …` with
the learner's own line below it, the notes, and a verdict."""

from __future__ import annotations

from ..safe_text import shown
from ..script.blame import Finding
from ..script.check import ScriptCheck
from .console import Page


def _finding(level: str, f: Finding) -> str:
    src = f.source
    text = f"{shown(src.file)}:{src.line}: {level}: {f.message}"
    if src.text:
        text += f"\n    {src.text}"
    return text


def blame_text(result: ScriptCheck, page: Page, tty: bool = False) -> str:
    """The findings, one line each as tools read them (wrapped at the page's
    width only on a terminal), the learner's line below each, then the verdict."""
    lines = [_finding("error", f) for f in result.findings]
    lines += [_finding("note", f) for f in result.notes]
    n = len(result.findings)
    checked = (
        f"{result.calls} backward calls, {result.pulls} pulls checked against the forward code"
    )
    if result.sampled:
        checked += "; each pass's result on a sample of its inputs"
    if n:
        lines.append(f"fail: {n} problem{'s' if n != 1 else ''} ({checked})")
    elif result.calls:
        lines.append(f"ok: the backward code agrees with its forward code ({checked})")
    else:
        lines.append("nothing to check: the script called no backward method")
    verdict = page.wrap([(lines.pop(), "")], indent="    ", first="")
    found = [page.text(*(page.wrap([(x, "")], "    ", "") for x in lines))] if tty else lines
    return "".join(x if x.endswith("\n") else x + "\n" for x in [*found, page.text(verdict)])
