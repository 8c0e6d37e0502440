"""Document symbols as OSCE documents write them (see the masthead conventions).

``<BODY>.<TYPE>/<serial>/<yy>``, optionally ``/Rev.N`` or ``/Add.N``, optionally a space
and a distribution marker such as ``OSCE+``. Journals and decisions carry no year.
A symbol that does not follow the grammar is printed as written, with a warning: the
series of some bodies (joint FSC-PC meetings) is not confirmed.
"""

from __future__ import annotations

import re

BODIES = ("PC", "FSC", "MC", "SEC", "CIO")
TYPES_WITH_YEAR = ("DEL", "GAL", "DOC")
TYPES_WITHOUT_YEAR = ("JOUR", "DEC")

_SYMBOL = re.compile(
    rf"^(?P<body>{'|'.join(BODIES)})\.(?P<type>{'|'.join(TYPES_WITH_YEAR + TYPES_WITHOUT_YEAR)})"
    r"/(?P<serial>[1-9]\d*)(?:/(?P<year>\d{2}))?(?P<suffix>(?:/(?:Rev|Add)\.[1-9]\d*)*)"
    r"(?: (?P<marker>[A-Z]+\+?))?$")


def symbol_problem(symbol: str) -> str | None:
    """None if ``symbol`` follows the grammar, else a sentence saying what is off."""
    m = _SYMBOL.match(symbol)
    if not m:
        return (f"document symbol '{symbol}' does not follow the pattern BODY.TYPE/serial/yy "
                f"(bodies {', '.join(BODIES)}; e.g. PC.DEL/627/17, FSC.DEL/25/21/Add.1)")
    if m.group("type") in TYPES_WITH_YEAR and not m.group("year"):
        return f"document symbol '{symbol}' lacks the two-digit year (e.g. PC.DEL/627/17)"
    if m.group("type") in TYPES_WITHOUT_YEAR and m.group("year"):
        return f"document symbol '{symbol}': journals and decisions carry no year"
    return None
