"""Errors, hints and `check SCRIPT.py` findings in Russian (issue 15): the words
translated, what tools read (the ``FILE:LINE:COL: error:`` prefix, ``bpcli:
error:``, exit statuses, JSON) as in English, counts in Russian plural forms.

Run in a real process with ``--lang ru``; skipped where the checkout has no
compiled Russian catalog (the shipped one is built from the .po files)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NEURON, ROOT

MO = ROOT / "bpcli" / "i18n" / "locale" / "ru" / "LC_MESSAGES" / "bpcli.mo"
CYRILLIC = re.compile("[А-Яа-яЁё]")
SLIP = ROOT / "examples" / "neuron_slip.py"


def bpcli(lang: str, *args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "bpcli", "--lang", lang, *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env={**env, "PYTHONIOENCODING": "utf-8", "COLUMNS": "80"},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def unknown_units(n: int) -> str:
    """A circuit with ``n`` gates, each reading a unit that does not exist."""
    gates = "".join(f"  g{k}: neg(missing{k}) -> p{k}\n" for k in range(n))
    return f"units:\n  a: 1.0\ngates:\n{gates}"


def test_an_error_keeps_its_prefix_and_says_the_rest_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text("units:\n  a: 1.0\ngates:\n  g0: mul(a, b) -> p\n")
    en, ru = bpcli("en", "validate", path), bpcli("ru", "validate", path)
    assert en.returncode == ru.returncode == 1
    (en_error, en_hint), (ru_error, ru_hint) = en.stderr.splitlines(), ru.stderr.splitlines()
    prefix = f"{path}:4:14: error: "
    assert en_error == prefix + "unknown unit 'b'"
    assert ru_error == prefix + "неизвестный юнит 'b'"
    assert en_hint.startswith("hint: ") and ru_hint.startswith("подсказка: ")
    assert CYRILLIC.search(ru_hint[len("подсказка: ") :])


@pytest.mark.parametrize(
    ("n", "said"),
    [(2, "2 ошибки"), (5, "5 ошибок"), (12, "12 ошибок"), (21, "21 ошибка"), (22, "22 ошибки")],
)
def test_the_count_of_errors_takes_the_russian_plural_form(
    tmp_path: Path, n: int, said: str
) -> None:
    path = tmp_path / "c.txt"
    path.write_text(unknown_units(n))
    en, ru = (
        bpcli("en", "validate", "--all-errors", path),
        bpcli("ru", "validate", "--all-errors", path),
    )
    assert en.returncode == ru.returncode == 1
    assert en.stderr.splitlines()[-1] == f"{n} errors"
    ru_lines = ru.stderr.splitlines()
    assert ru_lines[-1] == said
    # every problem keeps its place, as tools read it
    prefixes = [line.split(" error: ")[0] for line in en.stderr.splitlines() if " error: " in line]
    assert prefixes == [line.split(" error: ")[0] for line in ru_lines if " error: " in line]
    assert len(prefixes) == n


def test_an_error_during_a_pass_says_which_pass_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text("units:\n  a: -1.0\ngates:\n  g1: log(a) -> p\n")
    ru = bpcli("ru", "run", path)
    assert ru.returncode == 1
    first = ru.stderr.splitlines()[0]
    assert first.startswith(f"{path}:4:3: error: вентиль 'g1': log(-1.0) ")
    assert first.endswith("(во время прямого прохода 0)")


def test_a_usage_problem_and_a_refused_output_keep_their_status_and_prefix() -> None:
    ru = bpcli("ru", "run", NEURON, "--set", "zz=1")
    assert ru.returncode == 2
    assert "'zz' — не юнит этой схемы; входы: a, b, c, x, y" in ru.stderr
    ru = bpcli("ru", "run", NEURON, "-o", NEURON)
    assert ru.returncode == 1
    error, hint = ru.stderr.splitlines()
    assert error.startswith(f"bpcli: error: -o {NEURON} — это файл схемы")
    assert hint.startswith("подсказка: укажите другое имя файла")


def test_a_script_check_speaks_russian_and_its_json_stays_english() -> None:
    en, ru = bpcli("en", "check", SLIP), bpcli("ru", "check", SLIP)
    assert en.returncode == ru.returncode == 1
    en_lines, ru_lines = en.stdout.splitlines(), ru.stdout.splitlines()
    assert len(en_lines) == len(ru_lines)
    for e, r in zip(en_lines, ru_lines, strict=True):
        if " error: " in e:  # FILE:LINE: error: as tools read it, the finding in Russian
            head = e.split(" error: ")[0] + " error: "
            assert r.startswith(head) and CYRILLIC.search(r[len(head) :])
            assert "вклад" in r
        elif e.startswith("    "):  # the learner's own line, as it is
            assert r == e
    assert ru_lines[-1].startswith("неверно: 2 ошибки (5 вызовов backward, 9 вкладов")
    en_json = bpcli("en", "check", SLIP, "--format", "json")
    ru_json = bpcli("ru", "check", SLIP, "--format", "json")
    assert en_json.stdout == ru_json.stdout
    assert json.loads(ru_json.stdout)["problems"][0]["message"].startswith("this pull into")
