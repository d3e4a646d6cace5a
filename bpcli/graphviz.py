"""Graphviz's `dot`, run on the DOT text bpcli writes, for SVG and PNG."""

from __future__ import annotations

import shutil
import subprocess

from .errors import Failure

SLOW_LAYOUT = 3000  # nodes past which Graphviz's layout gets slow


def render(dot_text: bytes, fmt: str) -> bytes:
    """The picture `dot -T<fmt>` draws of ``dot_text``."""
    program = shutil.which("dot")
    if program is None:
        raise Failure(
            f"{fmt.upper()} pictures are drawn by Graphviz's `dot` program, which is not installed",
            "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
            "graphviz), or use --format dot or mermaid",
        )
    proc = subprocess.run([program, f"-T{fmt}"], input=dot_text, capture_output=True)
    if proc.returncode != 0:
        said = proc.stderr.decode(errors="replace").strip()
        raise Failure(f"Graphviz's dot failed (exit status {proc.returncode}): {said}".rstrip(": "))
    return proc.stdout
