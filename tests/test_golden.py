"""Whole views of the neuron at fixed widths, ids masked: any change to a
layout shows here. The files in tests/golden/ are the expected text; to accept
a deliberate change, run with BPCLI_GOLDEN=write and review the diff."""

from __future__ import annotations

import os
import re

import pytest

from bpcli.engine import run_passes
from bpcli.parser import parse
from bpcli.render.run_tables import RunTables
from bpcli.render.trace_text import TraceText
from bpcli.tracer import Tracer

from conftest import NEURON, ROOT

GOLDEN = ROOT / "tests" / "golden"
ID = re.compile(r"0x[0-9a-f]+")


def masked(text: str) -> str:
    """Each id as 0x and dots, as long as the id: the layout keeps its width."""
    return ID.sub(lambda m: "0x" + "·" * (len(m.group()) - 2), text)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("BPCLI_GOLDEN") == "write":
        path.write_text(masked(text))
    assert masked(text) == path.read_text()


def run_view(width: int) -> str:
    c = parse(NEURON.read_bytes())
    tables = RunTables(width=width, max_rows=40)
    out = [tables.header(str(NEURON.relative_to(ROOT)), c.description, "s", c.step_size)]
    first = prev = None
    updates = 0
    for phase, it in run_passes(c):
        rec = c.snapshot(phase, it)
        out.append(tables.pass_table(rec, prev, "s"))
        first, prev = first or rec, rec
        updates += phase == "update"
    assert first is not None and prev is not None
    out.append(tables.summary("s", first, prev, updates))
    return "\n".join(out)


@pytest.mark.parametrize("width", [80, 120])
def test_the_run_tables_of_the_neuron(width: int) -> None:
    check(f"run_neuron_{width}.txt", run_view(width))


@pytest.mark.parametrize("width", [80, 120])
def test_a_trace_step_of_the_neuron(width: int) -> None:
    c = parse(NEURON.read_bytes())
    steps = list(Tracer(c).steps(1, update=False))
    k, step = next((k, s) for k, s in enumerate(steps, 1) if s.call == "sg0.backward()")
    check(f"trace_neuron_sg0_backward_{width}.txt", TraceText(width=width).step_text(step, k, 11))
