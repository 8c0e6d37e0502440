"""Read a mission profile: ``templates/missions/<id>.yaml``.

A profile says who is speaking: the lines of the mission's name on the letterhead, its
address, an optional emblem and the languages it publishes in by default; and the
conventions of the organization it works at: the grammar its document symbols follow
(``symbols: osce | un | iaea``) and whether its pages carry "Page N of M" at the foot
(``page_footer: true``) besides the running head. Every line of name and address is a
message of the profile's own gettext domain, ``mission.<id>``.

A profile is not trusted: its emblem is embedded in every page the mission publishes,
so only a real image inside the profile's own folder is accepted (see
:mod:`publisher.readers.emblem`).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import TemplateError, shown
from ..model import Mission
from ..symbols import DEFAULT_GRAMMAR, GRAMMARS
from .emblem import check_emblem
from .markdown import language_tag, read_front_matter

KNOWN = ("name", "address", "languages", "emblem", "regional_formats", "symbols",
         "page_footer")
LISTS = ("name", "address", "languages", "regional_formats")
"""Keys that take one value or a list; ``emblem``, ``symbols`` and ``page_footer`` are
always one value."""
BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}

def read_mission(path: str | os.PathLike[str]) -> Mission:
    path = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(f"mission profile '{Path(path).stem}' not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read mission profile: {shown(str(exc), 120)}", path) from None
    values, lines = read_front_matter(text, path, known=KNOWN, offset=1,
                                      what="mission profile", error=TemplateError, lists=LISTS)

    def as_lines(key: str) -> tuple[str, ...]:
        v = values.get(key, [])
        found = tuple(v) if isinstance(v, list) else (v,)
        for item in found:
            if not item.strip():
                raise TemplateError(f"'{key}' has an empty line", path, lines[key])
            if "\n" in item.strip():
                raise TemplateError(f"each line of '{key}' must be one line (write a list "
                                    "of lines)", path, lines[key])
        return found

    name = as_lines("name")
    if not name:
        raise TemplateError("a mission profile needs a 'name' (one or more lines)", path, 1)
    address = as_lines("address")
    emblem = values.get("emblem") or None
    if emblem is not None:
        emblem = check_emblem(emblem, path, lines["emblem"])
    regional = []
    for code in as_lines("regional_formats"):
        tag = language_tag(code)
        if tag is None or "-" not in tag:
            raise TemplateError(f"regional format '{shown(code)}' must be a language with a "
                                "region, such as en-GB", path, lines["regional_formats"])
        regional.append(tag)
    languages = []
    for code in as_lines("languages"):
        tag = language_tag(code)
        if tag is None:
            raise TemplateError(f"unknown language code '{shown(code)}' (use a CLDR code such "
                                "as en, uk, fr, pt-BR, sr-Latn)", path, lines["languages"])
        if tag not in languages:
            languages.append(tag)
    symbols = (values.get("symbols") or DEFAULT_GRAMMAR).strip()
    if symbols not in GRAMMARS:
        raise TemplateError(f"'symbols' must be one of {', '.join(GRAMMARS)}, not "
                            f"'{shown(symbols)}' (the grammar of the organization's document "
                            "symbols)", path, lines["symbols"])
    footer = (values.get("page_footer") or "false").strip().lower()
    if footer not in BOOLEANS:
        raise TemplateError(f"'page_footer' must be true or false, not '{shown(footer)}'",
                            path, lines["page_footer"])
    refs = [(s, lines["name"]) for s in name]
    refs += [(s, lines["address"]) for s in address]
    return Mission(id=Path(path).stem, path=path, name_lines=name,
                   address_lines=address, languages=tuple(languages),
                   emblem=emblem, regional_formats=tuple(regional), symbols=symbols,
                   page_footer=BOOLEANS[footer], lines=tuple(refs))
