"""A learner's script that python runs runs the same under bpcli: objects whose
attributes fail when read, numbers no float holds, a Unit that goes to infinity,
a script that closes its standard output; bpcli's looking never breaks it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = "class U:\n    def __init__(s, v):\n        s.value = v\n        s.grad = 0.0\n"
GATE = (
    "class G:\n"
    "    def forward(self, u):\n"
    "        self.u0 = u\n"
    "        self.extra = EXTRA()\n"
    "        self.utop = U(u.value * 3.0)\n"
    "        return self.utop\n"
    "    def backward(self):\n"
    "        self.u0.grad += 3.0 * self.utop.grad\n"
)
MAIN = "g = G()\na = U(2.0)\ns = g.forward(a)\ns.grad = 1.0\ng.backward()\nprint('done', a.grad)\n"


def script(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "learner.py"
    path.write_text(UNIT + extra + GATE + MAIN)
    return path


def run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          timeout=60)  # fmt: skip


EXTRAS = {
    "a property that raises": (
        "class EXTRA:\n    grad = 0.0\n    @property\n"
        "    def value(self):\n        raise RuntimeError('not ready')\n"
    ),
    "a __getattr__ that raises": (
        "class EXTRA:\n    def __getattr__(self, name):\n        raise KeyError(name)\n"
    ),
}


@pytest.mark.parametrize("extra", EXTRAS.values(), ids=EXTRAS.keys())
@pytest.mark.parametrize("fmt", ["table", "jsonl"])
def test_an_object_bpcli_cannot_read_is_no_unit_and_the_script_runs_on(
    tmp_path: Path, extra: str, fmt: str
) -> None:
    path = script(tmp_path, extra)
    alone = run(path)
    assert alone.returncode == 0 and "done 3.0" in alone.stdout
    traced = run("-m", "bpcli", "trace", "--format", fmt, path)
    assert traced.returncode == 0, traced.stderr
    assert "Traceback" not in traced.stderr and "internal error" not in traced.stderr
    said = traced.stdout if fmt == "table" else traced.stderr  # JSON keeps stdout pure
    assert "done 3.0" in said
    if fmt == "jsonl":
        gates = [json.loads(line) for line in traced.stdout.splitlines()]
        slots = {s for e in gates if e["gate"] for s in e["slots"]}
        assert slots == {"u0", "utop"}  # the other object is not taken for a Unit


def test_a_value_no_float_holds_is_shown_in_writing(tmp_path: Path) -> None:
    """An int too large for a float is a number all the same (python computes
    with it): its Unit is shown, the value written out, never NaN."""
    path = script(tmp_path, "class EXTRA:\n    value = 10**400\n    grad = 0\n")
    traced = run("-m", "bpcli", "trace", "--format", "jsonl", path)
    assert traced.returncode == 0, traced.stderr
    gates = [json.loads(line) for line in traced.stdout.splitlines()]
    extra = [e["slots"]["extra"] for e in gates if e["gate"] and "extra" in e["slots"]]
    assert extra and all(s["value"] == "1e+400" for s in extra)


def test_numbers_that_are_not_finite_stay_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "diverges.py"
    path.write_text(
        UNIT + "class G:\n    def forward(self, u):\n        self.u0 = u\n"
        "        self.utop = U(u.value * float('inf'))\n        return self.utop\n"
        "    def backward(self):\n        self.u0.grad += float('nan')\n"
        "g = G()\na = U(1.0)\ns = g.forward(a)\ns.grad = 1.0\ng.backward()\n"
    )
    for fmt in ("json", "jsonl"):
        traced = run("-m", "bpcli", "trace", "--format", fmt, path)
        assert traced.returncode == 0, traced.stderr

        def refuse(word: str) -> None:
            raise AssertionError(f"not strict JSON: {word}")

        text = traced.stdout
        docs = [json.loads(text, parse_constant=refuse)] if fmt == "json" else [
            json.loads(line, parse_constant=refuse) for line in text.splitlines()
        ]  # fmt: skip
        events = docs[0] if fmt == "json" else docs
        forward = next(e for e in events if e["phase"] == "forward")
        assert forward["slots"]["utop"]["value"] == "Infinity"
        backward = next(e for e in events if e["phase"] == "backward")
        assert backward["slots"]["u0"]["grad"] == "NaN"
    table = run("-m", "bpcli", "trace", path)
    assert table.returncode == 0 and "inf" in table.stdout and "nan" in table.stdout


def test_a_script_that_closes_its_standard_output(tmp_path: Path) -> None:
    path = tmp_path / "closes.py"
    path.write_text(
        UNIT + GATE.replace("EXTRA()", "None") + MAIN + "import sys\nsys.stdout.close()\n"
    )
    assert run(path).returncode == 0
    traced = run("-m", "bpcli", "trace", path)
    assert traced.returncode == 0, traced.stderr
    assert "done 3.0" in traced.stdout and "g.backward()" in traced.stdout
    assert traced.stderr == ""
    after = tmp_path / "prints_after.py"
    after.write_text("import sys\nsys.stdout.close()\nprint('x')\n")
    alone, traced = run(after), run("-m", "bpcli", "trace", after)
    assert traced.returncode == alone.returncode == 1
    # the script's own traceback, as python shows it: none of bpcli's frames in it
    assert "ValueError: I/O operation on closed file." in traced.stderr
    assert "bpcli" not in traced.stderr.split("Traceback")[1].split("ValueError")[0]
