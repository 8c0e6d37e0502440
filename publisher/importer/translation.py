"""A translated document seeds a catalogue: ``publisher import --translation LANG``.

Many translators answer with a translated Word document rather than a .po. Its
paragraphs are aligned with the statement's messages (:mod:`.align`), or, for the
bilingual table ``publisher export`` wrote (:mod:`.bilingual`), matched by the key each
row carries. What is found goes into ``locales/LANG/LC_MESSAGES/<slug>.po`` for a
translator to confirm, under three rules that keep the catalogue the translators' own:

- an empty message gets the document's text **as a fuzzy translation** with a translator
  comment saying where it came from: fuzzy entries are never published, so nothing
  unconfirmed reaches a PDF;
- an existing translation is **never replaced**: when the document says something else,
  its text is put in a translator comment beside it (once: importing the same document
  again changes no byte);
- what is not certain is **reported, not filled**: merged, split, missing, extra and
  out-of-order paragraphs, pairs whose numbers disagree, text that does not parse as the
  statement's Markdown or does not call the source's footnotes, a message the document
  translates in two ways.

The catalogue is created as ``publisher update`` would create it, or merged with the
statement's template first when it lacks messages, and written atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..errors import PublisherError
from .align import Alignment, TooLarge, align

if TYPE_CHECKING:
    from ..i18n.po import Catalog
    from ..i18n.segments import Segment
    from ..model import Statement
    from ..project import Missions, Project
    from .model import Draft

TEMPLATE_STYLES = frozenset({"Check Line", "Masthead", "Mission Name", "Mission Address",
                             "Header", "Footer", "Separator"})
"""Paragraph styles of our own DOCX that hold template wording, not a message: a
translated edition's "Check against delivery" line and its rule between parts."""

MIN_SCORE = 0.5
"""Below this share of paired messages and paragraphs (:attr:`.align.Alignment.score`) a
document is no translation of the statement: the few pairs found are chance, and
nothing is imported."""

_RULE = re.compile(r"(?:\\?[*_-][ \t]*){3,}")
_CALL = re.compile(r"(?<!\\)\[\^([^\s\[\]\\]+)\]")


@dataclass(frozen=True)
class ImportProblem:
    """Something the import did not fill, with where it is on both sides."""

    kind: str
    """``missing``, ``extra``, ``merged``, ``split``, ``mismatch``, ``moved`` (see
    :class:`.align.Problem`), ``invalid`` (text that cannot be a translation),
    ``conflict`` (a message translated in two ways), ``row`` (a bilingual table row that
    cannot be read back)."""
    text: str
    lines: tuple[int, ...] = ()
    """The messages' lines in the statement."""
    places: tuple[str, ...] = ()
    """Where in the document: ``paragraph 7``, ``row 3``, ``footnote 1``."""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ImportedMessage:
    """One message and what the import did with it."""

    msgid: str
    context: str | None
    line: int
    place: str
    """Where its text was found (``paragraph 7``, ``row 3``...)."""
    status: str
    """``filled`` (a new fuzzy translation), ``kept`` (the catalogue already says the
    same), ``differing`` (the catalogue says something else: the text is in a comment),
    ``untranslated`` (the document has the source text, or nothing)."""
    text: str


@dataclass
class TranslationImport:
    """What ``publisher import --translation`` did."""

    statement: Path
    document: Path
    catalogue: Path
    lang: str
    filled: int = 0
    kept: int = 0
    differing: int = 0
    untranslated: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    messages: list[ImportedMessage] = field(default_factory=list)
    changed: bool = False
    """Whether the catalogue was written (created, filled or commented)."""
    bilingual: bool = False
    """The document was a bilingual table (read by key, not aligned)."""
    chosen: str = ""
    """Why this statement: named, the only one in seeds/, or the one aligned best."""
    notes: list[str] = field(default_factory=list)
    """Other things to know (the language is not among the statement's languages...)."""


@dataclass(frozen=True)
class _Found:
    """A message's text as the document has it."""

    segment: Segment
    text: str
    place: str


def import_translation(project: Project, lang: str, document: Path,
                       statement: Path | None = None) -> TranslationImport:
    """Seed ``lang``'s catalogue of ``statement`` from ``document`` (see the module's text).

    ``statement`` None: the statement a bilingual table names, the only statement in
    seeds/, or the one whose messages the document's paragraphs align with best.
    """
    from ..i18n.languages import same
    from ..project import Missions, read_statement, wanted_languages
    from .bilingual import table_identity

    tag = wanted_languages([lang])[0]
    document = Path(document)
    if not document.is_file():
        raise PublisherError("document not found", document)
    missions = Missions(project)
    identity = table_identity(document) if document.suffix.lower() == ".docx" else None
    if identity is not None:
        if identity[1] and not same(identity[1], tag):
            raise PublisherError(f"this bilingual table is for '{identity[1]}', not '{tag}'",
                                 document)
        path, chosen = _table_statement(project, identity[0], statement)
        read = read_statement(path, missions)
        if identity[0] and identity[0] != read.slug:
            raise PublisherError(f"this bilingual table is for the statement '{identity[0]}', "
                                 f"not '{read.slug}'", document)
        found, problems = _from_table(read, document)
    else:
        from .drafts import read_draft

        draft = read_draft(document)
        _same_language(document, draft, tag)
        unit = "paragraph" if document.suffix.lower() in (".docx", ".odt") else "line"
        paragraphs = _paragraphs(draft)
        if statement is not None:
            read, chosen = read_statement(statement, missions), "named"
        else:
            read, chosen = _best_statement(project, missions, paragraphs, unit)
        found, problems = _from_draft(read, draft, paragraphs, unit)
    if same(tag, read.meta.original):
        raise PublisherError(f"'{tag}' is the statement's original language: a translation "
                             "into it has no catalogue", read.path)
    result = TranslationImport(Path(read.path), document, project.po(tag, read.slug), tag,
                               problems=problems, bilingual=identity is not None,
                               chosen=chosen)
    if not any(same(tag, other) for other in read.meta.languages):
        result.notes.append(f"'{tag}' is not among the statement's languages: add it to its "
                            "languages: to publish it")
    _fill(project, read, found, result)
    return result


def _same_language(document: Path, draft: Draft, tag: str) -> None:
    """An edition this tool built says its language: importing the French edition as
    Ukrainian would put 29 French comments into the Ukrainian catalogue."""
    from ..i18n.languages import normalize
    from .bilingual import core_properties

    if not any(block.style == "Statement Title" for block in draft.blocks):
        return
    said = core_properties(document).get("language", "")
    try:
        theirs = normalize(said).split("-")[0] if said else ""
    except ValueError:
        return
    if theirs and theirs != normalize(tag).split("-")[0]:
        raise PublisherError(f"this edition is in '{said}', not '{tag}': import it with "
                             f"--translation {theirs}", document)


# ---------------------------------------------------------------- the statement

def _table_statement(project: Project, slug: str, given: Path | None) -> tuple[Path, str]:
    from .bilingual import only_statement

    if given is not None:
        return given, "named"
    if slug and (project.seeds / f"{slug}.md").is_file():
        return project.seeds / f"{slug}.md", "named by the bilingual table"
    return only_statement(project), "the only statement in seeds/"


def _best_statement(project: Project, missions: Missions,
                    paragraphs: list[tuple[int, str, str]], unit: str
                    ) -> tuple[Statement, str]:
    """The statement in seeds/ whose messages the paragraphs align with best."""
    from ..project import read_statement

    paths = project.statement_paths()
    if len(paths) == 1:
        return read_statement(paths[0], missions), "the only statement in seeds/"
    scored: list[tuple[float, str, Statement]] = []
    first_error: PublisherError | None = None
    for path in paths:
        try:
            read = read_statement(path, missions)
        except PublisherError as exc:
            first_error = first_error or exc
            continue
        sources, lines = _sources(read)
        try:
            score = align(sources, [(n, t) for n, t, _ in paragraphs], lines, unit).score
        except TooLarge:
            continue
        scored.append((score, read.slug, read))
    if not scored:
        if first_error is not None:
            raise first_error
        raise PublisherError("no statement in seeds/ can be aligned with the document",
                             project.seeds)
    scored.sort(key=lambda item: (-item[0], item[1]))
    best_score, slug, best = scored[0]
    if best_score < MIN_SCORE:
        raise PublisherError(f"the document matches none of the statements in seeds/ (best: "
                             f"{slug}, {best_score:.0%} aligned): name the statement")
    if len(scored) > 1 and scored[1][0] == best_score:
        raise PublisherError(f"the document aligns as well with {slug} as with "
                             f"{scored[1][1]}: name the statement")
    others = ", ".join(f"{s} {v:.0%}" for v, s, _ in scored[1:])
    return best, f"aligned best ({best_score:.0%} of paragraphs paired; {others})"


def _sources(statement: Statement) -> tuple[list[str], list[int]]:
    """The source Markdown and line of each body message (front matter first)."""
    from ..i18n.segments import segments

    body = [s for s in segments(statement) if s.kind != "footnote"]
    return [s.msgid for s in body], [s.line for s in body]


# ---------------------------------------------------------------- a draft

def _paragraphs(draft: Draft) -> list[tuple[int, str, str]]:
    """(number, Markdown, style) of the document's paragraphs that can be messages: not
    our DOCX's template wording, not a rule, not empty."""
    from .bilingual import inline_message

    out = []
    for block in draft.blocks:
        text = inline_message(block.text.strip())
        if not text or block.style in TEMPLATE_STYLES or _RULE.fullmatch(text):
            continue
        out.append((block.line, text, block.style))
    return out


def _from_draft(statement: Statement, draft: Draft, paragraphs: list[tuple[int, str, str]],
                unit: str) -> tuple[list[_Found], list[ImportProblem]]:
    """Each body message paired with its paragraph, each footnote with the note its
    paragraph calls in the same place; problems for the rest."""
    from ..i18n.segments import segments

    every = segments(statement)
    body = [s for s in every if s.kind != "footnote"]
    notes = [s for s in every if s.kind == "footnote"]
    try:
        alignment: Alignment = align([s.msgid for s in body],
                                     [(n, t) for n, t, _ in paragraphs],
                                     [s.line for s in body], unit)
    except TooLarge as exc:
        raise PublisherError(f"{exc}: is this the statement's translation?",
                             draft.path) from None
    name = Path(draft.path).name
    if alignment.score < MIN_SCORE:
        raise PublisherError(
            f"the document does not read as a translation of {Path(statement.path).name}: "
            f"{len(alignment.pairs)} of its {len(paragraphs)} {unit}s pair with the "
            f"statement's {len(body)} messages; nothing was imported", draft.path)
    problems = [ImportProblem(p.kind, f"{name}: {p}", p.lines,
                              tuple(f"{unit} {n}" for n in p.paragraphs))
                for p in alignment.problems]
    found: list[_Found] = []
    label_map: dict[str, str] = {}
    for pair in alignment.pairs:
        seg = body[pair.source]
        text = paragraphs[pair.target][1]
        place = f"{unit} {pair.paragraph}"
        src_calls, dst_calls = _CALL.findall(seg.msgid), _CALL.findall(text)
        if len(src_calls) != len(dst_calls):
            problems.append(ImportProblem(
                "invalid", f"{name}: {place} calls {len(dst_calls)} footnote(s), the message "
                f"at line {seg.line} {len(src_calls)}: not imported", (seg.line,), (place,)))
            continue
        for theirs, ours in zip(dst_calls, src_calls, strict=True):
            label_map.setdefault(theirs, ours)
        text = _CALL.sub(lambda m: f"[^{label_map.get(m.group(1), m.group(1))}]", text)
        found.append(_Found(seg, text, place))
    # Footnotes: the note a paragraph calls where its message calls a statement's note.
    labels = [note.label for note in statement.footnotes]
    theirs_of = {ours: theirs for theirs, ours in label_map.items()}
    texts = dict(draft.footnotes)
    order = {label: i for i, (label, _) in enumerate(draft.footnotes, 1)}
    for seg, label in zip(notes, labels, strict=True):
        theirs = theirs_of.get(label)
        if theirs is None or theirs not in texts:
            problems.append(ImportProblem(
                "missing", f"{name}: the footnote at line {seg.line} is not in the document "
                "(no paragraph aligned with its call calls a note)", (seg.line,)))
            continue
        found.append(_Found(seg, texts[theirs].strip(), f"footnote {order[theirs]}"))
    return found, problems


# ---------------------------------------------------------------- a bilingual table

def _from_table(statement: Statement, document: Path
                ) -> tuple[list[_Found], list[ImportProblem]]:
    """Each row's translation with the message its key names."""
    from ..i18n.segments import segments
    from .bilingual import message_key, read_table

    table = read_table(document)
    name = document.name
    problems = [ImportProblem("row", f"{name}: row {row}: {what}", (), (f"row {row}",))
                for row, what in table.problems]
    by_key: dict[str, Segment] = {}
    for segment in segments(statement):
        by_key.setdefault(message_key(segment.msgid, segment.context), segment)
    counts: dict[str, int] = {}
    for r in table.rows:
        counts[r.key] = counts.get(r.key, 0) + 1
    found = []
    for r in table.rows:
        place = f"row {r.row}"
        seg = by_key.get(r.key)
        if seg is None:
            problems.append(ImportProblem("row", f"{name}: {place}: its message is not in "
                                          f"{Path(statement.path).name} (changed since the table "
                                          "was written?): not imported", (), (place,)))
        elif counts[r.key] > 1:
            problems.append(ImportProblem("row", f"{name}: {place}: the message at line "
                                          f"{seg.line} has {counts[r.key]} rows: not imported",
                                          (seg.line,), (place,)))
        else:
            found.append(_Found(seg, r.text.strip(), place))
    return found, problems


# ---------------------------------------------------------------- the catalogue

def _fill(project: Project, statement: Statement, found: Sequence[_Found],
          result: TranslationImport) -> None:
    """Fill, compare or comment every message found; write the catalogue if it changed."""
    from ..i18n.catalogs import render_catalog, write_catalog

    name = _one_line(result.document.name)
    catalog = _catalog(project, statement, result.catalogue, result.lang)
    by_key: dict[tuple[str | None, str], list[_Found]] = {}
    for f in found:
        by_key.setdefault((f.segment.context, f.segment.msgid), []).append(f)
    for (context, msgid), occurrences in by_key.items():
        first = occurrences[0]
        seg = first.segment
        # A message said twice ("Chairs,") may be left in the source language once.
        translated = [f for f in occurrences if f.text and not _same(f.text, msgid)]
        if len({f.text for f in translated}) > 1:
            places = ", ".join(f.place for f in occurrences)
            result.problems.append(ImportProblem(
                "conflict", f"{name}: the message at line {seg.line} is translated in "
                f"different ways ({places}): not imported",
                tuple(f.segment.line for f in occurrences), tuple(f.place for f in occurrences)))
            continue
        chosen = translated[0] if translated else next(
            (f for f in occurrences if f.text), first)
        text = chosen.text
        if not text or _same(text, msgid):
            result.untranslated += 1
            result.messages.append(ImportedMessage(msgid, context, seg.line, chosen.place,
                                                   "untranslated", text))
            continue
        problem = _unusable(text, seg)
        if problem is not None:
            result.problems.append(ImportProblem(
                "invalid", f"{name}: {chosen.place} (the message at line {seg.line}): "
                f"{problem}: not imported", (seg.line,), (chosen.place,)))
            continue
        msg = catalog.get(msgid, context)
        if msg is None:  # the merge adds every message: only a broken template gets here
            raise PublisherError(f"the catalogue lacks the message at line {seg.line}",
                                 result.catalogue)
        if not msg.string:
            comment = f"imported from {name}, {chosen.place}: confirm, then remove the fuzzy flag"
            msg.string = text
            msg.fuzzy = True
            if comment not in msg.user_comments:
                msg.user_comments = [*msg.user_comments, comment]
            status = "filled"
            result.filled += 1
        elif _same(text, msg.string):
            status = "kept"
            result.kept += 1
        else:
            comment = f"imported from {name}, {chosen.place}: {_one_line(text)}"
            if comment not in msg.user_comments:
                msg.user_comments = [*msg.user_comments, comment]
            status = "differing"
            result.differing += 1
        result.messages.append(ImportedMessage(msgid, context, seg.line, chosen.place,
                                               status, text))
    result.changed = write_catalog(None, result.catalogue, render_catalog(catalog))


def _catalog(project: Project, statement: Statement, path: Path, lang: str) -> Catalog:
    """The catalogue to fill: as it is when it has every message of the statement, else
    merged with the statement's template (msgmerge's rules, as ``publisher update``), or
    new (as ``publisher update`` creates it)."""
    from ..i18n.catalogs import from_babel, merge, read_catalog, statement_template
    from ..i18n.languages import identifier
    from ..i18n.segments import segments

    old = read_catalog(path) if path.exists() else None
    if old is not None and all(old.get(s.msgid, s.context) is not None
                               for s in segments(statement)):
        return old
    template = from_babel(statement_template(statement, project.root))
    return merge(template, old, identifier(lang))


def _same(a: str, b: str) -> bool:
    """Two messages' Markdown say the same (``\\*`` and ``*`` where both mean a star)."""
    if a == b:
        return True
    from ..readers.markdown import parse_inline

    try:
        return parse_inline(a).content == parse_inline(b).content
    except PublisherError:
        return False


def _unusable(text: str, seg: Segment) -> str | None:
    """Why ``text`` cannot be the translation of ``seg`` (None if it can): it must parse
    as the statement's Markdown, call the source's footnotes and link only to what the
    build publishes."""
    from ..links import link_problem
    from ..model import Link, footnote_labels
    from ..readers.markdown import parse_inline

    try:
        parsed = parse_inline(text)
        source = parse_inline(seg.msgid)
    except PublisherError as exc:
        return f"the text does not parse ({exc.message})"
    if sorted(footnote_labels(parsed.content)) != sorted(footnote_labels(source.content)):
        return "its footnote calls are not the source's"

    def links(nodes: tuple[object, ...]) -> list[str]:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, Link):
                out.append(node.href)
            out += links(getattr(node, "children", ()))
        return out

    for href in links(parsed.content):
        why = link_problem(href)
        if why is not None:
            return f"its link to {href[:60]!r} cannot be published: {why}"
    return None


def _one_line(text: str) -> str:
    """Text for a one-line comment: line ends shown as ``\\n``."""
    return text.replace("\r", "\\r").replace("\n", "\\n")
