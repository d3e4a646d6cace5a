"""What `bpcli check SCRIPT.py` finds (blame.py): each message a ``Worded``,
English as JSON says it, worded again in the reader's language where the text
view and the trace draw it (``Finding.text()``)."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..core.steps import Source
from ..i18n import N_
from ..i18n.worded import Worded, in_words
from .seen import Seen
from .source import write_site

A_UNIT = Worded(N_("a Unit"))  # a Unit the script gave no name
REL, ABS = 1e-4, 1e-9  # a pull within these of the expected one is right


def agree(a: float, b: float) -> bool:
    return abs(a - b) <= ABS + REL * max(abs(a), abs(b))


class Forward(NamedTuple):
    k: int  # the step the watcher numbered it
    gate: int
    inputs: dict[int, float]  # the Units it read (arguments and its gate's own) -> values
    out: int | None  # what it made
    value: float | None  # the value it made
    args: frozenset[int] = frozenset()  # the Units among its arguments


class Finding(NamedTuple):
    kind: str  # local, assign, order, stale, total; kink for a note
    gate: str | None
    source: Source
    expected: float | None
    got: float | None
    message: str  # in English, as JSON says it (a Worded)

    def text(self) -> str:
        """The message in the reader's language."""
        return in_words(self.message)


def found(
    kind: str,
    gate: str | None,
    source: Source,
    expected: float | None,
    got: float | None,
    template: str,
    /,
    **args: str,
) -> Finding:
    """A Finding, its message worded from ``template`` (marked N_)."""
    return Finding(kind, gate, source, expected, got, Worded(template, **args))


class Wording:
    """Each kind of finding, worded with the script's own names and numbers."""

    def __init__(self, seen: Seen, grad_attr: str) -> None:
        self.seen, self.grad_attr = seen, grad_attr
        self.fresh: set[int] = set()  # the call's units first written in the pass (Judge sets it)

    def call(self, name: str) -> str:
        """A backward call, as a message names it."""
        return f"{name}.backward()"

    def unit(self, oid: int) -> str:
        return self.seen.names.get(oid) or A_UNIT

    def order(self, name: str, out_slot: str, source: Source, upstream: float) -> Finding:
        return found(
            "order",
            name,
            source,
            None,
            upstream,
            N_(
                "{call}() read {grad} = {value} before any call wrote it in this pass: "
                "call it after the backward() of the gate that reads its output"
            ),
            call=f"{name}.backward",
            grad=f"{name}.{out_slot}.{self.grad_attr}",
            value=f"{upstream:.6g}",
        )

    def stale(self, name: str, w: list[Any], began: Source | None, call: str = "") -> Finding:
        """A grad left from the pass before: said where the pass began (the seed
        the script wrote, where the zeroing belongs), with the write that added."""
        wrote = self.seen.source(w[4], w[5])
        return found(
            "stale",
            name,
            began or wrote,
            0.0,
            w[2],
            N_(
                "{unit}.{attr} still held {before} from the pass before when this backward "
                "pass began, and {call} added to it ({file}:{line}): set every grad "
                "to 0 before backward"
            ),
            unit=self.unit(w[0]),
            attr=self.grad_attr,
            before=f"{w[2]:.6g}",
            call=call or f"{name}.backward()",
            file=wrote.file,
            line=str(wrote.line),
        )

    def wrong(
        self,
        name: str,
        out_slot: str,
        writes: list[list[Any]],
        want: float,
        local: float,
        upstream: float,
    ) -> Finding:
        said = self.assigned(name, writes, want)
        return said or self.local(name, out_slot, writes, want, local, upstream)

    def assigned(self, name: str, writes: list[list[Any]], want: float) -> Finding | None:
        """`=` where `+=` belongs: a write of the call that replaced a pull the
        grad held, where adding instead would have made the call right. The
        pull replaced is this call's own (``a * a``: its second write), or, for
        the call's first write into a grad, an earlier call's in this pass
        (``(p + p) * p``: the product pulled into ``p`` first; not a grad left
        from the pass before, which is ``stale``)."""
        start, end = writes[0][2], writes[-1][3]
        for k, w in enumerate(writes):
            earlier = k > 0 or w[0] not in self.fresh
            if not earlier or w[2] == 0.0:
                continue
            site = write_site(self.seen.lines.get((w[4], w[5]), ""), self.grad_attr)
            if site.adds is False and agree(end - start + w[2], want):
                return self.replaced(name, w, w[2], w[3])
        return None

    def replaced(self, name: str, w: list[Any], before: float, pull: float) -> Finding:
        """The write ``w`` set the grad to its pull where it held ``before``."""
        return found(
            "assign",
            name,
            self.seen.source(w[4], w[5]),
            before + pull,
            w[3],
            N_(
                "{unit}.{attr} was {before} from an earlier pull, and this write replaced "
                "it with {after} instead of adding to it: with += it would be {sum}"
            ),
            unit=self.unit(w[0]),
            attr=self.grad_attr,
            before=f"{before:.6g}",
            after=f"{w[3]:.6g}",
            sum=f"{before + pull:.6g}",
        )

    def local(
        self,
        name: str,
        out_slot: str,
        writes: list[list[Any]],
        want: float,
        local: float,
        upstream: float,
    ) -> Finding:
        """A pull that is not the forward code's slope times the grad read."""
        last = writes[-1]
        unit, where = self.unit(last[0]), self.seen.source(last[4], last[5])
        got = last[3] - writes[0][2]
        return found(
            "local",
            name,
            where,
            want,
            got,
            N_(
                "this pull into {unit}.{attr} is {got}, but {gate}'s own forward() changes by "
                "{local} per unit of {unit}, so with {out_grad} = {upstream} it should be {want}"
            ),
            unit=unit,
            attr=self.grad_attr,
            got=f"{got:.6g}",
            gate=name,
            local=f"{local:.6g}",
            out_grad=f"{name}.{out_slot}.{self.grad_attr}",
            upstream=f"{upstream:.6g}",
            want=f"{want:.6g}",
        )

    def kink(self, name: str, w: list[Any], left: float, right: float) -> Finding:
        return found(
            "kink",
            name,
            self.seen.source(w[4], w[5]),
            None,
            None,
            N_(
                "{gate} is at a kink for {unit}: its forward() slopes {left} on one side and "
                "{right} on the other; the pull takes one side, as backprop must"
            ),
            gate=name,
            unit=self.unit(w[0]),
            left=f"{left:.6g}",
            right=f"{right:.6g}",
        )

    def missing(
        self,
        name: str,
        out_slot: str,
        source: Source,
        unit: str,
        want: float,
        local: float,
        upstream: float,
    ) -> Finding:
        return found(
            "missing",
            name,
            source,
            want,
            0.0,
            N_(
                "{gate}.backward() wrote nothing into {unit}.{attr}, but {gate}'s own forward() "
                "changes by {local} per unit of {unit}: with {out_grad} = {upstream} it should "
                "add {want}"
            ),
            gate=name,
            unit=unit,
            attr=self.grad_attr,
            local=f"{local:.6g}",
            out_grad=f"{name}.{out_slot}.{self.grad_attr}",
            upstream=f"{upstream:.6g}",
            want=f"{want:.6g}",
        )

    def total(self, unit: int, where: Source, numeric: float, got: float) -> Finding:
        return found(
            "total",
            None,
            where,
            numeric,
            got,
            N_(
                "after this backward pass {unit}.{attr} is {got}, but the output "
                "changes by {numeric} per unit of {unit} (the forward code, run again)"
            ),
            unit=self.unit(unit),
            attr=self.grad_attr,
            got=f"{got:.6g}",
            numeric=f"{numeric:.6g}",
        )
