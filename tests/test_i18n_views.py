"""The views in Russian (issue 15): `run`, `trace`, `check`, `run --mistake` and
`gates` with `--lang ru` fit 60 and 80 columns for every shipped circuit, break
no word, speak Russian, and show the very numbers the English views show; the
trace page says `<html lang="ru">` and gets its labels in Russian. A text kept
in English in the data (a mistake's `why`, a check's rule) is translated where
it is drawn, its numbers taken back out of it.

Run against the shipped catalog (bpcli/i18n/locale/ru/LC_MESSAGES/bpcli.mo): skipped,
saying so, where it is absent."""

from __future__ import annotations

import gettext
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bpcli.core.mistakes import MISTAKES
from bpcli.render.layout import width

from conftest import CIRCUITS, NEURON, ROOT

MO = ROOT / "bpcli" / "i18n" / "locale" / "ru" / "LC_MESSAGES" / "bpcli.mo"

BPCLI = str(Path(sys.executable).parent / "bpcli")
WIDTHS = (60, 80)
WIDE = 1000
CYRILLIC = re.compile(r"[а-яё]", re.I)
NUMBER = re.compile(r"[-+]?\d+\.\d+(?:e[-+]\d+)?")
ID = re.compile(r"0x[0-9a-f]+")
ERROR = re.compile(r"\S+:\d+(?::\d+)?: (?:error|warning): ")
# English a Russian view must not say (the user's names and code aside)
ENGLISH = re.compile(
    r"\b(?:step \d|forward \d|backward \d|update \d|held by|same object as|verdict|"
    r"analytic|numeric|inputs? gets?|reads \w|is another|domains and notes|after \d+ updates?)\b"
)


def bpcli(*args: str, columns: int, lang: str = "ru") -> str:
    clean = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "COLUMNS")
    env = {k: v for k, v in os.environ.items() if k not in clean}
    env["COLUMNS"] = str(columns)
    proc = subprocess.run(
        [BPCLI, "--lang", lang, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr  # check's verdict may be 1
    return proc.stdout


LONG = next((ROOT / "tests" / "fit").rglob("*.txt"))  # long names, a long path


def views() -> list[list[str]]:
    found = []
    for c in (*CIRCUITS, LONG):
        name = str(c.relative_to(ROOT))
        found += [["run", name], ["trace", "-n", "1", name], ["check", name]]
    found += [["run", "--mistake", m, str(NEURON.relative_to(ROOT))] for m in MISTAKES]
    found += [["run", "--mistake", m, "circuits/fanout.txt"] for m in MISTAKES]
    found += [["trace", "--no-update", "--mistake", "assign", "circuits/fanout.txt"]]
    found += [["trace", "examples/neuron_gates.py"], ["gates"]]
    return found


def _russian() -> gettext.GNUTranslations:
    with MO.open("rb") as f:
        return gettext.GNUTranslations(f)


def _allowed() -> set[str]:
    """Words a view may have narrow and not wide: the short headers of a narrow
    table, and the legend of a reused address (Python reuses one or not)."""
    from bpcli.render import check_table, mistake_table, run_tables, trace_text

    ru = _russian()
    tables = (check_table.COLUMNS, mistake_table.COLUMNS, run_tables.COLUMNS,
              trace_text.SLOT_COLUMNS)  # fmt: skip
    short = {w for cols in tables for c in cols if c.short for w in ru.gettext(c.short).split()}
    return short | set(ru.gettext(run_tables.REUSED_LEGEND).split())


def _words(text: str) -> set[str]:
    # (a header moved under its row is its label there: "decided by:", "x =")
    words = (p for w in text.split() for p in w.split("/"))  # a path breaks after a slash
    return {ID.sub("0x", w).rstrip(":") for w in words if w.strip("-─=:")}


@pytest.mark.parametrize("args", views(), ids=" ".join)
def test_a_russian_view_fits_speaks_russian_and_keeps_the_numbers(args: list[str]) -> None:
    jobs = [("ru", w) for w in (*WIDTHS, WIDE)] + [("en", WIDE)]
    with ThreadPoolExecutor(len(jobs)) as pool:
        texts = dict(zip(jobs, pool.map(lambda j: bpcli(*args, columns=j[1], lang=j[0]), jobs)))
    english = texts["en", WIDE]
    wide = _words(texts["ru", WIDE]) | _allowed()
    for columns in WIDTHS:
        text = texts["ru", columns]
        for n, line in enumerate(text.splitlines(), 1):
            if not ERROR.match(line):
                assert width(line) <= columns, f"{columns} columns, line {n}: {line!r}"
        broken = _words(text) - wide
        assert not broken, f"{columns} columns: broken or new words {sorted(broken)[:8]}"
        assert CYRILLIC.search(text), "no Russian in the view"
        said = ENGLISH.search(text)
        assert said is None, f"{columns} columns: English left: {said and said.group()!r}"
        # The numbers are the English view's, as many times: copy-pasteable, whole
        assert sorted(NUMBER.findall(text)) == sorted(NUMBER.findall(english))


def test_the_english_view_has_no_russian() -> None:
    assert not CYRILLIC.search(bpcli("run", str(NEURON), columns=80, lang="en"))


def test_the_summaries_take_russian_plurals() -> None:
    text = bpcli("run", "-n", "2", str(NEURON), columns=80)
    assert "после 2 обновлений" in text
    assert "после 1 обновления" in bpcli("run", str(NEURON), columns=80)
    assert "5 верных" in bpcli("check", "circuits/hinge.txt", columns=80)
    mistake = bpcli("run", "--mistake", "assign", "circuits/fanout.txt", columns=80)
    assert "неверный градиент у 1 из 3 входов" in mistake


def test_the_stepper_and_the_quiz_speak_russian() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LANG")}
    step = subprocess.run(
        [BPCLI, "--lang", "ru", "trace", "--step", str(NEURON)],
        input="b\ng 99\nx\nq\n",
        env={**env, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "это уже первый шаг" in step
    assert "шага 99 нет: шаги — с 1 по 21" in step
    assert "клавиши:" in step
    quiz = subprocess.run(
        [BPCLI, "--lang", "ru", "trace", "--quiz", "--no-update", str(NEURON)],
        input="0.104994\n1\nabc\n",
        env={**env, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "верно\n" in quiz and "неверно, правильный ответ: 0.104994" in quiz
    assert "1 верный ответ из 3" in quiz


def test_the_trace_page_is_russian(tmp_path: Path) -> None:
    out = tmp_path / "trace.html"
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LANG")}
    proc = subprocess.run(
        [BPCLI, "--lang", "ru", "trace", str(NEURON), "--html", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    assert '<html lang="ru">' in html
    assert "« первый" in html and 'шаг <output id="bp-n">1</output> из' in html
    assert "« first" not in html and "Every Unit" not in html
    data = re.search(r'<script type="application/json" id="bp-data">(.*?)</script>', html, re.S)
    assert data is not None
    labels = json.loads(data.group(1))["labels"]
    assert labels["phases"]["forward"] == "прямой проход" and labels["play"] == "▶ пуск"


class _Catalog(gettext.NullTranslations):
    """A catalog of a few messages, for the texts the data keeps in English."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)


def test_a_text_kept_in_english_is_worded_again_with_its_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bpcli import i18n
    from bpcli.i18n.worded import Worded, in_words

    monkeypatch.setattr(
        i18n,
        "_chosen",
        _Catalog({"relative: {test}": "относительный: {test}", "equal": "равны"}),
    )
    rule = Worded("relative: {test}", test="4.9e-12 < 1e-07")
    assert rule == "relative: 4.9e-12 < 1e-07"  # English, as JSON has it
    assert in_words(rule) == "относительный: 4.9e-12 < 1e-07"
    assert in_words("equal") == "равны"
    assert in_words("not in the catalog") == "not in the catalog"
    assert in_words("") == ""  # never the catalog's header


def test_a_worded_text_is_copied_as_it_was_made() -> None:
    import copy
    import pickle

    from bpcli.i18n.worded import Worded

    w = Worded("{u}.grad", u="{weird}")  # its finished text holds braces
    for again in (copy.copy(w), copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
        assert again == "{weird}.grad" and again.message == "{u}.grad"
    n = Worded.ngettext("{n} slot", "{n} slots", 4, n=4)
    assert copy.copy(n) == "4 slots" and copy.copy(n).plural == "{n} slots"
