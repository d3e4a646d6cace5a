from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bpcli.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = sorted((ROOT / "circuits").glob("*.txt"))
NEURON = ROOT / "circuits" / "neuron.txt"


def invoke(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def run_json(*args: str, input: str | bytes | None = None) -> dict[str, Any]:
    result = invoke("run", "--format", "json", *args, input=input)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def write_circuit(tmp_path: Path):
    def write(text: str, name: str = "c.txt") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
