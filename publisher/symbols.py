"""Document symbols, checked against the grammar of the organization a mission works at.

A mission profile chooses the grammar (``symbols: osce | un | iaea``, OSCE by default).
A symbol that does not follow it is printed as written, with a warning (a ``--strict``
build stops on it): the series of some bodies are not confirmed, so a symbol is never
refused outright. Each grammar below keeps the facts it relies on.

**OSCE** (seen on real OSCE documents, see ``OSCE-CONVENTIONS.md``):
``<BODY>.<TYPE>/<serial>/<yy>``, optionally ``/Rev.N`` or ``/Add.N``, optionally a
space and a distribution marker such as ``OSCE+``: ``PC.DEL/627/17``,
``PC.DEL/1229/20 OSCE+``, ``FSC.DEL/25/21/Add.1``. Journals and decisions carry no year
(``PC.JOUR/1283``).

**UN** (the UN Dag Hammarskjöld Library's research guide "UN Document Symbols",
research.un.org/en/docs/symbols, and its Security Council guide): components separated
by ``/``.

- The first names the organ or series: ``A`` General Assembly, ``S`` Security Council,
  ``E`` ECOSOC, ``ST`` Secretariat, or a body's own series (``CRC``, ``UNEP``, ``TD``).
- Subsidiary bodies follow, some numbered: ``AC.`` ad hoc committee, ``C.`` main
  committee (``A/C.1``), ``CN.`` commission (``E/CN.6``), ``CONF.``, ``GC.``, ``PC``,
  ``SC.``, ``Sub.``, ``WG.``; bodies with their own acronym too (``A/HRC``).
- The session or year: the General Assembly's session since 1976 (``A/78/…``), the year
  for ECOSOC since 1978 and the Security Council since 1994 (``S/2024/123``); special and
  emergency special sessions are written ``S-10`` and ``ES-11`` (``A/RES/ES-11/1``).
- Special components give the document's nature: ``RES`` resolutions, ``INF``, ``PRST``,
  ``NGO``, ``PET``, and, followed by a number, ``L.`` limited distribution (drafts),
  ``PV.`` verbatim records, ``SR.`` summary records, ``CRP.``, ``WP.``, ``R.``.
- The document's number ends the main part: a serial (``S/2024/123``) or a numbered
  special component (``A/78/L.1``, ``S/PV.8039``).
- Then modifications: ``/Rev.N`` revision, ``/Add.N`` addendum, ``/Corr.N``
  corrigendum, ``/Amend.N`` amendment, ``/Summary``; a final ``*`` marks a document
  reissued for technical reasons (``A/65/L.78*``).
- Security Council resolutions and meeting records carry no year component: the year
  is appended in parentheses (``S/RES/2231 (2015)``), and a resumed meeting's record
  says so (``S/PV.8039 (Resumption 1)``).

**IAEA** (symbols on the Agency's documents: ``GC(63)/RES/10``,
``GC(63)/RES/DEC(2019)``, ``GC(SPL.2)/RES/DEC(2019)``, ``GC(61)/INF/4``,
``GOV/2020/35-GC(64)/7*``, ``INFCIRC/153 (Corrected)``, ``INFCIRC/540 (Corrected)``,
``INFCIRC/254/Rev.10/Part 2``, ``INFCIRC/254/Rev.2/Part 1/Add.1``):

- General Conference: ``GC(<session>)`` (a special session ``GC(SPL.N)``), then a serial
  (``GC(64)/7``), ``RES/N``, ``INF/N``, or the yearly compilation ``RES/DEC(<yyyy>)``.
- Board of Governors: ``GOV/<yyyy>/<serial>``; a report to both organs joins the two
  symbols with a hyphen (``GOV/2020/35-GC(64)/7``).
- Information circulars: ``INFCIRC/<serial>``, then ``/Rev.N``, ``/Part N`` and
  ``/Add.N``/``/Corr.N`` as issued; a corrected reprint adds `` (Corrected)``.
- A final ``*`` marks a document posted again.
"""

from __future__ import annotations

import re

GRAMMARS = ("osce", "un", "iaea")
"""The values of a mission profile's ``symbols:`` key."""
DEFAULT_GRAMMAR = "osce"

_CHOOSE = "(a mission profile chooses the grammar: symbols: osce, un or iaea)"

# ---------------------------------------------------------------- OSCE

BODIES = ("PC", "FSC", "MC", "SEC", "CIO")
TYPES_WITH_YEAR = ("DEL", "GAL", "DOC")
TYPES_WITHOUT_YEAR = ("JOUR", "DEC")

_SYMBOL = re.compile(
    rf"^(?P<body>{'|'.join(BODIES)})\.(?P<type>{'|'.join(TYPES_WITH_YEAR + TYPES_WITHOUT_YEAR)})"
    r"/(?P<serial>[1-9]\d*)(?:/(?P<year>\d{2}))?(?P<suffix>(?:/(?:Rev|Add)\.[1-9]\d*)*)"
    r"(?: (?P<marker>[A-Z]+\+?))?$")


def _osce_problem(symbol: str) -> str | None:
    m = _SYMBOL.match(symbol)
    if not m:
        return (f"document symbol '{symbol}' does not follow the pattern "
                f"BODY.TYPE/serial/yy of OSCE documents (bodies {', '.join(BODIES)}; e.g. PC.DEL/627/17, "
                f"FSC.DEL/25/21/Add.1) {_CHOOSE}")
    if m.group("type") in TYPES_WITH_YEAR and not m.group("year"):
        return f"document symbol '{symbol}' lacks the two-digit year (e.g. PC.DEL/627/17)"
    if m.group("type") in TYPES_WITHOUT_YEAR and m.group("year"):
        return f"document symbol '{symbol}': journals and decisions carry no year"
    return None


# ---------------------------------------------------------------- UN

UN_NUMBERED = ("L", "PV", "SR", "CRP", "WP", "R")
"""Special components followed by the document's number (``L.1``, ``PV.8039``)."""
UN_MODIFICATIONS = ("Rev", "Add", "Corr", "Amend")

_N = r"[1-9]\d*"
_UN_TAIL = re.compile(r"^(?P<core>\S+?)(?P<reissued>\*)?(?: \((?P<note>[^()]*)\))?$")
_UN_SERIES = re.compile(r"[A-Z]{1,6}")
_UN_BODY = re.compile(rf"(?:[A-Z]{{1,6}}|Sub)(?:\.{_N})?")
_UN_SESSION = re.compile(rf"(?:E?S-)?{_N}")
_UN_SERIAL = re.compile(rf"{_N}|(?:{'|'.join(UN_NUMBERED)})\.{_N}")
_UN_MODIFICATION = re.compile(rf"(?:{'|'.join(UN_MODIFICATIONS)})\.{_N}|Summary")
_UN_PATTERN = ("the UN pattern ORGAN/[body/][session or year/]number[/Rev.N|/Add.N|/Corr.N] "
               "(e.g. S/PV.8039, A/78/L.1, S/RES/2231 (2015), A/HRC/55/L.12/Rev.1)")


def _un_problem(symbol: str) -> str | None:
    def off(why: str) -> str:
        return f"document symbol '{symbol}' does not follow {_UN_PATTERN}: {why}"

    m = _UN_TAIL.match(symbol)
    if not m:
        return off("only a year or a resumption may follow it, in parentheses after a space")
    parts = m.group("core").split("/")
    if any(not p for p in parts):
        return off("it has an empty component (two slashes, or one at an end)")
    if not _UN_SERIES.fullmatch(parts[0]):
        return off(f"'{parts[0]}' is not an organ or series (capital letters: A, S, E, ST, "
                   "CRC, …)")
    main = parts[1:]
    modifications = 0
    while main and _UN_MODIFICATION.fullmatch(main[-1]):
        main.pop()
        modifications += 1
    if not main:
        return off("it has no document number after the organ")
    *middle, last = main
    for part in middle:
        if not (_UN_BODY.fullmatch(part) or _UN_SESSION.fullmatch(part)):
            if _UN_MODIFICATION.fullmatch(part):
                return off(f"'{part}' must come after the document number")
            return off(f"'{part}' is not a body, session, year or document type")
    if not _UN_SERIAL.fullmatch(last):
        return off(f"it ends in '{last}', not in a document number (a serial such as 123, "
                   f"or {', '.join(t + '.N' for t in UN_NUMBERED)})")
    note = m.group("note")
    if note is not None:
        record = last.startswith("PV.") and not middle
        resolution = middle == ["RES"]
        if parts[0] != "S" or not (record or resolution):
            return off("only Security Council resolutions and meeting records (S/RES/N, "
                       "S/PV.N) add a year in parentheses")
        if not (re.fullmatch(r"(?:19|20)\d\d", note)
                or (record and re.fullmatch(rf"Resumption {_N}", note))):
            return off(f"'({note})' is neither a four-digit year nor (Resumption N)")
    return None


# ---------------------------------------------------------------- IAEA

_GC = rf"GC\((?:{_N}|SPL\.{_N})\)/(?:RES/DEC\((?:19|20)\d\d\)|(?:RES|INF)/{_N}|{_N})"
_GOV = rf"GOV/(?:19|20)\d\d/{_N}"
_INFCIRC = rf"INFCIRC/{_N}(?:/Rev\.{_N})?(?:/Part {_N})?(?:/(?:Add|Corr)\.{_N})*(?: \(Corrected\))?"
_IAEA_MODIFICATIONS = rf"(?:/(?:Rev|Add|Corr)\.{_N})*"
_IAEA = re.compile(rf"^(?:(?:{_GOV}(?:-{_GC})?|{_GC}){_IAEA_MODIFICATIONS}|{_INFCIRC})\*?$")


def _iaea_problem(symbol: str) -> str | None:
    if _IAEA.match(symbol):
        return None
    return (f"document symbol '{symbol}' does not follow the IAEA patterns GC(session)/N, "
            "GC(session)/RES/N, GC(session)/INF/N, GOV/yyyy/N or INFCIRC/N (e.g. "
            "GC(68)/RES/10, GOV/2024/12, INFCIRC/153 (Corrected), INFCIRC/540/Add.1)")


# ---------------------------------------------------------------- entry point

_CHECKS = {"osce": _osce_problem, "un": _un_problem, "iaea": _iaea_problem}


def symbol_problem(symbol: str, grammar: str = DEFAULT_GRAMMAR) -> str | None:
    """None if ``symbol`` follows the ``grammar`` (one of :data:`GRAMMARS`), else a
    sentence saying what is off."""
    return _CHECKS[grammar](symbol)
