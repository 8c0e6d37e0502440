"""Hyphenation as a typesetter would do it, checked in the PDFs a reader gets:

- no word split across a page break;
- at most two consecutive lines end in a hyphen;
- no fragment shorter than 3 letters, and words of fewer than 6 letters never hyphenated;
- every word of the statement is found by text search: poppler's pdftotext joins a word
  hyphenated at a line end, and pdfium (Chrome's PDF engine) marks that hyphen as a soft
  hyphen (U+FFFE in its page text), which Chrome's find-in-page skips.

The line-end hyphen is read from ``pdftotext -layout`` (one printed line per line); a
line-end hyphen is a hyphenation, not a hyphen of the text, when the statement has the
joined word and not the hyphenated one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from publisher.model import Block, Heading, ListBlock, Paragraph, Quote
from publisher.pipeline import Translator, read_statements
from publisher.writers import breaks

from .conftest import LANGS, SAMPLE, run, tool
from .test_typesetting import FOLIO

LTR = [lang for lang in LANGS if lang != "ar"]
"""Arabic is never hyphenated (``hyphens: manual``); its text layer is issue 11 item 2."""

WORD = re.compile(r"\w+")
PDFIUM_SOFT_HYPHEN = "\ufffe"


def _texts(blocks: tuple[Block, ...]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, (Paragraph, Heading)):
            out.append(block.text.plain)
        elif isinstance(block, ListBlock):
            for item in block.items:
                out.extend(_texts(item))
        elif isinstance(block, Quote):
            out.extend(_texts(block.children))
    return out


@pytest.fixture(scope="module")
def edition_texts(project) -> dict[str, str]:
    statement = read_statements(project, [SAMPLE])[0]
    translator = Translator(project)
    texts = {}
    for lang in LANGS:
        edition, _ = translator.edition(statement, lang, [])
        texts[lang] = "\n".join(_texts(edition.statement.blocks))
    return texts


def hyphenations(pdf: Path, source: str) -> list[tuple[int, int, str, str, int]]:
    """Every word hyphenated at a line end, in reading order: (page, line, head, tail,
    page of the tail). Running heads and folios are left out of the lines."""
    pages = run(tool("pdftotext"), "-layout", str(pdf), "-").stdout.split("\f")
    words = set(WORD.findall(source))
    lines = [(number, i, line.strip()) for number, page in enumerate(pages, 1)
             for i, line in enumerate(page.splitlines())
             if line.strip() and not (FOLIO.match(line) and len(line.strip()) < 60)]
    found = []
    for (page, i, line), (next_page, _, following) in zip(lines, lines[1:], strict=False):
        m = re.search(r"(\w+)-$", line)
        n = WORD.match(following)
        if not (m and n):
            continue
        head, tail = m.group(1), n.group(0)
        if head + tail in words and f"{head}-{tail}" not in source:
            found.append((page, i, head, tail, next_page))
    return found


@pytest.mark.parametrize("lang", LTR)
def test_hyphenation_rules(built, edition_texts, lang):
    found = hyphenations(built / f"fsc-pc-92-dprk.{lang}.pdf", edition_texts[lang])
    assert found, "expected some hyphenation in justified text"
    across_pages = [(h, t) for page, _, h, t, tail_page in found if tail_page != page]
    assert not across_pages, f"words split across pages: {across_pages}"
    short = [(h, t) for _, _, h, t, _ in found if len(h) < 3 or len(t) < 3 or len(h + t) < 6]
    assert not short, f"fragments under 3 letters or words under 6 hyphenated: {short}"
    # Consecutive hyphenated lines: successive printed lines of one page.
    run_length, longest, previous = 0, 0, (0, 0)
    for page, line, _, _, _ in found:
        run_length = run_length + 1 if previous == (page, line - 1) else 1
        longest = max(longest, run_length)
        previous = (page, line)
    assert longest <= breaks.MAX_HYPHENATED_RUN, f"{longest} hyphenated lines in a row"


@pytest.mark.parametrize("lang", LTR)
def test_every_word_is_found_by_text_search(built, edition_texts, lang):
    pdf = built / f"fsc-pc-92-dprk.{lang}.pdf"
    words = sorted(set(WORD.findall(edition_texts[lang])))
    poppler = " ".join(run(tool("pdftotext"), str(pdf), "-").stdout.split())
    missing = [w for w in words if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", poppler)]
    assert not missing, f"pdftotext: {missing}"
    document = pdfium.PdfDocument(str(pdf))
    try:
        chrome = " ".join(document[i].get_textpage().get_text_range()
                          .replace(PDFIUM_SOFT_HYPHEN, "") for i in range(len(document)))
    finally:
        document.close()
    chrome = " ".join(chrome.split())
    missing = [w for w in words if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", chrome)]
    assert not missing, f"pdfium: {missing}"


def test_the_hyphen_is_not_text(built, edition_texts):
    """A word hyphenated at a line end reads back whole in both engines."""
    lang = "uk"
    pdf = built / f"fsc-pc-92-dprk.{lang}.pdf"
    found = hyphenations(pdf, edition_texts[lang])
    assert found
    poppler = run(tool("pdftotext"), str(pdf), "-").stdout
    for _, _, head, tail, _ in found:
        assert f"{head}-" not in poppler.replace(f"{head}-{tail}", ""), head
        assert head + tail in poppler


GERMAN = ("Die Bundesverfassungsgerichtsentscheidungen über Rüstungskontrollvereinbarungen, "
          "Vertrauensbildungsmaßnahmen und Abrüstungsverhandlungen verdeutlichen die "
          "Verantwortungsbereitschaft der Teilnehmerstaaten gegenüber internationalen "
          "Sicherheitsarchitekturen, Menschenrechtsverpflichtungen und "
          "Gewaltverzichtserklärungen in außergewöhnlichen Herausforderungssituationen. ") * 3


def _narrow_page(text: str) -> str:
    return ('<!DOCTYPE html><html lang="de"><body><main><p style="width: 5.5cm; '
            'text-align: justify; hyphens: auto; hyphenate-character: \'-\'">'
            f'{text}</p></main></body></html>')


def _longest_run(lines: list[breaks.Line]) -> int:
    longest = current = 0
    for line in lines:
        current = current + 1 if line.hyphenated else 0
        longest = max(longest, current)
    return longest


def test_no_more_than_two_hyphenated_lines_in_a_row():
    """A narrow column of long German compounds: the engine alone hyphenates more than
    two lines in a row; after :func:`breaks.typeset`, no run is longer than two."""
    from weasyprint import HTML

    plain = HTML(string=_narrow_page(GERMAN)).render()
    assert _longest_run(breaks.body_lines(plain)) > breaks.MAX_HYPHENATED_RUN
    document, kept = breaks.typeset(HTML(string=_narrow_page(GERMAN)), lambda p: p.render())
    lines = breaks.body_lines(document)
    assert _longest_run(lines) <= breaks.MAX_HYPHENATED_RUN
    assert kept and all(f.style == breaks.NO_HYPHENATION for f in kept)
    assert sum(line.hyphenated for line in lines) > 0, "hyphenation was not switched off"


def test_a_compound_never_ends_a_line_at_its_own_hyphen():
    from weasyprint import HTML

    text = " ".join(["Nordatlantik-Vertragsorganisation", "OSZE-Teilnehmerstaaten",
                     "Russland-Nordkorea-Allianz", "Vorsitz"] * 6)
    document, _ = breaks.typeset(HTML(string=_narrow_page(text)), lambda p: p.render())
    lines = breaks.body_lines(document)
    ends = [line.text for line in lines if re.search(r"\w-$", line.text)]
    compounds = {"Nordatlantik-", "OSZE-", "Russland-", "Nordkorea-"}
    assert not [e for e in ends if e.split()[-1] in compounds], ends


def test_compounds_are_wrapped_in_text_only():
    """A stylesheet or script inside the statement keeps its hyphens untouched."""
    from weasyprint import HTML

    page = HTML(string='<html><body><main><style>p { font-family: serif }</style>'
                       '<p>the porte-parole spoke</p></main></body></html>')
    assert breaks.protect_compounds(page.etree_element) == 1
    style = next(el for el in page.etree_element.iter() if str(el.tag).endswith("style"))
    assert style.text == "p { font-family: serif }"
    assert len(list(style)) == 0
