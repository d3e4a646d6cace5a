"""`--help` in Russian (issue 15): every command's help, run for real with
`--lang ru` at 80 columns, has Russian prose and click's own words in Russian
(`Использование:`, `Параметры:`), fits the width, and keeps its example
command lines exactly as the English help has them; click's usage errors are
Russian too, with exit status 2. Skipped where the shipped Russian catalog has
not been compiled (the `.mo` beside its `.po`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bpcli.cli.main import COMMANDS
from bpcli.i18n import LOCALEDIR
from bpcli.render.layout import width

from conftest import ROOT

CATALOG = Path(LOCALEDIR) / "ru" / "LC_MESSAGES" / "bpcli.mo"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
COLUMNS = 80


def bpcli(*args: str, columns: int = COLUMNS) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env |= {"COLUMNS": str(columns), "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8"}
    program = str(Path(sys.executable).parent / "bpcli")
    return subprocess.run(
        [program, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def examples(text: str, heading: str) -> list[str]:
    """The lines of the help's example block (after its heading, to the blank line)."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.strip() == heading)
    block = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        block.append(line)
    return block


@pytest.mark.parametrize("command", ["", *COMMANDS], ids=lambda c: c or "bpcli")
def test_help_is_russian_fits_and_keeps_its_examples(command: str) -> None:
    args = [command] if command else []
    ru = bpcli("--lang", "ru", *args, "--help")
    en = bpcli("--lang", "en", *args, "--help")
    assert ru.returncode == 0 and en.returncode == 0, ru.stderr + en.stderr
    text = ru.stdout
    assert text.startswith("Использование: bpcli"), text[:80]
    assert "Usage:" not in text and "Options:" not in text and "Show this message" not in text
    assert "Параметры:" in text and "Показать это сообщение и выйти." in text
    paragraphs = text.split("\n\n")
    assert CYRILLIC.search(paragraphs[1]), f"the description is not Russian: {paragraphs[1]!r}"
    for n, line in enumerate(text.splitlines(), 1):
        assert width(line) <= COLUMNS, f"line {n} is {width(line)} wide: {line!r}"
    assert examples(text, "Примеры:") == examples(en.stdout, "Examples:")
    if not command:
        assert "Команды:" in text and "Commands:" not in text


def test_a_usage_error_is_clicks_in_russian() -> None:
    result = bpcli("--lang", "ru", "run", "--nosuch")
    assert result.returncode == 2
    assert "Использование: bpcli run" in result.stderr
    assert "Ошибка:" in result.stderr and "'--nosuch'" in result.stderr
    assert CYRILLIC.search(result.stderr.split("Ошибка:")[1])
    assert "No such option" not in result.stderr and "Error:" not in result.stderr


def test_bpclis_own_usage_error_and_count_are_russian() -> None:
    refused = bpcli("--lang", "ru", "run", "-q", "--format", "json", "circuits/neuron.txt")
    assert refused.returncode == 2
    assert "Ошибка: -q выводит только значение выхода: уберите --format" in refused.stderr
    checked = bpcli("--lang", "ru", "validate", "circuits/neuron.txt")
    assert checked.returncode == 0
    # "FILE: ok:" stays as it is; the counts take Russian plural forms
    assert checked.stdout == "circuits/neuron.txt: ok: 5 входов, 5 вентилей, выход: s\n"
