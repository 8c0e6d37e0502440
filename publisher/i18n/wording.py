"""The masthead wording shared by every output format, decided once per edition.

The strings marked ``N_`` here belong to the ``templates`` gettext domain alongside the
Jinja2 templates' own strings. Marking a string records it in :data:`MESSAGES`, which
``publisher extract`` writes out; nothing reads this module's source.
"""

from __future__ import annotations

import datetime
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterable

import babel
from babel import Locale
from babel.dates import format_date, get_date_format

from ..machine import RememberedStrings
from ..model import PagePart
from . import languages


@dataclass(frozen=True)
class Message:
    """A string of this module in the ``templates`` domain, as ``extract`` writes it."""

    msgid: str
    context: str | None
    comments: tuple[str, ...]
    """The note to translators, line by line (``#.`` comments)."""
    line: int
    """Where it is defined in this module (the ``#:`` reference)."""


MESSAGES: list[Message] = []
"""Every string marked here, in order: what ``publisher extract`` writes to
``templates.pot`` besides the Jinja2 templates' own strings."""


def _mark(message: str, context: str | None, note: tuple[str, ...]) -> None:
    comments = (f"TRANSLATORS: {note[0]}", *note[1:]) if note else ()
    MESSAGES.append(Message(message, context, comments, sys._getframe(2).f_lineno))


def N_(message: str, *note: str) -> str:
    """Mark a string of the template wording, with its note to translators (one item
    per comment line); it is translated where it is used."""
    _mark(message, None, note)
    return message


def NC_(context: str, message: str, *note: str) -> str:
    """Mark a string with a context; the key is ``context\x04message``."""
    _mark(message, context, note)
    return f"{context}\x04{message}"


ORIGINAL = N_("Original: %(language)s",
              "masthead line naming the original language;",
              "%(language)s is its name in capitals (e.g. UKRAINIAN).")
ONLY = N_("%(language)s only",
          "masthead line of a statement issued in one language only.")
PAGE = N_("Page %(page)s of %(pages)s",
          "page footer; keep both placeholders.")
CHECK = N_("Check against delivery",
           "line printed on advance copies of a speech.")

# Overrides of CLDR's date: `publisher update` fills each with the value used anyway
# (see override_default), so every catalogue is complete; a value equal to the default
# (or an empty one) changes nothing.
DATE_PATTERN = NC_("date-format", "long date pattern",
                   "CLDR pattern of the masthead date. `publisher update`",
                   "fills in this language's CLDR long date pattern, the default used",
                   "anyway; change it only to override it, e.g. d MMMM y 'года'",
                   "(Russian OSCE style).")
FIRST_DAY = NC_("date-format", "day 1",
                "the first day of a month in the masthead date.",
                "`publisher update` fills in 1, the plain number (the default);",
                "change it only to override it, e.g. 1er (French OSCE style).")
OPTIONAL_CONTEXTS = ("date-format",)
"""Template messages that only override CLDR's defaults: an empty one means the default."""

_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def locale_of(lang: str) -> Locale:
    return languages.babel_locale(lang)


def override_default(key: str, lang: str) -> str:
    """The value of a ``date-format`` override that changes nothing in ``lang``: CLDR's
    long date pattern, and the plain day number "1" for the first of a month."""
    if key == DATE_PATTERN:
        return str(get_date_format("long", locale=locale_of(lang)).pattern)
    if key == FIRST_DAY:
        return "1"
    raise KeyError(key)


def date_overrides(strings: dict[str, str], lang: str) -> tuple[str | None, str | None]:
    """(pattern, first day) a catalogue of ``lang`` overrides, None for each left empty
    or equal to its default: such a value prints exactly what no override prints."""
    found = []
    for key in (DATE_PATTERN, FIRST_DAY):
        value = strings.get(key)
        found.append(value if value and value != override_default(key, lang) else None)
    return found[0], found[1]


def fill_overrides(catalog: Iterable[Any], lang: str) -> int:
    """Give every empty ``date-format`` override of a template catalogue of ``lang`` its
    default (see :func:`override_default`), so gettext tools count it as translated.
    Returns how many were filled."""
    filled = 0
    for m in catalog:
        if m.context not in OPTIONAL_CONTEXTS or m.string or m.fuzzy:
            continue
        key = f"{m.context}\x04{m.id}"
        if key in (DATE_PATTERN, FIRST_DAY):
            m.string = override_default(key, lang)
            filled += 1
    return filled


_CLDR = RememberedStrings("cldr-names", f"{babel.__version__}")
"""Language names, writing directions and likely regions, per machine: looking one up
loads that language's whole CLDR data, and a web page names every language it links
to. Keyed on Babel's version, which fixes the CLDR release."""


def direction(lang: str) -> str:
    found = _CLDR.get(f"direction:{lang}", lambda: _direction(lang))
    return found if found in ("ltr", "rtl") else _direction(lang)


def _direction(lang: str) -> str:
    return "rtl" if locale_of(lang).character_order == "right-to-left" else "ltr"


def region_tag(lang: str) -> str:
    """``uk`` -> ``uk-UA``: the language with its likely region (CLDR likely subtags)."""
    return _CLDR.get(f"region:{lang}", lambda: languages.region_tag(lang))


def language_name(code: str, in_lang: str) -> str:
    """CLDR name of language ``code`` as written in ``in_lang`` (e.g. "anglais")."""
    return _CLDR.get(f"name:{code}:{in_lang}",
                     lambda: locale_of(code).get_display_name(locale_of(in_lang)) or code)


def upper(text: str, lang: str) -> str:
    """Capitals for masthead language lines (Turkish dotted i handled)."""
    if lang.split("-")[0] in ("tr", "az"):
        text = text.replace("i", "İ")
    return text.upper()


def long_date(date: datetime.date, lang: str, pattern: str | None = None,
              first_day: str | None = None) -> str:
    """The delivery date as the locale writes it.

    ``pattern`` (a CLDR pattern) replaces the locale's long date pattern; ``first_day``
    replaces the day number on the first of a month ("1er").
    """
    locale = locale_of(lang)
    if date.day == 1 and first_day:
        pattern = first_day_pattern(pattern, first_day, locale)
    try:
        text = format_date(date, pattern or "long", locale=locale)
    except Exception:  # the overrides were validated (checks.date_override_problems)
        text = ""
    if pattern and not text.strip():
        return format_date(date, "long", locale=locale)
    return text


_QUOTED = re.compile(r"('(?:[^']|'')*')")
"""A quoted literal of a CLDR date pattern (a quote in it doubled)."""
_DAY = re.compile(r"(?<!d)d(?!d)")
"""The day of the month, one digit or two, in a CLDR date pattern."""


def first_day_pattern(pattern: str | None, first_day: str, locale: Locale) -> str:
    """``pattern`` (default: the locale's long date) with ``first_day`` for its day."""
    base = pattern or get_date_format("long", locale=locale).pattern
    # The translator's text is literal: quoted for CLDR (a quote in it doubled), and put
    # in by a function, so a backslash in it is no regex escape.
    literal = "'" + first_day.replace("'", "''") + "'"
    # Replace the unquoted single "d" (day of month) of the pattern.
    parts = _QUOTED.split(base)
    parts = [p if p.startswith("'") else _DAY.sub(lambda _: literal, p)
             for p in parts]
    return "".join(parts)


def page_parts(translated: str) -> tuple[PagePart, ...]:
    """Split "Page %(page)s of %(pages)s" (translated) around its two numbers."""
    parts: list[PagePart] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(translated):
        if m.start() > pos:
            parts.append(PagePart("text", translated[pos:m.start()]))
        parts.append(PagePart(m.group(1)))
        pos = m.end()
    if pos < len(translated):
        parts.append(PagePart("text", translated[pos:]))
    return tuple(parts)
