"""The PDF's fonts inside the DOCX, so it looks the same on a machine without them.

Word (and LibreOffice, which reads them too) takes fonts embedded in the package as
"obfuscated" TrueType parts (ECMA-376 Part 1, 17.8.1): ``word/fonts/fontN.odttf``, each
the font file with its first 32 bytes XOR-ed with a GUID key that the font table names
(``w:embedRegular w:fontKey="{GUID}" r:id=...``), related to the font table part, and
switched on by ``w:embedTrueTypeFonts`` (``w:saveSubsetFonts``: they are subsets) in the
settings.

Each face the document uses (regular, bold, italic, bold italic of a family we have a
file for) is embedded as a subset of the characters set in it, keeping the layout
tables (GSUB closure) so Arabic still shapes and kerning still applies. The files are
the PDF's own (:mod:`publisher.writers.fonts`). The key is derived from the subset's
bytes, so equal documents stay equal bytes.

This module works on the package's parts (name -> bytes): it reads which text is set in
which face from the stories and the styles, and adds the font parts.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_TABLE = "word/fontTable.xml"
SETTINGS = "word/settings.xml"

EMBED = {(False, False): "embedRegular", (True, False): "embedBold",
         (False, True): "embedItalic", (True, True): "embedBoldItalic"}
"""The font table's element for each (bold, italic) face, in schema order."""

ALWAYS = "0123456789 \u00a0-\u00ad\u2010.,"
"""Characters every embedded face gets besides those of the text: page numbers (fields
Word computes when it lays out), the hyphen that automatic hyphenation adds, spaces."""


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _on(el: etree._Element | None) -> bool | None:
    """A toggle property's value (``w:b``, ``w:i``...): None when absent."""
    if el is None:
        return None
    return el.get(_w("val"), "true") not in ("0", "false", "off")


def complex_script(ch: str) -> bool:
    """Characters Word sets in the complex-script font (``w:cs``) even in a run that is
    not marked right-to-left: Hebrew, Arabic, Syriac, Thaana, N'Ko and their forms."""
    cp = ord(ch)
    return (0x0590 <= cp <= 0x08FF or 0xFB1D <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF
            or 0x10E60 <= cp <= 0x10E7F or 0x1EE00 <= cp <= 0x1EEFF)


@dataclass
class _Style:
    rpr: etree._Element | None
    based_on: str | None
    numbered: bool = False


class _StyleTable:
    """The styles part's styles by id, each read the first time it is asked for (a
    document uses a few of the reference document's hundred and more)."""

    def __init__(self, elements: dict[str, etree._Element]) -> None:
        self.elements = elements
        self.read: dict[str, _Style] = {}

    def __contains__(self, style_id: object) -> bool:
        return style_id in self.elements

    def __getitem__(self, style_id: str) -> _Style:
        found = self.read.get(style_id)
        if found is None:
            s = self.elements[style_id]
            based = s.find(_w("basedOn"))
            ppr = s.find(_w("pPr"))
            found = self.read[style_id] = _Style(
                s.find(_w("rPr")), based.get(_w("val")) if based is not None else None,
                ppr is not None and ppr.find(_w("numPr")) is not None)
        return found


@dataclass
class _Resolver:
    """Run properties as Word resolves them: direct formatting, then the character
    style and what it is based on, then the paragraph style's chain, then the document
    defaults. (A toggle set on by both a character and a paragraph style is taken as
    on: a subset may hold a glyph too many, never one too few.)"""

    styles: _StyleTable
    defaults: etree._Element | None
    default_para: str | None
    theme: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, parts: dict[str, bytes], parsed: etree._Element | None = None) -> _Resolver:
        """The resolver of the package ``parts``; ``parsed``: its styles part as parsed
        already (by the writer that wrote it), else it is parsed from the part."""
        root = etree.fromstring(parts["word/styles.xml"]) if parsed is None else parsed
        elements: dict[str, etree._Element] = {}
        default_para = None
        style_id, kind, default = _w("styleId"), _w("type"), _w("default")
        for s in root.iter(_w("style")):
            sid = s.get(style_id)
            if sid is None:
                continue
            elements[sid] = s
            if s.get(kind) == "paragraph" and s.get(default) in ("1", "true"):
                default_para = sid
        defaults = root.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{_w('rPr')}")
        return cls(_StyleTable(elements), defaults, default_para, _theme_fonts(parts))

    def chain(self, style_id: str | None) -> Iterator[etree._Element]:
        seen: set[str] = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            style = self.styles[style_id]
            if style.rpr is not None:
                yield style.rpr
            style_id = style.based_on

    def numbered(self, style_id: str | None) -> bool:
        seen: set[str] = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            if self.styles[style_id].numbered:
                return True
            style_id = self.styles[style_id].based_on
        return False

    def levels(self, run_rpr: etree._Element | None, para_style: str | None,
               ) -> tuple[list[etree._Element], list[etree._Element]]:
        """(the run's own levels: direct and character style; the paragraph's levels)."""
        own: list[etree._Element] = []
        if run_rpr is not None:
            own.append(run_rpr)
            rstyle = run_rpr.find(_w("rStyle"))
            if rstyle is not None:
                own.extend(self.chain(rstyle.get(_w("val"))))
        para = list(self.chain(para_style or self.default_para))
        if self.defaults is not None:
            para.append(self.defaults)
        return own, para

    @staticmethod
    def toggle(name: str, own: list[etree._Element], para: list[etree._Element]) -> set[bool]:
        """The values a toggle property may take."""
        first_own = next((v for v in (_on(r.find(_w(name))) for r in own) if v is not None), None)
        first_para = next((v for v in (_on(r.find(_w(name))) for r in para) if v is not None), None)
        if own and own[0].find(_w(name)) is not None:  # direct formatting decides
            return {bool(first_own)}
        values = {bool(first_own) or bool(first_para)}
        if first_own and first_para:
            values.add(False)
        return values

    def font(self, slot: str, levels: Iterable[etree._Element]) -> str | None:
        """The family of a font slot (``ascii``, ``hAnsi``, ``cs``, ``eastAsia``)."""
        theme_attr = {"ascii": "asciiTheme", "hAnsi": "hAnsiTheme", "cs": "cstheme",
                      "eastAsia": "eastAsiaTheme"}[slot]
        for rpr in levels:
            fonts = rpr.find(_w("rFonts"))
            if fonts is None:
                continue
            theme = fonts.get(_w(theme_attr))
            if theme is not None:
                return self.theme.get(theme)
            name = fonts.get(_w(slot))
            if name is not None:
                return name
        return None


def _theme_fonts(parts: dict[str, bytes]) -> dict[str, str]:
    """Theme font names (``minorHAnsi``, ``majorBidi``...) to the theme's families."""
    theme = next((n for n in sorted(parts) if n.startswith("word/theme/") and n.endswith(".xml")), None)
    return {} if theme is None else dict(_theme_font_names(parts[theme]))


@lru_cache(maxsize=4)
def _theme_font_names(data: bytes) -> tuple[tuple[str, str], ...]:
    """:func:`_theme_fonts` of a theme part (the same in every document of a reference
    document: read once per process)."""
    names: dict[str, str] = {}
    root = etree.fromstring(data)
    for kind in ("major", "minor"):
        fonts = root.find(f".//{{{A}}}{kind}Font")
        if fonts is None:
            continue
        for tag, slots in (("latin", ("HAnsi",)), ("cs", ("Bidi",)), ("ea", ("EastAsia",))):
            el = fonts.find(f"{{{A}}}{tag}")
            if el is not None and el.get("typeface"):
                for slot in slots:
                    names[f"{kind}{slot}"] = el.get("typeface", "")
    return tuple(names.items())


Face = tuple[str, bool, bool]
"""(family, bold, italic)."""


def _story_parts(parts: dict[str, bytes]) -> list[str]:
    return sorted(n for n in parts if n == "word/document.xml"
                  or (n.startswith("word/") and n.count("/") == 1
                      and n.removeprefix("word/").startswith(("header", "footer", "footnotes",
                                                              "endnotes"))
                      and n.endswith(".xml")))


def _numbering_text(parts: dict[str, bytes]) -> str:
    """The literal characters of the list markers (bullets, the full stop after a number)."""
    data = parts.get("word/numbering.xml")
    if data is None:
        return ""
    out = []
    for lvl in etree.fromstring(data).iter(_w("lvl")):
        fonts = lvl.find(f"{_w('rPr')}/{_w('rFonts')}")
        if fonts is not None and fonts.get(_w("ascii")):
            continue  # a marker in its own (symbol) font
        text = lvl.find(_w("lvlText"))
        if text is not None:
            value = text.get(_w("val"), "")
            out.append("".join(ch for i, ch in enumerate(value)
                               if ch != "%" and not (i and value[i - 1] == "%")))
    return "".join(out)


def used_text(parts: dict[str, bytes], styles: etree._Element | None = None,
              ) -> dict[Face, set[str]]:
    """The characters set in each face, over every story (body, headers, footers, notes);
    ``styles``: the styles part as parsed already, if it is (see :meth:`_Resolver.of`)."""
    resolver = _Resolver.of(parts, styles)
    used: dict[Face, set[str]] = {}
    resolved: dict[tuple[bytes, str | None], _RunFaces] = {}
    markers = _numbering_text(parts)
    for name in _story_parts(parts):
        root = etree.fromstring(parts[name])
        for par in root.iter(_w("p")):
            ppr = par.find(_w("pPr"))
            pstyle_el = ppr.find(_w("pStyle")) if ppr is not None else None
            pstyle = pstyle_el.get(_w("val")) if pstyle_el is not None else None
            numbered = (ppr is not None and ppr.find(_w("numPr")) is not None) \
                or resolver.numbered(pstyle)
            runs = [(r.find(_w("rPr")), "".join(t.text or "" for t in r.iter(_w("t"))))
                    for r in par.iter(_w("r"))]
            if numbered:
                mark = ppr.find(_w("rPr")) if ppr is not None else None
                runs.append((mark, markers))
            for rpr, text in runs:
                if text:
                    key = (b"" if rpr is None else etree.tostring(rpr), pstyle)
                    faces = resolved.get(key)
                    if faces is None:
                        faces = resolved[key] = _run_faces(resolver, rpr, pstyle)
                    _add_run(faces, text, used)
    return used


class _RunFaces(NamedTuple):
    """How a run with some properties in some paragraph style is set (the same for every
    run alike, so it is worked out once per document)."""

    rtl: bool
    caps: frozenset[bool]
    complex: tuple[str | None, frozenset[bool], frozenset[bool]]
    """Family, bold and italic of its complex-script characters."""
    text: tuple[str | None, frozenset[bool], frozenset[bool]]
    """Family, bold and italic of the others."""


def _run_faces(resolver: _Resolver, rpr: etree._Element | None,
               pstyle: str | None) -> _RunFaces:
    own, para = resolver.levels(rpr, pstyle)
    levels = own + para

    def toggle(name: str) -> frozenset[bool]:
        return frozenset(resolver.toggle(name, own, para))

    return _RunFaces(
        rtl=any(toggle(name) == {True} for name in ("rtl", "cs")),
        caps=toggle("caps") | toggle("smallCaps"),
        complex=(resolver.font("cs", levels), toggle("bCs"), toggle("iCs")),
        text=(resolver.font("hAnsi", levels) or resolver.font("ascii", levels),
              toggle("b"), toggle("i")))


def _add_run(faces: _RunFaces, text: str, used: dict[Face, set[str]]) -> None:
    if True in faces.caps:
        text += text.upper() if faces.caps == {True} else text + text.upper()
    # A right-to-left run is set in the complex-script face by Word; LibreOffice picks the
    # face by each character's script, so its Latin letters need the text face too.
    distinct = set(text)
    for cs_run in (True, False):
        chars = {ch for ch in distinct if complex_script(ch) == cs_run or (cs_run and faces.rtl)}
        if not chars:
            continue
        family, bold, italic = faces.complex if cs_run else faces.text
        if family is None:
            continue
        for b in bold:
            for i in italic:
                used.setdefault((family, b, i), set()).update(chars)


# ---------------------------------------------------------------- subsets and obfuscation

def subset(path: Path, text: str) -> bytes:
    """A subset of the font file with the glyphs of ``text`` and every glyph its layout
    features can substitute them with (Arabic joining forms, ligatures), hinting dropped."""
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    options = ftsubset.Options()
    options.layout_features = ["*"]
    options.layout_closure = True
    options.hinting = False
    options.notdef_outline = True
    options.glyph_names = False
    options.recalc_timestamp = False
    options.name_IDs = ["*"]  # all kept: pruning them costs more than their bytes
    font = TTFont(str(path), recalcTimestamp=False)
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def cached_subset(path: Path, text: str) -> bytes:
    """:func:`subset`, kept in the user's cache folder (see :func:`fonts.cache_dir`) keyed
    by the font file and the characters: a statement edited without new characters, or
    built again elsewhere on the machine, reuses its subsets. Only a trusted cache file
    that is a TrueType font is read; anything else is made again."""
    from .fonts import SUBSET_VERSION, cache_dir, cached_bytes, file_sha256

    chars = "".join(sorted(set(text)))
    h = hashlib.sha256(f"{SUBSET_VERSION}\0{file_sha256(path)}\0".encode())
    h.update(chars.encode("utf-8", "surrogatepass"))
    cached = cache_dir() / "fonts" / f"docx-subset-{path.stem}-{h.hexdigest()[:24]}.ttf"
    return cached_bytes(cached, lambda: subset(path, chars),
                        lambda data: data[:4] == b"\x00\x01\x00\x00")


def font_key(data: bytes) -> str:
    """The obfuscation key of a font: a GUID made from the font's own bytes."""
    h = hashlib.sha256(data).hexdigest()[:32].upper()
    return f"{{{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}}}"


def _key_bytes(guid: str) -> bytes:
    """The GUID's 16 bytes in reverse order of its hexadecimal digits (17.8.1)."""
    digits = "".join(ch for ch in guid if ch in "0123456789abcdefABCDEF")
    return bytes.fromhex(digits)[::-1]


def obfuscate(data: bytes, guid: str) -> bytes:
    """XOR the first 32 bytes with the key, once for bytes 0-15 and once for 16-31. The
    same operation restores the font."""
    key = _key_bytes(guid)
    head = bytes(b ^ key[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


deobfuscate = obfuscate


# ---------------------------------------------------------------- the package

def available_faces() -> dict[Face, Path]:
    """The files of the PDF's faces (static instances of the variable fonts)."""
    from .fonts import static_faces

    faces: dict[Face, Path] = {}
    for family, style, weight, path in static_faces():
        faces[(family, weight >= 700, style == "italic")] = path
    return faces


SETTINGS_ORDER = (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
    "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop",
    "hideSpellingErrors", "hideGrammaticalErrors", "activeWritingStyle", "proofState",
    "formsDesign", "attachedTemplate", "linkStyles", "stylePaneFormatFilter",
    "stylePaneSortMethod", "documentType", "mailMerge", "revisionView", "trackRevisions",
    "doNotTrackMoves", "doNotTrackFormatting", "documentProtection", "autoFormatOverride",
    "styleLockTheme", "styleLockQFSet", "defaultTabStop", "autoHyphenation",
    "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps")
"""The first elements of ``w:settings`` in schema order (those a writer may add)."""


def set_setting(root: etree._Element, name: str, val: str | None = None) -> None:
    """Set (or add, in schema order) a document setting such as ``w:autoHyphenation``."""
    el = root.find(_w(name))
    if el is None:
        el = etree.Element(_w(name))
        rank = SETTINGS_ORDER.index(name)
        later = next((c for c in root if etree.QName(c).namespace == W
                      and etree.QName(c).localname not in SETTINGS_ORDER[:rank + 1]), None)
        if later is None:
            root.append(el)
        else:
            later.addprevious(el)
    if val is not None:
        el.set(_w("val"), val)


def _settings(parts: dict[str, bytes]) -> None:
    root = etree.fromstring(parts[SETTINGS])
    for name in ("embedTrueTypeFonts", "saveSubsetFonts"):
        set_setting(root, name)
    parts[SETTINGS] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _content_type(parts: dict[str, bytes]) -> None:
    root = etree.fromstring(parts["[Content_Types].xml"])
    if not any(d.get("Extension") == "odttf" for d in root.iter(f"{{{CONTENT_TYPES}}}Default")):
        el = etree.Element(f"{{{CONTENT_TYPES}}}Default", Extension="odttf",
                           ContentType=OBFUSCATED_FONT)
        root.insert(0, el)
    parts["[Content_Types].xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                  standalone=True)


def embed_fonts(parts: dict[str, bytes], faces: dict[Face, Path] | None = None,
                styles: etree._Element | None = None) -> list[str]:
    """Embed subsets of the faces the document uses into the package ``parts`` (changed
    in place). Returns the part names of the embedded fonts. ``styles``: the styles part
    as the writer has it parsed, which must be what ``parts`` holds."""
    if FONT_TABLE not in parts or SETTINGS not in parts:
        return []
    faces = available_faces() if faces is None else faces
    used = {face: chars for face, chars in used_text(parts, styles).items() if face in faces}
    if not used:
        return []
    table = etree.fromstring(parts[FONT_TABLE])
    rels = etree.Element(f"{{{PKG_RELS}}}Relationships", nsmap={None: PKG_RELS})
    names: list[str] = []
    for family in sorted({f for f, _, _ in used}):
        font = next((f for f in table.findall(_w("font")) if f.get(_w("name")) == family), None)
        if font is None:
            font = etree.SubElement(table, _w("font"))
            font.set(_w("name"), family)
        for tag in EMBED.values():
            for old in font.findall(_w(tag)):
                font.remove(old)
        for (bold, italic), tag in EMBED.items():
            chars = used.get((family, bold, italic))
            if not chars:
                continue
            data = cached_subset(faces[(family, bold, italic)], "".join(chars | set(ALWAYS)))
            guid = font_key(data)
            n = len(names) + 1
            name = f"word/fonts/font{n}.odttf"
            parts[name] = obfuscate(data, guid)
            names.append(name)
            rid = f"rId{n}"
            etree.SubElement(rels, f"{{{PKG_RELS}}}Relationship", Id=rid, Type=FONT_REL,
                             Target=f"fonts/font{n}.odttf")
            el = etree.SubElement(font, _w(tag))
            el.set(_w("fontKey"), guid)
            el.set(f"{{{R}}}id", rid)
    parts[FONT_TABLE] = etree.tostring(table, xml_declaration=True, encoding="UTF-8",
                                       standalone=True)
    parts["word/_rels/fontTable.xml.rels"] = etree.tostring(
        rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    _settings(parts)
    _content_type(parts)
    return names
