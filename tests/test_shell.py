"""Shell conventions (issue 13, items 7 and 9): a Python script where a circuit
file belongs, --gate NAME unknown for a circuit and a script alike, and click's
shell completion through the lazily loaded commands."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import NEURON, ROOT

SCRIPT = ROOT / "examples" / "neuron_gates.py"


def bpcli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bpcli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


@pytest.mark.parametrize("command", ["run", "validate", "graph", "export", "expand"])
def test_a_python_script_where_a_circuit_belongs_is_one_line_and_status_2(command: str) -> None:
    proc = bpcli(command, "examples/neuron_gates.py")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        "examples/neuron_gates.py: error: this is a Python script: "
        "use bpcli trace examples/neuron_gates.py\n"
    )


def test_check_and_trace_still_take_scripts() -> None:
    assert bpcli("check", str(SCRIPT)).returncode == 0
    assert bpcli("trace", "--format", "jsonl", str(SCRIPT)).returncode == 0


@pytest.mark.parametrize(("file", "name"), [(NEURON, "nope"), (SCRIPT, "u0")],
                         ids=["circuit", "script"])  # fmt: skip
def test_an_unknown_gate_is_status_2_listing_the_gates(file: object, name: str) -> None:
    """A script's gates are known once it ran (`u0` is a word of the script: it
    could have been a gate's name)."""
    proc = bpcli("trace", "--gate", name, str(file))
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: Invalid value for '--gate': no gate named '{name}'")
    for gate in ("mulg0", "mulg1", "addg0", "addg1", "sg0"):
        assert gate in last
    assert "gates are: " in last


def test_an_unknown_unit_of_a_script_is_status_2_too() -> None:
    """A name the script does not spell is refused before the script runs."""
    proc = bpcli("trace", "--unit", "axpbyc", str(SCRIPT))
    assert proc.returncode == 2
    assert "no unit named 'axpbyc': the script spells no such name" in proc.stderr
    assert "did you mean 'axpbypc'" in proc.stderr and "circuit output" not in proc.stderr


def test_a_script_that_fails_keeps_its_status_and_still_names_the_gates(tmp_path) -> None:
    path = tmp_path / "fails.py"
    path.write_text(SCRIPT.read_text() + "\nraise SystemExit(3)\n")
    proc = bpcli("trace", "--gate", "u0", str(path))
    assert proc.returncode == 3
    assert "bpcli: no gate named 'u0'" in proc.stderr


# -- completion: click's own mechanism, bash ------------------------------------------


def complete(words: str) -> list[str]:
    """What bash would offer: click's bash_complete lines are TYPE,VALUE."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    proc = bpcli(
        env={"_BPCLI_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    )
    assert proc.returncode == 0, proc.stderr
    return [line.split(",", 1)[1] for line in proc.stdout.splitlines()]


def test_bash_completes_command_names() -> None:
    assert complete("bpcli tr") == ["trace"]
    assert {"run", "trace", "check", "validate"} <= set(complete("bpcli "))


def test_bash_completes_a_lazily_loaded_commands_options_and_format_values() -> None:
    assert complete("bpcli run --for") == ["--format"]
    assert complete("bpcli run --format ") == ["table", "json", "jsonl", "csv"]
    assert complete("bpcli trace --format j") == ["json", "jsonl"]
    assert complete("bpcli run --color ") == ["auto", "always", "never"]


def test_the_bash_script_names_bpcli() -> None:
    proc = bpcli(env={"_BPCLI_COMPLETE": "bash_source"})
    assert proc.returncode == 0
    assert "_BPCLI_COMPLETE=bash_complete" in proc.stdout
