"""The catalogue commands: ``extract``, ``update``, ``stats`` and ``check``.

Three kinds of gettext domain: one per statement (``<slug>``), the template wording
(``templates``) and one per mission profile (``mission.<id>``). ``extract`` writes their
templates (.pot), ``update`` merges each template into every language that needs it
(msgmerge's rules, with a translation memory for statements), ``stats`` counts what is
translated and ``check`` runs the translation QA of :mod:`publisher.i18n.checks`.
Nothing here renders an output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .editions import Translator
from .errors import CatalogError, PublisherError, display_path, warning
from .log import log
from .project import (
    Missions, Project, mission_messages, read_statement, read_statements, wanted_languages,
    wording_languages,
)

if TYPE_CHECKING:
    from .i18n.checks import Problem


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

    missions = Missions(project)
    statements = read_statements(project, paths, missions)
    pots = [(project.pot(s.slug), statement_template(s, project.root)) for s in statements]
    pots.append((project.pot(TEMPLATES_DOMAIN),
                 templates_template(project.templates, project.root)))
    pots += [(project.pot(mission_domain(m.id)), mission_template(m, project.root))
             for m in missions.all()]
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

    missions = Missions(project)
    statements = read_statements(project, missions=missions)
    wanted = wanted_languages(languages)
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


# ---------------------------------------------------------------- stats, check

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

    wanted = wanted_languages(languages)
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
    missions = Missions(project)
    statements = read_statements(project, missions=missions)
    for s in statements:
        msgs = [(seg.msgid, seg.context) for seg in segments(s)]
        for lang in s.meta.languages:
            if lang != s.meta.original and (not wanted or lang in wanted):
                count(s.slug, lang, msgs, project.po(lang, s.slug))
    template_langs, mission_langs = wording_languages(statements, missions, wanted)
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

    wanted = set(wanted_languages(languages))
    chosen = set(editions) if editions is not None else None
    originals: dict[str, str] = {}
    missions_of: dict[str, str] = {}  # statement -> its mission's domain
    missions = Missions(project)
    for seed in sorted(project.seeds.glob("*.md")) if project.seeds.is_dir() else []:
        try:
            st = read_statement(seed, missions)
            originals[seed.stem] = st.meta.original
            missions_of[seed.stem] = mission_domain(st.meta.mission)
        except PublisherError as exc:
            log.warning("%s", warning(exc.code, f"{exc.message} (numbers checked as English)",
                                      exc.path, exc.line))
    problems: list[Problem] = []
    statements = set(originals) | {slug for slug, _ in chosen or ()}

    def read_by(chosen: set[tuple[str, str]], domain: str, lang: str) -> bool:
        """Whether an edition of ``chosen`` is made from the catalogue (domain, lang)."""
        if domain in statements:
            return (domain, lang) in chosen
        if is_mission_domain(domain):
            return any(lg == lang and missions_of.get(slug) == domain for slug, lg in chosen)
        return any(lg == lang for _, lg in chosen)  # the template wording
    for folder, domain, po in project.catalog_files():
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


