"""Value code's steps, beside the gates' (``steps``):

- ``op``: a method of a Value's class returned a Value it made (``x1 * w1``,
  ``n.tanh()``): its parameters as they were as it returned (``self``,
  ``other``, a number turned into a Value already), the new Value, what the
  new Value says it was made from (children, local grads, op), and the
  Values its closure captured. An op inside an op (``__sub__`` calls
  ``__add__``) is one of its own; the ops of one expression of the script's
  are sent together when the outermost returns, with the script's line that
  computed it, the names on it and the Values they hold, and which op made
  what the outermost returned;
- ``closure``: a closure of Values (``_backward``) that wrote: the Values
  its free variables hold, before and after, its numbers (``t``), the Value
  whose closure it is, each write with its line;
- ``node``: microgpt's loop, ``child.grad += local_grad * v.grad``: the
  writes a line makes while it pulls from one node ``v``, with the node's
  children and local grads.

A leaf's ``_backward`` (nothing captured) and a closure that wrote nothing
are counted (``empty``), not steps.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType, FrameType, FunctionType
from typing import Any

from .objects import as_number, own, reading
from .objects import text as plain_text
from .reading import PLAIN, Reading, attributes
from .steps import Call, Stepping
from .values import CLOSURE, LEAF, OpCall, Shapes, cells, defined_in, named_in
from .values import node_of as _node_of


class ValueStepping(Stepping):
    def __init__(
        self,
        send: Callable[..., None],
        ask: Callable[[dict[str, Any]], dict[str, Any]] | None,
        methods: list[str],
        read: Reading,
        iterations: int | None,
    ) -> None:
        super().__init__(send, ask, methods, read, iterations)
        self.ops: list[OpCall] = []  # ops under way, the outermost first
        self.queue: list[tuple[dict[str, Any], Any]] = []  # one expression's ops, made
        self.site: FrameType | None = None  # the line of the script the outermost op is on
        self.empty = 0  # leaves' and other closures' calls that wrote nothing
        self.shapes = Shapes(read.is_unit, attributes)
        self.backward_since_op = False  # check: the next op begins another pass
        self.value_passes = 0  # backward() calls of Values that returned
        self.closure_attrs: set[str] = set()  # where Values keep their closures (_backward)

    # the hooks' own (hooks.py)
    attrs: set[str]

    def assign(self, code: CodeType, role: int) -> None:
        raise NotImplementedError

    def rewired(self, v: Any, attr: str, func: object) -> None:
        """The script put another function in a Value's closure attribute: what
        that one holds (nothing, if it is no closure of Values)."""
        if type(func) is FunctionType and any(self.read.is_unit(x) for _, x in cells(func)):
            self.assign(func.__code__, CLOSURE)
        held = self._captured(func) if type(func) is FunctionType else []
        self.send({"t": "cells", "o": self.read.objects.oid(v), "a": plain_text(attr), "cap": held})

    # -- ops ---------------------------------------------------------------------------

    def op_called(self, frame: FrameType, code: CodeType, me: object) -> None:
        op = OpCall(frame, code, me)
        if not self.ops:
            self.site = frame.f_back
        if self.replays is not None:  # the arguments as given, for replays
            try:
                local = frame.f_locals
                op.raw = [local.get(n) for n in code.co_varnames[1 : code.co_argcount]]
            except Exception:
                op.raw = []
        self.ops.append(op)

    def made_in_op(self, obj: object, frame: FrameType) -> None:
        """A Value is being made inside an op: where (the line that called its
        class: microgpt's local grads are written there)."""
        back = frame.f_back
        self.ops[-1].born[id(obj)] = self.read.where(back) if back is not None else None

    def op_returned(self, frame: FrameType, value: object, raised: bool) -> None:
        op = self.ops.pop()
        if not raised and id(value) in op.born and self.read.is_unit(value):
            self.queue.append(self._op(op, frame, value))
        if not self.ops and self.queue:
            self.flush_ops(value)
        if not self.ops and op.code.co_name in self.methods[1:]:  # a Value's backward()
            self.pass_ended()

    def flush_ops(self, top: object) -> None:
        """One expression's ops, as steps: the line, its names, what it made."""
        queue, self.queue = self.queue, []
        read = self.read
        site: list[Any] | None = None
        names = []
        if self.site is not None:
            site = read.site(self.site) or [0, 0, None, None, None]
            for expr, obj in named_in(self.site, (site[2], site[3])):
                if read.is_unit(obj):
                    names.append([plain_text(expr), read.objects.oid(obj)])
        self.site = None
        for k, (msg, record) in enumerate(queue):
            msg["s"] = site
            if k == 0:
                msg["n"] = names
            msg["top"] = record[0] is top
            self.steps += 1
            msg["k"] = self.steps
            if self.replays is not None:
                self.replays.op(self.steps, *record, self.backward_since_op)
                self.backward_since_op = False
            self.step(msg)

    def _op(self, op: OpCall, frame: FrameType, made: Any) -> tuple[dict[str, Any], Any]:
        read = self.read
        oid = read.objects.oid
        code = op.code
        try:
            local = frame.f_locals
        except Exception:
            local = {}
        params: list[list[Any]] = []
        units: dict[int, Any] = {}
        values: dict[int, Any] = {}
        args: list[Any] = []
        for k, name in enumerate(code.co_varnames[: code.co_argcount]):
            x = local.get(name)
            if read.is_unit(x):
                params.append([plain_text(name), *self._seen(x)])
                units[oid(x)], values[oid(x)] = x, reading(x, read.value_of(x))
            else:
                params.append([plain_text(name), read.arg(x) if type(x) in PLAIN else None])
                if k and k - 1 < len(op.raw):
                    x = op.raw[k - 1]
            if k:
                args.append(x)
        shape = self.shapes.of(made)
        msg: dict[str, Any] = {
            "t": "op",
            "m": plain_text(code.co_name),
            "q": plain_text((defined_in(type(op.me), code) or type(op.me)).__name__)
            + "."
            + plain_text(code.co_name),
            "p": params,
            "r": self._seen(made),
            "at": op.born.get(id(made)),
        }
        if shape.children is not None:
            kids = own(made, shape.children)
            if type(kids) in (tuple, list, set, frozenset):
                msg["ch"] = [oid(c) for c in kids if read.is_unit(c)]  # type: ignore[union-attr]
                msg["set"] = not shape.ordered
                msg["ca"] = plain_text(shape.children)
        if shape.local_grads is not None:
            grads = own(made, shape.local_grads)
            if type(grads) in (tuple, list):
                msg["lg"] = [as_number(g) for g in grads]  # type: ignore[union-attr]
        if shape.op is not None:
            said = own(made, shape.op)
            if type(said) is str and len(said) <= 16:
                msg["sym"] = plain_text(said)
        if shape.closure is not None:
            func = own(made, shape.closure)
            if shape.closure not in self.closure_attrs:  # a closure put there later is seen
                self.closure_attrs.add(shape.closure)
                self.attrs.add(shape.closure)
            if type(func) is FunctionType and any(read.is_unit(x) for _, x in cells(func)):
                self.assign(func.__code__, CLOSURE)
                msg["cap"] = self._captured(func)
                msg["fa"] = plain_text(shape.closure)
            elif type(func) is FunctionType:  # what __init__ gave it: nothing will pull back
                self.assign(func.__code__, LEAF)
                msg["nf"] = plain_text(shape.closure)
            for u in units.values():  # the operands' own: a leaf's is `lambda: None`
                leaf = own(u, shape.closure)
                if type(leaf) is FunctionType and not cells(leaf):
                    self.assign(leaf.__code__, LEAF)
        return msg, (made, op.me, code.co_name, args, units, values, oid(made))

    def _seen(self, x: Any) -> list[Any]:
        """A Value as a step tells of it: [oid, value, grad]."""
        read = self.read
        return [read.objects.oid(x), reading(x, read.value_of(x)), reading(x, read.grad_attr)]

    def _captured(self, func: Any) -> list[list[Any]]:
        """What a closure's cells hold: each Value [name, oid], each number
        [name, None, number]."""
        read = self.read
        found: list[list[Any]] = []
        for name, x in cells(func):
            if read.is_unit(x):
                found.append([plain_text(name), read.objects.oid(x)])
            elif type(x) in (int, float):
                found.append([plain_text(name), None, as_number(x)])
        return found

    # -- closures ----------------------------------------------------------------------

    def closure_called(self, frame: FrameType, code: CodeType) -> None:
        if self.queue:
            self.flush_ops(None)
        read = self.read
        try:
            local = frame.f_locals
        except Exception:
            return
        names = code.co_freevars + code.co_varnames[: code.co_argcount]  # cells, defaults
        captured = [(n, local.get(n)) for n in names]
        units = [(n, x) for n, x in captured if read.is_unit(x)]
        if not units:
            return
        call = Call(frame, CLOSURE, self._owner(code, units, local))
        call.captured = units
        call.before = [[plain_text(n), *self._seen(x)] for n, x in units]  # type: ignore[assignment]
        call.args = [[plain_text(n), as_number(x)] for n, x in captured if type(x) in (int, float)]
        call.site = read.site(frame.f_back)
        self.stack.append(call)

    def _owner(self, code: CodeType, units: list[tuple[str, Any]], local: Any) -> Any:
        """The Value whose closure this is: one it captured (micrograd's ``out``)
        that holds a function of this code whose cells hold what this call's do."""
        for _, x in units:
            for _, func in attributes(x):
                ours = type(func) is FunctionType and func.__code__ is code
                if ours and all(local.get(n) is v for n, v in cells(func)):
                    return x
        return None

    def returned(self, value: object, raised: bool) -> None:
        if self.stack[-1].role != CLOSURE:
            super().returned(value, raised)
            return
        call = self.stack.pop()
        if not call.writes:
            self.empty += 1
            return
        self.backward_since_op = True
        read = self.read
        self.steps += 1
        msg = {
            "t": "closure",
            "k": self.steps,
            "o": read.objects.oid(call.gate) if call.gate is not None else None,
            "cap": call.before,
            "after": [[plain_text(n), *self._seen(x)] for n, x in call.captured],
            "nums": call.args,
            "w": [w[:6] for w in call.writes],
            "s": call.site,
            "x": raised,
        }
        self.step(msg)

    # -- microgpt's loop ---------------------------------------------------------------

    def node_of(self, frame: FrameType) -> Any:
        """microgpt's loop: the Value it pulls from (one with local grads), or None."""
        v = _node_of(frame, self.read.grad_attr)
        if v is None or not self.read.is_unit(v) or self.shapes.of(v).local_grads is None:
            return None
        return v

    def node_seen(self, v: Any) -> dict[str, Any]:
        """The node as its first pull found it (its grad, its children, its local
        grads), before the pulls of later nodes change them."""
        shape = self.shapes.of(v)
        seen: dict[str, Any] = {"o": self._seen(v)}
        if shape.children is not None:
            kids = own(v, shape.children)
            if type(kids) in (tuple, list, set, frozenset):
                seen["ch"] = [self._seen(c) for c in kids if self.read.is_unit(c)]  # type: ignore[union-attr]
        if shape.local_grads is not None:
            grads = own(v, shape.local_grads)
            if type(grads) in (tuple, list):
                seen["lg"] = [as_number(g) for g in grads]  # type: ignore[union-attr]
        return seen

    def node(self, v: Any, msg: dict[str, Any], seen: dict[str, Any] | None = None) -> None:
        """A line's writes while it pulls from node ``v``: a step of the node,
        each child as the node's pulls left it."""
        self.backward_since_op = True
        msg.update(seen if seen is not None else self.node_seen(v))
        msg["t"] = "node"
        now = msg["now"]
        for child in msg.get("ch", ()):
            if child[0] in now:
                child[1:] = now[child[0]]

    # -- a pass's end: a Value's backward() returned -------------------------------------

    def pass_ended(self) -> None:
        """check: the pass is judged whole while its ops are here, then they are let
        go (a Value that cannot be weakly referenced is held no longer than that);
        --passes N: after the Nth, the script runs on unwatched."""
        if self.queue:
            self.flush_ops(None)
        self.flush()
        self.value_passes += 1
        if self.replays is not None and self.ask is not None:
            self.step({"t": "passend"})
            self.replays.drop_ops()
        if self.iterations is not None and self.value_passes >= self.iterations:
            self.send({"t": "stopped", "passes": self.iterations}, True)
            self.stop()

    def via(self) -> list[int] | None:
        """Inside a Value's method (its ``backward()``): the script's line that called it."""
        back = self.ops[0].frame.f_back if self.ops else None
        return list(self.read.where(back)) if back is not None else None

    # -- before any other step, the ops made so far -------------------------------------

    def lines(self, writes: list[list[Any]]) -> None:
        if self.queue:
            self.flush_ops(None)
        if writes:
            self.backward_since_op = True
        super().lines(writes)

    def called(self, frame: FrameType, code: CodeType, role: int) -> None:
        if self.queue:
            self.flush_ops(None)
        super().called(frame, code, role)
