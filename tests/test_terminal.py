"""Colour and width (issue 13, item 7): --color, NO_COLOR, FORCE_COLOR and
TERM=dumb, decided by one pure function, then seen end to end."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bpcli.cli.main import cli
from bpcli.system.terminal import terminal_width, wants_color

from conftest import NEURON

TTY, PIPE = True, False

COLOR = [
    # flag, environment, a terminal?, colour?
    ("auto", {}, TTY, True),
    ("auto", {}, PIPE, False),
    ("auto", {"NO_COLOR": "1"}, TTY, False),
    ("auto", {"NO_COLOR": ""}, TTY, True),  # empty: as if unset
    ("auto", {"FORCE_COLOR": "1"}, PIPE, True),
    ("auto", {"FORCE_COLOR": "0"}, PIPE, True),  # any non-empty value
    ("auto", {"FORCE_COLOR": ""}, PIPE, False),
    ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, TTY, False),  # NO_COLOR first
    ("auto", {"TERM": "dumb"}, TTY, False),
    ("auto", {"TERM": "xterm"}, TTY, True),
    ("auto", {"TERM": "dumb", "FORCE_COLOR": "1"}, TTY, True),
    ("always", {}, PIPE, True),
    ("always", {"NO_COLOR": "1"}, PIPE, True),
    ("always", {"TERM": "dumb"}, TTY, True),
    ("never", {}, TTY, False),
    ("never", {"FORCE_COLOR": "1"}, TTY, False),
]


@pytest.mark.parametrize(("flag", "env", "tty", "expected"), COLOR)
def test_wants_color(flag: str, env: dict[str, str], tty: bool, expected: bool) -> None:
    assert wants_color(flag, env, tty) is expected


WIDTH = [
    ({"COLUMNS": "60"}, PIPE, 60),
    ({"COLUMNS": "60"}, TTY, 60),
    ({"COLUMNS": "0"}, PIPE, 120),
    ({"COLUMNS": "wide"}, PIPE, 120),
    ({}, PIPE, 120),
    ({}, TTY, 80),  # a terminal that does not say (no descriptor here)
]


@pytest.mark.parametrize(("env", "tty", "expected"), WIDTH)
def test_terminal_width(env: dict[str, str], tty: bool, expected: int) -> None:
    assert terminal_width(tty, env, fd=-1) == expected


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {"FORCE_COLOR": "1"}, True),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
        ((), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        ((), {"TERM": "dumb"}, False),
    ],
)
def test_colour_into_a_pipe_end_to_end(
    args: tuple[str, ...], env: dict[str, str], coloured: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["run", *args, str(NEURON)], env=env)
    assert result.exit_code == 0, result.output
    assert ("\x1b[" in result.stdout) is coloured


def test_into_a_pipe_read_on_a_terminal_the_view_fits_that_terminal() -> None:
    """`bpcli trace … | less` in a 70-column terminal: standard output is a pipe,
    standard error the terminal; every line fits its 70 columns."""
    import os
    import sys
    from pathlib import Path

    from bpcli.render.layout import width

    from conftest import NEURON, stderr_on_a_pty

    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    bpcli = str(Path(sys.executable).parent / "bpcli")
    out, _, status = stderr_on_a_pty([bpcli, "trace", "--no-update", str(NEURON)], env,
                                     columns=70)  # fmt: skip
    assert status == 0 and "sg0.backward()" in out
    assert max(width(line) for line in out.splitlines()) <= 70
    assert max(width(line) for line in out.splitlines()) > 60  # it used the room it had
