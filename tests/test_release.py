"""Release-grade documents: masthead conventions, mission profiles, PDF variants, glyph
coverage, right-to-left, the index page and the proof sheet."""

from __future__ import annotations

import os
import re
import zipfile

import pytest

from publisher.pipeline import BuildOptions, Project, build, proof

from .conftest import LANGS, SAMPLE, copy_built, copy_project, publisher_cli, run, tool

# ``testland`` (conftest): a second mission's single-language statement, built.


def test_single_language_masthead_and_second_mission_in_html(testland, nu_problems):
    html = (testland / "pc-1145-testland.en.html").read_text(encoding="utf-8")
    masthead = html.split('<div class="masthead">')[1].split("</div>")[0]
    assert '<p class="symbol"><bdi dir="ltr">PC.DEL/627/17</bdi></p>' in masthead
    assert ">11 May 2017</time>" in masthead
    assert '<p class="distribution">ENGLISH only</p>' in masthead
    assert "Original:" not in masthead  # a single-language issue has no original line
    assert '<p class="check">Check against delivery</p>' in html
    assert "<span>Permanent Delegation of Testland</span>" in html
    assert "<span>Example Street 1, 1010 Vienna</span>" in html
    assert '<img class="emblem" src="data:image/svg+xml;base64,' in html
    assert "Ukraine</span>" not in html
    page = testland / "pc-1145-testland.en.html"
    assert nu_problems[page] == [], "\n".join(nu_problems[page])  # valid HTML


def test_pdf_masthead_running_header_and_emblem(testland):
    pdf = testland / "pc-1145-testland.en.pdf"
    pages = run(tool("pdftotext"), "-layout", str(pdf), "-").stdout.split("\f")
    first = pages[0]
    for line in ("PC.DEL/627/17", "11 May 2017", "ENGLISH only", "Check against delivery",
                 "Permanent Delegation of Testland", "Example Street 1, 1010 Vienna"):
        assert line in first, line
    assert not re.search(r"^\s*- 1 -", first, re.M)  # no running header on page 1
    second = pages[1].splitlines()
    header = next(line for line in second if line.strip())
    # pdftotext -layout closes the narrow gaps of "- 2 -" (separate words with -bbox).
    assert re.match(r"^\s*-\s?2\s?-\s+PC\.DEL/627/17\s*$", header), header
    # The SVG emblem is drawn (vector) at the top of page 1: look for its colours.
    from publisher.writers.proof import render_first_page

    image = render_first_page(pdf, 600)
    top = image.crop((0, 0, image.width, image.height // 4))
    colours = top.getcolors(1_000_000)
    blue = sum(n for n, (r, g, b) in colours if b > 140 and r < 60 and 60 < g < 100)
    yellow = sum(n for n, (r, g, b) in colours if r > 220 and 170 < g < 215 and b < 40)
    assert blue > 300 and yellow > 100, (blue, yellow)


def test_docx_second_mission_letterhead_and_emblem(testland):
    path = testland / "pc-1145-testland.en.docx"
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        headers = {n: z.read(n).decode() for n in names if n.startswith("word/header")}
        core = z.read("docProps/core.xml").decode()
    assert any(n.startswith("word/media/") and n.endswith(".png") for n in names)
    first = next(h for h in headers.values() if "Permanent Delegation of Testland" in h)
    for text in ("PC.DEL/627/17", "11 May 2017", "ENGLISH only", "Example Street 1, 1010 Vienna",
                 "<w:drawing>"):
        assert text in first, text
    running = [h for h in headers.values() if " PAGE " in h and "Testland" not in h]
    assert running and "PC.DEL/627/17" in running[0]
    assert "<cp:keywords>PC.DEL/627/17</cp:keywords>" in core
    assert "<dc:creator>Permanent Delegation of Testland to the OSCE</dc:creator>" in core


def test_symbol_grammar_is_a_warning(tmp_path):
    copy_project(tmp_path)
    seed = tmp_path / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "date: 2024-11-06", "symbol: FSC-PC.DEL/12/24\ndate: 2024-11-06"), encoding="utf-8")
    proc = publisher_cli("build", "--format", "html", "--lang", "en", cwd=tmp_path)
    assert proc.returncode == 0
    assert re.search(r"seeds/fsc-pc-92-dprk\.md:4: warning: \[symbol\] document symbol 'FSC-PC\.DEL/12/24' "
                     r"does not follow the pattern BODY\.TYPE/serial/yy", proc.stderr)
    html = (tmp_path / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.en.html").read_text()
    assert "FSC-PC.DEL/12/24" in html
    assert publisher_cli("build", "--strict", "--format", "html", cwd=tmp_path).returncode == 1


@pytest.mark.parametrize("symbol, ok", [
    ("PC.DEL/627/17", True), ("PC.DEL/1229/20 OSCE+", True), ("FSC.DEL/25/21/Add.1", True),
    ("FSC.DEL/30/21/Rev.1", True), ("PC.JOUR/1283", True), ("MC.DEC/1/20", False),
    ("PC.DEL/627", False), ("XX.DEL/1/24", False), ("PC.DEL/627/2017", False),
])
def test_symbol_grammar(symbol, ok):
    from publisher.symbols import symbol_problem

    assert (symbol_problem(symbol) is None) == ok


def test_date_pattern_overrides_from_catalogues(tmp_path):
    copy_project(tmp_path)
    seed = tmp_path / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("date: 2024-11-06", "date: 2024-11-01"),
                    encoding="utf-8")
    build(Project(tmp_path), BuildOptions(formats=["html"], languages=["fr", "ru", "uk", "en"]))
    out = tmp_path / "build" / "fsc-pc-92-dprk"

    def date(lang: str) -> str:
        html = (out / f"fsc-pc-92-dprk.{lang}.html").read_text(encoding="utf-8")
        return re.search(r'<time datetime="2024-11-01">([^<]+)</time>', html).group(1)

    assert date("fr") == "1er novembre 2024"       # OSCE French, from fr/templates.po
    assert date("ru") == "1 ноября 2024 года"       # OSCE Russian pattern
    assert date("uk") == "1 листопада 2024\u202fр."  # plain CLDR
    assert date("en") == "1 November 2024"          # the mission's en-GB regional format


def test_pdf_a3b_on_request(tmp_path, project):
    build(project, BuildOptions(paths=[str(SAMPLE)], languages=["uk"], formats=["pdf"],
                                out_dir=tmp_path, pdf_variant="pdf/a-3b"))
    pdf = tmp_path / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.uk.pdf"
    meta = run(tool("pdfinfo"), "-meta", str(pdf)).stdout
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta
    assert "pdfuaid" not in meta
    assert "Шановні Голови," in run(tool("pdftotext"), str(pdf), "-").stdout


def test_a_character_no_font_has_is_an_error_before_rendering(tmp_path):
    copy_project(tmp_path)
    seed = tmp_path / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "Distinguished colleagues,", "Distinguished colleagues \U00013000 ☃,"), encoding="utf-8")
    proc = publisher_cli("build", "--lang", "en", cwd=tmp_path)
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.strip().splitlines() if "[glyphs]" in ln]
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert re.fullmatch(
        r"seeds/fsc-pc-92-dprk\.md:23: error: \[glyphs\] en: no glyph in the PDF fonts \(Noto Serif, "
        r"Amiri\) for '☃' \(U\+2603 SNOWMAN\), '\U00013000' \(U\+13000 EGYPTIAN "
        r"HIEROGLYPH A001\)", lines[0]), lines[0]
    assert not (tmp_path / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.en.pdf").exists()
    # Only the PDF needs the glyph: the web page and the DOCX are made.
    assert proc.stderr.strip().splitlines()[-1].startswith("built 2 file(s), 1 FAILED")


# ---------------------------------------------------------------- right-to-left

def test_arabic_direction_in_every_format(built):
    html = (built / "fsc-pc-92-dprk.ar.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in html
    assert "الأصل: الإنجليزية" in html and "بيان وفد أوكرانيا" in html
    with zipfile.ZipFile(built / "fsc-pc-92-dprk.ar.docx") as z:
        document = z.read("word/document.xml").decode()
        styles = z.read("word/styles.xml").decode()
    body = document.split("<w:body>")[1]
    paragraphs = re.findall(r"<w:p>.*?</w:p>", body, re.S)
    assert paragraphs and all("<w:bidi/>" in p for p in paragraphs)
    runs = re.findall(r"<w:r>.*?</w:r>", body, re.S)
    assert runs and all("<w:rtl/>" in r for r in runs)
    assert re.search(r'w:styleId="Strong".*?<w:b/><w:bCs/>', styles, re.S)
    assert re.search(r'w:styleId="Emphasis".*?<w:i/><w:iCs/>', styles, re.S)
    assert '<w:lang w:val="ar-EG" w:eastAsia="ar-EG" w:bidi="ar-EG"/>' in styles
    fonts = run(tool("pdffonts"), str(built / "fsc-pc-92-dprk.ar.pdf")).stdout
    assert "Amiri" in fonts
    # Mixed direction: the Latin resolution numbers and years keep their digits and order.
    text = run(tool("pdftotext"), str(built / "fsc-pc-92-dprk.ar.pdf"), "-").stdout
    for token in ("1718", "1874", "2270", "2022", "12,000"):
        assert token in text, token


# ---------------------------------------------------------------- HTML extras, index, proof

@pytest.mark.parametrize("lang", ["en", "ar"])
def test_html_sharing_metadata_and_language_switcher(built, lang):
    html = (built / f"fsc-pc-92-dprk.{lang}.html").read_text(encoding="utf-8")
    region = {"en": "en_GB", "ar": "ar_EG"}[lang]  # en: the mission's regional format
    assert f'<meta property="og:locale" content="{region}">' in html
    assert html.count('<meta property="og:locale:alternate"') == len(LANGS) - 1
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="article:published_time" content="2024-11-06">' in html
    nav = html.split('<nav class="languages"')[1].split("</nav>")[0]
    assert f'aria-current="page" lang="{lang}"' in nav
    assert nav.count("<a href=") == len(LANGS) - 1
    assert f'href="fsc-pc-92-dprk.{lang}.html"' not in nav  # the page itself is no link
    # Each link is marked with its edition's language and direction.
    other = {"en": 'hreflang="ar" lang="ar" dir="rtl">العربية</a>',
             "ar": 'hreflang="en" lang="en" dir="ltr">English</a>'}[lang]
    assert other in nav


def test_index_page_links_every_output(built, nu_problems):
    index = built.parent / "index.html"
    html = index.read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"', html)
    assert sorted(links) == sorted(f"fsc-pc-92-dprk/fsc-pc-92-dprk.{lang}.{fmt}"
                                   for lang in LANGS for fmt in ("html", "pdf", "docx"))
    for link in links:
        assert (built.parent / link).is_file()
    assert nu_problems[index] == [], "\n".join(nu_problems[index])  # valid HTML


def test_proof_sheet(built, project, tmp_path):
    from PIL import Image

    copy_built(built.parent, tmp_path)  # the proof is written beside the PDFs: not into built
    path = proof(project, tmp_path)
    assert path == tmp_path / "proof.png"
    sheet = Image.open(path)
    cols, rows = 4, (len(LANGS) + 3) // 4
    assert sheet.width == 16 + cols * (420 + 16)
    # Every cell holds a rendered page: mostly white paper with dark text on it.
    cell_h = (sheet.height - 16) // rows
    for i in range(len(LANGS)):
        x, y = 16 + (i % cols) * 436, 16 + (i // cols) * cell_h + 34
        cell = sheet.crop((x, y, x + 420, y + 400)).convert("L")
        histogram = cell.histogram()
        assert sum(histogram[240:]) > 0.6 * sum(histogram), i
        assert sum(histogram[:100]) > 500, i


def test_proof_needs_pdfs(tmp_path):
    copy_project(tmp_path)
    proc = publisher_cli("proof", cwd=tmp_path)
    assert proc.returncode == 1 and "no PDF to proof: run `publisher build` first" in proc.stderr


def test_pdf_rendering_fetches_nothing_from_the_network(tmp_path, project):
    from weasyprint.urls import FatalURLFetchingError

    from publisher.writers.pdf import LocalOnlyFetcher

    fetcher = LocalOnlyFetcher((project.templates,))
    for url in ("https://example.org/logo.png", "http://127.0.0.1/x.css",
                "file:///etc/passwd", (tmp_path / "elsewhere.png").as_uri()):
        with pytest.raises(FatalURLFetchingError, match="refusing to fetch"):
            fetcher.fetch(url)
    inside = (project.templates / "statement.css").as_uri()
    assert fetcher.fetch(inside).read().startswith(b"/*")


def test_a_template_that_loads_a_remote_resource_is_an_error(tmp_path):
    copy_project(tmp_path)
    css = tmp_path / "templates" / "statement.css"
    css.write_text(css.read_text(encoding="utf-8") +
                   '\nbody { background: url("https://example.org/tracker.png"); }\n',
                   encoding="utf-8")
    proc = publisher_cli("build", "--format", "pdf", "--lang", "en", cwd=tmp_path)
    assert proc.returncode == 1
    assert "refusing to fetch 'https://example.org/tracker.png'" in proc.stderr


def test_font_cache_falls_back_when_the_cache_home_cannot_be_written(tmp_path, monkeypatch):
    from publisher.writers import fonts

    not_a_folder = tmp_path / "cache-home"
    not_a_folder.write_text("a file where a folder should be")  # unwritable, even for root
    monkeypatch.delenv("PUBLISHER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_folder))
    fonts.cache_dir.cache_clear()
    try:
        folder = fonts.cache_dir()
        assert folder.name.startswith("publisher-cache-") and os.access(folder, os.W_OK)
    finally:
        fonts.cache_dir.cache_clear()
