"""One page-number convention, the OSCE one by default: continuation pages carry the
running head ("- 2 -" and the symbol), page 1 carries none, and there is no "Page 2 of 4"
at the foot unless the mission profile asks for it (``page_footer: true``). "Check
against delivery" sits on the masthead's side, which is the left in right-to-left pages."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from markupsafe import Markup

from publisher.pipeline import Project, Translator, read_statements

from .conftest import LANGS, SAMPLE, copy_project, publisher_cli, run, tool

RUNNING_HEAD = re.compile(r"(?:^|\s)-\s?(\d+)\s?-(?:\s|$)", re.M)
"""The page number between hyphens, beside the symbol or alone (either side in RTL)."""


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page as poppler lays it out, without bidi controls."""
    text = run(tool("pdftotext"), "-layout", str(pdf), "-").stdout
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return [p for p in text.split("\f") if p.strip()]


def page_label(project: Project, lang: str) -> re.Pattern[str]:
    """The translated "Page N of M" of ``lang`` as a pattern of any numbers."""
    statement = read_statements(project, [project.root / "seeds" / SAMPLE.name])[0]
    edition, _ = Translator(project).edition(statement, lang, [])
    parts = [r"\d+" if p.kind != "text" else r"\s*".join(map(re.escape, p.text.split()))
             for p in edition.page_label]
    return re.compile(r"\s*".join(parts))


@pytest.fixture(scope="module")
def labels(project) -> dict[str, re.Pattern[str]]:
    return {lang: page_label(project, lang) for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
def test_by_default_only_the_running_head_numbers_pages(built, labels, lang):
    pages = pdf_pages(built / f"fsc-pc-92-dprk.{lang}.pdf")
    assert len(pages) >= 2
    assert not [i + 1 for i, p in enumerate(pages) if labels[lang].search(p)], labels[lang].pattern
    assert not RUNNING_HEAD.search(pages[0][:300])
    for number, page in enumerate(pages[1:], start=2):
        found = RUNNING_HEAD.search(page)
        assert found and found.group(1) == str(number), (number, page[:300])


@pytest.fixture(scope="module")
def footer_build(tmp_path_factory) -> Path:
    """English and Arabic PDFs of a mission whose profile asks for the page footer, of a
    statement with a symbol and "Check against delivery"."""
    root = copy_project(tmp_path_factory.mktemp("footer"))
    profile = root / "templates" / "missions" / "ua-osce-vienna.yaml"
    profile.write_text(profile.read_text("utf-8") + "page_footer: true\n", "utf-8")
    seed = root / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text("utf-8").replace(
        "original: en", "original: en\nsymbol: FSC.DEL/12/24\ncheck_against_delivery: true"), "utf-8")
    proc = publisher_cli("build", "--lang", "en,ar", "--format", "pdf", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_profile_can_ask_for_the_page_footer(footer_build, lang):
    project = Project(footer_build)
    label = page_label(project, lang)
    pages = pdf_pages(footer_build / "build" / "fsc-pc-92-dprk" / f"fsc-pc-92-dprk.{lang}.pdf")
    assert all(label.search(p) for p in pages), label.pattern
    if lang == "en":
        assert re.search(rf"Page 2 of {len(pages)}", pages[1])
        assert "FSC.DEL/12/24" in pages[1].split("\n", 2)[0]
    # Page 1 still has no running head: the symbol is in the masthead only.
    assert not RUNNING_HEAD.search(pages[0][:300]) and pages[0].count("FSC.DEL/12/24") == 1
    assert RUNNING_HEAD.search(pages[1])


def _text_extent(page_box, css_class: str) -> tuple[float, float]:
    """Leftmost and rightmost x of the text inside the element with ``css_class``."""
    from weasyprint.formatting_structure.boxes import TextBox

    xs: list[float] = []

    def walk(box, inside: bool) -> None:
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        inside = inside or css_class in classes
        if inside and isinstance(box, TextBox) and box.text.strip():
            xs.extend((box.position_x, box.position_x + box.width))
        for child in getattr(box, "children", ()):
            walk(child, inside)

    walk(page_box, False)
    assert xs, css_class
    return min(xs), max(xs)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_check_against_delivery_sits_on_the_masthead_side(footer_build, lang):
    from weasyprint import HTML

    from publisher.writers.fonts import font_face_css
    from publisher.writers.html import render_html

    project = Project(footer_build)
    statement = read_statements(project, [footer_build / "seeds" / SAMPLE.name])[0]
    edition, _ = Translator(project).edition(statement, lang, [])
    page = render_html(edition, project.templates, media="print",
                       extra={"fonts_css": Markup(font_face_css())})
    first = HTML(string=page, base_url=str(project.templates) + "/").render().pages[0]._page_box
    check, masthead = _text_extent(first, "check"), _text_extent(first, "masthead")
    middle = first.margin_width() / 2
    if lang == "ar":  # the masthead floats left: both start at the left margin
        assert abs(check[0] - masthead[0]) < 1 and check[1] < middle
    else:
        assert abs(check[1] - masthead[1]) < 1 and check[0] > middle
