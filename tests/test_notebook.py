"""bpcli in a notebook (issue 24): a notebook executed headless (nbclient,
ipykernel) that loads the extension and runs ``%%bpcli trace`` on a gate-style
cell and on a micrograd cell, ``%%bpcli check`` on a slipped cell and
``%bpcli run``. Each output is compared with an independent answer: the page
holds a step for every call the cell makes (counted here from its code), the
check names the slip's line as the notebook numbers the cell (found here by its
text), and the namespace after a watched cell holds what the same cell leaves
without the magic."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

nbformat = pytest.importorskip("nbformat", reason="the test extra's nbformat")
nbclient = pytest.importorskip("nbclient", reason="the test extra's nbclient")

GATES = (ROOT / "examples" / "neuron_gates.py").read_text().split("\n# ")[0]
GATE_CELL = """\
a, b, c = Unit(1.0, 0.0), Unit(2.0, 0.0), Unit(-3.0, 0.0)
x, y = Unit(-1.0, 0.0), Unit(3.0, 0.0)
mulg0, mulg1, addg0, addg1, sg0 = MultGate(), MultGate(), AddGate(), AddGate(), SigmoidGate()
ax = mulg0.forward(a, x)
by = mulg1.forward(b, y)
axpby = addg0.forward(ax, by)
axpbypc = addg1.forward(axpby, c)
s = sg0.forward(axpbypc)
s.grad = 1.0
sg0.backward()
addg1.backward()
addg0.backward()
mulg1.backward()
mulg0.backward()
print("grads", a.grad, b.grad, c.grad, x.grad, y.grad)"""
VALUE = (ROOT / "examples" / "micrograd_neuron.py").read_text().split("\nx1 = ")[0]
VALUE_CELL = """\
x1 = Value(2.0)
w1 = Value(-3.0)
b = Value(6.8813735870195432)
n = x1 * w1 + b
o = n.tanh()
o.backward()
print("grads", x1.grad, w1.grad, b.grad)"""
# forward code that draws from the random stream and counts its calls: check runs
# it again (nudged) without moving the stream or the count the cell sees after
RANDOM_CELL = """\
import random
random.seed(7)
log = []
def forward(w):
    log.append(1)
    return w * Value(random.random())
w = Value(0.5)
loss = forward(w)
loss.backward()
print(w.grad == loss.data / w.data)"""
SLIP = VALUE.replace("self.grad += other.data * out.grad", "self.grad += self.data * out.grad")
SLIP_CELL = "p = Value(3.0)\nq = Value(4.0)\nr = p * q\nr.backward()\nprint(p.grad, q.grad)"


def execute(cells: list[str], folder: Path) -> list[dict[str, Any]]:
    """The notebook's cells run in a fresh kernel; each cell's outputs."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(folder)}})  # fmt: skip
    client.execute()
    return [c.get("outputs", []) for c in nb.cells]


def text(outputs: list[dict[str, Any]], name: str = "stdout") -> str:
    """A stream as the notebook shows it (its colour codes drawn, here left out)."""
    said = "".join(o.get("text", "") for o in outputs if o.get("name") == name)
    return re.sub(r"\x1b\[[0-9;]*m", "", said)


def page(outputs: list[dict[str, Any]]) -> str:
    """The trace page inline: the iframe's srcdoc, unescaped."""
    shown = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(shown) == 1, outputs
    found = re.search(r'srcdoc="([^"]*)"', shown[0])
    assert found is not None, shown[0][:200]
    return html.unescape(found.group(1))


def steps_of(page_text: str) -> list[dict[str, Any]]:
    found = re.search(r'<script type="application/json" id="bp-data">(.*?)</script>',
                      page_text, re.S)  # fmt: skip
    assert found is not None, "no steps in the page"
    data = json.loads(found.group(1).replace("<\\/", "</"))
    said: list[dict[str, Any]] = data["events"]
    return said


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("notebook")
    cells = {
        "load": "%load_ext bpcli",
        "gates": GATES,
        "trace_gates": "%%bpcli trace\n" + GATE_CELL,
        "after_gates": "print(repr((a.grad, b.grad, c.grad, x.grad, y.grad, s.value)))",
        "value": VALUE,
        "trace_value": "%%bpcli trace\n" + VALUE_CELL,
        "after_value": "print(repr((x1.grad, w1.grad, b.grad, o.data)))",
        "run": f"%bpcli run {ROOT / 'circuits' / 'neuron.txt'}",
        "random": "%%bpcli check\n" + RANDOM_CELL,
        "after_random": "print(random.random(), len(log))",
        "raises": "%%bpcli trace\nz = Value(1.0) * Value(2.0)\n1 / 0",
        "bad": "%%bpcli trace --bogus\nprint('never')",
        "russian": "%%bpcli check --lang ru\n" + VALUE_CELL,
    }
    outputs = execute(list(cells.values()), folder)
    return dict(zip(cells, outputs))


def plain(cells: list[str], tmp_path: Path) -> list[str]:
    """The same cells in a kernel with no magic: what each printed."""
    return [text(o) for o in execute(cells, tmp_path)]


def test_a_gate_cell_traced_inline_has_every_call_and_the_graph(ran: dict) -> None:
    shown = page(ran["trace_gates"])
    assert "<svg" in shown and "sg0" in shown
    calls = [s["call"] for s in steps_of(shown) if s.get("gate")]
    forwards = re.findall(r"^\w+ = (\w+)\.forward\(", GATE_CELL, re.M)
    backwards = re.findall(r"^(\w+)\.backward\(\)", GATE_CELL, re.M)
    assert [c.split(".")[0] for c in calls] == forwards + backwards
    assert text(ran["trace_gates"]).startswith("grads ")  # the cell's own print, as without


def test_a_micrograd_cell_traced_inline_has_its_ops_and_closures(ran: dict) -> None:
    steps = steps_of(page(ran["trace_value"]))
    ops = [s for s in steps if s.get("kind") == "op"]
    closures = [s for s in steps if s.get("kind") == "closure"]
    assert [s["op"] for s in ops] == ["*", "+", "tanh"]  # x1 * w1 + b, then .tanh()
    assert [s["gate"] for s in closures] == ["o", "n", "(x1*w1)"]  # the topological order


def test_the_namespace_after_a_watched_cell_is_what_it_is_without(
    ran: dict, tmp_path: Path
) -> None:
    without = plain([GATES, GATE_CELL, "print(repr((a.grad, b.grad, c.grad, x.grad, y.grad, "
                     "s.value)))", VALUE, VALUE_CELL, "print(repr((x1.grad, w1.grad, b.grad, "
                     "o.data)))"], tmp_path)  # fmt: skip
    assert text(ran["after_gates"]) == without[2]
    assert text(ran["after_value"]) == without[5]
    assert text(ran["trace_value"]) == without[4]  # the cell's own output, unchanged


def test_checks_replays_leave_the_random_stream_and_the_cells_state_alone(
    ran: dict, tmp_path: Path
) -> None:
    without = plain([VALUE, RANDOM_CELL, "print(random.random(), len(log))"], tmp_path)
    said = text(ran["random"])
    assert said.startswith(without[1]), said  # the cell's own print: True
    assert "ok:" in said
    assert text(ran["after_random"]) == without[2]


def test_an_exception_in_the_cell_appears_as_without_the_magic(ran: dict) -> None:
    errors = [o for o in ran["raises"] if o.get("output_type") == "error"]
    assert [e["ename"] for e in errors] == ["ZeroDivisionError"]


def test_the_page_from_a_notebook_steps_in_the_browser(ran: dict, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from test_html_page import open_page, start_browser

    driver, why = start_browser()
    if driver is None:
        if os.environ.get("CI"):
            pytest.fail(f"no browser in CI: {why}")
        raise pytest.skip.Exception(why)
    try:
        path = tmp_path / "inline.html"
        shown = page(ran["trace_gates"])
        path.write_text(shown, encoding="utf-8")
        # 5 forward calls, the seed (a line of the cell), then sg0.backward() first
        assert steps_of(shown)[6]["call"] == "sg0.backward()"
        open_page(driver, path, "#step=7")
        assert "sg0.backward()" in driver.find_element(By.ID, "bp-call").text
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        shot = os.environ.get("BPCLI_SCREENSHOT")  # the README's picture, made here
        if shot:
            driver.find_element(By.TAG_NAME, "body").screenshot(shot)
    finally:
        driver.quit()


def test_check_of_an_engine_defined_in_the_cell_blames_the_cells_line(tmp_path: Path) -> None:
    cell = "%%bpcli check\n" + SLIP + "\n" + SLIP_CELL
    outputs = execute(["%load_ext bpcli", cell], tmp_path)
    said = text(outputs[1])
    slip = cell.splitlines().index("            self.grad += self.data * out.grad") + 1
    blamed = {int(n) for n in re.findall(r"^cell\.py:(\d+): error:", said, re.M)}
    assert blamed == {slip}, said


def test_run_of_a_file_shows_the_guides_neuron(ran: dict) -> None:
    said = text(ran["run"])
    assert "forward 0   s = 0.880797" in said and "s: 0.880797 → 0.882550" in said


def test_a_bad_option_is_a_short_usage_message_not_a_traceback(ran: dict) -> None:
    said = text(ran["bad"], "stderr")
    assert "No such option" in said and "Traceback" not in said
    assert "never" not in text(ran["bad"])  # nothing ran
    assert not [o for o in ran["bad"] if o.get("output_type") == "error"]


def test_lang_may_come_after_the_command_in_a_cell(ran: dict) -> None:
    """(On the command line bpcli's own --lang comes before the command.)"""
    said = text(ran["russian"])
    assert re.search("[а-яё]{4}", said) and "ok:" not in said, said
    assert "Error" not in text(ran["russian"], "stderr")
