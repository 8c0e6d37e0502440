"""The project: its folders, its statements and its mission profiles.

A project is a folder with ``seeds/`` (statements), ``locales/`` (catalogues),
``templates/`` (letterhead, stylesheet, reference document, ``missions/``) and
``build/``. This module knows where each thing lives and reads statements and profiles
once, validated; it translates and renders nothing.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .errors import PublisherError, StatementError, TemplateError, display_path

if TYPE_CHECKING:  # the model is imported where it is used: a no-op build never needs it
    from .model import Mission, Statement


@dataclass(frozen=True)
class Project:
    """A publisher project folder: seeds/, locales/, templates/, build/."""

    root: Path

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def locales(self) -> Path:
        return self.root / "locales"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def missions(self) -> Path:
        return self.templates / "missions"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def pot(self, domain: str) -> Path:
        return self.locales / f"{domain}.pot"

    def po(self, lang: str, domain: str) -> Path:
        """``locales/<folder>/LC_MESSAGES/<domain>.po``; the folder is gettext's name of
        the language (``pt_BR``, ``sr@latin``)."""
        from .i18n.languages import folder

        return self.locales / folder(lang) / "LC_MESSAGES" / f"{domain}.po"

    def mission_path(self, mission_id: str) -> Path:
        return self.missions / f"{mission_id}.yaml"

    def catalog_files(self) -> list[tuple[str, str, Path]]:
        """(folder, domain, path) of every .po in the project, sorted."""
        return [(p.parent.parent.name, p.stem, p)
                for p in sorted(self.locales.glob("*/LC_MESSAGES/*.po"))]

    def statement_paths(self, paths: Iterable[str | os.PathLike[str]] = ()) -> list[Path]:
        chosen = [Path(p) for p in paths]
        if not chosen:
            if not self.seeds.is_dir():
                raise PublisherError("no seeds/ folder: nothing to build", self.root)
            chosen = sorted(self.seeds.glob("*.md"))
            if not chosen:
                raise PublisherError("no statements (*.md) in seeds/", self.seeds)
        for p in chosen:
            if not p.is_file():
                raise StatementError("statement not found", p)
        return chosen


# ---------------------------------------------------------------- statement names

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")
"""A statement's name (its file name without ``.md``): lower-case ASCII letters, digits
and hyphens, starting and ending with a letter or digit, at most 80 characters. The name
becomes a folder, file names, a gettext domain and links on the published index, so
nothing else is accepted."""


def check_slug(slug: str, path: str | os.PathLike[str]) -> None:
    """A statement's name is its output folder, file names and gettext domain: it must
    match :data:`SLUG` (so it never starts with the mission domains' ``mission.``) and may
    not be the template wording's domain."""
    from .i18n import TEMPLATES_DOMAIN

    if not SLUG.fullmatch(slug):
        raise StatementError(f"the statement's file name {slug!r} is not a valid name: use "
                             "lower-case letters, digits and hyphens (such as "
                             "fsc-pc-92-dprk.md), at most 80 characters", path)
    if slug == TEMPLATES_DOMAIN:
        raise StatementError(f"'{TEMPLATES_DOMAIN}' is reserved for the template wording", path)


def check_unique(slugs: Sequence[tuple[str, str]]) -> None:
    """(slug, path) pairs: two statements may not share a name."""
    names = [slug for slug, _ in slugs]
    for slug, path in slugs:
        if names.count(slug) > 1:
            raise StatementError(f"two statements share the name '{slug}'", path)
        check_slug(slug, path)


def wanted_languages(languages: Iterable[str]) -> list[str]:
    """Languages asked for on the command line, normalised (``pt_BR`` -> ``pt-BR``)."""
    from .i18n.languages import normalize

    wanted: list[str] = []
    for lang in languages:
        try:
            tag = normalize(lang)
        except ValueError as exc:
            raise PublisherError(str(exc)) from None
        if tag not in wanted:
            wanted.append(tag)
    return wanted


# ---------------------------------------------------------------- missions

class Missions:
    """Mission profiles, each read once, only from files inside ``templates/missions/``."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cache: dict[str, Mission] = {}

    def of(self, statement: Statement) -> Mission:
        """The profile a statement names (an error at its ``mission:`` line if none)."""
        mid = statement.meta.mission
        path = self.project.mission_path(mid)
        if not path.is_file():
            raise StatementError(f"unknown mission '{mid}': no profile at {display_path(path)}",
                                 statement.path, statement.meta.line_of("mission"))
        return self.read(path)

    def read(self, path: Path) -> Mission:
        from .readers.mission import read_mission

        if path.stem not in self._cache:
            self._confined(path)
            self._cache[path.stem] = read_mission(path)
        return self._cache[path.stem]

    def all(self) -> list[Mission]:
        return [self.read(p) for p in sorted(self.project.missions.glob("*.yaml"))]

    def _confined(self, path: Path) -> None:
        """A profile is read only if it is a file inside ``templates/missions/`` once links
        are resolved: a profile linked to a file elsewhere (``/proc/self/environ``) is an error."""
        folder = self.project.missions.resolve()
        real = path.resolve()
        if not real.is_relative_to(folder) or not real.is_file():
            raise TemplateError("a mission profile must be a file inside templates/missions/ "
                                "(this one links elsewhere)", path)


def mission_messages(mission: Mission) -> list[tuple[str, str | None]]:
    """(msgid, context) of a mission profile's translatable lines: its name and address."""
    return [(line, None) for line in (*mission.name_lines, *mission.address_lines)]


# ---------------------------------------------------------------- statements

def read_statement(path: str | os.PathLike[str], missions: Missions) -> Statement:
    """Read and validate one statement. A statement without ``languages:`` is published
    in its mission profile's languages (its original first), or in its original only
    when the profile names none."""
    from .readers.markdown import read_statement as read

    statement = read(path)
    check_slug(statement.slug, statement.path)
    meta = statement.meta
    mission = missions.of(statement)
    if meta.line_of("languages") is None and mission.languages:
        langs = (meta.original, *(lang for lang in mission.languages if lang != meta.original))
        statement = dataclasses.replace(statement, meta=dataclasses.replace(meta, languages=langs))
    return statement


def read_statements(project: Project, paths: Iterable[str | os.PathLike[str]] = (),
                    missions: Missions | None = None) -> list[Statement]:
    """Every statement asked for (default: every ``seeds/*.md``), validated."""
    missions = missions or Missions(project)
    statements = [read_statement(p, missions) for p in project.statement_paths(paths)]
    check_unique([(s.slug, s.path) for s in statements])
    return statements


def wording_languages(statements: list[Statement], missions: Missions, wanted: Sequence[str] = (),
                      ) -> tuple[set[str], dict[str, tuple[Mission, set[str]]]]:
    """The languages whose editions print the template wording, and for each mission the
    languages of its statements' editions: the catalogues those editions read besides
    their statement's. The templates' own language reads neither."""
    from .i18n import TEMPLATES_SOURCE

    template_langs: set[str] = set()
    mission_langs: dict[str, tuple[Mission, set[str]]] = {}
    for s in statements:
        mission = missions.of(s)
        for lang in s.meta.languages:
            if lang == TEMPLATES_SOURCE or (wanted and lang not in wanted):
                continue
            template_langs.add(lang)
            mission_langs.setdefault(mission.id, (mission, set()))[1].add(lang)
    return template_langs, mission_langs
