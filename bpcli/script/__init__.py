"""The learner's own script: `bpcli trace SCRIPT.py` and `bpcli check
SCRIPT.py`. It may import `interact/`, `system/`, `core/` and `i18n/`.

``runner`` runs it as python would, ``watcher`` sees its gate calls and every
write to a Unit as they happen, ``names`` names its objects as its code does,
``source`` reads its lines, ``steps`` makes trace steps of what was seen, and
``blame`` (check) finds the line of its backward code that is wrong.
"""
