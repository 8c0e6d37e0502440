"""The one place the stages meet: read once, translate per language, write each format.

Commands in :mod:`publisher.cli` build an options object and call one function here.
Nothing in this module prints; warnings go to the ``publisher`` logger with a location,
and problems a user can fix are raised as :class:`~publisher.errors.PublisherError`.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from . import __version__
from .errors import CatalogError, PublisherError, StatementError, StrictModeError, display_path
from .fsutil import atomic_write
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model is imported where it is used: a no-op build never needs it
    from .i18n.checks import Problem
    from .i18n.po import Catalog
    from .model import Edition, Mission, RichText, Statement

log = logging.getLogger("publisher")

WORDING_MODULE = Path(__file__).parent / "i18n" / "wording.py"


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
        return self.templates / "missions" / f"{mission_id}.yaml"

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


def read_statements(project: Project, paths: Iterable[str | os.PathLike[str]] = ()) -> list[Statement]:
    from .readers.markdown import read_statement

    statements = [read_statement(p) for p in project.statement_paths(paths)]
    slugs = [s.slug for s in statements]
    for s in statements:
        if slugs.count(s.slug) > 1:
            raise StatementError(f"two statements share the name '{s.slug}'", s.path)
        _check_slug(s.slug, s.path)
    return statements


SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")
"""A statement's name (its file name without ``.md``): lower-case ASCII letters, digits
and hyphens, starting and ending with a letter or digit, at most 80 characters. The name
becomes a folder, file names, a gettext domain and links on the published index, so
nothing else is accepted."""


def _check_slug(slug: str, path: str) -> None:
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


def _wanted(languages: Iterable[str]) -> list[str]:
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


class Missions:
    """Mission profiles, each read once."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cache: dict[str, Mission] = {}

    def get(self, statement: Statement) -> Mission:
        from .readers.mission import read_mission

        mid = statement.meta.mission
        if mid not in self._cache:
            path = self.project.mission_path(mid)
            if not path.is_file():
                raise StatementError(f"unknown mission '{mid}': no profile at "
                                     f"{display_path(path)}", statement.path,
                                     statement.meta.line_of("mission"))
            self._confined(path)
            self._cache[mid] = read_mission(path)
        return self._cache[mid]

    def all(self) -> list[Mission]:
        from .readers.mission import read_mission

        folder = self.project.templates / "missions"
        paths = sorted(folder.glob("*.yaml"))
        for path in paths:
            self._confined(path)
        return [read_mission(p) for p in paths]

    def _confined(self, path: Path) -> None:
        """A profile is read only if it is a file inside ``templates/missions/`` once links
        are resolved: a profile linked to a file elsewhere (``/proc/self/environ``) is an error."""
        from .errors import TemplateError

        folder = (self.project.templates / "missions").resolve()
        real = path.resolve()
        if not real.is_relative_to(folder) or not real.is_file():
            raise TemplateError("a mission profile must be a file inside templates/missions/ "
                                "(this one links elsewhere)", path)


def mission_messages(mission: Mission) -> list[tuple[str, str | None]]:
    """(msgid, context) of a mission profile's translatable lines: its name and address."""
    return [(line, None) for line in (*mission.name_lines, *mission.address_lines)]


def wording_languages(statements: list[Statement], missions: Missions, wanted: Sequence[str] = (),
                      ) -> tuple[set[str], dict[str, tuple[Mission, set[str]]]]:
    """The languages whose editions print the template wording, and for each mission the
    languages of its statements' editions: the catalogues those editions read besides
    their statement's. The templates' own language reads neither."""
    from .i18n import TEMPLATES_SOURCE

    template_langs: set[str] = set()
    mission_langs: dict[str, tuple[Mission, set[str]]] = {}
    for s in statements:
        mission = missions.get(s)
        for lang in s.meta.languages:
            if lang == TEMPLATES_SOURCE or (wanted and lang not in wanted):
                continue
            template_langs.add(lang)
            mission_langs.setdefault(mission.id, (mission, set()))[1].add(lang)
    return template_langs, mission_langs


# ---------------------------------------------------------------- extract / update

@dataclass
class CatalogChange:
    path: Path
    action: str
    """``created``, ``updated`` or ``unchanged``."""


def extract(project: Project, paths: Iterable[str] = ()) -> list[CatalogChange]:
    """Write ``locales/<slug>.pot`` for each statement, ``locales/templates.pot`` and
    ``locales/mission.<id>.pot`` for each mission profile."""
    from .i18n import mission_domain
    from .i18n.catalogs import (
        TEMPLATES_DOMAIN, mission_template, statement_template, templates_template, write_catalog,
    )

    statements = read_statements(project, paths)
    pots = [(project.pot(s.slug), statement_template(s, project.root)) for s in statements]
    pots.append((project.pot(TEMPLATES_DOMAIN),
                 templates_template(project.templates, WORDING_MODULE, project.root)))
    pots += [(project.pot(mission_domain(m.id)), mission_template(m, project.root))
             for m in Missions(project).all()]
    changes = []
    for path, cat in pots:
        existed = path.exists()
        written = write_catalog(cat, path)
        changes.append(CatalogChange(path, ("updated" if existed else "created") if written
                                     else "unchanged"))
    return changes


def update(project: Project, languages: Iterable[str] = ()) -> list[CatalogChange]:
    """Merge every .pot into the .po of every language (creating missing ones).

    All catalogues are read and merged before any is written, so one broken .po stops
    the update with its file and line and nothing is overwritten.
    """
    from .i18n.catalogs import (
        TEMPLATES_DOMAIN, apply_memory, build_memory, merge, read_catalog, render_catalog,
        write_catalog,
    )

    from .i18n import TEMPLATES_SOURCE, is_mission_domain, mission_domain
    from .i18n import po as po_module
    from .i18n.languages import identifier
    from .i18n.wording import fill_overrides

    statements = read_statements(project)
    missions = Missions(project)
    wanted = _wanted(languages)
    plan: list[tuple[str, str]] = [(s.slug, lang) for s in statements
                                   for lang in s.meta.languages if lang != s.meta.original]
    template_langs, mission_langs = wording_languages(statements, missions)
    # A mission's catalogues: the languages of its statements and of its profile, only.
    for m in missions.all():
        mission_langs.setdefault(m.id, (m, set()))[1].update(
            set(m.languages) - {TEMPLATES_SOURCE})
    plan += [(TEMPLATES_DOMAIN, lang) for lang in sorted(template_langs)]
    plan += [(mission_domain(mid), lang) for mid in sorted(mission_langs)
             for lang in sorted(mission_langs[mid][1])]
    # Babel's spelling of each language (pt_BR, sr_Latn): Project.po and the merge take it.
    plan = [(domain, identifier(lang)) for domain, lang in plan if not wanted or lang in wanted]

    # Every catalogue of the project, read once: what is merged, and (all but the
    # missions') the translation memory of its language.
    errors: list[PublisherError] = []
    existing: dict[Path, po_module.Catalog] = {}
    for po in sorted(project.locales.glob("*/LC_MESSAGES/*.po")):
        try:
            existing[po] = read_catalog(po)
        except CatalogError as exc:
            errors.append(exc)
    memory: dict[str, list[tuple[Path, po_module.Catalog]]] = {}
    for po, cat in existing.items():
        if not is_mission_domain(po.stem):  # a mission's letterhead translates nothing else
            memory.setdefault(po.parent.parent.name, []).append((po, cat))
    merged = []
    templates: dict[str, po_module.Catalog] = {}
    for domain, lang in plan:
        pot = project.pot(domain)
        if not pot.exists():
            raise CatalogError("template not found; run `publisher extract` first", pot)
        po = project.po(lang, domain)
        if po.exists() and po not in existing:
            continue  # it does not parse: reported above
        try:
            if domain not in templates:
                templates[domain] = read_catalog(pot)
            merged.append((po, merge(templates[domain], existing.get(po), lang)))
        except CatalogError as exc:
            errors.append(exc)
    if errors:
        for other in errors[1:]:
            log.error("%s", other)
        raise errors[0]
    for po, cat in merged:
        if po.stem == TEMPLATES_DOMAIN:
            # The date-format overrides get the value used anyway: complete for msgfmt.
            fill_overrides(cat, po.parent.parent.name)
    for po, cat in merged:
        if po.stem == TEMPLATES_DOMAIN or is_mission_domain(po.stem):
            continue  # the memory fills statements only
        others = [(p.relative_to(project.root).as_posix(), c) for p, c in
                  memory.get(po.parent.parent.name, []) if p != po]
        exact, fuzzy = apply_memory(cat, build_memory(others))
        if exact or fuzzy:
            log.info("%s: translation memory filled %d exact and %d fuzzy", display_path(po),
                     exact, fuzzy)
    # Every file's bytes first (a translation its charset cannot hold stops here), then
    # the writes: nothing is half-updated.
    rendered = [(po, render_catalog(cat)) for po, cat in merged]
    changes = []
    for po, data in rendered:
        existed = po.exists()
        written = write_catalog(None, po, data)
        changes.append(CatalogChange(po, ("updated" if existed else "created") if written
                                     else "unchanged"))
    return changes


# ---------------------------------------------------------------- build

@dataclass
class BuildOptions:
    paths: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    strict: bool = False
    out_dir: Path | None = None
    pdf_variant: str = "pdf/ua-1"
    jobs: int = 0
    """Worker processes; 0 means one per core."""
    shard: str | None = None
    """``I/N``: build only the I-th of N deterministic slices of the matrix."""
    progress: Callable[[int, int, object], None] | None = None


PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b")


@dataclass
class Output:
    statement: str
    lang: str
    format: str
    path: Path
    size: int
    sha256: str


@dataclass
class BuildReport:
    outputs: list[Output] = field(default_factory=list)
    """Every requested output that exists after the build (built now or up to date)."""
    warnings: list[str] = field(default_factory=list)
    coverage: dict[tuple[str, str], float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    built: int = 0
    up_to_date: int = 0
    seconds: float = 0.0
    peak_worker_rss_mb: float = 0.0


def _timestamp(statement: Statement) -> datetime.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    d = statement.meta.date
    return datetime.datetime(d.year, d.month, d.day, tzinfo=datetime.timezone.utc)


class Translator:
    """Loads catalogues once and turns (statement, language) into an :class:`Edition`."""

    def __init__(self, project: Project, cache: dict[str, Any] | None = None) -> None:
        self.project = project
        self.missions = Missions(project)
        self.cache = cache

    @cached_property
    def template_messages(self) -> list[tuple[str, str | None]]:
        """(msgid, msgctxt) of every template message, extracted from the sources.

        Extraction runs Babel's Jinja2 extractor over the templates. When
        ``locales/templates.pot`` was extracted from the same sources (its header records
        their digest), or the build cache holds the result, that is read instead.
        """
        from .i18n.catalogs import (
            TEMPLATES_DOMAIN, pot_messages_if_current, templates_digest, templates_template,
        )

        digest = templates_digest(self.project.templates, WORDING_MODULE)
        known = self.cache.get("template_messages") if self.cache is not None else None
        if isinstance(known, dict) and known.get("digest") == digest:
            return [(m, c) for m, c in known["messages"]]
        messages = pot_messages_if_current(self.project.pot(TEMPLATES_DOMAIN), digest)
        if messages is None:
            cat = templates_template(self.project.templates, WORDING_MODULE, self.project.root)
            messages = [(m.id, m.context) for m in cat if m.id and isinstance(m.id, str)]
        if self.cache is not None:
            self.cache["template_messages"] = {"digest": digest, "messages": messages}
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

    def mission_strings(self, mission: Mission, lang: str) -> tuple[dict[str, str], list[str]]:
        """The letterhead lines of ``mission`` in ``lang``, from its own catalogue
        (``mission.<id>``), with warnings about those lines only."""
        from .i18n import TEMPLATES_SOURCE, mission_domain
        from .i18n.translate import template_strings

        if lang == TEMPLATES_SOURCE:
            return {}, []
        cat, po = self.catalog(lang, mission_domain(mission.id))
        if cat is None:
            return {}, [f"{display_path(po)}: warning: no catalogue for '{lang}'; the letterhead "
                        f"of mission '{mission.id}' stays in the source language "
                        "(run `publisher update`)"]
        return template_strings(cat, mission_messages(mission), lang, po)

    @staticmethod
    def _safe_links(statement: Statement, lang: str, warnings: list[str]) -> Statement:
        """The statement without the links no edition may carry (see :mod:`publisher.links`)."""
        from .i18n.segments import Segment, map_segments
        from .links import safe_links

        where = display_path(statement.path)

        def one(seg: Segment, text: RichText) -> RichText:
            def report(href: str, why: str) -> None:
                shown = href if len(href) <= 60 else href[:59] + "…"
                warnings.append(f"{where}:{seg.line}: warning: [{lang}] link {shown!r} not "
                                f"published (its text is kept): {why}")
            return safe_links(text, report)

        return map_segments(statement, one)

    def edition(self, statement: Statement, lang: str, warnings: list[str]) -> tuple[Edition, float]:
        from .i18n import TEMPLATES_SOURCE, wording
        from .i18n.catalogs import TEMPLATES_DOMAIN
        from .i18n.translate import translate_statement, template_strings
        from .model import Alternate, Edition
        from .readers.markdown import parse_inline

        meta = statement.meta
        percent = 100.0
        if lang == meta.original:
            text = statement
        else:
            catalog, po = self.catalog(lang, statement.slug)
            text, cov = translate_statement(statement, catalog, lang, parse_inline, po)
            warnings.extend(cov.warnings)
            percent = cov.percent
        text = self._safe_links(text, lang, warnings)
        if lang == TEMPLATES_SOURCE:
            strings: dict[str, str] = {}
        else:
            tcat, tpo = self.catalog(lang, TEMPLATES_DOMAIN)
            strings, tw = template_strings(tcat, self.template_messages, lang, tpo)
            warnings.extend(tw)

        def _(message: str) -> str:
            return strings.get(message) or message

        mission = self.missions.get(statement)
        lines, mw = self.mission_strings(mission, lang)
        warnings.extend(mw)
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
                      wording.region_tag(other), wording.direction(other))
            for other in meta.languages if other != lang)
        edition = Edition(
            statement=text, mission=mission, lang=lang, region_tag=wording.region_tag(lang),
            direction=wording.direction(lang),
            language_name=wording.language_name(lang, lang),
            date_text=wording.long_date(meta.date, self._format_locale(mission, lang),
                                        *wording.date_overrides(strings, lang)),
            language_line=language_line, original_line=original_line,
            check_line=_(wording.CHECK) if meta.check_against_delivery else None,
            page_label=wording.page_parts(_(wording.PAGE)),
            strings=tuple(sorted(strings.items())),
            basename=f"{statement.slug}.{lang}", alternates=alternates,
            timestamp=_timestamp(statement), generator=f"publisher {__version__}",
        )
        return edition, percent


def _texts(edition: Edition) -> Iterator[tuple[str, int | None]]:
    """Every piece of text an edition prints, with the statement line it comes from."""
    from .i18n.segments import map_segments

    found: list[tuple[str, int | None]] = []

    def collect(seg, text):  # type: ignore[no-untyped-def]
        found.append((text.plain, seg.line))
        return text

    map_segments(edition.statement, collect)
    yield from found
    for line in (edition.date_text, edition.language_line, edition.original_line,
                 edition.check_line, edition.statement.meta.symbol, *edition.mission.name_lines,
                 *edition.mission.address_lines, *(p.text for p in edition.page_label)):
        if line:
            yield line, None


def check_glyphs(edition: Edition) -> None:
    """Before rendering: every character must have a glyph in the PDF fonts."""
    import unicodedata

    from .writers.fonts import FAMILIES, missing_glyphs

    first_line: dict[str, int | None] = {}
    for text, line in _texts(edition):
        for ch in missing_glyphs(text):
            first_line.setdefault(ch, line)
    if first_line:
        chars = ", ".join(f"'{ch}' (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"
                          for ch in sorted(first_line))
        line = min((ln for ln in first_line.values() if ln), default=None)
        raise PublisherError(f"[{edition.lang}] no glyph in the PDF fonts ({', '.join(FAMILIES)}) "
                             f"for {chars}", edition.statement.path, line)


def _seed_summaries(project: Project, paths: list[Path],
                    cache: dict[str, Any]) -> tuple[list[dict[str, object]],
                                                                 dict[str, Statement]]:
    """What the build matrix needs of each statement (slug, languages, title, date).

    A statement whose bytes match the last build's is not parsed again: its summary comes
    from the cache, which is what makes a rebuild with nothing changed nearly free.
    Returns the summaries and the statements that had to be parsed.
    """
    known = cache.get("statements", {})
    summaries: list[dict[str, object]] = []
    parsed: dict[str, Statement] = {}
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        rec = known.get(str(path)) if isinstance(known, dict) else None
        if not (isinstance(rec, dict) and rec.get("sha256") == digest and "mission" in rec):
            from .readers.markdown import read_statement
            from .symbols import symbol_problem

            st = read_statement(path)
            parsed[st.slug] = st
            if not project.mission_path(st.meta.mission).is_file():
                raise StatementError(f"unknown mission '{st.meta.mission}': no profile at "
                                     f"{display_path(project.mission_path(st.meta.mission))}",
                                     st.path, st.meta.line_of("mission"))
            problem = symbol_problem(st.meta.symbol) if st.meta.symbol else None
            rec = {"sha256": digest, "slug": st.slug, "path": str(path),
                   "mission": st.meta.mission,
                   "languages": list(st.meta.languages), "original": st.meta.original,
                   "title": st.meta.title.plain, "date": st.meta.date.isoformat(),
                   "symbol_warning": (f"{display_path(st.path)}:{st.meta.line_of('symbol')}: "
                                      f"warning: {problem}") if problem else ""}
        summaries.append(rec)
    slugs = [str(r["slug"]) for r in summaries]
    for r in summaries:
        if slugs.count(str(r["slug"])) > 1:
            raise StatementError(f"two statements share the name '{r['slug']}'", str(r["path"]))
        _check_slug(str(r["slug"]), str(r["path"]))
    return summaries, parsed


def build(project: Project, options: BuildOptions) -> BuildReport:
    """Build every requested statement x language x format into ``build/<slug>/``.

    Only stale outputs are rendered (see :mod:`publisher.matrix`); a failed output is
    reported and the others are still built. Bad input and ``--strict`` warnings stop
    the build before anything is written.
    """
    from . import matrix
    from .writers import FORMATS

    started = time.perf_counter()
    options = dataclasses.replace(options, languages=_wanted(options.languages))
    formats = options.formats or list(FORMATS)
    paths = project.statement_paths(options.paths)
    out_root = options.out_dir or project.build_dir
    report = BuildReport()

    def waiting() -> None:
        log.warning("%s: warning: another build is writing here; waiting for it",
                    display_path(out_root))

    early = None
    if not (out_root / matrix.CACHE).exists():
        # Nothing was built here before, so everything will be: start the workers now,
        # while the statements are read and translated.
        early = _start_renderer(options, formats, len(paths) * 8 * len(formats))
    try:
        plan = _prepare(project, options, formats, paths, out_root, report, early)
    except BaseException:
        if early is not None:
            early.close()
        raise
    try:
        with matrix.build_lock(out_root, waiting):
            cache = matrix.load_cache(out_root)  # again: another build may have just finished
            _execute(project, options, plan, plan.summaries, cache, out_root, report)
    finally:
        if plan.renderer is not None:
            plan.renderer.close()
    report.seconds = time.perf_counter() - started
    return report


def _start_renderer(options: BuildOptions, formats: list[str], outputs: int) -> Any:
    from . import matrix

    workers = options.jobs or os.cpu_count() or 1
    if "pdf" in formats:
        matrix.prepare_fonts(workers, lambda text: log.warning("%s", text))
    return matrix.Renderer(min(workers, max(outputs, 1)), tuple(sorted(formats)))


def _prepare(project: Project, options: BuildOptions, formats: list[str], paths: list[Path],
             out_root: Path, report: BuildReport, early: Any) -> "_Plan":
    """Everything before the lock: read and validate the statements (bad input leaves the
    output folder untouched), find what is stale, translate what it needs."""
    from . import matrix

    cache = matrix.load_cache(out_root)
    summaries, parsed = _seed_summaries(project, paths, cache)
    if options.languages:
        known = {str(lang) for r in summaries for lang in r["languages"]}  # type: ignore[attr-defined]
        unknown = [lang for lang in options.languages if lang not in known]
        if unknown:
            raise PublisherError(f"no statement is published in {', '.join(unknown)} "
                                 f"(languages: {', '.join(sorted(known))})")
    report.warnings += [str(r["symbol_warning"]) for r in summaries if r["symbol_warning"]]
    _check_templates(project, formats)
    plan = _plan(project, options, formats, summaries, parsed, cache, out_root, report, early)
    plan.summaries = summaries
    return plan


def _check_templates(project: Project, formats: list[str]) -> None:
    """A missing template stops the build before anything is written."""
    from .errors import TemplateError

    needed = ["index.html"]
    if {"html", "pdf"} & set(formats):
        needed += ["statement.html", "statement.css"]
    if "docx" in formats:
        needed += ["reference.docx"]
    for name in needed:
        if not (project.templates / name).is_file():
            raise TemplateError(f"template '{name}' not found", project.templates)


@dataclass
class _Plan:
    units: list[Any]
    digests: dict[Any, str]
    stale: list[Any]
    editions: dict[tuple[str, str], Edition]
    edition_warnings: dict[tuple[str, str], list[str]]
    renderer: Any = None
    font_files: Any = None
    summaries: Any = None
    template_messages: Any = None


def _plan(project: Project, options: BuildOptions, formats: list[str],
          summaries: list[dict[str, object]], parsed: dict[str, Statement],
          cache: dict[str, Any], out_root: Path, report: BuildReport,
          early: Any = None) -> _Plan:
    """Decide what is stale and translate what it needs; writes nothing."""
    from . import matrix
    from .i18n import TEMPLATES_DOMAIN, mission_domain

    by_slug = {str(r["slug"]): r for r in summaries}
    units = [matrix.Unit(str(r["slug"]), lang, fmt) for r in summaries
             for lang in r["languages"]  # type: ignore[attr-defined]
             if not options.languages or lang in options.languages for fmt in formats]
    units = matrix.shard(units, options.shard)
    shared = {fmt: matrix.tree_digest(project.templates, fmt) for fmt in formats}
    fonts = matrix.fonts_digest(cache) if "pdf" in formats else ""
    digests: dict[matrix.Unit, str] = {}
    for u in units:
        inputs = [Path(str(by_slug[u.slug]["path"])), project.po(u.lang, u.slug),
                  project.po(u.lang, TEMPLATES_DOMAIN),
                  project.po(u.lang, mission_domain(str(by_slug[u.slug]["mission"])))]
        opts = f"pdf={options.pdf_variant}\0fonts={fonts}" if u.fmt == "pdf" else ""
        digests[u] = matrix.unit_digest(u, inputs, shared[u.fmt], opts)
    stale = [u for u in units
             if not matrix.is_fresh(cache.get(u.key()), digests[u], u.path(out_root))]
    renderer = early
    if not stale and renderer is not None:
        renderer.close()
        renderer = None
    elif stale and renderer is None:
        # Start the workers now: they load the engines while we translate.
        renderer = _start_renderer(options, sorted({u.fmt for u in stale}), len(stale))
    try:
        # Translate only the editions something stale needs; replay the others' warnings.
        translator = Translator(project, cache)
        editions: dict[tuple[str, str], Edition] = {}
        edition_warnings: dict[tuple[str, str], list[str]] = {}
        needed = {(u.slug, u.lang) for u in stale}
        first_unit: dict[tuple[str, str], matrix.Unit] = {}
        for u in units:
            first_unit.setdefault((u.slug, u.lang), u)
        for key, u in first_unit.items():
            if key in needed:
                warnings: list[str] = []
                if u.slug not in parsed:
                    from .readers.markdown import read_statement

                    parsed[u.slug] = read_statement(str(by_slug[u.slug]["path"]))
                edition, percent = translator.edition(parsed[u.slug], u.lang, warnings)
                editions[key] = dataclasses.replace(edition, pdf_variant=options.pdf_variant)
                report.coverage[key] = percent
                report.warnings += warnings
                edition_warnings[key] = warnings
            else:
                rec = cache[u.key()]
                report.coverage[key] = float(rec["completeness"])  # type: ignore[arg-type]
                report.warnings += list(rec.get("warnings", []))  # type: ignore[call-overload]
        for w in report.warnings:
            log.warning("%s", w)
        check_errors: list[Problem] = []
        if options.strict:
            # The release gate runs the translation QA of `publisher check` over the
            # catalogues of this build: what check calls an error fails it.
            check_errors = [p for p in check(project, (), {(u.slug, u.lang) for u in units})
                            if p.severity == "error"]
            for p in check_errors:
                log.error("%s", p.diagnostic())
        if options.strict and (report.warnings or check_errors):
            counts = [f"{len(check_errors)} translation check error(s)"] if check_errors else []
            counts += [f"{len(report.warnings)} warning(s)"] if report.warnings else []
            raise StrictModeError(f"{', '.join(counts)} and --strict: nothing was built")
        for key in sorted({(u.slug, u.lang) for u in stale if u.fmt == "pdf"}):
            check_glyphs(editions[key])
    except BaseException:
        if renderer is not None:
            renderer.close()
        raise
    return _Plan(units, digests, stale, editions, edition_warnings, renderer,
                 cache.get("font_files"), cache.get("template_messages"))


def _execute(project: Project, options: BuildOptions, plan: _Plan,
             summaries: list[dict[str, object]], cache: dict[str, Any],
             out_root: Path, report: BuildReport) -> None:
    """Render the stale outputs, then record them (cache, manifest, index)."""
    from . import matrix

    units, digests = plan.units, plan.digests
    editions, edition_warnings = plan.editions, plan.edition_warnings
    # A build we waited for may have made some of them meanwhile.
    stale = [u for u in plan.stale
             if not matrix.is_fresh(cache.get(u.key()), digests[u], u.path(out_root))]
    jobs = [matrix.Job(u, editions[(u.slug, u.lang)], project.templates, u.path(out_root))
            for u in stale]
    done_count = 0

    def done(result: matrix.Result) -> None:
        nonlocal done_count
        done_count += 1
        if result.error:
            log.error("%s: error: %s", display_path(result.path), result.error)
        else:
            log.info("wrote %s", display_path(result.path))
        if options.progress:
            options.progress(done_count, len(jobs), result)

    # The index page is made while the workers render, assuming every output succeeds.
    index: dict[str, bytes] = {}

    def prepare_index() -> None:
        index["html"] = render_index_page(project, summaries, out_root,
                                          {u.key() for u in units})

    if jobs:
        matrix.retract_manifest(out_root)  # until it is written again below
    results = plan.renderer.run(jobs, done, prepare_index) if plan.renderer and jobs else []
    for r in results:
        if r.error:
            report.failed.append(f"{display_path(r.path)}: {r.error}")
            cache.pop(r.unit.key(), None)
            continue
        cache[r.unit.key()] = {
            "digest": digests[r.unit], "size": r.size, "mtime_ns": r.mtime_ns,
            "sha256": r.sha256, "statement": r.unit.slug, "lang": r.unit.lang,
            "format": r.unit.fmt, "completeness": round(report.coverage[(r.unit.slug,
                                                                          r.unit.lang)], 1),
            "warnings": edition_warnings.get((r.unit.slug, r.unit.lang), []),
        }
        report.peak_worker_rss_mb = max(report.peak_worker_rss_mb, r.peak_rss_mb)
    report.built = len(results) - len(report.failed)
    report.up_to_date = len(units) - len(stale)
    for u in units:
        rec = cache.get(u.key())
        if rec:
            report.outputs.append(Output(u.slug, u.lang, u.fmt, u.path(out_root),
                                         int(rec["size"]), str(rec["sha256"])))  # type: ignore[call-overload]
    cache["statements"] = {str(r["path"]): r for r in summaries}
    if plan.font_files:
        cache["font_files"] = plan.font_files
    if plan.template_messages:
        cache["template_messages"] = plan.template_messages
    if results or cache != matrix.load_cache(out_root):
        matrix.save_cache(out_root, cache)
    matrix.write_manifest(out_root, cache)
    if results or not (out_root / "index.html").exists():
        if "html" in index and not report.failed:
            atomic_write(out_root / "index.html", index["html"])
        else:
            write_index(project, summaries, out_root)


def write_index(project: Project, summaries: list[dict[str, object]], out_root: Path) -> Path:
    """``build/index.html`` linking every output of every statement found on disk."""
    path = out_root / "index.html"
    atomic_write(path, render_index_page(project, summaries, out_root))
    return path


def render_index_page(project: Project, summaries: list[dict[str, object]], out_root: Path,
                      coming: set[str] | None = None) -> bytes:
    """The index page's bytes; ``coming`` names outputs that will exist once rendered."""
    from urllib.parse import quote

    from .i18n import wording
    from .writers import FORMATS
    from .writers.index import write_index as render_index

    entries = []
    for s in summaries:
        slug, original = str(s["slug"]), str(s["original"])
        rows = []
        for lang in s["languages"]:  # type: ignore[attr-defined]
            files = {fmt: quote(f"{slug}/{slug}.{lang}.{fmt}") for fmt in FORMATS
                     if f"{slug}/{slug}.{lang}.{fmt}" in (coming or ())
                     or (out_root / slug / f"{slug}.{lang}.{fmt}").is_file()}
            rows.append({"lang": lang, "name": wording.language_name(lang, lang),
                         "dir": wording.direction(lang), "files": files})
        entries.append({"slug": slug, "title": s["title"],
                        "date": datetime.date.fromisoformat(str(s["date"])),
                        "lang": original, "dir": wording.direction(original), "rows": rows})
    return render_index(project.templates, entries, list(FORMATS), f"publisher {__version__}")


# ---------------------------------------------------------------- stats, check, review

def _catalog_files(project: Project) -> list[tuple[str, str, Path]]:
    """(language, domain, path) of every .po in the project, sorted."""
    return [(p.parent.parent.name, p.stem, p)
            for p in sorted(project.locales.glob("*/LC_MESSAGES/*.po"))]


@dataclass
class StatRow:
    statement: str
    lang: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    words: int
    translated_words: int
    fuzzy_words: int
    untranslated_words: int

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    def as_dict(self) -> dict[str, object]:
        d = dict(self.__dict__)
        d["percent"] = round(self.percent, 1)
        return d


def stats(project: Project, languages: Iterable[str] = ()) -> list[StatRow]:
    """Completeness of every statement, the template wording and each mission's lines in
    every language an edition uses them in."""
    from .i18n import mission_domain
    from .i18n.catalogs import TEMPLATES_DOMAIN, read_catalog
    from .i18n.segments import segments

    wanted = _wanted(languages)
    rows: list[StatRow] = []

    def count(name: str, lang: str, messages: list[tuple[str, str | None]], po: Path) -> None:
        cat = read_catalog(po) if po.exists() else None
        row = StatRow(name, lang, *([0] * 8))
        for msgid, ctx in dict.fromkeys(messages):
            words = len(msgid.split())
            m = cat.get(msgid, ctx) if cat is not None else None
            state = ("untranslated" if m is None or not m.string else
                     "fuzzy" if m.fuzzy else "translated")
            row.total += 1
            row.words += words
            setattr(row, state, getattr(row, state) + 1)
            setattr(row, f"{state}_words", getattr(row, f"{state}_words") + words)
        rows.append(row)

    # Each edition's domains: its statement's, and (unless it is in the templates' own
    # language) the template wording and its own mission's lines.
    statements = read_statements(project)
    for s in statements:
        msgs = [(seg.msgid, seg.context) for seg in segments(s)]
        for lang in s.meta.languages:
            if lang != s.meta.original and (not wanted or lang in wanted):
                count(s.slug, lang, msgs, project.po(lang, s.slug))
    template_langs, mission_langs = wording_languages(statements, Missions(project), wanted)
    # Every template message counts, the date-format overrides too (update fills them):
    # the same count as msgfmt --statistics.
    tmessages = Translator(project).template_messages
    for lang in sorted(template_langs):
        count(TEMPLATES_DOMAIN, lang, tmessages, project.po(lang, TEMPLATES_DOMAIN))
    for mid, (mission, langs) in sorted(mission_langs.items()):
        for lang in sorted(langs):
            count(mission_domain(mid), lang, mission_messages(mission),
                  project.po(lang, mission_domain(mid)))
    return rows


def check(project: Project, languages: Iterable[str] = (),
          editions: Iterable[tuple[str, str]] | None = None) -> list[Problem]:
    """Translation QA over every catalogue; returns every problem found (none raised).

    ``editions`` ((statement, language) pairs) limits it to the catalogues those editions
    are made from: each one's statement catalogue, the wording catalogue (templates) of its
    language and its own mission's catalogue. ``publisher check`` checks every catalogue;
    ``build --strict`` the ones it builds from, with the same checks and the same ignore
    comments.
    """
    from .i18n import TEMPLATES_DOMAIN, is_mission_domain, mission_domain
    from .i18n.catalogs import read_catalog
    from .i18n.checks import ERROR, Problem, check_catalog
    from .i18n.languages import known, normalize
    from .readers.markdown import parse_inline

    wanted = set(_wanted(languages))
    chosen = set(editions) if editions is not None else None
    originals: dict[str, str] = {}
    missions: dict[str, str] = {}  # statement -> its mission's domain
    for seed in sorted(project.seeds.glob("*.md")) if project.seeds.is_dir() else []:
        try:
            st = read_statements(project, [seed])[0]
            originals[seed.stem] = st.meta.original
            missions[seed.stem] = mission_domain(st.meta.mission)
        except PublisherError as exc:
            log.warning("%s: warning: %s (numbers checked as English)", exc.location, exc.message)
    problems: list[Problem] = []
    statements = set(originals) | {slug for slug, _ in chosen or ()}

    def read_by(chosen: set[tuple[str, str]], domain: str, lang: str) -> bool:
        """Whether an edition of ``chosen`` is made from the catalogue (domain, lang)."""
        if domain in statements:
            return (domain, lang) in chosen
        if is_mission_domain(domain):
            return any(lg == lang and missions.get(slug) == domain for slug, lg in chosen)
        return any(lg == lang for _, lg in chosen)  # the template wording
    for folder, domain, po in _catalog_files(project):
        try:
            lang = normalize(folder)  # sr@latin -> sr-Latn
        except ValueError:
            lang = folder
        if wanted and lang not in wanted:
            continue
        if chosen is not None and not read_by(chosen, domain, lang):
            continue
        if known(folder) is None:
            problems.append(Problem(display_path(po) or str(po), None, "language", ERROR,
                                    f"'locales/{folder}' is not a language CLDR knows (name the "
                                    "folder with a code such as uk, pt_BR or sr@latin)"))
            continue
        try:
            cat = read_catalog(po)
        except CatalogError as exc:
            problems.append(Problem(display_path(po) or str(po), exc.line, "syntax", ERROR,
                                    exc.message))
            continue
        problems += check_catalog(cat, po, folder, originals.get(domain, "en"),
                                  lambda text: parse_inline(text),
                                  python_format=domain == TEMPLATES_DOMAIN)
    return problems


@dataclass
class ReviewOptions:
    lang: str
    paths: list[str] = field(default_factory=list)
    out_dir: Path | None = None


def review(project: Project, options: ReviewOptions) -> list[Path]:
    """Write ``build/review/<slug>.<lang>.review.{html,pdf}`` for every statement in LANG."""
    from .i18n import wording
    from .i18n.translate import translate_statement
    from .readers.markdown import parse_inline
    from .writers.review import write_review

    options = dataclasses.replace(options, lang=_wanted([options.lang])[0])
    statements = [s for s in read_statements(project, options.paths)
                  if options.lang in s.meta.languages and options.lang != s.meta.original]
    if not statements:
        raise PublisherError(f"no statement is translated into '{options.lang}'")
    translator = Translator(project)
    out_root = options.out_dir or project.build_dir / "review"
    written: list[Path] = []
    for s in statements:
        catalog, po = translator.catalog(options.lang, s.slug)
        _, cov = translate_statement(s, catalog, options.lang, parse_inline, po)
        extra = {
            "slug": s.slug, "source_lang": s.meta.original, "target_lang": options.lang,
            "source_name": wording.language_name(s.meta.original, "en"),
            "target_name": wording.language_name(options.lang, "en"),
            "dir": wording.direction(options.lang), "generator": f"publisher {__version__}",
            "counts": {"total": len(cov.rows), **{k: sum(r.status == k for r in cov.rows) for k in
                       ("translated", "fuzzy", "untranslated", "invalid")}},
        }
        html, pdf = write_review(project.templates, cov.rows, extra, _timestamp(s))
        for data, ext in ((html, "html"), (pdf, "pdf")):
            path = out_root / f"{s.slug}.{options.lang}.review.{ext}"
            atomic_write(path, data)
            written.append(path)
    return written


def proof(project: Project, out_dir: Path | None = None) -> Path:
    """``build/proof.png``: page 1 of every built PDF on one contact sheet."""
    from .writers.fonts import label_font
    from .writers.proof import contact_sheet

    out_root = out_dir or project.build_dir
    pdfs: list[tuple[str, Path]] = []
    for s in read_statements(project):
        for lang in s.meta.languages:
            pdf = out_root / s.slug / f"{s.slug}.{lang}.pdf"
            if pdf.is_file():
                pdfs.append((f"{s.slug} · {lang}", pdf))
    if not pdfs:
        raise PublisherError("no PDF to proof: run `publisher build` first", out_root)
    path = out_root / "proof.png"
    atomic_write(path, contact_sheet(pdfs, label_font()))
    return path
