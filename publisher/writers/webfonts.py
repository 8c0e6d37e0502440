"""The PDF's fonts for the web page: WOFF2 subsets embedded in the page's stylesheet.

A web page names the same families as the PDF (Noto Serif, Amiri) and gets them from the
same files (:func:`publisher.writers.fonts.static_faces`: the static instances the PDF
embeds), so it looks the same on every machine and fetches nothing: each face the page
uses is subset to the characters it draws in that face, compressed as WOFF2 and written
into the page as a ``data:`` URL.

Which face draws a character follows the stylesheet: the page's font stack (Amiri first
in a right-to-left page, Noto Serif first otherwise) and, for each character, the first
family that has a glyph for it, as a browser falls back. The regular face gets every
character of the page; the bold and italic faces what the elements the stylesheet sets
in bold or italic hold (:data:`BOLD` and :data:`ITALIC`: a superset is harmless, a
missing one would show another font, which the browser test catches). Upper- and
lower-case forms are both kept (the title is set in capitals by style), and so are the
characters the stylesheet itself prints (list bullets, hyphens, list numbers).

Subsets keep every OpenType layout feature a browser or WeasyPrint applies without
being asked (fontTools' default list: Arabic joining forms, required and standard
ligatures, contextual alternates, kerning, mark positioning), so Arabic shapes as in the
PDF; optional features no stylesheet of ours requests (stylistic sets, swashes) go.
Subsets are byte-identical for identical input (no timestamps are written) and are kept
in the per-machine cache folder, keyed by the font file and the characters.
"""

from __future__ import annotations

import base64
import hashlib
import io
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from ..machine import from_int_ranges, int_ranges, remembered
from .fonts import SUBSET_VERSION, cache_dir, cached_bytes, file_sha256, static_faces

STACKS = {"ltr": ("Noto Serif", "Amiri"), "rtl": ("Amiri", "Noto Serif")}
"""The stylesheet's font stacks (``html`` and ``html[dir="rtl"]`` in statement.css), by
direction: the page's, and in the language list (``.languages``) each name's own."""
OWN_DIRECTION = {"languages", "downloads"}
"""The classes of the elements inside which an element's ``dir`` chooses its font stack
(``.languages [dir]`` and ``.downloads [dir]`` in statement.css): language and format
names, each in the face of its own script."""

STYLE_CHARACTERS = " \u00a0\u2002-\u2010\u00ad\u2022\u2013.0123456789"
"""Characters the stylesheet prints or the browser adds: spaces, the hyphens of
automatic hyphenation, the list bullets (•, –) and numbered-list markers."""

BOLD = ({"strong", "b", "h1", "h2", "h3", "h4", "h5", "h6", "th"},
        {"title", "mission-name", "symbol", "meeting"}, {"aria-current"})
"""Elements set in bold: (tags, classes, attributes), as in statement.css."""
ITALIC = ({"em", "i", "cite"}, {"check"}, set[str]())
"""Elements set in italic: (tags, classes, attributes)."""
_SKIPPED = {"head", "style", "script", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


def _matches(rule: tuple[set[str], set[str], set[str]], tag: str,
             attrs: dict[str, str | None]) -> bool:
    tags, classes, attributes = rule
    return (tag in tags or bool(classes & set((attrs.get("class") or "").split()))
            or bool(attributes & set(attrs)))


class _TextStyles(HTMLParser):
    """The characters of a page's body by the face they are drawn in: (direction of the
    font stack, style, weight)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # (tag, skipped, bold, italic, stack direction, inside the language list)
        self.stack: list[tuple[str, bool, bool, bool, str, bool]] = []
        self.chars: dict[tuple[str, str, int], set[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _VOID:
            return
        _, skipped, bold, italic, direction, listed = (
            self.stack[-1] if self.stack else ("", False, False, False, "ltr", False))
        if tag == "html":
            direction = "rtl" if values.get("dir") == "rtl" else "ltr"
        elif listed and values.get("dir") in STACKS:
            direction = values["dir"] or direction
        listed = listed or bool(OWN_DIRECTION & set((values.get("class") or "").split()))
        self.stack.append((tag, skipped or tag in _SKIPPED, bold or _matches(BOLD, tag, values),
                           italic or _matches(ITALIC, tag, values), direction, listed))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):  # tolerate an unclosed inner element
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.stack or self.stack[-1][1]:
            return
        _, _, bold, italic, direction, _ = self.stack[-1]
        chars = set(data) | set(data.upper()) | set(data.lower())
        # whatever the stylesheet says, regular has all
        self.chars.setdefault((direction, "normal", 400), set()).update(chars)
        if bold or italic:
            face = (direction, "italic" if italic else "normal", 700 if bold else 400)
            self.chars.setdefault(face, set()).update(chars)


def _printable(chars: set[str]) -> set[str]:
    return {ch for ch in chars if unicodedata.category(ch) != "Cc" and len(ch) == 1}


@lru_cache(maxsize=8)
def _cmap(path: Path) -> frozenset[int]:
    """The code points a font file has glyphs for (remembered per machine, keyed on the
    file's name, size and time: reading a cmap means loading fontTools)."""
    st = path.stat()
    return remembered("cmap", f"{path}\0{st.st_size}\0{st.st_mtime_ns}",
                      lambda: int_ranges(_read_cmap(path)), from_int_ranges)


def _read_cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def _faces() -> dict[tuple[str, str, int], Path]:
    return {(family, style, weight): path for family, style, weight, path in static_faces()}


def page_faces(page: str) -> dict[tuple[str, str, int], str]:
    """(family, style, weight) -> the characters the page draws in that face."""
    parser = _TextStyles()
    parser.feed(page)
    parser.close()
    faces = _faces()
    wanted: dict[tuple[str, str, int], set[str]] = {}
    for (direction, style, weight), chars in sorted(parser.chars.items()):
        for ch in _printable(chars | set(STYLE_CHARACTERS)):
            for family in STACKS[direction]:
                path = faces.get((family, style, weight))
                if path is not None and ord(ch) in _cmap(path):
                    wanted.setdefault((family, style, weight), set()).add(ch)
                    break
    return {face: "".join(sorted(chars)) for face, chars in sorted(wanted.items())}


def subset_woff2(path: Path, chars: str) -> bytes:
    """A WOFF2 subset of the font at ``path`` holding ``chars`` with every layout feature
    (cached per machine; the same input always gives the same bytes)."""
    key = hashlib.sha256(f"{SUBSET_VERSION}\0{file_sha256(path)}\0{chars}".encode())
    cached = cache_dir() / "fonts" / f"web-{key.hexdigest()[:32]}.woff2"
    return cached_bytes(cached, lambda: _make_subset(path, chars),
                        lambda data: data[:4] == b"wOF2")


def _make_subset(path: Path, chars: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    # The default layout features stay (options.layout_features): joining forms,
    # ligatures, kerning, marks.
    options.name_IDs = ["*"]  # the licence and copyright travel with the font
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # screens at web sizes; a fifth of the size
    options.desubroutinize = True
    font = TTFont(str(path), recalcTimestamp=False)
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        buf = io.BytesIO()
        font.flavor = "woff2"
        font.save(buf, reorderTables=False)
    finally:
        font.close()
    return buf.getvalue()


def web_font_css(page: str) -> str:
    """``@font-face`` rules embedding the faces ``page`` uses, each a WOFF2 subset of the
    PDF's font file as a ``data:`` URL; sorted, so the same page gives the same rules."""
    faces = _faces()
    rules = []
    for (family, style, weight), chars in page_faces(page).items():
        data = base64.b64encode(subset_woff2(faces[(family, style, weight)], chars)).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{family}"; font-style: {style}; '
                     f"font-weight: {weight}; font-display: block; "
                     f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}')
    return "\n".join(rules)
