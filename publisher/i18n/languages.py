"""Language tags: the one place a tag becomes a BCP 47 tag, a gettext folder or a Babel locale.

Statements, mission profiles and the command line write BCP 47 tags (``pt-BR``,
``sr-Latn``, ``zh-Hant``, ``en-GB``); gettext names catalogue folders its own way
(``pt_BR``, ``sr@latin``, ``zh_Hant``, ``en_GB``); Babel wants a :class:`babel.Locale`.
Every spelling of a tag (``fr_FR``, ``fr-fr``, ``fr-FR``) is normalised first, so two
spellings are one language.

Babel is imported only where a locale is made: normalising a tag and naming a folder
stay cheap (a no-op build computes folder names).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

MODIFIERS = {"Latn": "latin", "Cyrl": "cyrillic"}
"""Scripts gettext (and glibc) write as an ``@modifier``: ``sr@latin``, ``uz@cyrillic``."""
_SCRIPTS = {name: script for script, name in MODIFIERS.items()}

_LANGUAGE = re.compile(r"[A-Za-z]{2,3}")
_SCRIPT = re.compile(r"[A-Za-z]{4}")
_REGION = re.compile(r"[A-Za-z]{2}|\d{3}")
_VARIANT = re.compile(r"[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}")


def _parts(tag: str) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    """(language, script, region, variants) of a tag in any spelling; ValueError if it is
    not a language tag."""
    text = tag.strip()
    modifier = None
    if "@" in text:
        text, modifier = text.split("@", 1)
        if modifier.lower() not in _SCRIPTS:
            raise ValueError(f"'{tag}' is not a language tag (unknown modifier '@{modifier}')")
    subtags = re.split(r"[-_]", text)
    if not _LANGUAGE.fullmatch(subtags[0]):
        raise ValueError(f"'{tag}' is not a language tag")
    language, rest = subtags[0].lower(), subtags[1:]
    script = region = None
    if rest and _SCRIPT.fullmatch(rest[0]):
        script = rest.pop(0).title()
    if modifier is not None:
        if script is not None:
            raise ValueError(f"'{tag}' names its script twice")
        script = _SCRIPTS[modifier.lower()]
    if rest and _REGION.fullmatch(rest[0]):
        region = rest.pop(0).upper()
    for variant in rest:
        if not _VARIANT.fullmatch(variant):
            raise ValueError(f"'{tag}' is not a language tag")
    return language, script, region, tuple(v.lower() for v in rest)


def normalize(tag: str) -> str:
    """The BCP 47 form of a tag: ``pt_BR`` and ``pt-br`` -> ``pt-BR``, ``sr@latin`` ->
    ``sr-Latn``, ``sr_RS@latin`` -> ``sr-Latn-RS``. ValueError if it is not a tag."""
    language, script, region, variants = _parts(tag)
    return "-".join(p for p in (language, script, region, *variants) if p)


def folder(tag: str) -> str:
    """The gettext folder name under ``locales/``: ``pt-BR`` -> ``pt_BR``, ``sr-Latn`` ->
    ``sr@latin``, ``zh-Hant`` -> ``zh_Hant``, ``en-GB`` -> ``en_GB``."""
    language, script, region, variants = _parts(tag)
    if script in MODIFIERS:
        return "_".join(p for p in (language, region, *variants) if p) + "@" + MODIFIERS[script]
    return "_".join(p for p in (language, script, region, *variants) if p)


def identifier(tag: str) -> str:
    """Babel's (and CLDR's) identifier: ``pt_BR``, ``sr_Latn``, ``zh_Hant``."""
    language, script, region, variants = _parts(tag)
    return "_".join(p for p in (language, script, region, *variants) if p)


def same(a: str, b: str) -> bool:
    """Whether two tags name the same language (``fr_FR`` and ``fr-FR`` do)."""
    try:
        return normalize(a) == normalize(b)
    except ValueError:
        return a == b


def known(tag: str) -> str | None:
    """The BCP 47 form of a tag CLDR has data for, or None."""
    from babel.localedata import exists

    try:
        ident = identifier(tag)
    except ValueError:
        return None
    return normalize(tag) if exists(ident) else None


@lru_cache(maxsize=None)
def _locale(ident: str) -> Locale:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(ident)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown language '{ident.replace('_', '-')}'") from None


def babel_locale(tag: str | Locale) -> Locale:
    """The Babel locale of a tag in any spelling (a Locale is returned as it is).
    ValueError for a tag CLDR does not know."""
    if not isinstance(tag, str):
        return tag
    return _locale(identifier(tag))


def region_tag(tag: str) -> str:
    """The tag with its likely region (CLDR likely subtags): ``uk`` -> ``uk-UA``,
    ``sr-Latn`` -> ``sr-Latn-RS``; a tag with a region is returned normalised."""
    from babel.core import get_global

    language, script, region, variants = _parts(tag)
    if region is None:
        likely = get_global("likely_subtags")
        found = likely.get(identifier(tag)) or likely.get(language)
        if found:
            region = _parts(found)[2]
    return "-".join(p for p in (language, script, region, *variants) if p)
