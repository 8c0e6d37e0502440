"""The masthead wording shared by every output format, decided once per edition.

The strings marked ``N_`` here belong to the ``templates`` gettext domain alongside the
Jinja2 templates' own strings; ``publisher extract`` finds both.
"""

from __future__ import annotations

import datetime
import re

from babel import Locale
from babel.dates import format_date, get_date_format

from ..model import PagePart


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is used."""
    return message


def NC_(context: str, message: str) -> str:
    """Mark a string with a context for extraction; the key is ``context\x04message``."""
    return f"{context}\x04{message}"


# TRANSLATORS: masthead line naming the original language;
# %(language)s is its name in capitals (e.g. UKRAINIAN).
ORIGINAL = N_("Original: %(language)s")
# TRANSLATORS: masthead line of a statement issued in one language only.
ONLY = N_("%(language)s only")
# TRANSLATORS: page footer; keep both placeholders.
PAGE = N_("Page %(page)s of %(pages)s")
# TRANSLATORS: line printed on advance copies of a speech.
CHECK = N_("Check against delivery")

# Optional overrides: an empty translation means "use CLDR's standard long date".
# TRANSLATORS: optional CLDR pattern for the masthead date,
# e.g. d MMMM y 'года' (Russian OSCE style).
# Leave empty for the standard long date.
DATE_PATTERN = NC_("date-format", "long date pattern")
# TRANSLATORS: optional: the first day of a month in the
# masthead date, e.g. 1er (French OSCE style).
# Leave empty for the plain number.
FIRST_DAY = NC_("date-format", "day 1")
OPTIONAL_CONTEXTS = ("date-format",)
"""Template messages that may stay empty: they only override CLDR's defaults."""

_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def locale_of(lang: str) -> Locale:
    return Locale.parse(lang.replace("-", "_"))


def direction(lang: str) -> str:
    return "rtl" if locale_of(lang).character_order == "right-to-left" else "ltr"


def region_tag(lang: str) -> str:
    """``uk`` -> ``uk-UA``: the language with its likely region (CLDR likely subtags)."""
    from babel.core import get_global

    if "-" in lang or "_" in lang:
        return lang.replace("_", "-")
    likely = get_global("likely_subtags").get(lang)
    if not likely:
        return lang
    region = Locale.parse(likely).territory
    return f"{lang}-{region}" if region else lang


def language_name(code: str, in_lang: str) -> str:
    """CLDR name of language ``code`` as written in ``in_lang`` (e.g. "anglais")."""
    loc = locale_of(in_lang)
    return locale_of(code).get_display_name(loc) or code


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
        base = pattern or get_date_format("long", locale=locale).pattern
        literal = "'" + first_day.replace("'", "''") + "'"
        # Replace the unquoted single "d" (day of month) of the pattern.
        parts = re.split(r"('(?:[^']|'')*')", base)
        parts = [p if p.startswith("'") else re.sub(r"(?<!d)d(?!d)", literal, p) for p in parts]
        pattern = "".join(parts)
    return format_date(date, pattern or "long", locale=locale)


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
