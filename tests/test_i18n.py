"""bpcli in the learner's language: every message bpcli or click shows a person
has a Russian translation, with the same placeholders, compiled into the
shipped .mo; the language is chosen as gettext chooses it, or by --lang; and
what a program reads never changes with the language."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import babel  # noqa: F401  (the test extra has it)
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conftest import NEURON, ROOT, program

LOCALE = ROOT / "bpcli" / "i18n" / "locale"
PO = LOCALE / "ru" / "LC_MESSAGES" / "bpcli.po"
MO = PO.with_suffix(".mo")
BPCLI = str(Path(sys.executable).parent / "bpcli")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _click_dir() -> str:
    import click

    return os.path.dirname(click.__file__)


def extracted() -> dict[str, tuple[str, ...]]:
    """Every message bpcli marks (and click's own), as Babel extracts them."""
    found: dict[str, tuple[str, ...]] = {}
    for where in (str(ROOT / "bpcli"), _click_dir()):
        for _, _, message, _, _ in extract_from_dir(where, method_map=[("**.py", "python")]):
            msgids = message if isinstance(message, tuple) else (message,)
            if msgids[0]:
                found[msgids[0]] = msgids
    return found


def catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="ru")


def test_every_message_has_a_russian_translation_with_the_same_placeholders() -> None:
    cat = catalog()
    missing, fuzzy, mismatched = [], [], []
    for msgid, forms in extracted().items():
        entry = cat.get(forms if len(forms) > 1 else msgid)
        if entry is None or not entry.string or (isinstance(entry.string, tuple)
                                                  and not all(entry.string)):  # fmt: skip
            missing.append(msgid)
            continue
        if entry.fuzzy:
            fuzzy.append(msgid)
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        english = [set(PLACEHOLDER.findall(f)) for f in forms]
        for t in translations:
            said = set(PLACEHOLDER.findall(t))
            # A plural form may leave out a count its English form names ("1 was
            # given" for 21), never name one English does not fill in.
            plural = len(forms) > 1
            if (said != english[0]) if not plural else not said <= set.union(*english):
                mismatched.append((msgid, t))
    assert not missing, f"{len(missing)} without a translation, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert not mismatched, f"placeholders differ: {mismatched[:3]}"


def test_russian_has_three_plural_forms() -> None:
    cat = catalog()
    assert cat.num_plurals == 3
    plurals = [m for m in cat if m.id and isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == 3 and all(m.string) for m in plurals)


def test_the_shipped_mo_is_the_po_compiled() -> None:
    """What gettext reads from the shipped .mo is the .po, message for message
    (compared as catalogs, not bytes: Babel's version is in the file's header)."""
    import gettext

    with MO.open("rb") as f:
        shipped = gettext.GNUTranslations(f)
    for m in catalog():
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            for n, form in ((1, 0), (2, 1), (5, 2)):
                assert shipped.ngettext(m.id[0], m.id[1], n) == m.string[form], m.id
        else:
            assert shipped.gettext(m.id) == m.string, "run pybabel compile (README, Development)"


def run(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in
            ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}  # fmt: skip
    return subprocess.run([BPCLI, *args], cwd=ROOT, env={**base, "COLUMNS": "80", **(env or {})},
                          capture_output=True, text=True, timeout=120, **kw)  # fmt: skip


CYRILLIC = re.compile(r"[а-яё]", re.I)


@pytest.mark.parametrize(
    "env",
    [{"LANG": "ru_RU.UTF-8"}, {"LC_ALL": "ru_RU.UTF-8"}, {"LANGUAGE": "ru", "LANG": "en_US.UTF-8"},
     {"LC_MESSAGES": "ru_RU.UTF-8"}],
    ids=["LANG", "LC_ALL", "LANGUAGE", "LC_MESSAGES"],
)  # fmt: skip
def test_the_language_follows_the_environment(env: dict[str, str]) -> None:
    assert CYRILLIC.search(run("run", str(NEURON), env=env).stdout)


def test_lang_wins_over_the_environment_and_an_unknown_one_is_english() -> None:
    assert not CYRILLIC.search(run("--lang", "en", "run", str(NEURON),
                                   env={"LANG": "ru_RU.UTF-8"}).stdout)  # fmt: skip
    assert CYRILLIC.search(run("--lang", "ru", "run", str(NEURON)).stdout)
    english = run("run", str(NEURON)).stdout
    assert run("run", str(NEURON), env={"LANG": "xx_YY.UTF-8"}).stdout.splitlines()[:3] == \
        english.splitlines()[:3]  # fmt: skip
    unknown = run("--lang", "xx", "run", str(NEURON))
    assert unknown.returncode == 0 and not CYRILLIC.search(unknown.stdout + unknown.stderr)


ID = re.compile(r'0x[0-9a-f]+|, "reused_address": true')  # ids, and whether Python reused one
MACHINE = [
    ["run", "--format", "json", "-n", "3", "circuits/neuron.txt"],
    ["run", "--format", "jsonl", "circuits/fanout.txt"],
    ["run", "--format", "csv", "circuits/relu_net.txt"],
    ["run", "-q", "-n", "5", "circuits/hinge.txt"],
    ["run", "--mistake", "assign", "--format", "json", "circuits/fanout.txt"],
    ["trace", "--format", "jsonl", "circuits/neuron.txt"],
    ["trace", "--format", "jsonl", "examples/neuron_gates.py"],
    ["check", "--format", "json", "circuits/relu_net.txt"],
    ["check", "--format", "json", "examples/neuron_slip.py"],
    ["gates", "--format", "json"],
]


@pytest.mark.parametrize("args", MACHINE, ids=" ".join)
def test_what_a_program_reads_is_the_same_in_every_language(args: list[str]) -> None:
    english, russian = run(*args), run("--lang", "ru", *args)
    assert russian.returncode == english.returncode
    assert ID.sub("", russian.stdout) == ID.sub("", english.stdout)


def test_an_error_keeps_its_place_and_status_in_every_language(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("units:\n  a: 1\ngates:\n  g: mull(a, a) -> p\n")
    english, russian = run("validate", str(bad)), run("--lang", "ru", "validate", str(bad))
    assert english.returncode == russian.returncode == 1
    prefix = f"{bad}:4:6: "
    assert english.stderr.startswith(prefix) and russian.stderr.startswith(prefix)
    assert CYRILLIC.search(russian.stderr) and not CYRILLIC.search(english.stderr)
    usage_en, usage_ru = run("run", "--nosuch"), run("--lang", "ru", "run", "--nosuch")
    assert usage_en.returncode == usage_ru.returncode == 2
    assert CYRILLIC.search(usage_ru.stderr)  # click's own "No such option", in Russian


def test_lang_after_the_command_says_where_it_goes() -> None:
    proc = run("run", "-q", "circuits/neuron.txt", "--lang", "ru")
    assert proc.returncode == 2
    assert "give it before the command (bpcli --lang ru run …)" in proc.stderr


def test_the_catalog_passes_msgfmt_c() -> None:
    """GNU msgfmt's own checks (``-c``): the header, each format string's
    placeholders in every plural form (Russian uses its first form for 21,
    31, …, so it must take the plural's placeholders too)."""
    msgfmt = program("msgfmt", "gettext")
    proc = subprocess.run([msgfmt, "-c", "-o", os.devnull, str(PO)], capture_output=True,
                          text=True)  # fmt: skip
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr


def test_counts_are_grouped_as_the_readers_language_groups_digits(tmp_path: Path) -> None:
    """«больше 1 000 байт», not «1,000» (a decimal comma in Russian): a narrow
    no-break space there, a comma in English."""
    big = tmp_path / "big.txt"
    big.write_text("units:\n  a: 1.0\n" + "#" * 2000 + "\n")
    said = {}
    for lang in ("en", "ru"):
        command = [BPCLI, "--lang", lang, "validate", "--max-bytes", "1000", str(big)]
        said[lang] = subprocess.run(command, capture_output=True, text=True).stderr
    assert "1,000" in said["en"], said["en"]
    assert "1\u202f000" in said["ru"] and "1,000" not in said["ru"], said["ru"]


def test_a_hint_after_a_sentence_is_a_sentence_of_its_own() -> None:
    for lang, hint in (("en", "Did you mean 'sg0'?"), ("ru", "Возможно, имелось в виду 'sg0'?")):
        command = [BPCLI, "--lang", lang, "trace", "--gate", "sg1", str(NEURON)]
        said = subprocess.run(command, capture_output=True, text=True).stderr
        assert f". {hint}" in " ".join(said.split()), said


def test_the_glossary_is_the_only_way_each_term_is_said() -> None:
    """Each message whose English uses a glossary term says it the glossary's
    way in Russian, and no message uses a rendering the glossary forbids
    (tests/glossary.py, the one table)."""
    from glossary import GLOSSARY, NEVER

    off: list[str] = []
    for m in catalog():
        if not m.id or not m.string:
            continue
        english = " ".join(m.id) if isinstance(m.id, tuple) else m.id
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        russian = " ".join(forms).lower()
        for term in GLOSSARY:
            if re.search(term.pattern, english) and not any(s in russian for s in term.stems):
                off.append(f"{term.en} → {term.ru}: {english[:70]!r} → {russian[:70]!r}")
        off += [f"never {w!r}: {english[:60]!r}" for w in NEVER if re.search(w, russian)]
    assert not off, f"{len(off)} off the glossary:\n" + "\n".join(off[:30])
