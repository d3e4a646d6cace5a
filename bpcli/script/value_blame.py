"""`bpcli check` on Value code (micrograd's closures, microgpt's loop), with
the gates' guarantees (``blame``): each closure call, or each node the loop
visits, is judged against the op that made its Value, run again by the
watcher on nudged copies of the Values it was given (``a * a``: one Value,
nudged once, so the two pulls into it must add up to ``2a``).

- ``local``: a pull into a Value's grad against that op's slope times the
  Value's grad: blamed at the closure's line that wrote it (micrograd), or,
  for microgpt, where the op wrote its ``_local_grads`` tuple, the loop that
  uses it being right;
- ``assign``: ``=`` where ``+=`` belongs: a write that replaced a pull the
  grad held already (a Value used twice, ``a * a``);
- ``order``: a closure (or node) run before every Value made from its Value
  pulled into its grad (a loop over the topological order not reversed, no
  sort at all), said once a pass where it is called;
- ``stale`` and ``total`` as for gates: the total against the pass's ops,
  all of them run again in order on a nudged leaf.
"""

from __future__ import annotations

from typing import Any

from ..core.steps import Source, Step
from ..i18n import N_
from .findings import Finding, Forward, Wording, agree, found


class ValueWording(Wording):
    """The findings worded for Value code: its ops and closures, not gates."""

    def __init__(self, seen: Any, grad_attr: str) -> None:
        super().__init__(seen, grad_attr)
        self.node: Any = None  # the node being judged: what made it (values.Made), or None
        self.loop = ""  # the node's: the loop's line, as the script wrote it
        self.by_tuple: dict[int, float] = {}  # the node's: each child's local grad × its grad

    def local(
        self,
        name: str,
        out_slot: str,
        writes: list[list[Any]],
        want: float,
        local: float,
        upstream: float,
    ) -> Finding:
        last = writes[-1]
        got = last[3] - writes[0][2]
        unit = self.unit(last[0])
        made = self.node
        tupled = self.by_tuple.get(last[0])
        if (
            made is not None
            and made.inside is not None
            and tupled is not None
            and agree(got, tupled)
        ):
            # microgpt: the loop pulled its local grad × v.grad, as it should: the tuple is wrong
            return found(
                "local",
                made.maker,  # one slip of the op's, however many nodes it made
                made.inside,
                local,
                got / upstream if upstream else None,
                N_(
                    "{node}'s local grad for {unit} is {got}, but {maker} changes {node} by "
                    "{local} per unit of {unit} (run again): the local grads written here are wrong"
                ),
                node=name,
                unit=unit,
                got=f"{got / upstream:.6g}" if upstream else "?",
                maker=made.maker,
                local=f"{local:.6g}",
            )
        return found(
            "local",
            # one slip however many Values: the closure's code is its op's; the loop, one line
            self.maker(name) if made is None else self.loop,
            self.seen.source(last[4], last[5]),
            want,
            got,
            N_(
                "this pull into {unit}.{attr} is {got}, but {out} (made by {maker}, run again) "
                "changes by {local} per unit of {unit}, so with {out_grad} = {upstream} it "
                "should be {want}"
            ),
            maker=self.maker(name),
            unit=unit,
            attr=self.grad_attr,
            got=f"{got:.6g}",
            out=name,
            local=f"{local:.6g}",
            out_grad=f"{name}.{self.grad_attr}",
            upstream=f"{upstream:.6g}",
            want=f"{want:.6g}",
        )

    def missing(
        self,
        name: str,
        out_slot: str,
        source: Source,
        unit: str,
        want: float,
        local: float,
        upstream: float,
    ) -> Finding:
        return found(
            "missing",
            name,
            source,
            want,
            0.0,
            N_(
                "{call} wrote nothing into {unit}.{attr}, but {out} (made by {maker}, run "
                "again) changes by {local} per unit of {unit}: with {out_grad} = {upstream} "
                "it should add {want}"
            ),
            maker=self.maker(name),
            call=self.call(name),
            unit=unit,
            attr=self.grad_attr,
            out=name,
            local=f"{local:.6g}",
            out_grad=f"{name}.{self.grad_attr}",
            upstream=f"{upstream:.6g}",
            want=f"{want:.6g}",
        )

    def kink(self, name: str, w: list[Any], left: float, right: float) -> Finding:
        return found(
            "kink",
            name,
            self.seen.source(w[4], w[5]),
            None,
            None,
            N_(
                "{out} (made by {maker}) is at a kink for {unit}: it slopes {left} on one side "
                "and {right} on the other; the pull takes one side, as backprop must"
            ),
            maker=self.maker(name),
            out=name,
            unit=self.unit(w[0]),
            left=f"{left:.6g}",
            right=f"{right:.6g}",
        )

    def stale(self, name: str, w: list[Any], began: Source | None, call: str = "") -> Finding:
        said = super().stale(name, w, began, call or self.call(name))
        return said._replace(gate=None)  # one slip where the pass begins, each pass alike

    def call(self, name: str) -> str:
        if self.node is None:
            return f"{name}._backward()"
        return f"{self.loop} (v: {name})" if self.loop else name

    def maker(self, name: str) -> str:
        oid = self.seen.names.oid_of(name)
        made = self.seen.made.get(oid) if oid is not None else None
        return made.maker if made is not None else "?"

    def never(self, out: str, made: Any, attr: str) -> Finding:
        """An op that made a Value from others but left it the closure that does nothing."""
        kids = [self.seen.name(k) for k in made.children]
        return found(
            "missing",
            made.maker,
            made.inside or made.at or Source("?", 0, ""),
            None,
            None,
            N_(
                "{maker} made {out} from {children}, but left {out}.{attr} the one "
                "__init__ gave it, which does nothing: no grad will reach {children} through "
                "{out} (set {attr} to a closure that pulls into them)"
            ),
            maker=made.maker,
            out=out,
            children=", ".join(kids[:3]),
            attr=attr,
        )

    def order(self, name: str, out_slot: str, source: Source, upstream: float) -> Finding:
        raise NotImplementedError  # said by ``too_soon``

    def too_soon(self, name: str, source: Source, waiting: list[str], grad: Any) -> Finding:
        return found(
            "order",
            name,
            source,
            None,
            grad,
            N_(
                "{call} ran before {others} pulled into {name}.{attr} (it read {grad}): "
                "run each Value's backward after every Value made from it, in reversed "
                "topological order"
            ),
            call=self.call(name),
            others=", ".join(waiting[:3]) + (" …" if len(waiting) > 3 else ""),
            name=name,
            attr=self.grad_attr,
            grad=f"{grad:.6g}" if isinstance(grad, float) else str(grad),
        )


class ValueJudge:
    """The judge's part for Value code: ops recorded as forward calls, each
    closure or node judged as a backward call, their order from the graph."""

    def __init__(self, judge: Any) -> None:  # blame.Judge, whose part this is
        self.judge = judge
        self.say = ValueWording(judge.seen, judge.grad_attr)
        self.users: dict[int, set[int]] = {}  # a Value -> the Values this pass made from it
        self.reach: set[int] = set()  # the Values this pass's seeded output was made from
        self.root: int | None = None
        self.ran: set[int] = set()  # Values whose closure (or node) ran in this pass
        self.order_said = False

    def ended(self) -> None:
        """A pass ended (its backward() returned): what it made is let go."""
        self.users, self.ran, self.root, self.reach = {}, set(), None, set()

    def step(self, step: Step, msg: dict[str, Any]) -> list[Finding]:
        kind = msg["t"]
        if kind == "op":
            self.op(msg)
            made = self.judge.seen.made.get(msg["r"][0])
            if msg.get("nf") and msg.get("ch") and made is not None:
                return [self.say.never(step.new or "?", made, msg["nf"])]
            return []
        return self.backward(step, msg, kind == "node")

    def op(self, msg: dict[str, Any]) -> None:
        j = self.judge
        if j.in_backward:
            j.end_pass()
            self.ended()
        units = [p for p in msg["p"] if len(p) >= 4]
        inputs = {p[1]: p[2] for p in units}
        out, value = msg["r"][0], msg["r"][1]
        f = Forward(msg["k"], out, inputs, out, value, frozenset(inputs))
        j.last_forward[out] = f
        j.forwards.append(f)
        j.made.add(out)
        for u in inputs:
            self.users.setdefault(u, set()).add(out)

    def backward(self, step: Step, msg: dict[str, Any], node: bool) -> list[Finding]:
        j = self.judge
        seen = j.seen
        top: list[Any] | None
        if node:
            v = msg["o"]
            owner: int | None = v[0]
            top = [v[0], v[1], v[2]]
            after = {f"_children[{k}]": c for k, c in enumerate(msg.get("ch", []))}
        else:
            owner = msg.get("o")
            cap = {c[0]: c[1:] for c in msg["cap"]}
            top = next((list(c) for c in cap.values() if c[0] == owner), None)
            after = {c[0]: c[1:] for c in msg["after"]}
        self.say.node = seen.made.get(owner) if node and owner is not None else None
        self.say.by_tuple = {}
        upstream = top[2] if top is not None else None
        if node and isinstance(upstream, float):
            for child, grad in zip(msg.get("ch", []), msg.get("lg", [])):
                if isinstance(grad, float):
                    pull = grad * upstream
                    self.say.by_tuple[child[0]] = self.say.by_tuple.get(child[0], 0.0) + pull
        source = step.source or Source("?", 0, "")
        self.say.loop = source.text
        name = step.gate or "?"
        if owner is None or top is None:
            j.calls += 1
            j.calling = self.say.call(name)
            j._skip(name, source, N_("bpcli could not tell whose closure this is"))
            return []
        found: list[Finding] = []
        self._reach(j)
        made = seen.made
        waiting = [  # Values made from it that will pull into it, and have not yet
            u
            for u in self.users.get(owner, ())
            if u in self.reach and u not in self.ran and _pulls(made.get(u))
        ]
        if owner in self.reach and waiting and not self.order_said:
            names = [seen.name(u) for u in sorted(waiting)]
            found.append(self.say.too_soon(name, source, names, top[2]))
            self.order_said = True
        self.ran.add(owner)
        adapted = {"g": owner, "b": {step.out_slot: top}, "after": after, "w": msg["w"]}
        return found + j._backward(step, adapted, self.say)

    def _reach(self, j: Any) -> None:
        """The Values the seeded output was made from (each pass, once)."""
        root = j.seed[0] if j.seed is not None else None
        if root == self.root:
            return
        self.root, self.reach, self.ran, self.order_said = root, set(), set(), False
        made = j.seen.made
        todo = [root] if root is not None else []
        while todo:
            x = todo.pop()
            if x in self.reach:
                continue
            self.reach.add(x)
            m = made.get(x)
            if m is not None:
                todo.extend(m.operands)


def _pulls(made: Any) -> bool:
    """Whether a Value will pull into what made it: a closure, or local grads."""
    return made is not None and bool(made.pulls)
