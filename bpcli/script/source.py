"""The learner's own lines, read as Python reads them: the name an assignment
gives the value a call returns (``ax = mulg0.forward(a, x)``), the
expressions a call is made on and with, the expression a write goes through
(``s`` of ``s.grad = 1.0``, ``self.u0`` of ``self.u0.grad += …``), and, for
the whole file, which names are a function's parameters or a loop's
variables (weaker evidence of a name than a variable of the script's own).
Each line and each file is parsed once; a line that is part of a longer
statement, and so does not parse on its own, says nothing."""

from __future__ import annotations

import ast
import bisect
import functools
from typing import NamedTuple

from .names import LOOP, PARAMETER, VARIABLE


class Line(NamedTuple):
    text: str  # stripped
    tree: ast.stmt | None  # the line as one statement, if it is one
    shift: int  # how far in the line starts (Python's columns count from 0)
    body: tuple[ast.stmt, ...] = ()  # each statement on it (`a.grad = None; b.grad = None`)


@functools.lru_cache(maxsize=65536)
def parse(raw: str) -> Line:
    text = raw.strip()
    try:
        body = ast.parse(text).body if text else []
    except (SyntaxError, ValueError):
        body = []
    one = body[0] if len(body) == 1 else None
    return Line(text, one, len(raw) - len(raw.lstrip()), tuple(body))


def dotted(node: ast.expr | None) -> str | None:
    """`a`, `net.first`, `self.u0`: a name, or names joined by dots; else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class CallSite(NamedTuple):
    gate: str | None  # the expression the method is called on, if dotted
    args: tuple[str | None, ...]  # each argument's expression, if dotted
    target: str | None  # the name the result is assigned to, if one


NO_SITE = CallSite(None, (), None)


@functools.lru_cache(maxsize=65536)
def call_site(raw: str, method: str, cols: tuple[int | None, int | None]) -> CallSite:
    """What the line that calls ``method`` says about the call; ``cols``: where on
    the line the call is (Python's own positions), for a line with two calls."""
    line = parse(raw)
    stmt = line.tree
    if stmt is None:
        return NO_SITE
    target = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = dotted(stmt.targets[0])
    found = [
        node
        for node in ast.walk(stmt)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    named = [n for n in found if isinstance(n.func, ast.Attribute) and n.func.attr == method]
    if cols[0] is not None:
        here = [
            n
            for n in found
            if (n.col_offset + line.shift, (n.end_col_offset or 0) + line.shift) == cols
        ]
        named = here or named  # `forward = fwd`: the call site names another method
    elif len(named) > 1:  # two calls of it on the line, no columns to tell (before 3.11)
        return NO_SITE
    for node in named:
        func = node.func
        assert isinstance(func, ast.Attribute)
        assigned = target if _value(stmt) is node else None
        return CallSite(dotted(func.value), tuple(dotted(a) for a in node.args), assigned)
    return NO_SITE


@functools.lru_cache(maxsize=65536)
def assigned_to(raw: str, cols: tuple[int | None, int | None]) -> str | None:
    """The name a statement gives the expression at ``cols`` of its line, if it
    assigns that whole expression (``x1w1 = x1 * w1``), else None."""
    line = parse(raw)
    if cols[0] is None:
        return None
    for stmt in line.body:  # `b = a + a; b.label = "b"`: each statement of the line
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        if len(targets) != 1 or value is None:
            continue
        span = (value.col_offset + line.shift, (value.end_col_offset or 0) + line.shift)
        if span == cols:
            return dotted(targets[0])
    return None


def _value(stmt: ast.stmt) -> ast.expr | None:
    return stmt.value if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr)) else None


class WriteSite(NamedTuple):
    slot: str | None  # `u0` of `self.u0.grad += …`
    base: str | None  # what the attribute is written on: `s`, `self.u0`, `p`
    adds: bool | None  # += (True), = (False), or not known (None)


@functools.lru_cache(maxsize=65536)
def write_sites(raw: str, attr: str) -> tuple[WriteSite, ...]:
    """What the line that wrote ``attr`` of a Unit says about its writes of it,
    in the order Python makes them (``a.grad = x.grad = 0.0``: a's, then x's;
    also a one-line loop, ``for p in params: p.grad = 0.0``)."""
    found = []
    targets: list[ast.expr]
    for node in (n for stmt in parse(raw).body for n in ast.walk(stmt)):
        if isinstance(node, ast.AugAssign):
            targets, adds = [node.target], isinstance(node.op, ast.Add)
        elif isinstance(node, ast.Assign):
            targets, adds = list(node.targets), False
        else:
            continue
        for t in targets:
            if isinstance(t, ast.Attribute) and t.attr == attr:
                owner = t.value
                slot = owner.attr if isinstance(owner, ast.Attribute) else None
                found.append(WriteSite(slot, dotted(owner), adds))
    return tuple(found)


def write_site(raw: str, attr: str, k: int = 0) -> WriteSite:
    """The ``k``-th write of ``attr`` a line makes (one after the other, round)."""
    sites = write_sites(raw, attr)
    return sites[k % len(sites)] if sites else WriteSite(None, None, None)


class Scope(NamedTuple):
    first: int
    last: int
    parameters: frozenset[str]
    loops: frozenset[str]


class Scopes:
    """A file's functions: where each is, its parameters and its loops' names."""

    def __init__(self, scopes: list[Scope]) -> None:
        self.scopes = sorted(scopes, key=lambda s: (s.first, -s.last))
        self.starts = [s.first for s in self.scopes]

    def rank(self, line: int, name: str) -> int:
        """How good ``name``, read on ``line``, is as the name of an object."""
        found: Scope | None = None
        for k in range(bisect.bisect_right(self.starts, line) - 1, -1, -1):
            s = self.scopes[k]
            if s.first <= line <= s.last and (found is None or s.first >= found.first):
                found = s
                break
        if found is None:
            return VARIABLE
        if name in found.loops:
            return LOOP
        return PARAMETER if name in found.parameters else VARIABLE


@functools.lru_cache(maxsize=256)
def scopes(path: str) -> Scopes:
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return Scopes([])
    found = [Scope(1, 1 << 30, frozenset(), _loops(tree))]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
            names = frozenset(p.arg for p in params if p is not None)
            last = node.end_lineno or node.lineno
            found.append(Scope(node.lineno, last, names, _loops(node)))
    return Scopes(found)


def _loops(scope: ast.AST) -> frozenset[str]:
    """The names a scope's for loops and comprehensions bind (not nested functions')."""
    names: set[str] = set()
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            names.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        todo.extend(ast.iter_child_nodes(node))
    return frozenset(names)


def words(script: str) -> set[str]:
    """Every identifier of the script and of the Python files beside it (its own
    modules): what a name bpcli gives its objects is made of."""
    import os

    folder = os.path.dirname(os.path.abspath(script))
    found: set[str] = set()
    try:
        paths = [os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".py")]
    except OSError:
        paths = []
    for path in {os.path.abspath(script), *paths}:
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
    return found


def could_name(name: str, known: set[str]) -> bool:
    """Whether bpcli could call an object of the script ``name`` (``svm.a``,
    ``total#2``, ``Unit#3``): each identifier in it is one the script spells."""
    import re

    parts = re.findall(r"[^\W\d]\w*", name.split("#")[0])
    return bool(parts) and all(p in known for p in parts)
