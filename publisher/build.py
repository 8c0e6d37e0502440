"""The build: plan which outputs are stale, render them, record what was written.

1. **Plan** (before the lock; writes nothing): read each statement (or its summary from
   the cache when its bytes and its mission profile are unchanged), list the outputs
   asked for, hash each one's inputs, and translate only the editions a stale output
   needs. Bad input, a missing template and ``--strict`` problems stop here.
2. **Render** (under ``build/.publisher.lock``): the stale outputs go to a
   :class:`BuildSession`, which owns the worker pool for its whole life.
3. **Record**: the cache, ``manifest.json`` and ``index.html``.

The matrix mechanics (digests, cache file, lock, manifest, workers) are in
:mod:`publisher.matrix`; editions are made by :mod:`publisher.editions`.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

from . import __version__, matrix
from .errors import (
    Diagnostic, PublisherError, StrictModeError, TemplateError, display_path, warning,
)
from .fsutil import atomic_write
from .matrix import BuildCache, OutputRecord, StatementSummary, Unit
from .project import Missions, Project, check_unique, read_statement, wanted_languages
from .writers import FORMATS, PDF_VARIANTS, SUBSET_VERSION
from .log import log

if TYPE_CHECKING:
    from .editions import TemplateMessages
    from .model import Edition, Statement


@dataclass
class BuildOptions:
    paths: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    strict: bool = False
    out_dir: Path | None = None
    pdf_variant: str = PDF_VARIANTS[0]
    jobs: int = 0
    """Worker processes; 0 means one per core."""
    shard: str | None = None
    """``I/N``: build only the I-th of N deterministic slices of the matrix."""
    progress: Callable[[int, int, matrix.Result], None] | None = None


class Output(NamedTuple):
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
    warnings: list[Diagnostic] = field(default_factory=list)
    coverage: dict[tuple[str, str], float] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    """Every output that was not made, and why (the JSON summary lists them)."""
    built: int = 0
    up_to_date: int = 0
    seconds: float = 0.0
    peak_worker_rss_mb: float = 0.0

    @property
    def failed(self) -> list[str]:
        """One line per failed output: its path, then the problem."""
        return [f"{display_path(f.path)}: {f.error}" for f in self.failures]


class Failure(NamedTuple):
    """An output that was not made, and why (one line, with the file and line to fix)."""

    statement: str
    lang: str
    format: str
    path: Path
    error: str


EditionKey = tuple[str, str]
"""(statement slug, language)."""


class BuildPlan(NamedTuple):
    """What the build will do, decided before the lock is taken."""

    summaries: list[StatementSummary]
    units: list[Unit]
    """Every output asked for."""
    digests: dict[Unit, str]
    stale: list[Unit]
    """The outputs to render."""
    failed: dict[Unit, str]
    """Outputs that cannot be made, found before rendering (a catalogue that does not
    read, a character no PDF font has): only these fail, the rest is built."""
    editions: dict[EditionKey, Edition]
    """The editions the stale outputs need."""
    edition_warnings: dict[EditionKey, list[Diagnostic]]
    font_files: list[str]
    template_messages: TemplateMessages | None
    formats: list[str]
    """The formats asked for (a web page links to the others)."""


class BuildSession:
    """The worker pool's whole life: started while the build plans, with no more workers
    than it has outputs, closed in one place when the session ends."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs or os.cpu_count() or 1
        self.renderer: matrix.Renderer | None = None

    def __enter__(self) -> BuildSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prestart(self, formats: list[str], outputs: int) -> None:
        """A first build (nothing built yet, so everything is stale): start the workers
        for about ``outputs`` outputs before the statements are even read."""
        if self.renderer is None and matrix.engine_to_load(formats):
            # The workers only import the engines until there is work, so they need not
            # wait for the font instances; those are made meanwhile.
            engines = sum(1 for fmt in formats if fmt in matrix.ENGINE_FORMATS)
            workers_outputs = outputs * engines // len(formats)
            self.renderer = matrix.Renderer(min(self.workers, workers_outputs),
                                            tuple(sorted(formats)))
            self.renderer.engage(workers_outputs)
            self._prepare_fonts()
            pdfs = outputs // len(formats) if "pdf" in formats else 0
            self.renderer.engage(workers_outputs, pdfs)

    def start(self, stale: list[Unit]) -> None:
        """Start the workers for these outputs now, so they load the engines while the
        editions are translated; or stop those started too early (nothing is stale)."""
        if not stale:
            self.close()
            return
        engine_outputs = sum(1 for u in stale if u.fmt in matrix.ENGINE_FORMATS)
        if self.renderer is None:
            self._renderer(tuple(sorted({u.fmt for u in stale})), engine_outputs)
        assert self.renderer is not None
        self.renderer.engage(engine_outputs, sum(1 for u in stale if u.fmt == "pdf"))

    def _renderer(self, formats: tuple[str, ...], outputs: int) -> None:
        self._prepare_fonts()
        self.renderer = matrix.Renderer(min(self.workers, outputs), formats)

    def _prepare_fonts(self) -> None:
        # Every format embeds the PDF's faces (web page and DOCX as subsets of them).
        matrix.prepare_fonts(self.workers, lambda text: log.warning("%s", text))

    def render(self, jobs: list[matrix.Job], done: Callable[[matrix.Result], None],
               meanwhile: Callable[[], None]) -> list[matrix.Result]:
        if not jobs:
            meanwhile()
            return []
        self.start([job.unit for job in jobs])
        assert self.renderer is not None
        return self.renderer.run(jobs, done, meanwhile)

    def close(self) -> None:
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None


def build(project: Project, options: BuildOptions) -> BuildReport:
    """Build every requested statement x language x format into ``build/<slug>/``.

    Only stale outputs are rendered (see :mod:`publisher.matrix`). A problem in one
    edition (its catalogue does not read, a character its PDF fonts lack, a writer
    fails) fails only the outputs it affects: every such problem is reported and the
    others are still built. A statement that does not read, a missing template and
    ``--strict`` warnings stop the build before anything is written.
    """
    started = time.perf_counter()
    options = dataclasses.replace(options, languages=wanted_languages(options.languages))
    formats = options.formats or list(FORMATS)
    paths = project.statement_paths(options.paths)
    out_root = options.out_dir or project.build_dir
    report = BuildReport()

    def waiting() -> None:
        log.warning("%s: warning: another build is writing here; waiting for it",
                    display_path(out_root))

    with BuildSession(options.jobs) as session:
        plan = _plan(project, options, formats, paths, out_root, report, session)
        with matrix.build_lock(out_root, waiting):
            cache = BuildCache.load(out_root)  # again: another build may have just finished
            _render_and_record(project, options, plan, cache, out_root, report, session)
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------- plan

def summarize(project: Project, paths: list[Path], cache: BuildCache,
              missions: Missions) -> tuple[list[StatementSummary], dict[str, Statement]]:
    """What the build matrix needs of each statement, and the statements it had to parse.

    A statement whose bytes and mission profile are unchanged since the last build is
    not parsed again: its summary comes from the cache, which is what makes a rebuild
    with nothing changed nearly free."""
    summaries: list[StatementSummary] = []
    parsed: dict[str, Statement] = {}
    profiles: dict[str, str] = {}

    def profile_digest(mission: str) -> str:
        """The SHA-256 of a mission profile, read once per build ("" if it has none)."""
        if mission not in profiles:
            found = matrix.file_digest(project.mission_path(mission))
            profiles[mission] = found[1] if found else ""
        return profiles[mission]

    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        known = cache.statements.get(str(path))
        if (known is not None and known.sha256 == digest
                and known.mission_sha256 == profile_digest(known.mission)):
            summaries.append(known)
            continue
        from .symbols import symbol_problem  # here: a statement unchanged needs none

        st = read_statement(path, missions)
        parsed[st.slug] = st
        grammar = missions.of(st).symbols  # the organization the mission works at
        problem = symbol_problem(st.meta.symbol, grammar) if st.meta.symbol else None
        summaries.append(StatementSummary(
            path=str(path), sha256=digest, slug=st.slug, mission=st.meta.mission,
            mission_sha256=profile_digest(st.meta.mission),
            languages=st.meta.languages, original=st.meta.original, title=st.meta.title.plain,
            date=st.meta.date.isoformat(),
            symbol_warning=warning("symbol", problem, st.path, st.meta.line_of("symbol"))
            if problem else None))
    check_unique([(s.slug, s.path) for s in summaries])
    return summaries, parsed


def _check_templates(project: Project, formats: list[str]) -> None:
    """A missing template stops the build before anything is written."""
    needed = ["index.html"]
    if {"html", "pdf"} & set(formats):
        needed += ["statement.html", "statement.css"]
    if "docx" in formats:
        needed += ["reference.docx"]
    for name in needed:
        if not (project.templates / name).is_file():
            raise TemplateError(f"template '{name}' not found", project.templates)


def _plan(project: Project, options: BuildOptions, formats: list[str], paths: list[Path],
          out_root: Path, report: BuildReport, session: BuildSession) -> BuildPlan:
    """Everything before the lock: read and validate the statements (bad input leaves the
    output folder untouched), find what is stale, translate what it needs."""
    from .editions import Translator
    from .i18n import TEMPLATES_DOMAIN, mission_domain

    cache = BuildCache.load(out_root)
    if not cache.outputs:  # a first build: every output will be made
        languages = len(options.languages) or session.workers  # at least: keep all busy
        session.prestart(formats, len(paths) * languages * len(formats))
    missions = Missions(project)
    summaries, parsed = summarize(project, paths, cache, missions)
    if options.languages:
        known = {lang for s in summaries for lang in s.languages}
        unknown = [lang for lang in options.languages if lang not in known]
        if unknown:
            raise PublisherError(f"no statement is published in {', '.join(unknown)} "
                                 f"(languages: {', '.join(sorted(known))})")
    report.warnings += [s.symbol_warning for s in summaries if s.symbol_warning is not None]
    _check_templates(project, formats)

    by_slug = {s.slug: s for s in summaries}
    units = [Unit(s.slug, lang, fmt) for s in summaries for lang in s.languages
             if not options.languages or lang in options.languages for fmt in formats]
    units = matrix.shard(units, options.shard)
    shared = {fmt: matrix.tree_digest(project.templates, fmt) for fmt in formats}
    fonts, font_files = matrix.fonts_digest(cache.font_files)  # every format embeds them
    links = html_links(formats)
    digests: dict[Unit, str] = {}
    read: dict[Path, bytes] = {}  # each input file read once
    for u in units:
        s = by_slug[u.slug]
        inputs = [Path(s.path), project.po(u.lang, u.slug), project.po(u.lang, TEMPLATES_DOMAIN),
                  project.po(u.lang, mission_domain(s.mission))]
        opts = {"pdf": f"pdf={options.pdf_variant}\0fonts={fonts}",
                "html": f"links={links}\0fonts={fonts}\0subsets={SUBSET_VERSION}",
                "docx": f"fonts={fonts}\0subsets={SUBSET_VERSION}"}.get(u.fmt, "")
        digests[u] = matrix.unit_digest(u, inputs, shared[u.fmt], opts, read)
    stale = [u for u in units
             if not matrix.is_fresh(cache.outputs.get(u.key()), digests[u], u.path(out_root))]
    session.start(stale)  # the workers load the engines while we translate

    # Translate only the editions something stale needs; replay the others' warnings.
    translator = Translator(project, cache.template_messages, missions)
    editions: dict[EditionKey, Edition] = {}
    edition_warnings: dict[EditionKey, list[Diagnostic]] = {}
    needed = {(u.slug, u.lang) for u in stale}
    failed: dict[Unit, str] = {}
    first: dict[EditionKey, Unit] = {}
    for u in units:
        first.setdefault((u.slug, u.lang), u)
    for key, unit in first.items():
        slug, lang = key
        if key in needed:
            warnings: list[Diagnostic] = []
            if slug not in parsed:
                parsed[slug] = read_statement(by_slug[slug].path, missions)
            try:
                editions[key], report.coverage[key] = translator.edition(parsed[slug], lang,
                                                                         warnings)
            except PublisherError as exc:  # this edition's catalogues: only its outputs fail
                problem = str(exc.diagnostic())
                failed.update((u, problem) for u in stale if (u.slug, u.lang) == key)
                continue
            report.warnings += warnings
            edition_warnings[key] = warnings
        else:
            rec = cache.outputs[unit.key()]  # fresh, so recorded
            report.coverage[key] = rec.completeness
            report.warnings += rec.warnings
    for w in report.warnings:
        log.warning("%s", w)
    _release_gate(project, options, units, report)
    failed.update(_preflight([u for u in stale if u not in failed], editions))
    for problem in dict.fromkeys(failed.values()):  # each once, however many outputs it fails
        log.error("%s", problem)
    return BuildPlan(summaries, units, digests, [u for u in stale if u not in failed], failed,
                     editions, edition_warnings, font_files, translator.known, formats)


def html_links(formats: list[str]) -> str:
    """The web page's variant: the other formats this build makes for each edition (the
    page links to them), space-separated in registry order. A build of HTML alone links
    to nothing, so no page points at a file that was not made."""
    return " ".join(f for f in FORMATS if f in formats and f != "html")


def _release_gate(project: Project, options: BuildOptions, units: list[Unit],
                  report: BuildReport) -> None:
    """``--strict``: any warning, or any error ``publisher check`` finds in the catalogues
    this build reads, stops the build before anything is written."""
    if not options.strict:
        return
    from .translations import check

    check_errors = [p for p in check(project, (), {(u.slug, u.lang) for u in units})
                    if p.severity == "error"]
    for p in check_errors:
        log.error("%s", p)
    if report.warnings or check_errors:
        counts = [f"{len(check_errors)} translation check error(s)"] if check_errors else []
        counts += [f"{len(report.warnings)} warning(s)"] if report.warnings else []
        raise StrictModeError(f"{', '.join(counts)} and --strict: nothing was built")


def _preflight(stale: list[Unit], editions: dict[EditionKey, Edition]) -> dict[Unit, str]:
    """Each format's own check of the editions it will render (the PDF fonts' glyphs):
    the outputs that would fail, and why."""
    from .writers import preflight

    failed: dict[Unit, str] = {}
    for unit in sorted(set(stale), key=Unit.key):
        try:
            preflight(unit.fmt, editions[(unit.slug, unit.lang)])
        except PublisherError as exc:
            failed[unit] = str(exc.diagnostic())
    return failed


# ---------------------------------------------------------------- render and record

def _render_and_record(project: Project, options: BuildOptions, plan: BuildPlan,
                       cache: BuildCache, out_root: Path, report: BuildReport,
                       session: BuildSession) -> None:
    """Render the stale outputs, then record them (cache, manifest, index)."""
    # A build we waited for may have made some of them meanwhile.
    stale = [u for u in plan.stale
             if not matrix.is_fresh(cache.outputs.get(u.key()), plan.digests[u], u.path(out_root))]
    variant = {"pdf": options.pdf_variant, "html": html_links(plan.formats)}
    jobs = [matrix.Job(u, plan.editions[(u.slug, u.lang)], project.templates, u.path(out_root),
                       variant.get(u.fmt, "")) for u in stale]
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
    index: list[bytes] = []

    def prepare_index() -> None:
        index.append(index_page(project, plan.summaries, out_root, {u.key() for u in plan.units}))

    if jobs or plan.failed:
        matrix.retract_manifest(out_root)  # until it is written again below
    results = session.render(jobs, done, prepare_index if jobs else lambda: None)
    failures = [(u, error) for u, error in sorted(plan.failed.items(), key=lambda f: f[0].key())]
    failures += [(r.unit, r.error) for r in results if r.error]
    for unit, error in failures:
        path = unit.path(out_root)
        report.failures.append(Failure(unit.slug, unit.lang, unit.fmt, path, error))
        cache.outputs.pop(unit.key(), None)
        # An older output left in place would be published as if it were this build's.
        try:
            if not path.is_symlink() and path.is_file():
                path.unlink()
        except OSError:
            pass
    for r in results:
        key = r.unit.key()
        if r.error:
            continue
        edition = (r.unit.slug, r.unit.lang)
        cache.outputs[key] = OutputRecord(
            plan.digests[r.unit], r.size, r.mtime_ns, r.sha256, r.unit.slug, r.unit.lang,
            r.unit.fmt, round(report.coverage[edition], 1),
            tuple(plan.edition_warnings.get(edition, [])))
        report.peak_worker_rss_mb = max(report.peak_worker_rss_mb, r.peak_rss_mb)
    report.built = sum(1 for r in results if not r.error)
    report.up_to_date = len(plan.units) - len(stale) - len(plan.failed)
    for u in plan.units:
        rec = cache.outputs.get(u.key())
        if rec is not None:
            report.outputs.append(Output(u.slug, u.lang, u.fmt, u.path(out_root), rec.size,
                                         rec.sha256))
    cache.statements = {s.path: s for s in plan.summaries}
    if plan.font_files:
        cache.font_files = plan.font_files
    if plan.template_messages is not None:
        cache.template_messages = plan.template_messages
    cache.save(out_root)
    matrix.write_manifest(out_root, cache.outputs)
    if results or not (out_root / "index.html").exists():
        if index and not report.failed:
            atomic_write(out_root / "index.html", index[0])
        else:
            write_index(project, plan.summaries, out_root)


# ---------------------------------------------------------------- the index page

def write_index(project: Project, summaries: list[StatementSummary], out_root: Path) -> Path:
    """``build/index.html`` linking every output of every statement found on disk."""
    path = out_root / "index.html"
    atomic_write(path, index_page(project, summaries, out_root))
    return path


def index_page(project: Project, summaries: list[StatementSummary], out_root: Path,
               coming: set[str] | None = None) -> bytes:
    """The index page's bytes; ``coming`` names outputs that will exist once rendered.
    Links are relative and URL-quoted."""
    from urllib.parse import quote

    from .i18n import wording
    from .writers.index import write_index as render_index

    entries = []
    for s in summaries:
        rows = []
        for lang in s.languages:
            names = {fmt: f"{s.slug}/{s.slug}.{lang}.{fmt}" for fmt in FORMATS}
            files = {fmt: quote(name) for fmt, name in names.items()
                     if name in (coming or ()) or (out_root / name).is_file()}
            rows.append({"lang": lang, "name": wording.language_name(lang, lang),
                         "dir": wording.direction(lang), "files": files})
        entries.append({"slug": s.slug, "title": s.title,
                        "date": datetime.date.fromisoformat(s.date),
                        "lang": s.original, "dir": wording.direction(s.original), "rows": rows})
    return render_index(project.templates, entries, list(FORMATS), f"publisher {__version__}")

