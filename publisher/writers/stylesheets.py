"""A page's stylesheet is parsed once per process, not once per PDF.

WeasyPrint parses every ``<style>`` element and stylesheet link of a page each time it
lays a page out: tokenizing, validating each declaration and compiling each selector
into Python code. Our print stylesheet is the same for every edition of a direction
(about 12 ms a page), and a worker lays out several pages, some of them twice (see
``breaks.typeset``). :func:`install` makes WeasyPrint reuse the parsed stylesheet when
the same text comes again in the same process, with the same base URL, media type and
font configuration.

What parsing a stylesheet does to the document besides (it appends the ``@page`` rules
to the document's list, adds ``@font-face`` faces to the font configuration) is done
again from what the first parse recorded: the rules are appended to the new
document's list, and the faces are in the configuration already, which is the same
object. A stylesheet with an ``@import``, ``@layer``, ``@counter-style``,
``@color-profile`` or ``@namespace`` rule is never reused, nor one whose parse changed
the document otherwise. Only text given as
text is reused, and ``data:`` URLs, whose text is the URL itself; a file can change
between two pages (``publisher serve``), and is read again each time.

``REVIEWED`` holds digests of the WeasyPrint sources this relies on; a test fails when
an upgrade changes them, so the change is reviewed, not silently broken.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from collections import OrderedDict
from typing import Any, Callable

from . import engine  # noqa: F401  (first: WeasyPrint's library lookups, cached)
import weasyprint
import weasyprint.css as weasy_css

REVIEWED = {
    "CSS.__init__": "8263e6979a389242",
    "find_stylesheets": "ac92dbb80c3fd936",
    "add_page_declarations": "78e388ade2325011",
}
"""SHA-256 (first 16 hex digits) of the WeasyPrint functions this module depends on, as
read in WeasyPrint 70.0: how a stylesheet is built and what it changes, how the
stylesheets of a page are found, how their ``@page`` rules are read."""

KEPT = 16
"""Parsed stylesheets kept per process (a long ``serve`` sees many versions)."""

_ORIGINAL: dict[str, Any] = {}
_PARSED: OrderedDict[tuple[Any, ...], tuple[Any, Any, list[Any]]] = OrderedDict()


def source_digests() -> dict[str, str]:
    functions = {
        "CSS.__init__": weasyprint.CSS.__init__,
        "find_stylesheets": weasy_css.find_stylesheets,
        "add_page_declarations": weasy_css.StyleFor.add_page_declarations,
    }
    return {name: hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]
            for name, function in functions.items()}


_AT_KEYWORD = re.compile(r"@((?:[\w-]|\\[0-9a-fA-F]{1,6}[ \t\n\r\f]?|\\[^0-9a-fA-F\n])+)")
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\(.)")
_NOT_REUSED = {"import", "layer", "counter-style", "color-profile", "namespace"}
"""At-rules whose effect is not the stylesheet's own rules and ``@page`` rules: an
imported file may change between two pages, the others change the document."""


def _at_keywords(text: str) -> set[str]:
    """The at-keywords of a stylesheet, escapes read (``@\\69mport`` is ``@import``)."""
    def unescape(match: re.Match[str]) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return match.group(2)

    return {_ESCAPE.sub(unescape, found).lower() for found in _AT_KEYWORD.findall(text)}


_REUSABLE = {"string", "url", "base_url", "media_type", "font_config", "counter_style",
             "color_profiles", "page_rules", "layers", "url_fetcher", "_check_mime_type"}
"""The arguments with which WeasyPrint builds a page's stylesheet; a call with others
(``matcher``, ``layer``: an ``@import``) or positional ones is passed through."""


def _reusing(original: Callable[..., Any]) -> Callable[..., Any]:
    def css(*args: Any, **kwargs: Any) -> Any:
        string, url = kwargs.get("string"), kwargs.get("url")
        text = string if string is not None else (
            url if isinstance(url, str) and url.startswith("data:") else None)
        shared: list[Any] = [kwargs.get(name) for name in
                             ("page_rules", "layers", "counter_style", "color_profiles")]
        if (text is None or args or set(kwargs) - _REUSABLE or None in shared
                or _at_keywords(text) & _NOT_REUSED):
            return original(*args, **kwargs)
        page_rules, layers, counter_style, color_profiles = shared
        font_config = kwargs.get("font_config")
        key = (text, string is None, kwargs.get("base_url"), kwargs.get("media_type", "print"),
               id(font_config))
        found = _PARSED.get(key)
        if found is not None and found[0] is font_config:
            _PARSED.move_to_end(key)
            _font_config, parsed, rules = found
            sheet = object.__new__(type(parsed))
            sheet.__dict__.update(parsed.__dict__)
            sheet.page_rules, sheet.layers = page_rules, layers
            page_rules.extend(rules)
            return sheet
        before = (len(page_rules), len(layers), len(counter_style), len(color_profiles))
        sheet = original(**kwargs)
        after = (len(page_rules), len(layers), len(counter_style), len(color_profiles))
        if before[1:] == after[1:]:  # only @page rules (and faces) besides its own
            _PARSED[key] = (font_config, sheet, page_rules[before[0]:])
            while len(_PARSED) > KEPT:
                _PARSED.popitem(last=False)
        return sheet

    css.original = original  # type: ignore[attr-defined]
    return css


def install() -> None:
    """Reuse parsed stylesheets in every page this process lays out (idempotent)."""
    if "CSS" in _ORIGINAL:
        return
    _ORIGINAL["CSS"] = weasy_css.CSS
    weasy_css.CSS = _reusing(weasy_css.CSS)
