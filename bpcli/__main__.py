"""``python -m bpcli``."""

from .cli import main

main()
