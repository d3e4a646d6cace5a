"""What a YAML error most likely means, in the words of the mistake that
caused it: YAML's own message says what its parser met, not what the person
wrote. Each rule looks at the error's place in the file and, where it knows
better, says so; else YAML's words stand."""

from __future__ import annotations

from .text import LINE_BREAK, Pos, Source
from .values import MAX_NAME


def long_key(src: Source, pos: Pos, problem: str) -> tuple[str, str] | None:
    """A key of more than 1,024 characters, which YAML takes for no key at all."""
    if "mapping values" not in problem and "expected ':'" not in problem:
        return None
    lines = LINE_BREAK.split(src.text)
    line = lines[pos.line - 1] if 1 <= pos.line <= len(lines) else ""
    key = line.lstrip().split(":", 1)[0].strip().strip("\"'")  # a quoted key: its name
    if len(key) <= MAX_NAME:
        return None
    return (
        f"a name of {len(key):,} characters: a name has at most {MAX_NAME:,}",
        "YAML cannot read a longer key either: shorten the name",
    )
