"""The bilingual table: a statement's messages beside their translations, in Word.

Some translators work only in Word. ``publisher export`` gives them one table, a row per
message: its number, the source text and the current translation (empty if there is
none). They fill the right-hand column and send the file back; ``publisher import
--translation`` reads it row by row, so no alignment is needed and nothing is guessed:

- each row carries its message's **key** (:func:`message_key`: a digest of msgctxt and
  msgid) as hidden text (``w:vanish``) in the source cell: Word keeps it through any edit
  of the visible text and prints nothing of it; a row whose key is missing, unknown or
  repeated is reported, never applied;
- the file says what it is in its core properties: category :data:`MARKER` and
  identifier ``<slug>/<lang>`` (Word and LibreOffice keep both), so the import recognises
  it and knows the statement;
- inline Markdown is real Word formatting (bold, italic, superscript, subscript, links),
  read back with :func:`publisher.importer.wordml.paragraph_markdown`: an untouched table
  reads back as exactly the catalogue's translations, and what a translator formats in
  Word reads as the same Markdown. A footnote call is written as its text ``[^1]`` (the
  table has no notes of its own: each note is a row) and read back as a call; a code
  span becomes plain text (statements hardly use them);
- a fuzzy translation (a draft nobody confirmed) is shown on a shaded cell and the word
  "check" under the row's number: shading is a property of the cell, not of the text,
  so it neither survives into the translation nor changes what is read back.

The same statement and catalogue give the same bytes: fixed dates in the core properties,
and the zip written as every DOCX of the project is.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import PublisherError

if TYPE_CHECKING:
    from ..i18n.po import Catalog
    from ..model import Inline, Statement
    from ..project import Project

MARKER = "publisher bilingual table"
"""The core property ``category`` of a bilingual table."""
KEY_LENGTH = 16
"""Hex digits of a message key: 64 bits, no collision among a statement's messages."""
_KEY = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}")
_ROW_NUMBER = re.compile(r"\s*(\d{1,9})")
_CALL_TEXT = re.compile(r"\\\[\^([^\s\[\]\\]+)\\\]")
"""A footnote call as the table writes it (``[^1]``), as Markdown escapes it on reading."""
_BLOCK_ESCAPE = re.compile(r"(?m)^([0-9]{1,9})\\([.)])|^\\([#>+=-])")
"""The escapes :func:`.wordml.block_safe` puts at the start of a line."""
FUZZY_FILL = "FFF2CC"
"""The shading of a cell whose translation needs checking (a light yellow)."""
_CORE = "docProps/core.xml"

INSTRUCTIONS = (
    "Translate in the right-hand column only, one cell for each row, and keep the table "
    "as it is: do not add, remove, merge, split or reorder rows, and do not change the "
    "other columns. A shaded cell marked \u201ccheck\u201d holds a draft translation: "
    "correct it or leave it as it is. Bold, italics, superscript, subscript and links "
    "are kept; write a footnote call such as [^1] where the translation calls the note. "
    "Send this file back as it is (.docx).")


def message_key(msgid: str, context: str | None) -> str:
    """The key of a message in the table: the first :data:`KEY_LENGTH` hex digits of the
    SHA-256 of ``msgctxt EOT msgid`` (gettext's own spelling of a context), or of the
    msgid alone."""
    data = msgid if context is None else f"{context}\x04{msgid}"
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def only_statement(project: Project) -> Path:
    """The statement when none is named: the only one in ``seeds/``."""
    paths = project.statement_paths()
    if len(paths) > 1:
        names = ", ".join(p.name for p in paths)
        raise PublisherError(f"seeds/ holds several statements ({names}): name the one to use",
                             project.seeds)
    return paths[0]


# ---------------------------------------------------------------- writing

def export_bilingual(project: Project, lang: str, statement: Path | None = None
                     ) -> tuple[bytes, str]:
    """The bilingual table of ``statement`` (default: :func:`only_statement`) in ``lang``:
    the DOCX's bytes and the statement's name."""
    from ..i18n.catalogs import read_catalog
    from ..i18n.languages import same
    from ..project import Missions, read_statement, wanted_languages

    tag = wanted_languages([lang])[0]
    read = read_statement(statement or only_statement(project), Missions(project))
    if same(tag, read.meta.original):
        raise PublisherError(f"'{tag}' is the statement's original language: there is "
                             "nothing to translate into it", read.path)
    po = project.po(tag, read.slug)
    catalog = read_catalog(po) if po.exists() else None
    return table_document(read, catalog, tag), read.slug


def table_document(statement: Statement, catalog: Catalog | None, lang: str) -> bytes:
    """The bilingual table of a statement and its catalogue in ``lang`` (None: no
    catalogue yet, every translation empty)."""
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Mm, Pt

    from ..editions import edition_timestamp
    from ..i18n.languages import babel_locale, region_tag
    from ..i18n.segments import segments
    from ..writers.docx import _normalise_zip

    source_name = babel_locale(statement.meta.original).english_name
    target_name = babel_locale(lang).english_name
    rtl = babel_locale(lang).character_order == "right-to-left"
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    normal = document.styles["Normal"]
    normal.font.size = Pt(10)

    heading = document.add_paragraph()
    heading.add_run(f"{statement.slug}: {source_name} \u2192 {target_name}").bold = True
    document.add_paragraph(INSTRUCTIONS)

    widths = (Mm(12), Mm(79), Mm(79))
    table = document.add_table(rows=1, cols=3)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    head = table.rows[0]
    _repeat_as_header(head._tr)
    for cell, text in zip(head.cells, ("No.", f"Source ({source_name})",
                                       f"Translation ({target_name})"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True

    seen: set[str] = set()
    number = 0
    for seg in segments(statement):
        key = message_key(seg.msgid, seg.context)
        if key in seen:
            continue
        seen.add(key)
        number += 1
        msg = catalog.get(seg.msgid, seg.context) if catalog is not None else None
        translation = msg.string if msg is not None else ""
        fuzzy = msg is not None and msg.fuzzy and bool(translation)
        row = table.add_row()
        cells = row.cells
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
        cells[0].paragraphs[0].add_run(str(number))
        if fuzzy:
            note = cells[0].add_paragraph().add_run("check")
            note.italic = True
            _shade(cells[2]._tc, FUZZY_FILL)
        _write_markdown(cells[1].paragraphs[0], seg.msgid)
        _hidden_key(cells[1].add_paragraph(), key)
        target = cells[2].paragraphs[0]
        if translation:
            _write_markdown(target, translation)
        _set_language(target, region_tag(lang), rtl)

    core = document.core_properties
    core.title = f"{statement.slug}: bilingual table, {source_name} to {target_name}"[:255]
    core.subject = ""
    core.category = MARKER
    core.identifier = f"{statement.slug}/{lang}"
    core.language = region_tag(lang)
    core.author = core.last_modified_by = "publisher"
    core.keywords = core.comments = ""
    core.revision = 1
    stamp = edition_timestamp(statement).replace(tzinfo=None)
    core.created = core.modified = core.last_printed = stamp
    buf = io.BytesIO()
    document.save(buf)
    with zipfile.ZipFile(buf) as saved:
        parts = {info.filename: saved.read(info) for info in saved.infolist()}
    return _normalise_zip(parts)  # fixed timestamps: equal tables are equal bytes


def _write_markdown(paragraph: Any, markdown: str) -> None:
    """A message's Markdown as runs of a Word paragraph; Markdown that does not parse
    (a broken translation) is written as it is, so nothing is lost."""
    from ..readers.markdown import parse_inline

    try:
        content = parse_inline(markdown).content
    except PublisherError:
        paragraph.add_run(markdown)
        return
    _add_inline(paragraph, content, frozenset(), None)


def _add_inline(paragraph: Any, nodes: tuple[Inline, ...], marks: frozenset[str],
                link: Any) -> None:
    """Runs for inline nodes: ``marks`` are the formatting of the nodes around them
    (bold, italic, sup, sub), ``link`` the ``w:hyperlink`` they stand in, if any."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    from ..links import link_problem
    from ..model import Code, Emph, FootnoteRef, HardBreak, Link, Strong, Sub, Sup, Text

    kinds = {Strong: "bold", Emph: "italic", Sup: "sup", Sub: "sub"}

    def run(text: str | None, brk: bool = False) -> None:
        r = paragraph.add_run(text or "")
        if brk:
            r.add_break()
        r.bold = "bold" in marks or None
        r.italic = "italic" in marks or None
        if "sup" in marks:
            r.font.superscript = True
        elif "sub" in marks:
            r.font.subscript = True
        if link is not None:
            r.font.underline = True
            r.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
            link.append(r._r)

    for node in nodes:
        if isinstance(node, (Text, Code)):
            run(node.text)
        elif isinstance(node, HardBreak):
            run(None, brk=True)
        elif isinstance(node, FootnoteRef):
            run(f"[^{node.label}]")
        elif isinstance(node, Link):
            if link is not None or link_problem(node.href) is not None:
                _add_inline(paragraph, node.children, marks, link)
                continue
            element = OxmlElement("w:hyperlink")
            if node.href.startswith("#"):
                element.set(qn("w:anchor"), node.href[1:])
            else:
                element.set(qn("r:id"), paragraph.part.relate_to(
                    node.href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
            paragraph._p.append(element)
            _add_inline(paragraph, node.children, marks, element)
        else:
            _add_inline(paragraph, node.children, marks | {kinds[type(node)]}, link)


def _hidden_key(paragraph: Any, key: str) -> None:
    """The row's key as hidden text in a paragraph whose mark is hidden too, so the cell
    shows no empty line."""
    from docx.oxml import OxmlElement

    paragraph.add_run(key).font.hidden = True
    ppr = paragraph._p.get_or_add_pPr()
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:vanish"))
    ppr.append(rpr)


def _set_language(paragraph: Any, tag: str, rtl: bool) -> None:
    """The translation cell's language (Word's spelling checker uses it) and direction."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    if rtl:
        ppr.append(OxmlElement("w:bidi"))
    for r in [*paragraph._p.iter(qn("w:r")), None]:
        rpr = OxmlElement("w:rPr") if r is None else r.get_or_add_rPr()
        if rtl and r is not None:
            rpr.get_or_add_rtl()
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val" if not rtl else "w:bidi"), tag)
        rpr.append(lang)
        if r is None:
            ppr.append(rpr)


def _shade(tc: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc.get_or_add_tcPr().append(shd)


def _repeat_as_header(tr: Any) -> None:
    """The heading row repeats at the top of every page."""
    from docx.oxml import OxmlElement

    tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


# ---------------------------------------------------------------- reading

class BilingualRow(NamedTuple):
    key: str
    """The message key (empty if the row has none)."""
    text: str
    """The translation cell as statement Markdown (empty: not translated)."""
    row: int
    """The row's number (its No. cell; its place among the rows if that was changed)."""


@dataclass
class BilingualTable:
    slug: str
    """The statement the table was written for ("" if the file does not say)."""
    lang: str
    rows: list[BilingualRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    """(row, what) of every row that cannot be read back as one translation."""


def is_bilingual(path: Path) -> bool:
    """Whether ``path`` is a table :func:`export_bilingual` wrote (its marker)."""
    return table_identity(path) is not None


def core_properties(path: Path) -> dict[str, str]:
    """The core properties of a document (``category``, ``identifier``, ``language``...),
    empty for a file that is no zip or has none."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as z:
            if z.getinfo(_CORE).file_size > 1_000_000:
                return {}
            data = z.read(_CORE)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(data, parser)
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError):
        return {}
    return {str(el.tag).rsplit("}", 1)[-1]: (el.text or "").strip() for el in root
            if isinstance(el.tag, str)}


def table_identity(path: Path) -> tuple[str, str] | None:
    """(slug, lang) of a bilingual table, None for any other file."""
    values = core_properties(path)
    if values.get("category") != MARKER:
        return None
    slug, _, lang = values.get("identifier", "").partition("/")
    return slug, lang


def read_table(path: Path) -> BilingualTable:
    """Every row of a bilingual table: its key and its translation as Markdown."""
    import docx
    from docx.oxml.ns import qn

    from .wordml import cell_paragraphs

    identity = table_identity(path) or ("", "")
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises anything a broken zip or XML gives
        raise PublisherError(f"cannot read the bilingual table: {exc}", path) from None
    result = BilingualTable(*identity)
    body = document.element.body
    tables = body.findall(qn("w:tbl"))
    if not tables:
        result.problems.append((0, "the document has no table"))
        return result
    part = document.part
    place = 0
    for tr in tables[0].findall(qn("w:tr")):
        cells = tr.findall(qn("w:tc"))
        key = _row_key(cells[1] if len(cells) > 1 else tr)
        if not key and place == 0 and tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None:
            continue  # the heading row
        place += 1
        number = _row_number(cells[0], place) if cells else place
        if len(cells) != 3 or any(tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}") is not None
                                  for tc in cells):
            result.problems.append((number, "the row's cells were changed (merged, split, "
                                            "added or removed)"))
            continue
        if not key:
            result.problems.append((number, "the row has lost its message key (hidden "
                                            "text in the source cell)"))
            continue
        texts = [inline_message(t) for t in cell_paragraphs(cells[2], part)]
        if len(texts) > 1:
            result.problems.append((number, f"the translation has {len(texts)} paragraphs; "
                                            "a message is one paragraph"))
            continue
        result.rows.append(BilingualRow(key, texts[0] if texts else "", number))
    return result


def read_bilingual(path: Path) -> list[BilingualRow]:
    """(key, translation Markdown, row number) of every row read back (see
    :func:`read_table` for the rows that cannot be)."""
    return read_table(path).rows


def _row_key(tc: Any) -> str:
    """The hidden key of a source cell: the text of its hidden runs."""
    from docx.oxml.ns import qn

    hidden = []
    for r in tc.iter(qn("w:r")):
        vanish = r.find(f"{qn('w:rPr')}/{qn('w:vanish')}")
        if vanish is not None and vanish.get(qn("w:val"), "true") not in ("0", "false", "off"):
            hidden.append("".join(t.text or "" for t in r.iter(qn("w:t"))))
    m = _KEY.search("".join(hidden))
    return m.group() if m else ""


def _row_number(tc: Any, place: int) -> int:
    from docx.oxml.ns import qn

    m = _ROW_NUMBER.match("".join(t.text or "" for t in tc.iter(qn("w:t"))))
    return int(m.group(1)) if m else place


def inline_message(markdown: str) -> str:
    """A cell's Markdown as a message holds it: footnote calls typed as text (``[^1]``,
    escaped by the Markdown writer) as calls, and without the escapes that only keep a
    line from starting a block (``92\\. Sitzung``): a message is inline text, so a
    translator writes ``92. Sitzung`` and the table gives it back as written."""
    from ..readers.markdown import parse_inline

    markdown = _CALL_TEXT.sub(r"[^\1]", markdown)
    plain = _BLOCK_ESCAPE.sub(lambda m: m.group(1) + m.group(2) if m.group(1) else m.group(3),
                              markdown)
    if plain == markdown:
        return markdown
    try:
        same = parse_inline(plain).content == parse_inline(markdown).content
    except PublisherError:
        same = False
    return plain if same else markdown
