"""Value code, as micrograd and microgpt write it: what the watcher reads of it.

A *Value* is a Unit whose class makes new ones in its own methods
(``__add__``, ``__mul__``, ``tanh``…): each such method's call is an *op*
(``OP``), and the Value it returns, made during the call, is what the op
made. The new Value says what it was made from (its ``_prev`` or
``_children``, a set or a tuple of Values), its op (``_op``), and either the
closure that will pull its grad back into them (``_backward``: a function
whose cells hold ``self``, ``other``, ``out``…), or the local grads of its op
(``_local_grads``, microgpt's). Which attribute is which is learned from the
objects themselves, once a class, never from their names alone.

A closure is known by its code (``CLOSURE``): the code of a Value's
``_backward`` seen at its op, or any code whose free variables hold a Value.
A leaf's ``_backward`` (``lambda: None``: no free variable) is ``LEAF``: its
calls are counted, not shown. Nothing here runs the script's code.
"""

from __future__ import annotations

import ast
import functools
import linecache
from types import CodeType, FrameType, FunctionType
from typing import Any, NamedTuple

from .objects import MISSING, as_number, own

OP, CLOSURE, LEAF = -4, -5, -6  # roles of a code object, beside the hooks' own
_METHODS = (FunctionType, staticmethod, classmethod)
_NOTHING = object()
_SEQUENCES = (tuple, list)
_GROUPS = (tuple, list, set, frozenset)


class Shape(NamedTuple):
    """Where a class of Values keeps what made each one (attribute names)."""

    children: str | None  # the Values it was made from
    ordered: bool  # a tuple or list (each child has a place), not a set
    local_grads: str | None  # microgpt's: the local grad of each child, in order
    op: str | None  # the op's symbol, as the script wrote it
    closure: str | None  # micrograd's: the function that pulls its grad back


NO_SHAPE = Shape(None, False, None, None, None)


class OpCall:
    """A method of a Value's class under way, and the Values made during it."""

    __slots__ = ("born", "code", "frame", "me", "raw")

    def __init__(self, frame: FrameType, code: CodeType, me: object) -> None:
        self.frame, self.code, self.me = frame, code, me
        self.born: dict[int, tuple[int, int] | None] = {}  # id -> where it was made
        self.raw: list[Any] = []  # check: the arguments as the call was given them


def method_of(cls: type, code: CodeType) -> bool:
    """Whether ``code`` is the code of a method of ``cls`` (by the name it was
    defined with: ``__radd__ = __add__`` is ``__add__``'s code)."""
    return defined_in(cls, code) is not None


def defined_in(cls: type, code: CodeType) -> type | None:
    """The class of ``cls``'s that defines the method whose code is ``code``."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(code.co_name)
        if found is None:
            continue
        if type(found) in _METHODS:
            func = found if type(found) is FunctionType else found.__func__
            return klass if getattr(func, "__code__", None) is code else None
        return None
    return None


def cells(func: Any) -> list[tuple[str, Any]]:
    """What a function holds for its calls: each free variable's cell (an empty
    one left out), and each parameter's default (``def _backward(self=self)``)."""
    found = []
    code = func.__code__
    for name, cell in zip(code.co_freevars, func.__closure__ or ()):
        try:
            found.append((name, cell.cell_contents))
        except ValueError:
            continue
    defaults = func.__defaults__ or ()
    if defaults:
        names = code.co_varnames[: code.co_argcount]
        found += zip(names[len(names) - len(defaults) :], defaults)
    found += (func.__kwdefaults__ or {}).items()
    return found


class Shapes:
    """Each Value class's shape, learned from the first Value of it that shows
    each part (a leaf has no children to show)."""

    def __init__(self, is_unit: Any, attributes: Any) -> None:
        self.is_unit, self.attributes = is_unit, attributes
        self.known: dict[type, Shape] = {}

    def of(self, obj: object) -> Shape:
        cls = type(obj)
        shape = self.known.get(cls, NO_SHAPE)
        if shape.children is not None and (shape.closure or shape.local_grads):
            return shape
        found = self.learn(obj, shape)
        self.known[cls] = found
        return found

    def learn(self, obj: object, had: Shape) -> Shape:
        children, ordered, local, op, closure = had
        attrs = self.attributes(obj)
        for attr, value in attrs:
            kind = type(value)
            if children is None and kind in _GROUPS and value:
                if all(self.is_unit(x) for x in value):
                    children, ordered = attr, kind in _SEQUENCES
            elif closure is None and kind is FunctionType:
                if any(self.is_unit(x) for _, x in cells(value)):
                    closure = attr
            elif op is None and kind is str and "op" in attr.lower():
                op = attr
        if children is not None and ordered and local is None:
            n = len(own(obj, children))  # type: ignore[arg-type]
            for attr, value in attrs:
                fits = attr != children and type(value) in _SEQUENCES and len(value) == n
                if fits and all(as_number(x) is not None for x in value):
                    local = attr
                    break
        return Shape(children, ordered, local, op, closure)


@functools.lru_cache(maxsize=4096)
def _node_name(path: str, line: int, grad: str) -> str | None:
    """The name of the node a line pulls from: ``v`` of
    ``child.grad += local_grad * v.grad`` (a grad read on the right of a grad
    write, through another name)."""
    text = linecache.getline(path, line).strip()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            written: ast.expr = node.targets[0]  # `=`: a slip of the loop's, still its node's
        elif isinstance(node, ast.AugAssign):
            written = node.target
        else:
            continue
        if not (isinstance(written, ast.Attribute) and isinstance(written.value, ast.Name)):
            continue
        if written.attr != grad:
            continue
        target = written.value.id
        for part in ast.walk(node.value):
            read = isinstance(part, ast.Attribute) and part.attr == grad
            if read and isinstance(part.value, ast.Name) and part.value.id != target:  # type: ignore[attr-defined]
                return part.value.id  # type: ignore[attr-defined]
    return None


def node_of(frame: FrameType, grad: str) -> Any:
    """The Value a write on this frame's line pulls from (microgpt's ``v``),
    or None."""
    name = _node_name(frame.f_code.co_filename, frame.f_lineno or 0, grad)
    if name is None:
        return None
    try:
        return frame.f_locals.get(name)
    except Exception:
        return None


@functools.lru_cache(maxsize=4096)
def _dotted_in(path: str, line: int, c0: int, c1: int) -> tuple[str, ...]:
    """The names and dotted paths (``x1``, ``self.b``) in the expression at
    these columns of the line, each once."""
    raw = linecache.getline(path, line)
    text = raw.strip()
    shift = len(raw) - len(raw.lstrip())
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr) or not hasattr(node, "end_col_offset"):
            continue
        if (node.col_offset + shift, (node.end_col_offset or 0) + shift) != (c0, c1):
            continue
        for part in ast.walk(node):
            said = _dotted(part)
            if said is not None and said not in found:
                found.append(said)
        break
    return tuple(found)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def named_in(frame: FrameType, cols: tuple[int | None, int | None]) -> list[tuple[str, Any]]:
    """Each name or dotted path in the expression being computed on the frame's
    line, with what it holds now (read without running the script's code)."""
    c0, c1 = cols
    if c0 is None or c1 is None:
        return []
    exprs = _dotted_in(frame.f_code.co_filename, frame.f_lineno or 0, c0, c1)
    if not exprs:
        return []
    try:
        local = frame.f_locals
    except Exception:
        return []
    found = []
    for expr in exprs:
        head, *rest = expr.split(".")
        obj = local.get(head, _NOTHING)
        if obj is _NOTHING:
            obj = frame.f_globals.get(head, _NOTHING)
        for attr in rest:
            if obj is _NOTHING:
                break
            got = own(obj, attr)
            obj = _NOTHING if got is MISSING else got
        if obj is not _NOTHING:
            found.append((expr, obj))
    return found
