"""``check``'s replays where the process cannot be forked (Windows): run here,
on copies, with what a replay could change of the script kept and put back
(and said, so that such a run is not judged): the random streams (the
``random`` module's, numpy's, and every generator object the script holds),
its standard streams, files opened to write and files it holds open, and the
script's globals and its classes' attributes (numbers, text, and the
contents of its lists, dicts and sets)."""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Any


class Guard:
    """What a replay here could change of the script, kept and put back;
    ``changed``: what it changed (the reason not to judge it)."""

    def __enter__(self) -> Guard:
        import builtins
        import random

        self.changed = ""
        self.places = _places()
        self.kept = [_keep(value) for _, _, value in self.places]
        self.random = random.getstate()
        self.streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        self.open = builtins.open
        real = builtins.open

        def opened(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if any(c in mode for c in "wax+"):
                self.changed = self.changed or "a file"
                return io.BytesIO() if "b" in mode else io.StringIO()
            return real(file, mode, *args, **kwargs)

        builtins.open = io.open = opened  # type: ignore[assignment]
        self.sinks = []  # files the script holds open to write: in memory meanwhile
        for place, name, value in self.places:
            if writable(value):
                memory = sink(value)
                try:
                    setattr(place, name, memory)
                except (AttributeError, TypeError):
                    continue
                self.sinks.append((place, name, value, memory))
        return self

    def __exit__(self, *exc: object) -> None:
        import builtins
        import random

        builtins.open = io.open = self.open  # type: ignore[assignment]
        sys.stdout, sys.stderr = self.streams
        for place, name, value, sink in self.sinks:
            setattr(place, name, value)
            if sink.tell():
                self.changed = self.changed or "a file"
        if random.getstate() != self.random:
            self.changed = self.changed or "the random numbers"
            random.setstate(self.random)
        for (place, name, value), kept in zip(self.places, self.kept):
            now = getattr(place, "__dict__", {}).get(name)
            if now is not value:  # rebound: put back
                self.changed = self.changed or name
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(place, name, value)
            elif kept is not None and _put_back(value, kept):
                self.changed = self.changed or name


def _places() -> list[tuple[Any, str, Any]]:
    """The script's globals, and its classes' attributes, with their values."""
    main = sys.modules.get("__main__")
    places: list[Any] = [main]
    places += [v for v in list(getattr(main, "__dict__", {}).values()) if isinstance(v, type)]
    found = []
    for place in places:
        for name, value in list(getattr(place, "__dict__", {}).items()):
            if not name.startswith("__"):
                found.append((place, name, value))
    numpy = sys.modules.get("numpy")
    if numpy is not None:  # numpy's global random stream
        found.append((numpy.random, "mtrand", getattr(numpy.random, "mtrand", None)))
    return found


def _keep(value: Any) -> Any:
    """What of a value a replay could change in place, kept to put back."""
    if isinstance(value, list):
        return ("list", list(value))
    if isinstance(value, dict):
        return ("dict", dict(value))
    if isinstance(value, set):
        return ("set", set(value))
    state = getattr(value, "getstate", None)  # random.Random and its kind
    if callable(state) and hasattr(value, "setstate"):
        try:
            return ("state", state())
        except Exception:
            return None
    generator = getattr(value, "bit_generator", None)  # numpy's Generator
    if generator is not None:
        try:
            return ("bits", generator.state)
        except Exception:
            return None
    legacy = getattr(value, "_rand", None) or (value if hasattr(value, "get_state") else None)
    if legacy is not None and hasattr(legacy, "get_state"):  # numpy's RandomState
        try:
            return ("legacy", legacy.get_state())
        except Exception:
            return None
    return None


def _put_back(value: Any, kept: tuple[str, Any]) -> bool:
    """Put ``value`` back as it was kept; whether it had changed."""
    kind, was = kept
    try:
        if kind == "list" and value != was:
            value[:] = was
        elif (kind == "dict" and value != was) or (kind == "set" and value != was):
            value.clear()
            value.update(was)
        elif kind == "state" and value.getstate() != was:
            value.setstate(was)
        elif kind == "bits" and value.bit_generator.state != was:
            value.bit_generator.state = was
        elif kind == "legacy":
            legacy = getattr(value, "_rand", None) or value
            now = legacy.get_state()
            if any(str(a) != str(b) for a, b in zip(now, was)):
                legacy.set_state(was)
            else:
                return False
        else:
            return False
    except Exception:
        return False
    return True


def writable(value: Any) -> bool:
    """A file object of the script's, open to write."""
    if not isinstance(value, io.IOBase):
        return False
    try:
        return not value.closed and value.writable()
    except Exception:
        return False


def sink(value: Any) -> Any:
    return io.StringIO() if isinstance(value, io.TextIOBase) else io.BytesIO()
