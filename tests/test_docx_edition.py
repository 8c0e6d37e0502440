"""The DOCX as a typesetter would hand it over: hyphenation on, the OSCE running head on
A4, the mission's regional language, clean metadata, the title as a heading, the PDF's
fonts embedded (and used by LibreOffice on a machine that lacks them), "Check against
delivery" on the masthead's side. Checked in the package's XML and in LibreOffice's
rendering of it."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from .conftest import copy_project, publisher_cli, run, tool

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R}
SYMBOL = "FSC-PC.DEL/12/24 OSCE+"


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def w(name: str) -> str:
    return f"{{{W}}}{name}"


def style_ids(styles: etree._Element) -> dict[str, etree._Element]:
    return {s.get(w("styleId")): s for s in styles.iter(w("style"))}


def style_id(styles: etree._Element, name: str) -> str:
    for s in styles.iter(w("style")):
        if s.find(w("name")).get(w("val")).lower() == name.lower():
            return s.get(w("styleId"))
    raise AssertionError(f"no style {name!r}")


def paragraph_property(styles: etree._Element, style: str, prop: str) -> etree._Element | None:
    """``w:pPr/<prop>`` of a paragraph style, following ``w:basedOn``."""
    by_id = style_ids(styles)
    while style in by_id:
        found = by_id[style].find(f"w:pPr/w:{prop}", NS)
        if found is not None:
            return found
        based = by_id[style].find("w:basedOn", NS)
        if based is None:
            return None
        style = based.get(w("val"))
    return None


# ---------------------------------------------------------------- a statement with everything

@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """English and Arabic DOCX of the sample with a document symbol and "Check against
    delivery", by a mission whose profile asks for the page footer: the output folder."""
    root = copy_project(tmp_path_factory.mktemp("docx-edition"))
    seed = root / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text("utf-8").replace(
        "original: en", f"original: en\nsymbol: {SYMBOL}\ncheck_against_delivery: true"), "utf-8")
    profile = root / "templates" / "missions" / "ua-osce-vienna.yaml"
    profile.write_text(profile.read_text("utf-8") + "page_footer: true\n", "utf-8")
    proc = publisher_cli("build", "--lang", "en,ar", "--format", "docx", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "build" / "fsc-pc-92-dprk"


FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <cachedir>{cache}</cachedir>
  <!-- The machine's own copies of the document's faces, wherever they are installed;
       the fonts LibreOffice unpacks from the document (its profile) stay usable. -->
  <selectfont><rejectfont>
    {globs}
  </rejectfont></selectfont>
</fontconfig>
"""
FONT_ROOTS = ("/usr", "/opt", "/home", "/root", "/var", "/etc", "/Library", "/System")


def fontless_env(folder: Path) -> dict[str, str]:
    """An environment whose fontconfig has neither Noto Serif nor Amiri (whatever the
    machine has installed), so that LibreOffice can only use the embedded ones."""
    import os

    globs = "\n    ".join(f"<glob>{root}/*{name}*</glob>" for root in FONT_ROOTS
                          for name in ("NotoSerif", "Noto_Serif", "Noto Serif", "notoserif",
                                       "Amiri", "amiri"))
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "fonts.conf"
    conf.write_text(FONTCONFIG.format(cache=folder / "cache", globs=globs), "utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    listed = subprocess.run([tool("fc-list")], env=env, capture_output=True, text=True).stdout
    assert not re.search(r"noto serif|amiri", listed, re.I), "the faces are still visible"
    return env


@pytest.fixture(scope="module")
def rendered(full: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """LibreOffice's PDF of both DOCX of :func:`full`, made where the faces are not
    installed: the folder."""
    out = tmp_path_factory.mktemp("docx-edition-lo")
    env = fontless_env(out / "fontconfig")
    run(tool("soffice"), "--headless", "--norestore",
        f"-env:UserInstallation={(out / 'profile').as_uri()}", "--convert-to", "pdf",
        "--outdir", str(out), str(full / "fsc-pc-92-dprk.en.docx"),
        str(full / "fsc-pc-92-dprk.ar.docx"), env=env)
    return out


def page_lines(pdf: Path, page: int) -> list[tuple[float, float, float, str]]:
    """(xMin, xMax, yMin, text) of each line LibreOffice laid out on a page."""
    out = run(tool("pdftotext"), "-bbox-layout", "-f", str(page), "-l", str(page),
              str(pdf), "-").stdout
    lines = []
    for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="[\d.]+">(.*?)</line>', out, re.S):
        words = re.findall(r">([^<]*)</word>", m.group(4))
        lines.append((float(m.group(1)), float(m.group(3)), float(m.group(2)),
                      " ".join(words)))
    return sorted(lines, key=lambda line: line[2])


def text_width(document: etree._Element) -> tuple[int, int, int]:
    """(left margin, text width, page width) in twips, from the section properties."""
    sect = document.find(".//w:body/w:sectPr", NS)
    page = int(sect.find("w:pgSz", NS).get(w("w")))
    margins = sect.find("w:pgMar", NS)
    left, right = int(margins.get(w("left"))), int(margins.get(w("right")))
    return left, page - left - right, page


# ---------------------------------------------------------------- settings and language

@pytest.mark.parametrize("lang", ["en", "ar"])
def test_automatic_hyphenation_is_on(built, lang):
    settings = xml(parts(built / f"fsc-pc-92-dprk.{lang}.docx")["word/settings.xml"])
    flag = settings.find("w:autoHyphenation", NS)
    assert flag is not None and flag.get(w("val"), "true") in ("true", "1", "on")
    assert settings.find("w:consecutiveHyphenLimit", NS).get(w("val")) == "2"


def test_the_language_is_the_missions_regional_format(built):
    """The profile writes English as ``en-GB``: the text's language, the document's, and
    the web page's Open Graph locale say so."""
    package = parts(built / "fsc-pc-92-dprk.en.docx")
    styles = xml(package["word/styles.xml"])
    lang = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert lang.get(w("val")) == "en-GB"
    assert b"<dc:language>en-GB</dc:language>" in package["docProps/core.xml"]
    assert b"en-US" not in package["word/styles.xml"] + package["word/settings.xml"]
    html = (built / "fsc-pc-92-dprk.en.html").read_text("utf-8")
    assert '<meta property="og:locale" content="en_GB">' in html
    # A language the profile has no regional format for keeps its likely region.
    ar = xml(parts(built / "fsc-pc-92-dprk.ar.docx")["word/styles.xml"])
    assert ar.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS).get(w("val")) == "ar-EG"


# ---------------------------------------------------------------- metadata

@pytest.mark.parametrize("lang", ["en", "ar"])
def test_metadata_is_clean(built, lang):
    package = parts(built / f"fsc-pc-92-dprk.{lang}.docx")
    app = package["docProps/app.xml"].decode()
    assert "Microsoft" not in app and "Normal.dotm" not in app
    assert re.search(r"<Application>publisher[^<]*</Application>", app)
    # No thumbnail, no bibliography sources, no parts Word 2010 made for itself.
    assert not [n for n in package if n.startswith(("docProps/thumbnail", "customXml/"))]
    assert "word/stylesWithEffects.xml" not in package
    rels = package["_rels/.rels"].decode() + package["word/_rels/document.xml.rels"].decode()
    assert "thumbnail" not in rels and "customXml" not in rels
    # The word count is the body's real one (or none at all).
    words = re.search(r"<Words>(\d+)</Words>", app)
    if words:
        body = xml(package["word/document.xml"])
        text = " ".join("".join(t.text or "" for t in p.iter(w("t"))) for p in body.iter(w("p")))
        assert int(words.group(1)) == len(text.split()) > 500
    assert "<Pages>" not in app  # a page count only a layout can know


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_title_is_a_first_level_heading(built, lang):
    """Word's navigation pane and accessibility checker see the title as the outline's
    first level; the speech's headings are below it."""
    package = parts(built / f"fsc-pc-92-dprk.{lang}.docx")
    styles = xml(package["word/styles.xml"])
    body = xml(package["word/document.xml"])
    title = style_id(styles, "Statement Title")
    paragraphs = [p for p in body.iter(w("p"))
                  if p.find("w:pPr/w:pStyle", NS) is not None
                  and p.find("w:pPr/w:pStyle", NS).get(w("val")) == title]
    assert len(paragraphs) == 1
    level = paragraphs[0].find("w:pPr/w:outlineLvl", NS)
    if level is None:
        level = paragraph_property(styles, title, "outlineLvl")
    assert level is not None and level.get(w("val")) == "0"


# ---------------------------------------------------------------- running head and footer

def test_running_head_tab_stops_fit_a4(full):
    """"- 2 -" at a centre tab stop in the middle of the A4 text width, the symbol at a
    right tab stop at its end (US Letter's 4680/9360 would leave it short of the margin)."""
    package = parts(full / "fsc-pc-92-dprk.en.docx")
    document = xml(package["word/document.xml"])
    styles = xml(package["word/styles.xml"])
    _, width, _ = text_width(document)
    default = [n for n in package if n.startswith("word/header")
               and b"PAGE" in package[n]]
    assert len(default) == 1
    head = xml(package[default[0]])
    par = head.find("w:p", NS)
    texts = "".join(t.text or "" for t in par.iter(w("t")))
    assert texts.startswith("- ") and texts.endswith(SYMBOL)
    tabs = par.findall("w:pPr/w:tabs/w:tab", NS)
    if not tabs:
        style = par.find("w:pPr/w:pStyle", NS).get(w("val"))
        found = paragraph_property(styles, style, "tabs")
        tabs = found.findall("w:tab", NS) if found is not None else []
    stops = {t.get(w("val")): int(t.get(w("pos"))) for t in tabs}
    assert abs(stops["center"] - width / 2) <= 20, (stops, width)
    assert stops["right"] <= width and width - stops["right"] <= 20, (stops, width)
    # Two tabs: the page number goes to the centre stop, the symbol to the right one.
    runs = [("\t" if r.find("w:tab", NS) is not None else "") + "".join(
        t.text or "" for t in r.iter(w("t"))) for r in par.iter(w("r"))]
    joined = "".join(runs)
    assert joined.count("\t") == 2 and joined.index("\t") == 0, joined


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_libreoffice_sets_the_running_head_on_a4(rendered, lang):
    """Page 2 as LibreOffice lays it out: "- 2 -" centred on the page, the symbol at the
    outer margin (the right one, the left one in Arabic); page 1 has no running head."""
    pdf = rendered / f"fsc-pc-92-dprk.{lang}.pdf"
    lines = page_lines(pdf, 2)
    page_width, margin = 595.3, 62.4  # A4, 22 mm
    folio = next(line for line in lines if re.fullmatch(r"- ?2 ?-", line[3]) or
                 line[3].startswith("- 2 -") or line[3].endswith("- 2 -"))
    words = run(tool("pdftotext"), "-bbox", "-f", "2", "-l", "2", str(pdf), "-").stdout
    boxes = [(float(a), float(b), t) for a, b, t in
             re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">'
                        r"([^<]*)</word>", words)]
    two = next(b for b in boxes if b[2] == "2")
    assert abs((two[0] + two[1]) / 2 - page_width / 2) < 4, two
    symbol = [b for b in boxes if "FSC-PC" in b[2] or "OSCE" in b[2]]
    assert symbol, folio
    if lang == "ar":
        assert abs(min(b[0] for b in symbol) - margin) < 3, symbol
    else:
        assert abs(max(b[1] for b in symbol) - (page_width - margin)) < 3, symbol
    first = run(tool("pdftotext"), "-f", "1", "-l", "1", str(pdf), "-").stdout
    assert not re.search(r"^\s*- ?1 ?-\s*$", first, re.M)


def test_no_page_footer_unless_the_profile_asks(built, full):
    default = parts(built / "fsc-pc-92-dprk.en.docx")
    assert not [n for n in default if n.startswith("word/footer")]
    assert b"footerReference" not in default["word/document.xml"]
    assert not any(b"NUMPAGES" in data for data in default.values())
    asked = parts(full / "fsc-pc-92-dprk.en.docx")
    footers = [asked[n] for n in asked if n.startswith("word/footer")]
    assert footers and all(b" NUMPAGES " in f and b" PAGE " in f for f in footers)


def letters(text: str) -> list[str]:
    """The letters of a text in any order: pdftotext gives right-to-left lines in visual
    order, the DOCX in logical order."""
    import unicodedata

    return sorted(ch for ch in text if unicodedata.category(ch).startswith("L"))


def test_check_against_delivery_is_on_the_masthead_side(full, rendered):
    """The masthead sits at the right margin, at the left one in Arabic; so does "Check
    against delivery" (LibreOffice's layout of page 1)."""
    page_width, margin = 595.3, 62.4
    for lang in ("en", "ar"):
        package = parts(full / f"fsc-pc-92-dprk.{lang}.docx")
        styles, body = xml(package["word/styles.xml"]), xml(package["word/document.xml"])
        check_style = style_id(styles, "Check Line")
        wording = next("".join(t.text or "" for t in p.iter(w("t"))) for p in body.iter(w("p"))
                       if p.find("w:pPr/w:pStyle", NS) is not None
                       and p.find("w:pPr/w:pStyle", NS).get(w("val")) == check_style)
        lines = page_lines(rendered / f"fsc-pc-92-dprk.{lang}.pdf", 1)
        symbol = next(line for line in lines if "FSC-PC.DEL" in line[3])
        check = next(line for line in lines if letters(line[3]) == letters(wording))
        if lang == "ar":
            assert abs(symbol[0] - margin) < 3 and abs(check[0] - margin) < 3, (symbol, check)
        else:
            edge = page_width - margin
            assert abs(symbol[1] - edge) < 3 and abs(check[1] - edge) < 3, (symbol, check)


# ---------------------------------------------------------------- embedded fonts

def embedded(package: dict[str, bytes]) -> dict[tuple[str, str], bytes]:
    """(family, kind) -> the de-obfuscated font file, for every embedded face."""
    from publisher.writers.docx_fonts import deobfuscate

    table = xml(package["word/fontTable.xml"])
    rels = xml(package["word/_rels/fontTable.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels}
    types = {r.get("Id"): r.get("Type") for r in rels}
    out = {}
    for font in table.findall("w:font", NS):
        for kind in ("embedRegular", "embedBold", "embedItalic", "embedBoldItalic"):
            el = font.find(f"w:{kind}", NS)
            if el is None:
                continue
            rid = el.get(f"{{{R}}}id")
            assert types[rid].endswith("/relationships/font")
            data = package["word/" + targets[rid]]
            out[(font.get(w("name")), kind)] = deobfuscate(data, el.get(w("fontKey")))
    return out


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_pdf_fonts_are_embedded_as_valid_subsets(built, lang):
    import io

    from fontTools.ttLib import TTFont

    package = parts(built / f"fsc-pc-92-dprk.{lang}.docx")
    settings = package["word/settings.xml"].decode()
    assert "<w:embedTrueTypeFonts/>" in settings and "<w:saveSubsetFonts/>" in settings
    types = package["[Content_Types].xml"].decode()
    assert ('Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.'
            'obfuscatedFont"') in types
    faces = embedded(package)
    family = "Amiri" if lang == "ar" else "Noto Serif"
    assert (family, "embedRegular") in faces and (family, "embedBold") in faces
    body = xml(package["word/document.xml"])
    text = {ch for t in body.iter(w("t")) for ch in (t.text or "") if not ch.isspace()}
    covered: set[int] = set()
    for (name, kind), data in faces.items():
        font = TTFont(io.BytesIO(data))  # a valid font once de-obfuscated
        names = {n.toUnicode() for n in font["name"].names if n.nameID == 1}
        assert name in names, (name, names)
        assert len(data) < 150_000, (name, kind, len(data))  # a subset, not the whole face
        assert "GSUB" in font and "GPOS" in font  # shaping and kerning kept
        if name == family:
            covered |= set(font.getBestCmap())
    # Every character of the body has a glyph in the face it is set in.
    missing = {ch for ch in text if ord(ch) not in covered and ch.isprintable()}
    assert not missing, missing
    # The key is the subset's own: obfuscation changed the first 32 bytes only.
    first = next(iter(faces.values()))
    assert first[:4] in (b"\x00\x01\x00\x00", b"true")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_faces_used_are_read_the_same_from_the_writers_styles_and_the_file(built, lang):
    """The writer hands the font embedder the styles part it has parsed already; what
    the embedder finds set in each face is what a reader of the finished file finds."""
    from publisher.writers.docx_fonts import used_text

    package = parts(built / f"fsc-pc-92-dprk.{lang}.docx")
    from_file = used_text(package)
    assert from_file == used_text(package, xml(package["word/styles.xml"]))
    assert any(chars for chars in from_file.values())


def test_obfuscation_follows_ecma_376():
    """17.8.1: the GUID's bytes in reverse order of its hexadecimal digits, XOR-ed with
    bytes 0-15 and again with 16-31; the rest of the file is untouched."""
    from publisher.writers.docx_fonts import font_key, obfuscate

    data = bytes(range(40))
    guid = "{001B70DC-AA60-4AD5-90EC-18A0948E1EAE}"
    key = bytes.fromhex("AE1E8E94A018EC90D54A60AADC701B00")
    out = obfuscate(data, guid)
    assert out[:16] == bytes(a ^ b for a, b in zip(data[:16], key, strict=True))
    assert out[16:32] == bytes(a ^ b for a, b in zip(data[16:32], key, strict=True))
    assert out[32:] == data[32:] and obfuscate(out, guid) == data
    assert font_key(data) == font_key(bytes(range(40)))
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", font_key(data))


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_libreoffice_uses_the_embedded_fonts_where_they_are_not_installed(rendered, lang):
    fonts = run(tool("pdffonts"), str(rendered / f"fsc-pc-92-dprk.{lang}.pdf")).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    names = {row[0].split("+")[-1] for row in rows}
    assert all(row[-5] == "yes" for row in rows), fonts  # every font embedded in the PDF
    assert {"NotoSerif-Regular", "NotoSerif-Bold"} <= names, fonts
    if lang == "ar":
        assert {"Amiri-Regular", "Amiri-Bold"} <= names, fonts
    # Nothing was substituted for them.
    assert not [n for n in names if not n.startswith(("NotoSerif", "Amiri"))], fonts


def test_the_shipped_reference_carries_no_unused_table_styles():
    """A statement has no tables. The reference document once carried the 96 table styles
    of a word processor's default template, 300 KB of the styles part that every DOCX
    copied, and every build parsed, wrote back and zipped again. Word and LibreOffice
    offer their built-in table styles without a definition in the file."""
    reference = Path(__file__).resolve().parent.parent / "templates" / "reference.docx"
    styles = xml(parts(reference)["word/styles.xml"])
    tables = sorted(s.find(w("name")).get(w("val")) for s in styles.iter(w("style"))
                    if s.get(w("type")) == "table")
    assert tables == ["Normal Table", "Table Grid"]
    assert any(s.get(w("default")) == "1" for s in styles.iter(w("style"))
               if s.get(w("type")) == "table")
