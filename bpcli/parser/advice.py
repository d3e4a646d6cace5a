"""What a YAML error most likely means, in the words of the mistake that
caused it: YAML's own message says what its parser met, not what the person
wrote. Each rule looks at the error's place in the file and, where it knows
better, says so; else YAML's words stand."""

from __future__ import annotations

import re
from typing import NamedTuple

from ..i18n import _, grouped, ngettext
from .text import LINE_BREAK, Pos, Source
from .values import MAX_NAME, NAME, parse_number, quoted


def long_key(src: Source, pos: Pos, problem: str) -> tuple[str, str] | None:
    """A key of more than 1,024 characters, which YAML takes for no key at all."""
    if "mapping values" not in problem and "expected ':'" not in problem:
        return None
    lines = LINE_BREAK.split(src.text)
    line = lines[pos.line - 1] if 1 <= pos.line <= len(lines) else ""
    key = line.lstrip().split(":", 1)[0].strip().strip("\"'")  # a quoted key: its name
    if len(key) <= MAX_NAME:
        return None
    message = ngettext(
        "a name of {n} characters: a name has at most {most}",
        "a name of {n} characters: a name has at most {most}",
        len(key),
    )
    return (
        message.format(n=grouped(len(key)), most=grouped(MAX_NAME)),
        _("YAML cannot read a longer key either: shorten the name"),
    )


# -- a newcomer's first circuit: what a section's lines most likely got wrong --------------
#
# Each rule reads the lines of the file as they are: a YAML error (or a section that
# YAML read as one long text) says where the trouble shows, not which line caused it.

_ENTRY = re.compile(rf"( +)({NAME}) *:(?:[ \t]|\Z)")  # an indented `name:` entry
_EQUALS = re.compile(rf"( +)({NAME}) *=(?!=) *(\S.*?)\s*\Z")  # `u = 2.0`, `p = u * v`
_NO_COLON = re.compile(rf"( +)({NAME})( +)(\S.*?)\s*\Z")  # `g1 mul(u, v) -> p`
_HEADER = re.compile(rf"({NAME}) *:")  # a top-level key's line
_TEXT_KEYS = ("expr", "description")


class Fault(NamedTuple):
    pos: Pos
    message: str
    hint: str


def _code(line: str) -> str:
    """A line without its comment (a '#' that starts the line or follows a space)."""
    if line.lstrip().startswith("#"):
        return ""
    cut = line.find(" #")
    return line if cut < 0 else line[:cut]


def line_fault(text: str, line: int, section: str | None) -> Fault | None:
    """What is wrong with one line of a section (``section``: its key), if it is a
    newcomer's mistake: `u = 2.0`, a formula, a gate or unit without its colon."""
    code = _code(text).rstrip()
    if ":" in code or not code.strip():
        return None
    m = _EQUALS.match(code)
    if m is not None:
        indent, name, value = m.groups()
        if type(parse_number(value)) is float:
            return Fault(
                Pos(line, code.index("=", len(indent) + len(name)) + 1),
                _("{text} is not YAML: YAML uses `name: value`").format(text=quoted(code.strip())),
                _("write `{name}: {value}`").format(name=name, value=value),
            )
        if section == "gates":
            message = _("{text} is a formula, not a gate")
        elif section == "units":
            message = _("{text} is a formula, not a unit")
        else:
            message = _("{text} is a formula, not YAML")
        return Fault(
            Pos(line, len(indent) + 1),
            message.format(text=quoted(code.strip())),
            _(
                "formulas go under `expr:`, in place of `gates:`: `expr: {formula}`, "
                "or `expr: |` then one formula a line"
            ).format(formula=code.strip()),
        )
    m = _NO_COLON.match(code)
    if m is None:
        return None
    indent, name, _gap, value = m.groups()
    if looks_like_gate(value):
        message = _("a colon is missing after the gate's name {name}")
    elif type(parse_number(value)) is float:
        message = _("a colon is missing after the unit's name {name}")
    else:
        return None
    return Fault(
        Pos(line, len(indent) + len(name) + 1),
        message.format(name=quoted(name)),
        _("write `{name}: {value}`").format(name=name, value=value),
    )


def _is_header(text: str) -> bool:
    return bool(text) and text[0] not in " \t#"


def faults_in(src: Source, first: int, last: int) -> list[Fault]:
    """The newcomer's mistakes on lines ``first`` to ``last`` (1-based), all in one
    section: the rules of ``line_fault``, and an entry not lined up with the others
    (their indentation: the most common in its section, then in the file, then the
    first one's)."""
    lines = LINE_BREAK.split(src.text)
    last = min(last, len(lines))
    start = first  # the section's header: the closest line at column 0 above
    while start > 1 and not _is_header(lines[start - 1]):
        start -= 1
    header = _HEADER.match(lines[start - 1]) if _is_header(lines[start - 1]) else None
    section = header.group(1) if header else None
    after = _code(lines[start - 1])[header.end() :].strip() if header else ""
    if section in _TEXT_KEYS or after[:1] in ("|", ">"):
        return []  # text (formulas, a description): any line may be so
    end = start + 1  # the section's last line, and one
    while end <= len(lines) and not _is_header(lines[end - 1]):
        end += 1
    in_file: dict[int, int] = {}
    in_section: dict[int, int] = {}
    order: dict[int, int] = {}
    for k, text in enumerate(lines, 1):
        m = _ENTRY.match(text)
        if m is None:
            continue
        width = len(m.group(1))
        in_file[width] = in_file.get(width, 0) + 1
        order.setdefault(width, k)
        if start < k < end:
            in_section[width] = in_section.get(width, 0) + 1
    found: list[Fault] = []
    if not in_section:
        usual = -1
    else:
        usual = max(in_section, key=lambda w: (in_section[w], in_file[w], -order[w]))
    for k in range(max(first, start + 1), last + 1):
        text = lines[k - 1]
        fault = line_fault(text, k, section)
        m = _ENTRY.match(text)
        if fault is None and m is not None and usual >= 0 and len(m.group(1)) != usual:
            col = len(m.group(1)) + 1
            if section:
                message = _(
                    "line {line} is not lined up with the other lines of {section}: "
                    "it starts at column {col}, they start at column {usual}"
                )
            else:
                message = _(
                    "line {line} is not lined up with the lines around it: "
                    "it starts at column {col}, they start at column {usual}"
                )
            hint = ngettext(
                "the lines of a section must line up: indent it by {n} spaces",
                "the lines of a section must line up: indent it by {n} spaces",
                usual,
            )
            fault = Fault(
                Pos(k, col),
                message.format(line=k, section=quoted(section or ""), col=col, usual=usual + 1),
                hint.format(n=usual),
            )
        if fault is not None:
            found.append(fault)
    return found


def section_fault(src: Source, line: int) -> Fault | None:
    """The newcomer's mistake closest above ``line`` (where YAML found an error) in
    its section, if any; a header at ``line`` belongs to the section above."""
    lines = LINE_BREAK.split(src.text)
    if not 1 <= line <= len(lines):
        return None
    bare = _bare_section(lines, line)
    if bare is not None:
        return bare
    if _is_header(lines[line - 1]):
        line -= 1
    start = line
    while start > 1 and not _is_header(lines[start - 1]):
        start -= 1
    found = faults_in(src, start + 1, line) if start < line else []
    return found[-1] if found else None


SECTIONS = ("description", "units", "gates", "expr", "output", "step_size", "frozen")


def _bare_section(lines: list[str], line: int) -> Fault | None:
    """`gates` on a line of its own, its colon forgotten: the nearest header at or
    above ``line`` (YAML finds the error on the line after it)."""
    for k in range(line, 0, -1):
        text = lines[k - 1]
        if _is_header(text):
            name = text.split("#")[0].strip()
            if name in SECTIONS:
                return Fault(
                    Pos(k, len(name) + 1),
                    _("a colon is missing after the section's name {name}").format(
                        name=quoted(name)
                    ),
                    _("write `{name}:`").format(name=name),
                )
            return None
    return None


def looks_like_gate(text: str) -> bool:
    """Does a value read as a gate's `OP(ARG, ARG) -> OUT`?"""
    return "(" in text and "->" in text
