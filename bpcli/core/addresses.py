"""Which objects sit at an address another object had earlier in the run.

CPython reuses the memory of a freed object, so a Unit made by one forward
pass can get the very ``id()`` of a Unit another pass made and dropped; and
bpcli's lesson is that the same id means the same object. Every id bpcli
shows goes through ``Addresses.reused``, which tells such a newcomer apart
(by a weak reference to the object last seen at each address), so that
within bpcli's output the same id without the mark ``↺`` is the same object.
"""

from __future__ import annotations

import sys
import weakref

WINDOWS = sys.platform == "win32"


def address(n: int, windows: bool = WINDOWS) -> str:
    """An ``id()`` as this platform's ``repr()`` writes it, so a learner finds it
    in their debugger: ``0x7f3a…`` (``hex``), on Windows 16 upper-case digits
    (``0x0000019681754400``)."""
    return f"0x{n:016X}" if windows else hex(n)


class Addresses:
    def __init__(self) -> None:
        # id -> (the object last seen there, whether it came to an address in use before)
        self._seen: dict[int, tuple[weakref.ref[object], bool]] = {}

    def reused(self, obj: object) -> bool:
        """Whether ``obj`` sits at an address bpcli saw another object at."""
        key = id(obj)
        known = self._seen.get(key)
        if known is not None and known[0]() is obj:
            return known[1]
        self._seen[key] = (weakref.ref(obj), known is not None)
        return known is not None
