"""`bpcli trace` as text: one block per gate call, the seed and each update.

A forward step shows the call and the gate's slots, the new ``utop`` marked.
A backward step writes the chain rule out with numbers, one line per write,
then where the written object is also held (the slot that will read it
next), and, where a Unit has received several pulls, their running sum.
Every line fits the page: a heading's fields move whole to the next line,
and the chain rule and the sums break at spaces, each operator with its
number, under an indent that keeps the step's shape.
"""

from __future__ import annotations

from ..core.addresses import address
from ..core.gates import OUT_SLOT
from ..core.steps import SHOWN_PULLS, SlotView, Source, Step, Summary, Write, replaced
from ..i18n import N_, _, grouped, ngettext
from ..i18n.safe_text import shown
from ..i18n.worded import in_words
from . import layout, value_text
from .console import PHASE_STYLE, SHARED_STYLE, Page, fmt, phase_word, translated
from .layout import Cell, Column, Line
from .run_tables import REUSED, REUSED_LEGEND
from .safe_step import safe as _safe

SLOT_COLUMNS = (
    Column(N_("slot")),
    Column(N_("unit")),
    Column(N_("id"), below=2),
    Column(N_("value"), right=True),
    Column(N_("grad"), right=True),
    Column(N_("same object as"), below=1),
)


MAX_HOLDERS = 4  # gate slots named in a step; the others counted ("… and 8 more")


def holders(slot: SlotView, sep: str) -> str:
    """The slots that hold the object too, at most ``MAX_HOLDERS`` of them named."""
    also, total = slot.also, slot.also_count or len(slot.also)
    if total <= MAX_HOLDERS:
        return sep.join(also)
    named = list(also[: MAX_HOLDERS - 1])
    more = total - len(named)
    return sep.join([*named, ngettext("… and {n} more", "… and {n} more", more).format(n=more)])


class TraceText(Page):
    """The steps of one trace, drawn one at a time."""

    # The gate told apart from the first of its class, one a class: a learner
    # needs to read it once, not for every gate of an MLP.
    _told: dict[str, str] | None = None
    _legend_at: int | None = None  # the step that says what ↺ means
    _columns: list[Column] | None = None

    def step_text(self, step: Step, number: int, total: int | None = None) -> str:
        return self.text(*self.step_blocks(step, number, total))

    def step_blocks(self, step: Step, number: int, total: int | None = None) -> list[list[Line]]:
        p = self.precision
        step = _safe(step)
        blocks: list[list[Line]] = [self.heading(step, number, total)]
        me = step.self_
        if me is not None and me.first_of_class is not None and self._tells(me.cls, me.name):
            blocks.append(
                self.paragraph(
                    _(
                        "{name} is another {cls}, a different object from "
                        "{first}, with attributes of its own. Gates of one class "
                        "share their code, not themselves: what they share are the Units in "
                        "their slots."
                    ).format(name=me.name, cls=me.cls, first=me.first_of_class),
                    style="cyan",
                )
            )
        if me is not None and me.previous is not None:  # question 2: a self per call
            name, cls, was_at = me.previous
            said = _(
                "a different object from the previous step's self: that was {name}, "
                "{a_class} at {address}"
            ).format(name=name, a_class=_a(cls), address=address(was_at))
            blocks.append(self.paragraph(said, style="cyan"))
        if step.value is not None:
            blocks.extend(value_text.lines(self, step, step.value))
        if step.raised:
            said = _("this call {raised}").format(raised=in_words(step.raised))  # JSON: English
            blocks.append(self.paragraph(said, style="bold red"))
        if step.phase == "backward" and step.gate is None:
            out = step.slots[0]
            seed = _("every grad set to 0.0, then the output's: {code}").format(
                code=f"{out.unit}.grad = 1.0"
            )
            blocks.append(self._said(seed))
            blocks.append(self._where(out.unit, out))
        top = next((s for s in step.slots if s.slot == step.out_slot), None)
        if step.phase != "forward" and step.gate is not None and top is not None:
            grad = next((w.attr for w in step.writes if w.attr != "value"), "grad")
            read = f"{top.slot}.{grad}" if step.value else f"{step.gate}.{top.slot}.{grad}"
            reads: Line = [
                (
                    _("reads {code}: {unit}").format(
                        code=f"{read} = {fmt(top.grad, p)}", unit=top.unit
                    ),
                    "",
                )
            ]
            if top.also:
                same = _(", the same object as {slots}").format(slots=holders(top, ", "))
                reads.append((same, SHARED_STYLE))
            blocks.append(self.wrap(reads, indent="      ", first="  "))
        for w in step.writes:
            blocks.extend(self._write_lines(step, w))
        if step.update is not None:
            u = step.update
            blocks.append(
                self._said(
                    f"{u.unit}.value = {fmt(u.value_before, p)} + {u.step_size!r} × "
                    f"{fmt(u.grad, p)} → {fmt(u.value_after, p)}"
                )
            )
            blocks.append(self._where(u.unit, step.slots[0]))
        for problem in step.problems:  # what `bpcli check` blames here
            said = "✗ " + in_words(problem)  # JSON keeps English
            blocks.append(self.wrap([(said, "bold red")], indent="    ", first="  "))
        if step.gate is not None and step.slots:
            blocks.append(self._slots_table(step))
        if any(s.reused for s in step.slots) and self._legend_at in (None, number):
            self._legend_at = number  # said once, where the first mark is shown
            blocks.append(self.paragraph(_(REUSED_LEGEND), style="dim", indent=""))
        if step.parts:
            blocks.append(
                self.paragraph(
                    _("◆ here the run with the mistake parts from the correct one:"),
                    style="bold red",
                    indent="",
                )
            )
            for unit, here, there in step.parts[:12]:
                blocks.append(
                    self.wrap(
                        [
                            (
                                _(
                                    "{unit}: value {value}, grad {grad} here; "
                                    "value {other_value}, grad {other_grad} with the mistake"
                                ).format(
                                    unit=unit,
                                    value=fmt(here[0], p),
                                    grad=fmt(here[1], p),
                                    other_value=fmt(there[0], p),
                                    other_grad=fmt(there[1], p),
                                ),
                                "red",
                            )
                        ],
                        indent="        ",
                        first="    ",
                    )
                )
        return blocks

    def summary_text(self, summary: Summary) -> str:
        """What a script's trace comes to: how many gate objects (so how many
        different selfs), and which Units more than one slot holds."""
        values = self._values_said(summary)
        if not summary.gates:
            return self.text(values) if values else ""
        summary = summary._replace(
            classes=tuple((shown(c), n) for c, n in summary.classes),
            shared=tuple((shown(u), tuple(map(shown, s))) for u, s in summary.shared),
        )
        classes = ", ".join(f"{n} {cls}" for cls, n in summary.classes)
        gates = ngettext(
            "{n} gate object, so {n} self: {classes}.",
            "{n} gate objects, so {n} different selfs: {classes}.",
            summary.gates,
        ).format(n=_count(summary.gates), classes=classes)
        blocks = [self.paragraph(gates, style="bold", indent="")]
        if values:
            blocks.append(values)
        if summary.shared:
            said = _("Units that more than one slot holds (one object each):")
            blocks.append(self.paragraph(said, style="bold", indent=""))
            for unit, slots in summary.shared:
                blocks.append(self.paragraph(f"{unit}: {' ≡ '.join(slots)}", indent="  "))
            if summary.more_shared:
                more = ngettext("… and {n} more", "… and {n} more", summary.more_shared)
                blocks.append(
                    self.paragraph(more.format(n=_count(summary.more_shared)), indent="  ")
                )
        return self.text(*blocks)

    def _values_said(self, summary: Summary) -> list[Line]:
        said = value_text.summary(summary)
        return self.paragraph(said, style="bold", indent="") if said else []

    def chain_rule(self, step: Step, w: Write) -> str:
        """A write's lines as its step shows them, without where the object is
        held: the chain rule with its numbers (a script's line), and the grad
        before and after. Not kept for --save-svg: the quiz says it."""
        blocks = self._write_lines(step, w, where=False)
        return layout.render([self._ascii(x) for b in blocks for x in b], self.color) + "\n"

    def _tells(self, cls: str, gate: str) -> bool:
        """Whether ``gate``'s step is the one that tells its class's objects apart."""
        if self._told is None:
            self._told = {}
        return self._told.setdefault(cls, gate) == gate

    def _said(self, text: str, style: str = "") -> list[Line]:
        """A line of the step (two spaces in), its continuation further in."""
        return self.wrap([(text, style)], indent="      ", first="  ")

    def heading(self, step: Step, number: int, total: int | None) -> list[Line]:
        """What the step is: its pass, its number, the call (or the script's line),
        the gate object it ran on, and where; a field that does not fit the
        width goes whole to the next line."""
        phase = f"{phase_word(step.phase)} {step.iteration}"
        numbered = (
            _("step {number}/{total}").format(number=number, total=total)
            if total
            else _("step {number}").format(number=number)
        )
        fields: list[Line] = [
            [(phase, f"bold {PHASE_STYLE.get(step.phase, '')}")],
            [(numbered, "")],
        ]
        if step.phase == "script" and step.source is not None:
            src = step.source
            where: Line = [(f"{src.file}:{src.line}", "dim")]
            whole = [*where, ("  ", ""), (src.text, "bold")]
            if len(self.fields([*fields, whole])) == 1:
                return self.fields([*fields, whole])
            return self.fields([*fields, where, [(src.text, "bold")]])
        fields.append([(step.call, "bold")])
        if step.source is not None:
            fields.append([(f"{step.source.file}:{step.source.line}", "")])
        elif step.line and step.phase == "backward" and step.gate is None:  # the seed
            said = (
                _("line {line}: output: {unit}").format(line=step.line, unit=step.slots[0].unit)
                if step.output_key
                else _("line {line}: the last gate's output").format(line=step.line)
            )
            fields.append([(said, "")])
        elif step.line:
            fields.append([(_("line {line}").format(line=step.line), "")])
        placed = value_text.order(step.value) if step.value is not None else None
        if placed is not None:
            fields.append([(placed, "")])
        if step.self_ is not None:
            me = step.self_
            fields.append([(_self(me.name, me.cls, address(me.id)), "")])
        elif step.cls:
            fields.append([(step.cls, "")])
        return self.fields(fields)

    def _write_lines(self, step: Step, w: Write, where: bool = True) -> list[list[Line]]:
        p = self.precision
        blocks = []
        if w.source is not None:  # a script's write: its own line, then the numbers
            src = w.source
            if step.source != src:  # a script's line outside calls says it in its heading
                blocks.append(self._code_line(src))
            if w.local is not None and w.upstream is not None:  # a Value's: the chain rule
                said = f"= {fmt(w.local, p)} × {fmt(w.upstream, p)}"
                blocks.append(self.wrap([(said, "")], indent="        ", first="    "))
            blocks.append(self._result(w, w.attr))
            first = w.slot.split("+")[0]  # one object in several attributes: x * x
            held = next((s for s in step.slots if w.id is not None and s.id == w.id), None)
            if held is None:  # a gate's write: by its slot
                held = next((s for s in step.slots if s.slot == first or s.unit == w.unit), None)
            if held is not None and where:
                blocks.append(self._where(w.unit, held))
            return blocks
        if w.skipped:
            blocks.append(
                self._said(
                    _(
                        "{grad}: {formula} is not defined here and "
                        "{slot} holds a literal: skipped, {unit_grad} stays {value}"
                    ).format(
                        grad=f"{step.gate}.{w.slot}.grad",
                        formula=w.formula,
                        slot=w.slot,
                        unit_grad=f"{w.unit}.grad",
                        value=fmt(w.grad_after, p),
                    )
                )
            )
            return blocks
        local, upstream = w.local or 0.0, w.upstream or 0.0  # a circuit's: both known
        blocks.append(
            self._said(
                f"{step.gate}.{w.slot}.grad += {w.formula} × {OUT_SLOT}.grad = "
                f"{fmt(local, p)} × {fmt(upstream, p)}"
            )
        )
        blocks.append(self._result(w, "grad"))
        if where:
            blocks.append(self._where(w.unit, next(s for s in step.slots if s.slot == w.slot)))
        return blocks

    def _result(self, w: Write, attr: str) -> list[Line]:
        """`x.grad 0.0 → 8.0`, and the running sum of its pulls."""
        p = self.precision
        line: Line = [
            (f"{w.unit}.{attr} {fmt(w.grad_before, p)} → ", ""),
            (fmt(w.grad_after, p), "bold"),
        ]
        if len(w.pulls) > 1:
            said = _sum(w.pulls, p, w.pulls_total)
            line.append((f"   ({said} = {fmt(w.grad_after, p)})", "magenta"))
        lines = self.wrap(line, indent="        ", first="    ")
        if replaced(w):  # `=` where `+=` belongs: what the grad held is gone
            said = _(
                "= replaced the {before} {unit}.{attr} held: that pull is lost "
                "(+= would make it {sum})"
            ).format(
                before=fmt(w.grad_before, p),
                unit=w.unit,
                attr=attr,
                sum=fmt(float(w.grad_before) + float(w.grad_after), p),
            )
            lines += self.wrap([(said, "bold red")], indent="        ", first="    ")
        return lines

    def _code_line(self, src: Source) -> list[Line]:
        """`  file:line  code`; where that is wider than the page, the code goes
        whole to a line of its own."""
        return self.fields(
            [[(f"{src.file}:{src.line}", "dim")], [(src.text, "")]],
            sep="  ",
            indent="    ",
            first="  ",
        )

    def _where(self, unit: str, slot: SlotView) -> list[Line]:
        """Which object was written, and which gate slots hold it too."""
        where: Line = [(_("{unit} is {address}").format(unit=unit, address=_id(slot)), "dim")]
        if slot.also:
            same = _(", the same object as {slots}").format(slots=holders(slot, ", "))
            where.append((same, SHARED_STYLE))
        return self.wrap(where, indent="        ", first="    ")

    def _slots_table(self, step: Step) -> list[Line]:
        p = self.precision
        rows: list[list[Cell]] = []
        for s in step.slots:
            new = step.phase == "forward" and s.slot == step.out_slot
            style = SHARED_STYLE if s.also else ""
            rows.append(
                [
                    (s.slot, ""),
                    (s.unit, "bold" if s.also else ""),
                    (_id(s) + (" " + _("new") if new else ""), style or "dim"),
                    (fmt(s.value, p), ""),
                    (fmt(s.grad, p), ""),
                    (holders(s, ",\n") or "—", style),
                ]
            )
        if self._columns is None:  # the headers in the reader's language, once a trace
            self._columns = translated(SLOT_COLUMNS)
        return self.table(self._columns, rows)


def _id(s: SlotView) -> str:
    """The id, marked where another Unit had that address earlier in the run."""
    return f"{address(s.id)} {REUSED}" if s.reused else address(s.id)


def _sum(pulls: tuple[float, ...], p: int, total: int = 0) -> str:
    """1.000000 + 2.000000 − 0.500000: a running sum, as a person writes it; a
    long one as its first and last pulls, the others counted (``total``: how
    many there were, when more than ``pulls``)."""
    terms = [f" − {fmt(-x, p)}" if x < 0 else f" + {fmt(x, p)}" for x in pulls[1:]]
    if total > len(pulls):
        more = total - len(pulls)
        cut = SHOWN_PULLS - 1  # the first pull is outside ``terms``
        said = ngettext("… {n} more", "… {n} more", more).format(n=_count(more))
        terms = [*terms[:cut], f" + {said}", *terms[cut:]]
    return fmt(pulls[0], p) + "".join(terms)


def _self(name: str, cls: str, address: str) -> str:
    """`self = mulg0, a MultGate at 0x…` (`an AddGate`)."""
    if _vowel(cls):
        said = _("self = {name}, an {cls} at {address}")
    else:
        said = _("self = {name}, a {cls} at {address}")
    return said.format(name=name, cls=cls, address=address)


def _a(cls: str) -> str:
    """`a MultGate`, `an AddGate`."""
    return (_("an {cls}") if _vowel(cls) else _("a {cls}")).format(cls=cls)


def _vowel(word: str) -> bool:
    """Whether English says `an` before the word (`an AddGate`, `a UnitGate`)."""
    low = word.lower()
    if low.startswith(("uni", "use", "usa", "uti", "eu", "one", "ure")):
        return False  # a "you" or a "w" sound
    return low[:1] in "aeiou" or low.startswith(("hour", "honest"))


def _count(n: int) -> str:
    """A count as the reader's language groups digits."""
    return grouped(n)
