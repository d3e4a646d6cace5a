"""Whole views of the neuron at fixed widths, ids masked: any change to a
layout shows here. The files in tests/golden/ are the expected text; to accept
a deliberate change, run with BPCLI_GOLDEN=write and review the diff."""

from __future__ import annotations

import os
import re

import pytest

from bpcli.core.engine import run_passes
from bpcli.core.tracer import Tracer
from bpcli.parser import parse
from bpcli.render.trace_text import TraceText

from conftest import NEURON, ROOT

GOLDEN = ROOT / "tests" / "golden"
ID = re.compile(r"0x[0-9a-f]+")


def masked(text: str) -> str:
    """Each id as 0x and dots, as long as the id: the layout keeps its width."""
    return ID.sub(lambda m: "0x" + "·" * (len(m.group()) - 2), text)


@pytest.fixture(autouse=True)
def no_address_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Unit kept alive, so that no address is reused and the views are the
    same on every machine (the mark for a reused one is tested in test_addresses)."""
    from bpcli.core import engine

    kept: list[object] = []
    made = engine.Unit.__init__

    def keeping(self: engine.Unit, value: float, grad: float = 0.0) -> None:
        made(self, value, grad)
        kept.append(self)

    monkeypatch.setattr(engine.Unit, "__init__", keeping)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("BPCLI_GOLDEN") == "write":
        path.write_text(masked(text))
    assert masked(text) == path.read_text()


def run_view(width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """The run view itself (views.run_table), at a width, as `bpcli run` draws it."""
    from bpcli.cli import views

    monkeypatch.setenv("COLUMNS", str(width))  # not a terminal: the width it says
    monkeypatch.delenv("NO_COLOR", raising=False)
    c = parse(NEURON.read_bytes())
    passes = run_passes(c)
    job = views.RunJob(str(NEURON.relative_to(ROOT)), c, passes, 1)
    out: list[str] = []
    views.run_table(job, views.Drawing(color="never"), out.append)
    return "".join(out)


@pytest.mark.parametrize("width", [80, 120])
def test_the_run_tables_of_the_neuron(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    check(f"run_neuron_{width}.txt", run_view(width, monkeypatch))


@pytest.mark.parametrize("width", [80, 120])
def test_a_trace_step_of_the_neuron(width: int) -> None:
    c = parse(NEURON.read_bytes())
    steps = list(Tracer(c).steps(1, update=False))
    k, step = next((k, s) for k, s in enumerate(steps, 1) if s.call == "sg0.backward()")
    check(f"trace_neuron_sg0_backward_{width}.txt", TraceText(width=width).step_text(step, k, 11))
