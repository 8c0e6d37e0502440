"""Draft readers (``publisher import``): a press officer's draft as blocks of statement
Markdown, whatever it was saved as, and only ever a :class:`PublisherError` for a file
that cannot be read.

The Word drafts are made here with python-docx the way Word users format (direct bold,
a heading style, split runs, a superscript ordinal, real footnotes); the round trip goes
through the project's own DOCX writer and back.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from publisher.errors import PublisherError
from publisher.importer.drafts import MAX_FILE_BYTES, read_draft
from publisher.importer.model import Draft
from publisher.importer.wordml import cell_markdown, escape, paragraph_markdown
from publisher.model import FootnoteRef, Paragraph, plain_text
from publisher.readers.markdown import _parse_blocks, parse_inline

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "fsc-pc-92-dprk.md"
SOURCE = ROOT / "tests" / "fixtures" / "fsc-pc-92-dprk.source.md"
REFERENCE = ROOT / "templates" / "reference.docx"
SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def seed_body() -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    return [block for block in body.strip().split("\n\n")]


def readable(draft: Draft) -> None:
    """Every block and note is statement Markdown the statement reader reads, and a
    paragraph reads as one paragraph (no block marker slipped through)."""
    for block in draft.blocks:
        parse_inline(block.text)
        for line in block.lines:
            parse_inline(line.text)
        if block.kind == "paragraph" and "[^" not in block.text:
            blocks, _ = _parse_blocks(block.text, draft.path, 1)
            assert len(blocks) == 1 and isinstance(blocks[0], Paragraph), block.text
            assert blocks[0].text.plain == parse_inline(block.text).plain
    for _, note in draft.footnotes:
        assert note and "\n" not in note
        parse_inline(note)


# ---------------------------------------------------------------- Markdown drafts

def test_the_sample_markdown_draft_reads_as_the_statement_holds_it():
    draft = read_draft(SOURCE)
    first, title, meeting, agenda, *speech = draft.blocks
    assert first.kind == "paragraph"
    assert [(line.text, line.line) for line in first.lines] == [
        ("**Permanent Mission of Ukraine**", 5), ("to the International", 6),
        ("Organizations in Vienna", 7)]
    assert (title.kind, title.level, title.text) == (
        "heading", 2, "**STATEMENT BY THE DELEGATION OF UKRAINE**")
    assert (meeting.kind, meeting.level, meeting.text) == (
        "heading", 3, "**92<sup>nd</sup> Joint FSC-PC Meeting** (06 November 2024)")
    assert agenda.text.startswith("Agenda Item 1, Security Dialogue: “The Russian Federation’s")
    assert speech[0].text == "Chairs,"
    assert [block.text for block in speech] == seed_body()
    assert all(block.kind == "paragraph" for block in speech)
    assert draft.footnotes == () and draft.left_out == ()
    readable(draft)


MARKDOWN_DRAFT = """\
---
title: not expected here
---

    An indented paragraph
\tand its tab-indented line.

Title set off
=============

- first
  - nested *item*
- second

3. three
4. four

> A quoted paragraph.[^n]

Twice called[^n] and undefined[^zz] and kept.

![logo](logo.png) Text beside the image <span>and a tag</span>.

| a | b |
|---|---|
| 1 | 2 |

```
code
```

<div>
raw
</div>

# 1. Heading that looks like a list

[^n]: The *note*.
[^unused]: Never called.
"""


def test_markdown_draft_blocks_lists_notes_and_what_is_left_out(tmp_path):
    path = tmp_path / "draft.md"
    path.write_text(MARKDOWN_DRAFT, encoding="utf-8")
    draft = read_draft(path)
    got = [(b.kind, b.text, b.line, b.level, b.ordered, b.start) for b in draft.blocks]
    assert got == [
        ("paragraph", "An indented paragraph and its tab-indented line.", 5, 0, False, None),
        ("heading", "Title set off", 8, 1, False, None),
        ("item", "first", 11, 0, False, None),
        ("item", "nested *item*", 12, 1, False, None),
        ("item", "second", 13, 0, False, None),
        ("item", "three", 15, 0, True, 3),
        ("item", "four", 16, 0, True, None),
        ("paragraph", "A quoted paragraph.[^n]", 18, 0, False, None),
        ("paragraph", "Twice called[^n-2] and undefined\\[^zz\\] and kept.", 20, 0, False, None),
        ("paragraph", "Text beside the image and a tag.", 22, 0, False, None),
        ("heading", "1. Heading that looks like a list", 36, 1, False, None),
    ]
    assert [(line.text, line.line) for line in draft.blocks[0].lines] == [
        ("An indented paragraph", 5), ("and its tab-indented line.", 6)]
    assert draft.footnotes == (("n", "The *note*."), ("n-2", "The *note*."))
    assert draft.left_out == (
        (1, "YAML front matter (a draft has none: the import writes the statement's own)"),
        (22, "an image"), (22, "raw HTML '<span>'"), (22, "raw HTML '</span>'"),
        (24, "a table"), (28, "a code block"), (32, "raw HTML '<div>'"),
        (39, "footnote [^unused], which the text never calls"))
    readable(draft)


def test_markdown_draft_keeps_its_source_byte_for_byte(tmp_path):
    source = ("Hard  \nbreak and a\\\nbackslash one, a_b, 2,000-3,000, “quotes”, "
              "[link][ref] and <sup>st</sup>.\n\n[ref]: https://www.osce.org/ \"OSCE\"\n")
    path = tmp_path / "draft.markdown"
    path.write_text(source, encoding="utf-8")
    (block,) = read_draft(path).blocks
    assert block.text == ("Hard  \nbreak and a\\\nbackslash one, a_b, 2,000-3,000, “quotes”, "
                          '[link](https://www.osce.org/ "OSCE") and <sup>st</sup>.')
    assert [line.text for line in block.lines] == [
        "Hard", "break and a", "backslash one, a_b, 2,000-3,000, “quotes”, "
        "[link](https://www.osce.org/) and <sup>st</sup>."]


# ---------------------------------------------------------------- Word drafts

def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def hyperlink(par, text: str, url: str) -> None:
    r_id = par.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    par._p.append(link)


def footnote(par, text: str) -> None:
    """A real Word footnote (``word/footnotes.xml`` and its call), as our writer makes it."""
    from publisher.writers.docx_notes import add_footnote

    call = FootnoteRef("1", 1, parse_inline(text))
    par._p.append(add_footnote(par, call, lambda p, content: p.add_run(plain_text(content))))


def numbered(doc, par, num_id: int, ilvl: int = 0) -> None:
    num_pr = par._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = num_id


def new_list(doc, start: int) -> int:
    """A new numbering instance of the "List Number" style's list, starting at ``start``."""
    numbering = doc.part.numbering_part.element
    style = doc.styles["List Number"].element
    style_num = style.pPr.numPr.numId.val
    abstract = next(n.abstractNumId.val for n in numbering.num_lst if n.numId == style_num)
    num = numbering.add_num(abstract)
    num.add_lvlOverride(ilvl=0).add_startOverride(start)
    return num.numId


def word_draft(path: Path) -> Path:
    doc = docx.Document()
    masthead = doc.add_paragraph()
    for i, line in enumerate(["Permanent Mission of Ukraine", "to the International",
                              "Organizations in Vienna"]):
        run = masthead.add_run(line)
        run.bold = True
        run.font.name = "Times New Roman"
        if i < 2:
            run.add_break(WD_BREAK.LINE)
    doc.add_heading("STATEMENT BY THE DELEGATION OF UKRAINE", level=2)      # 2
    meeting = doc.add_paragraph()                                             # 3
    meeting.add_run("92")
    meeting.add_run("nd").font.superscript = True
    meeting.add_run(" Joint FSC-PC Meeting")
    doc.add_paragraph()                                                       # 4: empty
    doc.add_paragraph("Chairs,")                                              # 5
    split = doc.add_paragraph()                                               # 6
    split.add_run("Perm").bold = True
    split.add_run("anent").bold = True
    split.add_run(" text, an ")
    split.add_run("italic").italic = True
    split.add_run(" and a ")
    both = split.add_run("bold italic")
    both.bold = both.italic = True
    split.add_run(" phrase; see ")
    hyperlink(split, "the OSCE", "https://www.osce.org/")
    split.add_run(".")
    first = doc.add_paragraph("Third", style="List Number")                   # 7
    list_id = new_list(doc, 3)
    numbered(doc, first, list_id)
    doc.add_paragraph("A nested point", style="List Bullet 2")                # 8
    numbered(doc, doc.add_paragraph("Fourth", style="List Number"), list_id)  # 9
    broken = doc.add_paragraph("First line")                                  # 10
    broken.runs[0].add_break(WD_BREAK.LINE)
    broken.add_run("second line")
    claim = doc.add_paragraph("A claim")                                      # 11
    footnote(claim, "Source: the OSCE.")
    claim.add_run(" stands.")
    pictured = doc.add_paragraph("Before the image ")                         # 12
    pictured.add_run().add_picture(io.BytesIO(png()))
    table = doc.add_table(rows=2, cols=2)                                     # 13
    table.cell(0, 0).text = "cell"
    doc.add_paragraph("Thank you, Mr Chairperson.")                           # 14
    doc.save(str(path))
    return path


def test_word_draft(tmp_path):
    draft = read_draft(word_draft(tmp_path / "FSC-PC 92.docx"))
    got = [(b.kind, b.text, b.line, b.level, b.ordered, b.start) for b in draft.blocks]
    assert got == [
        ("paragraph", "**Permanent Mission of Ukraine**\\\n**to the International**\\\n"
                      "**Organizations in Vienna**", 1, 0, False, None),
        ("heading", "STATEMENT BY THE DELEGATION OF UKRAINE", 2, 2, False, None),
        ("paragraph", "92<sup>nd</sup> Joint FSC-PC Meeting", 3, 0, False, None),
        ("paragraph", "Chairs,", 5, 0, False, None),
        ("paragraph", "**Permanent** text, an *italic* and a ***bold italic*** phrase; see "
                      "[the OSCE](https://www.osce.org/).", 6, 0, False, None),
        ("item", "Third", 7, 0, True, 3),
        ("item", "A nested point", 8, 1, False, None),
        ("item", "Fourth", 9, 0, True, None),
        ("paragraph", "First line\\\nsecond line", 10, 0, False, None),
        ("paragraph", "A claim[^1] stands.", 11, 0, False, None),
        ("paragraph", "Before the image", 12, 0, False, None),
        ("paragraph", "Thank you, Mr Chairperson.", 14, 0, False, None),
    ]
    assert [(line.text, line.line) for line in draft.blocks[0].lines] == [
        ("**Permanent Mission of Ukraine**", 1), ("**to the International**", 1),
        ("**Organizations in Vienna**", 1)]
    assert [line.text for line in draft.blocks[8].lines] == ["First line", "second line"]
    assert draft.blocks[1].style == "Heading 2" and draft.blocks[5].style == "List Number"
    assert draft.footnotes == (("1", "Source: the OSCE."),)
    assert draft.left_out == ((12, "an image"), (13, "a table of 2 rows (after paragraph 12)"))
    readable(draft)


def test_word_list_styles_without_numbering(tmp_path):
    """A list style counts as a list even when the document's style has no numbering."""
    doc = docx.Document()
    for name in ("List Number", "List Number 2", "List Bullet"):
        ppr = doc.styles[name].element.pPr
        ppr.remove(ppr.numPr)
    for text, style in [("one", "List Number"), ("one.one", "List Number 2"),
                        ("two", "List Number"), ("two.one", "List Number 2"),
                        ("a point", "List Bullet"), ("after", None), ("again", "List Number")]:
        doc.add_paragraph(text, style=style)
    path = tmp_path / "styled.docx"
    doc.save(str(path))
    got = [(b.kind, b.text, b.level, b.ordered, b.start) for b in read_draft(path).blocks]
    assert got == [("item", "one", 0, True, 1), ("item", "one.one", 1, True, 1),
                   ("item", "two", 0, True, None), ("item", "two.one", 1, True, 1),
                   ("item", "a point", 0, False, None), ("paragraph", "after", 0, False, None),
                   ("item", "again", 0, True, 1)]


def test_word_revisions_fields_hidden_text_and_character_styles(tmp_path):
    """Text as it prints: insertions kept, deletions, hidden text and field codes not;
    a HYPERLINK field is a link; a character style's bold counts, through basedOn."""
    doc = docx.Document()
    styles = doc.styles.element
    styles.append(docx.oxml.parse_xml(
        '<w:style xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'w:type="character" w:styleId="Loud"><w:name w:val="Loud"/>'
        '<w:basedOn w:val="Strong"/></w:style>'))
    par = doc.add_paragraph("Kept ")
    body = (
        '<w:ins w:id="1" w:author="a"><w:r><w:t xml:space="preserve">inserted </w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText>deleted </w:delText></w:r></w:del>'
        '<w:r><w:rPr><w:vanish/></w:rPr><w:t>hidden </w:t></w:r>'
        '<w:r><w:rPr><w:rStyle w:val="Loud"/></w:rPr><w:t>loud</w:t></w:r>'
        '<w:r><w:t xml:space="preserve"> and </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> HYPERLINK "https://www.osce.org/" '
        '</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:t>a field link</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t xml:space="preserve"> plain</w:t></w:r>'
        '<w:r><w:rPr><w:i w:val="false"/></w:rPr><w:t>.</w:t></w:r>')
    for el in docx.oxml.parse_xml(
            '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'{body}</w:p>'):
        par._p.append(el)
    path = tmp_path / "revised.docx"
    doc.save(str(path))
    (block,) = read_draft(path).blocks
    assert block.text == "Kept inserted **loud** and [a field link](https://www.osce.org/) plain."


def test_word_table_cells_read_like_paragraphs(tmp_path):
    doc = docx.Document()
    table = doc.add_table(rows=1, cols=2)
    cell = table.cell(0, 1)
    cell.paragraphs[0].add_run("bold").bold = True
    cell.add_paragraph("second *line*")
    path = tmp_path / "table.docx"
    doc.save(str(path))
    doc = docx.Document(str(path))
    tc = doc.tables[0].cell(0, 1)._tc
    assert cell_markdown(tc, doc.part) == "**bold**\\\nsecond \\*line\\*"


ROUND_TRIP = [
    "**bold** text", "*italic* text", "***both*** here", "92<sup>nd</sup> Joint FSC-PC Meeting",
    "H<sub>2</sub>O", "see [the OSCE](https://www.osce.org/).", "1. not a list",
    "\\*asterisks\\* as text", "a_b and \\_c\\_ d", "\\<tag> literal", "# not a heading",
    "- not an item", "2,000-3,000 “quoted” ‘single’ — dash…", "back\\\\slash", "\\&amp; entity",
    "a \\[bracket\\]", "x \\~\\~y\\~\\~", "**bold [link](https://www.osce.org/) inside**",
    "[**bold link**](https://example.org/a_(b))", "*italic<sup>2</sup>*", "**Perm**anent",
    "“**quoted**” words", "**“quoted”** words", "a `code` span", "> not a quote", "100%",
    "**1.** bold number", "two  spaces", "wow\\![the link](https://www.osce.org/)!",
]


@pytest.mark.parametrize("source", ROUND_TRIP)
def test_markdown_through_our_docx_writer_and_back(source):
    from publisher.writers.docx import _add_runs, _Styles

    document = docx.Document(str(REFERENCE))
    styles = _Styles(document, [], REFERENCE)
    par = document.add_paragraph()
    original = parse_inline(source)
    _add_runs(styles, par, original.content)
    buf = io.BytesIO()
    document.save(buf)
    document = docx.Document(buf)
    back = paragraph_markdown(document.paragraphs[-1]._p, document.part)
    expected = original.content
    if "`" in source:  # code keeps its text; Word has no code spans
        expected = parse_inline(escape(original.plain)).content
    assert parse_inline(back).content == expected, back


# ---------------------------------------------------------------- text drafts

def test_text_draft(tmp_path):
    text = ("  Permanent Mission of Ukraine\r\n\tto the International\r\n\r\n"
            "        An indented paragraph with *stars* and a_b <tag>.\r\n\r\n"
            "3. Third\r\n4) Fourth\r\n   - nested\r\n• bullet\r\n\r\n# not a heading\r\n")
    path = tmp_path / "draft.txt"
    path.write_bytes(text.encode("utf-8"))
    draft = read_draft(path)
    got = [(b.kind, b.text, b.line, b.level, b.ordered, b.start) for b in draft.blocks]
    assert got == [
        ("paragraph", "Permanent Mission of Ukraine to the International", 1, 0, False, None),
        ("paragraph", "An indented paragraph with \\*stars\\* and a_b \\<tag>.", 4, 0, False,
         None),
        ("item", "Third", 6, 0, True, 3),
        ("item", "Fourth", 7, 0, True, None),
        ("item", "nested", 8, 1, False, None),
        ("item", "bullet", 9, 0, False, None),
        ("paragraph", "\\# not a heading", 11, 0, False, None),
    ]
    assert [(line.text, line.line) for line in draft.blocks[0].lines] == [
        ("Permanent Mission of Ukraine", 1), ("to the International", 2)]
    readable(draft)


def test_text_draft_encodings(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_bytes("Заява делегації\nУкраїни".encode("utf-16"))  # with its byte order mark
    assert read_draft(path).blocks[0].text == "Заява делегації України"
    path.write_bytes(b"\xef\xbb\xbfA\x00NUL and a\x0cform feed\r")
    assert read_draft(path).blocks[0].text == "ANUL and aform feed"
    path.write_bytes("first line\nLatin-1: caf\xe9".encode("latin-1"))
    with pytest.raises(PublisherError) as caught:
        read_draft(path)
    assert caught.value.path == str(path) and caught.value.line == 2
    assert "UTF-8" in str(caught.value)


# ---------------------------------------------------------------- hostile drafts

def zipped(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def refused(path: Path, *words: str) -> PublisherError:
    with pytest.raises(PublisherError) as caught:
        read_draft(path)
    error = caught.value
    assert error.path == str(path)
    assert "\n" not in str(error)
    for word in words:
        assert word in str(error)
    return error


def test_unknown_suffix(tmp_path):
    path = tmp_path / "draft.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    refused(path, ".doc", ".docx")


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_random_bytes_and_wrong_zips(tmp_path, suffix):
    path = tmp_path / f"draft{suffix}"
    path.write_bytes(bytes(range(256)) * 8)
    refused(path, "not a zip")
    path.write_bytes(zipped({"hello.txt": b"not a document"}))
    refused(path)
    path.write_bytes(zipped({"[Content_Types].xml": b"<Types", "_rels/.rels": b"<<<",
                             "content.xml": b"<office:document-content"}))
    refused(path)


def test_broken_xml_inside_a_real_word_document(tmp_path):
    source = word_draft(tmp_path / "good.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for part, data in [("word/document.xml", b"<w:document><w:body>"),
                       ("word/document.xml", parts["word/document.xml"].replace(
                           b"Chairs,", b"Chairs&#1;")),
                       ("word/footnotes.xml", b"<?xml version='1.0'?><!DOCTYPE x ["
                        b"<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
                        b"<w:footnotes>&b;</w:footnotes>"),
                       ("word/styles.xml", b"not xml")]:
        path = tmp_path / "broken.docx"
        path.write_bytes(zipped({**parts, part: data}))
        refused(path, "cannot be read")


def test_zip_bombs_are_refused_unpacked(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(300):
                f.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024
    refused(path, "unpack", "200 MB")
    many = tmp_path / "many.odt"
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(10_001):
            archive.writestr(f"f{i}", b"")
    refused(many, "10000")


def test_a_huge_file_is_refused_unread(tmp_path):
    path = tmp_path / "huge.md"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    refused(path, "50 MB")


# ---------------------------------------------------------------- OpenDocument drafts

ODT_NAMESPACES = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink"}.items())


def odt_style(name: str, family: str, properties: str) -> str:
    return (f'<style:style style:name="{name}" style:family="{family}">'
            f"<style:text-properties {properties}/></style:style>")


def span(style: str, text: str) -> str:
    return f'<text:span text:style-name="{style}">{text}</text:span>'


ODT_STYLES = "".join([
    odt_style("T1", "text", 'fo:font-weight="bold"'),
    odt_style("T2", "text", 'style:text-position="super 58%"'),
    odt_style("T3", "text", 'fo:font-style="italic"'),
    odt_style("T4", "text", 'style:text-position="-33% 58%"'),
    odt_style("P1", "paragraph", 'fo:font-weight="bold"'),
    '<text:list-style style:name="L1">'
    '<text:list-level-style-number text:level="1" text:start-value="3"/>'
    '<text:list-level-style-bullet text:level="2" text:bullet-char="•"/></text:list-style>'])
ODT_BODY = "\n".join([
    f"<text:p>{span('T1', 'Permanent Mission of Ukraine')}<text:line-break/>"
    f"{span('T1', 'to the International')}</text:p>",
    '<text:h text:outline-level="2">STATEMENT BY THE DELEGATION</text:h>',
    f"<text:p>92{span('T2', 'nd')} Joint   FSC-PC<text:s text:c=\"2\"/>Meeting</text:p>",
    "<text:p/>",
    f"<text:p>An {span('T3', 'italic')} word, H{span('T4', '2')}O and "
    '<text:a xlink:href="https://www.osce.org/">a link</text:a>.'
    '<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
    "<text:note-body><text:p>The note.</text:p></text:note-body></text:note></text:p>",
    '<text:list text:style-name="L1">',
    "<text:list-item><text:p>Third</text:p>",
    "<text:list><text:list-item><text:p>Nested</text:p></text:list-item></text:list>",
    "</text:list-item>",
    "<text:list-item><text:p>Fourth</text:p></text:list-item>",
    "</text:list>",
    "<table:table><table:table-row><table:table-cell><text:p>cell</text:p>"
    "</table:table-cell></table:table-row></table:table>",
    "<text:p>Image <draw:frame><draw:image/></draw:frame>here.</text:p>",
    '<text:p text:style-name="P1">Bold paragraph</text:p>'])
ODT_CONTENT = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
               f'{ODT_NAMESPACES} office:version="1.3"><office:automatic-styles>{ODT_STYLES}'
               f"</office:automatic-styles><office:body><office:text>\n{ODT_BODY}\n"
               "</office:text></office:body></office:document-content>")


def test_odt_draft(tmp_path):
    path = tmp_path / "draft.odt"
    path.write_bytes(zipped({"mimetype": b"application/vnd.oasis.opendocument.text",
                             "content.xml": ODT_CONTENT.encode()}))
    draft = read_draft(path)
    got = [(b.kind, b.text, b.line, b.level, b.ordered, b.start) for b in draft.blocks]
    assert got == [
        ("paragraph", "**Permanent Mission of Ukraine**\\\n**to the International**", 1, 0,
         False, None),
        ("heading", "STATEMENT BY THE DELEGATION", 2, 2, False, None),
        ("paragraph", "92<sup>nd</sup> Joint FSC-PC  Meeting", 3, 0, False, None),
        ("paragraph", "An *italic* word, H<sub>2</sub>O and [a link](https://www.osce.org/).[^1]",
         5, 0, False, None),
        ("item", "Third", 6, 0, True, 3),
        ("item", "Nested", 7, 1, False, None),
        ("item", "Fourth", 8, 0, True, None),
        ("paragraph", "Image here.", 10, 0, False, None),
        ("paragraph", "**Bold paragraph**", 11, 0, False, None),
    ]
    assert draft.footnotes == (("1", "The note."),)
    assert draft.left_out == ((9, "a table (after paragraph 8)"), (10, "an image"))
    readable(draft)


# ---------------------------------------------------------------- fuzzing

def check_draft(path: Path) -> Draft | None:
    try:
        draft = read_draft(path)
    except PublisherError as exc:
        event(f"refused: {type(exc).__name__}")
        assert exc.path == str(path) and "\n" not in str(exc)
        return None
    event("read")
    readable(draft)
    return draft


MARKUP = st.sampled_from(["*", "**", "_", "__", "`", "[", "]", "(", ")", "<", ">", "<sup>",
                          "</sup>", "<b>", "![i](x.png)", "[^1]", "[^1]: note", "\\", "#", "# ",
                          "- ", "1. ", "2) ", "> ", "=", "---", "***", "~~", "|", "&amp;",
                          "&#12;", "&#0;", "\t", "    ", "\n", "\n\n", "\r\n", "\r", "\x00",
                          "\x0c", "\u2028", "\ufeff", "\ufffe", "[x]: /u", "[x]", "- [ ] ",
                          "```", "<!--", "a_b", "“", "’", "😀", "\u0301"])
DRAFT_TEXT = st.lists(st.one_of(MARKUP, st.text(max_size=8)), max_size=30).map("".join)


@SLOW
@given(text=st.one_of(DRAFT_TEXT, st.text(max_size=300)), suffix=st.sampled_from([".md", ".txt"]))
@example(text="[^a]: x\n\n[^a]: y\n\nz[^a][^a]", suffix=".md")
@example(text="    - item\n    # heading\n\n    1. x", suffix=".md")
@example(text="- [ ] task\n- [x] done", suffix=".md")
@example(text="a\\\n===\nb  \n---", suffix=".md")
@example(text="[^1]: [^2]\n\n[^2]: b\n\nx[^1]", suffix=".md")
@example(text="[a [^1]](https://x.org)\n\n[^1]: n", suffix=".md")
@example(text="text\n= = =\n\n1) x\n  2. y", suffix=".txt")
def test_text_and_markdown_drafts_read_or_refuse(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"draft{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    check_draft(path)


@SLOW
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".md", ".txt", ".docx", ".odt"]))
def test_arbitrary_bytes_read_or_refuse(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"draft{suffix}"
    path.write_bytes(data)
    check_draft(path)


RUN_TEXT = st.lists(st.one_of(MARKUP.filter(lambda s: s not in ("\x00", "\x0c", "\ufffe")),
                              st.text(st.characters(exclude_categories=("Cs", "Cc"),
                                                    exclude_characters="\ufffe\uffff"),
                                      max_size=8)),
                    max_size=6).map("".join)
RUNS = st.lists(st.tuples(RUN_TEXT, st.booleans(), st.booleans(),
                          st.sampled_from(["", "sup", "sub"]),
                          st.sampled_from([None, None, "https://www.osce.org/a_(b)",
                                           "#anchor", "javascript:alert(1)"])),
                min_size=1, max_size=8)


def expected_plain(texts: list[str]) -> str:
    """The words Word shows, as the statement's plain text has them: tabs as spaces,
    each line trimmed, line breaks as spaces, empty lines gone."""
    import re

    text = "".join(texts).replace("\t", " ").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(" +", " ", " ".join(line for line in lines if line))


@SLOW
@given(runs=RUNS)
@example(runs=[("“quote”", True, False, "", None), ("s", False, False, "", None)])
@example(runs=[("a", False, True, "", None), ("b", True, False, "", None)])
@example(runs=[("x ", True, False, "sup", None), (" y", True, True, "", "#anchor")])
@example(runs=[("*", False, False, "", None), ("\t", False, False, "", "https://www.osce.org/a_(b)"),
               ("*", False, False, "", None)])
@example(runs=[("\ufeff", False, False, "", None), ("*", True, False, "", None),
               ("*", True, False, "", "https://www.osce.org/a_(b)")])
@example(runs=[("*", False, False, "sub", None), ("*", False, False, "sub", "https://x.org/a"),
               ("*", False, False, "", "https://x.org/a")])
def test_word_runs_read_back_as_their_text(runs):
    doc = docx.Document()
    par = doc.add_paragraph()
    for text, bold, italic, vert, href in runs:
        run = par.add_run(text)
        run.bold, run.italic = bold, italic
        if vert:
            setattr(run.font, "superscript" if vert == "sup" else "subscript", True)
        if href:
            link = OxmlElement("w:hyperlink")
            if href.startswith("#"):
                link.set(qn("w:anchor"), href[1:])
            else:
                link.set(qn("r:id"), par.part.relate_to(href, RELATIONSHIP_TYPE.HYPERLINK,
                                                        is_external=True))
            run._r.addprevious(link)
            link.append(run._r)
    buf = io.BytesIO()
    doc.save(buf)
    doc = docx.Document(buf)
    back = paragraph_markdown(doc.paragraphs[0]._p, doc.part)
    for line in back.split("\\\n"):
        blocks, _ = _parse_blocks(line, "x.md", 1)
        assert len(blocks) <= 1 and all(isinstance(b, Paragraph) for b in blocks), back
    import re

    content = parse_inline(back).content
    plain = re.sub(" +", " ", plain_text(content))
    assert plain == expected_plain([text for text, *_ in runs]), back
    linked = {href for text, *_, href in runs
              if href and not href.startswith("javascript") and text.strip()}
    assert links_in(content) == linked, back


def links_in(nodes) -> set[str]:
    from publisher.model import CONTAINERS, Link

    found: set[str] = set()
    for node in nodes:
        if isinstance(node, Link):
            found.add(node.href)
        if isinstance(node, CONTAINERS):
            found |= links_in(node.children)
    return found
