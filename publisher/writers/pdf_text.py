"""A PDF text layer that reads back as it was written, in every script.

WeasyPrint 70 draws a line as glyph ids (``CIDToGIDMap /Identity``) and writes one
``ToUnicode`` entry per glyph: the text of the glyph's *first* use, and its font advance
as the glyph's width, with kerning, justification and mark offsets as adjustments inside
the ``TJ`` array. Text extraction then goes wrong in ways a reader sees (issue 11, item 2;
WeasyPrint's own issue #2841):

- a glyph that shaping uses for different text keeps its first text. Amiri draws a
  medial lam as two glyphs of one cluster; the second glyph is mapped to "" or to "ل" by
  whichever use came first, so every later «الك» reads «اللك»;
- a mark placed with an x offset (tanwīn, ḍamma) is surrounded by ``TJ`` adjustments of
  half a space or more, where pdfium (Chrome's PDF engine) inserts a space: «إيمانا ً»;
- Arabic kerning after ر, ز, و leaves gaps of 0.1 em, where poppler ends the word.

The fix here is a correct glyph-to-text mapping: every *occurrence* is written with a
character code of its own kind, one per distinct (glyph, text, advance). Each code has
exactly one ``ToUnicode`` entry (the cluster's text on the cluster's first glyph, nothing
on the others) and its own width in ``/W``, which already includes the kerning, the
justification and the offset of the next glyph. ``CIDToGIDMap`` maps the codes back to
glyphs. A line is then one ``TJ`` array with no adjustments inside words, and both
engines read each word as one run of its own characters. Glyph positions are unchanged
(to 0.1/1000 em, with the rounding carried so it never accumulates along a line).

``/ActualText`` on marked content was measured and rejected: pdfium appends it in
content order into a visual-order buffer and reverses right-to-left runs (it needs the
text reversed), poppler reverses only all-right-to-left strings itself (it needs logical
order), so no one spelling reads back in both.

Two WeasyPrint functions are replaced once :func:`install` ran, nothing else:
``draw.text.draw_first_line`` for lines in vector fonts (colour and bitmap fonts, and
lines with ``text-overflow: ellipsis``, still go to WeasyPrint's own), and the font
dictionaries are corrected after ``pdf.fonts.build_fonts_dictionary`` wrote them.
``REVIEWED`` holds digests of the WeasyPrint sources this was written against; a test
fails when an upgrade changes them, so the change is reviewed, not silently broken.
Offered upstream, the change is the same two steps inside those two functions.
"""

from __future__ import annotations

import hashlib
import inspect
import struct
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Final

from io import BytesIO

import pydyf
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont
from . import engine  # noqa: F401  (first: WeasyPrint's library lookups, cached)
import weasyprint.draw.text as draw_text
import weasyprint.pdf as weasy_pdf
import weasyprint.pdf.fonts as weasy_fonts
from weasyprint.logger import LOGGER
from weasyprint.text.ffi import FROM_UNITS, ffi, pango

REVIEWED = {
    "draw_first_line": "1bb8eae6d88e71b1",
    "build_fonts_dictionary": "fc551bef35d0d6c3",
    "_build_vector_font_dictionary": "aa6eea312c6e3375",
}
"""SHA-256 (first 16 hex digits) of the WeasyPrint functions this module replaces or
depends on, as read in WeasyPrint 70.0."""

PRECISION = 1
"""Decimals kept of a width in 1/1000 em: 0.1 unit is 0.0012 pt at 12 pt."""

FOLD = 80
"""A move of 0.08 em or more between two glyphs goes into the first one's width, under
the gap either engine takes for a space (poppler 0.1 em, pdfium half a space's width)
with a margin; letter-spaced text (0.06 em) keeps one code per glyph."""

CODES = "_publisher_codes"
OUTLINES = "_publisher_outlines"


def source_digests() -> dict[str, str]:
    functions = {
        "draw_first_line": draw_text.draw_first_line
        if not _installed() else _ORIGINAL["draw_first_line"],
        "build_fonts_dictionary": weasy_fonts.build_fonts_dictionary,
        "_build_vector_font_dictionary": weasy_fonts._build_vector_font_dictionary,
    }
    return {name: hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]
            for name, function in functions.items()}


@dataclass
class Codes:
    """The character codes of one PDF font: one per distinct (glyph, text, width), in
    order of first use from 1 (code 0 is .notdef's). ``natural`` caches the font's own
    width of each (glyph, size)."""

    uses: dict[tuple[int, str, float], int] = field(default_factory=dict)
    natural: dict[tuple[int, float], float] = field(default_factory=dict)
    shown: dict[tuple[int, str, float], str] = field(default_factory=dict)
    """Each use's code as the ``TJ`` string writes it (four hexadecimal digits)."""


# -- drawing --------------------------------------------------------------------------


_Glyph = tuple[int, str | None, float, float, float, float]
"""A glyph as drawn (a plain tuple: a page makes tens of thousands of them):

- glyph: its id; -1: nothing drawn (an empty glyph), only the pen moves;
- text: None on a cluster's further glyph, drawn as an outline, not text;
- advance, dx: 1/1000 em;
- rise: text space units;
- natural: the glyph's own width in the font, 1/1000 em.
"""
RISE: Final = 4
"""The index of a :data:`_Glyph`'s rise."""


_MARKS = {"Mn", "Me"}


def _is_mark(ch: str) -> bool:
    """Whether ``ch`` is a combining mark (none lies below U+0300; "" is none)."""
    return ch >= "\u0300" and unicodedata.category(ch) in _MARKS


def _units(starts: list[int], texts: dict[int, str]) -> dict[int, int]:
    """The cluster whose glyph carries each cluster's text (logical starts): a cluster of
    combining marks goes with the letter before it. A mark sits on its letter with an
    offset; as a character of its own, drawn there, pdfium reads a space before it
    («إيمانا ً») and poppler may put it on a line of its own."""
    carrier = {start: start for start in starts}
    for previous, start in zip(starts, starts[1:], strict=False):
        if _is_mark(texts[start][:1]):
            carrier[start] = carrier[previous]
    return carrier


_GLYPH_INFO = struct.Struct("=Iiii4x")
"""``PangoGlyphInfo``: the glyph, its geometry (width, x and y offset), its attributes."""


@lru_cache(maxsize=1)
def _packed_glyph_infos() -> bool:
    return bool(ffi.sizeof("PangoGlyphInfo") == _GLYPH_INFO.size)


@lru_cache(maxsize=1)
def _font_size_from_style() -> bool:
    """Pango before 1.48.2 gives fonts a wrong size (Pango's issue 530): WeasyPrint then
    takes the style's, and so do we."""
    return bool(pango.pango_version() < 14802)


def _glyph_infos(glyph_string: Any, count: int) -> list[tuple[int, int, int, int]]:
    """(glyph, width, x_offset, y_offset) of each glyph, read in one go (element by
    element through cffi costs a third of the text layer's time)."""
    if _packed_glyph_infos():
        data = ffi.buffer(glyph_string.glyphs, count * _GLYPH_INFO.size)
        return list(_GLYPH_INFO.iter_unpack(data))
    infos = [glyph_string.glyphs[i] for i in range(count)]  # pragma: no cover
    return [(i.glyph, i.geometry.width, i.geometry.x_offset, i.geometry.y_offset)
            for i in infos]  # pragma: no cover


def _has_marks(text: str) -> bool:
    """Whether ``text`` holds a combining mark."""
    return not text.isascii() and any(map(_is_mark, text))


def _run_glyphs(glyph_item: Any, utf8: bytes, font_size: float, codes: Codes
                ) -> list[_Glyph]:
    """A run's glyphs in visual order; each unit's text (see :func:`_units`) on the first
    glyph of its letter, in logical order; the unit's other glyphs carry none."""
    item = glyph_item.item
    analysis = item.analysis
    pango_font = analysis.font
    glyph_string = glyph_item.glyphs
    count = glyph_string.num_glyphs
    clusters = ffi.unpack(glyph_string.log_clusters, count)
    offset = item.offset
    rtl = bool(analysis.level % 2)
    whole = utf8[offset:offset + item.length].decode()
    texts: Any
    if (not rtl and len(whole) == count and clusters == sorted(set(clusters))
            and not _has_marks(whole)):
        # Most runs of left-to-right text: as many glyphs as characters, each glyph its
        # own cluster, in order, so each cluster is one character, drawn by one glyph.
        texts = whole
    else:
        texts = _glyph_texts(clusters, utf8, offset, item.length, rtl)
    scale = FROM_UNITS * 1000 / font_size
    empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
    natural_widths = codes.natural
    glyphs: list[_Glyph] = []
    append = glyphs.append
    for text, (glyph, width, x_offset, y_offset) in zip(
            texts, _glyph_infos(glyph_string, count), strict=True):
        if glyph == empty:
            glyph = -1
        elif glyph & unknown:
            codepoint = glyph - unknown
            LOGGER.warning(
                '.notdef glyph rendered for Unicode string unsupported by fonts: '
                '"%s" (U+%04X)', chr(codepoint), codepoint)
            glyph = 0
        natural = 0.0
        if glyph > 0:
            found = natural_widths.get((glyph, font_size))
            natural = found if found is not None else _natural_width(
                codes, pango_font, glyph, font_size)
        append((glyph, text, width * scale, x_offset * scale, -y_offset * FROM_UNITS,
                natural))
    return glyphs


def _glyph_texts(clusters: list[int], utf8: bytes, offset: int, length: int, rtl: bool
                 ) -> list[str | None]:
    """The text each glyph of a run carries, in the glyphs' (visual) order: its unit's
    on the first glyph of the unit's letter, None on the others."""
    starts = sorted(set(clusters))
    ends = dict(zip(starts, [*starts[1:], length], strict=True))
    texts = {start: utf8[offset + start:offset + ends[start]].decode() for start in starts}
    carrier = _units(starts, texts)
    unit_text: dict[int, str] = {}
    for start in starts:  # logical order
        unit_text[carrier[start]] = unit_text.get(carrier[start], "") + texts[start]
    if rtl:
        # Both engines take the characters of one code as drawn, left to right, and
        # reverse a right-to-left run as a whole: written in visual order, they come
        # back in the order they were typed.
        unit_text = {start: text[::-1] for start, text in unit_text.items()}
    out: list[str | None] = []
    for start in clusters:
        out.append(unit_text.pop(start) if start in unit_text and carrier[start] == start
                   else None)
    return out


def _natural_width(codes: Codes, pango_font: Any, glyph: int, font_size: float) -> float:
    width = codes.natural.get((glyph, font_size))
    if width is None:
        ink, logical = ffi.new("PangoRectangle *"), ffi.new("PangoRectangle *")
        pango.pango_font_get_glyph_extents(pango_font, glyph, ink, logical)
        width = codes.natural[glyph, font_size] = logical.width * FROM_UNITS * 1000 / font_size
    return width


def _show(stream: Any, font: Any, codes: Codes, glyphs: list[_Glyph]
          ) -> tuple[list[tuple[int, float]], float]:
    """Draw glyphs of one rise as one ``TJ``: a leading move for the first glyph's offset,
    then each code's own width carries the pen to the next glyph's drawing position.

    Returns the pen's advance (1/1000 em) and the glyphs left to draw as outlines, with
    their positions from the start: a cluster's glyphs after its first, which carry no text of their own. A
    character code that maps to no text is read as a stray character by both engines
    (pdfium takes the code itself for a character).
    """
    text_glyphs, outlines = [], []
    pen = 0.0
    positions: list[float] = []
    for g in glyphs:
        glyph, text, advance, dx, _rise, _natural = g
        if glyph >= 0 and text is None:
            outlines.append((glyph, pen + dx))
        elif glyph >= 0:
            text_glyphs.append(g)
            positions.append(pen + dx)
        pen += advance
    if not text_glyphs:
        if pen:
            stream.show_text(f"{-round(pen, PRECISION)}")
        return outlines, pen
    positions.append(pen)
    parts = []
    start = round(positions[0], PRECISION)
    if start:
        parts.append(f"{-start}")
    drift = positions[0] - start  # where the pen is short of the exact position
    hexes: list[str] = []
    uses, shown, to_unicode, widths = codes.uses, codes.shown, font.to_unicode, font.widths
    spaces = [g[1] is not None and g[1].isspace() for g in text_glyphs]
    spaces.append(False)
    for i, (glyph, text, _advance, _dx, _rise, natural) in enumerate(text_glyphs):
        assert text is not None
        move = positions[i + 1] - positions[i] + drift
        # A glyph keeps the font's width, and a small difference (kerning) or any
        # difference next to a space (justification) stays a move in the TJ array, as
        # WeasyPrint writes it: one code per glyph. A difference inside a word that a
        # reader could take for a word gap (an Arabic kern, a mark's offset) goes into
        # the code's own width instead.
        width = round(natural, PRECISION) + 0.0
        if abs(move - natural) >= FOLD and not (spaces[i] or spaces[i + 1]):
            width = round(move, PRECISION) + 0.0
        key = (glyph, text, width)
        code_hex = shown.get(key)
        if code_hex is None:  # a new use: a new code
            code = uses[key] = len(uses) + 1
            if code > 0xFFFF:
                raise OverflowError("more than 65,535 distinct glyph uses in one font")
            code_hex = shown[key] = f"{code:04x}"
            to_unicode.setdefault(glyph, text)  # the glyphs the subset keeps
            widths.setdefault(glyph, width)
        hexes.append(code_hex)
        drift = move - width
        rounded = round(drift, PRECISION)
        if rounded:
            parts.append("<" + "".join(hexes) + f">{-rounded}")
            hexes = []
            drift -= rounded
    if hexes:
        parts.append("<" + "".join(hexes) + ">")
    stream.show_text("".join(parts))
    return outlines, pen


class _OutlinePen(BasePen):  # type: ignore[misc]
    """A glyph outline as PDF path operators (fontTools turns quadratic curves cubic)."""

    def __init__(self, glyph_set: Any, stream: Any) -> None:
        super().__init__(glyph_set)
        self.stream = stream

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.stream.move_to(*pt)

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self.stream.line_to(*pt)

    def _curveToOne(self, pt1: tuple[float, float], pt2: tuple[float, float],
                    pt3: tuple[float, float]) -> None:
        self.stream.curve_to(*pt1, *pt2, *pt3)

    def _closePath(self) -> None:
        self.stream.close()


def _glyph_set(font: Any) -> Any:
    cached = getattr(font, OUTLINES, None)
    if cached is None:
        ttfont = TTFont(BytesIO(font.file_content), fontNumber=font.index, lazy=True)
        cached = (ttfont.getGlyphOrder(), ttfont.getGlyphSet())
        setattr(font, OUTLINES, cached)
    return cached


def _draw_outlines(stream: Any, font: Any, font_size: float, outlines: list[tuple[int, float]],
                   origin: tuple[float, float], start: float, rise: float) -> None:
    """Outside the text object: each glyph filled as a path at its place on the line."""
    order, glyph_set = _glyph_set(font)
    scale = font_size / font.upem
    x, y = origin
    stream.end_text()
    for glyph, position in outlines:
        stream.push_state()
        stream.transform(scale, 0, 0, -scale, x + start + position * font_size / 1000,
                         y - rise)
        glyph_set[order[glyph]].draw(_OutlinePen(glyph_set, stream))
        stream.fill()
        stream.pop_state()
    stream.begin_text()


def _codes(font: Any) -> Codes:
    codes: Codes | None = getattr(font, CODES, None)
    if codes is None:
        codes = Codes()
        setattr(font, CODES, codes)
    return codes


def _plain_font(font: Any) -> bool:
    return not (font.bitmap or font.png or font.svg or font.colr)


def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: Any,
                    matrix: Any) -> list[Any]:
    """WeasyPrint's ``draw_first_line`` for plain vector fonts, with a code per glyph use."""
    if not textbox.text.strip() or textbox.style["font_size"] < 1e-6:
        return []
    if text_overflow == "ellipsis" or block_ellipsis != "none":
        return _ORIGINAL["draw_first_line"](stream, textbox, text_overflow, block_ellipsis,
                                            matrix)
    layout = textbox.pango_layout
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _index = layout.get_first_line()
    runs = []
    run = first_line.runs[0]
    # A justified line is a run per word, mostly in one font: each font is looked up
    # once (while the layout holds them, one address is one font; cffi pointers hash
    # and compare by address).
    fonts: dict[Any, tuple[Any, float]] = {}
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        pango_font = glyph_item.item.analysis.font
        found = fonts.get(pango_font)
        if found is None:
            found = fonts[pango_font] = stream.add_font(pango_font)
        font, font_size = found
        if not _plain_font(font):
            return _ORIGINAL["draw_first_line"](stream, textbox, text_overflow,
                                                block_ellipsis, matrix)
        if _font_size_from_style():  # as WeasyPrint does
            font_size = textbox.style["font_size"]
        runs.append((glyph_item, font, font_size))

    stream.set_text_matrix(*matrix.values)
    utf8 = layout.text.encode()
    # Runs split where WeasyPrint justifies (spacing is an attribute of the spaces);
    # runs of one font and size are drawn as one, so a line is one TJ per font and rise.
    stretches: list[tuple[Any, float, list[_Glyph]]] = []
    for glyph_item, font, font_size in runs:
        glyphs = _run_glyphs(glyph_item, utf8, font_size, _codes(font))
        if stretches and stretches[-1][0] is font and stretches[-1][1] == font_size:
            stretches[-1][2].extend(glyphs)
        else:
            stretches.append((font, font_size, glyphs))
    origin = matrix.values[4], matrix.values[5]
    pen = 0.0  # user units along the line
    for font, font_size, glyphs in stretches:
        codes = _codes(font)
        stream.set_font_size(font.hash, font_size)
        # One TJ per stretch of one rise (marks raised by the font need a Ts).
        start = 0
        for end in range(1, len(glyphs) + 1):
            if end == len(glyphs) or glyphs[end][RISE] != glyphs[start][RISE]:
                rise = glyphs[start][RISE]
                if rise:
                    stream.set_text_rise(rise)
                outlines, advance = _show(stream, font, codes, glyphs[start:end])
                advance *= font_size / 1000
                if outlines:
                    _draw_outlines(stream, font, font_size, outlines, origin, pen, rise)
                    a, b, c, d, e, f = matrix.values
                    stream.set_text_matrix(a, b, c, d, e + pen + advance, f)
                pen += advance
                if rise:
                    stream.set_text_rise(0)
                start = end
    return []


# -- font dictionaries ----------------------------------------------------------------


def _object(pdf: pydyf.PDF, reference: bytes) -> Any:
    return pdf.objects[int(reference.split()[0])]


def _to_unicode_cmap(codes: Codes) -> list[bytes]:
    lines = [
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
        b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
        b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
        b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    entries = [(code, text) for (_glyph, text, _width), code in codes.uses.items()]
    for i in range(0, len(entries), 100):
        batch = entries[i:i + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for code, text in batch:
            lines.append(f"<{code:04x}> <{text.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return lines


def build_fonts_dictionary(pdf: pydyf.PDF, fonts: dict[str, Any], compress: bool,
                           subset: bool, options: dict[str, Any]) -> pydyf.Dictionary:
    """WeasyPrint's font dictionaries, then each font's codes written over them: its
    ``ToUnicode``, ``/W`` and a ``CIDToGIDMap`` stream."""
    pdf_fonts = _ORIGINAL["build_fonts_dictionary"](pdf, fonts, compress, subset, options)
    for font in fonts.values():
        codes: Codes | None = getattr(font, CODES, None)
        if codes is None or font.bitmap:
            continue
        if font.used_in_forms or not subset:
            raise NotImplementedError("per-use glyph codes need subset fonts, not forms")
        font_dictionary = _object(pdf, pdf_fonts[font.hash])
        _object(pdf, font_dictionary["ToUnicode"]).stream = _to_unicode_cmap(codes)
        font_dictionary["Encoding"] = "/Identity-H"
        descendant = _object(pdf, font_dictionary["DescendantFonts"][0])
        # Codes run from 1 in order of first use; code 0 stays .notdef.
        descendant["W"] = pydyf.Array(
            [1, pydyf.Array([width for _glyph, _text, width in codes.uses])])
        glyph_map = pydyf.Stream(
            [b"".join(glyph.to_bytes(2, "big") for glyph, _text, _width in
                      [(0, "", 0.0), *codes.uses])],
            compress=compress)
        pdf.add_object(glyph_map)
        descendant["CIDToGIDMap"] = glyph_map.reference
        descriptor = _object(pdf, descendant["FontDescriptor"])
        if "CIDSet" in descriptor:
            used = len(codes.uses) + 1
            bits = (1 << used) - 1  # every code is in use
            padded = (used + 7) // 8
            cid_set = pydyf.Stream([(bits << (padded * 8 - used)).to_bytes(padded, "big")],
                                   compress=compress)
            pdf.add_object(cid_set)
            descriptor["CIDSet"] = cid_set.reference
    return pdf_fonts


# -- installation ---------------------------------------------------------------------

_ORIGINAL: dict[str, Callable[..., Any]] = {}


def _installed() -> bool:
    return draw_text.draw_first_line is draw_first_line


def install() -> None:
    """Use this module's text layer for every PDF this process writes (idempotent)."""
    if _installed():
        return
    _ORIGINAL["draw_first_line"] = draw_text.draw_first_line
    _ORIGINAL["build_fonts_dictionary"] = weasy_pdf.build_fonts_dictionary
    draw_text.draw_first_line = draw_first_line
    weasy_pdf.build_fonts_dictionary = build_fonts_dictionary
