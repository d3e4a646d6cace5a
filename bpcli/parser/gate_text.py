"""A gate's text, ``OP(ARG, ARG) -> OUT``, split into its op, arguments and output.

``split`` checks the text's form only: a known op, its number of arguments,
parentheses, the arrow and a valid output name. What the arguments name is the
builder's to check. Offsets count characters from the start of the text; every
fault is a ``GateTextError`` at the offset where it is. The names it gives are
in their NFKC form, as ``is_name`` gives them (the offsets are the text's own).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..core.errors import did_you_mean
from ..core.gates import IN_SLOTS, OPS, Op
from ..i18n import N_, _, ngettext
from .values import NAME, invalid_name, is_name, name_hint, quoted

# A gate as it is usually written, the one regex match of the common case: a
# known op, one or two arguments (any token: what they name is the builder's to
# check) and a valid output name. Anything else goes the way that says what is
# wrong (or, for a rarer form such as `mul (a, x) -> ax`, that it is right).
_OP = "|".join(sorted(OPS, key=len, reverse=True))
_ARG = r"\s*([^\s,()]+)\s*"
_USUAL = re.compile(rf"\s*({_OP})\({_ARG}(?:,{_ARG})?\)\s*->\s*({NAME})\s*\Z")
_ARROW_OUT = re.compile(r"\s*->\s*(\S+)\s*\Z")
_ARROW_ANY = re.compile(r"\s*->\s*(.*?)\s*\Z", re.S)
EXAMPLE = N_("write it as `OP(ARG, ARG) -> OUT`, e.g. `mul(a, x) -> ax`")


def _all_ops() -> str:
    return _("the ops are: {ops}").format(ops=", ".join(OPS))


class GateTextError(Exception):
    """What is wrong with a gate's text, at which offset of it."""

    def __init__(
        self, offset: int, message: str, hint: str | None = None, loose: bool = False
    ) -> None:
        super().__init__(message)
        self.offset, self.message, self.hint = offset, message, hint
        self.loose = loose  # are the arguments worth checking all the same (see loose_args)?


class Offsets(NamedTuple):
    args: tuple[int, ...]
    out: int


def split(name: str, text: str) -> tuple[Op, tuple[str, ...], str]:
    """The op, the arguments and the output of gate ``name``'s text."""
    m = _USUAL.match(text)
    if m is not None:
        op_name, a0, a1, out = m.groups()
        op = OPS[op_name]
        name_out = out if out.isascii() else is_name(out)  # NAME matched: ASCII is one
        if (a1 is None) == (op.arity == 1) and name_out is not None:
            return op, (_named(a0),) if a1 is None else (_named(a0), _named(a1)), name_out
    op, args, out, _offset = _parts(name, text)
    return op, tuple(_named(a) for a, _at in args), out


def _named(arg: str) -> str:
    """An argument that is a name, in its NFKC form; anything else as written (an
    ASCII text is its own NFKC form: no need to ask)."""
    return arg if arg.isascii() else is_name(arg) or arg


def offsets(name: str, text: str) -> Offsets:
    """Where each argument and the output start in a text that ``split`` takes."""
    _op, args, _out, out_offset = _parts(name, text)
    return Offsets(tuple(offset for _arg, offset in args), out_offset)


def output_of(text: str) -> str | None:
    """The OUT of a gate's `OP(ARGS) -> OUT` text, if it has one."""
    _, arrow, out = text.rpartition("->")
    out = out.strip()
    return _named(out) if arrow and out else None


def loose_args(text: str) -> list[tuple[str, int]]:
    """The arguments, with their offsets, of a text whose op is wrong (unknown, or
    given too few arguments for a missing comma): the names between its
    parentheses, split at commas and spaces; none if it nests or is not closed."""
    p, q = text.find("("), text.find(")")
    if p < 0 or q < p or "(" in text[p + 1 : q]:
        return []
    return [(_named(m.group()), m.start()) for m in _WORD.finditer(text, p + 1, q)]


_WORD = re.compile(r"[^\s,]+")


def _parts(name: str, text: str) -> tuple[Op, list[tuple[str, int]], str, int]:
    """The text taken apart with every offset, or the first fault in it."""
    lead = len(text) - len(text.lstrip())
    p = text.find("(")
    if p < 0:
        words = text.split("->")[0].split()
        msg = _("gate '{name}': expected `OP(ARG, …) -> OUT`, found {text}").format(
            name=name, text=quoted(text.strip())
        )
        if words and words[0] in OPS:
            raise GateTextError(
                lead,
                msg,
                _("put the arguments in parentheses: `{op}(ARG, …) -> OUT`").format(op=words[0]),
            )
        near = did_you_mean(words[0], OPS) if words else None
        raise GateTextError(lead, msg, f"{_(EXAMPLE)}; {near}" if near else _(EXAMPLE))
    op_name = text[:p].strip()
    op = OPS.get(op_name)
    if op is None:
        if not op_name:
            raise GateTextError(
                p, _("gate '{name}': missing op before '('").format(name=name), _all_ops()
            )
        raise GateTextError(
            lead,
            _("unknown op {op}").format(op=quoted(op_name)),
            did_you_mean(op_name, OPS) or _all_ops(),
            loose=True,
        )
    q = text.find(")", p)
    inner_open = text.find("(", p + 1)
    if 0 <= inner_open < (q if q >= 0 else len(text)):
        raise GateTextError(
            inner_open,
            _("gate '{name}': nested calls are not allowed").format(name=name),
            _("one gate per line: give the inner call its own gate and output"),
        )
    if q < 0:
        raise GateTextError(
            len(text.rstrip()), _("gate '{name}': missing ')'").format(name=name), _(EXAMPLE)
        )
    args: list[tuple[str, int]] = []
    start = p + 1
    for piece in text[p + 1 : q].split(","):
        stripped = piece.strip()
        offset = start + (len(piece) - len(piece.lstrip()) if stripped else 0)
        args.append((stripped, offset))
        start += len(piece) + 1
    if len(args) == 1 and not args[0][0]:
        args = []
    if len(args) != op.arity:
        _missing_comma(name, op, text, args)
        slots = ", ".join(IN_SLOTS[: op.arity])
        raise GateTextError(
            p,
            ngettext(
                "{op} takes {n} argument ({slots}), got {got}",
                "{op} takes {n} arguments ({slots}), got {got}",
                op.arity,
            ).format(op=op.name, n=op.arity, slots=slots, got=len(args)),
            _("for example `{example}`").format(
                example=f"{op.name}({', '.join('ab'[: op.arity])}) -> out"
            ),
        )
    for arg, offset in args:
        if not arg:
            raise GateTextError(offset, _("gate '{name}': empty argument").format(name=name))
    rest = text[q + 1 :]
    m = _ARROW_OUT.match(rest)
    out_name = is_name(m.group(1)) if m else None
    if m and out_name is not None:
        return op, args, out_name, q + 1 + m.start(1)
    m = _ARROW_ANY.match(rest)
    if m and m.group(1):
        out = m.group(1)
        raise GateTextError(
            q + 1 + m.start(1),
            invalid_name(out, "output name"),
            name_hint(out),
        )
    where = q + 1 + (len(rest) - len(rest.lstrip()) if rest.strip() else 0)
    hint = _("write the arrow as '->'") if "→" in rest else _(EXAMPLE)
    raise GateTextError(
        where, _("gate '{name}': expected '-> OUT' after ')'").format(name=name), hint
    )


def _missing_comma(name: str, op: Op, text: str, args: list[tuple[str, int]]) -> None:
    """Too few arguments, one of them two words (`mul(u v)`): a comma is missing."""
    if sum(len(arg.split()) for arg, _ in args) != op.arity:
        return
    for arg, offset in args:
        words = arg.split()
        if len(words) > 1:
            fixed = text[: offset + len(words[0])] + "," + text[offset + len(words[0]) :]
            raise GateTextError(
                offset + len(words[0]),
                _("gate '{name}': a comma is missing between {first} and {second}").format(
                    name=name, first=quoted(words[0]), second=quoted(words[1])
                ),
                _("write `{text}`").format(text=" ".join(fixed.split())),
                loose=True,
            )
