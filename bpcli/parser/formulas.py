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
import re
from collections.abc import Iterable
from typing import NamedTuple

from ..core.errors import did_you_mean
from ..core.gates import OPS, Op, by_operator
from ..i18n import _, grouped, ngettext
from .deep import parse_deep
from .values import quoted

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
    def __init__(self, inputs: Iterable[str], targets: list[str], text: str = "") -> None:
        self.text = text  # the formulas as written, for a literal's own words
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

    def operand(self, root: ast.expr, out: str | None = None) -> _Operand:
        """The unit or number a formula's node stands for; gates for its operations,
        emitted left to right, innermost first. No recursion: a formula of any
        length is walked with a stack of its own."""
        stack: list[tuple[ast.expr, str | None, int]] = [(root, out, -1)]
        done: list[_Operand] = []  # the operands found, children before their parent
        while stack:
            node, name, first = stack.pop()
            if first >= 0:  # its children are done: the gate that combines them
                args, done[first:] = done[first:], []
                done.append(self.combine(node, args, name))
                continue
            leaf = self.leaf(node)
            if leaf is not None:
                done.append(leaf)
                continue
            children = self.children(node)
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
                stack.append((children[0], name, -1))  # +x is x, under the same name
                continue
            stack.append((node, name, len(done)))
            stack.extend((child, None, -1) for child in reversed(children))
        return done[0]

    def leaf(self, node: ast.expr) -> _Operand | None:
        """A number or a unit (None: an operation)."""
        if isinstance(node, ast.Constant):
            keyword = repr(node.value)
            if isinstance(node.value, bool) or node.value is None:
                if keyword in self.defined:  # a unit named True: it is a name here too
                    return _Operand(keyword, True)
                raise _fail(node, _("{value} is not a number").format(value=keyword))
            return _Operand(repr(_number(node, self.text)), False)
        if isinstance(node, ast.Name):
            if node.id in self.defined:
                return _Operand(node.id, True)
            if node.id in self.targets:
                raise _fail(
                    node,
                    _("'{name}' is used before it is assigned").format(name=node.id),
                    _("assign it on an earlier line"),
                )
            raise _fail(
                node,
                _("unknown unit {name}").format(name=quoted(node.id)),
                did_you_mean(node.id, sorted(self.defined)) or _("define it under `units:`"),
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = node.operand
            if isinstance(inner, ast.Constant) and not isinstance(inner.value, bool):
                return _Operand(repr(-_number(inner, self.text)), False)
        return None

    def children(self, node: ast.expr) -> list[ast.expr]:
        """The operands of an operation, once it is checked to be one a gate does."""
        hint = _("use + - * / ** and the gates of `bpcli gates`")
        not_allowed = _("the operator {operator} is not allowed")
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.UAdd, ast.USub)):
                return [node.operand]
            raise _fail(node, not_allowed.format(operator=type(node.op).__name__), hint)
        if isinstance(node, ast.BinOp):
            symbol = _SYMBOL.get(type(node.op))
            if symbol is None or by_operator(symbol, 2) is None:
                raise _fail(node, not_allowed.format(operator=type(node.op).__name__), hint)
            return [node.left, node.right]
        if isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name):
                raise _fail(
                    node,
                    _("only the gates of `bpcli gates` can be called"),
                    _("write e.g. sigmoid(x)"),
                )
            op = OPS.get(func.id)
            if op is None:
                functions = _("the functions: {ops}").format(ops=", ".join(OPS))
                hint = did_you_mean(func.id, OPS) or functions
                raise _fail(func, _("unknown function {name}").format(name=quoted(func.id)), hint)
            if node.keywords:
                raise _fail(
                    node.keywords[0],
                    _("{function}() takes no keyword arguments").format(function=func.id),
                )
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise _fail(node, _("{function}() takes no *arguments").format(function=func.id))
            if len(node.args) != op.arity:
                want = ngettext(
                    "{function} takes {n} argument, got {got}",
                    "{function} takes {n} arguments, got {got}",
                    op.arity,
                )
                raise _fail(node, want.format(function=func.id, n=op.arity, got=len(node.args)))
            return list(node.args)
        what = type(node).__name__
        hint = _("use names, numbers, + - * / **, parentheses and the gates as functions")
        raise _fail(node, _("{what} is not allowed in a formula").format(what=what), hint)

    def combine(self, node: ast.expr, args: list[_Operand], out: str | None) -> _Operand:
        """The gate of an operation whose operands are ``args``."""
        if isinstance(node, ast.UnaryOp):
            op = by_operator(_SYMBOL[ast.USub], 1)
        elif isinstance(node, ast.BinOp):
            op = by_operator(_SYMBOL[type(node.op)], 2)
        else:
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            op = OPS[node.func.id]
        assert op is not None  # children() checked it
        return self.emit(op, args, node, out)


def _number(node: ast.Constant, text: str = "") -> float:
    """A literal of a formula as a float, or a located error naming it as written."""
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(node, _("{value} is not a number").format(value=repr(value)))
    try:
        x = float(value)
    except OverflowError:  # an integer literal of 1e309 or more
        x = math.inf
    if not math.isfinite(x):
        text = ast.get_source_segment(text, node) or str(value)
        if len(text) <= 30:
            message = _("{number} is not a finite number: it overflows to infinity")
            message = message.format(number=text)
        else:
            message = _digits(len(text))  # too long to show: said by its length
        raise _fail(node, message)
    return x


def _digits(n: int) -> str:
    """A number too long to show, as a message."""
    return ngettext(
        "a number of {n} digit is not a finite number: it overflows to infinity",
        "a number of {n} digits is not a finite number: it overflows to infinity",
        n,
    ).format(n=n)


_CONSTANTS = ("True", "False", "None")  # keywords a formula reads as names of units, if any
MAX_OPERATIONS = 100_000  # in one formula; more is an error (split it over lines)
_OPERATION = re.compile(r"\*\*|[-+*/(]")  # each an operation (or a call) of a formula
_BIG_INTEGER = re.compile(r"(?<![\w.])\d{309,}(?![\w.])")  # 1e309 or more: no float


def _too_long(text: str) -> FormulaError | None:
    """A formula with more operations than the parser is given room for, or an
    integer too large for a number (Python's parser has its own word for it)."""
    for number, line in enumerate(text.split("\n"), 1):
        big = _BIG_INTEGER.search(line)
        if big is not None:
            return FormulaError(
                number,
                len(line[: big.start()].encode()),
                _digits(len(big.group())),
            )
        count = len(_OPERATION.findall(line))
        if count > MAX_OPERATIONS:
            return FormulaError(
                number,
                0,
                _("a formula of {count} operations: at most {most} in one formula").format(
                    count=grouped(count), most=grouped(MAX_OPERATIONS)
                ),
                _("give parts of it names of their own, on lines of their own"),
            )
    return None


def _char_col(lines: list[str], line: int, col: int) -> int:
    """Python's column (UTF-8 bytes into the line) as characters."""
    if 1 <= line <= len(lines) and not lines[line - 1].isascii():
        return len(lines[line - 1].encode("utf-8")[:col].decode("utf-8", "ignore"))
    return col


def compile_formulas(text: str, inputs: Iterable[str]) -> list[GateText]:
    """The gates of the formulas, in evaluation order, or a FormulaError whose
    column counts characters."""
    lines = text.split("\n")
    try:
        gates = _compile(text, inputs)
    except FormulaError as err:
        err.col = _char_col(lines, err.line, err.col)
        raise
    return [g._replace(col=_char_col(lines, g.line, g.col)) for g in gates]


def _keyword_problem(text: str, inputs: set[str]) -> FormulaError | None:
    """An input named like a Python keyword (`lambda`, `if`) cannot be written in
    a formula: say so where it is, not 'invalid syntax'."""
    import io
    import keyword
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            named = tok.type == tokenize.NAME and tok.string in inputs
            if named and keyword.iskeyword(tok.string) and tok.string not in _CONSTANTS:
                return FormulaError(
                    tok.start[0],
                    tok.start[1],
                    _("'{name}' is a Python keyword: a formula cannot name a unit so").format(
                        name=tok.string
                    ),
                    _(
                        "rename the unit (under `units:` and here), or write the circuit "
                        "under `gates:`"
                    ),
                )
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _compile(text: str, inputs: Iterable[str]) -> list[GateText]:
    inputs = set(inputs)
    too_long = _too_long(text)
    if too_long is not None:
        raise too_long
    try:
        tree = parse_deep(text, MAX_OPERATIONS)
    except SyntaxError as exc:
        raise _keyword_problem(text, inputs) or FormulaError(
            exc.lineno or 1,
            max((exc.offset or 1) - 1, 0),
            _("invalid formula: {why}").format(why=exc.msg),
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError(
            1, 0, _("the formulas nest too deeply"), _("give parts of them names of their own")
        ) from None
    targets: list[str] = []
    for stmt in tree.body:
        if (
            not isinstance(stmt, ast.Assign)
            or len(stmt.targets) != 1
            or not isinstance(stmt.targets[0], ast.Name)
        ):
            raise _fail(
                stmt,
                _("each line is one assignment: `name = formula`"),
                _("for example `{example}`").format(example="s = sigmoid(a*x + b*y + c)"),
            )
        targets.append(stmt.targets[0].id)
    if not targets:
        raise FormulaError(1, 0, _("'expr' holds no formula"), _("write `name = formula`"))
    compiler = _Compiler(inputs, targets, text)
    assigned: set[str] = set()
    for stmt in tree.body:
        assert isinstance(stmt, ast.Assign)
        target = stmt.targets[0]
        assert isinstance(target, ast.Name)
        if target.id in inputs:
            raise _fail(
                target,
                _("'{name}' is an input: a formula cannot assign to it").format(name=target.id),
                _("give the result a new name"),
            )
        if target.id in assigned:
            raise _fail(
                target,
                _("'{name}' is assigned twice").format(name=target.id),
                _("each unit is produced once: give it a new name"),
            )
        before = len(compiler.gates)
        result = compiler.operand(stmt.value, target.id)
        if len(compiler.gates) == before or result.text != target.id:
            raise _fail(
                stmt.value,
                _("`{name} = …` computes nothing").format(name=target.id),
                _("a formula needs at least one operation or function"),
            )
        assigned.add(target.id)
    return compiler.gates
