"""``publisher import --translation`` and ``publisher export``: a translated document
seeds a catalogue with fuzzy translations, and the bilingual table goes to Word and back.

The built Ukrainian DOCX of the sample is the translated document: its paragraphs must
come back as exactly the catalogue's translations, a shuffled, merged or shortened copy
must be reported paragraph by paragraph without a wrong translation filled, existing
translations are never replaced, and importing twice changes nothing."""

from __future__ import annotations

import copy
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from publisher.errors import PublisherError
from publisher.i18n import po
from publisher.i18n.segments import segments
from publisher.importer.align import align, latin_words, numbers, visible
from publisher.importer.bilingual import (
    MARKER, export_bilingual, message_key, read_bilingual, read_table,
)
from publisher.importer.translation import import_translation
from publisher.project import Missions, Project, read_statement

from .conftest import ROOT, copy_project, run, tool

SLUG = "fsc-pc-92-dprk"
UK_PO = ROOT / "locales" / "uk" / "LC_MESSAGES" / f"{SLUG}.po"


def _translations(path: Path = UK_PO) -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) -> msgstr of every translated, confirmed message."""
    return {m.key: m.string for m in po.read(path) if m.string and not m.fuzzy}


def _messages(root: Path = ROOT) -> list:
    project = Project(root)
    return segments(read_statement(project.seeds / f"{SLUG}.md", Missions(project)))


def _emptied(root: Path, lang: str = "uk") -> Path:
    """The sample's catalogue of a project copy with its header only."""
    path = Project(root).po(lang, SLUG)
    cat = po.read(path)
    cat.entries = []
    path.write_bytes(po.dumps(cat))
    return path


def _msgfmt(path: Path) -> None:
    run(tool("msgfmt"), "--check", "--check-format", "-o", "/dev/null", str(path))


def _entries(path: Path) -> dict[tuple[str | None, str], po.Message]:
    return {m.key: m for m in po.read(path)}


def _body(document: docx.document.Document) -> list:
    return list(document.element.body.iterchildren(qn("w:p")))


# ---------------------------------------------------------------- anchors and alignment

def test_numbers_are_read_whatever_their_grouping_and_script():
    assert numbers("12,000 · 12 000 · 12\u00a0000 · 12\u202f000 · 12.000 · ١٢٬٠٠٠") == {"12000"}
    assert numbers("resolutions 1718, 1874, and 2270") == {"1718", "1874", "2270"}
    assert numbers("on 23 October 2024, 2,000-3,000 troops") == {"23", "2024", "2000", "3000"}
    assert numbers("1,5 % or 1.50 %") == {"1.5"}
    assert numbers("92<sup>nd</sup>") == {"92"}
    assert numbers(visible("see [the text](https://osce.org/1234) [^7]")) == frozenset()


def test_latin_words_are_the_names_a_translation_keeps():
    assert latin_words("Заява делегації щодо OSCE та FSC-PC, Peskov і 92nd") == {
        "OSCE", "FSC-PC", "Peskov"}


def test_a_one_for_one_translation_aligns_one_for_one():
    sources = ["Chairs,", "On 23 October 2024 the OSCE met.", "Thank you."]
    targets = [(1, "Шановні Голови,"), (2, "23 жовтня 2024 року OSCE зібралася."),
               (3, "Дякую.")]
    result = align(sources, targets, [11, 13, 15])
    assert [(p.source, p.paragraph) for p in result.pairs] == [(0, 1), (1, 2), (2, 3)]
    assert result.problems == () and result.score == 1.0
    assert align(sources, targets, [11, 13, 15]) == result  # deterministic


def test_a_pair_whose_numbers_disagree_is_reported_not_accepted():
    sources = ["Chairs,", "On 5 November 2024, 500 troops arrived.", "Thank you."]
    targets = [(1, "Шановні Голови,"), (2, "12 березня 1999 року прибули 70 осіб."),
               (3, "Дякую.")]
    result = align(sources, targets, [11, 13, 15])
    assert [p.source for p in result.pairs] == [0, 2]
    (problem,) = result.problems
    assert problem.kind == "mismatch"
    assert problem.lines == (13,) and problem.paragraphs == (2,)
    assert "5, 500, 2024" in str(problem) and "12, 70, 1999" in str(problem)


def test_an_added_paragraph_and_a_missing_message_are_named():
    sources = ["Statement by the Delegation of Ukraine", "Chairs,",
               "The current events represent an unprecedented level of escalation since the "
               "very start of the full-scale invasion in February 2022.",
               "In particular, on 23 October 2024, they were detected in the Kursk region. "
               "Three thousand troops were deployed, 3,000 in all.",
               "Thank you, Mr Chairperson."]
    targets = [(1, "ПОСТІЙНЕ ПРЕДСТАВНИЦТВО УКРАЇНИ ПРИ ОБСЄ"),
               (2, "Заява делегації України"), (3, "Шановні Голови,"),
               (4, "Зокрема, 23 жовтня 2024 року їх виявили в Курській області. Три тисячі "
                   "військових було розгорнуто, усього 3 000."),
               (5, "Дякую, пане Голово.")]
    result = align(sources, targets, [7, 11, 13, 15, 17])
    assert [(p.source, p.paragraph) for p in result.pairs] == [(0, 2), (1, 3), (3, 4), (4, 5)]
    kinds = {(p.kind, p.lines, p.paragraphs) for p in result.problems}
    assert kinds == {("missing", (13,), ()), ("extra", (), (1,))}
    assert "the message at line 13 is not in the document (expected between document " \
        "paragraphs 3 and 4)" in [str(p) for p in result.problems]


# ---------------------------------------------------------------- a built translation

@pytest.fixture()
def uk_docx(built: Path) -> Path:
    return built / f"{SLUG}.uk.docx"


@pytest.mark.parametrize("lang", ["uk", "ar", "de", "es", "fr", "it", "ru"])
def test_a_built_translation_seeds_an_empty_catalogue(built: Path, tmp_path: Path, lang: str):
    """Every language's edition gives back exactly its catalogue's translations (the
    Ukrainian with its superscript ordinal, the Arabic right to left, the German "92."
    that Word Markdown would escape as a list number)."""
    root = copy_project(tmp_path / "project")
    path = _emptied(root, lang)
    document = shutil.copy(built / f"{SLUG}.{lang}.docx", tmp_path / "перекладений документ.docx")
    result = import_translation(Project(root), lang, Path(document), None)
    assert result.chosen == "the only statement in seeds/"
    assert result.catalogue == path and result.changed
    assert result.problems == [], [str(p) for p in result.problems]
    original = _translations(ROOT / "locales" / lang / "LC_MESSAGES" / f"{SLUG}.po")
    entries = _entries(path)
    for key, text in original.items():
        entry = entries[key]
        assert entry.string == text, key
        assert entry.fuzzy, key
        assert any(c.startswith("imported from перекладений документ.docx, paragraph ")
                   and c.endswith(": confirm, then remove the fuzzy flag")
                   for c in entry.user_comments)
    untranslated = {(m.context, m.msgid) for m in result.messages if m.status == "untranslated"}
    assert untranslated == {(s.context, s.msgid) for s in _messages()} - set(original)
    assert result.filled == len(original) and result.kept == result.differing == 0
    _msgfmt(path)
    after = path.read_bytes()
    again = import_translation(Project(root), lang, Path(document), None)
    assert not again.changed and path.read_bytes() == after
    assert again.kept == len(original) and again.filled == 0
    # The title is the first paragraph of the body, the first message.
    title = next(m for m in result.messages if m.context == "title")
    assert title.place == "paragraph 1" and title.line == 7


def test_paragraphs_left_in_the_source_language_are_reported_as_untranslated(
        uk_docx: Path, tmp_path: Path):
    root = copy_project(tmp_path / "project")
    path = _emptied(root)
    messages = [s for s in _messages() if s.context is None]
    document = docx.Document(str(uk_docx))
    paragraphs = document.paragraphs
    left = next(i for i, p in enumerate(paragraphs) if p.text.startswith("Наявна інформація "
                                                                          "свідчить про плани"))
    source = next(s for s in messages if s.msgid.startswith("Available information indicates "
                                                             "Russian plans"))
    for r in paragraphs[left].runs[1:]:
        r._r.getparent().remove(r._r)
    paragraphs[left].runs[0].text = source.msgid
    edited = tmp_path / "partly.docx"
    document.save(str(edited))
    result = import_translation(Project(root), "uk", edited, root / "seeds" / f"{SLUG}.md")
    assert result.chosen == "named"
    (untranslated,) = [m for m in result.messages if m.status == "untranslated"]
    assert untranslated.msgid == source.msgid and untranslated.place == f"paragraph {left + 1}"
    assert untranslated.line == source.line
    assert _entries(path)[(None, source.msgid)].string == ""
    assert result.untranslated == 1 and not result.problems
    _msgfmt(path)


def test_shuffled_merged_and_dropped_paragraphs_are_reported_never_filled_wrongly(
        uk_docx: Path, tmp_path: Path):
    root = copy_project(tmp_path / "project")
    path = _emptied(root)
    messages = _messages()
    document = docx.Document(str(uk_docx))
    body = _body(document)
    # Paragraph n (1-based) of the built DOCX is message n - 1 (the title, the meeting,
    # the agenda item, then the speech).
    assert len(body) == len(messages)
    # Swap paragraphs 7 and 8, merge 12 into 11, drop 16.
    body[6].addprevious(body[7])
    for r in body[11].iterchildren(qn("w:r")):
        body[10].append(copy.deepcopy(r))
    body[11].getparent().remove(body[11])
    body[15].getparent().remove(body[15])
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    result = import_translation(Project(root), "uk", edited, None)
    original = _translations()
    # No wrong translation: every filled message has exactly its own translation.
    for m in result.messages:
        if m.status == "filled":
            assert m.text == original[(m.context, m.msgid)], m
    filled = {(m.context, m.msgid) for m in result.messages if m.status == "filled"}
    by_kind = {p.kind: p for p in result.problems}
    assert set(by_kind) == {"moved", "merged", "missing"}, [str(p) for p in result.problems]
    # The swap: one of the two messages is found out of order (the other is in order).
    moved = by_kind["moved"]
    assert moved.lines[0] in (messages[6].line, messages[7].line)
    assert moved.places == (f"paragraph {8 if moved.lines[0] == messages[6].line else 7}",)
    # The merge: paragraph 11 now holds messages 10 and 11.
    assert by_kind["merged"].lines == (messages[10].line, messages[11].line)
    assert by_kind["merged"].places == ("paragraph 11",)
    assert (None, messages[10].msgid) not in filled and (None, messages[11].msgid) not in filled
    # The drop: message 15 has no paragraph.
    assert by_kind["missing"].lines == (messages[15].line,)
    assert (None, messages[15].msgid) not in filled
    assert "between document paragraphs 14 and 15" in str(by_kind["missing"])
    # Everything else was filled.
    reported = {s for p in result.problems for s in p.lines}
    expected = {(s.context, s.msgid) for s in messages if s.line not in reported}
    assert filled == expected
    entries = _entries(path)
    assert all(not entries[(None, messages[i].msgid)].string for i in (10, 11, 15))
    _msgfmt(path)


def test_existing_translations_are_never_replaced_and_a_second_import_changes_nothing(
        uk_docx: Path, tmp_path: Path):
    root = copy_project(tmp_path / "project")
    path = Project(root).po("uk", SLUG)
    before = path.read_bytes()
    document = docx.Document(str(uk_docx))
    paragraphs = document.paragraphs
    changed = next(i for i, p in enumerate(paragraphs) if p.text == "Дякую, пане Голово.")
    paragraphs[changed].runs[0].text = "Дякую, пане"
    paragraphs[changed].add_run(" Голово").bold = True
    paragraphs[changed].add_run(".\nДо побачення.")
    edited = tmp_path / "revised.docx"
    document.save(str(edited))
    project = Project(root)
    result = import_translation(project, "uk", edited, None)
    assert result.changed and result.filled == 0 and result.differing == 1
    assert result.kept == len(_translations()) - 1 and not result.problems
    entry = _entries(path)[(None, "Thank you, Mr Chairperson.")]
    assert entry.string == "Дякую, пане Голово." and not entry.fuzzy
    comment = (f"imported from revised.docx, paragraph {changed + 1}: "
               "Дякую, пане **Голово**.\\\\nДо побачення.")
    assert entry.user_comments == [comment]
    # One line more, the comment; every other line keeps its bytes.
    after = path.read_bytes()
    assert [line for line in after.splitlines() if line not in before.splitlines()] == [
        f"# {comment}".encode()]
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    _msgfmt(path)
    again = import_translation(project, "uk", edited, None)
    assert not again.changed and path.read_bytes() == after
    assert again.differing == 1


def test_an_import_into_a_catalogue_missing_messages_merges_it_first(uk_docx: Path,
                                                                       tmp_path: Path):
    root = copy_project(tmp_path / "project")
    path = Project(root).po("uk", SLUG)
    cat = po.read(path)
    dropped = next(m for m in cat if m.id == "Thank you, Mr Chairperson.")
    cat.entries.remove(dropped)
    kept = next(m for m in cat if m.id == "Chairs,")
    kept.user_comments.append("a translator's note")
    path.write_bytes(po.dumps(cat))
    result = import_translation(Project(root), "uk", uk_docx, None)
    entries = _entries(path)
    assert entries[(None, "Thank you, Mr Chairperson.")].string == dropped.string
    assert entries[(None, "Thank you, Mr Chairperson.")].fuzzy
    assert entries[(None, "Chairs,")].user_comments == ["a translator's note"]
    assert result.filled == 1 and result.kept == len(_translations()) - 1
    _msgfmt(path)


def test_a_new_catalogue_is_created_as_update_would(uk_docx: Path, tmp_path: Path):
    root = copy_project(tmp_path / "project")
    path = Project(root).po("uk", SLUG)
    path.unlink()
    result = import_translation(Project(root), "uk", uk_docx, None)
    cat = po.read(path)
    assert cat.language == "uk" and "nplurals=3" in (cat.header_value("Plural-Forms") or "")
    assert result.filled == len(_translations())
    _msgfmt(path)


def test_the_statement_is_chosen_by_alignment_among_several(uk_docx: Path, tmp_path: Path):
    root = copy_project(tmp_path / "project")
    other = root / "seeds" / "pc-1-other.md"
    other.write_text("---\nmission: ua-osce-vienna\ndate: 2024-01-01\ntitle: Another\n"
                     "original: en\nlanguages: [en, uk]\n---\nChairs,\n\nSomething else "
                     "entirely, of 2019.\n\nThank you.\n", encoding="utf-8")
    _emptied(root)
    result = import_translation(Project(root), "uk", uk_docx, None)
    assert result.statement.name == f"{SLUG}.md"
    assert result.chosen.startswith("aligned best (100% of paragraphs paired; pc-1-other ")


def test_the_original_language_has_no_catalogue_to_fill(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    document = tmp_path / "uk.md"
    document.write_text("\n\n".join(_translations().values()), encoding="utf-8")
    with pytest.raises(PublisherError, match="the statement's original language"):
        import_translation(Project(root), "en", document, None)


# ---------------------------------------------------------------- the bilingual table

def test_the_bilingual_table_reads_back_exactly_the_catalogue(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    project = Project(root)
    data, slug = export_bilingual(project, "uk", None)
    assert slug == SLUG
    assert export_bilingual(project, "uk", root / "seeds" / f"{SLUG}.md")[0] == data
    table = tmp_path / "table.docx"
    table.write_bytes(data)
    rows = read_bilingual(table)
    original = _translations()
    keys = {message_key(msgid, ctx): text for (ctx, msgid), text in original.items()}
    assert len(rows) == len({(s.context, s.msgid) for s in _messages()})
    assert [r.row for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:
        assert r.text == keys[r.key]  # byte for byte, "92<sup>ге</sup>" included
    document = docx.Document(str(table))
    assert document.core_properties.category == MARKER
    assert document.core_properties.identifier == f"{SLUG}/uk"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert "right-hand column only" in document.paragraphs[1].text
    # Each key is hidden text in its source cell.
    source_cells = document.tables[0].columns[1].cells[1:]
    for r, cell in zip(rows, source_cells, strict=True):
        holding = [run for p in cell.paragraphs for run in p.runs if r.key in run.text]
        assert holding and all(run.font.hidden for run in holding)
    # Every language's table reads back as its catalogue, right-to-left Arabic included.
    for other in ("ar", "de", "es", "fr", "it", "ru"):
        done = _write(tmp_path / f"{other}.docx", export_bilingual(project, other, None)[0])
        theirs = {message_key(msgid, ctx): text
                  for (ctx, msgid), text in _translations(project.po(other, SLUG)).items()}
        assert {r.key: r.text for r in read_bilingual(done) if r.text} == theirs, other
    with pytest.raises(PublisherError, match="original language"):
        export_bilingual(project, "en", None)
    # Read back untouched, the import changes nothing.
    before = project.po("uk", SLUG).read_bytes()
    result = import_translation(project, "uk", table, None)
    assert result.bilingual and result.chosen == "named by the bilingual table"
    assert result.kept == len(original) and not result.changed and not result.problems
    assert project.po("uk", SLUG).read_bytes() == before


def test_a_translators_edit_in_word_reads_back_as_markdown(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    project = Project(root)
    path = _emptied(root)
    table = tmp_path / "table.docx"
    table.write_bytes(export_bilingual(project, "uk", None)[0])
    document = docx.Document(str(table))
    rows = document.tables[0].rows
    assert all(not row.cells[2].text for row in rows[1:])  # nothing translated yet
    meeting = rows[2].cells[2].paragraphs[0]  # row 2: the meeting line
    meeting.add_run("92")
    meeting.add_run("ге").font.superscript = True
    meeting.add_run(" спільне засідання ")
    meeting.add_run("ФСБ і ПР").bold = True
    document.save(str(table))
    (row,) = [r for r in read_bilingual(table) if r.text]
    assert row == (message_key("92<sup>nd</sup> Joint FSC-PC Meeting", "meeting"),
                   "92<sup>ге</sup> спільне засідання **ФСБ і ПР**", 2)
    result = import_translation(project, "uk", table, None)
    assert result.filled == 1 and result.untranslated == len(rows) - 2
    entry = _entries(path)[("meeting", "92<sup>nd</sup> Joint FSC-PC Meeting")]
    assert entry.string == "92<sup>ге</sup> спільне засідання **ФСБ і ПР**" and entry.fuzzy
    assert entry.user_comments == ["imported from table.docx, row 2: confirm, then remove "
                                   "the fuzzy flag"]
    _msgfmt(path)
    # Exported again, the fuzzy translation is shaded and marked for checking.
    document = docx.Document(str(_write(tmp_path / "again.docx",
                                        export_bilingual(project, "uk", None)[0])))
    row = document.tables[0].rows[2]
    assert row.cells[0].text == "2\ncheck"
    assert row.cells[2]._tc.tcPr.find(qn("w:shd")).get(qn("w:fill")) == "FFF2CC"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_rows_with_an_unknown_or_repeated_key_are_reported_not_applied(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    project = Project(root)
    path = _emptied(root)
    table = _write(tmp_path / "table.docx", export_bilingual(project, "uk", None)[0])
    document = docx.Document(str(table))
    tbl = document.tables[0]._tbl
    trs = tbl.findall(qn("w:tr"))
    # Row 1 repeated (a translator copied it), row 3's key changed, row 5 lost a cell.
    trs[1].addnext(copy.deepcopy(trs[1]))
    key_run = [t for t in trs[3].iter(qn("w:t")) if len(t.text or "") == 16][-1]
    key_run.text = "0123456789abcdef"
    trs[5].remove(trs[5].findall(qn("w:tc"))[2])
    for tr in trs[1:6]:
        tc = tr.findall(qn("w:tc"))[-1]
        tc.find(qn("w:p")).append(copy.deepcopy(trs[0].find(f"{qn('w:tc')}/{qn('w:p')}/"
                                                            f"{qn('w:r')}")))
    document.save(str(table))
    result = import_translation(project, "uk", table, None)
    texts = [str(p) for p in result.problems]
    assert any("row 1: the message at line 7 has 2 rows" in t for t in texts), texts
    assert any("row 3: its message is not in" in t for t in texts), texts
    assert any("row 5: the row's cells were changed" in t for t in texts), texts
    assert len(result.problems) == 4  # row 1 twice
    entries = _entries(path)
    assert not entries[("title", "Statement by the Delegation of Ukraine")].string
    assert result.filled == 2  # rows 2 and 4
    table_read = read_table(table)
    assert [row for row, _ in table_read.problems] == [5]


# ---------------------------------------------------------------- hostile documents

def test_hostile_documents_are_reported_not_crashed_on(uk_docx: Path, tmp_path: Path):
    root = copy_project(tmp_path / "project")
    project = Project(root)
    path = _emptied(root)
    document = docx.Document(str(uk_docx))
    paragraphs = document.paragraphs
    huge = paragraphs[5].insert_paragraph_before("x" * 1_000_000)
    huge.runs[0].bold = True
    odd = document.add_paragraph("Шановні Голови, \u0085\u200e\u202e ")
    link = docx.oxml.OxmlElement("w:hyperlink")
    link.set(qn("r:id"), odd.part.relate_to("javascript:alert(1)",
                                            docx.opc.constants.RELATIONSHIP_TYPE.HYPERLINK,
                                            is_external=True))
    link.append(odd.add_run("посилання")._r)  # moved into the link
    odd._p.append(link)
    hostile = tmp_path / "hostile.docx"
    document.save(str(hostile))
    result = import_translation(project, "uk", hostile, None)
    extra = sorted(p.places for p in result.problems if p.kind == "extra")
    assert extra == [(f"paragraph {len(paragraphs) + 2}",), ("paragraph 6",)], [
        str(p) for p in result.problems]
    assert len(result.problems) == 2
    assert "xxxxxxxx…" in str(result.problems[0]) + str(result.problems[1])
    assert "javascript" not in "".join(str(p) for p in result.problems)
    original = _translations()
    assert result.filled == len(original)
    assert all(m.text == original[(m.context, m.msgid)] for m in result.messages)
    _msgfmt(path)
    # A document that is no translation of the statement imports nothing.
    small = docx.Document()
    small.add_paragraph("Заява делегації України")
    small.add_paragraph("x" * 1_000_000)
    small.add_paragraph("Шановні Голови,")
    small.save(str(tmp_path / "small.docx"))
    before = path.read_bytes()
    with pytest.raises(PublisherError, match="does not read as a translation"):
        import_translation(project, "uk", tmp_path / "small.docx", None)
    assert path.read_bytes() == before
    # Not a document at all.
    broken = _write(tmp_path / "broken.docx", b"PK\x03\x04 not a zip")
    with pytest.raises(PublisherError):
        import_translation(project, "uk", broken, None)
    # A table whose marker is there but whose XML is broken.
    zipped = tmp_path / "table.docx"
    zipped.write_bytes(export_bilingual(project, "uk", None)[0])
    with zipfile.ZipFile(zipped) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"][:500]
    with zipfile.ZipFile(zipped, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(PublisherError):
        import_translation(project, "uk", zipped, None)


def test_a_markdown_translation_is_aligned_by_line_and_unusable_text_reported(
        tmp_path: Path):
    root = copy_project(tmp_path / "project")
    path = _emptied(root)
    original = _translations()
    messages = _messages()
    paragraphs = [original[(s.context, s.msgid)] for s in messages]
    paragraphs[5] += " [див.](page.html)"  # a relative link: the build would drop it
    paragraphs[8] = paragraphs[8].replace(" ", " [^1] ", 1)  # a call the source lacks
    document = tmp_path / "uk.md"
    document.write_text("\n\n".join(paragraphs) + "\n\n[^1]: Примітка.\n", encoding="utf-8")
    result = import_translation(Project(root), "uk", document, None)
    invalid = {p.lines: p for p in result.problems if p.kind == "invalid"}
    assert set(invalid) == {(messages[5].line,), (messages[8].line,)}, [
        str(p) for p in result.problems]
    assert invalid[(messages[5].line,)].places == (f"line {2 * 5 + 1}",)
    assert "'page.html' cannot be published" in str(invalid[(messages[5].line,)])
    assert "calls 1 footnote(s)" in str(invalid[(messages[8].line,)])
    assert len(result.problems) == 2
    entries = _entries(path)
    for i, s in enumerate(messages):
        assert entries[(s.context, s.msgid)].string == ("" if i in (5, 8) else
                                                        original[(s.context, s.msgid)])
    _msgfmt(path)


NOTES_STATEMENT = """---
mission: ua-osce-vienna
date: 2024-11-06
title: Statement on notes
original: en
languages: [en, uk]
---
Chairs,

The resolution of 2016[^a] was adopted by 15 votes.

Its successor, resolution 2397[^b], followed in 2017.

Thank you.

[^a]: Resolution 2270, adopted on 2 March 2016.
[^b]: Adopted on 22 December 2017.
"""

NOTES_UK = {
    ("title", "Statement on notes"): "Заява щодо приміток",
    (None, "Chairs,"): "Шановні Голови,",
    (None, "The resolution of 2016[^a] was adopted by 15 votes."):
        "Резолюцію 2016 року[^a] ухвалили 15 голосами.",
    (None, "Its successor, resolution 2397[^b], followed in 2017."):
        "Наступна, резолюція 2397[^b], з’явилася у 2017 році.",
    (None, "Thank you."): "Дякую.",
    (None, "Resolution 2270, adopted on 2 March 2016."):
        "Резолюція 2270, ухвалена 2 березня 2016 року.",
    (None, "Adopted on 22 December 2017."): "Ухвалена 22 грудня 2017 року.",
}


def test_footnotes_come_back_to_their_messages_with_the_statements_labels(tmp_path: Path):
    """Word numbers the notes 1, 2; the statement calls them [^a], [^b]: each note's
    translation goes to the note its paragraph's call names, with the statement's label.
    With two statements in seeds/, the document picks its own by alignment."""
    from publisher.build import BuildOptions, build
    from publisher.i18n.catalogs import from_babel, new_catalog, statement_template

    root = copy_project(tmp_path / "project")
    project = Project(root)
    seed = root / "seeds" / "notes.md"
    seed.write_text(NOTES_STATEMENT, encoding="utf-8")
    statement = read_statement(seed, Missions(project))
    cat = new_catalog(from_babel(statement_template(statement, root)), "uk")
    for m in cat:
        m.string = NOTES_UK[m.key]
    path = project.po("uk", "notes")
    path.write_bytes(po.dumps(cat))
    report = build(project, BuildOptions(paths=[str(seed)], languages=["uk"], formats=["docx"],
                                         jobs=1))
    assert not report.failures and not report.warnings, report.warnings
    built_docx = root / "build" / "notes" / "notes.uk.docx"
    cat.entries = []
    path.write_bytes(po.dumps(cat))
    result = import_translation(project, "uk", built_docx, None)
    assert result.statement == seed and result.chosen.startswith("aligned best (100%")
    assert not result.problems, [str(p) for p in result.problems]
    entries = _entries(path)
    for key, text in NOTES_UK.items():
        assert entries[key].string == text and entries[key].fuzzy, key
    places = {m.msgid: m.place for m in result.messages}
    assert places["Adopted on 22 December 2017."] == "footnote 2"
    _msgfmt(path)
    # The bilingual table keeps the calls too.
    table = _write(tmp_path / "notes.docx", export_bilingual(project, "uk", seed)[0])
    keys = {message_key(msgid, ctx): text for (ctx, msgid), text in NOTES_UK.items()}
    assert {r.key: r.text for r in read_bilingual(table)} == keys


def test_an_edition_in_another_language_is_refused(built: Path, tmp_path: Path):
    root = copy_project(tmp_path / "project")
    before = Project(root).po("uk", SLUG).read_bytes()
    with pytest.raises(PublisherError, match="this edition is in 'fr-FR', not 'uk'"):
        import_translation(Project(root), "uk", built / f"{SLUG}.fr.docx", None)
    assert Project(root).po("uk", SLUG).read_bytes() == before
