"""bpcli's commands, one module each (``run.py`` holds `bpcli run`: its options,
the combinations of them it refuses, and its body).

``bpcli/cli/main.py`` imports a command's module only when that command is
run, its help shown, or its options completed: `bpcli run -q` loads none of
the others' code.
"""
