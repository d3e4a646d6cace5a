"""Python's parser on a stack of its own, for formulas thousands of operations
long: the largest stack the platform lets a thread have."""

from __future__ import annotations

import ast
from collections.abc import Callable

_STACK = 512 * 1024 * 1024  # the stack Python's parser gets for a long formula
_STACKS = (_STACK, 255 * 1024 * 1024)  # Windows refuses 256 MiB or more: the most it allows


def parse_deep(text: str, operations: int) -> ast.Module:
    """Python's parser, on a stack of its own: a long sum (a+a+…, thousands of
    terms) builds a deep tree, and the parser needs room for it: room for
    ``operations`` nested ones on the largest stack, less where the platform
    gives less (deeper ones: a RecursionError)."""
    import sys
    import threading

    found: list[ast.Module | BaseException] = []

    def work() -> None:
        try:
            found.append(ast.parse(text, mode="exec"))
        except BaseException as exc:  # handed back to the caller's thread
            found.append(exc)

    old_limit, old_size = sys.getrecursionlimit(), threading.stack_size()
    try:
        room = _room(threading.stack_size)
        sys.setrecursionlimit(max(old_limit, 4 * operations * room // _STACK))
        worker = threading.Thread(target=work, name="bpcli-formulas")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    result = found[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _room(stack_size: Callable[[int], object]) -> int:
    """The largest stack of ``_STACKS`` this platform gives a thread (0: only the
    default, where it gives none of them); the recursion allowed scales with it."""
    for size in _STACKS:
        try:
            stack_size(size)
            return size
        except (ValueError, RuntimeError):  # a size this platform refuses; none settable
            continue
    return 0
