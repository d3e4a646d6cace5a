"""`expr:` formulas into gates, named the guide's way. No I/O, no eval.

Each line is one assignment, ``name = formula``, with ``+ - * / **``, unary
minus, parentheses, numbers and every op of the registry as a function. The
text is read with Python's ``ast`` module and never run: only the node types
below are accepted, anything else is an error at its line and column.

``s = sigmoid(a*x + b*y + c)`` becomes the guide's neuron, gate for gate:
``mulg0: mul(a, x) -> ax``, ``mulg1: mul(b, y) -> by``, ``addg0: add(ax, by)
-> ax_p_by``, ``addg1: add(ax_p_by, c) -> ax_p_by_p_c``,
``sg0: sigmoid(ax_p_by_p_c) -> s``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable
from typing import NamedTuple

from .errors import did_you_mean
from .gates import OPS, Op, by_operator

# Python's operators as they are written; the registry says which op each one is.
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.USub: "-"}
SHORT = 20  # longer derived names are numbered instead


class FormulaError(Exception):
    def __init__(self, line: int, col: int, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.line, self.col, self.message, self.hint = line, col, message, hint


class GateText(NamedTuple):
    name: str
    text: str  # OP(ARG, ARG) -> OUT, as under gates:
    line: int  # 1-based, within the formulas
    col: int  # 0-based, within that line


class _Operand(NamedTuple):
    text: str  # a unit's name, or a number written as Python's repr
    is_name: bool


def _where(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 1), getattr(node, "col_offset", 0)


def _fail(node: ast.AST, message: str, hint: str | None = None) -> FormulaError:
    return FormulaError(*_where(node), message, hint)


class _Compiler:
    def __init__(self, inputs: Iterable[str], targets: list[str]) -> None:
        self.inputs = set(inputs)
        self.defined = set(self.inputs)
        self.targets = set(targets)  # every name the formulas assign, for clashes
        self.taken = self.inputs | self.targets
        self.counters: dict[str, int] = {}
        self.gates: list[GateText] = []
        self.numbered = 0

    def gate_name(self, op: Op) -> str:
        prefix = op.prefix
        while True:
            k = self.counters.get(prefix, 0)
            self.counters[prefix] = k + 1
            name = f"{prefix}{k}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def unit_name(self, op: Op, args: list[_Operand]) -> str:
        if all(a.is_name for a in args):
            joined = op.join
            name = (
                joined.join(a.text for a in args)
                if joined is not None
                else f"{op.name}_{args[0].text}"
            )
            if len(name) <= SHORT and name not in self.taken:
                self.taken.add(name)
                return name
        while True:
            self.numbered += 1
            name = f"t{self.numbered}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def emit(self, op: Op, args: list[_Operand], node: ast.AST, out: str | None) -> _Operand:
        name = self.gate_name(op)
        out = out or self.unit_name(op, args)
        text = f"{op.name}({', '.join(a.text for a in args)}) -> {out}"
        self.gates.append(GateText(name, text, *_where(node)))
        self.defined.add(out)
        return _Operand(out, True)

    def operand(self, node: ast.expr, out: str | None = None) -> _Operand:
        """The unit or number a formula's node stands for; gates for its operations."""
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _fail(node, f"{value!r} is not a number")
            x = float(value)
            if not math.isfinite(x):
                raise _fail(node, f"{value!r} is not a finite number")
            return _Operand(repr(x), False)
        if isinstance(node, ast.Name):
            if node.id in self.defined:
                return _Operand(node.id, True)
            if node.id in self.targets:
                raise _fail(
                    node,
                    f"'{node.id}' is used before it is assigned",
                    "assign it on an earlier line",
                )
            known = sorted(self.defined)
            raise _fail(
                node,
                f"unknown unit '{node.id}'",
                did_you_mean(node.id, known) or "define it under `units:`",
            )
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.operand(node.operand, out)
            if isinstance(node.op, ast.USub):
                inner = node.operand
                if isinstance(inner, ast.Constant) and not isinstance(inner.value, bool):
                    number = self.operand(inner)
                    return _Operand(repr(-float(number.text)), False)
                neg = by_operator(_SYMBOL[ast.USub], 1)
                if neg is not None:
                    return self.emit(neg, [self.operand(inner)], node, out)
            raise _fail(
                node,
                f"the operator {type(node.op).__name__} is not allowed",
                "use + - * / ** and the gates of `bpcli gates`",
            )
        if isinstance(node, ast.BinOp):
            symbol = _SYMBOL.get(type(node.op))
            op = by_operator(symbol, 2) if symbol else None
            if op is None:
                raise _fail(
                    node,
                    f"the operator {type(node.op).__name__} is not allowed",
                    "use + - * / ** and the gates of `bpcli gates`",
                )
            args = [self.operand(node.left), self.operand(node.right)]
            return self.emit(op, args, node, out)
        if isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name):
                raise _fail(
                    node, "only the gates of `bpcli gates` can be called", "write e.g. sigmoid(x)"
                )
            op = OPS.get(func.id)
            if op is None:
                hint = did_you_mean(func.id, OPS) or f"the functions: {', '.join(OPS)}"
                raise _fail(func, f"unknown function '{func.id}'", hint)
            if node.keywords:
                raise _fail(node.keywords[0], f"{func.id}() takes no keyword arguments")
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise _fail(node, f"{func.id}() takes no *arguments")
            if len(node.args) != op.arity:
                want = "1 argument" if op.arity == 1 else "2 arguments"
                raise _fail(node, f"{func.id} takes {want}, got {len(node.args)}")
            return self.emit(op, [self.operand(a) for a in node.args], node, out)
        what = type(node).__name__
        hint = "use names, numbers, + - * / **, parentheses and the gates as functions"
        raise _fail(node, f"{what} is not allowed in a formula", hint)


def compile_formulas(text: str, inputs: Iterable[str]) -> list[GateText]:
    """The gates of the formulas, in evaluation order, or a FormulaError."""
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise FormulaError(
            exc.lineno or 1, max((exc.offset or 1) - 1, 0), f"invalid formula: {exc.msg}"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError(1, 0, "the formulas nest too deeply") from None
    targets: list[str] = []
    for stmt in tree.body:
        if (
            not isinstance(stmt, ast.Assign)
            or len(stmt.targets) != 1
            or not isinstance(stmt.targets[0], ast.Name)
        ):
            raise _fail(
                stmt,
                "each line is one assignment: `name = formula`",
                "for example `s = sigmoid(a*x + b*y + c)`",
            )
        targets.append(stmt.targets[0].id)
    if not targets:
        raise FormulaError(1, 0, "'expr' holds no formula", "write `name = formula`")
    inputs = set(inputs)
    compiler = _Compiler(inputs, targets)
    assigned: set[str] = set()
    for stmt in tree.body:
        assert isinstance(stmt, ast.Assign)
        target = stmt.targets[0]
        assert isinstance(target, ast.Name)
        if target.id in inputs:
            raise _fail(
                target,
                f"'{target.id}' is an input: a formula cannot assign to it",
                "give the result a new name",
            )
        if target.id in assigned:
            raise _fail(
                target,
                f"'{target.id}' is assigned twice",
                "each unit is produced once: give it a new name",
            )
        before = len(compiler.gates)
        result = compiler.operand(stmt.value, target.id)
        if len(compiler.gates) == before or result.text != target.id:
            raise _fail(
                stmt.value,
                f"`{target.id} = …` computes nothing",
                "a formula needs at least one operation or function",
            )
        assigned.add(target.id)
    return compiler.gates
