"""What a YAML error most likely means, in the words of the mistake that
caused it: YAML's own message says what its parser met, not what the person
wrote. Each rule looks at the error's place in the file and, where it knows
better, says so; else YAML's words stand."""

from __future__ import annotations

from .text import LINE_BREAK, Pos, Source
from .values import MAX_NAME

BOM_CHAR = "\ufeff"


def stray_bom(src: Source, line: int) -> Pos | None:
    """A byte-order mark on this line of the file (not its first character)."""
    text = src.text
    start = text.find(BOM_CHAR, 1)
    while start >= 0:
        pos = src.pos(start)
        if pos.line == line:
            return pos
        if pos.line > line:
            return None
        start = text.find(BOM_CHAR, start + 1)
    return None


BOM_MESSAGE = "a byte-order mark (U+FEFF) in the middle of the file"
BOM_HINT = "remove it: it is invisible in most editors (joining two files can leave one)"


def long_key(src: Source, pos: Pos, problem: str) -> tuple[str, str] | None:
    """A key of more than 1,024 characters, which YAML takes for no key at all."""
    if "mapping values" not in problem and "expected ':'" not in problem:
        return None
    lines = LINE_BREAK.split(src.text)
    line = lines[pos.line - 1] if 1 <= pos.line <= len(lines) else ""
    key = line.lstrip().split(":", 1)[0].strip()
    if len(key) <= MAX_NAME:
        return None
    return (
        f"a name of {len(key):,} characters: a name has at most {MAX_NAME:,}",
        "YAML cannot read a longer key either: shorten the name",
    )
