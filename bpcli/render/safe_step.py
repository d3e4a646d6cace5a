"""A learner's script's step made safe to print: every text the script gave it
(names, classes, slots, lines of code, file names) with its control and bidi
characters written as escapes, as the text views need it (JSON keeps them
exact). Most steps hold none, and are drawn as they are."""

from __future__ import annotations

from ..core.steps import Source, Step
from ..i18n.safe_text import shown, unsafe


def safe(step: Step) -> Step:
    """The step with every text a learner's script gave it (names, classes,
    slots, lines of code, file names) safe to print: control and bidi
    characters written as escapes (JSON keeps them exact). Most steps hold
    none, and are drawn as they are."""
    texts = [step.call, step.gate or "", step.cls or "", step.op or ""]
    for s in step.slots:
        texts += [s.slot, s.unit, *s.also]
    for w in step.writes:
        texts += [w.slot, w.unit, w.attr, *(w.source[:1] + w.source[2:] if w.source else ())]
    if step.source is not None:
        texts += [step.source.file, step.source.text]
    if step.self_ is not None:
        texts += [step.self_.name, step.self_.cls, step.self_.first_of_class or ""]
        texts += step.self_.previous[:2] if step.self_.previous else ()
    if not unsafe("".join(texts)):
        return step

    def src(s: Source | None) -> Source | None:
        return s._replace(file=shown(s.file), text=shown(s.text)) if s is not None else None

    me = step.self_
    if me is not None:
        before = me.previous
        me = me._replace(
            name=shown(me.name),
            cls=shown(me.cls),
            first_of_class=shown(me.first_of_class) if me.first_of_class else None,
            previous=(shown(before[0]), shown(before[1]), before[2]) if before else None,
        )
    return step._replace(
        call=shown(step.call),
        gate=shown(step.gate) if step.gate else step.gate,
        cls=shown(step.cls) if step.cls else step.cls,
        op=shown(step.op) if step.op else step.op,
        slots=tuple(
            s._replace(slot=shown(s.slot), unit=shown(s.unit), also=tuple(map(shown, s.also)))
            for s in step.slots
        ),
        writes=tuple(
            w._replace(slot=shown(w.slot), unit=shown(w.unit), source=src(w.source))
            for w in step.writes
        ),
        source=src(step.source),
        self_=me,
    )
