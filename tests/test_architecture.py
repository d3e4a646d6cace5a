"""The house as promised: rooms of one job, the registry as the one source of
ops and slots, formats and mistakes as tables the command line reads."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from bpcli.cli import views
from bpcli.cli.main import cli
from bpcli.core.gates import IN_SLOTS, OPS, OUT_SLOT
from bpcli.core.mistakes import MISTAKES

from conftest import ROOT

PACKAGE = ROOT / "bpcli"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def strings(path: Path) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_each_file_is_a_room_of_one_job(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= 420, f"{path.name} has {lines} lines"
    assert path.read_text().lstrip().startswith('"""'), "each module says what its job is"


def test_no_op_or_slot_name_is_spelled_outside_the_registry() -> None:
    names = set(OPS) | set(IN_SLOTS) | {OUT_SLOT}
    found = [
        (path.name, line, text)
        for path in SOURCES
        if path.name != "gates.py"
        for line, text in strings(path)
        if text in names
    ]
    assert found == []


def test_no_mistake_is_chosen_by_its_name_outside_its_row() -> None:
    """The mistakes' behaviour is in their rows: no code compares a mistake's name."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if isinstance(side, ast.Constant) and side.value in MISTAKES:
                        found.append((path.name, node.lineno, side.value))
    assert found == []


def test_fmt_skip_only_where_a_tables_alignment_is_the_point() -> None:
    for path in SOURCES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "# fmt: skip" in line:
                assert line.lstrip()[:1] in "]}", f"{path.name}:{number}: {line.strip()}"


def _commands() -> dict[str, click.Command]:
    ctx = click.Context(cli)
    found = {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


def _choices(command: str, option: str = "fmt") -> list[str]:
    param = next(p for p in _commands()[command].params if p.name == option)
    assert isinstance(param.type, click.Choice)
    return list(param.type.choices)


@pytest.mark.parametrize(
    ("command", "view"),
    [
        ("run", views.RUN),
        ("trace", views.TRACE),
        ("check", views.CHECK),
        ("gates", views.GATES),
        ("graph", views.GRAPH),
    ],
)
def test_format_choices_come_from_the_views_table(command: str, view: dict) -> None:
    assert _choices(command) == list(view)
    assert all(callable(writer) for writer in view.values())


def test_each_format_default_is_one_of_its_views_formats() -> None:
    """LazyChoice takes an option's default as it is, unchecked: so it is checked here."""
    for name, command in _commands().items():
        for param in command.params:
            if param.name == "fmt":
                assert param.default in _choices(name), (name, param.default)


def test_mistake_choices_come_from_the_mistakes_table() -> None:
    assert _choices("run", "mistake") == _choices("trace", "mistake") == list(MISTAKES)
    for m in MISTAKES.values():  # each row changes something of the passes
        changes = (m.copies, m.assigns, m.forward_order, not m.zeroes, m.local is not None)
        assert sum(changes) == 1, m.name


def test_every_option_means_one_thing() -> None:
    """An option spelled alike in two commands has the same help, type and default."""
    seen: dict[str, tuple[str, str, object, str]] = {}
    for name, command in _commands().items():
        for param in command.params:
            if not isinstance(param, click.Option) or param.name in ("fmt", "out_path"):
                continue
            key = param.opts[0]
            help_text = (param.help or "").split(" [")[0]
            here = (help_text, str(param.type.to_info_dict()), param.default, name)
            first = seen.setdefault(key, here)
            assert first[:3] == here[:3], (key, first[3], name)
