"""Trained values back into a circuit file, changing nothing else. No I/O.

The input values are found again as YAML events (their exact character
spans), and only the numbers of the inputs whose value changed are replaced,
written as Python's ``repr`` of the float, so the file reloads to exactly the
values of the run. Every comment, blank line, key order and space stays.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml

from .engine import CONST, Circuit
from .errors import CircuitError, Failure
from .parser import decode, events


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
    for name, (start, end) in sorted(
        ((n, spans[n]) for n in values if n in spans), key=lambda item: -item[1][0]
    ):
        text = text[:start] + repr(values[name]) + text[end:]
    return bom + (lead + text).encode("utf-8")


def moved_inputs(circuit: Circuit, in_file: dict[int, float]) -> dict[str, float]:
    """name -> final value of each input whose value is no longer the file's."""
    return {
        circuit.names[i]: circuit.units[i].value
        for i, value in in_file.items()
        if circuit.units[i].value != value
    }


def _shape(c: Circuit) -> tuple[object, ...]:
    """All a circuit file says but its inputs' values."""
    gates = [(g.name, g.op.name, g.args, g.out) for g in c.gates]
    consts = [u.value for u, k in zip(c.units, c.kinds) if k == CONST]
    frozen = sorted(c.frozen)
    return (c.names, c.kinds, gates, consts, c.output, c.step_size, frozen, c.description)


def verifier(data: bytes, changed: dict[str, float]) -> Callable[[bytes], None]:
    """A check of the rewritten bytes: parsed back, they give exactly the trained
    values and otherwise the very circuit ``data`` gives; else nothing is written."""
    from .parser import parse

    before = parse(data)
    want = {before.names[i]: before.units[i].value for i in before.inputs}
    want.update(changed)

    def verify(new: bytes) -> None:
        try:
            after = parse(new)
        except CircuitError as err:
            problem = err.problems[0]
            raise Failure(
                f"the rewritten circuit would not parse ({problem.line}:{problem.col}: "
                f"{problem.message}): nothing written",
                "this is a bug in bpcli; the file is as it was",
            ) from None
        got = {after.names[i]: after.units[i].value for i in after.inputs}
        if _shape(after) != _shape(before) or got != want:
            wrong = sorted(n for n in want if got.get(n) != want[n])
            raise Failure(
                "the rewritten circuit would not give back the trained values"
                + (f" ({', '.join(wrong[:5])})" if wrong else "")
                + ": nothing written",
                "this is a bug in bpcli; the file is as it was",
            )

    return verify
