"""Trained values back into a circuit file, changing nothing else. No I/O.

The input values are found again as YAML events (their exact character
spans), and only the numbers of the inputs whose value changed are replaced,
written as Python's ``repr`` of the float, so the file reloads to exactly the
values of the run. Every comment, blank line, key order and space stays.
"""

from __future__ import annotations

import yaml

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
                    spans[unit] = (ev.start_mark.index, ev.end_mark.index)
                    unit = None


def rewrite(data: bytes, values: dict[str, float]) -> bytes:
    """The file's bytes with these inputs' numbers replaced, all else as it was."""
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = decode(data)
    spans = value_spans(text)
    for name, (start, end) in sorted(
        ((n, spans[n]) for n in values if n in spans), key=lambda item: -item[1][0]
    ):
        text = text[:start] + repr(values[name]) + text[end:]
    return bom + text.encode("utf-8")
