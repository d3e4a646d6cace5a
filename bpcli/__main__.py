"""The ``bpcli`` command (and ``python -m bpcli``): the language is chosen
first (``--lang`` before the command, else the environment's, see i18n.py),
so that every text defined as the command line is built is in it."""

from __future__ import annotations

import sys


def lang_asked(argv: list[str]) -> str | None:
    """The value of the group's ``--lang`` (before the command's name), if given."""
    for k, arg in enumerate(argv):
        if arg == "--lang" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if arg == "--" or not arg.startswith("-"):
            return None  # the command's name: what follows is the command's
    return None


def main() -> None:
    from .i18n import use

    use(lang_asked(sys.argv[1:]))
    from .cli.main import main as run

    run()


if __name__ == "__main__":
    main()
