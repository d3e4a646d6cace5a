"""bpcli trace --html in a real browser (headless Chromium driven by Selenium):
the page opens from file://, steps with the keys, marks the Unit written,
keeps the step in #step=N, asks the network for nothing, logs no error, and
draws the graph. Also the SVG graph without Graphviz.

Run as a script, it makes the README's screenshot by the same path:
``python tests/test_html_page.py docs/trace-page.png``.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEURON = ROOT / "circuits" / "neuron.txt"
SCRIPT = ROOT / "examples" / "neuron_gates.py"
BPCLI = [sys.executable, "-m", "bpcli"]
CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
DRIVER = ("/usr/bin/chromedriver", "chromedriver")


def bpcli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BPCLI, *map(str, args)], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )


def _found(names: tuple[str, ...]) -> str | None:
    for name in names:
        path = name if os.path.isabs(name) and os.access(name, os.X_OK) else shutil.which(name)
        if path:
            return path
    return None


def start_browser(width: int = 1200, height: int = 900):
    """Headless Chromium, its performance and console logs kept; None and why, if
    there is none here."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        return None, f"selenium is not installed ({e})"
    binary, driver = _found(CHROMIUM), _found(DRIVER)
    if binary is None or driver is None:
        return (
            None,
            "no chromium and chromedriver (Debian: apt-get install chromium chromium-driver)",
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options), ""


@pytest.fixture(scope="module")
def browser():
    driver, why = start_browser()
    if driver is None:
        if os.environ.get("CI"):
            pytest.fail(f"no browser for the page's tests in CI: {why}")
        raise pytest.skip.Exception(why)  # not in CI: the reason, and on
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def neuron_page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("page") / "neuron.html"
    proc = bpcli("trace", NEURON, "--html", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    return out


def open_page(driver, path: Path, fragment: str = "") -> None:
    driver.get(path.as_uri() + fragment)
    driver.execute_script("return window.bpPage.step()")


def shown_step(driver) -> int:
    return int(driver.execute_script("return window.bpPage.step()"))


def marked(driver, cls: str) -> list[str]:
    return driver.execute_script(
        f"return [...document.querySelectorAll('svg .{cls}')].map("
        "e => e.dataset.slot ? e.dataset.gate + '.' + e.dataset.slot"
        " : e.dataset.gate || e.dataset.unit)"
    )


def requests_made(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_the_neuron_page_steps_to_sigmoid_backward(browser, neuron_page: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, neuron_page)
    assert shown_step(browser) == 1
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(30):
        if "sg0.backward()" in browser.find_element(By.ID, "bp-call").text:
            break
        body.send_keys(Keys.ARROW_RIGHT)
    text = browser.find_element(By.ID, "bp-text").text
    assert "sg0.backward()" in text and "0.104994" in text
    assert marked(browser, "bp-written") == ["ax_p_by_p_c"]
    assert marked(browser, "bp-flow") == ["sg0.u0"]
    assert marked(browser, "bp-active") == ["sg0"]
    n = shown_step(browser)
    assert browser.current_url.endswith(f"#step={n}")
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-unit="ax_p_by_p_c"]')
    assert "bp-written" in row.get_attribute("class")
    assert row.get_attribute("data-grad") == "0.10499358540350662"
    body.send_keys(Keys.ARROW_LEFT)
    assert shown_step(browser) == n - 1
    browser.refresh()  # the address keeps the step
    assert shown_step(browser) == n - 1
    open_page(browser, neuron_page, f"#step={n}")
    assert shown_step(browser) == n
    assert "0.104994" in browser.find_element(By.ID, "bp-text").text
    browser.execute_script("location.hash = '#step=3'")
    assert shown_step(browser) == 3
    assert all(u.startswith(("file:", "data:")) for u in requests_made(browser))
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_focus_shows_every_slot_holding_the_object(browser, neuron_page: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, neuron_page, "#step=7")
    node = browser.find_element(By.CSS_SELECTOR, '.bp-unit[data-unit="ax_p_by_p_c"]')
    browser.execute_script("arguments[0].focus()", node)
    said = browser.find_element(By.ID, "bp-identity").text
    assert "addg1.utop" in said and "sg0.u0" in said and "0x" in said
    assert sorted(marked(browser, "bp-edge.bp-same")) == ["addg1.utop", "sg0.u0"]


VALUES = [ROOT / "examples" / "micrograd_neuron.py", ROOT / "examples" / "microgpt_loss.py"]
PAGES = [*sorted((ROOT / "circuits").glob("*.txt")), SCRIPT, *VALUES]


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_values_as_of_each_step_are_the_jsonl_ones(browser, path: Path, tmp_path: Path) -> None:
    """Every step, forward then back again: each Unit's value and grad as the page
    shows them are the jsonl event's, and the Units marked are the ones it wrote.
    (micrograd's `_prev` is a set, whose order follows the objects' addresses:
    two runs of it may differ, so here it is a tuple.)"""
    if "set(_children)" in path.read_text():
        copy = tmp_path / path.name
        copy.write_text(path.read_text().replace("set(_children)", "tuple(_children)"))
        path = copy
    lines = bpcli("trace", "--format", "jsonl", path).stdout.splitlines()
    events = [json.loads(x) for x in lines if x]
    out = tmp_path / "page.html"
    assert bpcli("trace", path, "--html", out).returncode == 0
    open_page(browser, out)
    for e in [*events, *reversed(events[:-1])]:
        browser.execute_script(f"window.bpPage.go({e['step']})")
        rows = browser.execute_script(
            "const r = {}; document.querySelectorAll('#bp-table tr[data-unit]').forEach("
            "t => r[t.dataset.unit] = [Number(t.dataset.value), Number(t.dataset.grad)]); return r"
        )
        for view in e["slots"].values():
            assert rows[view["unit"]] == [view["value"], view["grad"]], (e["step"], view)
        written = {w["unit"] for w in e.get("writes", [])} | {e.get("new")} - {None}
        if written:
            assert written <= set(marked(browser, "bp-written")), e["step"]
    assert [x for x in browser.get_log("browser") if x["level"] == "SEVERE"] == []


def png_colours(data: bytes) -> int:
    """How many distinct pixel colours an 8-bit RGB(A) PNG has (no Pillow needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (size,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + size
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(line[i : i + 3]) for i in range(0, stride, bpp * 7))
        prev = line
    return len(colours)


def screenshot(driver, page: Path, out: Path, fragment: str = "#step=7") -> bytes:
    """The page at a step, a Unit focused, as a PNG: what the README shows."""
    open_page(driver, page, fragment)
    driver.execute_script("document.querySelector('.bp-unit[data-unit=\"ax_p_by_p_c\"]').focus()")
    png = driver.get_screenshot_as_png()
    out.write_bytes(png)
    return png


def test_screenshot_shows_the_graph(browser, neuron_page: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    png = screenshot(browser, neuron_page, tmp_path / "page.png")
    assert browser.find_elements(By.CSS_SELECTOR, "svg.bp-graph .bp-gate")
    assert browser.find_element(By.CSS_SELECTOR, "svg.bp-graph").size["width"] > 200
    assert png_colours(png) >= 8  # not blank: the boxes, the marks, the text


def test_the_neuron_page_is_small_and_self_contained(neuron_page: Path) -> None:
    html = neuron_page.read_text()
    assert len(html.encode()) < 100_000
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<link" not in html and " src=" not in html


def test_a_script_page(browser, tmp_path: Path) -> None:
    out = tmp_path / "script.html"
    proc = bpcli("trace", SCRIPT, "--html", out)
    assert proc.returncode == 0, proc.stderr
    open_page(browser, out, "#step=7")
    assert marked(browser, "bp-written") == ["axpbypc"]
    assert marked(browser, "bp-active") == ["sg0"]
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_a_value_page_marks_the_closure_and_the_edges_its_pulls_travel(
    browser, tmp_path: Path
) -> None:
    """micrograd's neuron: a node per Value, an edge per use; x1w1's closure call
    marks its op, the two edges its pulls travel (self and other), and x1, w1."""
    from selenium.webdriver.common.by import By

    out = tmp_path / "values.html"  # its closures' order is its sets' (ids): this run's
    assert bpcli("trace", VALUES[0], "--html", out).returncode == 0
    open_page(browser, out)
    for step in range(1, 20):
        browser.execute_script(f"window.bpPage.go({step})")
        if "x1w1._backward()" in browser.find_element(By.ID, "bp-call").text:
            break
    assert marked(browser, "bp-active") == ["x1w1"]
    assert sorted(marked(browser, "bp-flow")) == ["x1w1.other", "x1w1.self"]
    assert sorted(marked(browser, "bp-written")) == ["w1", "x1"]
    edges = browser.execute_script(
        "return [...document.querySelectorAll('svg .bp-edge')].map("
        "e => e.dataset.gate + '.' + e.dataset.slot)"
    )
    assert len(edges) == len(set(edges)) == 14  # 5 ops: 4 with two uses, tanh one; 5 made
    assert [x for x in browser.get_log("browser") if x["level"] == "SEVERE"] == []


def test_a_value_used_twice_has_two_edges(browser, tmp_path: Path) -> None:
    script = tmp_path / "square.py"
    script.write_text(
        (ROOT / "examples" / "micrograd_neuron.py").read_text().split("x1 = Value(2.0)")[0]
        + "a = Value(3.0)\nb = a * a\nb.backward()\nprint(a.grad)\n"
    )
    out = tmp_path / "square.html"
    assert bpcli("trace", script, "--html", out).returncode == 0
    open_page(browser, out, "#step=3")  # the op, the seed, b's closure
    assert sorted(marked(browser, "bp-flow")) == ["b.other", "b.self"]
    assert marked(browser, "bp-written") == ["a"]


def test_a_page_to_stdout_holds_the_page_only() -> None:
    proc = bpcli("trace", SCRIPT, "--html", "-")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<!DOCTYPE html>") and proc.stdout.rstrip().endswith("</html>")
    assert "circuit output" in proc.stderr  # the script's own prints, out of the way


def test_a_200_gate_page_steps_through(browser, tmp_path: Path) -> None:
    """A 200-gate page steps on, each step drawn (how fast: benchmarks/page.py;
    tests never assert on time)."""
    circuit, out = tmp_path / "mlp.txt", tmp_path / "mlp.html"
    gen = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--kind", "mlp"]
    subprocess.run([*gen, "--gates", "200", "-o", str(circuit)], check=True, capture_output=True)
    assert bpcli("trace", circuit, "--html", out).returncode == 0
    open_page(browser, out)
    assert len(step_times(browser)) == 60
    assert shown_step(browser) == 60
    assert len(marked(browser, "bp-active")) == 1  # the 60th step's gate, marked


def step_times(driver, steps: int = 60) -> list[float]:
    """ms per step, one step on from the last (the script's work, then style and
    layout forced), sorted."""
    return sorted(
        driver.execute_script(
            "const t = []; const n = Math.min(arguments[0], window.bpPage.count);"
            "for (let k = 1; k <= n; k++) { const a = performance.now(); window.bpPage.go(k);"
            "document.querySelector('svg.bp-graph').getBoundingClientRect();"
            "document.body.offsetHeight; t.push(performance.now() - a); } return t",
            steps,
        )
    )


def test_graph_svg_without_graphviz(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare)}
    proc = bpcli("graph", "--format", "svg", ROOT / "circuits" / "fanout.txt", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<?xml") and proc.stdout.count('class="bp-node bp-gate"') == 5
    assert proc.stdout.count('data-unit="x"') == 1 + 4  # the node once, an edge per slot
    png = bpcli("graph", "--format", "png", "-o", tmp_path / "x.png", NEURON, env=env)
    assert png.returncode == 1 and "apt-get install graphviz" in png.stderr


@pytest.mark.slow
def test_past_2000_gates_only_the_first_layers_are_drawn(tmp_path: Path) -> None:
    circuit, out = tmp_path / "chain.txt", tmp_path / "chain.html"
    gen = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--kind", "chain"]
    subprocess.run([*gen, "--gates", "2100", "-o", str(circuit)], check=True, capture_output=True)
    proc = bpcli("trace", "--no-update", "-n", "1", circuit, "--html", out)
    assert proc.returncode == 0, proc.stderr
    assert "warning: 2100 gates: only the first" in proc.stderr
    html = out.read_text()
    assert 'class="bp-note"' in html and "2100 gates: only the first" in html
    assert html.count('class="bp-node bp-gate"') <= 2000


if __name__ == "__main__":  # the README's screenshot, by the test's own path
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "trace-page.png").resolve()
    driver, why = start_browser(1100, 760)
    if driver is None:
        sys.exit(why)
    import tempfile

    page = Path(tempfile.mkdtemp()) / "neuron.html"
    subprocess.run(
        [*BPCLI, "trace", "circuits/neuron.txt", "--html", str(page)], check=True, cwd=ROOT
    )
    try:
        screenshot(driver, page, target)
        times = step_times(driver)
        print(
            f"{target}: {png_colours(target.read_bytes())} colours; steps {times[-1]:.1f} ms worst"
        )
    finally:
        driver.quit()
        shutil.rmtree(page.parent)


@pytest.mark.parametrize(("lang", "mark"), [("en", "← written"), ("ru", "← записан")])
def test_a_written_rows_mark_is_in_the_readers_language(
    browser, tmp_path: Path, lang: str, mark: str
) -> None:
    page = tmp_path / f"{lang}.html"
    ran = bpcli("--lang", lang, "trace", NEURON, "--html", page)
    assert ran.returncode == 0, ran.stderr
    open_page(browser, page, "#step=12")  # sg0.backward(): ax_p_by_p_c written
    shown = browser.execute_script(
        "var th = document.querySelector('tr.bp-written th');"
        "return th && getComputedStyle(th, '::after').content;"
    )
    assert shown == f'" {mark}"', shown
