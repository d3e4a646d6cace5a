"""Errors as values with a source location, worded and formatted in one place.

A ``Problem`` is one thing wrong with a circuit: a 1-based line and column, a
message and an optional hint. ``CircuitError`` carries one or more of them (more
than one only for ``validate --all-errors``). The CLI formats them with
``format_problem`` as ``FILE:LINE:COL: error: MESSAGE`` plus ``hint: …``.
``UsageProblem`` is a command line that asks for what the circuit lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from ..i18n import N_, _
from ..i18n.worded import Worded, in_words

if TYPE_CHECKING:
    from .gates import Op


class Problem(NamedTuple):
    line: int
    col: int
    message: str
    hint: str | None = None


class CircuitError(Exception):
    """The circuit is wrong or could not be computed (exit status 1)."""

    def __init__(self, problems: list[Problem], filename: str = "<input>") -> None:
        if not problems:
            raise ValueError("a CircuitError needs at least one Problem")
        super().__init__(problems[0].message)
        self.problems = list(problems)
        self.filename = filename  # set by whoever knows what was read
        self.total = len(self.problems)  # found, when more were found than listed

    def during(self, context: str) -> CircuitError:
        """The same error, its last problem saying when it happened: ``context``
        is the whole worded parenthesis, ``(in forward pass 3)``."""
        last = self.problems[-1]
        said = Worded(N_("{problem} {context}"), problem=last.message, context=context)
        self.problems[-1] = last._replace(message=said)
        return self

    @classmethod
    def at(cls, line: int, col: int, message: str, hint: str | None = None) -> CircuitError:
        return cls([Problem(line, col, message, hint)])


class Failure(Exception):
    """Something bpcli was asked to do could not be done (exit status 1): a file
    that cannot be written, a program that is missing. One message, a hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint

    @classmethod
    def said(cls: type[F], message: str, hint: str | None = None, **args: object) -> F:
        """In the reader's language: ``message`` and ``hint`` marked ``N_``, ``args``
        filling the message's placeholders."""
        return cls(_(message).format(**args), _(hint) if hint else None)


F = TypeVar("F", bound=Failure)


class Interrupted(Exception):
    """Ctrl-C (exit status 130) or SIGTERM (143) ended a command cleanly; the
    message says where."""

    def __init__(self, message: str, status: int = 130) -> None:
        super().__init__(message)
        self.status = status

    @classmethod
    def by(cls, signal: BaseException, where: str) -> Interrupted:
        """``bpcli: interrupted after …`` (or ``terminated``), for the exception
        the signal raised."""
        if isinstance(signal, KeyboardInterrupt):
            return cls(_("bpcli: interrupted {where}").format(where=where), 130)
        return cls(_("bpcli: terminated {where}").format(where=where), 143)


class UsageProblem(Exception):
    """The command line asks for something the circuit cannot give (exit status 2):
    a --set of a unit it lacks, a --gate it has no gate for. ``option`` names the
    option, as the user wrote it."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.message, self.option = message, option


def forward_error(
    gate: str, line: int, col: int, op: Op, values: tuple[float, ...], exc: Exception | None
) -> CircuitError:
    """A gate's forward() that gave no finite real number: why, with its values."""
    call = f"{op.name}({', '.join(repr(v) for v in values)})"
    if isinstance(exc, ZeroDivisionError):
        message = N_("gate '{gate}': {call} divides by zero")
    elif isinstance(exc, OverflowError):
        message = N_("gate '{gate}': {call} overflows")
    elif isinstance(exc, ValueError):
        message = N_("gate '{gate}': {call} is outside the domain of {op} ({domain})")
    else:
        message = N_("gate '{gate}': {call} is not a finite real number")
    domain = Worded(op.domain or N_("real result"))
    # English in the data (check's JSON quotes it), worded where it is shown
    text = Worded(message, gate=gate, call=call, op=op.name, domain=domain)
    hint = _domain_hint(op) if isinstance(exc, (ValueError, ZeroDivisionError)) else None
    return CircuitError.at(line, col, text, hint)


def backward_error(
    gate: str,
    line: int,
    col: int,
    op: Op,
    k: int,
    local: float,
    upstream: float,
    values: tuple[float, ...],
) -> CircuitError:
    """A write of a gate's backward() that is no finite real number: the chain
    rule with its numbers."""
    from .gates import IN_SLOTS, OUT_SLOT

    shown = ", ".join(repr(v) for v in values)
    message = Worded(
        N_(
            "gate '{gate}': backward: {slot}.grad += {local_formula} × {out}.grad = "
            "{local} × {upstream} is not a finite real number ({call})"
        ),
        gate=gate,
        slot=IN_SLOTS[k],
        local_formula=op.local_formulas[k],
        out=OUT_SLOT,
        local=repr(local),
        upstream=repr(upstream),
        call=f"{op.name}({shown})",
    )
    hint = _slope_hint(op, k, shown) if local != local else _("the numbers grow too large")
    return CircuitError.at(line, col, message, hint)


def update_error(
    name: str, line: int, col: int, value: float, step: float, grad: float
) -> CircuitError:
    """An update ``value += step_size × grad`` that is no finite real number."""
    message = N_("update of '{name}': {value} + {step} × {grad} is not a finite real number")
    return CircuitError.at(
        line,
        col,
        Worded(message, name=name, value=repr(value), step=repr(step), grad=repr(grad)),
        _("try a smaller --step-size"),
    )


def _slope_hint(op: Op, k: int, shown: str) -> str:
    from .gates import IN_SLOTS

    call = f"{op.name}({shown})"
    if not op.domain:
        return _("the local derivative of {slot} has no finite value at {call}").format(
            slot=IN_SLOTS[k], call=call
        )
    return _(
        "the local derivative of {slot} has no finite value at {call}; {op} needs: {domain}"
    ).format(slot=IN_SLOTS[k], call=call, op=op.name, domain=_(op.domain))


def _domain_hint(op: Op) -> str | None:
    if not op.domain:
        return None
    return _("{op} needs: {domain}").format(op=op.name, domain=_(op.domain))


def format_error(err: CircuitError) -> str:
    return "\n".join(format_problem(err.filename, p) for p in err.problems)


def format_problem(filename: str, problem: Problem) -> str:
    from ..i18n.safe_text import shown

    # the prefix and its `error:` are what tools read: never translated
    message = in_words(problem.message)  # a Worded's English, worded for the reader
    text = f"{shown(filename)}:{problem.line}:{problem.col}: error: {message}"
    if problem.hint:
        text += "\n" + _("hint: {hint}").format(hint=problem.hint)
    return text


def did_you_mean(word: str, choices: Iterable[str], sentence: bool = False) -> str | None:
    """A 'did you mean' hint for a near miss, or None; ``sentence``: as a sentence
    of its own, after another (a whole message, capitalized as its language
    starts one: never a lowercase half glued after a full stop)."""
    import difflib  # only to word a hint: not on every run's start-up

    # difflib's ratio is 2·matches/(both lengths): at cutoff 0.6 a choice is at
    # least 3/7 and at most 7/3 the word's length, so only those are compared (a
    # name of a million characters is compared with nothing, at no cost)
    choices = [c for c in choices if 3 * len(word) <= 7 * len(c) and 3 * len(c) <= 7 * len(word)]
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.6) if choices else []
    if not close:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    if not close and not (word.isascii() and all(c.isascii() for c in choices)):
        from ..i18n.safe_text import looks  # a Cyrillic 'а' for a Latin 'a', either way

        close = [c for c in choices if looks(c) == looks(word)][:3]
    if not close:
        return None
    quoted = [f"'{c}'" for c in close]
    words = _SENTENCES if sentence else _HINTS
    first, second, third = [*quoted, "", ""][:3]
    return _(words[len(quoted) - 1]).format(first=first, second=second, third=third)


_HINTS = (
    N_("did you mean {first}?"),
    N_("did you mean {first} or {second}?"),
    N_("did you mean {first} or {second} or {third}?"),
)
_SENTENCES = (
    N_("Did you mean {first}?"),
    N_("Did you mean {first} or {second}?"),
    N_("Did you mean {first} or {second} or {third}?"),
)
