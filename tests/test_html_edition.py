"""The web page as a search engine and a reader's browser use it: ``hreflang`` alternates
with the page itself and ``x-default``, links to the PDF and DOCX built beside it (and to
no file that was not built), and the PDF's own fonts embedded as WOFF2 subsets, so the
page fetches nothing and looks like the PDF on a machine without those fonts."""

from __future__ import annotations

import base64
import html as html_module
import io
import json
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from publisher.writers.fonts import static_faces

from .conftest import LANGS, copy_project, publisher_cli

FACE = re.compile(r'@font-face \{ font-family: "([^"]+)"; font-style: (\w+); font-weight: (\d+);'
                  r'[^}]*src: url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\) format\("woff2"\); \}')


def page(built: Path, lang: str) -> str:
    return (built / f"fsc-pc-92-dprk.{lang}.html").read_text(encoding="utf-8")


def visible_text(page_html: str) -> str:
    body = page_html.split("<body>", 1)[1]
    return html_module.unescape(re.sub(r"<[^>]+>", " ", body))


def embedded_fonts(page_html: str) -> dict[tuple[str, str, int], TTFont]:
    style = page_html.split("<style>", 1)[1].split("</style>", 1)[0]
    found = {}
    for family, style_name, weight, data in FACE.findall(style):
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        assert font.flavor == "woff2"
        found[(family, style_name, int(weight))] = font
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_hreflang_alternates_include_the_page_and_x_default(built, lang):
    links = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page(built, lang))
    assert links == [(other, f"fsc-pc-92-dprk.{other}.html") for other in LANGS] + [
        ("x-default", "fsc-pc-92-dprk.en.html")]  # the original, which every version names
    for _, href in links:
        assert (built / href).is_file()


@pytest.mark.parametrize("lang", LANGS)
def test_each_page_links_its_own_pdf_and_docx(built, lang):
    nav = page(built, lang).split('<nav class="downloads"', 1)[1].split("</nav>", 1)[0]
    hrefs = re.findall(r'<a href="([^"]+)" type="([^"]+)" hreflang="([^"]+)" dir="ltr">', nav)
    assert [(h, lang_) for h, _, lang_ in hrefs] == [
        (f"fsc-pc-92-dprk.{lang}.pdf", lang), (f"fsc-pc-92-dprk.{lang}.docx", lang)]
    assert hrefs[0][1] == "application/pdf"
    for href, _, _ in hrefs:
        assert (built / href).is_file()


def test_a_page_links_only_formats_that_are_built_and_changing_them_rebuilds_it(tmp_path):
    root = copy_project(tmp_path)
    out = root / "build" / "fsc-pc-92-dprk"
    proc = publisher_cli("build", "--format", "html", "--lang", "en", cwd=root)
    assert proc.returncode == 0, proc.stderr
    alone = (out / "fsc-pc-92-dprk.en.html").read_text("utf-8")
    assert 'class="downloads"' not in alone and ".pdf" not in alone and ".docx" not in alone
    proc = publisher_cli("build", "--format", "html,docx", "--lang", "en", "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["built"] == 2  # the page too: it now links the DOCX
    page_html = (out / "fsc-pc-92-dprk.en.html").read_text("utf-8")
    assert 'href="fsc-pc-92-dprk.en.docx"' in page_html and ".pdf" not in page_html
    proc = publisher_cli("build", "--format", "html,docx", "--lang", "en", "--json", cwd=root)
    assert json.loads(proc.stdout)["built"] == 0


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_fonts_are_embedded_as_subsets_covering_the_page(built, lang):
    page_html = page(built, lang)
    fonts = embedded_fonts(page_html)
    text = {ch for ch in visible_text(page_html) if not ch.isspace()}
    latin_first = lang != "ar"
    first, second = ("Noto Serif", "Amiri") if latin_first else ("Amiri", "Noto Serif")
    regular = fonts[(first, "normal", 400)].getBestCmap()
    fallback = fonts.get((second, "normal", 400))
    covered = set(regular) | set(fallback.getBestCmap() if fallback else ())
    missing = sorted(ch for ch in text if ord(ch) not in covered and ch.isprintable())
    assert not missing, missing
    assert (first, "normal", 700) in fonts  # the title and the mission's name
    # Subsets of the PDF's own files: a fraction of each face's glyphs.
    sources = {(family, style, weight): path for family, style, weight, path in static_faces()}
    for face, font in fonts.items():
        whole = TTFont(str(sources[face]), lazy=True)
        assert len(font.getGlyphOrder()) < len(whole.getGlyphOrder()) / 4, face
        assert font["name"].getDebugName(1) == whole["name"].getDebugName(1)
        whole.close()
    # Amiri keeps its layout features, so Arabic joins (every page names العربية).
    amiri = fonts[("Amiri", "normal", 400)]
    features = {r.FeatureTag for r in amiri["GSUB"].table.FeatureList.FeatureRecord}
    assert {"init", "medi", "fina"} <= features
    # Only the PDF's families are named, and nothing is loaded from elsewhere.
    style = page_html.split("<style>", 1)[1].split("</style>", 1)[0]
    families = set(re.findall(r"font-family:\s*([^;}]+)", style))
    named = {name.strip().strip('"') for value in families for name in value.split(",")}
    assert named <= {"Noto Serif", "Amiri", "serif", "inherit"}, named
    assert not re.search(r"url\((?!data:)", style)


def test_embedded_subsets_are_byte_identical_from_a_cold_cache(tmp_path):
    """The same page from two projects, one with an empty font cache: the same bytes."""
    pages = []
    for name, cache in (("cold", tmp_path / "cache"), ("warm", None)):
        root = copy_project(tmp_path / name)
        env = {"PUBLISHER_CACHE_DIR": str(cache)} if cache else None
        proc = publisher_cli("build", "--format", "html", "--lang", "ar", cwd=root, env=env)
        assert proc.returncode == 0, proc.stderr
        pages.append((root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.ar.html").read_bytes())
    assert pages[0] == pages[1]
    assert b"data:font/woff2;base64," in pages[0]
