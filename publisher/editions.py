"""Editions: a statement in one language, with everything its outputs print.

:class:`Translator` reads each catalogue once and turns (statement, language) into an
:class:`~publisher.model.Edition`: the translated statement (fuzzy and unusable
translations keep the source text, with a warning), the masthead wording, the mission's
letterhead lines in that language, and the links every format may carry. Rendering is
the writers' job; deciding what to render is the build's.
"""

from __future__ import annotations

import datetime
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import __version__
from .errors import Diagnostic, warning
from .project import Missions, Project, mission_messages

if TYPE_CHECKING:
    from .i18n.po import Catalog
    from .model import Edition, Mission, RichText, Statement


def edition_timestamp(statement: Statement) -> datetime.datetime:
    """The only date written into output metadata: ``SOURCE_DATE_EPOCH``, or the day the
    statement was delivered."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    d = statement.meta.date
    return datetime.datetime(d.year, d.month, d.day, tzinfo=datetime.timezone.utc)


Messages = list[tuple[str, "str | None"]]
"""(msgid, msgctxt) pairs."""


class TemplateMessages(NamedTuple):
    """The template wording's messages and the digest of the sources they come from
    (kept in the build cache, so a rebuild need not extract them again)."""

    digest: str
    messages: tuple[tuple[str, str | None], ...]


class Translator:
    """Loads catalogues once and turns (statement, language) into an :class:`Edition`."""

    def __init__(self, project: Project, known: TemplateMessages | None = None,
                 missions: Missions | None = None) -> None:
        self.project = project
        self.missions = missions or Missions(project)
        self.known = known
        """The template messages a previous build found; replaced when out of date."""

    @cached_property
    def template_messages(self) -> Messages:
        """(msgid, msgctxt) of every template message, extracted from the sources.

        Extraction runs Babel's Jinja2 extractor over the templates. When
        ``locales/templates.pot`` was extracted from the same sources (its header records
        their digest), or :attr:`known` holds the result, that is read instead.
        """
        from .i18n.catalogs import (
            TEMPLATES_DOMAIN, pot_messages_if_current, templates_digest, templates_template,
        )

        digest = templates_digest(self.project.templates)
        if self.known is not None and self.known.digest == digest:
            return list(self.known.messages)
        messages = pot_messages_if_current(self.project.pot(TEMPLATES_DOMAIN), digest)
        if messages is None:
            cat = templates_template(self.project.templates, self.project.root)
            messages = [(m.id, m.context) for m in cat if m.id and isinstance(m.id, str)]
        self.known = TemplateMessages(digest, tuple(messages))
        return messages

    def catalog(self, lang: str, domain: str) -> tuple[Catalog | None, Path]:
        """The catalogue of ``domain`` in ``lang`` (None if it does not exist), its path."""
        from .i18n.catalogs import read_catalog

        po = self.project.po(lang, domain)
        return (read_catalog(po) if po.exists() else None), po

    @staticmethod
    def _format_locale(mission: Mission, lang: str) -> str:
        """The locale for dates: the mission's regional variant of ``lang`` if it has one."""
        for tag in mission.regional_formats:
            if tag.split("-")[0] == lang:
                return tag
        return lang

    def mission_strings(self, mission: Mission, lang: str) -> tuple[dict[str, str], list[Diagnostic]]:
        """The letterhead lines of ``mission`` in ``lang``, from its own catalogue
        (``mission.<id>``), with warnings about those lines only."""
        from .i18n import TEMPLATES_SOURCE, mission_domain
        from .i18n.translate import template_strings

        if lang == TEMPLATES_SOURCE:
            return {}, []
        cat, po = self.catalog(lang, mission_domain(mission.id))
        if cat is None:
            return {}, [warning("no-catalogue", f"{lang}: no catalogue; the letterhead of mission "
                                f"'{mission.id}' stays in the source language (run "
                                "`publisher update`)", po)]
        return template_strings(cat, mission_messages(mission), lang, po)

    @staticmethod
    def _safe_links(statement: Statement, lang: str, warnings: list[Diagnostic]) -> Statement:
        """The statement without the links no edition may carry (see :mod:`publisher.links`)."""
        from .i18n.segments import Segment, map_segments
        from .links import safe_links

        def one(seg: Segment, text: RichText) -> RichText:
            def report(href: str, why: str) -> None:
                shown = href if len(href) <= 60 else href[:59] + "…"
                warnings.append(warning("link", f"{lang}: link {shown!r} not published (its "
                                        f"text is kept): {why}", statement.path, seg.line))
            return safe_links(text, report)

        return map_segments(statement, one)

    def edition(self, statement: Statement, lang: str,
                warnings: list[Diagnostic]) -> tuple[Edition, float]:
        from .i18n import TEMPLATES_SOURCE, wording
        from .i18n.catalogs import TEMPLATES_DOMAIN
        from .i18n.translate import translate_statement, template_strings
        from .model import Alternate, Edition
        from .readers.markdown import parse_inline

        meta = statement.meta
        percent = 100.0
        used: list[str] = []
        if lang == meta.original:
            text = statement
        else:
            catalog, po = self.catalog(lang, statement.slug)
            text, cov = translate_statement(statement, catalog, lang, parse_inline, po)
            warnings.extend(cov.warnings)
            percent = cov.percent
            used += [str(po)] if catalog is not None else []
        text = self._safe_links(text, lang, warnings)
        if lang == TEMPLATES_SOURCE:
            strings: dict[str, str] = {}
        else:
            tcat, tpo = self.catalog(lang, TEMPLATES_DOMAIN)
            strings, tw = template_strings(tcat, self.template_messages, lang, tpo)
            warnings.extend(tw)
            used += [str(tpo)] if tcat is not None else []

        def _(message: str) -> str:
            return strings.get(message) or message

        mission = self.missions.of(statement)
        lines, mw = self.mission_strings(mission, lang)
        warnings.extend(mw)
        if lines:
            from .i18n import mission_domain

            used.append(str(self.project.po(lang, mission_domain(mission.id))))
        from dataclasses import replace
        mission = replace(mission,
                          name_lines=tuple(lines.get(x) or x for x in mission.name_lines),
                          address_lines=tuple(lines.get(x) or x for x in mission.address_lines))
        name_here = wording.upper(wording.language_name(lang, lang), lang)
        if len(meta.languages) == 1:
            language_line = _(wording.ONLY) % {"language": name_here}
            original_line = None
        else:
            language_line = name_here
            original_line = _(wording.ORIGINAL) % {
                "language": wording.upper(wording.language_name(meta.original, lang), lang)}
        alternates = tuple(
            Alternate(other, wording.language_name(other, other), f"{statement.slug}.{other}",
                      wording.region_tag(self._format_locale(mission, other)),
                      wording.direction(other))
            for other in meta.languages if other != lang)
        edition = Edition(
            statement=text, mission=mission, lang=lang,
            region_tag=wording.region_tag(self._format_locale(mission, lang)),
            direction=wording.direction(lang),
            language_name=wording.language_name(lang, lang),
            date_text=wording.long_date(meta.date, self._format_locale(mission, lang),
                                        *wording.date_overrides(strings, lang)),
            language_line=language_line, original_line=original_line,
            check_line=_(wording.CHECK) if meta.check_against_delivery else None,
            page_label=wording.page_parts(_(wording.PAGE)),
            strings=tuple(sorted(strings.items())),
            alternates=alternates,
            timestamp=edition_timestamp(statement), generator=f"publisher {__version__}",
            catalogues=tuple(used),
        )
        return edition, percent


