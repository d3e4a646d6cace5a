"""Start-up (issue 13, item 4): a command imports only what it uses. rich only
for views that draw, difflib only to word a hint. Each command runs in a fresh
interpreter under ``-X importtime``, which names every module imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import NEURON, ROOT

NEVER = ("rich", "difflib")


def imported(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bpcli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("import time:")]
    assert lines, "no -X importtime output"
    return {ln.rsplit("|", 1)[1].strip() for ln in lines}


@pytest.mark.parametrize(
    "args",
    [
        ("run", "-q"),
        ("run", "-q", "-n", "3"),
        ("run", "--format", "json"),
        ("run", "--format", "jsonl"),
        ("run", "--format", "csv"),
        ("trace", "--format", "json"),
        ("trace", "--format", "jsonl"),
        ("validate",),
        ("check", "--format", "json"),
    ],
    ids=" ".join,
)
def test_machine_formats_and_quiet_runs_never_import_rich_or_difflib(args: tuple[str, ...]) -> None:
    modules = imported(*args, str(NEURON))
    for name in NEVER:
        assert not any(m == name or m.startswith(name + ".") for m in modules), name


def test_colour_does_import_rich() -> None:
    """The check above would pass vacuously if -X importtime named nothing."""
    assert "rich" in imported("run", "--color", "always", str(NEURON))


def test_a_hint_still_says_did_you_mean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bpcli", "run", "--unit", "ax_p_b", str(NEURON)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "Did you mean 'ax_p_by'" in proc.stderr


def test_short_options_and_unknown_ones_parse_as_click_parses_them() -> None:
    from conftest import invoke

    assert invoke("run", "-qn", "2", NEURON).stdout.strip() == "0.8842611948169297"
    bad = invoke("run", "-x", NEURON)
    assert bad.exit_code == 2 and "No such option '-x'" in bad.stderr
    typo = invoke("run", "--quiett", NEURON)
    assert typo.exit_code == 2 and "Did you mean" in typo.stderr and "'--quiet'" in typo.stderr
