"""What bpcli knows of the running script, from the watcher's events: its
objects (class, address, whether the address was another's before), their
names and the evidence for them, its files and lines as the user would name
them, which gate slots hold which Unit (by identity: the watcher's oid), each
gate object seen (each a ``self`` of its own), and the pulls each grad has
received in this pass. Objects the script freed are forgotten."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from ..core.steps import SHOWN_HOLDERS, Pulls, SelfView, Source, Summary
from .names import PATH, VARIABLE, Names
from .source import call_site, parse, scopes, write_site


class Thing(NamedTuple):
    cls: str
    address: int
    reused: bool
    untold: bool = False  # its end will not be told (no weak reference to it)


class Seen:
    def __init__(self, script: str) -> None:
        self.script = os.path.abspath(script)
        self.typed = script  # the script's path as the user typed it
        self.things: dict[int, Thing] = {}
        self.names = Names()
        self.files: dict[int, str] = {}
        self.shown_files: dict[int, str] = {}
        self.lines: dict[tuple[int, int], str] = {}
        self.slots_of: dict[int, dict[str, int]] = {}  # gate oid -> attr -> unit oid
        self.holders: dict[int, dict[tuple[int, str], None]] = {}  # unit -> {(gate, attr)}
        self.out_slot: dict[int, str] = {}  # gate oid -> the slot its forward makes
        self.pulls: dict[int, Pulls] = {}
        self.first_of_class: dict[str, str] = {}  # class -> its first gate's name
        self.gates: dict[int, str] = {}  # every gate seen (alive): oid -> class
        self.gate_count = 0  # gate objects seen in all, freed or not
        self.classes: dict[str, int] = {}  # class -> gate objects of it seen
        self.previous_self: tuple[str, str, int] | None = None
        self.previous_gate = 0  # the oid of the previous step's self
        self._slot_names: dict[tuple[int, str], str] = {}
        self._slot_names_of = -1  # the names' version they were made with
        self.iteration = 0
        self.last_role = -1
        self.made: dict[int, Any] = {}  # Value oid -> what made it (values.Made)
        self.order = 0  # closures and nodes run so far in this backward pass
        self.empty = 0  # leaves' _backward calls, and closures that wrote nothing
        self.users: dict[int, list[int]] = {}  # Value -> the Values this pass made from it
        self.ran: dict[int, int] = {}  # Value -> the place its backward ran at in this pass
        self.ops = self.closures = 0  # Value code's steps seen
        self.root: int | None = None  # the Value this backward pass was seeded at

    # -- the events that are not steps --------------------------------------------------

    def take(self, msg: dict[str, Any]) -> None:
        kind = msg["t"]
        if kind == "obj":
            self.things[msg["o"]] = Thing(
                msg["c"], msg["i"], bool(msg.get("r")), bool(msg.get("u"))
            )
        elif kind == "file":
            self.files[msg["f"]] = msg["p"]
        elif kind == "line":
            self.lines[(msg["f"], msg["l"])] = msg["x"]
        elif kind == "gone":
            for oid in msg["o"]:
                self.forget(oid)
        elif kind == "global":
            self.names.offer(msg["o"], msg["n"], VARIABLE)
        elif kind == "container":
            self.evidence(msg)
        elif kind == "cells":  # a Value's closure replaced by the script: what it holds now
            oid = msg["o"]
            caps = [c for c in msg["cap"] if c[1] is not None and c[1] != oid]
            self.hold(oid, {f"{msg['a']}.{c[0]}": [c[1]] for c in caps})
        elif kind == "empty":
            self.empty = msg["n"]
        elif kind == "slot":  # a gate's slot set outside its own calls (rewired by hand)
            self.hold_one(msg["g"], msg["a"], msg["u"])

    def forget(self, oid: int) -> None:
        self.things.pop(oid, None)
        self.names.gone(oid)
        self.pulls.pop(oid, None)
        self.out_slot.pop(oid, None)
        self.gates.pop(oid, None)
        self.made.pop(oid, None)
        for attr, unit in self.slots_of.pop(oid, {}).items():
            self.holders.get(unit, {}).pop((oid, attr), None)
        self.holders.pop(oid, None)

    # -- names --------------------------------------------------------------------------

    def name(self, oid: int) -> str:
        thing = self.things.get(oid)
        return self.names.name(oid, thing.cls if thing else "object")

    def offer(self, oid: int, expr: str | None, file: int, line: int, owner: int | None) -> None:
        """What an expression on a line of the script says the object is called."""
        if not expr or self.names.rank(oid) == VARIABLE:
            return  # nothing, or nothing better: a variable of the script's names it already
        head, dot, rest = expr.partition(".")
        if head == "self":
            if dot and owner is not None:
                self.names.offer(oid, f"{self.name(owner)}.{rest}", PATH)
            return
        if dot:
            self.names.offer(oid, expr, PATH)
            return
        path = self.files.get(file)
        rank = scopes(path).rank(line, head) if path else VARIABLE
        self.names.offer(oid, head, rank)

    def evidence(self, msg: dict[str, Any]) -> None:
        """A call's line: the gate, its arguments and what its result is called."""
        site = msg.get("s")
        if not site:
            return
        file, line, c0, c1, owner = site
        said = call_site(self.lines.get((file, line), ""), msg["m"], (c0, c1))
        self.offer(msg["g"], said.gate, file, line, owner)
        for k, arg in enumerate(msg.get("a", ())):
            if isinstance(arg, list) and k < len(said.args):
                self.offer(arg[0], said.args[k], file, line, owner)
        if said.target and msg.get("ret") is not None:
            self.offer(msg["ret"], said.target, file, line, owner)

    def write_evidence(self, write: list[Any], attr: str, k: int = 0) -> None:
        """`s.grad = 1.0` names the Unit `s`; `self.a.grad = 0.0` in svm's method,
        `svm.a`. ``k``: which of the line's writes of ``attr`` this one is."""
        oid, file, line = write[0], write[4], write[5]
        owner = write[6] if len(write) > 6 else None
        site = write_site(self.lines.get((file, line), ""), attr, k)
        self.offer(oid, site.base, file, line, owner)

    # -- what holds what ------------------------------------------------------------------

    def hold(self, gate: int, slots: dict[str, list[Any]]) -> None:
        """The gate's slots as they are now, in the index of holders."""
        for attr, unit in self.slots_of.get(gate, {}).items():
            held = self.holders.get(unit)
            if held is not None:
                held.pop((gate, attr), None)
        now = {attr: s[0] for attr, s in slots.items()}
        for attr, unit in now.items():
            self.holders.setdefault(unit, {})[(gate, attr)] = None
        self.slots_of[gate] = now

    def hold_one(self, gate: int, attr: str, unit: int | None) -> None:
        """One slot of a gate, as the script set it (None: it holds no Unit now)."""
        slots = self.slots_of.setdefault(gate, {})
        was = slots.pop(attr, None)
        if was is not None:
            self.holders.get(was, {}).pop((gate, attr), None)
        if unit is not None:
            slots[attr] = unit
            self.holders.setdefault(unit, {})[(gate, attr)] = None

    def made_slot(self, msg: dict[str, Any]) -> str | None:
        """The slot that holds what a forward call made: the one holding the
        object it returned, else the last whose Unit is new."""
        before, after, ret = msg["b"], msg["after"], msg.get("ret")
        for attr, slot in after.items():
            if slot[0] == ret:
                return str(attr)
        made = [a for a, s in after.items() if a not in before or before[a][0] != s[0]]
        return made[-1] if made else None

    def also(self, unit: int, me: tuple[int, str] | None = None) -> tuple[tuple[str, ...], int]:
        """The first few gate slots holding this very object, but the one shown
        (``me``, a gate and its attribute) and a slot that is the object's own
        name (nothing is the same object as itself), and how many in all when
        more than shown (else 0). Its cost does not grow with the holders."""
        held = self.holders.get(unit, {})
        own = self.names.get(unit)
        own_key = self._key_of(own)
        skip = {k for k in (me, own_key) if k is not None and k in held}
        found: list[str] = []
        slot_name = self._slot_name
        for key in held:
            if key in skip:
                continue
            found.append(slot_name(key))
            if len(found) == SHOWN_HOLDERS:
                break
        total = len(held) - len(skip)
        return tuple(found), (total if total > len(found) else 0)

    def _key_of(self, name: str | None) -> tuple[int, str] | None:
        """The (gate, attribute) a name such as ``mulg0.utop`` spells, if it does."""
        if name is None or "." not in name:
            return None
        gate, _, attr = name.rpartition(".")
        oid = self.names.oid_of(gate)
        return (oid, attr) if oid is not None else None

    def _slot_name(self, key: tuple[int, str]) -> str:
        """`gate.attr`, as the gate is called now (kept until a name changes)."""
        names = self.names
        if self._slot_names_of != names.renamed or len(self._slot_names) > 65536:
            self._slot_names.clear()
            self._slot_names_of = names.renamed
        found = self._slot_names.get(key)
        if found is None:
            found = self._slot_names[key] = f"{self.name(key[0])}.{key[1]}"
        return found

    # -- what else a step says ----------------------------------------------------------

    def source(self, file: int, line: int) -> Source:
        """A line of the script, its file named as the user named it (the script
        itself), else relative to here when it is below, else in full."""
        shown = self.shown_files.get(file)
        if shown is None:
            path = self.files.get(file, "?")
            if path == self.script:
                shown = self.typed
            else:
                try:
                    relative = os.path.relpath(path) if os.path.isabs(path) else path
                except ValueError:  # another drive (Windows): no way there but the full path
                    relative = path
                shown = path if relative.startswith("..") else relative
            self.shown_files[file] = shown
        return Source(shown, line, parse(self.lines.get((file, line), "")).text)

    def _untold_let_go(self) -> None:
        """A new pass: what the objects whose end is never told hold is claimed no
        more (they may be gone: a claim bpcli cannot check is not made)."""
        for gate in [g for g in self.slots_of if g in self.things and self.things[g].untold]:
            for attr, unit in self.slots_of.pop(gate).items():
                self.holders.get(unit, {}).pop((gate, attr), None)

    def phase(self, role: int) -> str:
        """forward for the first watched method, backward for the others; a
        forward after other calls begins the next iteration."""
        if role == 0 and self.last_role not in (-1, 0):
            self.iteration += 1
            self.users = {}
            self._untold_let_go()
        if role == 0 and self.last_role != 0:
            self.pulls.clear()
        self.last_role = role
        return "forward" if role == 0 else "backward"

    def self_view(self, gate: int, name: str, backward: bool) -> SelfView:
        """The gate object the call runs on; the first time a second object of a
        class is seen, the first one; on a backward step, the previous self."""
        thing = self.things[gate]
        first = self.first_of_class.setdefault(thing.cls, name)
        new = gate not in self.gates
        if new:
            self.gates[gate] = thing.cls
            self.gate_count += 1
            self.classes[thing.cls] = self.classes.get(thing.cls, 0) + 1
        me = (name, thing.cls, thing.address)
        before, other_gate = self.previous_self, self.previous_gate != gate
        self.previous_self, self.previous_gate = me, gate
        previous = before if backward and other_gate else None
        other = first if new and first != name else None
        return SelfView(name, thing.cls, thing.address, other, previous)

    def summary(self, listed: int = 8) -> Summary:
        """The gate objects seen, and the Units more than one slot holds now."""
        shared: list[tuple[str, tuple[str, ...]]] = []
        more = 0
        for unit in sorted(self.holders):  # in the order the objects were first seen
            held = self.holders[unit]
            if len(held) < 2:
                continue
            if len(shared) == listed:
                more += 1
                continue
            slots = tuple(f"{self.name(g)}.{a}" for g, a in sorted(held)[:SHOWN_HOLDERS])
            shared.append((self.name(unit), slots))
        return Summary(
            self.gate_count,
            tuple(self.classes.items()),
            tuple(shared),
            more,
            self.ops,
            self.closures,
            self.empty,
        )
