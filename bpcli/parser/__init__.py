"""Circuit files in: a circuit file (SPEC §2) into a ``Circuit``, keeping
every source location, `expr:` formulas into gates, and trained values
written back into the file's own text. It may import `core/` and `i18n/`.

One walk over the file's YAML events, in rooms of one job each:

- ``text``: bytes into text, the characters YAML refuses, places into lines
  and columns;
- ``events``: the YAML event stream, checked (nesting depth; no alias, anchor
  or tag), YAML's own errors located;
- ``document``: the top-level keys and what each holds;
- ``gate_text``: a gate's ``OP(ARG, ARG) -> OUT`` taken apart;
- ``values``: the number rule and the name rule;
- ``builder``: names into definitions into gates, and what is wrong with them;
- ``assemble``: what only the whole file can say, and the ``Circuit``;
- ``problems``: the problems found, in order;
- ``formulas``: `expr:` formulas compiled into gates (``ast``, never eval),
  parsed on a stack of their own (``deep``: Python's parser, deep formulas);
- ``alphabets``: names that mix alphabets or look like others (warnings);
- ``rewrite``: trained values back into the file, changing nothing else.

Every error is a ``Problem`` with a 1-based line and column.
"""

from __future__ import annotations

from ..core.engine import Circuit
from ..core.errors import CircuitError, Problem
from . import events, text
from .assemble import build
from .builder import Builder
from .document import DEFAULT_STEP_SIZE, Document
from .problems import MAX_ERRORS, Problems
from .text import BOM, Source, decode
from .values import is_name, parse_number

__all__ = ["DEFAULT_STEP_SIZE", "MAX_ERRORS", "decode", "is_name", "parse", "parse_number"]


def parse(source: bytes | str, *, all_errors: bool = False) -> Circuit:
    """Parse a circuit file's bytes (or text) into a ready-to-run Circuit.

    Raises CircuitError with the first problem, or with every problem found when
    ``all_errors`` is true.
    """
    if isinstance(source, bytes):
        content = text.decode(source)
        data: bytes | None = source[len(BOM) :] if source.startswith(BOM) else source
    else:
        content, data = source, None
    # A file may start with two BOMs (one an editor wrote, one a join left): as
    # bytes, decoding drops the first; as text, both are dropped here.
    for _ in range(1 if isinstance(source, bytes) else 2):
        if content.startswith("\ufeff"):
            content = content[1:]
            data = None  # a second BOM, which libyaml would take for the encoding's
    text.check_hidden(content)  # first: it looks for YAML's refusals before its own
    if isinstance(source, str) or not events.LIBYAML:
        # libyaml refuses the same characters itself (see events.Events._reader_error),
        # and text decoded from bytes holds no lone surrogates.
        text.check_characters(content)
    src = Source(content)
    problems = Problems(all_errors)
    builder = Builder(src, problems)
    stream = events.Events(src, problems, data)
    doc = Document(src, problems, stream, builder)
    try:
        doc.read()
        return build(doc, builder)
    except CircuitError as err:
        listed = [p for p in err.problems if p not in problems.found]  # a fatal one
        err.total = problems.count + len(listed)
        first = stream.yaml_error_ahead()  # YAML's own error, if any, comes first
        # (a problem where YAML's own error is, is its symptom: advice.py words both)
        rest = [p for p in err.problems if not _same_place(p, first)] if all_errors else []
        if all_errors:  # the rest in file order
            rest.sort(key=lambda p: (p.line, p.col))
        if first is not None:
            err.problems[:] = [first, *rest]
        elif all_errors:
            err.problems[:] = rest
        raise


def _same_place(p: Problem, first: Problem | None) -> bool:
    return first is not None and (p.line, p.col) == (first.line, first.col)
