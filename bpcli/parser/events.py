"""The YAML of a circuit file as a stream of checked events.

Events come from PyYAML's C parser (the pure-Python parser where libyaml is
missing), never composed into a tree and never constructed into Python
objects: bpcli types every scalar itself, and no tag, anchor or alias is ever
honoured. Nesting is counted, not recursed into, so any depth gives an error,
not a crash. YAML's own errors become problems with a line and a column.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from ..core.errors import CircuitError, Problem
from ..i18n import N_, _
from . import text as _text
from .problems import Problems
from .text import Pos, Source

# PyYAML's libyaml binding when it is there (``CParser`` itself is not
# exported by the ``yaml`` package; ``CBaseLoader`` is that parser plus the
# unused base constructor), else the pure-Python parser. Tests swap it.
Parser: Any = getattr(yaml, "CBaseLoader", None) or yaml.BaseLoader
LIBYAML = not issubclass(Parser, yaml.reader.Reader)

Scalar = yaml.ScalarEvent
MappingStart, MappingEnd = yaml.MappingStartEvent, yaml.MappingEndEvent
SequenceStart, SequenceEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_OPEN = (MappingStart, SequenceStart)
_CLOSE = (MappingEnd, SequenceEnd)
_YAML_TAG = "tag:yaml.org,2002:"

MAX_DEPTH = 100  # a circuit needs 2 levels; libyaml itself stops at 1000
TOO_DEEP = N_("the YAML nests too deeply")
TOO_DEEP_HINT = N_("a circuit file nests two levels: `units:`, `gates:` and their entries")
ALIAS_HINT = N_("write each value out; bpcli refuses anchors and aliases")
# YAML's errors for a line that does not line up, or has no colon: advice.py words them
_LAYOUT_ERRORS = (
    "did not find expected key",
    "mapping values are not allowed",
    "could not find expected ':'",
    "expected <block end>",
)


class Events:
    """The checked events of one text; ``data`` (its UTF-8 bytes, when there are
    such) is what libyaml reads, sparing it a copy of its own."""

    def __init__(self, src: Source, problems: Problems, data: bytes | None = None) -> None:
        self.src = src
        self.problems = problems
        self.data = data
        self.depth = 0
        self._get: Any = self._first
        self.yaml_problem: Problem | None = None  # YAML's own error, once found
        self.too_deep = False  # libyaml's own depth limit: bpcli's refusal words it
        self.refused = False  # an alias, anchor, tag or depth bpcli refuses

    def _feed(self) -> bytes | str:
        return self.data if self.data is not None and not _pure(Parser) else self.src.text

    def _first(self) -> yaml.Event:
        # The pure-Python parser reads (and may refuse) characters as it is made.
        self._get = Parser(self._feed()).get_event
        return self._get()

    def yaml_error_ahead(self) -> Problem | None:
        """YAML's own error, if the file has one: found, or looked for in the rest
        of the events (read on from where the walk stopped: each event is read
        once). It comes first, since a value that looks wrong may be its symptom;
        a refusal of bpcli's own (an alias, an anchor, a tag, too deep) stands."""
        if self.refused:
            return None
        if self.yaml_problem is None:
            get, depth = self._get, self.depth
            try:
                ev = get()
                while ev is not None and not isinstance(ev, yaml.StreamEndEvent):
                    depth += isinstance(ev, _OPEN) - isinstance(ev, _CLOSE)
                    if depth > MAX_DEPTH or _refused(ev):
                        return None  # refused when it is read, and first: look no further
                    ev = get()
            except yaml.YAMLError as exc:
                self._error_of(exc)
        found = self.yaml_problem
        return None if found is None or self.too_deep else found

    def next(self) -> yaml.Event:
        try:
            ev = self._get()
        except yaml.YAMLError as exc:
            raise self._error_of(exc) from None
        if type(ev) is Scalar and ev.anchor is None and ev.tag is None:
            return ev  # the common case, checked first: most events are such scalars
        return self.checked(ev)

    def entries(self) -> Iterator[tuple[Any, yaml.Event | None]]:
        """The entries of the mapping just begun, up to its end, each read as
        ``next`` reads events: (key, value) for a scalar key; (key, None) for
        any other key (a list or mapping), whose value the caller reads itself."""
        get, checked = self._get, self.checked
        try:
            while True:
                key = get()
                if type(key) is not Scalar or key.anchor is not None or key.tag is not None:
                    key = checked(key)
                    if type(key) is not Scalar:
                        if isinstance(key, MappingEnd):
                            return
                        yield key, None
                        continue
                value = get()
                if type(value) is not Scalar or value.anchor is not None or value.tag is not None:
                    value = checked(value)
                yield key, value
        except yaml.YAMLError as exc:
            raise self._error_of(exc) from None

    def checked(self, ev: yaml.Event) -> yaml.Event:  # (what _refused looks for, worded)
        """Any event but a plain scalar: nesting depth, and no alias, anchor or tag."""
        fatal, at = self._refusal, self.src.at
        if isinstance(ev, _OPEN):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise fatal(at(ev.start_mark), _(TOO_DEEP), _(TOO_DEEP_HINT))
        elif isinstance(ev, _CLOSE):
            self.depth -= 1
        elif isinstance(ev, yaml.AliasEvent):
            message = _("aliases (*{anchor}) are not allowed").format(anchor=ev.anchor)
            raise fatal(at(ev.start_mark), message, _(ALIAS_HINT))
        anchor = getattr(ev, "anchor", None)
        if anchor is not None:
            message = _("anchors (&{anchor}) are not allowed").format(anchor=anchor)
            raise fatal(at(ev.start_mark), message, _(ALIAS_HINT))
        tag = getattr(ev, "tag", None)
        if tag is not None and not isinstance(ev, yaml.DocumentStartEvent):
            if tag.startswith(_YAML_TAG):
                tag = "!!" + tag[len(_YAML_TAG) :]
            raise fatal(
                at(ev.start_mark),
                _("tags ({tag}) are not allowed").format(tag=tag),
                _("bpcli reads plain names and numbers; remove the tag"),
            )
        return ev

    def _refusal(self, pos: Pos, message: str, hint: str | None = None) -> CircuitError:
        self.refused = True
        return self.problems.fatal(pos, message, hint)

    def skip(self, ev: yaml.Event) -> None:
        """Skip the value that starts with ``ev`` (iteratively, at any depth)."""
        depth = 0
        while True:
            if isinstance(ev, _OPEN):
                depth += 1
            elif isinstance(ev, _CLOSE):
                depth -= 1
            if depth == 0:
                return
            ev = self.next()

    # -- YAML's own errors ------------------------------------------------------------

    def _error_of(self, exc: yaml.YAMLError) -> CircuitError:
        if isinstance(exc, yaml.MarkedYAMLError):
            err = self._yaml_error(exc)
        else:
            err = self._reader_error(exc)  # the reader's "unacceptable character"
        self.yaml_problem = err.problems[-1]
        return err

    def _yaml_error(self, exc: yaml.MarkedYAMLError) -> CircuitError:
        at, fatal = self.src.at, self.problems.fatal
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "quoted scalar" in (exc.context or ""):
            mark = exc.context_mark  # an unclosed quote: where it opens, not the file's end
        pos = at(mark) if mark is not None else Pos(1, 1)
        problem = exc.problem or exc.context or _("invalid YAML")
        if "maximum nesting depth" in problem:
            self.too_deep = True
            return fatal(pos, _(TOO_DEEP), _(TOO_DEEP_HINT))
        # YAML's own words, in the reader's language where they are known ones
        said, context_said = _yaml_words(problem), _yaml_words(exc.context or "")
        message = _("invalid YAML: {problem}").format(problem=said)
        if exc.context and exc.problem:
            cm = exc.context_mark
            context = at(cm) if cm is not None else pos
            if context != pos:
                message = _("invalid YAML: {problem} ({context} at line {line}, column {col})")
                message = message.format(
                    problem=said, context=context_said, line=context.line, col=context.col
                )
            else:
                message = _("invalid YAML: {problem} ({context})")
                message = message.format(problem=said, context=context_said)
        from . import advice  # only to word what is wrong

        long = advice.long_key(self.src, pos, problem)
        if long is not None:
            return fatal(Pos(pos.line, 1 + _indent(self.src, pos.line)), *long)
        if any(words in problem for words in _LAYOUT_ERRORS):
            fault = advice.section_fault(self.src, pos.line)
            if fault is not None:
                message = _("invalid YAML: {problem}").format(problem=fault.message)
                return fatal(fault.pos, message, fault.hint)
        hint = None
        index = getattr(mark, "index", None)
        if isinstance(index, int) and self.src.text[index : index + 1] == "\t":
            hint = _("YAML does not allow tabs for indentation: indent with spaces")
        elif "mapping values are not allowed" in problem:
            hint = _("a ': ' inside a value needs quotes, or a key is indented wrongly")
        elif "quoted scalar" in (exc.context or "") and "end of stream" in problem:
            hint = _("the quote opened here is never closed")
        return fatal(pos, message, hint)

    def _reader_error(self, exc: yaml.YAMLError) -> CircuitError:
        text, fatal = self.src.text, self.problems.fatal
        try:
            _text.check_characters(text)  # the exact character and where it is
        except CircuitError as err:
            first = err.problems[0]
            return fatal(Pos(first.line, first.col), first.message, first.hint)
        position = getattr(exc, "position", None)
        reason = getattr(exc, "reason", None) or str(exc).split("\n")[0]
        if not isinstance(position, int):
            return fatal(Pos(1, 1), _("invalid YAML: {problem}").format(problem=reason))
        if not _pure(Parser):  # libyaml counts UTF-8 bytes
            position = len(
                text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore")
            )
        message = _("invalid character: {reason}").format(reason=reason)
        return fatal(self.src.pos(position), message)


def _indent(src: Source, line: int) -> int:
    """How many spaces a line of the file starts with."""
    lines = _text.LINE_BREAK.split(src.text)
    text = lines[line - 1] if 1 <= line <= len(lines) else ""
    return len(text) - len(text.lstrip(" "))


def _pure(parser: Any) -> bool:
    """Is this PyYAML's pure-Python parser (which reads text, and counts characters)?"""
    return issubclass(parser, yaml.reader.Reader)


def _refused(ev: yaml.Event) -> bool:
    """An alias, an anchor or a tag: what ``Events.checked`` refuses."""
    if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None) is not None:
        return True
    return getattr(ev, "tag", None) is not None and not isinstance(ev, yaml.DocumentStartEvent)


# What libyaml and PyYAML say most often, worded for the reader (others as they are)
YAML_WORDS = frozenset(
    {
        N_("mapping values are not allowed here"),
        N_("mapping values are not allowed in this context"),
        N_("could not find expected ':'"),
        N_("while scanning a simple key"),
        N_("found character that cannot start any token"),
        N_("while scanning for the next token"),
        N_("did not find expected key"),
        N_("while parsing a block mapping"),
        N_("found unexpected end of stream"),
        N_("while scanning a quoted scalar"),
        N_("while parsing a flow sequence"),
        N_("did not find expected ',' or ']'"),
        N_("while parsing a flow mapping"),
        N_("did not find expected ',' or '}'"),
        N_("block sequence entries are not allowed in this context"),
        N_("block sequence entries are not allowed here"),
        N_("while parsing a block collection"),
        N_("did not find expected '-' indicator"),
        N_("found a tab character that violates indentation"),
        N_("while scanning a plain scalar"),
        N_("found unexpected ':'"),
        N_("found a tab character where an indentation space is expected"),
        N_("while parsing a block node"),
        N_("while scanning a block scalar"),
        N_("control characters are not allowed"),
    }
)


def _yaml_words(text: str) -> str:
    return _(text) if text in YAML_WORDS else text
