"""A gate's text, ``OP(ARG, ARG) -> OUT``, split into its op, arguments and output.

``split`` checks the text's form only: a known op, its number of arguments,
parentheses, the arrow and a valid output name. What the arguments name is the
builder's to check. Offsets count characters from the start of the text; every
fault is a ``GateTextError`` at the offset where it is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import did_you_mean
from ..gates import IN_SLOTS, OPS, Op
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
EXAMPLE = "write it as `OP(ARG, ARG) -> OUT`, e.g. `mul(a, x) -> ax`"
_ALL_OPS = f"the ops are: {', '.join(OPS)}"


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
        if (a1 is None) == (op.arity == 1):
            return op, (a0,) if a1 is None else (a0, a1), out
    op, args, out, _ = _parts(name, text)
    return op, tuple(a for a, _ in args), out


def offsets(name: str, text: str) -> Offsets:
    """Where each argument and the output start in a text that ``split`` takes."""
    _, args, _, out_offset = _parts(name, text)
    return Offsets(tuple(offset for _, offset in args), out_offset)


def output_of(text: str) -> str | None:
    """The OUT of a gate's `OP(ARGS) -> OUT` text, if it has one."""
    _, arrow, out = text.rpartition("->")
    out = out.strip()
    return out if arrow and out else None


def loose_args(text: str) -> list[tuple[str, int]]:
    """The arguments, with their offsets, of a text whose op is wrong (unknown, or
    given too few arguments for a missing comma): the names between its
    parentheses, split at commas and spaces; none if it nests or is not closed."""
    p, q = text.find("("), text.find(")")
    if p < 0 or q < p or "(" in text[p + 1 : q]:
        return []
    return [(m.group(), m.start()) for m in _WORD.finditer(text, p + 1, q)]


_WORD = re.compile(r"[^\s,]+")


def _parts(name: str, text: str) -> tuple[Op, list[tuple[str, int]], str, int]:
    """The text taken apart with every offset, or the first fault in it."""
    lead = len(text) - len(text.lstrip())
    p = text.find("(")
    if p < 0:
        words = text.split("->")[0].split()
        msg = f"gate '{name}': expected `OP(ARG, …) -> OUT`, found {quoted(text.strip())}"
        if words and words[0] in OPS:
            raise GateTextError(
                lead, msg, f"put the arguments in parentheses: `{words[0]}(ARG, …) -> OUT`"
            )
        near = did_you_mean(words[0], OPS) if words else None
        raise GateTextError(lead, msg, f"{EXAMPLE}; {near}" if near else EXAMPLE)
    op_name = text[:p].strip()
    op = OPS.get(op_name)
    if op is None:
        if not op_name:
            raise GateTextError(p, f"gate '{name}': missing op before '('", _ALL_OPS)
        raise GateTextError(
            lead,
            f"unknown op {quoted(op_name)}",
            did_you_mean(op_name, OPS) or _ALL_OPS,
            loose=True,
        )
    q = text.find(")", p)
    inner_open = text.find("(", p + 1)
    if 0 <= inner_open < (q if q >= 0 else len(text)):
        raise GateTextError(
            inner_open,
            f"gate '{name}': nested calls are not allowed",
            "one gate per line: give the inner call its own gate and output",
        )
    if q < 0:
        raise GateTextError(len(text.rstrip()), f"gate '{name}': missing ')'", EXAMPLE)
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
        slots = IN_SLOTS[: op.arity]
        want = f"{op.arity} argument{'s' if op.arity > 1 else ''} ({', '.join(slots)})"
        raise GateTextError(
            p,
            f"{op.name} takes {want}, got {len(args)}",
            f"for example `{op.name}({', '.join('ab'[: op.arity])}) -> out`",
        )
    for arg, offset in args:
        if not arg:
            raise GateTextError(offset, f"gate '{name}': empty argument")
    rest = text[q + 1 :]
    m = _ARROW_OUT.match(rest)
    if m and is_name(m.group(1)):
        return op, args, m.group(1), q + 1 + m.start(1)
    m = _ARROW_ANY.match(rest)
    if m and m.group(1):
        out = m.group(1)
        raise GateTextError(
            q + 1 + m.start(1),
            invalid_name(out, "output name"),
            name_hint(out),
        )
    where = q + 1 + (len(rest) - len(rest.lstrip()) if rest.strip() else 0)
    hint = "write the arrow as '->'" if "→" in rest else EXAMPLE
    raise GateTextError(where, f"gate '{name}': expected '-> OUT' after ')'", hint)


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
                f"gate '{name}': a comma is missing between {quoted(words[0])} and "
                f"{quoted(words[1])}",
                f"write `{' '.join(fixed.split())}`",
                loose=True,
            )
