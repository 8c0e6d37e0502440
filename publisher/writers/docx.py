"""DOCX writer: python-docx on the reference document ``templates/reference.docx``.

Every paragraph and run takes a named style from the reference document (no direct
formatting), so an editor restyles the whole statement by changing one style. The
letterhead sits in the first page's header; continuation pages carry the OSCE running
head ("- 2 -" centred, the symbol at the outer margin) and, when the mission profile asks
for it (``page_footer``), every page a "Page N of M" footer made of PAGE/NUMPAGES fields.
The language (the mission's regional format) is set on the document defaults (``w:lang``)
and in the core properties; automatic hyphenation is on. The PDF's fonts are embedded as
subsets (:mod:`publisher.writers.docx_fonts`), so the document looks the same on a machine
without them. The zip is written with fixed timestamps and order, so equal inputs give
equal bytes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any, Iterator
from html import escape

import docx
from docx.document import Document
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.text.paragraph import Paragraph as DocxParagraph

from ..errors import TemplateError
from ..links import link_problem
from ..model import (
    Block, Code, Edition, Emph, FootnoteRef, HardBreak, Heading, Inline, Link, ListBlock,
    Paragraph, Quote, Rule, Strong, Sub, Sup, Text, heading_levels, is_form_of_address,
)

REFERENCE = "reference.docx"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_CHAR_STYLE = {Sup: "Superscript", Sub: "Subscript", Strong: "Strong", Emph: "Emphasis"}


class _Styles:
    """Style names to style ids, looked up once per document.

    python-docx resolves a style name by scanning every style (and the default style)
    on each assignment; setting the id directly keeps DOCX writing linear.
    """

    def __init__(self, document: Document, required: list[str], path: Path) -> None:
        self.ids = {s.name: s.style_id for s in document.styles}
        missing = [n for n in required if n not in self.ids]
        if missing:
            raise TemplateError(f"reference document lacks the styles {', '.join(missing)}", path)
        self.path = path

    def para(self, container: object, name: str, text: str | None = None) -> DocxParagraph:
        par = container.add_paragraph(text) if text else container.add_paragraph()  # type: ignore[attr-defined]
        self.restyle(par, name)
        return par

    def restyle(self, par: DocxParagraph, name: str) -> None:
        par._p.get_or_add_pPr().style = self.ids[name]

    def run(self, run: object, name: str) -> None:
        run._r.get_or_add_rPr().style = self.ids[name]  # type: ignore[attr-defined]



_DIRECT = {"Strong": "bold", "Emphasis": "italic", "Superscript": "superscript",
           "Subscript": "subscript"}
"""Character styles that can also be set on a run directly (``w:b``, ``w:vertAlign``...)."""


def _run_style(chain: tuple[str, ...]) -> str:
    """The one character style a run can take for nested inline markup (outermost first):
    code and links keep theirs, which direct formatting cannot give; else the innermost."""
    for name in ("Verbatim Char", "Hyperlink"):
        if name in chain:
            return name
    return chain[-1]


def _text_run(par: DocxParagraph, text: str) -> Any:
    """``par.add_run(text)``: python-docx reads the text a character at a time to turn
    tabs and line ends into their elements; text without them is one ``w:t`` at once."""
    if not text or any(ch in text for ch in "\t\r\n"):
        return par.add_run(text)
    run = par.add_run()
    run._r.add_t(text)  # as python-docx would: xml:space="preserve" when space-bounded
    return run


def _add_runs(st: _Styles, par: DocxParagraph, nodes: tuple[Inline, ...],
              styles: tuple[str, ...] = (), container: object | None = None) -> None:
    """Add runs for inline nodes. Nested inline markup stacks: the run takes one character
    style (:func:`_run_style`), the others as direct bold, italic, super- or subscript."""
    target: Any = container if container is not None else par._p
    for node in nodes:
        if isinstance(node, (Text, Code)):
            run = _text_run(par, node.text)
            chain = styles + (("Verbatim Char",) if isinstance(node, Code) else ())
            if chain:
                style = _run_style(chain)
                st.run(run, style)
                for outer in chain:  # a bold superscript, an italic link
                    if outer != style and outer in _DIRECT:
                        setattr(run.font, _DIRECT[outer], True)
            if target is not par._p:
                target.append(run._r)
        elif isinstance(node, HardBreak):
            run = par.add_run()
            run.add_break(WD_BREAK.LINE)
            if target is not par._p:
                target.append(run._r)
        elif isinstance(node, Link):
            if link_problem(node.href) is not None:  # the build has warned and dropped it
                _add_runs(st, par, node.children, styles, container)
                continue
            link = OxmlElement("w:hyperlink")
            if node.href.startswith("#"):
                link.set(qn("w:anchor"), node.href[1:])
            else:
                r_id = par.part.relate_to(node.href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
                link.set(qn("r:id"), r_id)
            target.append(link)
            _add_runs(st, par, node.children, styles + ("Hyperlink",), link)
        elif isinstance(node, FootnoteRef):  # a real Word footnote: see docx_notes
            from .docx_notes import add_footnote

            target.append(add_footnote(par, node, lambda p, content: _add_runs(st, p, content)))
        else:
            _add_runs(st, par, node.children, styles + (_CHAR_STYLE[type(node)],), container)


LIST_STYLES = {True: "List Number", False: "List Bullet"}
"""Paragraph style of a list item's first paragraph, by ``ordered``. The reference
document links each to a multilevel list definition: level N is a list nested N deep."""
CONTINUE_STYLE = "List Continue"
"""Further paragraphs of a list item: ``List Continue``, ``List Continue 2``... by depth."""
BODY_STYLES = ["Body Text", "Lead-in", "Quote", "Separator", *LIST_STYLES.values(),
               CONTINUE_STYLE,
               *(f"Heading {n}" for n in range(2, 7))]
"""Paragraph styles of the speech the reference document must have."""


class _Blocks:
    """Writes the blocks of the speech into the document body, in reading order.

    Headings take the outline levels every format prints (:func:`heading_levels`). Each
    list is its own numbering instance (``w:num``) of the list definition its style is
    linked to, with the list's start number as a ``w:startOverride``: Word and LibreOffice
    would otherwise continue one list's numbers in the next. A list nested N deep is
    level N (``w:ilvl``) of that definition.
    """

    def __init__(self, st: _Styles, document: Document) -> None:
        self.st = st
        self.document = document
        self.levels: Iterator[int] = iter(())
        self.numbering = document.part.numbering_part.element
        self.definitions = {ordered: self._definition(name) for ordered, name in LIST_STYLES.items()}
        self.continued = [CONTINUE_STYLE]
        while f"{CONTINUE_STYLE} {len(self.continued) + 1}" in st.ids:
            self.continued.append(f"{CONTINUE_STYLE} {len(self.continued) + 1}")

    def _definition(self, style_name: str) -> tuple[int, int]:
        """(abstractNumId, deepest level) of the list definition a list style is linked to."""
        style = self.document.styles.element.get_by_id(self.st.ids[style_name])
        ppr = style.pPr if style is not None else None
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is not None and num_pr.numId is not None:
            for num in self.numbering.num_lst:
                if num.numId != num_pr.numId.val:
                    continue
                abstract = num.abstractNumId.val
                for definition in self.numbering.findall(qn("w:abstractNum")):
                    if definition.get(qn("w:abstractNumId")) == str(abstract):
                        levels = [lvl.get(qn("w:ilvl")) for lvl in definition.findall(qn("w:lvl"))]
                        if levels and all(level and level.isdigit() for level in levels):
                            return abstract, max(int(level) for level in levels if level)
        raise TemplateError(f"the style '{style_name}' of the reference document is not linked "
                            "to a list definition (numbering)", self.st.path)

    def write_body(self, blocks: tuple[Block, ...]) -> None:
        self.levels = iter(heading_levels(blocks))
        self.write(blocks)

    def write(self, blocks: tuple[Block, ...], depth: int = 0) -> None:
        """``depth``: how many lists enclose these blocks."""
        for b in blocks:
            if isinstance(b, Paragraph):
                style = "Lead-in" if depth == 0 and is_form_of_address(b) else "Body Text"
                _add_runs(self.st, self.st.para(self.document, style), b.text.content)
            elif isinstance(b, Heading):
                par = self.st.para(self.document, f"Heading {next(self.levels)}")
                _add_runs(self.st, par, b.text.content)
            elif isinstance(b, ListBlock):
                self.write_list(b, depth)
            elif isinstance(b, Quote):
                for child in b.children:
                    if isinstance(child, Paragraph):
                        _add_runs(self.st, self.st.para(self.document, "Quote"), child.text.content)
                    else:
                        self.write((child,), depth)
            elif isinstance(b, Rule):
                self.st.para(self.document, "Separator", "* * *")

    def write_list(self, b: ListBlock, depth: int) -> None:
        definition, deepest = self.definitions[b.ordered]
        level = min(depth, deepest)
        num = self.numbering.add_num(definition)
        num.add_lvlOverride(ilvl=level).add_startOverride(b.start)
        continued = self.continued[min(depth, len(self.continued) - 1)]
        for item in b.items:
            # The item's number goes on its first paragraph (an empty one when the item
            # opens with another block: HTML, too, puts the marker before that block).
            first = self.st.para(self.document, LIST_STYLES[b.ordered])
            num_pr = first._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = level
            num_pr.get_or_add_numId().val = num.numId
            rest = item
            if item and isinstance(item[0], Paragraph):
                _add_runs(self.st, first, item[0].text.content)
                rest = item[1:]
            for child in rest:
                if isinstance(child, Paragraph):
                    _add_runs(self.st, self.st.para(self.document, continued), child.text.content)
                else:
                    self.write((child,), depth + 1)


def _field(par: DocxParagraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / result / end runs."""
    def fld(kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        par.add_run()._r.append(el)

    fld("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    par.add_run()._r.append(instr)
    fld("separate")
    par.add_run(placeholder)
    fld("end")


def _page_label(par: DocxParagraph, edition: Edition) -> None:
    for part in edition.page_label:
        if part.kind == "text":
            par.add_run(part.text)
        else:
            _field(par, "PAGE" if part.kind == "page" else "NUMPAGES")


_AFTER_BIDI = {qn(f"w:{name}") for name in (
    "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
    "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
    "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")}


def _make_rtl(par: DocxParagraph) -> None:
    """A right-to-left paragraph (``w:bidi``, in schema order) with right-to-left runs."""
    ppr = par._p.get_or_add_pPr()
    if ppr.find(qn("w:bidi")) is None:
        bidi = OxmlElement("w:bidi")
        successor = next((child for child in ppr if child.tag in _AFTER_BIDI), None)
        if successor is None:
            ppr.append(bidi)
        else:
            successor.addprevious(bidi)
    for r in par._p.iter(qn("w:r")):
        rpr = r.get_or_add_rPr()
        if rpr.find(qn("w:rtl")) is None:
            rpr._insert_rtl(OxmlElement("w:rtl"))


def _set_language(document: Document, edition: Edition) -> None:
    styles = document.styles.element
    doc_defaults = styles.find(qn("w:docDefaults"))
    if doc_defaults is None:
        doc_defaults = OxmlElement("w:docDefaults")
        styles.insert(0, doc_defaults)
    rpr_default = doc_defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        doc_defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    tag = edition.region_tag
    lang.set(qn("w:val"), tag)
    lang.set(qn("w:eastAsia"), tag)
    lang.set(qn("w:bidi"), tag)


def _emblem_picture(edition: Edition) -> io.BytesIO | None:
    """The emblem as a picture Word can place: the PNG itself, or the PNG beside an SVG,
    read through the same checks as the profile's (see :func:`read_emblem`)."""
    from ..readers.emblem import read_emblem

    if not edition.mission.emblem:
        return None
    path = Path(edition.mission.emblem)
    if path.suffix.lower() == ".svg":
        path = path.with_suffix(".png")
        if not path.is_file():
            return None
    return io.BytesIO(read_emblem(path)[1])


def _left_to_right(text: str, rtl: bool) -> str:
    """A left-to-right token (a document symbol) in a right-to-left paragraph, isolated so
    its neutral characters stay in place: ``OSCE+`` must not print as ``+...OSCE``. The
    same as the HTML's ``<bdi dir="ltr">`` (LRI ... PDI)."""
    return f"\u2066{text}\u2069" if rtl else text


class _Parts:
    """python-docx's physical package writer, keeping the parts instead of zipping them."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob

    def close(self) -> None:
        pass


def _package_parts(document: Document) -> dict[str, bytes]:
    """The package's parts by name, in the order python-docx writes them: its
    ``OpcPackage.save`` without the zip, which :func:`_normalise_zip` makes once the
    parts are final (zipped here, they were unzipped and zipped again)."""
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    out: Any = _Parts()  # in place of python-docx's PhysPkgWriter: its write() and close()
    PackageWriter._write_content_types_stream(out, parts)
    PackageWriter._write_pkg_rels(out, package.rels)
    PackageWriter._write_parts(out, parts)
    return dict(out.parts)


def _normalise_zip(parts: dict[str, bytes]) -> bytes:
    """Fixed timestamps and permissions in the zip, so equal documents are equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            fixed = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, data)
    return out.getvalue()


APP_PROPERTIES = "docProps/app.xml"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _app_properties(parts: dict[str, bytes], generator: str) -> bytes:
    """The extended properties: this tool as the application, and the body's real word,
    character and paragraph counts (pages and lines depend on the consumer's layout, so
    they are left out rather than guessed)."""
    from lxml import etree

    body = etree.fromstring(parts["word/document.xml"])
    texts = []
    for par in body.iter(f"{_W}p"):
        text = "".join(" " if el.tag in (f"{_W}tab", f"{_W}br") else (el.text or "")
                       for el in par.iter(f"{_W}t", f"{_W}tab", f"{_W}br"))
        if text.strip():
            texts.append(text)
    words = [word for text in texts for word in text.split()]
    counts = {"Words": len(words), "Characters": sum(map(len, words)),
              "Paragraphs": len(texts), "CharactersWithSpaces": sum(map(len, texts))}
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in counts.items())
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/docPropsVTypes"><Application>{escape(generator, quote=False)}</Application>'
            f"<DocSecurity>0</DocSecurity>{fields}<ScaleCrop>false</ScaleCrop>"
            "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged></Properties>").encode()


def _settings(parts: dict[str, bytes], edition: Edition) -> None:
    """Automatic hyphenation (Word and LibreOffice hyphenate by each run's ``w:lang``;
    at most two hyphenated lines in a row, capitals never) and the theme's language."""
    from lxml import etree

    from .docx_fonts import SETTINGS, set_setting

    root = etree.fromstring(parts[SETTINGS])
    set_setting(root, "autoHyphenation")
    set_setting(root, "consecutiveHyphenLimit", "2")
    set_setting(root, "doNotHyphenateCaps")
    theme_lang = root.find(f"{_W}themeFontLang")
    if theme_lang is not None:
        theme_lang.set(f"{_W}val", edition.region_tag)
        if edition.direction == "rtl":
            theme_lang.set(f"{_W}bidi", edition.region_tag)
    parts[SETTINGS] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                     standalone=True)


PROPERTY_LIMIT = 255
"""Characters a core property (title, subject, author...) may hold: Word's limit, which
python-docx enforces. The document itself keeps the full text."""


def _property(text: str, limit: int = PROPERTY_LIMIT) -> str:
    """Document metadata: one line, shortened at a word boundary to fit the limit."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def write_docx(edition: Edition, template_dir: Path, variant: str = "") -> bytes:
    reference = template_dir / REFERENCE
    if not reference.is_file():
        raise TemplateError(f"reference document '{REFERENCE}' not found", template_dir)
    document = docx.Document(str(reference))
    st = _Styles(document, ["Masthead", "Mission Name", "Mission Address", "Check Line",
                            "Statement Title", "Meeting", "Agenda Item",
                            "Superscript", "Subscript", "Strong", "Emphasis", "Hyperlink",
                            "Verbatim Char", "Header", "Footer", *BODY_STYLES], reference)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)

    meta = edition.statement.meta
    rtl = edition.direction == "rtl"
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.different_first_page_header_footer = True

    # First page: the masthead (top right) and the mission's letterhead.
    head = section.first_page_header
    first = head.paragraphs[0]
    st.restyle(first, "Masthead")
    symbol = _left_to_right(meta.symbol, rtl) if meta.symbol else None
    lines = [x for x in (symbol, edition.date_text, edition.language_line,
                         edition.original_line) if x]
    for i, text in enumerate(lines):
        par = first if i == 0 else st.para(head, "Masthead")
        run = par.add_run(text)
        if symbol and i == 0:
            st.run(run, "Strong")  # the symbol stands out, as in the PDF
    picture = _emblem_picture(edition)
    if picture is not None:
        par = st.para(head, "Mission Name")
        par.add_run().add_picture(picture, height=Mm(20))
    for text in edition.mission.name_lines:
        st.para(head, "Mission Name", text)
    for text in edition.mission.address_lines:
        st.para(head, "Mission Address", text)

    # Continuation pages: "- N -" at the centre tab stop and the symbol at the end tab
    # stop (the outer margin), as OSCE documents do; the Header style's tab stops are
    # the middle and the end of the A4 text width.
    running = section.header.paragraphs[0]
    st.restyle(running, "Header")
    running.add_run("\t- ")
    _field(running, "PAGE", "2")
    running.add_run(" -")
    if symbol:
        running.add_run("\t" + symbol)
    if edition.mission.page_footer:
        for footer in (section.first_page_footer, section.footer):
            par = footer.paragraphs[0]
            st.restyle(par, "Footer")
            _page_label(par, edition)

    if edition.check_line:
        st.para(document, "Check Line", edition.check_line)
    _add_runs(st, st.para(document, "Statement Title"), meta.title.content)
    if meta.meeting:
        _add_runs(st, st.para(document, "Meeting"), meta.meeting.content)
    if meta.agenda:
        _add_runs(st, st.para(document, "Agenda Item"), meta.agenda.content)
    _Blocks(st, document).write_body(edition.statement.blocks)

    if rtl:
        stories: list[Any] = [document, head, section.header]
        if edition.mission.page_footer:
            stories += [section.first_page_footer, section.footer]
        for part in stories:
            for par in part.paragraphs:
                _make_rtl(par)

    _set_language(document, edition)
    core = document.core_properties
    core.title = _property(edition.title)
    core.subject = _property(meta.agenda.plain if meta.agenda
                             else (meta.meeting.plain if meta.meeting else ""))
    core.author = _property(" ".join(edition.mission.name_lines))
    core.language = edition.region_tag
    core.keywords = _property(meta.symbol or "")
    core.comments = ""
    core.category = "Statement"
    core.last_modified_by = _property(edition.generator)
    core.revision = 1
    created = edition.timestamp.replace(tzinfo=None)
    core.created = core.modified = created
    core.last_printed = created

    parts = _package_parts(document)
    parts[APP_PROPERTIES] = _app_properties(parts, edition.generator)
    _settings(parts, edition)
    from .docx_fonts import embed_fonts

    embed_fonts(parts, styles=document.styles.element)
    return _normalise_zip(parts)
