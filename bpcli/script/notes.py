"""What bpcli says after a script's run, on standard error: the Python it ran
under when that is worth knowing, a module that Python lacks, that nothing
was watched (and what the script holds that could be), that the script took
bpcli's hook away, that watching stopped after ``--passes``."""

from __future__ import annotations

from ..i18n import _, ngettext
from ..i18n.safe_text import shown
from .run import Run

NOTE, WARNING = "bpcli: note: ", "bpcli: warning: "  # the prefixes tools read: never translated


def after_run(run: Run) -> list[str]:
    said = []
    python = shown(run.hello.get("exe") or run.python.path)
    version = run.hello.get("py", "?")
    if run.python.chosen == "bpcli":
        said.append(
            NOTE
            + _("no python3 on PATH: the script ran under bpcli's own Python ({python})").format(
                python=python
            )
        )
    if run.end.get("raised") == "ModuleNotFoundError":
        said.append(
            NOTE
            + _(
                "the script ran under {python} (Python {version}), which has no module "
                "'{module}': --python PATH runs it under another"
            ).format(python=python, version=version, module=run.end.get("module"))
        )
    if run.lost is not None:
        where = run.seen.source(run.lost["f"], run.lost["l"]) if run.lost["f"] else None
        said.append(
            WARNING
            + _(
                "bpcli's hook was taken away{where} ({why}): the calls after it were not seen"
            ).format(
                where=_(" at {file}:{line}").format(file=shown(where.file), line=where.line)
                if where
                else "",
                why=_("the script set its own sys.setprofile")
                if run.lost.get("theirs")
                else _("sys.setprofile(None), or a RecursionError inside the hook"),
            )
        )
    if run.stopped:
        n = run.watch.iterations or 0
        said.append(
            NOTE
            + ngettext(
                "watched the first forward pass; the script ran on unwatched",
                "watched the first {n} forward passes; the script ran on unwatched",
                n,
            ).format(n=n)
        )
    if run.lost is not None:
        pass  # what was not seen is said above: no claim about what the script calls
    elif run.count == 0 and run.end.get("ran", False) and not run.end.get("raised"):
        said.extend(nothing_watched(run))
    elif run.count and not run.units_seen:
        said.append(
            WARNING
            + _(
                "the gates held no Unit (an object with numeric {value} and {grad}): "
                "nothing to show of them"
            ).format(value=run.watch.value_attr or "value", grad=run.watch.grad_attr)
        )
        said.extend(hints(run))
    return said


def nothing_watched(run: Run) -> list[str]:
    """Nothing to trace: and what the script does hold, as options to try."""
    methods = _(" or ").join(run.watch.methods)
    said = [
        WARNING
        + _(
            "the script called no method named {methods} on an object that is no Unit: "
            "there is nothing to trace"
        ).format(methods=methods)
    ]
    return said + hints(run)


def hints(run: Run) -> list[str]:
    """What the script holds that could be watched, as the options that watch it."""
    said = []
    hints = run.hints or {}
    for cls, attrs in list(hints.get("units", {}).items())[:3]:
        watched = (run.watch.value_attr,) if run.watch.value_attr else ("value", "data")
        if len(attrs) >= 2 and (attrs[0] not in watched or attrs[1] != run.watch.grad_attr):
            said.append(
                NOTE
                + _(
                    "objects of {cls} hold numbers in {attrs}: --value-attr {value} "
                    "--grad-attr {grad}"
                ).format(cls=cls, attrs=", ".join(attrs), value=attrs[0], grad=attrs[1])
            )
    for cls, called in list(hints.get("methods", {}).items())[:3]:
        said.append(
            NOTE
            + _("the script calls {methods} on objects of {cls}: --methods {option}").format(
                methods=", ".join(called), cls=cls, option=",".join(called[:2])
            )
        )
    return said
