"""Trained values back into a circuit file, changing nothing else. No I/O.

The input values are found again as YAML events (their exact character
spans), and only the numbers of the inputs whose value changed are replaced,
written as Python's ``repr`` of the float, so the file reloads to exactly the
values of the run. Every comment, blank line, key order and space stays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import yaml

from ..core.engine import CONST, Circuit
from ..core.errors import CircuitError, Failure
from ..i18n import N_
from ..i18n.worded import in_words
from . import decode, events


def value_spans(text: str) -> dict[str, tuple[int, int]]:
    """name -> (start, end) of the number of each input under the top-level `units:`.

    The text has been parsed already (it is a valid circuit), so the walk only
    tracks where it is: depth 1 is the top-level mapping, depth 2 inside `units:`.
    """
    spans: dict[str, tuple[int, int]] = {}
    stream = events.Parser(text)
    depth = 0
    top_key: str | None = None
    in_units = False
    unit: str | None = None
    while True:
        ev = stream.get_event()
        if isinstance(ev, yaml.StreamEndEvent):
            return spans
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if depth == 1:  # the value of a top-level key
                in_units, top_key = top_key == "units", None
            depth += 1
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            if depth == 1:
                in_units = False
        elif isinstance(ev, yaml.ScalarEvent):
            if depth == 1:
                top_key = ev.value if top_key is None else None
            elif depth == 2 and in_units:
                if unit is None:
                    unit = ev.value
                else:
                    start, end = ev.start_mark, ev.end_mark
                    if start is not None and end is not None:  # a parser's events have both
                        spans[unit] = (start.index, end.index)
                    unit = None


def rewrite(data: bytes, values: dict[str, float]) -> bytes:
    """The file's bytes with these inputs' numbers replaced, all else as it was.

    The numbers are found in the very text the parser reads: after the BOM that
    decoding drops and the one more that parsing drops (a file may start with two).
    """
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = decode(data)
    lead = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(lead) :]
    spans = value_spans(text)
    pieces, at = [], 0  # the text between the numbers, and the new numbers: joined once
    for start, end, name in sorted((*spans[n], n) for n in values if n in spans):
        pieces += [text[at:start], repr(values[name])]
        at = end
    text = "".join([*pieces, text[at:]])
    return bom + (lead + text).encode("utf-8")


class Original(NamedTuple):
    """The circuit file as it was read, before --set and --step-size: its bytes,
    its inputs' values, and a digest of everything else it says."""

    data: bytes
    values: dict[str, float]
    shape: bytes


def original(data: bytes, c: Circuit) -> Original:
    return Original(data, {c.names[i]: c.units[i].value for i in c.inputs}, _shape(c))


def _shape(c: Circuit) -> bytes:
    """A digest of all a circuit says but its inputs' values (small for any size)."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for part in (c.names, c.kinds, [c.output, c.step_size, sorted(c.frozen), c.description]):
        h.update(repr(part).encode())
    for g in c.gates:
        h.update(f"{g.name} {g.op.name} {g.args} {g.out};".encode())
    for u, k in zip(c.units, c.kinds):
        if k == CONST:
            h.update(repr(u.value).encode())
    return h.digest()


def trained(orig: Original, c: Circuit) -> tuple[bytes, int, Callable[[bytes], None]]:
    """The file with the trained values in place of the file's, how many moved,
    and the check the new bytes must pass before they replace anything: parsed
    back, they give exactly the trained values and otherwise the same circuit."""
    moved = {
        n: c.units[c.index[n]].value
        for n, v in orig.values.items()
        if c.units[c.index[n]].value != v
    }
    want = {**orig.values, **moved}

    def verify(new: bytes) -> None:
        from . import parse

        try:
            after = parse(new)
        except CircuitError as err:
            problem = err.problems[0]
            raise Failure.said(
                N_("the rewritten circuit would not parse ({line}:{col}: {problem}): not written"),
                N_("this is a bug in bpcli: nothing written, the file is as it was"),
                line=problem.line,
                col=problem.col,
                problem=in_words(problem.message),
            ) from None
        got = {after.names[i]: after.units[i].value for i in after.inputs}
        if _shape(after) != orig.shape or got != want:
            wrong = sorted(n for n in want if got.get(n) != want[n])
            raise Failure.said(
                N_("the rewritten circuit would not give back the trained values ({units})"),
                N_("this is a bug in bpcli: nothing written, the file is as it was"),
                units=", ".join(wrong[:5]),
            )

    return rewrite(orig.data, moved), len(moved), verify
