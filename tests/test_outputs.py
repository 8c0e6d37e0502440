"""Every output checked by the program that will read it: poppler for PDF, LibreOffice
for DOCX, the Nu HTML validator for HTML. Structure and extracted text, never bytes."""

from __future__ import annotations

import functools
import html as html_module
import re
import zipfile
from pathlib import Path

import pytest

from publisher.pipeline import BuildOptions, build

from .conftest import LANGS, ROOT, SAMPLE, normalise, normalise_rtl, pdf_streams, run, tool

RTL = {"ar"}

MASTHEAD = {
    "en": ["6 November 2024", "ENGLISH", "Original: ENGLISH", "Permanent Mission of Ukraine",
           "to the International Organizations in Vienna", "Statement by the Delegation of Ukraine"],
    "uk": ["6 листопада 2024 р.", "УКРАЇНСЬКА", "Мова оригіналу: АНГЛІЙСЬКА",
           "Постійне представництво України", "при міжнародних організаціях у Відні",
           "Заява делегації України"],
    "fr": ["6 novembre 2024", "FRANÇAIS", "Original : ANGLAIS", "Mission permanente de l’Ukraine",
           "auprès des organisations internationales à Vienne",
           "Déclaration de la délégation de l’Ukraine"],
    "de": ["6. November 2024", "DEUTSCH", "Original: ENGLISCH", "Ständige Vertretung der Ukraine",
           "bei den Internationalen Organisationen in Wien", "Erklärung der Delegation der Ukraine"],
    "it": ["6 novembre 2024", "ITALIANO", "Originale: INGLESE", "Missione permanente dell'Ucraina",
           "presso le Organizzazioni internazionali a Vienna",
           "Dichiarazione della Delegazione dell'Ucraina"],
    "ru": ["6 ноября 2024 года", "РУССКИЙ", "Язык оригинала: АНГЛИЙСКИЙ",
           "Постоянное представительство Украины", "при международных организациях в Вене",
           "Заявление делегации Украины"],
    "es": ["6 de noviembre de 2024", "ESPAÑOL", "Original: INGLÉS", "Misión Permanente de Ucrania",
           "ante las Organizaciones Internacionales en Viena",
           "Declaración de la Delegación de Ucrania"],
    "ar": ["6 نوفمبر 2024", "العربية", "الأصل: الإنجليزية", "البعثة الدائمة لأوكرانيا",
           "لدى المنظمات الدولية في فيينا", "بيان وفد أوكرانيا"],
}
TITLES = {lang: lines[-1] for lang, lines in MASTHEAD.items()}
REGION = {"en": "en-GB", "uk": "uk-UA", "fr": "fr-FR", "de": "de-DE", "it": "it-IT",
          "ru": "ru-RU", "es": "es-ES", "ar": "ar-EG"}


@functools.cache
def catalogue_texts(lang: str) -> tuple[str, ...]:
    """What the statement says in ``lang``, read from the file its translators edit, never
    from the pipeline: every msgstr of ``locales/<lang>/LC_MESSAGES/fsc-pc-92-dprk.po``
    (for the source language, every msgid of the template), as plain text. The title,
    meeting and agenda are messages too."""
    from publisher.i18n import po

    source = lang == "en"
    path = ROOT / "locales" / ("fsc-pc-92-dprk.pot" if source
                               else f"{lang}/LC_MESSAGES/fsc-pc-92-dprk.po")
    texts = []
    for m in po.read(path):
        if not m.id:
            continue
        assert source or (m.string and not m.fuzzy), (path, m.id)  # published as written
        # The sample's only inline markup is <sup>; any other would need reading here.
        text = re.sub(r"</?su[pb]>", "", m.id if source else m.string)
        assert not re.search(r"[*_`\[\]<>\\]", text), text
        texts.append(text)
    assert len(texts) >= 29, path  # title, meeting, agenda and the paragraphs
    return tuple(texts)


# ---------------------------------------------------------------- PDF (poppler)

_FURNITURE = re.compile(r"^\s*(?:\w+ \d+ \w+ \d+|-\s*\d+\s*-.*)\s*$")


def reading_text(pdf: Path, lang: str = "en") -> str:
    """The PDF's text as pdftotext reads it, without page furniture (the footer's page
    label, the running header), which falls mid-paragraph when a paragraph crosses a page."""
    raw = run(tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-").stdout
    lines = [ln for ln in raw.replace("\f", "\n").splitlines() if not _FURNITURE.match(ln)]
    return comparable("\n".join(lines), lang)


def assert_mostly_read(blocks: tuple[str, ...], text: str, lang: str) -> None:
    """Arabic contextual forms: poppler maps a few joined glyphs back to a doubled letter
    ("اللكوريين" for "الكوريين"), so require 98% of the characters, in order, and every
    number exactly."""
    from difflib import SequenceMatcher

    expected = "".join(comparable(b, lang) for b in blocks)
    matcher = SequenceMatcher(None, expected, text, autojunk=False)
    found = sum(block.size for block in matcher.get_matching_blocks())
    assert found / len(expected) >= 0.98, found / len(expected)
    for number in re.findall(r"\d[\d,]*", " ".join(blocks)):
        assert number.replace(",", "") in text.replace(",", ""), number


def comparable(text: str, lang: str) -> str:
    return normalise_rtl(text) if lang in RTL else normalise(text)


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_reads_back_to_the_statement(built, lang):
    text = reading_text(built / f"fsc-pc-92-dprk.{lang}.pdf", lang)
    if lang in RTL:
        assert_mostly_read(catalogue_texts(lang), text, lang)
        return
    for block in catalogue_texts(lang):
        assert comparable(block, lang) in text, block[:60]
    for line in MASTHEAD[lang][:-1]:
        assert comparable(line, lang) in text, line


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_fonts_embedded_from_font_packages(built, lang):
    out = run(tool("pdffonts"), str(built / f"fsc-pc-92-dprk.{lang}.pdf")).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        name, emb, sub = row.split()[0], row.split()[-5], row.split()[-4]
        assert emb == "yes" and sub == "yes", row
        assert re.match(r"[A-Z]{6}\+(Noto-Serif|Amiri)", name), row
    if lang == "ar":
        assert "Amiri" in out


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_metadata_tags_language_and_a4(built, lang):
    pdf = built / f"fsc-pc-92-dprk.{lang}.pdf"
    info = run(tool("pdfinfo"), str(pdf)).stdout
    assert re.search(rf"^Title:\s+{re.escape(TITLES[lang])} — ", info, re.M), info
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert re.search(r"^Page size:\s+595\.276 x 841\.89 pts \(A4\)", info, re.M)
    assert re.search(r"^Author:\s+.+", info, re.M)
    assert "2024-11-06" in run(tool("pdfinfo"), "-isodates", str(pdf)).stdout
    meta = run(tool("pdfinfo"), "-meta", str(pdf)).stdout
    assert 'pdfuaid:part="1"' in meta
    langs = {m for s in pdf_streams(pdf.read_bytes()) for m in re.findall(rb"/Lang \((\w+)\)", s)}
    assert langs == {lang.encode()}


def test_pdf_page_numbers(built):
    text = run(tool("pdftotext"), "-layout", str(built / "fsc-pc-92-dprk.uk.pdf"), "-").stdout
    pages = text.split("\f")
    count = len([p for p in pages if p.strip()])
    assert count >= 2
    # The OSCE convention: the running head numbers continuation pages; no "Page N of M"
    # footer unless the mission profile asks for one (tests/test_page_convention.py).
    assert "Сторінка" not in text
    for n in range(2, count + 1):
        assert re.search(rf"-\s?{n}\s?-", pages[n - 1].split("\n", 1)[0])


# ---------------------------------------------------------------- DOCX (python-docx XML + LibreOffice)

def docx_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


@pytest.mark.parametrize("lang", LANGS)
def test_docx_structure(built, lang):
    path = built / f"fsc-pc-92-dprk.{lang}.docx"
    document = docx_part(path, "word/document.xml")
    styles = docx_part(path, "word/styles.xml")
    core = docx_part(path, "docProps/core.xml")
    tag = REGION[lang]
    assert re.search(rf'<w:rPrDefault><w:rPr>.*<w:lang w:val="{tag}"', styles, re.S)
    # A4 and every paragraph styled by name, no direct formatting of paragraphs or runs.
    assert '<w:pgSz w:w="11906" w:h="16838"' in document
    body = document.split("<w:body>")[1]
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", body, re.S)
    assert len(paragraphs) >= 30
    for p in paragraphs:
        assert "<w:pStyle " in p, p[:200]
    for direct in ("<w:b/>", "<w:i/>", "<w:sz ", "<w:jc ", "<w:rFonts", "<w:vertAlign"):
        assert direct not in body, direct
    if lang not in ("de", "ru", "ar"):  # these write the ordinal without a superscript
        assert 'w:val="Superscript"' in body  # the meeting's ordinal, by character style
    # Letterhead on the first page header, the page number in the continuation header;
    # no "Page N of M" footer (the profile does not ask for one).
    with zipfile.ZipFile(path) as z:
        headers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/header")]
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert "<w:titlePg/>" in document
    assert any(normalise(MASTHEAD[lang][3]) in normalise(h) and
               normalise(MASTHEAD[lang][0]) in normalise(h) for h in headers)
    assert any("PAGE" in h for h in headers)  # the continuation header "- N -"
    assert not footers
    assert f"<dc:title>{TITLES[lang]}</dc:title>" in core
    assert f"<dc:language>{tag}</dc:language>" in core
    assert "<dc:creator>" in core and "<dc:subject>" in core


# ``docx_in_libreoffice`` (conftest): every DOCX of ``built`` read by LibreOffice, as PDF
# and as text.


@pytest.mark.parametrize("lang", LANGS)
def test_libreoffice_opens_docx(docx_in_libreoffice, lang):
    libreoffice = docx_in_libreoffice
    pdf = libreoffice / f"fsc-pc-92-dprk.{lang}.pdf"
    assert pdf.exists(), "LibreOffice could not convert the DOCX"
    info = run(tool("pdfinfo"), str(pdf)).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) >= 2
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.M), info
    # The body as LibreOffice read it (headers and footers are not part of a text export).
    text = normalise((libreoffice / f"fsc-pc-92-dprk.{lang}.txt").read_text(encoding="utf-8"))
    for block in catalogue_texts(lang):
        assert normalise(block) in text, block[:60]
    if lang not in RTL:  # the letterhead lives in the page header: read it off the PDF
        pdf_text = reading_text(pdf, lang)
        for line in MASTHEAD[lang][:-1]:
            assert comparable(line, lang) in pdf_text, line


# ---------------------------------------------------------------- HTML (Nu validator)

def test_html_is_valid_html5(built, nu_problems):
    pages = sorted(built.glob("*.html"))
    assert len(pages) == len(LANGS)
    for page in pages:
        assert nu_problems[page] == [], "\n".join(nu_problems[page])


@pytest.mark.parametrize("lang", LANGS)
def test_html_page(built, lang):
    html = (built / f"fsc-pc-92-dprk.{lang}.html").read_text(encoding="utf-8")
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert html.count('<link rel="alternate" hreflang=') == len(LANGS) + 1  # itself, x-default
    assert re.search(rf"<title>{re.escape(TITLES[lang])} — ", html_module.unescape(html))
    assert "<main" in html and "<header" in html and "<h1" in html
    for other in set(LANGS) - {lang}:
        assert f'<link rel="alternate" hreflang="{other}" href="fsc-pc-92-dprk.{other}.html">' in html
    # Self-contained: the stylesheet is inline, nothing is loaded from elsewhere.
    assert "<style>" in html and 'rel="stylesheet"' not in html
    assert not re.search(r'src="(?!data:)', html)
    assert "@media print" in html
    plain = normalise(re.sub(r"<[^>]+>", "", html).replace("&#34;", '"').replace("&#39;", "'")
                      .replace("&amp;", "&"))
    for block in catalogue_texts(lang):
        assert normalise(block) in plain, block[:60]
    for line in MASTHEAD[lang]:
        assert normalise(line) in plain, line
    masthead = html.split('<div class="masthead">')[1].split("</div>")[0]
    for line in MASTHEAD[lang][:3]:
        assert normalise(line) in normalise(masthead), line
    assert MASTHEAD[lang][1] in masthead  # the distribution language in capitals


# ---------------------------------------------------------------- reproducibility

def test_identical_inputs_give_identical_bytes(built, two_builds_at_once):
    """Two builds of the same inputs in two copies of the project (conftest: ``built``,
    and the first of ``two_builds_at_once``) write the same bytes."""
    again = two_builds_at_once.root / "build" / "fsc-pc-92-dprk"
    firsts = sorted(built.iterdir())
    assert [p.name for p in firsts] == sorted(p.name for p in again.iterdir())
    assert len(firsts) == len(LANGS) * 3
    for first in firsts:
        assert first.read_bytes() == (again / first.name).read_bytes(), first.name


def test_the_pdf_identifier_does_not_depend_on_where_the_fonts_are_installed(tmp_path):
    """The page names its fonts by location (a virtual environment's folder, the cache
    folder): two installations of the same fonts give the same ``/ID``, so the same
    inputs give the same PDF bytes on a laptop and in CI; another font gives another."""
    from publisher.writers.fonts import font_faces
    from publisher.writers.pdf import document_identifier

    face = font_faces()[0].path
    here, there = tmp_path / "a" / "site-packages", tmp_path / "b" / "lib"
    for folder in (here, there):
        folder.mkdir(parents=True)
        (folder / face.name).write_bytes(face.read_bytes())
    other = tmp_path / "other.ttf"
    other.write_bytes(face.read_bytes() + b"\0")

    def page(path: Path) -> str:
        return (f'<style>@font-face {{ src: url("{path.as_uri()}") }}</style>'
                "<p>Mesdames et Messieurs</p>")

    assert document_identifier(page(here / face.name)) == document_identifier(
        page(there / face.name))
    assert document_identifier(page(other)) != document_identifier(page(here / face.name))
    assert len(document_identifier(page(other))) == 32


def test_source_date_epoch_sets_the_only_date(project, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    build(project, BuildOptions(paths=[str(SAMPLE)], languages=["en"], formats=["pdf", "docx"],
                                out_dir=tmp_path))
    out = tmp_path / "fsc-pc-92-dprk"
    info = run(tool("pdfinfo"), "-isodates", str(out / "fsc-pc-92-dprk.en.pdf")).stdout
    assert re.search(r"CreationDate:\s+2025-01-01T00:00:00", info), info
    core = docx_part(out / "fsc-pc-92-dprk.en.docx", "docProps/core.xml")
    assert "2025-01-01T00:00:00Z" in core
    with zipfile.ZipFile(out / "fsc-pc-92-dprk.en.docx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
