"""bpcli graph: Graphviz accepts the DOT; each Unit drawn once with one edge
per slot that holds it; values when asked; a clear word when dot is missing."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import CIRCUITS, NEURON, ROOT, invoke, program

FANOUT = ROOT / "circuits" / "fanout.txt"


@pytest.mark.parametrize("path", CIRCUITS, ids=[p.name for p in CIRCUITS])
def test_graphviz_accepts_the_dot_of_every_circuit(path: Path) -> None:
    for extra in ([], ["--values"]):
        text = invoke("graph", *extra, path).stdout
        dot = program("dot", "graphviz")
        proc = subprocess.run([dot, "-Tsvg"], input=text, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.lstrip().startswith("<?xml")


def test_each_unit_once_and_one_edge_per_slot() -> None:
    text = invoke("graph", FANOUT).stdout
    units = re.findall(r'^  "u:(\w+)" \[', text, flags=re.M)
    assert sorted(units) == sorted(["x", "y", "z", "xy", "xz", "xx", "xy_p_xz", "f"])
    out_of_x = re.findall(r'^  "u:x" -> "g:(\w+)" \[label="(u\d)"\];', text, flags=re.M)
    assert sorted(out_of_x) == [("mulg0", "u0"), ("mulg1", "u0"), ("sqg0", "u0"), ("sqg0", "u1")]
    assert '"g:sqg0" -> "u:xx" [label="utop"];' in text


def test_values_after_forward_and_backward() -> None:
    text = invoke("graph", "--values", NEURON).stdout
    assert re.search(r'"u:b" \[[^]]*label="b\\nvalue 2\\ngrad 0.314981\\n0x[0-9a-f]+"', text)
    assert re.search(r'"u:s" \[[^]]*label="s\\nvalue 0.880797\\ngrad 1\\n0x', text)


def test_mermaid() -> None:
    text = invoke("graph", "--format", "mermaid", FANOUT).stdout
    assert text.startswith("flowchart LR\n")
    assert text.count("u_x -- ") == 4
    assert "g_sqg0 -- utop --> u_xx" in text


def test_svg_to_a_file_whole_with_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "neuron.svg"
    result = invoke("graph", "--format", "svg", "-o", target, NEURON)
    assert result.exit_code == 0, result.stderr
    assert target.read_text().lstrip().startswith("<?xml")
    assert "mulg0" in target.read_text()
    mode = stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["neuron.svg"]  # no temporary left


@pytest.mark.parametrize("args", [["--format", "png"], ["--format", "svg", "--engine", "graphviz"]])
def test_without_graphviz_it_says_how_to_install(monkeypatch, tmp_path: Path, args) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    target = tmp_path / "x.out"
    result = invoke("graph", *args, "-o", target, NEURON)
    assert result.exit_code == 1
    assert "apt-get install graphviz" in result.stderr
    assert not target.exists()


def test_a_literal_is_labelled_by_its_value_and_a_frozen_input_drawn_apart(write_circuit) -> None:
    from conftest import invoke

    path = write_circuit("units:\n  a: 1\n  b: 2\ngates:\n  g: mul(a, 3.5) -> p\n"
                         "  h: add(p, b) -> q\nfrozen: [b]\n")  # fmt: skip
    dot_text = invoke("graph", str(path)).stdout
    assert '"u:g.u1" [shape=plaintext, label="3.5"]' in dot_text
    frozen = next(x for x in dot_text.splitlines() if x.startswith('  "u:b" ['))
    trainable = next(x for x in dot_text.splitlines() if x.startswith('  "u:a" ['))
    assert "dashed" in frozen and 'label="b (frozen)"' in frozen
    assert "dashed" not in trainable and 'label="a"' in trainable
    mermaid = invoke("graph", "--format", "mermaid", str(path)).stdout
    assert 'u_g__u1["3.5"]' in mermaid and "class u_b frozen" in mermaid
