"""bpcli: a command-line backprop tracer.

The version comes from the installed package's metadata, read only when asked
(importing importlib.metadata costs start-up time on every run).
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("bpcli")
        except PackageNotFoundError:  # running from a source tree
            return "0+unknown"
    raise AttributeError(name)


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext bpcli`` in IPython or Jupyter: the ``%bpcli`` and ``%%bpcli``
    magics (bpcli/notebook)."""
    from .notebook.magic import load

    load(ipython)
