"""The Arabic PDF's text layer, read as a reader's software reads it (issue 11, item 2).

poppler (``pdftotext``: Evince, Okular, most search indexes) and pdfium (Chrome's PDF
engine, through pypdfium2) each rebuild right-to-left text from glyphs drawn left to
right. ``publisher/writers/pdf_text.py`` writes a code per glyph use, so every glyph
reads as the text it was shaped from. What each engine still does on its own is stated
where it is allowed for:

- poppler wraps each left-to-right stretch it finds in an Arabic line (numbers, and the
  neutral characters next to them) in LRE…PDF and writes it in visual order, so
  ``2022. ونحن`` comes out as ``LRE " .2022" PDF ونحن``: as displayed, the same line.
  :func:`poppler_logical` reads such a stretch back in reading order.
- pdfium's bidi treats combining marks as neutral and mirrors brackets again: a
  punctuation mark after a word-final tanwīn, or a number, may come out on the other
  side of it («شكرا،ً», «.2022»), and «» come out as »«. No one spelling of the text
  layer serves both engines here (the ToUnicode order pdfium needs for «شكراً،» is one
  poppler reads wrong), so its paragraphs are compared without punctuation; every
  letter and mark must still be there, in order. Searching Chrome for such a word
  with its tanwīn finds the word only where no punctuation follows it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from publisher.pipeline import Translator, read_statements
from publisher.writers import pdf_text

from .conftest import SAMPLE, run, tool
from .test_hyphenation import _texts

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
POPPLER_LTR = re.compile("\u202a([^\u202a\u202c]*)\u202c")


def poppler_logical(text: str) -> str:
    """poppler's LRE…PDF stretches in reading order: the neutral characters at either
    edge of the stretch belong to the right-to-left text around it."""
    def stretch(match: re.Match[str]) -> str:
        inner = match.group(1)
        core = re.search(r"\w(.*\w)?", inner)
        if core is None:
            return inner[::-1]
        return inner[core.end():][::-1] + core.group(0) + inner[:core.start()][::-1]
    return POPPLER_LTR.sub(stretch, text)


def plain(text: str) -> str:
    """Without bidi controls, whitespace normalised."""
    return " ".join(BIDI_CONTROLS.sub("", text).split())


def without_punctuation(text: str) -> str:
    return plain("".join(c for c in text if unicodedata.category(c)[0] not in "PS"))


@pytest.fixture(scope="module")
def paragraphs(project) -> list[str]:
    statement = read_statements(project, [SAMPLE])[0]
    edition, _ = Translator(project).edition(statement, "ar", [])
    return [plain(text) for text in _texts(edition.statement.blocks)]


@pytest.fixture(scope="module")
def poppler_text(built) -> str:
    raw = run(tool("pdftotext"), str(built / "fsc-pc-92-dprk.ar.pdf"), "-").stdout
    return plain(poppler_logical(raw))


@pytest.fixture(scope="module")
def pdfium_text(built) -> str:
    document = pdfium.PdfDocument(str(built / "fsc-pc-92-dprk.ar.pdf"))
    try:
        return plain(" ".join(document[i].get_textpage().get_text_range()
                              for i in range(len(document))))
    finally:
        document.close()


def test_weasyprint_is_the_reviewed_version():
    """The text layer replaces two WeasyPrint functions: an upgrade that changes them
    must be read against ``pdf_text`` before ``REVIEWED`` is updated."""
    assert pdf_text.source_digests() == pdf_text.REVIEWED


def test_every_paragraph_reads_back_in_poppler(paragraphs, poppler_text):
    assert len(paragraphs) >= 26
    missing = [p for p in paragraphs if p not in poppler_text]
    assert not missing, f"{len(missing)} of {len(paragraphs)} paragraphs differ: {missing[:2]}"


def test_every_paragraph_reads_back_in_pdfium(paragraphs, pdfium_text):
    exact = [p for p in paragraphs if p in pdfium_text]
    bare = without_punctuation(pdfium_text)
    missing = [p for p in paragraphs if without_punctuation(p) not in bare]
    assert not missing, f"{len(missing)} of {len(paragraphs)} paragraphs differ: {missing[:2]}"
    # The allowance is for punctuation only: most paragraphs read back exactly.
    assert len(exact) >= len(paragraphs) * 3 // 4, f"only {len(exact)} read back exactly"


@pytest.mark.parametrize("word", ["الكرملين", "إيماناً", "راسخاً", "يُقابَل", "مُشِلّة",
                                  "الكوري"])
def test_search_finds_each_occurrence(paragraphs, poppler_text, pdfium_text, word):
    """«الك» once read «اللك» and tanwīn had a space before it: search found 0 of 2
    «الكرملين». Each occurrence is found, in both engines."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}")
    expected = sum(len(pattern.findall(p)) for p in paragraphs)
    assert expected
    assert len(pattern.findall(poppler_text)) == expected
    assert len(pattern.findall(pdfium_text)) == expected


def test_every_word_is_found_by_search(paragraphs, poppler_text, pdfium_text):
    words = {w for p in paragraphs for w in without_punctuation(p).split()}
    for name, text in (("poppler", poppler_text), ("pdfium", pdfium_text)):
        found = set(without_punctuation(text).split())
        assert not words - found, f"{name}: {sorted(words - found)[:10]}"


RENDER = """
import sys
from pathlib import Path
from weasyprint import HTML
from publisher.writers import pdf, pdf_text
from publisher.writers.fonts import font_face_css
if sys.argv[1] == "patched":
    pdf_text.install()
page = f'''<!doctype html><html><head><meta charset="utf-8"><style>{font_face_css()}
body {{ font: 14pt 'Noto Serif' }} p[lang=ar] {{ font-family: Amiri; text-align: justify }}
</style></head><body><p lang="en">AVATAR Wolf office “quoted” — fi fl ff, naïve 12,000.</p>
<p lang="ar" dir="rtl">قال المتحدث باسم الكرملين إيماناً راسخاً بأن «كل شيء» يُقابَل
بالحزم، في 5 تشرين الثاني/نوفمبر 2024. شكراً، سيدي الرئيس.</p></body></html>'''
HTML(string=page, base_url=str(Path("templates").resolve()) + "/").write_pdf(
    sys.argv[2], font_config=pdf._font_config())
"""


def test_the_page_looks_the_same(tmp_path):
    """Glyphs are where WeasyPrint puts them: the page renders as without the module
    (mark offsets move by WeasyPrint's own rounding, a few pixels of anti-aliasing)."""
    from PIL import Image, ImageChops

    root = Path(__file__).resolve().parent.parent
    images = []
    for variant in ("weasyprint", "patched"):
        pdf = tmp_path / f"{variant}.pdf"
        subprocess.run([sys.executable, "-c", RENDER, variant, str(pdf)], cwd=root,
                       check=True)
        run(tool("pdftoppm"), "-r", "100", "-gray", "-singlefile", str(pdf),
            str(tmp_path / variant))
        images.append(Image.open(tmp_path / f"{variant}.pgm"))
    difference = ImageChops.difference(*images)
    histogram = difference.histogram()
    changed = sum(histogram[65:])
    assert changed < 0.0005 * images[0].width * images[0].height, changed
    inked = [ImageChops.invert(image).getbbox() for image in images]
    assert inked[0] == inked[1]
