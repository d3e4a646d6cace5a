"""`bpcli trace` on micrograd and microgpt Value code (issue 21): the names the
learner's own lines give (a temporary by its expression, never two objects
with one name), one object under two names said where it happens, the
stepper's keys, the quiz, --gate and --unit, and every view within 80
columns in English and Russian."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest

from conftest import ROOT

NEURON = ROOT / "examples" / "micrograd_neuron.py"
GPT = ROOT / "examples" / "microgpt_loss.py"
HEAD = NEURON.read_text().split("x1 = Value(2.0)")[0]  # the Value class, nothing run


def trace(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bpcli", "trace", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def events(*args: str | Path) -> list[dict[str, Any]]:
    proc = trace("--format", "jsonl", *args)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "values.py"
    path.write_text(HEAD + body)
    return path


def test_the_lecture_neuron_is_named_as_its_lines_name_it() -> None:
    ops = [e for e in events(NEURON) if e.get("kind") == "op"]
    assert [e["call"] for e in ops] == [
        "x1 * w1 → x1w1",
        "x2 * w2 → x2w2",
        "x1w1 + x2w2 → x1w1x2w2",
        "x1w1x2w2 + b → n",
        "n.tanh() → o",
    ]
    assert [e["made_by"] for e in ops] == ["Value.__mul__"] * 2 + ["Value.__add__"] * 2 + [
        "Value.tanh"
    ]


def test_a_one_line_neuron_names_its_temporaries_by_their_expressions(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        "x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.88)\n"
        "o = (x1*w1 + x2*w2 + b).tanh()\n"
        "o.backward()\n",
    )
    ops = [e for e in events(path) if e.get("kind") == "op"]
    assert [e["new"] for e in ops] == [
        "(x1*w1)",
        "(x2*w2)",
        "((x1*w1)+(x2*w2))",
        "((...)+b)",  # a long part shortened (names are NFKC: … is ...)
        "o",
    ]


def test_never_two_objects_with_one_name_nor_two_names_for_one(tmp_path: Path) -> None:
    """A loop that makes a Value per point, all kept alive: each name is one
    object (by id) and each object one name, across every step."""
    path = script(
        tmp_path,
        "w = Value(0.5)\nkept = []\n"
        "for x in [1.0, 2.0, 3.0, 2.0]:\n"
        "    y = w * x\n"
        "    z = y + y\n"
        "    kept.append((y, z))\n"
        "kept[-1][1].backward()\n",
    )
    by_name: dict[str, set[str]] = {}
    by_id: dict[str, set[str]] = {}
    for e in events(path):
        for view in e["slots"].values():
            by_name.setdefault(view["unit"], set()).add(view["id"])
            by_id.setdefault(view["id"], set()).add(view["unit"])
    assert all(len(ids) == 1 for ids in by_name.values()), by_name
    assert all(len(names) == 1 for names in by_id.values()), by_id
    assert len([n for n in by_name if n.startswith("y")]) == 4  # y, y#2, y#3, y#4


def test_a_times_a_is_said_where_it_happens(tmp_path: Path) -> None:
    path = script(tmp_path, "a = Value(3.0)\nb = a * a\nb.backward()\n")
    evs = events(path)
    op = next(e for e in evs if e.get("kind") == "op")
    closure = next(e for e in evs if e.get("kind") == "closure")
    assert op["same_object"] == {"a": ["self", "other"]}
    assert closure["same_object"] == {"a": ["self", "other"]}
    a_id = op["slots"]["self"]["id"]
    assert closure["captured"]["self"]["id"] == closure["captured"]["other"]["id"] == a_id
    first, second = closure["writes"]
    assert (first["grad_before"], first["grad_after"]) == (0.0, 3.0)
    assert (second["grad_before"], second["grad_after"]) == (3.0, 6.0)  # 2a, as d(a*a)/da
    text = trace(path).stdout
    assert "self and other are one and the same object, a" in " ".join(text.split())
    assert "+= adds them up" in " ".join(text.split())


def test_closure_steps_say_what_their_cells_hold_and_their_order() -> None:
    closures = [e for e in events(NEURON) if e.get("kind") == "closure"]
    assert [e["order"] for e in closures] == [1, 2, 3, 4, 5]
    tanh = closures[0]
    assert tanh["call"] == "o._backward()" and tanh["made_by"] == "Value.tanh"
    assert tanh["captured"]["t"] == pytest.approx(0.7071067811865476, abs=1e-15)
    assert tanh["captured"]["out"]["unit"] == "o" and tanh["captured"]["self"]["unit"] == "n"
    assert tanh["made_at"]["text"] == "o = n.tanh()"
    [w] = tanh["writes"]
    assert w["local"] == pytest.approx(0.5) and w["upstream"] == 1.0  # 1 - t², × out.grad


def test_microgpt_nodes_carry_their_children_and_local_grads() -> None:
    nodes = [e for e in events(GPT) if e.get("kind") == "node"]
    assert nodes[0]["gate"] == "loss" and nodes[0]["order"] == 1
    assert [c["unit"] for c in nodes[0]["children"]] == ["log(p0)", "(-1.0)"]
    assert nodes[0]["local_grads"] == [-1.0, pytest.approx(-0.2811501362483148)]
    assert [w["unit"] for w in nodes[0]["writes"]] == ["log(p0)", "(-1.0)"]


def test_gate_and_unit_select_by_the_names_shown() -> None:
    assert [e["call"] for e in events("--gate", "x1w1", NEURON)] == [
        "x1 * w1 → x1w1",
        "x1w1._backward()",
    ]
    calls = [e["call"] for e in events("--unit", "w1", NEURON)]
    assert calls == ["x1 * w1 → x1w1", "x1w1._backward()"]


def test_the_quiz_asks_for_a_value_s_grad() -> None:
    answers = "0.5\n0.5\n0.5\n"
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "trace", "--quiz", str(NEURON)],
        cwd=ROOT, input=answers, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "quiz · step 7 · o._backward(): the new grads?" in proc.stdout
    assert "n.grad = ? 0.5\nright" in proc.stdout  # (1 − t²) × 1 = 0.5, worked by hand


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("path", [NEURON, GPT], ids=["micrograd", "microgpt"])
@pytest.mark.parametrize("cols", [80, 60])
def test_every_line_fits(path: Path, lang: str, cols: int) -> None:
    env = {**os.environ, "COLUMNS": str(cols), "BPCLI_LANG": lang}
    out = trace(path, env=env).stdout
    wide = [x for x in out.splitlines() if len(x) > cols and not x.lstrip().startswith("0x")]
    script_prints = {"o 0.7071067811865476", "loss 0.2811501362483148"}
    assert [x for x in wide if x not in script_prints and not x.startswith("x1.grad")] == []


def test_the_stepper_walks_value_code() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm", NO_COLOR="1")
    child = pexpect.spawn(
        str(Path(sys.executable).parent / "bpcli"), ["trace", "--step", str(NEURON)],
        cwd=str(ROOT), env=env, dimensions=(40, 80), encoding="utf-8", timeout=30,
    )  # fmt: skip
    screen = pyte.Screen(80, 40)
    stream = pyte.Stream(screen)
    prompt = r"\[q\] quit  \[\?\] keys"

    def until(pattern: str) -> str:
        child.expect(pattern)
        got = child.before + child.after
        stream.feed(got)
        return got

    until(prompt)
    child.send("/b\r")  # the next step that shows b
    got = until(prompt)
    assert "x1w1x2w2 + b → n" in got
    child.sendline("g 8")
    got = until(prompt)
    assert "n._backward()" in got and "#2 in this backward pass" in got
    child.send("b")
    got = until(prompt)
    assert "o._backward()" in got
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
