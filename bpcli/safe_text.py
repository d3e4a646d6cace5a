"""The user's text made safe to show, and bpcli's own text made plain.

``shown`` escapes what a file name or a description could do to a terminal:
control characters (ESC clears screens and sets window titles, a carriage
return overwrites a line) and the bidirectional overrides that reorder what
follows, as ``\\x1b`` and ``\\u202e``. Only terminal views use it; JSON keeps
the exact string.

``plain`` writes bpcli's own symbols in ASCII (≡ as ==, → as ->, σ as sigma),
for an output whose encoding cannot show them (``PYTHONIOENCODING=ascii``,
``LANG=C`` on an old Python); ``can_show`` tells such an output.
"""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def shown(text: str) -> str:
    """The text, its control and bidirectional characters written as escapes."""
    return _UNSAFE.sub(_escape, text)


_ASCII_FOR = {
    "≡": "==", "→": "->", "←": "<-", "·": "*", "—": "--", "–": "-", "…": "...",
    "σ": "sigma", "×": "*", "−": "-", "²": "^2", "Δ": "d", "∂": "d", "≤": "<=",
    "≥": ">=", "≠": "!=", "◆": "*", "±": "+-", "↺": "(reused)", "─": "-", "━": "=",
    "│": "|", "‘": "'", "’": "'", "“": '"', "”": '"', "✓": "ok", "✗": "x",
}  # fmt: skip
_ASCII = str.maketrans(_ASCII_FOR)
_PROBE = "≡→σ×−—"  # what an output must be able to show for the unicode views


def plain(text: str) -> str:
    """bpcli's symbols in ASCII (a spaced · separates, as |; a bare one multiplies,
    as *); anything else not ASCII as an escape."""
    text = text.replace(" · ", " | ").translate(_ASCII)
    return text.encode("ascii", "backslashreplace").decode("ascii")


def can_show(stream: Any) -> bool:
    """Whether a stream's encoding can show bpcli's symbols."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        _PROBE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
