"""The learner's own lines, read as Python reads them: the text of a line, the
name an assignment gives the value a call returns (``ax = mulg0.forward(a,
x)``), the expressions a call is made on and with, and the slot a write goes
to (``self.u0.grad += …``). Each line is parsed once; a line that is part of a
longer statement, and so does not parse on its own, says nothing."""

from __future__ import annotations

import ast
import functools
import linecache
from typing import Any, NamedTuple


class Line(NamedTuple):
    text: str  # stripped
    tree: ast.stmt | None  # the line as one statement, if it is one


@functools.lru_cache(maxsize=65536)
def line(filename: str, lineno: int) -> Line:
    text = linecache.getline(filename, lineno).strip()
    try:
        body = ast.parse(text).body if text else []
    except SyntaxError:
        body = []
    return Line(text, body[0] if len(body) == 1 else None)


def dotted(node: ast.expr) -> str | None:
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


def call_site(filename: str, lineno: int, method: str, cols: tuple[int, int] | None) -> CallSite:
    """What the line that calls ``method`` says about the call; ``cols``: where on
    the line the call is (Python's own positions), for a line with two calls."""
    text = linecache.getline(filename, lineno)
    stmt = line(filename, lineno).tree
    if stmt is None:
        return CallSite(None, (), None)
    shift = len(text) - len(text.lstrip())  # the line was parsed stripped
    target = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = dotted(stmt.targets[0])
    found = [
        node
        for node in ast.walk(stmt)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
    ]
    if cols is not None:
        here = [n for n in found if (n.col_offset + shift, (n.end_col_offset or 0) + shift) == cols]
        found = here or found
    for node in found:
        assigned = target if stmt_value(stmt) is node else None
        func = node.func
        assert isinstance(func, ast.Attribute)
        return CallSite(dotted(func.value), tuple(dotted(a) for a in node.args), assigned)
    return CallSite(None, (), None)


def position(frame: Any) -> tuple[int, int] | None:
    """Where on its line a frame is now (the call it makes): start and end columns."""
    found = _positions(frame.f_code)
    k = frame.f_lasti // 2
    if k >= len(found):
        return None
    _, _, start, end = found[k]
    return (start, end) if start is not None and end is not None else None


@functools.lru_cache(maxsize=4096)
def _positions(code: Any) -> list[tuple[Any, ...]]:
    """Each instruction's place, once per code object (Python 3.11 and later)."""
    positions = getattr(code, "co_positions", None)
    return list(positions()) if positions is not None else []


def stmt_value(stmt: ast.stmt) -> ast.expr | None:
    return stmt.value if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr)) else None


class WriteSite(NamedTuple):
    slot: str | None  # `u0` of `self.u0.grad += …`
    target: str | None  # what the line writes to, as written: `self.u0.grad`, `s.grad`
    adds: bool | None  # += (True), = (False), or not known (None)


def write_site(filename: str, lineno: int, attr: str) -> WriteSite:
    """What the line that wrote ``attr`` of a Unit says about the write."""
    stmt = line(filename, lineno).tree
    targets: list[ast.expr] = []
    adds = None
    if isinstance(stmt, ast.AugAssign):
        targets, adds = [stmt.target], isinstance(stmt.op, ast.Add)
    elif isinstance(stmt, ast.Assign):
        targets, adds = list(stmt.targets), False
    for t in targets:
        if isinstance(t, ast.Attribute) and t.attr == attr:
            owner = t.value
            slot = owner.attr if isinstance(owner, ast.Attribute) else None
            return WriteSite(slot, dotted(t), adds)
    return WriteSite(None, None, None)
