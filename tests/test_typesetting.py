"""Pages as a typesetter would make them: a form of address ("Distinguished
colleagues,") never ends a page, in our PDF or in the DOCX as LibreOffice lays it out."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from publisher.model import is_form_of_address
from publisher.pipeline import read_statements

from .conftest import LANGS, SAMPLE, run, tool

FOLIO = re.compile(r"^\s*(?:-\s?\d+\s?-.*|.*\b\d+\b\D{1,12}\b\d+\s*)$")
"""A running head ("- 2 -  SYMBOL") or folio ("Page 1 of 4") line, in any language."""


def last_text_line(page: str) -> str:
    lines = [ln for ln in page.splitlines() if ln.strip()]
    while lines and FOLIO.match(lines[-1]) and len(lines[-1].strip()) < 40:
        lines.pop()
    return lines[-1].strip() if lines else ""


def test_forms_of_address_are_found(project):
    statement = read_statements(project, [SAMPLE])[0]
    found = [b.text.plain for b in statement.blocks if is_form_of_address(b)]
    assert found[:2] == ["Chairs,", "Distinguished colleagues,"]
    assert all(len(text) <= 80 for text in found)


@pytest.mark.parametrize("lang", LANGS)
def test_no_pdf_page_ends_on_a_form_of_address(built, lang):
    pdf = built / f"fsc-pc-92-dprk.{lang}.pdf"
    pages = run(tool("pdftotext"), "-layout", str(pdf), "-").stdout.split("\f")
    ends = [last_text_line(p) for p in pages if p.strip()][:-1]  # the last page may end anyhow
    stranded = [e for e in ends if e.endswith((",", ":", "\u060c")) and len(e) <= 80]
    assert not stranded, stranded


@pytest.mark.parametrize("lang", LANGS)
def test_docx_keeps_a_form_of_address_with_the_next_paragraph(built, docx_in_libreoffice, lang):
    document = docx.Document(str(built / f"fsc-pc-92-dprk.{lang}.docx"))
    salutations = [p for p in document.paragraphs if p.style.name == "Lead-in"]
    assert salutations, "no form of address marked"
    assert all(p.style.paragraph_format.keep_with_next for p in salutations)
    laid_out: Path = docx_in_libreoffice / f"fsc-pc-92-dprk.{lang}.pdf"
    pages = run(tool("pdftotext"), "-layout", str(laid_out), "-").stdout.split("\f")
    ends = [last_text_line(p) for p in pages if p.strip()][:-1]
    texts = {p.text.strip() for p in salutations}
    assert not [e for e in ends if e in texts], ends


def _without_bidi_controls(text: str) -> str:
    import unicodedata

    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cf").split())


def test_the_symbol_keeps_its_order_in_right_to_left_editions(tmp_path):
    """``FSC-PC.DEL/12/24 OSCE+`` is a left-to-right token: in an Arabic masthead and
    running head it must not print as ``+FSC-PC.DEL/12/24 OSCE`` (PDF, and DOCX as
    LibreOffice lays it out)."""
    from .conftest import copy_project, publisher_cli

    root = copy_project(tmp_path / "p")
    seed = root / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text("utf-8").replace(
        "original: en", "original: en\nsymbol: FSC-PC.DEL/12/24 OSCE+"), "utf-8")
    proc = publisher_cli("build", "--lang", "ar", "--format", "pdf,docx", cwd=root)
    assert proc.returncode == 0, proc.stderr
    out = root / "build" / "fsc-pc-92-dprk"
    lo = tmp_path / "lo"
    run(tool("soffice"), "--headless", "--norestore",
        f"-env:UserInstallation={(lo / 'profile').as_uri()}", "--convert-to", "pdf",
        "--outdir", str(lo), str(out / "fsc-pc-92-dprk.ar.docx"))
    for pdf in (out / "fsc-pc-92-dprk.ar.pdf", lo / "fsc-pc-92-dprk.ar.pdf"):
        pages = run(tool("pdftotext"), "-layout", str(pdf), "-").stdout.split("\f")
        first, second = (_without_bidi_controls(p) for p in pages[:2])
        assert "+FSC" not in first + second, (pdf, first[:200])
        assert "FSC-PC.DEL/12/24 OSCE+" in second, (pdf, second[:200])  # the running head
        if pdf.parent == lo:
            assert "FSC-PC.DEL/12/24 OSCE+" in first  # the DOCX masthead
