"""Translation QA: small, separate checks over every catalogue.

Each check takes (source message, translation, context) and yields problems; the runner
collects every problem of every catalogue before reporting, like a compiler. Errors make
``publisher check`` exit 1; warnings do too under ``--strict``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterator

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.numbers import get_decimal_symbol, get_group_symbol

from ..errors import PublisherError, display_path
from ..model import CONTAINERS, Code, Emph, Inline, Link, RichText, Strong, Sub, Sup

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    check: str
    severity: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        level = "" if self.severity == ERROR else "warning: "
        return f"{where}: [{self.check}] {level}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Context:
    """What a check may need to know besides the two strings."""

    source_lang: str
    target_lang: str
    parse: Callable[[str], RichText]


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
    return Locale.parse(lang.replace("-", "_"))


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


def check_placeholders(src: str, dst: str) -> Iterator[Finding]:
    a, b = sorted(_PLACEHOLDER.findall(src)), sorted(_PLACEHOLDER.findall(dst))
    if a != b:
        yield ("placeholders", ERROR, f"placeholders differ: source {', '.join(a) or 'none'}, "
               f"translation {', '.join(b) or 'none'}")


# ---------------------------------------------------------------- runner

def check_message(msg: Message, ctx: Context) -> list[Finding]:
    """Every finding for one translated message."""
    src, dst = str(msg.id), str(msg.string)
    found: list[Finding] = []
    found += check_whitespace(src, dst)
    found += check_placeholders(src, dst)
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
        found += check_numbers(src_text, dst_text, ctx)
    return found


def check_header(cat: Catalog, folder_lang: str, path: str) -> list[Problem]:
    problems = []
    declared = str(cat.locale) if cat.locale else None
    if declared is None:
        problems.append(Problem(path, 1, "header", ERROR, "no Language header"))
    elif declared.replace("-", "_") != folder_lang.replace("-", "_"):
        problems.append(Problem(path, 1, "header", ERROR,
                                f"Language header says '{declared}' but the catalogue is in "
                                f"the '{folder_lang}' folder"))
    try:
        expected = get_plural(folder_lang.replace("-", "_"))
    except (ValueError, LookupError):
        return problems
    header = dict(cat.mime_headers)
    plural = header.get("Plural-Forms", "")
    m = re.search(r"nplurals\s*=\s*(\d+)", plural)
    if not m or int(m.group(1)) != expected.num_plurals:
        problems.append(Problem(path, 1, "header", ERROR,
                                f"Plural-Forms '{plural}' does not match the language "
                                f"({expected.plural_forms})"))
    return problems


_IGNORE = re.compile(r"^check:\s*ignore\s+([\w, -]+?)(?:\s+[-—(].*)?$")


def ignored_checks(msg: Message) -> set[str]:
    """Checks a translator switched off for one message with a comment such as
    ``# check: ignore superscript — German writes the ordinal as "92."``."""
    names: set[str] = set()
    for comment in msg.user_comments:
        m = _IGNORE.match(comment.strip())
        if m:
            names |= {n.strip() for n in m.group(1).replace(",", " ").split() if n.strip()}
    return names


def check_catalog(cat: Catalog, path: Path, folder_lang: str, source_lang: str,
                  parse: Callable[[str], RichText]) -> list[Problem]:
    where = display_path(path) or str(path)
    problems = check_header(cat, folder_lang, where)
    ctx = Context(source_lang, folder_lang, parse)
    from .wording import OPTIONAL_CONTEXTS

    for msg in cat:
        if not msg.id or not isinstance(msg.id, str):
            continue
        if msg.context in OPTIONAL_CONTEXTS:
            problems += _check_date_format(msg, where)
            continue
        if not msg.string:
            problems.append(Problem(where, msg.lineno, "untranslated", WARNING,
                                    f"no translation for '{_short(msg.id)}'"))
            continue
        if msg.fuzzy:
            problems.append(Problem(where, msg.lineno, "fuzzy", WARNING,
                                    f"fuzzy translation of '{_short(msg.id)}' needs review"))
        skip = ignored_checks(msg)
        for check, severity, text in check_message(msg, ctx):
            if check not in skip:
                problems.append(Problem(where, msg.lineno, check, severity, text))
    return problems


def _check_date_format(msg: Message, where: str) -> list[Problem]:
    """An optional date override must be a pattern Babel can use (or empty)."""
    from babel.dates import parse_pattern

    if not msg.string or msg.id != "long date pattern":
        return []
    try:
        parse_pattern(str(msg.string))
    except (ValueError, KeyError) as exc:
        return [Problem(where, msg.lineno, "date-format", ERROR,
                        f"'{msg.string}' is not a CLDR date pattern: {exc}")]
    return []


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
