"""What each command shows, and the formats it can write it in.

Each view is a table ``{format: writer}``: the CLI builds ``--format``'s
choices from it and calls the writer the user chose, so adding a format is
adding one entry. A writer takes what the command computed and writes what
a renderer returns, through ``write``. Renderers are imported only when their
format is chosen: JSON never loads rich.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ..core.engine import Circuit, PassRecord

if TYPE_CHECKING:
    from ..core.gates import Op
    from ..core.gradcheck import CheckRow, Tolerances
    from ..core.mistakes import Lesson
    from ..core.steps import Step, Summary
    from ..render.console import Page
    from ..render.trace_text import TraceText
    from ..script.check import ScriptCheck

Write = Callable[[str], None]
P = TypeVar("P", bound="Page")


class Drawing(NamedTuple):
    """How the text views are drawn."""

    precision: int = 6  # digits after the point
    color: str = "auto"  # auto, always, never
    record: bool = False  # keep what is drawn, for --save-svg and --save-html


def page(cls: type[P], drawing: Drawing, **options: Any) -> P:
    """A page as wide as the terminal, in colour as --color, NO_COLOR,
    FORCE_COLOR and TERM say (see terminal.py)."""
    from ..i18n.safe_text import can_show, encoding_of
    from ..system.terminal import codes_shown, terminal_width, wants_color

    tty = sys.stdout.isatty()
    color = wants_color(drawing.color, os.environ, tty) and (not tty or codes_shown(sys.stdout))
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        fd = -1
    width = terminal_width(tty, os.environ, fd)

    return cls(
        precision=drawing.precision,
        width=width,
        color=color,
        record=drawing.record,
        ascii=not can_show(sys.stdout),
        encoding=encoding_of(sys.stdout),
        **options,
    )


# -- run ------------------------------------------------------------------------------


class RunJob(NamedTuple):
    name: str  # the circuit's file, as the user named it
    circuit: Circuit
    passes: Iterator[tuple[str, int]]  # (phase, iteration) after each pass
    last: int  # the last iteration
    lesson: Lesson | None = None  # --mistake
    every: int = 1  # draw the passes of every K-th iteration (and the first and last)
    max_rows: int | None = 40  # None: every row
    only: frozenset[str] = frozenset()  # --unit: only these rows


def _records(job: RunJob) -> Iterator[PassRecord]:
    return (job.circuit.snapshot(phase, it) for phase, it in job.passes)


def _chosen(job: RunJob) -> Iterator[PassRecord]:
    """The passes --every shows (every K-th iteration, the first and the last), each
    with the units --unit names: what JSON, JSONL and CSV write, as the tables do."""
    for rec in _records(job):
        if rec.iteration % job.every and rec.iteration != job.last:
            continue
        if job.only:
            rec = rec._replace(units=[u for u in rec.units if u.name in job.only])
        yield rec


def run_table(job: RunJob, drawing: Drawing, write: Write) -> Page:
    from ..render.mistake_table import mistake_table
    from ..render.run_tables import RunTables

    c = job.circuit
    tables = page(RunTables, drawing, max_rows=job.max_rows, only=job.only)
    write(tables.header(job.name, c.description, c.output_name, c.step_size))
    first = prev = None
    updates = 0
    for rec in _records(job):
        if rec.iteration % job.every == 0 or rec.iteration == job.last:
            write("\n" + tables.pass_table(rec, prev, c.output_name))
        first = first or rec
        prev = rec
        updates += rec.phase == "update"
    if first is None or prev is None:
        raise RuntimeError("a run has at least its first forward pass")
    write("\n" + tables.summary(c.output_name, first, prev, updates))
    if job.lesson is not None:
        write("\n" + mistake_table(tables, job.lesson.mistake.name, job.lesson.comparison()))
    return tables


def run_json(job: RunJob, drawing: Drawing, write: Write) -> None:
    from ..render.json import lesson_dict, run_document

    c = job.circuit
    lesson = job.lesson
    extra = (lambda: lesson_dict(lesson)) if lesson is not None else None
    write(run_document(job.name, c.output_name, c.step_size, _chosen(job), extra))


def run_jsonl(job: RunJob, drawing: Drawing, write: Write) -> None:
    from ..render.json import lesson_dict, line, pass_line

    for rec in _chosen(job):  # each pass is written, then let go: memory stays flat
        write(pass_line(rec))
    if job.lesson is not None:
        write(line(lesson_dict(job.lesson)))


def run_csv(job: RunJob, drawing: Drawing, write: Write) -> None:
    from ..render import csv

    write(csv.header())
    for rec in _chosen(job):
        write(csv.pass_rows(rec))


RUN: dict[str, Callable[[RunJob, Drawing, Write], Page | None]] = {
    "table": run_table,
    "json": run_json,
    "jsonl": run_jsonl,
    "csv": run_csv,
}


# -- trace ----------------------------------------------------------------------------


Emit = Callable[[int, "Step"], None]  # a numbered step, written as it comes


class TraceJob:
    """A trace to write: ``run(emit)`` produces the steps (a circuit's loop, or a
    script's own run) and hands each to ``emit`` as it comes, so a script's trace
    is live; it returns the exit status (a script's own)."""

    def __init__(
        self,
        run: Callable[[Emit], int],
        total: int | None,
        circuit: Circuit | None = None,
        name: str = "",
        paged: bool = False,
        live: bool = False,
    ) -> None:
        self.run, self.total, self.circuit, self.name = run, total, circuit, name
        self.paged = paged  # --step: wait for a key after each step
        self.quiz = False  # --quiz: ask for each grad before its step is shown
        self.live = live  # each step flushed as it comes (a script's)
        self.status = 0
        self.shown: tuple[int, Step] | None = None  # the last step written
        self.notes: list[str] = []  # for standard error, once the trace is written
        self.handoff: Callable[[], None] = lambda: None  # a paused script runs on: its terminal
        self.idle: Callable[[], None] = lambda: None  # all shown so far: the output flushed
        self.summary: Callable[[], Summary] | None = None  # a script's: what it came to

    def steps(self, emit: Emit) -> None:
        def shown(k: int, step: Step) -> None:
            if self.paged:  # on the screen while the stepper waits for a key
                self.shown = (k, step)
            emit(k, step)
            self.shown = (k, step)

        self.status = self.run(shown)

    def where(self) -> str:
        """Where the trace is, for the line an interruption prints."""
        from ..i18n import _

        if self.shown is None:
            return _("before the first step")
        k, step = self.shown
        if self.total:
            return _("after step {number}/{total}: {call}").format(
                number=k, total=self.total, call=step.call
            )
        return _("after step {number}: {call}").format(number=k, call=step.call)


def trace_table(job: TraceJob, drawing: Drawing, write: Write) -> Page:
    from ..render.trace_text import TraceText

    text = page(TraceText, drawing)
    if job.circuit is not None:
        c = job.circuit
        write(text.header(job.name, c.description, c.output_name, c.step_size))
    if not job.paged:

        def show(k: int, s: Step) -> None:
            write("\n" + text.step_text(s, k, job.total))

        if job.live:  # a script's: what is written is shown before bpcli waits for more
            job.idle = lambda: _flush(write)
        job.steps(show)
        said = text.summary_text(job.summary()) if job.summary is not None else ""
        if said:
            write("\n" + said)
        return text
    return _stepped(job, text, write)


def _stepped(job: TraceJob, text: TraceText, write: Write) -> TraceText:
    """--step and --quiz: the steps paged, as the keys say."""
    from ..interact.keys import Keys, Quit
    from ..interact.stepper import Stepper
    from ..render.console import fmt
    from ..system.terminal import codes_shown

    tty = sys.stdin is not None and sys.stdin.isatty()
    inplace = tty and sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
    inplace = inplace and codes_shown(sys.stdout)  # an old Windows console: none

    def shown(block: str) -> None:
        write(block)
        _flush(write)

    def prompt(line: str) -> None:
        """On a terminal: the keys, on one line that goes once a key is pressed."""
        if tty:
            sys.stderr.write(line if line else "\r\x1b[2K")
            sys.stderr.flush()

    keys = Keys(sys.stdin, tty)
    keys.echo = lambda typed: prompt("\r\x1b[2K" + typed)
    job.handoff = keys.cooked  # a script reads its own input as python would let it
    quiz = None
    if job.quiz:
        from ..interact.quiz import Quiz

        quiz = Quiz(keys, shown, text.chain_rule, lambda x: fmt(x, text.precision))
    stepper = Stepper(
        keys, shown, prompt, inplace=inplace, total=job.total, live=job.live, quiz=quiz
    )
    quit = True  # `q`: the trace is cut short, and says nothing of what it came to
    with keys.session(), contextlib.suppress(Quit):
        job.steps(lambda k, s: stepper.offer(k, s, "\n" + text.step_text(s, k, job.total)))
        stepper.finish()
        quit = False
    if quiz is not None:
        shown(f"\n{quiz.score()}\n")
    elif job.summary is not None and job.status == 0 and not quit:
        said = text.summary_text(job.summary())
        if said:
            shown("\n" + said)
    return text


def _flush(write: Write) -> None:
    flush = getattr(write, "flush", None)
    (flush or sys.stdout.flush)()


def trace_json(job: TraceJob, drawing: Drawing, write: Write) -> None:
    from ..render.json import dumps, step_dict

    found: list[dict[str, object]] = []
    job.steps(lambda k, s: found.append(step_dict(s, k)))
    write(dumps(found))


def trace_jsonl(job: TraceJob, drawing: Drawing, write: Write) -> None:
    from ..render.json import line, step_dict

    def emit(k: int, s: Step) -> None:
        write(line(step_dict(s, k)))

    if job.live:  # a reader (tail -f) sees each event before bpcli waits for the next
        job.idle = lambda: _flush(write)
    job.steps(emit)


TRACE: dict[str, Callable[[TraceJob, Drawing, Write], Page | None]] = {
    "table": trace_table,
    "json": trace_json,
    "jsonl": trace_jsonl,
}


# -- check, gates -------------------------------------------------------------------


class CheckJob(NamedTuple):
    name: str
    output: str
    h: float
    tolerances: Tolerances
    rows: Sequence[CheckRow]


def check_table(job: CheckJob, drawing: Drawing, write: Write) -> None:
    from ..render.check_table import check_table as draw
    from ..render.console import Page

    write(draw(page(Page, drawing), job.name, job.output, job.h, job.rows))


def check_json(job: CheckJob, drawing: Drawing, write: Write) -> None:
    from ..render.json import check_document, dumps

    write(dumps(check_document(job.name, job.output, job.h, job.tolerances, job.rows)))


CHECK: dict[str, Callable[[CheckJob, Drawing, Write], None]] = {
    "table": check_table,
    "json": check_json,
}


def script_check_text(result: ScriptCheck, drawing: Drawing, write: Write) -> None:
    from ..render.blame_text import blame_text
    from ..render.console import Page

    said = blame_text(result, page(Page, drawing), sys.stdout.isatty())
    if said:
        write(said)


def script_check_json(result: ScriptCheck, drawing: Drawing, write: Write) -> None:
    from ..render.json import dumps, script_check_document

    write(dumps(script_check_document(result)))


CHECK_SCRIPT: dict[str, Callable[[ScriptCheck, Drawing, Write], None]] = {
    "table": script_check_text,
    "json": script_check_json,
}


def gates_table(ops: Sequence[Op], drawing: Drawing, write: Write) -> None:
    from ..render.console import Page
    from ..render.gates_table import gates_table as draw

    write(draw(page(Page, drawing), ops))


def gates_json(ops: Sequence[Op], drawing: Drawing, write: Write) -> None:
    from ..render.json import dumps, gates_document

    write(dumps(gates_document(ops)))


GATES: dict[str, Callable[[Sequence[Op], Drawing, Write], None]] = {
    "table": gates_table,
    "json": gates_json,
}


# -- graph ----------------------------------------------------------------------------


class GraphJob(NamedTuple):
    circuit: Circuit
    values: bool  # label each Unit with its value, grad and id
    precision: int


def graph_dot(job: GraphJob) -> bytes:
    from ..render.graph import dot

    return dot(job.circuit, job.values, job.precision, job.circuit.description).encode()


def graph_mermaid(job: GraphJob) -> bytes:
    from ..render.graph import mermaid

    return mermaid(job.circuit, job.values, job.precision).encode()


def _graphviz(fmt: str) -> Callable[[GraphJob], bytes]:
    def draw(job: GraphJob) -> bytes:
        from ..system import graphviz

        return graphviz.render(graph_dot(job), fmt)

    return draw


GRAPH: dict[str, Callable[[GraphJob], bytes]] = {
    "dot": graph_dot,
    "mermaid": graph_mermaid,
    "svg": _graphviz("svg"),
    "png": _graphviz("png"),
}
GRAPH_EXTENSIONS = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".svg": "svg", ".png": "png"}
BINARY = frozenset({"png"})  # graph formats that are not text
GRAPHVIZ = frozenset({"dot", "svg", "png"})  # laid out by Graphviz (slow past a few thousand)
