"""The floor plan: folders by job, imports one way, no circles.

``MAY_IMPORT`` is the one rule: which folder of ``bpcli/`` may import which.
Every import of every module is read from its source (at the top, inside
functions, under ``TYPE_CHECKING``: all of them), and none may go from a
folder to one its row does not name, nor run in a circle. Each folder's
``__init__.py`` and the README's floor plan say the same as the rule.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "bpcli"

# folder -> the folders its modules may import (besides its own), from the
# command line down to core/ and i18n/. "bpcli" is the package's own
# __init__ (the version), "__main__" the entry point.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "__main__": frozenset({"cli", "i18n"}),
    "notebook": frozenset({"script/watch", "i18n"}),  # IPython's magics; the CLI by a process
    "cli": frozenset(
        {"html", "render", "script", "interact", "parser", "system", "core", "i18n", "bpcli"}
    ),
    "html": frozenset({"render", "core", "i18n"}),
    "render": frozenset({"script", "parser", "core", "i18n"}),
    "script": frozenset({"interact", "system", "core", "i18n"}),
    "script/watch": frozenset(),  # runs inside the learner's interpreter: stdlib only
    "interact": frozenset({"system", "core", "i18n"}),
    "parser": frozenset({"core", "i18n"}),
    "system": frozenset({"core", "i18n"}),
    "core": frozenset({"i18n"}),
    "i18n": frozenset(),
    "bpcli": frozenset({"notebook"}),  # load_ipython_extension
}
FOLDERS = [name for name in MAY_IMPORT if (PACKAGE / name).is_dir()]
MOST_AT_TOP = 8  # modules directly in bpcli/


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def room(module: str) -> str:
    """The folder a module lives in ("bpcli" for the package's own __init__)."""
    parts = module.split(".")
    if parts[1:3] == ["script", "watch"]:
        return "script/watch"
    return "bpcli" if len(parts) == 1 else parts[1]  # a module at the top: its own name


def imports(module: str) -> set[str]:
    """Every bpcli module this one imports, wherever the import stands."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names = [f"{source}.{a.name}" for a in node.names]
            names = [n if n in MODULES else source for n in names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # an attribute's module
                name = name.rpartition(".")[0]
            if name and name != module and name.split(".")[0] == "bpcli":
                found.add(name)
    return found


GRAPH = {m: imports(m) for m in MODULES}


def test_the_graph_is_read_from_every_kind_of_import() -> None:
    """The walk sees imports at the top, inside functions and for the type checker."""
    assert "bpcli.cli.main" in GRAPH["bpcli.__main__"]  # inside main()
    assert "bpcli.core.mistakes" in GRAPH["bpcli.render.json"]  # TYPE_CHECKING only
    assert "bpcli.i18n" in GRAPH["bpcli.core.gates"]  # at the top, from a package
    assert "bpcli.render.csv" in GRAPH["bpcli.cli.views"]  # `from ..render import csv`


def test_the_rule_itself_runs_one_way() -> None:
    """The table has no circle: a folder never reaches itself through others."""
    for start in MAY_IMPORT:
        seen, todo = set(), list(MAY_IMPORT[start])
        while todo:
            name = todo.pop()
            assert name != start, f"{start} reaches itself"
            if name not in seen:
                seen.add(name)
                todo.extend(MAY_IMPORT[name])


def test_every_module_lives_in_a_room_of_the_plan() -> None:
    at_top = sorted(m for m in MODULES if m.count(".") == 1 and room(m) not in FOLDERS)
    assert "script/watch" in FOLDERS
    assert len(at_top) + 1 <= MOST_AT_TOP, at_top  # +1: bpcli/__init__.py
    for module in MODULES:
        assert room(module) in MAY_IMPORT, f"{module}: no row of MAY_IMPORT says where it stands"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_only_where_the_rule_allows(module: str) -> None:
    here = room(module)
    wrong = sorted(
        target
        for target in GRAPH[module]
        if room(target) != here and room(target) not in MAY_IMPORT[here]
    )
    assert wrong == [], f"{here}/ may import {sorted(MAY_IMPORT[here])}, not {wrong}"


def test_no_module_imports_itself_in_a_circle() -> None:
    """Tarjan's strongly connected components over every import: each alone."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # the graph is a few dozen modules deep at most
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert circles == []


def _may_import_sentence(text: str) -> frozenset[str]:
    found = re.search(r"may import (.*?)\.(?:\s|$)", text, re.S)
    assert found is not None, "no 'may import' sentence"
    said = found.group(1)
    if said.strip().startswith("nothing"):
        return frozenset()
    return frozenset(re.findall(r"`([\w/]+)/`", said))


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_folder_opens_by_saying_its_job_and_what_it_may_import(folder: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text()))
    assert doc, f"{folder}/__init__.py opens with no docstring"
    first = doc.split("\n\n")[0]
    assert _may_import_sentence(first) == MAY_IMPORT[folder] - {"bpcli"}


def test_the_readme_floor_plan_is_the_rule() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([\w/]+)/` \| (.*?) \| (.*?) \|$", readme, re.M)
    plan = {folder: _may_import_sentence(f"may import {allowed}.") for folder, _, allowed in rows}
    assert plan == {f: MAY_IMPORT[f] - {"bpcli"} for f in FOLDERS}
