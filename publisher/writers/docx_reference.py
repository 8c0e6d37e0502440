"""Make the DOCX reference document ``templates/reference.docx``.

The DOCX writer takes every style by name from that file, so a person can open it in
Word or LibreOffice, change fonts, sizes and spacing of the named styles, save it, and
every DOCX built afterwards follows. Run ``python -m publisher.writers.docx_reference
templates/reference.docx`` only to start over from the built-in defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

FONT = "Times New Roman"

PARAGRAPH_STYLES = {
    # name: (base, size pt, bold, italic, alignment, space after pt, caps)
    "Masthead": ("Normal", 10.5, False, False, WD_ALIGN_PARAGRAPH.RIGHT, 0, False),
    "Mission Name": ("Normal", 12.5, True, False, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    "Mission Address": ("Normal", 9.5, False, False, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    "Check Line": ("Normal", 11, False, True, WD_ALIGN_PARAGRAPH.RIGHT, 6, False),
    "Statement Title": ("Normal", 13, True, False, WD_ALIGN_PARAGRAPH.CENTER, 6, True),
    "Meeting": ("Normal", 12, True, False, WD_ALIGN_PARAGRAPH.CENTER, 4, False),
    "Agenda Item": ("Normal", 12, False, False, WD_ALIGN_PARAGRAPH.CENTER, 18, False),
    "Separator": ("Normal", 12, False, False, WD_ALIGN_PARAGRAPH.CENTER, 10, False),
}
CHARACTER_STYLES = {
    # name: (bold, italic, vertical alignment)
    "Superscript": (None, None, "superscript"),
    "Subscript": (None, None, "subscript"),
    "Verbatim Char": (None, None, None),
}


def make_reference(path: Path) -> None:
    document = docx.Document()
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]

    body = styles["Body Text"]
    body.font.size = Pt(12)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.paragraph_format.space_after = Pt(10)
    body.paragraph_format.widow_control = True
    for name in ("Heading 2", "Heading 3", "Heading 4"):
        st = styles[name]
        st.font.name = FONT
        st.font.size = Pt(12)
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.paragraph_format.keep_with_next = True
    for name, (base, size, bold, italic, align, after, caps) in PARAGRAPH_STYLES.items():
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = styles[base]
        st.quick_style = True
        st.font.size = Pt(size)
        st.font.bold = bold
        st.font.italic = italic
        st.font.all_caps = caps
        if bold:
            st.element.get_or_add_rPr().get_or_add_bCs()  # complex scripts (Arabic) too
        if italic:
            st.element.get_or_add_rPr().get_or_add_iCs()
        st.paragraph_format.alignment = align
        st.paragraph_format.space_after = Pt(after)
        st.paragraph_format.space_before = Pt(18 if name == "Statement Title" else 0)
    styles["Strong"].element.get_or_add_rPr().get_or_add_bCs()
    styles["Emphasis"].element.get_or_add_rPr().get_or_add_iCs()
    for name, (_bold, _italic, valign) in CHARACTER_STYLES.items():
        st = styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        st.base_style = styles["Default Paragraph Font"]
        if valign == "superscript":
            st.font.superscript = True
        elif valign == "subscript":
            st.font.subscript = True
    styles["Verbatim Char"].font.name = "Courier New"
    link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.base_style = styles["Default Paragraph Font"]
    link.font.color.rgb = RGBColor(0x0B, 0x3D, 0x91)
    link.font.underline = True
    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(9)
        styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin = section.right_margin = Mm(22)
    core = document.core_properties
    core.title = core.subject = core.keywords = core.comments = ""
    core.author = core.last_modified_by = "publisher"
    document.save(str(path))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m publisher.writers.docx_reference OUTPUT.docx")
    make_reference(Path(sys.argv[1]))
