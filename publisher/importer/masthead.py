"""The masthead lines at the top of a draft, recognised as front-matter fields.

A draft reaches the press office with its letterhead and masthead typed above the speech:
the mission's name (split over lines as the letterhead splits it), a date in the
language of the draft ("6 November 2024", "6 листопада 2024 р."), the meeting with an
ordinal ("92nd Joint FSC-PC Meeting"), "Agenda Item …", the title ("STATEMENT BY THE
DELEGATION OF UKRAINE"), perhaps a document symbol and "Check against delivery". Each
line is matched against what the project knows (the mission profiles' name lines in all
their languages, the template wording's "Check against delivery" in every catalogue,
CLDR's month names, the mission's symbol grammar) and a few words every delegation uses
("Agenda item", "Meeting", "Statement by"), in the OSCE's languages.

Nothing is guessed silently: every field says which line it came from, and a line above
the speech that matches nothing is kept at the top of the body with a warning naming it.
The speech starts at the first salutation ("Chairs,", "Mr Chairperson,"), or at the
first line after the title that is not a masthead line.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Iterable

from ..errors import PublisherError
from ..readers.markdown import parse_inline
from .model import Draft, DraftLine

if TYPE_CHECKING:
    from ..model import Mission
    from ..project import Project


@dataclass(frozen=True)
class Found:
    """One front-matter field and where it came from."""

    key: str
    value: str
    line: int | None
    """The draft line it was read from (None: a default, see :attr:`why`)."""
    why: str
    """What was matched, as the import reports it."""


@dataclass
class Masthead:
    fields: dict[str, Found] = field(default_factory=dict)
    body_start: int = 0
    """Index of the draft block where the speech starts."""
    unplaced: list[DraftLine] = field(default_factory=list)
    """Lines above the speech that are no masthead line: kept at the top of the body."""
    notes: list[tuple[int | None, str]] = field(default_factory=list)
    """(line, warning) about guesses a person should check."""


# ---------------------------------------------------------------- words of the trade

AGENDA = re.compile(
    r"^(agenda\s+item|item\s+\d+\s+of\s+the\s+agenda|point\s+.{0,12}\s*de\s+l.ordre\s+du\s+jour"
    r"|tagesordnungspunkt|top\s+\d|пункт\s+.{0,12}(порядку\s+денного|повестки\s+дня)"
    r"|punto\s+.{0,12}(del\s+orden\s+del\s+d[ií]a|all.ordine\s+del\s+giorno)|البند)",
    re.IGNORECASE)
"""The line naming the agenda item, in the OSCE's languages."""

MEETING = re.compile(
    r"\b(meeting|session|plenary|council|forum|conference|séance|réunion|sitzung|tagung"
    r"|засідання|заседание|сесія|сессия|sesi[oó]n|reuni[oó]n|seduta|riunione|sessione"
    r"|جلسة|اجتماع)\b", re.IGNORECASE)
"""Words a meeting line has."""

TITLE = re.compile(
    r"^(statement|joint\s+statement|intervention|right\s+of\s+reply|remarks|address|speech"
    r"|déclaration|intervention|erklärung|stellungnahme|заява|виступ|заявление|выступление"
    r"|declaraci[oó]n|intervenci[oó]n|dichiarazione|intervento|بيان|كلمة)\b",
    re.IGNORECASE)
"""How a title starts."""

SALUTATION = re.compile(
    r"^(chairs?|co-?chairs?|mr\.?|mrs\.?|ms\.?|madam|madame|dear|distinguished|excellenc"
    r"|ladies|colleagues|monsieur|mesdames|messieurs|herr|frau|sehr|пан|пані|шановн"
    r"|господин|госпожа|уважаем|señor|señora|estimad|signor|gentil|السيد|السيدة)",
    re.IGNORECASE)
"""How the first line of a speech (the salutation) starts."""

ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th|er|e|re|ème)\b(?!\s*</sup>)")
"""An ordinal typed on the line (92nd, 1er, 2e): superscript in the statement."""

SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or",
               "the", "to", "with", "de", "du", "des", "la", "le", "les", "et", "der", "die",
               "das", "und", "von", "del", "y", "e", "di"}
"""Words English (and its neighbours) leave in lower case in a title."""


# ---------------------------------------------------------------- text helpers

def plain(markdown: str) -> str:
    """The text of a line of statement Markdown, markup gone."""
    try:
        return parse_inline(markdown).plain
    except PublisherError:  # a line the statement format cannot read: compare its raw text
        return markdown


def norm(text: str) -> str:
    """For comparing: case, spacing, quotes and dashes folded, outer punctuation gone."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[‘’‚‛`´]", "'", text)
    text = re.sub(r"[“”„‟«»]", '"', text)
    text = re.sub(r"[‐‑‒–—―]", "-", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .,:;")


def unwrap(markdown: str) -> str:
    """A line's Markdown without emphasis wrapped around all of it (masthead lines are
    bold because the letterhead is, not for meaning); inner markup stays."""
    text = markdown.strip()
    while True:
        m = re.fullmatch(r"(\*\*\*|\*\*|\*|___|__|_)(.+)\1", text, re.DOTALL)
        if not m or any(mark in m.group(2) for mark in (m.group(1),)):
            return text
        text = m.group(2).strip()


def title_case(text: str) -> str:
    """A title typed in capitals, in the case a statement's title has: "STATEMENT BY THE
    DELEGATION OF UKRAINE" -> "Statement by the Delegation of Ukraine"."""
    words = text.split(" ")
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if i and lower in SMALL_WORDS:
            out.append(lower)
        elif re.fullmatch(r"[A-Z0-9.\-/]{2,}", word) and _acronym(word):
            out.append(word)
        else:
            out.append(lower[:1].upper() + lower[1:])
    return " ".join(out)


_ACRONYMS = {"OSCE", "FSC", "PC", "UN", "EU", "NATO", "DPRK", "USA", "UK", "ODIHR", "HCNM",
             "RFOM", "CBM", "CSBM", "IAEA", "UNSC", "FSC-PC", "OSZE", "ОБСЄ", "ОБСЕ", "ООН"}


def _acronym(word: str) -> bool:
    return word.strip(".,;:") in _ACRONYMS or bool(re.fullmatch(r"[A-Z]+\.[A-Z.]+", word))


def shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 3 and all(c.isupper() for c in letters)


def superscript_ordinals(markdown: str) -> str:
    """``92nd`` -> ``92<sup>nd</sup>`` (an ordinal the draft typed without superscript)."""
    return ORDINAL.sub(lambda m: f"{m.group(1)}<sup>{m.group(2)}</sup>", markdown)


# ---------------------------------------------------------------- dates

@dataclass(frozen=True)
class DateMatch:
    date: datetime.date
    locale: str
    """The locale whose month names matched ('' for a numeric date)."""
    start: int
    end: int
    """Where the date is in the plain line."""


_DIGITS = {ord(c): str(unicodedata.digit(c)) for c in
           "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९"}


def _months(locale: str) -> dict[str, int]:
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            try:
                found = get_month_names(width, context, locale)
            except (ValueError, LookupError):
                continue
            for number, name in found.items():
                names.setdefault(norm(str(name)).rstrip("."), int(number))
    return names


_DMY = re.compile(r"(?<!\d)(\d{1,2})(?:\.|-?(?:er|e|ᵉʳ))?\s*(?:de\s+)?([^\W\d_][\w.'’]*)"
                  r"\.?,?\s*(?:de\s+|del\s+)?(\d{4})(?!\d)", re.UNICODE)
_MDY = re.compile(r"([^\W\d_][\w.]*)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)")
_YEAR_WORDS = re.compile(r"^\s*(р\.|року|г\.|года|год)")


def find_date(text: str, locales: Iterable[str], everywhere: bool = False
              ) -> DateMatch | None:
    """The first date in ``text`` written in one of ``locales`` (day month year, month
    day year, ISO, or d.m.yyyy as the OSCE's languages write it); with ``everywhere``,
    month names of every language CLDR knows are tried after those of ``locales``."""
    line = text.translate(_DIGITS)
    m = _ISO.search(line)
    if m:
        d = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            return DateMatch(d, "", m.start(), m.end())
    for locale in locales:
        months = {name: (month, locale) for name, month in _months(locale).items()}
        found = _named_month(line, months.get)
        if found:
            return found
    if everywhere:
        index = all_months()
        found = _named_month(line, index.get)
        if found:
            return found
    m = _NUMERIC.search(line)
    if m:
        d = _date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            return DateMatch(d, "", m.start(), m.end())
    return None


def _named_month(line: str, lookup: Callable[[str], tuple[int, str] | None]
                 ) -> DateMatch | None:
    for m in _DMY.finditer(line):
        hit = lookup(norm(m.group(2)).rstrip("."))
        if hit:
            d = _date(int(m.group(3)), hit[0], int(m.group(1)))
            if d:
                end = m.end()
                tail = _YEAR_WORDS.match(line[end:])
                return DateMatch(d, hit[1], m.start(), end + (tail.end() if tail else 0))
    for m in _MDY.finditer(line):
        hit = lookup(norm(m.group(1)).rstrip("."))
        if hit:
            d = _date(int(m.group(3)), hit[0], int(m.group(2)))
            if d:
                return DateMatch(d, hit[1], m.start(), m.end())
    return None


def looks_like_a_date(text: str) -> bool:
    """A day, a word and a year (or a word, a day and a year): worth asking every language."""
    line = text.translate(_DIGITS)
    return bool(_DMY.search(line) or _MDY.search(line))


def all_months() -> dict[str, tuple[int, str]]:
    """Month name -> (month, language) in every language CLDR has (the first language in
    alphabetical order wins a name several share). Remembered per machine: building it
    reads every locale's data."""
    import babel
    from babel.localedata import locale_identifiers

    from ..machine import remembered

    def compute() -> dict[str, list[object]]:
        index: dict[str, list[object]] = {}
        for lang in sorted({x.split("_")[0] for x in locale_identifiers()}):
            for name, month in _months(lang).items():
                if name and name not in index:
                    index[name] = [month, lang]
        return index

    def read(data: object) -> dict[str, tuple[int, str]] | None:
        if not isinstance(data, dict) or len(data) < 1000:
            return None
        out: dict[str, tuple[int, str]] = {}
        for name, value in data.items():
            if not (isinstance(value, list) and len(value) == 2 and type(value[0]) is int
                    and 1 <= value[0] <= 12 and isinstance(value[1], str)):
                return None
            out[name] = (value[0], value[1])
        return out

    return remembered("cldr-months", babel.__version__, compute, read)


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _without(markdown: str, plain_text: str, match: DateMatch) -> str:
    """``markdown`` without the date ``match`` found in its plain text (and the brackets
    or separator around it): "Meeting (06 November 2024)" -> "Meeting"."""
    date_text = plain_text[match.start:match.end]
    at = markdown.find(date_text)
    if at < 0:
        return markdown
    before, after = markdown[:at], markdown[at + len(date_text):]
    before = re.sub(r"[\s,;–—-]*\(?\s*$", "", before)
    after = re.sub(r"^\s*\)?", "", after)
    return (before + after).strip()


# ---------------------------------------------------------------- missions

def mission_names(project: Project, mission: Mission) -> dict[str, list[str]]:
    """The mission's name and address lines in each language the project has them in
    (the profile's own lines, then each catalogue's translations of them)."""
    from ..i18n import mission_domain
    from ..i18n.catalogs import read_catalog

    names = {"": list(mission.name_lines) + list(mission.address_lines)}
    for po in sorted(project.locales.glob(f"*/LC_MESSAGES/{mission_domain(mission.id)}.po")):
        try:
            cat = read_catalog(po)
        except (PublisherError, OSError):  # one that does not read: the others still match
            continue
        lang = po.parent.parent.name
        lines = []
        for line in names[""]:
            msg = cat.get(line)
            lines.append(msg.string if msg is not None and not msg.fuzzy else "")
        if all(lines):
            names[lang] = lines
    return names


def check_wordings(project: Project) -> set[str]:
    """"Check against delivery" in every language the project's catalogues have it in."""
    from ..i18n import TEMPLATES_DOMAIN
    from ..i18n.catalogs import read_catalog
    from ..i18n.wording import CHECK

    found = {norm(CHECK)}
    for po in sorted(project.locales.glob(f"*/LC_MESSAGES/{TEMPLATES_DOMAIN}.po")):
        try:
            msg = read_catalog(po).get(CHECK)
        except (PublisherError, OSError):
            continue
        if msg is not None and msg.string and not msg.fuzzy:
            found.add(norm(msg.string))
    return found


# ---------------------------------------------------------------- recognition

def recognise(draft: Draft, project: Project, missions: list[Mission]) -> Masthead:
    """The masthead fields of ``draft``, the block where its speech starts, and the lines
    above the speech that are no masthead line. ``missions``: the profiles to look for
    (one when ``--mission`` names it)."""
    from ..symbols import DEFAULT_GRAMMAR, symbol_problem

    result = Masthead()
    grammar_of = {m.id: m.symbols for m in missions}
    names = {m.id: mission_names(project, m) for m in missions}
    checks = check_wordings(project)
    locales = _locales(project, missions)
    pending: list[DraftLine] = []  # lines that may continue a mission name
    fields = result.fields

    def keep(line: DraftLine) -> None:
        """A line that is no masthead line: a body line stays in the speech; a page
        header's (a letterhead's address, telephone) is named and not used."""
        if line.place:
            result.notes.append((None, f"{line.place} line {line.line}: not a masthead "
                                       f"line, not used: {quoted(plain(line.text))}"))
        else:
            result.unplaced.append(line)

    def take(key: str, value: str, line: DraftLine, why: str) -> None:
        at = None if line.place else line.line
        if line.place:
            why = f"{why} ({line.place} line {line.line})"
        if key in fields:
            first = fields[key]
            result.notes.append((at, f"a second {key} line; the first one "
                                     f"({_where(first)}) is kept"))
            keep(line)
            return
        fields[key] = Found(key, value, at, why)

    def mission_progress(lines: list[DraftLine]) -> tuple[str, str] | None:
        """(mission id, language) when ``lines`` are the start of a mission's name and
        address lines, in one of its languages."""
        joined = norm(" ".join(plain(x.text) for x in lines))
        for mid, by_lang in names.items():
            for lang, name_lines in by_lang.items():
                for count in range(1, len(name_lines) + 1):
                    full = norm(" ".join(name_lines[:count]))
                    if joined == full or full.startswith(joined + " "):
                        return mid, lang
        return None

    def flush() -> None:
        if pending:
            fields.setdefault("mission", fields.pop("_mission"))
            pending.clear()

    def place(line: DraftLine) -> None:
        text = unwrap(line.text)
        flat = plain(text)
        if not flat.strip():
            return
        # the mission's name, possibly split over lines as the letterhead splits it
        progress = mission_progress([*pending, replace(line, text=text)])
        if progress is not None and "mission" not in fields:
            pending.append(replace(line, text=text))
            mid, lang = progress
            shown = " / ".join(plain(x.text) for x in pending)
            first = pending[0]
            why = f'"{shown}"' + (f" ({lang})" if lang else "")
            if first.place:
                why += f" ({first.place} line {first.line})"
            fields["_mission"] = Found("mission", mid, None if first.place else first.line, why)
            return
        flush()
        if norm(flat) in checks:
            take("check_against_delivery", "true", line, f'"{flat}"')
            return
        grammar = grammar_of.get(fields["mission"].value if "mission" in fields else "",
                                 DEFAULT_GRAMMAR)
        if " " not in flat.strip() and "/" in flat and symbol_problem(flat.strip(),
                                                                     grammar) is None:
            take("symbol", flat.strip(), line, f'"{flat}" ({grammar} symbol)')
            return
        if AGENDA.match(norm(flat)):
            take("agenda", text, line, f'"{_short(flat)}"')
            return
        date = find_date(flat, locales) if "date" not in fields else None
        if date is None and "date" not in fields and looks_like_a_date(flat):
            date = find_date(flat, locales, everywhere=True)
        if date is not None:
            where = f" ({date.locale})" if date.locale else ""
            take("date", date.date.isoformat(), line, f'"{flat[date.start:date.end]}"{where}')
            if date.locale:
                fields.setdefault("_date_locale", Found("_", date.locale, line.line, ""))
            rest = _without(text, flat, date)
            if not plain(rest).strip(" ()–—-,"):
                return
            text = unwrap(rest)
            flat = plain(text)
        if MEETING.search(flat) and "meeting" not in fields and not TITLE.match(norm(flat)):
            take("meeting", superscript_ordinals(text), line, f'"{_short(flat)}"')
            return
        if TITLE.match(norm(flat)) and "title" not in fields:
            title = title_case(text) if shouting(flat) else text
            why = f'"{_short(flat)}"' + (" (put in title case)" if title != text else "")
            take("title", title, line, why)
            return
        keep(replace(line, text=text))

    for line in draft.header:
        place(line)
    flush()
    blocks = draft.blocks
    start = len(blocks)
    for index, block in enumerate(blocks):
        if _speech_starts(block.text, fields, block.kind):
            start = index
            break
        for line in block.lines or (DraftLine(block.text, block.line),):
            place(line)
    flush()
    fields.pop("_mission", None)
    result.body_start = start
    _original(result, missions)
    return result


def _speech_starts(text: str, fields: dict[str, Found], kind: str) -> bool:
    flat = plain(unwrap(text)).strip()
    if kind == "paragraph" and len(flat) <= 60 and flat.endswith(",") and SALUTATION.match(flat):
        return True
    # After the title, a long paragraph is speech, unless it names the agenda item
    # (whose topic can run to several lines).
    return ("title" in fields and kind in ("paragraph", "item") and len(flat) > 200
            and not AGENDA.match(norm(flat)))


def _where(found: Found) -> str:
    return f"line {found.line}" if found.line else found.why.rsplit("(", 1)[-1].rstrip(")")


def quoted(text: str, width: int = 60) -> str:
    """A draft's text as a warning quotes it: shortened, in double quotes, escaped."""
    return json.dumps(_short(text, width), ensure_ascii=False)


def _short(text: str, width: int = 50) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _locales(project: Project, missions: list[Mission]) -> list[str]:
    """The locales whose month names a date may be in: the missions' languages and
    regional formats, the project's catalogues' languages, English."""
    found: list[str] = []
    for m in missions:
        found += list(m.regional_formats) + list(m.languages)
    if project.locales.is_dir():
        found += sorted(p.name for p in project.locales.iterdir() if p.is_dir())
    found.append("en")
    out: list[str] = []
    for tag in found:
        locale = tag.replace("-", "_")
        if locale not in out:
            out.append(locale)
    return out


def _original(result: Masthead, missions: list[Mission]) -> None:
    """The language the draft is written in: the date's, else the mission name's."""
    fields = result.fields
    date_locale = fields.pop("_date_locale", None)
    if date_locale is not None:
        lang = date_locale.value.split("_")[0]
        fields.setdefault("original", Found("original", lang, date_locale.line,
                                            "the language of the date"))
        return
    mission = fields.get("mission")
    if mission is not None and mission.why.endswith(")"):
        lang = mission.why.rsplit("(", 1)[1].rstrip(")")
        fields.setdefault("original", Found("original", lang, mission.line,
                                            "the language of the mission's name"))
