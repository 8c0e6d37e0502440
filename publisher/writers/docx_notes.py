"""Word footnotes for the DOCX writer: the footnotes part and the calls in the text.

Each footnote of a statement is a real Word footnote. ``word/footnotes.xml``, related from
the document part, holds the two separators Word draws above the notes (ids -1 and 0)
and one ``w:footnote`` per note; a call in the text is a ``w:footnoteReference`` run.
Word and LibreOffice number the notes themselves in the order of their calls, the order
the statement numbers them in too, and print each at the foot of its call's page.

Notes take the paragraph style "footnote text" and their calls (in the text and before
the note) the character style "footnote reference" (superscript), Word's own names, so
an editor restyles every note in one place. The reference document's styles are used
when it has them; else they are added to the document.

The DOCX writer calls :func:`add_footnote` for each call it writes; the part is made at
the first one, so a statement without notes gets none. The writer makes a right-to-left
edition's paragraphs right-to-left after writing them, so a note takes the direction of
its call's paragraph when the document is saved.
"""

from __future__ import annotations

from typing import Any, Callable, cast

from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph as DocxParagraph

from ..model import FootnoteRef, Inline

PARTNAME = "/word/footnotes.xml"
TEXT_STYLE = ("FootnoteText", "footnote text")
"""(style id, name) of the notes' paragraph style."""
REFERENCE_STYLE = ("FootnoteReference", "footnote reference")
"""(style id, name) of the calls' character style."""

_SEPARATORS = "".join(
    f'<w:footnote w:type="{kind}" w:id="{number}"><w:p><w:pPr>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    f'<w:r><w:{kind}/></w:r></w:p></w:footnote>'
    for number, kind in ((-1, "separator"), (0, "continuationSeparator")))

_STYLES = {
    TEXT_STYLE: (
        '<w:style {ns} w:type="paragraph" w:styleId="{id}"><w:name w:val="{name}"/>'
        '<w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
        '<w:pPr><w:spacing w:before="0" w:after="60" w:line="240" w:lineRule="auto"/></w:pPr>'
        '<w:rPr><w:sz w:val="19"/><w:szCs w:val="21"/></w:rPr></w:style>'),
    REFERENCE_STYLE: (
        '<w:style {ns} w:type="character" w:styleId="{id}"><w:name w:val="{name}"/>'
        '<w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
        '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>'),
}

_AFTER_FOOTNOTE_PR = {qn(f"w:{name}") for name in (
    "endnotePr", "compat", "docVars", "rsids", "attachedSchema", "themeFontLang",
    "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures",
    "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType", "shapeDefaults",
    "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")} | {
    qn("m:mathPr"), "{http://schemas.openxmlformats.org/schemaLibrary/2006/main}schemaLibrary"}
"""The elements of ``w:settings`` that come after ``w:footnotePr`` (schema order)."""


class FootnotesPart(XmlPart):
    """``word/footnotes.xml``, with the (note paragraph, call paragraph) pairs written."""

    def __init__(self, partname: PackURI, content_type: str, element: Any, package: Any) -> None:
        super().__init__(partname, content_type, element, package)
        self.calls: list[tuple[Any, Any]] = []
        self.next_id = 1
        self.styles: dict[tuple[str, str], str] = {}

    @property
    def blob(self) -> bytes:
        for note, call in self.calls:
            ppr = call.find(qn("w:pPr"))
            if ppr is not None and ppr.find(qn("w:bidi")) is not None:
                _make_rtl(note)
        return cast(bytes, super().blob)


class _Story:
    """What a python-docx paragraph needs of its container: the part it lives in (links
    in a note are relationships of the footnotes part)."""

    def __init__(self, part: FootnotesPart) -> None:
        self.part = part


def _style(document_part: Any, key: tuple[str, str]) -> str:
    """The id of the style ``key`` names (by id or by name), added when missing."""
    style_id, name = key
    styles = document_part.styles.element
    for style in styles.findall(qn("w:style")):
        name_el = style.find(qn("w:name"))
        if style.get(qn("w:styleId")) == style_id or (
                name_el is not None and (name_el.get(qn("w:val")) or "").lower() == name):
            return str(style.get(qn("w:styleId")))
    styles.append(parse_xml(_STYLES[key].format(ns=nsdecls("w"), id=style_id, name=name)))
    return style_id


def _special_footnotes(document_part: Any) -> None:
    """``w:footnotePr`` in the settings, naming the separators (as Word writes it)."""
    settings = document_part.settings.element
    if settings.find(qn("w:footnotePr")) is not None:
        return
    pr = parse_xml(f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/>'
                   '<w:footnote w:id="0"/></w:footnotePr>')
    successor = next((child for child in settings if child.tag in _AFTER_FOOTNOTE_PR), None)
    if successor is None:
        settings.append(pr)
    else:
        successor.addprevious(pr)


def _footnotes_part(document_part: Any) -> FootnotesPart:
    """The document's footnotes part, made on first use. A footnotes part the reference
    document may bring (its own sample notes) is replaced."""
    for r_id, rel in list(document_part.rels.items()):
        if rel.reltype == RELATIONSHIP_TYPE.FOOTNOTES and not rel.is_external:
            if isinstance(rel.target_part, FootnotesPart):
                return rel.target_part
            document_part.drop_rel(r_id)
    element = parse_xml(f'<w:footnotes {nsdecls("w", "r")}>{_SEPARATORS}</w:footnotes>')
    part = FootnotesPart(PackURI(PARTNAME), CONTENT_TYPE.WML_FOOTNOTES, element,
                         document_part.package)
    document_part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    part.styles = {key: _style(document_part, key) for key in (TEXT_STYLE, REFERENCE_STYLE)}
    _special_footnotes(document_part)
    return part


def _reference_run(style_id: str, child: Any) -> Any:
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    rstyle = OxmlElement("w:rStyle")
    rstyle.set(qn("w:val"), style_id)
    rpr.append(rstyle)
    run.append(rpr)
    run.append(child)
    return run


def add_footnote(par: DocxParagraph, call: FootnoteRef,
                 add_runs: Callable[[DocxParagraph, tuple[Inline, ...]], None]) -> Any:
    """Write ``call``'s note as a Word footnote and return the run (``w:r``) that calls it,
    for the writer to place where the call stands in ``par``. ``add_runs`` writes inline
    content into a paragraph as the body's text is written (styles, links)."""
    document_part = par.part.package.main_document_part
    part = _footnotes_part(document_part)
    number = part.next_id
    part.next_id += 1
    footnote = OxmlElement("w:footnote")
    footnote.set(qn("w:id"), str(number))
    p = OxmlElement("w:p")
    ppr = OxmlElement("w:pPr")
    pstyle = OxmlElement("w:pStyle")
    pstyle.set(qn("w:val"), part.styles[TEXT_STYLE])
    ppr.append(pstyle)
    p.append(ppr)
    p.append(_reference_run(part.styles[REFERENCE_STYLE], OxmlElement("w:footnoteRef")))
    space = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.set(qn("xml:space"), "preserve")
    text.text = " "
    space.append(text)
    p.append(space)
    footnote.append(p)
    part.element.append(footnote)
    if call.note is not None:
        add_runs(DocxParagraph(p, cast(Any, _Story(part))), call.note.content)
    part.calls.append((p, par._p))
    reference = OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), str(number))
    return _reference_run(part.styles[REFERENCE_STYLE], reference)


def _make_rtl(p: Any) -> None:
    """A note's paragraph right-to-left: ``w:bidi`` after its style, ``w:rtl`` on its runs."""
    ppr = p.find(qn("w:pPr"))
    if ppr.find(qn("w:bidi")) is None:
        bidi = OxmlElement("w:bidi")
        ppr.insert(1 if ppr.find(qn("w:pStyle")) is not None else 0, bidi)
    for r in p.iter(qn("w:r")):
        rpr = r.get_or_add_rPr()
        if rpr.find(qn("w:rtl")) is None:
            rpr._insert_rtl(OxmlElement("w:rtl"))
