"""Ids that never lie: a Unit at an address another Unit had earlier in the run
is marked (↺ in the views, "reused_address": true in JSON), and an id shown
without the mark is always the object shown with that id before."""

from __future__ import annotations

import json

from bpcli.core.addresses import Addresses
from bpcli.core.engine import Unit

from conftest import NEURON, ROOT, invoke

FANOUT = ROOT / "circuits" / "fanout.txt"


def test_a_new_object_at_a_freed_address_is_told_apart() -> None:
    seen = Addresses()
    first = Unit(1.0)
    assert not seen.reused(first)
    assert not seen.reused(first)  # the same object, seen again
    address = id(first)
    del first
    kept = []
    for _ in range(10_000):  # CPython hands a freed block out again soon
        other = Unit(2.0)
        if id(other) == address:
            break
        kept.append(other)
    else:
        raise AssertionError("the freed address was never reused")
    assert seen.reused(other)
    assert seen.reused(other)  # and stays marked while it lives


def test_run_json_marks_exactly_the_reused_addresses() -> None:
    """Independently of bpcli: an input is one object all run long; a gate's Unit
    is a new object at each forward pass, the same through its backward and
    update. An id shown for another object than last time must be marked, one
    shown for the same object keeps the mark it had, a new id has none."""
    marks = 0
    for circuit in (NEURON, FANOUT):
        doc = json.loads(invoke("run", "-n", "30", "--format", "json", str(circuit)).stdout)
        seen: dict[str, tuple[tuple[str, int], bool]] = {}  # id -> (object, marked)
        for p in doc["passes"]:
            for name, u in p["units"].items():
                obj = (name, -1 if u["kind"] == "input" else p["iteration"])
                mark = u.get("reused_address", False)
                before = seen.get(u["id"])
                if before is None:
                    assert not mark, (name, p["phase"], p["iteration"])
                elif before[0] != obj:
                    assert mark, f"{u['id']} was {before[0]}, is {obj}: not marked"
                else:
                    assert mark == before[1], (name, p["phase"], p["iteration"])
                seen[u["id"]] = (obj, mark)
                marks += mark
    assert marks, "sixty passes, and no address reused: the test proves nothing"


def test_the_views_mark_a_reused_address_and_say_what_it_means() -> None:
    out = invoke("run", "-n", "30", str(NEURON)).stdout
    assert "↺" in out.split("↺ : a new object", 1)[0]  # a row marked before the legend
    assert out.count("↺ : a new object at an address another Unit had") == 1
    trace = invoke("trace", "-n", "30", str(NEURON)).stdout
    assert trace.count("↺ : a new object at an address another Unit had") == 1
    events = [json.loads(x) for x in invoke("trace", "-n", "30", "--format", "jsonl",
                                            str(NEURON)).stdout.splitlines()]  # fmt: skip
    marked = [s for e in events for s in (e.get("slots") or {}).values()
              if isinstance(s, dict) and s.get("reused_address")]  # fmt: skip
    assert marked and all(s["reused_address"] is True for s in marked)
