"""Read a mission profile: ``templates/missions/<id>.yaml``.

A profile says who is speaking: the lines of the mission's name on the letterhead, its
address, an optional emblem and the languages it publishes in by default. Every line
of name and address is a message of the profile's own gettext domain, ``mission.<id>``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import TemplateError
from ..model import Mission
from .markdown import language_tag, read_front_matter

KNOWN = ("name", "address", "languages", "emblem", "regional_formats")


def read_mission(path: str | os.PathLike[str]) -> Mission:
    path = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(f"mission profile '{Path(path).stem}' not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read mission profile: {exc}", path) from None
    values, lines = read_front_matter(text, path, known=KNOWN, offset=1,
                                      what="mission profile", error=TemplateError)

    def as_lines(key: str) -> tuple[str, ...]:
        v = values.get(key, [])
        return tuple(v) if isinstance(v, list) else (v,)

    name = as_lines("name")
    if not name:
        raise TemplateError("a mission profile needs a 'name' (one or more lines)", path, 1)
    emblem = values.get("emblem") or None
    if emblem is not None:
        emblem_path = Path(path).parent / emblem
        if not emblem_path.is_file():
            raise TemplateError(f"emblem image '{emblem}' not found", path, lines["emblem"])
        emblem = str(emblem_path)
    regional = []
    for code in as_lines("regional_formats"):
        tag = language_tag(code)
        if tag is None or "-" not in tag:
            raise TemplateError(f"regional format '{code}' must be a language with a region, "
                                "such as en-GB", path, lines["regional_formats"])
        regional.append(tag)
    languages = []
    for code in as_lines("languages"):
        tag = language_tag(code)
        if tag is None:
            raise TemplateError(f"unknown language code '{code}' (use a CLDR code such as en, "
                                "uk, fr, pt-BR, sr-Latn)", path, lines["languages"])
        if tag not in languages:
            languages.append(tag)
    refs = [(s, lines["name"]) for s in name]
    refs += [(s, lines["address"]) for s in as_lines("address")]
    return Mission(id=Path(path).stem, path=path, name_lines=name,
                   address_lines=as_lines("address"), languages=tuple(languages),
                   emblem=emblem, regional_formats=tuple(regional), lines=tuple(refs))
