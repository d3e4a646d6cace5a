"""The README is the front door: its Quick start is what CI runs, and every
console example in it runs and prints what the README says."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, program

README = (ROOT / "README.md").read_text()
# An id, with the mark of an address Python reused if it has one: whether it
# reuses one depends on the machine's allocator, so neither the mark nor its
# legend is part of what an example promises (tests/test_addresses.py checks them).
ID = re.compile(r"0x[0-9a-f]+(?: ↺)?( *)")


def console_examples() -> list[tuple[str, list[str]]]:
    examples: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command, output.splitlines()))
    return examples


def quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block, "the Quick start has a sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    install_and_run, install_and_test = quick_start()
    assert install_and_run.endswith("bpcli run circuits/neuron.txt")
    assert "pip install" in install_and_run
    assert "[test]" in install_and_test and "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert install_and_test in ci


def test_the_windows_commands_are_two_and_ci_runs_their_tests_under_wine() -> None:
    section = README.split("### On Windows", 1)[1]
    block = re.search(r"```powershell\n(.*?)```", section, flags=re.S)
    assert block, "the Windows part has a powershell block"
    install_and_run, install_and_test = block.group(1).strip().splitlines()
    assert install_and_run.endswith(r".venv\Scripts\bpcli run circuits\neuron.txt")
    assert '".[test]"' in install_and_test and "/" not in install_and_test
    tests = install_and_test.split(r"-m pytest ", 1)[1].replace("\\", "/")
    windows = (ROOT / ".ci" / "windows").read_text()
    assert f"-m pytest -p no:cacheprovider -q -rs {tests}" in windows
    assert ".ci/windows" in (ROOT / ".ci" / "run").read_text()
    for name in tests.split():
        assert (ROOT / name).is_file(), name


def test_the_russian_section_teaches_the_glossary() -> None:
    """The README's glossary for learners coming from the English guide says each
    term as tests/glossary.py (the catalog's table) does."""
    from glossary import GLOSSARY

    section = README.split("## По-русски", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    for term in GLOSSARY:
        assert any(f"{term.en} — {term.ru}" in line for line in lines), term.en


def _normalise(lines: list[str]) -> list[str]:
    from bpcli.render.run_tables import REUSED_LEGEND

    legend = " ".join(REUSED_LEGEND.split())
    lines = [x.replace("\u00a0", " ") for x in lines]  # a formula's no-break spaces
    kept = [x for x in lines if not (x.strip() and " ".join(x.split()) in legend)]
    return [ID.sub(lambda m: "0x… " if m.group(1) else "0x…", x.rstrip()) for x in kept]


EXAMPLES = console_examples()


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command: str, expected: list[str]) -> None:
    if re.search(r"\| *jq\b", command):
        program("jq", "jq")
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        ["bash", "-c", command if "| head" in command else f"set -o pipefail; {command}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    got = _normalise((proc.stdout + proc.stderr).splitlines())
    want = _normalise(expected)
    if "..." in want:  # an excerpt: the lines shown appear, in order
        it = iter(got)
        for line in (w for w in want if w != "..."):
            assert any(g == line for g in it), f"missing from output: {line!r}"
    else:
        assert got == want
    if not any("error:" in line for line in want):
        assert proc.returncode == 0, proc.stderr
