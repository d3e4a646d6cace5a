"""The Russian glossary, once: each term of the English guide and how bpcli says
it in Russian. ``tests/test_i18n.py`` checks the catalog by it (each message
that uses the English term says it the glossary's way, and no message uses a
rendering the glossary forbids); ``tests/test_readme.py`` checks that the
README's Russian section teaches it."""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    en: str  # as the guide says it (the README's glossary line)
    ru: str  # as bpcli says it (the README's glossary line)
    pattern: str  # the term in a msgid, as a word of prose (not `--gate`, `{gate}`, code)
    stems: tuple[str, ...]  # a message using the term says one of these


# not an option, a placeholder, a command (`bpcli gates`), a key (`gates:`), code
_NOT_CODE = r"(?<![-\w.{`'/(])(?<!bpcli )"
_END = r"(?![\w}`'(/:)])"

GLOSSARY = (
    Term("gate", "вентиль", _NOT_CODE + r"[Gg]ates?\b" + _END, ("вентил",)),
    Term("slot", "слот", _NOT_CODE + r"slots?\b" + _END, ("слот",)),
    Term("same object as", "тот же объект, что и", r"same object as", ("тот же объект, что и",)),
    Term("seed", "начальный градиент", _NOT_CODE + r"seed\b" + _END, ("начальн",)),
    Term("relative error", "относительная погрешность", r"rel(?:ative|\.) ?err", ("погр",)),
    Term("closure", "замыкание", _NOT_CODE + r"closures?\b" + _END, ("замыкани",)),
    Term("option", "параметр", _NOT_CODE + r"options?\b" + _END, ("параметр",)),
)

# Renderings the glossary forbids anywhere in the catalog (regular expressions):
# a slot does not «держит» a Unit; an option is a «параметр»; a relative error
# is a «погрешность» (an «ошибка» is a mistake); zeroing is «обнулить».
NEVER = (r"\bдерж(?:ит|ат)\b", r"\bопци", r"относительн\w* ошибк", r"сбросить в 0\.0")
