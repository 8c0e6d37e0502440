"""Hostile contributors: a translator's catalogue, a statement draft or a file name that
tries to reach the page's CSS, plant links, break one edition or the build for everyone.

Each case is built in a temporary copy of the project through the real command line, and
the outputs are read back with the programs readers use (pdftotext, a DOCX unzipped).
"""

from __future__ import annotations

import json
import re
from html import unescape
import unicodedata
import zipfile
from pathlib import Path

import pytest

from publisher.i18n import po

from .conftest import copy_project, normalise, pdf_streams, publisher_cli, run, tool


def set_translation(root: Path, lang: str, domain: str, msgid: str, msgstr: str,
                    context: str | None = None) -> int:
    """Replace one msgstr in a catalogue of the project; returns the entry's line."""
    path = root / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"
    cat = po.read(path)
    msg = cat.get(msgid, context)
    assert msg is not None, msgid
    msg.string = msgstr
    path.write_bytes(po.dumps(cat))
    again = po.read(path).get(msgid, context)
    assert again is not None and again.string == msgstr
    return again.lineno


def first_paragraph(root: Path) -> str:
    body = (root / "seeds" / "fsc-pc-92-dprk.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return next(p for p in body.split("\n\n") if p.strip() and p.strip() != "Chairs,").strip()


def style_of(html: str) -> str:
    return html.split("<style>", 1)[1].split("</style>", 1)[0]


# ---------------------------------------------------------------- translated text and CSS

INJECTION = ('Сторінка %(page)s з %(pages)s"; } .speech { display: none } '
             '@import url(http://beacon.example/x.css); x { content: "')


def test_a_translated_page_label_never_reaches_the_stylesheet(tmp_path):
    """The folio is an element of the page: quotes and braces in a translation are text."""
    root = copy_project(tmp_path)
    profile = root / "templates" / "missions" / "ua-osce-vienna.yaml"  # print the folio
    profile.write_text(profile.read_text("utf-8") + "page_footer: true\n", "utf-8")
    set_translation(root, "uk", "templates", "Page %(page)s of %(pages)s", INJECTION)
    proc = publisher_cli("build", "--lang", "uk", "--format", "pdf", "--format", "html",
                         "--strict", cwd=root)
    assert proc.returncode == 0, proc.stderr
    html = (root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.uk.html").read_text("utf-8")
    assert "beacon" not in style_of(html)
    pdf = root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.uk.pdf"
    pages = run(tool("pdftotext"), str(pdf), "-").stdout.split("\f")
    assert len([p for p in pages if p.strip()]) >= 3  # the speech is still there
    assert "display: none" in pages[0] and "Сторінка 1 з" in pages[0]  # printed as text


def test_the_print_page_carries_no_statement_or_translation_text_in_css(tmp_path):
    root = copy_project(tmp_path)
    seed = root / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text("utf-8").replace(
        "original: en", 'original: en\nsymbol: FSC-PC.DEL/12/24 OSCE+'), "utf-8")
    from publisher.pipeline import Project, Translator, read_statements
    from publisher.writers.html import render_html

    project = Project(root)
    statement = read_statements(project, [seed])[0]
    edition, _ = Translator(project).edition(statement, "uk", [])
    page = render_html(edition, project.templates, media="print")
    css = style_of(page)
    assert "FSC-PC" not in css and "Сторінка" not in css
    assert '<bdi dir="ltr">FSC-PC.DEL/12/24 OSCE+</bdi>' in page.split("</style>", 1)[1]


CONTROLS = ["\r", "\x0c", "\x07", "\u202e", "\u2066", "\ufeff", "\U000e0041"]


def body_paragraphs(root: Path) -> list[str]:
    body = (root / "seeds" / "fsc-pc-92-dprk.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return [p.strip() for p in body.split("\n\n") if p.strip() and p.strip() != "Chairs,"]


def test_invisible_controls_in_a_translation_keep_the_source_and_are_check_errors(tmp_path):
    """Each control character in its own paragraph's translation: each is a check error
    at its entry, and the build publishes that paragraph in the source language."""
    root = copy_project(tmp_path)
    cat = po.read(root / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po")
    cases = []
    long = [p for p in body_paragraphs(root) if len(cat.get(" ".join(p.split())).string) > 80]
    for char, source in zip(CONTROLS, long, strict=False):
        msgid = " ".join(source.split())
        translated = cat.get(msgid).string
        line = set_translation(root, "uk", "fsc-pc-92-dprk", msgid,
                               translated[:20] + char + translated[20:])
        cases.append((char, source, translated, f"locales/uk/LC_MESSAGES/fsc-pc-92-dprk.po:{line}:"))
    # Entries after the one just changed may move: read every line again at the end.
    final = po.read(root / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po")
    cases = [(c, src, tr, f"locales/uk/LC_MESSAGES/fsc-pc-92-dprk.po:"
              f"{final.get(' '.join(src.split())).lineno}:") for c, src, tr, _ in cases]
    assert len(cases) == len(CONTROLS)

    proc = publisher_cli("check", "--lang", "uk", cwd=root)
    assert proc.returncode == 1
    for char, _, _, where in cases:
        expected = (f"{where} error: [controls] invisible control character(s) the source does "
                    f"not have: U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip())
        assert expected in proc.stdout.splitlines(), (char, proc.stdout)

    proc = publisher_cli("build", "--lang", "uk", "--lang", "fr", cwd=root)
    assert proc.returncode == 0, proc.stderr
    out = root / "build" / "fsc-pc-92-dprk"
    html = unescape((out / "fsc-pc-92-dprk.uk.html").read_text("utf-8"))
    with zipfile.ZipFile(out / "fsc-pc-92-dprk.uk.docx") as z:
        document = z.read("word/document.xml").decode("utf-8")
    pdf_text = normalise(run(tool("pdftotext"), str(out / "fsc-pc-92-dprk.uk.pdf"), "-").stdout)
    for char, source, translated, where in cases:
        warning = [ln for ln in proc.stderr.splitlines() if ln.startswith(where)]
        assert len(warning) == 1 and "using the source text" in warning[0], (char, proc.stderr)
        assert char not in html and char not in document
        assert translated[20:] not in html  # the translation is not published...
        assert " ".join(source.split()[:6]) in html  # ...the English paragraph stands in
        assert normalise(" ".join(source.split()[:6])) in pdf_text
    assert (out / "fsc-pc-92-dprk.fr.pdf").is_file()
    assert publisher_cli("build", "--lang", "uk", "--strict", cwd=root).returncode == 1


def test_a_bidi_control_the_source_has_is_allowed(tmp_path):
    from publisher.i18n.checks import invisible_characters

    assert invisible_characters("a \u2067b\u2069", "x \u2067y\u2069") == []
    assert invisible_characters("a", "x \u200fy\u200e z\u061c") == []  # marks are typing
    assert invisible_characters("a", "\u202eevil") == ["U+202E RIGHT-TO-LEFT OVERRIDE"]


def test_a_plural_entry_in_a_statement_catalogue_is_not_published(tmp_path):
    root = copy_project(tmp_path)
    msgid = " ".join(first_paragraph(root).split())
    path = root / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    cat = po.read(path)
    msg = cat.get(msgid)
    msg.plural = msgid + " (many)"
    msg.strings = ["ОДНИНА " + msg.string, "МНОЖИНА", "МНОЖИНА2"]
    path.write_bytes(po.dumps(cat))
    line = po.read(path).get(msgid).lineno
    where = f"locales/uk/LC_MESSAGES/fsc-pc-92-dprk.po:{line}:"

    proc = publisher_cli("check", "--lang", "uk", cwd=root)
    assert proc.returncode == 1
    assert any(ln.startswith(where) and "[plural]" in ln for ln in proc.stdout.splitlines()), proc.stdout
    proc = publisher_cli("build", "--lang", "uk", "--format", "html", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert any(ln.startswith(where) and "msgid_plural" in ln for ln in proc.stderr.splitlines())
    html = (root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.uk.html").read_text("utf-8")
    assert "ОДНИНА" not in html and "МНОЖИНА" not in html and "('" not in html


def test_a_locale_folder_cldr_does_not_know_is_a_check_error(tmp_path):
    root = copy_project(tmp_path)
    folder = root / "locales" / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "fsc-pc-92-dprk.po").write_bytes(
        (root / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po").read_bytes()
        .replace(b"Language: uk", b"Language: xx"))
    proc = publisher_cli("check", cwd=root)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert re.search(r"^locales/xx/LC_MESSAGES/fsc-pc-92-dprk\.po: .*\[language\].*'locales/xx'",
                     proc.stdout, re.M), proc.stdout
    assert publisher_cli("stats", cwd=root).returncode == 0


# ---------------------------------------------------------------- file names

@pytest.mark.parametrize("name", ["javascript:alert(document.domain)+'", "..", "...", "Statement 1",
                                  "-x", "über", "x" * 81, "draft.v2"])
def test_a_statement_file_name_must_be_a_safe_slug(tmp_path, name):
    root = copy_project(tmp_path)
    seed = root / "seeds" / "fsc-pc-92-dprk.md"
    target = root / "seeds" / f"{name}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(seed.read_bytes())
    seed.unlink()
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    proc = publisher_cli("build", "--format", "html", cwd=root)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a valid name" in lines[0], proc.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_index_links_are_relative_and_encoded(tmp_path):
    root = copy_project(tmp_path)
    assert publisher_cli("build", "--format", "html", "--lang", "en", cwd=root).returncode == 0
    index = (root / "build" / "index.html").read_text("utf-8")
    hrefs = re.findall(r'href="([^"]*)"', index)
    assert hrefs == ["fsc-pc-92-dprk/fsc-pc-92-dprk.en.html"]


# ---------------------------------------------------------------- links

LINKS = {
    "[a](smb://host/share)": False, "[b](ms-msdt:/id%20PCWDiagnostic)": False,
    "[c](//evil.example/x)": False, "[d](annex.pdf)": False, "[e](/etc/passwd)": False,
    "[f](https://www.osce.org/fsc)": True, "[g](mailto:press@example.org)": True,
    "[h](#statement)": True, "[i](https:///no-host)": False, "[j](ftp://example.org/x)": False,
}


def test_only_web_mail_and_anchor_links_are_published_in_every_format(tmp_path):
    root = copy_project(tmp_path)
    seed = root / "seeds" / "fsc-pc-92-dprk.md"
    text = seed.read_text("utf-8")
    text = text.replace("Chairs,\n", "Chairs,\n\nLinks: " + " ".join(LINKS) + ".\n", 1)
    seed.write_text(text, "utf-8")
    line = text.splitlines().index("Links: " + " ".join(LINKS) + ".") + 1
    proc = publisher_cli("build", "--lang", "en", cwd=root)
    assert proc.returncode == 0, proc.stderr
    dropped = [ln for ln in proc.stderr.splitlines() if ln.startswith(f"seeds/fsc-pc-92-dprk.md:{line}:")]
    assert len(dropped) == sum(not ok for ok in LINKS.values()), proc.stderr
    out = root / "build" / "fsc-pc-92-dprk"
    kept = ["https://www.osce.org/fsc", "mailto:press@example.org", "#statement"]

    html = (out / "fsc-pc-92-dprk.en.html").read_text("utf-8")
    speech = html.split('<div class="speech">', 1)[1]
    assert re.findall(r'<a href="([^"]*)"', speech) == kept
    for label in "abcdefghij":
        assert re.search(rf"[ >]{label}[ <.]", speech), label  # the text stays

    with zipfile.ZipFile(out / "fsc-pc-92-dprk.en.docx") as z:
        rels = z.read("word/_rels/document.xml.rels").decode()
        document = z.read("word/document.xml").decode()
    targets = re.findall(r'Target="([^"]*)"[^>]*TargetMode="External"', rels)
    assert sorted(targets) == sorted(kept[:2])
    assert 'w:anchor="statement"' in document

    pdf = (out / "fsc-pc-92-dprk.en.pdf").read_bytes()
    objects = b"\n".join([pdf, *pdf_streams(pdf)])
    uris = {u.decode() for u in re.findall(rb"/URI \(([^)]*)\)", objects)}
    assert uris == set(kept[:2]), uris
    assert str(root).encode() not in objects and b"file:" not in objects


# ---------------------------------------------------------------- metadata

def test_long_title_and_agenda_shorten_the_docx_properties_not_the_document(tmp_path):
    root = copy_project(tmp_path)
    seed = root / "seeds" / "fsc-pc-92-dprk.md"
    agenda = "Agenda Item 1, " + " ".join(["Security Dialogue on long agendas"] * 12)
    title = "Statement " + " ".join(["by the Delegation"] * 20)
    text = re.sub(r"^agenda: .*$", f"agenda: {agenda}", seed.read_text("utf-8"), flags=re.M)
    text = re.sub(r"^title: .*$", f"title: {title}", text, flags=re.M)
    seed.write_text(text, "utf-8")
    proc = publisher_cli("build", "--lang", "en", "--format", "docx", cwd=root)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.en.docx") as z:
        core = z.read("docProps/core.xml").decode()
        document = z.read("word/document.xml").decode()
    subject = re.search(r"<dc:subject>(.*?)</dc:subject>", core).group(1)
    docx_title = re.search(r"<dc:title>(.*?)</dc:title>", core).group(1)
    for value, full in ((subject, agenda), (docx_title, title)):
        assert len(value) <= 255 and value.endswith("…") and full.startswith(value[:-1])
    words = re.sub(r"<[^>]+>", "", document)
    assert agenda.split()[-1] in words and words.count("Security Dialogue on long agendas") == 12


def test_summary_lists_the_problems(tmp_path):
    """The JSON summary of a build with a hostile translation names the fallback."""
    root = copy_project(tmp_path)
    msgid = " ".join(first_paragraph(root).split())
    set_translation(root, "uk", "fsc-pc-92-dprk", msgid, "текст \u202eзворотний")
    proc = publisher_cli("build", "--lang", "uk", "--format", "html", "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert any("U+202E" in w for w in summary["warnings"]), summary


def test_a_mission_profile_linked_out_of_its_folder_is_not_read(tmp_path):
    root = copy_project(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: SECRET_TOKEN=abc123\n", "utf-8")
    profile = root / "templates" / "missions" / "ua-osce-vienna.yaml"
    profile.unlink()
    profile.symlink_to(secret)
    proc = publisher_cli("build", "--lang", "en", "--format", "html", cwd=root)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "templates/missions/ua-osce-vienna.yaml: error: [template] a mission profile must be a file inside "
        "templates/missions/ (this one links elsewhere)"]
    assert not (root / "build").exists()  # nothing written
