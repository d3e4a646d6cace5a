"""Graphviz's `dot`, run on the DOT text bpcli writes, for SVG and PNG."""

from __future__ import annotations

import shutil
import subprocess

from ..core.errors import Failure
from ..i18n import _

SLOW_LAYOUT = 3000  # nodes past which Graphviz's layout gets slow


def render(dot_text: bytes, fmt: str) -> bytes:
    """The picture `dot -T<fmt>` draws of ``dot_text``."""
    program = shutil.which("dot")
    if program is None:
        raise Failure(
            _(
                "{format} pictures are drawn by Graphviz's `dot` program, which is not installed"
            ).format(format=fmt.upper()),
            _(
                "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                "graphviz; Windows: winget install graphviz), or use --format dot or mermaid"
            ),
        )
    proc = subprocess.run([program, f"-T{fmt}"], input=dot_text, capture_output=True)
    if proc.returncode != 0:
        said = proc.stderr.decode(errors="replace").strip()
        failed = _("Graphviz's dot failed (exit status {status})").format(status=proc.returncode)
        raise Failure(f"{failed}: {said}" if said else failed)
    return proc.stdout
