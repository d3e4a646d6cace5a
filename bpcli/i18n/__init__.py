"""Text for a person, at the bottom of the house: in the person's language
(this module: gettext; ``worded``: English kept for programs, worded where
shown; ``locale/``: the catalogs), and safe to show (``safe_text``: control
characters escaped, bpcli's symbols in ASCII where needed, names in NFKC and
their look-alike letters). It may import nothing of bpcli.

Messages for a person, in the person's language: Python's gettext.

Every text meant for a person goes through ``_`` (or ``ngettext`` for a count:
Russian has three plural forms), written with named ``{placeholders}`` and
``.format()`` afterwards, so that a translation may put the words in its own
order. A text defined before the language is known (a table's header, a
legend) is marked with ``N_`` and translated where it is shown.

The language is gettext's: ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``,
in that order, or ``bpcli --lang``; on Windows, which sets none of them, the
user interface language when none is set; one bpcli has no catalog for falls back to
English, silently. The catalogs are ``bpcli/i18n/locale/LANG/LC_MESSAGES/bpcli.po``,
compiled by Babel into the ``.mo`` files beside them (see the README's
Development section). bpcli's domain is made gettext's default one, so
click's own messages (``Usage:``, ``Error:``), which click marks for gettext,
are looked up in bpcli's catalog too.

What a program reads (JSON, CSV, ``-q``, exit statuses, the ``FILE:LINE:COL:``
prefix of a message) is never translated.
"""

from __future__ import annotations

import gettext
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

DOMAIN = "bpcli"
LOCALEDIR = str(Path(__file__).resolve().parent / "locale")

_chosen: gettext.NullTranslations | None = None
_GIVEN = os.environ.get("LANGUAGE")  # as the user's environment had it, before bpcli set it


def use(language: str | None = None) -> None:
    """Choose the language: ``language`` (``--lang``) over the environment's (or
    Windows' own). click's messages follow it too (it sets ``LANGUAGE``,
    gettext's first look, for bpcli's process: ``environ_as_given`` is what a
    learner's script gets)."""
    global _chosen
    found = windows_languages(os.environ, _ui_language)
    language = language or (found[0] if found else None)
    if language:
        os.environ["LANGUAGE"] = language
    gettext.bindtextdomain(DOMAIN, LOCALEDIR)
    gettext.textdomain(DOMAIN)
    _chosen = gettext.translation(DOMAIN, LOCALEDIR, fallback=True)


def environ_as_given() -> dict[str, str]:
    """The environment as the user gave it (without the ``LANGUAGE`` that ``use``
    set for bpcli's own messages): a learner's script runs in it."""
    env = dict(os.environ)
    if _GIVEN is None:
        env.pop("LANGUAGE", None)
    else:
        env["LANGUAGE"] = _GIVEN
    return env


_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def windows_languages(
    env: Mapping[str, str], ui_language: Callable[[], int | None]
) -> list[str] | None:
    """Where no variable names a language and the system has a user interface
    language (Windows'; ``ui_language`` gives its LANGID, None elsewhere): that
    one (``ru_RU``), for gettext. None: gettext's own look at the variables."""
    if any(env.get(name) for name in _VARIABLES):
        return None
    langid = ui_language()
    if langid is None:
        return None
    import locale

    name = locale.windows_locale.get(langid)
    return [name] if name else None


def _ui_language() -> int | None:
    """Windows' user interface language (a LANGID), None elsewhere."""
    if sys.platform != "win32":
        return None
    import ctypes

    try:
        return int(ctypes.windll.kernel32.GetUserDefaultUILanguage())
    except (AttributeError, OSError):
        return None


def _catalog() -> gettext.NullTranslations:
    if _chosen is None:
        use()
    assert _chosen is not None
    return _chosen


def _(message: str) -> str:
    """``message`` in the chosen language (as it is, where there is no translation)."""
    return (_chosen or _catalog()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` (``1 ошибка``, ``2 ошибки``, ``5 ошибок``)."""
    return (_chosen or _catalog()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for translation where it is shown, not here."""
    return message


_GROUPING = {"ru": "\u202f"}  # a narrow no-break space; else English's comma


def grouped(n: int) -> str:
    """A count for a person, its digits grouped as the reader's language does
    (``2,359``; in Russian ``2 359`` with a narrow no-break space, as a comma
    there reads as a decimal point). Never in what a program reads."""
    text = f"{n:,}"
    mark = _GROUPING.get(language())
    return text.replace(",", mark) if mark else text


def language() -> str:
    """The language in use: ``ru``, or ``en`` where there is no catalog."""
    info = _catalog().info()
    return info.get("language", "en") or "en"
