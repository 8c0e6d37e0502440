"""Translation QA: small, separate checks over every catalogue.

Each check takes (source message, translation, context) and yields problems; the runner
collects every problem of every catalogue before reporting, like a compiler. Errors make
``publisher check`` exit 1; warnings do too under ``--strict``.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterator

from babel import Locale
from .po import Catalog, Message
from babel.messages.plurals import get_plural
from babel.numbers import get_decimal_symbol, get_group_symbol

from ..errors import ERROR, WARNING, Diagnostic, PublisherError, display_path
from ..model import (CONTAINERS, Code, Emph, Inline, Link, RichText, Strong, Sub, Sup,
                     footnote_labels)
from . import languages



Problem = Diagnostic
"""A check's finding: ``code`` is the check's name (``numbers``, ``quotes``...)."""


@dataclass(frozen=True)
class Context:
    """What a check may need to know besides the two strings."""

    source_lang: str
    target_lang: str
    parse: Callable[[str], RichText]
    python_format: bool = False
    """The catalogue's messages are Python %-format strings (the template wording)."""


Finding = tuple[str, str, str]  # (check, severity, message)


# ---------------------------------------------------------------- numbers

_SPACES = " \u00a0\u202f\u2009"


def _number_pattern(lang: str) -> re.Pattern[str]:
    group = get_group_symbol(_locale(lang))
    decimal = get_decimal_symbol(_locale(lang))
    groups = set(group)
    if group in _SPACES or lang.split("-")[0] in ("es",):
        groups |= set(_SPACES)  # thin, no-break and plain spaces are all written
    g = "[" + re.escape("".join(sorted(groups))) + "]"
    d = re.escape(decimal)
    return re.compile(rf"(?<!\d)(?:\d{{1,3}}(?:{g}\d{{3}})+|\d+)(?:{d}\d+)?(?!\d)")


def _locale(lang: str) -> Locale:
    return languages.babel_locale(lang)


def numbers(text: str, lang: str) -> Counter[Decimal]:
    """The numeric values written in ``text`` by the conventions of ``lang``."""
    decimal = get_decimal_symbol(_locale(lang))
    values: Counter[Decimal] = Counter()
    for m in _number_pattern(lang).finditer(text):
        token = m.group(0)
        if decimal in token:
            whole, frac = token.rsplit(decimal, 1)
        else:
            whole, frac = token, ""
        digits = re.sub(r"\D", "", whole)
        try:
            values[Decimal(f"{digits}.{frac}" if frac else digits).normalize()] += 1
        except InvalidOperation:
            continue
    return values


def _fmt(value: Decimal) -> str:
    return format(value, "f")


def check_numbers(src: RichText, dst: RichText, ctx: Context) -> Iterator[Finding]:
    a = numbers(src.plain, ctx.source_lang)
    b = numbers(dst.plain, ctx.target_lang)
    missing = a - b
    extra = b - a
    if missing:
        yield ("numbers", ERROR, "number(s) of the source missing or changed in the translation: "
               + ", ".join(_fmt(v) for v in sorted(missing.elements())))
    if extra:
        yield ("numbers", WARNING, "number(s) not in the source: "
               + ", ".join(_fmt(v) for v in sorted(extra.elements())))


# ---------------------------------------------------------------- markup

_NAMES = {Strong: "bold", Emph: "italic", Link: "link", Code: "code", Sup: "superscript",
          Sub: "subscript"}


def _shape(nodes: tuple[Inline, ...], kinds: tuple[type, ...]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, kinds):
            inner = _shape(node.children, kinds) if isinstance(node, CONTAINERS) else []
            label = _NAMES[type(node)]
            if isinstance(node, Link):
                label += f"({node.href})"
            out.append(label + ("[" + ",".join(inner) + "]" if inner else ""))
        elif isinstance(node, CONTAINERS):
            out += _shape(node.children, kinds)
    return out


def check_markup(src: RichText, dst: RichText, ctx: Context | None) -> Iterator[Finding]:
    structural = (Strong, Emph, Link, Code)
    a, b = _shape(src.content, structural), _shape(dst.content, structural)
    if a != b:
        yield ("markup", ERROR, f"inline markup differs from the source: source has "
               f"{' '.join(a) or 'none'}, translation has {' '.join(b) or 'none'}")
    a, b = _shape(src.content, (Sup, Sub)), _shape(dst.content, (Sup, Sub))
    if a != b:
        # Ordinal superscripts are language-specific (92<sup>nd</sup>, 92.): a warning.
        yield ("superscript", WARNING, f"superscript/subscript differ from the source: "
               f"{' '.join(a) or 'none'} -> {' '.join(b) or 'none'}")


def footnote_problem(src: RichText, dst: RichText) -> str | None:
    """Why the translation ``dst`` cannot be published with the source's footnotes (None
    if it can): it must call the same notes, each as often (it may move a call). The
    build keeps the source text of such a message; ``publisher check`` reports it."""
    want, got = sorted(footnote_labels(src.content)), sorted(footnote_labels(dst.content))
    if want == got:
        return None

    def calls(labels: list[str]) -> str:
        return " ".join(f"[^{label}]" for label in labels) or "none"

    return (f"the footnote calls differ from the source: source has {calls(want)}, "
            f"translation has {calls(got)}")


def check_footnotes(src: RichText, dst: RichText) -> Iterator[Finding]:
    problem = footnote_problem(src, dst)
    if problem is not None:
        yield ("footnote", ERROR, problem)


# ---------------------------------------------------------------- plain-text checks

def check_whitespace(src: str, dst: str) -> Iterator[Finding]:
    def lead(s: str) -> str:
        return s[: len(s) - len(s.lstrip())]

    def trail(s: str) -> str:
        return s[len(s.rstrip()):]

    if lead(src) != lead(dst):
        yield ("whitespace", ERROR, "leading whitespace differs from the source")
    if trail(src) != trail(dst):
        yield ("whitespace", ERROR, "trailing whitespace differs from the source")


_PAIRS = {"(": ")", "[": "]", "«": "»", "‹": "›"}


def check_brackets(dst: str) -> Iterator[Finding]:
    stack: list[str] = []
    closers = {v: k for k, v in _PAIRS.items()}
    for ch in dst:
        if ch in _PAIRS:
            stack.append(ch)
        elif ch in closers:
            if not stack or stack[-1] != closers[ch]:
                yield ("brackets", ERROR, f"'{ch}' closes nothing")
                return
            stack.pop()
    if stack:
        yield ("brackets", ERROR, f"'{stack[-1]}' is never closed")


def check_quotes(src: str, dst: str) -> Iterator[Finding]:
    # „…“ (German, Ukrainian inner) and “…” (English) share the closing “/”; count openers.
    low = dst.count("„") + dst.count("‚")
    if low > dst.count("“") + dst.count("”") + dst.count("‘"):
        yield ("quotes", ERROR, "a „ quotation is never closed")
    elif low == 0 and dst.count("“") != dst.count("”"):
        yield ("quotes", ERROR, "unbalanced “ ” quotation marks")
    if src.count('"') % 2 == 0 and dst.count('"') % 2 == 1:
        yield ("quotes", ERROR, 'odd number of " quotation marks')


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
_BRACES = re.compile(r"\{\w*\}")
# One directive of Python's % operator: %(name)s, %s, %5.2f, ... or %% (a percent sign;
# only right after the first %: "% %" and "%(x)%" are errors in Python).
_PERCENT = re.compile(r"%(?:(?P<type>%)|(?:\((?P<name>[^()]*)\))?[-#0 +]*(?:\*|\d+)?"
                      r"(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa])")


def percent_directives(text: str) -> tuple[list[str], list[str], int]:
    """``text`` read as Python's ``%`` operator reads it: (named directives, positional
    directives in order, number of lone ``%`` signs that start no directive). ``%%`` is a
    literal percent sign and counts as neither."""
    named: list[str] = []
    positional: list[str] = []
    lone = 0
    pos = text.find("%")
    while pos != -1:
        m = _PERCENT.match(text, pos)
        if m is None:
            lone += 1
            pos = text.find("%", pos + 1)
            continue
        if m.group("type") is None:
            (named if m.group("name") is not None else positional).append(m.group(0))
        pos = text.find("%", m.end())
    return named, positional, lone


def is_python_format(text: str) -> bool:
    """Whether a source message is a %-format string (has a directive, ``%%`` included),
    the way gettext tools set the ``python-format`` flag."""
    return _PERCENT.search(text) is not None


def check_placeholders(src: str, dst: str, python_format: bool = False) -> Iterator[Finding]:
    """Placeholders of the translation against the source's.

    In a catalogue of %-format strings (``python_format``: the template wording), a source
    with a %-directive is read as Python does: the named placeholders must be the same, the
    positional ones (%s, %d) the same in the same order, and a lone ``%`` (not ``%%``) is
    an error. Elsewhere (statements are never %-formatted) only ``%(name)s`` and ``{name}``
    are compared.
    """
    if python_format and is_python_format(src):
        s_named, s_pos, _ = percent_directives(src)
        d_named, d_pos, lone = percent_directives(dst)
        a = sorted(s_named + _BRACES.findall(src)) + s_pos
        b = sorted(d_named + _BRACES.findall(dst)) + d_pos
        if lone:
            yield ("placeholders", ERROR, "a lone '%' in the translation (write '%%' for a "
                   "percent sign)")
        # "100% sur" reads as the directive "% s": say how a percent sign is written.
        hint = (" (write '%%' for a percent sign)"
                if any(d.startswith("% ") for d in d_pos if d not in s_pos) else "")
    else:
        a, b = sorted(_PLACEHOLDER.findall(src)), sorted(_PLACEHOLDER.findall(dst))
        hint = ""
    if a != b:
        yield ("placeholders", ERROR, f"placeholders differ: source {', '.join(a) or 'none'}, "
               f"translation {', '.join(b) or 'none'}{hint}")


def format_problem(src: str, dst: str) -> str | None:
    """Why translation ``dst`` of the %-format wording ``src`` cannot replace it (None if
    it can): the check ``publisher check`` reports, which the build uses to fall back."""
    for _check, _severity, message in check_placeholders(src, dst, python_format=True):
        return message
    return None


# ---------------------------------------------------------------- dates

SAMPLE_DATES = (datetime.date(2024, 11, 6), datetime.date(2024, 11, 1))
"""Dates a date override is tried on (an ordinary day and a first of the month)."""


def date_override_problems(lang: str, pattern: str | None,
                           first_day: str | None) -> tuple[str | None, str | None]:
    """Why a catalogue's ``date-format`` overrides cannot print the masthead date in
    ``lang``: (problem of the pattern, problem of the first day), None for each that can.

    Shared by ``publisher check`` (an error) and the build (a warning, and CLDR's default
    instead). A pattern must parse in Babel and format the sample dates to some text;
    every exception Babel raises counts. The first day's text is always literal, so only a
    blank one is wrong.
    """
    from babel.dates import format_date, parse_pattern

    from .wording import first_day_pattern, locale_of

    try:
        locale = locale_of(lang)
    except Exception:  # an unknown folder language is for the header check to report
        locale = Locale("en")
    pattern_problem = None
    if pattern:
        try:
            parse_pattern(pattern)
            texts = [format_date(d, pattern, locale=locale) for d in SAMPLE_DATES]
        except Exception as exc:  # Babel raises ValueError, KeyError, AttributeError, ...
            pattern_problem = f"'{pattern}' is not a CLDR date pattern: {exc}"
        else:
            if not all(t.strip() for t in texts):
                pattern_problem = f"'{pattern}' is not a CLDR date pattern: it prints no date"
    first_problem = None
    if first_day and not first_day.strip():
        first_problem = "the first day of the month is blank"
    elif first_day:
        usable = None if pattern_problem else pattern
        try:
            text = format_date(SAMPLE_DATES[1], first_day_pattern(usable, first_day, locale),
                               locale=locale)
        except Exception as exc:
            first_problem = f"'{first_day}' cannot be written into the date: {exc}"
        else:
            if not text.strip():
                first_problem = f"'{first_day}' cannot be written into the date"
    return pattern_problem, first_problem


# ---------------------------------------------------------------- what may be published

# Characters that change what a reader sees without being seen: C0 and C1 controls (tab
# and line feed are layout), bidi embeddings, overrides and isolates, line and paragraph
# separators, the byte order mark, interlinear annotations, invisible operators and tag
# characters. Directional marks (LRM, RLM, ALM) and joiners are ordinary right-to-left
# and complex-script typing and stay allowed.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                        "\u2028\u2029\u2061-\u2064\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


def _char_name(ch: str) -> str:
    import unicodedata

    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def invisible_characters(src: str, dst: str) -> list[str]:
    """The invisible control characters of translation ``dst`` that source ``src`` does
    not have, named (``U+202E RIGHT-TO-LEFT OVERRIDE``), in order of first use."""
    allowed = set(_INVISIBLE.findall(src))
    found: list[str] = []
    for ch in _INVISIBLE.findall(dst):
        if ch not in allowed and ch not in found:
            found.append(ch)
    return [_char_name(ch) for ch in found]


def check_invisible(src: str, dst: str) -> Iterator[Finding]:
    names = invisible_characters(src, dst)
    if names:
        yield ("controls", ERROR, "invisible control character(s) the source does not have: "
               + ", ".join(names))


def unpublishable(msg: Message) -> str | None:
    """Why the translation of a singular message in ``msg`` must not be published (None
    if it may be): a plural entry where the source has one form, or invisible controls.
    The build keeps the source text instead; ``publisher check`` reports the same errors."""
    if msg.plural is not None:
        return ("the entry has msgid_plural, but this message has no plural forms "
                "(remove msgid_plural and msgstr[N], keep one msgstr)")
    names = invisible_characters(str(msg.id), str(msg.string))
    if names:
        return "invisible control character(s) the source does not have: " + ", ".join(names)
    return None


# ---------------------------------------------------------------- runner

def check_message(msg: Message, ctx: Context) -> list[Finding]:
    """Every finding for one translated message."""
    src, dst = str(msg.id), str(msg.string)
    found: list[Finding] = []
    found += check_invisible(src, dst)
    found += check_whitespace(src, dst)
    found += check_placeholders(src, dst, ctx.python_format)
    found += check_brackets(dst)
    found += check_quotes(src, dst)
    try:
        src_text = ctx.parse(src)
    except PublisherError:
        src_text = None
    try:
        dst_text = ctx.parse(dst)
    except PublisherError as exc:
        found.append(("markup", ERROR, f"translation does not parse: {exc.message}"))
        dst_text = None
    if src_text is not None and dst_text is not None:
        found += check_markup(src_text, dst_text, ctx)
        found += check_footnotes(src_text, dst_text)
        found += check_numbers(src_text, dst_text, ctx)
    return found


def check_header(cat: Catalog, folder_lang: str, path: str) -> list[Problem]:
    problems = []
    line = cat.header.lineno if cat.header is not None else 1
    declared = cat.language
    if declared is None:
        problems.append(Problem(path, line, "header", ERROR, "no Language header"))
    elif not languages.same(declared, folder_lang):
        problems.append(Problem(path, line, "header", ERROR,
                                f"Language header says '{declared}' but the catalogue is in "
                                f"the '{folder_lang}' folder"))
    try:
        expected = get_plural(languages.babel_locale(folder_lang))
    except (ValueError, LookupError):
        return problems
    plural = cat.header_value("Plural-Forms") or ""
    m = re.search(r"nplurals\s*=\s*(\d+)", plural)
    if not m or int(m.group(1)) != expected.num_plurals:
        problems.append(Problem(path, line, "header", ERROR,
                                f"Plural-Forms '{plural}' does not match the language "
                                f"({expected.plural_forms})"))
    return problems


_IGNORE = re.compile(r"^check:\s*ignore\b(.*)$", re.S)
# The check names, then the reason after an em dash (en dash), a hyphen after a space, or
# an opening parenthesis.
_IGNORE_REASON = re.compile(r"^\s*(?P<names>[\w, -]*?)\s*(?P<sep>[—–(]|(?<=\s)-)(?P<reason>.*)$",
                            re.S)


def parse_ignore(comment: str) -> tuple[set[str], str] | None:
    """``check: ignore NAME[, NAME] — reason`` read as (check names, reason); the reason
    is "" when none is given. None for any other comment."""
    m = _IGNORE.match(comment.strip())
    if m is None:
        return None
    r = _IGNORE_REASON.match(m.group(1))
    names, reason = (r.group("names"), r.group("reason").strip()) if r else (m.group(1), "")
    if r and r.group("sep") == "(":
        reason = reason.removesuffix(")").strip()
    return ({n for n in names.replace(",", " ").split() if n},
            reason if re.search(r"\w", reason) else "")


def ignored_checks(msg: Message) -> set[str]:
    """Checks a translator switched off for one message with a comment that says why,
    such as ``# check: ignore superscript — German writes the ordinal as "92."``.
    An ignore without a reason switches nothing off (see :func:`unexplained_ignores`)."""
    names: set[str] = set()
    for comment in msg.user_comments:
        parsed = parse_ignore(comment)
        if parsed is not None and parsed[1]:
            names |= parsed[0]
    return names


def unexplained_ignores(msg: Message) -> list[str]:
    """The ``check: ignore`` comments of a message that give no reason."""
    return [c for c in msg.user_comments if (p := parse_ignore(c)) is not None and not p[1]]


def _comment_line(msg: Message, comment: str) -> int | None:
    """The line of a translator comment of ``msg`` in its file (comments added since it
    was read have none), else the msgid's."""
    for text, line in zip(msg.user_comments, msg.comment_lines, strict=False):
        if text == comment:
            return line
    return msg.lineno


def check_catalog(cat: Catalog, path: Path, folder_lang: str, source_lang: str,
                  parse: Callable[[str], RichText], python_format: bool = False) -> list[Problem]:
    """Every problem of one catalogue. ``python_format``: its messages are %-format strings
    (the template wording), whose placeholders are read as Python reads them."""
    where = display_path(path) or str(path)
    problems = check_header(cat, folder_lang, where)
    ctx = Context(source_lang, folder_lang, parse, python_format)
    from .wording import OPTIONAL_CONTEXTS

    for msg in cat:
        if not msg.id or not isinstance(msg.id, str):
            continue
        for comment in unexplained_ignores(msg):
            problems.append(Problem(where, _comment_line(msg, comment), "ignore", ERROR,
                                    f"check: ignore needs a reason after '—', '-' or '(': "
                                    f"'# {comment.strip()}' switches no check off"))
        if msg.context in OPTIONAL_CONTEXTS:
            problems += _check_date_format(cat, msg, where, folder_lang)
            continue
        if not msg.string:
            problems.append(Problem(where, msg.lineno, "untranslated", WARNING,
                                    f"no translation for '{_short(msg.id)}'"))
            continue
        if msg.fuzzy:
            problems.append(Problem(where, msg.lineno, "fuzzy", WARNING,
                                    f"fuzzy translation of '{_short(msg.id)}' needs review"))
        if msg.plural is not None:
            problems.append(Problem(where, msg.lineno, "plural", ERROR,
                                    f"'{_short(msg.id)}' has no plural forms, but the entry has "
                                    "msgid_plural and msgstr[N]: keep one msgstr"))
            continue
        skip = ignored_checks(msg)
        for check, severity, text in check_message(msg, ctx):
            if check not in skip:
                problems.append(Problem(where, msg.lineno, check, severity, text))
    return problems


def _check_date_format(cat: Catalog, msg: Message, where: str, lang: str) -> list[Problem]:
    """An optional date override must print a date (see :func:`date_override_problems`,
    which the build uses too)."""
    from .wording import DATE_PATTERN, FIRST_DAY

    if not msg.string:
        return []
    context, pattern_id = DATE_PATTERN.split("\x04")
    first_day_id = FIRST_DAY.split("\x04")[1]
    if msg.id == pattern_id:
        problem, _ = date_override_problems(lang, str(msg.string), None)
    elif msg.id == first_day_id:
        other = cat.get(pattern_id, context)
        pattern = str(other.string) if other is not None and other.string else None
        _, problem = date_override_problems(lang, pattern, str(msg.string))
    else:
        return []
    return [Problem(where, msg.lineno, "date-format", ERROR, problem)] if problem else []


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
