"""Apply a catalogue to a statement: a NEW translated tree plus a coverage record.

Missing and fuzzy translations keep the source text and are reported (fuzzy entries are
never published as translated); a translation whose markup does not parse keeps the
source too, and so does one whose footnote calls (``[^label]``) are not the source's:
a translation may move a call, not drop, repeat or invent one. Every fallback is a
warning with a location, which ``--strict`` turns into a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .po import Catalog

from ..errors import Diagnostic, PublisherError, warning
from ..model import RichText, Statement, footnote_calls, map_calls
from .checks import check_markup, footnote_problem, unpublishable
from .segments import Segment, map_segments

InlineParser = Callable[[str, "str | None", "int | None"], RichText]


@dataclass(frozen=True)
class Row:
    """One message of a statement and what the catalogue made of it (for review copies)."""

    segment: Segment
    source: RichText
    translation: RichText | None
    """The published text: None when the source is kept."""
    status: str
    """``translated``, ``fuzzy``, ``untranslated`` or ``invalid``."""
    pending: str = ""
    """A fuzzy or unparsable translation that was not published, shown to reviewers."""


@dataclass
class Coverage:
    """How much of a statement a catalogue translated."""

    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    invalid: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _same_calls(source: RichText, translation: RichText) -> RichText:
    """``translation`` with its footnote calls resolved as the source's are, or an error
    when it does not call the same notes (each as often) as the source."""
    problem = footnote_problem(source, translation)
    if problem is not None:
        raise PublisherError(problem)
    calls = {c.label: c for c in footnote_calls(source.content)}
    return map_calls(translation, lambda call: calls.get(call.label, call))


def translate_statement(statement: Statement, catalog: Catalog | None, lang: str,
                        parse: InlineParser, po_path: Path) -> tuple[Statement, Coverage]:
    """Translate ``statement`` into ``lang`` with ``catalog`` (None: no catalogue exists)."""
    cov = Coverage()
    if catalog is None:
        cov.warnings.append(warning("no-catalogue", f"{lang}: no catalogue; every message keeps "
                                    "the source text (run `publisher update`)", po_path))
    seen: set[tuple[str, str | None]] = set()

    def apply(seg: Segment, text: RichText) -> RichText:
        first = (seg.msgid, seg.context) not in seen
        seen.add((seg.msgid, seg.context))
        if first:
            cov.total += 1
        msg = catalog.get(seg.msgid, seg.context) if catalog is not None else None
        if msg is None or not msg.string:
            cov.rows.append(Row(seg, text, None, "untranslated"))
            if first:
                cov.untranslated += 1
                if catalog is not None:
                    cov.warnings.append(warning(
                        "untranslated", f"{lang}: untranslated message '{_short(seg.msgid)}'; "
                        "using the source text", statement.path, seg.line))
            return text
        if msg.fuzzy:
            cov.rows.append(Row(seg, text, None, "fuzzy", str(msg.string)))
            if first:
                cov.fuzzy += 1
                cov.warnings.append(warning(
                    "fuzzy", f"{lang}: fuzzy translation of '{_short(seg.msgid)}' not used; "
                    "using the source text", po_path, msg.lineno))
            return text
        try:
            reason = unpublishable(msg)
            if reason is not None:
                raise PublisherError(reason, po_path, msg.lineno)
            result = parse(str(msg.string), str(po_path), msg.lineno)
            result = _same_calls(text, result)
        except PublisherError as exc:
            cov.rows.append(Row(seg, text, None, "invalid", str(msg.string)))
            if first:
                cov.invalid += 1
                cov.warnings.append(warning("invalid", f"{lang}: {exc.message}; using the source "
                                            "text", po_path, msg.lineno))
            return text
        cov.rows.append(Row(seg, text, result, "translated"))
        if first:
            cov.translated += 1
            for check, severity, message in check_markup(text, result, None):
                if severity == "error":  # bold, italic, links: published, but said
                    cov.warnings.append(warning(check, f"{lang}: {message}", po_path, msg.lineno))
        return result

    translated = map_segments(statement, apply, language=lang)
    return translated, cov


def template_strings(catalog: Catalog | None, messages: list[tuple[str, str | None]], lang: str,
                     po_path: Path) -> tuple[dict[str, str], list[Diagnostic]]:
    """The template wording for ``lang``: (key -> msgstr, warnings for the messages that
    keep the source text).

    The key is the msgid, or ``context\x04msgid`` for a message with a context. Messages
    in an optional context (date-format overrides) may stay empty without a warning.
    A translation is data, never code: one whose placeholders do not match its source's,
    or a date override that cannot print a date, is not used (a warning; the same rules as
    ``publisher check``, which calls them errors).
    """
    from .checks import date_override_problems, format_problem
    from .wording import DATE_PATTERN, FIRST_DAY, OPTIONAL_CONTEXTS

    table: dict[str, str] = {}
    warnings: list[Diagnostic] = []
    if catalog is None:
        return table, [warning("no-catalogue", f"{lang}: no catalogue; the letterhead and "
                               "masthead wording stay in the source language", po_path)]
    lines: dict[str, int | None] = {}
    for msgid, context in messages:
        msg = catalog.get(msgid, context)
        key = f"{context}\x04{msgid}" if context else msgid
        if context in OPTIONAL_CONTEXTS:
            if msg is not None and msg.string and not msg.fuzzy and unpublishable(msg) is None:
                table[key] = str(msg.string)
                lines[key] = msg.lineno
            continue
        if msg is None or not msg.string or msg.fuzzy:
            state = "fuzzy" if msg is not None and msg.fuzzy else "untranslated"
            warnings.append(warning(state, f"{lang}: {state} template message "
                                    f"'{_short(msgid)}'; using the source text", po_path,
                                    msg.lineno if msg is not None else None))
            continue
        problem = unpublishable(msg) or format_problem(msgid, str(msg.string))
        if problem:
            warnings.append(warning("invalid", f"{lang}: template message '{_short(msgid)}': "
                                    f"{problem}; using the source text", po_path, msg.lineno))
            continue
        table[key] = str(msg.string)
    pattern_problem, first_problem = date_override_problems(
        lang, table.get(DATE_PATTERN), table.get(FIRST_DAY))
    for key, problem, fallback in ((DATE_PATTERN, pattern_problem, "CLDR's standard long date"),
                                   (FIRST_DAY, first_problem, "the plain day number")):
        if problem:
            del table[key]
            warnings.append(warning("date-format", f"{lang}: {problem}; using {fallback}",
                                    po_path, lines.get(key)))
    return table, warnings
