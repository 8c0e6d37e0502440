"""``publisher import DRAFT``: the sample's own source and a Word draft of it become a
statement that builds to exactly the outputs of ``seeds/fsc-pc-92-dprk.md``; masthead
lines in other languages and shapes are recognised, and nothing is guessed silently."""

from __future__ import annotations

import datetime
import hashlib
import shutil
from pathlib import Path

import pytest

from publisher.build import BuildOptions, build
from publisher.errors import PublisherError
from publisher.importer.masthead import find_date, recognise, title_case
from publisher.importer.model import Draft, DraftBlock, DraftLine
from publisher.importer.statement import ImportOptions, import_draft, slug_of, yaml_scalar
from publisher.project import Missions, Project, read_statement

from .conftest import ROOT, copy_project, publisher_cli

SOURCE = ROOT / "tests" / "fixtures" / "fsc-pc-92-dprk.source.md"
SEED = ROOT / "seeds" / "fsc-pc-92-dprk.md"


def _hashes(root: Path) -> dict[str, str]:
    out = root / "build" / "fsc-pc-92-dprk"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


@pytest.fixture(scope="module")
def seed_outputs(tmp_path_factory) -> dict[str, str]:
    """The sample built from its hand-made seed: what an import must reproduce."""
    root = copy_project(tmp_path_factory.mktemp("seeded"))
    report = build(Project(root), BuildOptions(jobs=2))
    assert report.built == 24 and not report.failed
    return _hashes(root)


def _import_and_build(root: Path, draft: Path, *extra: str) -> tuple[str, dict[str, str]]:
    (root / "seeds" / "fsc-pc-92-dprk.md").unlink()
    done = publisher_cli("import", str(draft), "-o", "seeds/fsc-pc-92-dprk.md", *extra, cwd=root)
    assert done.returncode == 0, done.stderr
    report = build(Project(root), BuildOptions(jobs=2))
    assert report.built == 24 and not report.failed, report.failures
    return done.stderr, _hashes(root)


def _same_statement(root: Path) -> None:
    missions = Missions(Project(root))
    imported = read_statement(root / "seeds" / "fsc-pc-92-dprk.md", missions)
    seed = read_statement(SEED, Missions(Project(ROOT)))
    for key in ("mission", "date", "original", "languages", "symbol",
                "check_against_delivery"):
        assert getattr(imported.meta, key) == getattr(seed.meta, key), key
    for key in ("title", "meeting", "agenda"):
        assert getattr(imported.meta, key).source == getattr(seed.meta, key).source, key
    assert imported.blocks == seed.blocks
    assert imported.footnotes == seed.footnotes


def test_the_samples_source_imports_to_the_same_outputs(tmp_path, seed_outputs):
    root = copy_project(tmp_path)
    shutil.copy(SOURCE, tmp_path / "draft.md")
    log, outputs = _import_and_build(root, tmp_path / "draft.md")
    _same_statement(root)
    assert outputs == seed_outputs
    # Every field says where it came from.
    assert "draft.md:5: mission: ua-osce-vienna" in log
    assert "draft.md:11: date: 2024-11-06  <- \"06 November 2024\" (en_GB)" in log
    assert "draft.md:11: meeting: 92<sup>nd</sup> Joint FSC-PC Meeting" in log
    assert "draft.md:13: agenda: Agenda Item 1, Security Dialogue" in log
    assert "draft.md:9: title: Statement by the Delegation of Ukraine" in log
    assert "(put in title case)" in log
    assert "original: en  <- the language of the date" in log
    assert "warning" not in log


def _word_draft(path: Path, *, numbered: bool = False) -> None:
    """The sample as a press officer's Word draft: direct formatting everywhere (a font
    on every run, bold masthead lines, a superscript ordinal), no styles but Normal."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    seed = SEED.read_text(encoding="utf-8").split("---\n", 2)[2]
    speech = seed.strip().split("\n\n")
    doc = Document()

    def para(*runs: tuple[str, dict[str, bool]], center: bool = False) -> None:
        p = doc.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for text, fmt in runs:
            run = p.add_run(text)
            run.font.name = "Times New Roman"
            run.font.size = Pt(12)
            for key, value in fmt.items():
                setattr(run.font, key, value)

    bold = {"bold": True}
    p = doc.add_paragraph()
    for i, line in enumerate(("Permanent Mission of Ukraine", "to the International",
                              "Organizations in Vienna")):
        run = p.add_run(line)
        run.font.name, run.bold = "Arial", True
        if i < 2:
            run.add_break()
    doc.add_paragraph()
    para(("STATEMENT BY THE ", bold), ("DELEGATION OF UKRAINE", bold), center=True)
    para(("92", bold), ("nd", {"bold": True, "superscript": True}),
         (" Joint FSC-PC Meeting", bold), (" (06 November 2024)", {}), center=True)
    agenda = ("Agenda Item 1, Security Dialogue: “The Russian Federation’s military "
              "cooperation with the Democratic People’s Republic of Korea and the possible "
              "implications for its ongoing aggression against Ukraine”")
    para((agenda[:40], {}), (agenda[40:], {}))
    for text in speech:
        if numbered and text.startswith("Moreover, Russia"):
            for item in ("the procurement of DPRK arms;", "the provision of military training."):
                li = doc.add_paragraph(style="List Number")
                li.add_run(item).font.name = "Times New Roman"
        half = len(text) // 2
        para((text[:half], {}), (text[half:], {}))
    doc.save(str(path))


def test_a_word_draft_of_the_sample_imports_to_the_same_outputs(tmp_path, seed_outputs):
    root = copy_project(tmp_path)
    _word_draft(tmp_path / "FSC-PC 92 DPRK draft.docx")
    log, outputs = _import_and_build(root, tmp_path / "FSC-PC 92 DPRK draft.docx")
    _same_statement(root)
    assert outputs == seed_outputs
    assert "draft.docx:1: mission: ua-osce-vienna" in log
    assert "date: 2024-11-06" in log and "meeting: 92<sup>nd</sup> Joint FSC-PC Meeting" in log


def test_a_numbered_list_in_a_word_draft_becomes_a_numbered_list(tmp_path):
    root = copy_project(tmp_path)
    _word_draft(tmp_path / "draft.docx", numbered=True)
    (root / "seeds" / "fsc-pc-92-dprk.md").unlink()
    result = import_draft(Project(root), ImportOptions(tmp_path / "draft.docx"))
    assert result.path == root / "seeds" / "draft.md"
    assert ("1. the procurement of DPRK arms;\n2. the provision of military training."
            in result.text)
    statement = read_statement(result.path, Missions(Project(root)))
    assert any(type(b).__name__ == "ListBlock" and b.ordered and b.start == 1
               for b in statement.blocks)


def _draft(*lines: str, kind: str = "paragraph") -> Draft:
    blocks = tuple(DraftBlock(kind, line, n, (DraftLine(line, n),))
                   for n, line in enumerate(lines, start=1))
    return Draft("draft.docx", blocks)


def _recognise(*lines: str):
    project = Project(ROOT)
    missions = Missions(project).all()
    return recognise(_draft(*lines), project, missions)


def test_a_ukrainian_masthead_is_recognised():
    found = _recognise("Постійне представництво України",
                       "при міжнародних організаціях у Відні",
                       "PC.DEL/627/17",
                       "6 листопада 2024 р.",
                       "1500-те засідання Постійної ради",
                       "Заява делегації України",
                       "Шановний пане Голово,",
                       "Дякую.")
    fields = {k: (f.value, f.line) for k, f in found.fields.items()}
    assert fields["mission"] == ("ua-osce-vienna", 1)
    assert fields["date"] == ("2024-11-06", 4)
    assert fields["original"][0] == "uk"
    assert fields["symbol"] == ("PC.DEL/627/17", 3)
    assert fields["meeting"] == ("1500-те засідання Постійної ради", 5)
    assert fields["title"] == ("Заява делегації України", 6)
    assert found.body_start == 6 and not found.unplaced


def test_a_line_that_fits_nowhere_is_kept_and_named():
    found = _recognise("Permanent Mission of Ukraine",
                       "to the International Organizations in Vienna",
                       "Embargoed until 10:00",
                       "Check against delivery",
                       "Statement by the Delegation of Ukraine",
                       "Mr Chairperson,")
    assert [(x.text, x.line) for x in found.unplaced] == [("Embargoed until 10:00", 3)]
    assert found.fields["check_against_delivery"].line == 4
    assert "date" not in found.fields and found.body_start == 5


@pytest.mark.parametrize("text, locale, expected", [
    ("6 November 2024", "en", "2024-11-06"),
    ("November 6, 2024", "en", "2024-11-06"),
    ("6. November 2024", "de", "2024-11-06"),
    ("6 de noviembre de 2024", "es", "2024-11-06"),
    ("6 novembre 2024", "fr", "2024-11-06"),
    ("1er novembre 2024", "fr", "2024-11-01"),
    ("6 ноября 2024 г.", "ru", "2024-11-06"),
    ("٦ نوفمبر ٢٠٢٤", "ar", "2024-11-06"),
    ("06.11.2024", "uk", "2024-11-06"),
    ("2024-11-06", "en", "2024-11-06"),
])
def test_dates_in_the_osce_languages(text, locale, expected):
    found = find_date(f"Vienna, {text}", [locale])
    assert found is not None and found.date == datetime.date.fromisoformat(expected)


def test_titles_in_capitals_take_title_case():
    assert title_case("STATEMENT BY THE DELEGATION OF UKRAINE") == \
        "Statement by the Delegation of Ukraine"
    assert title_case("STATEMENT ON THE OSCE AND THE FSC-PC") == \
        "Statement on the OSCE and the FSC-PC"


def test_nothing_is_guessed_silently_or_overwritten(tmp_path):
    root = copy_project(tmp_path)
    draft = tmp_path / "draft.md"
    draft.write_text("**Permanent Mission of Ukraine**\n\nSTATEMENT BY THE DELEGATION OF "
                     "UKRAINE\n\nChairs,\n\nThank you.\n", encoding="utf-8")
    missing = publisher_cli("import", str(draft), cwd=root)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[-1].startswith("draft.md:5: error:")
    assert "no date" in missing.stderr and "--date" in missing.stderr
    assert not (root / "seeds" / "draft.md").exists()

    given = publisher_cli("import", str(draft), "--date", "2024-11-06", cwd=root)
    assert given.returncode == 0, given.stderr
    assert "date: 2024-11-06  <- given on the command line" in given.stderr
    assert "original: en  <- the mission's first language" in given.stderr
    before = (root / "seeds" / "draft.md").read_bytes()

    again = publisher_cli("import", str(draft), "--date", "2025-01-01", cwd=root)
    assert again.returncode == 1 and "--force" in again.stderr
    assert (root / "seeds" / "draft.md").read_bytes() == before
    forced = publisher_cli("import", str(draft), "--date", "2025-01-01", "--force", cwd=root)
    assert forced.returncode == 0 and b"date: 2025-01-01" in (root / "seeds" / "draft.md").read_bytes()


def test_what_a_statement_cannot_hold_is_left_out_by_line(tmp_path):
    root = copy_project(tmp_path)
    draft = tmp_path / "draft.md"
    draft.write_text("Permanent Mission of Ukraine\n\n6 November 2024\n\nStatement by the "
                     "Delegation of Ukraine\n\nChairs,\n\n    An indented paragraph.\n\n"
                     "![map](map.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div>raw</div>\n\n"
                     "Thank you.\n", encoding="utf-8")
    done = publisher_cli("import", str(draft), cwd=root)
    assert done.returncode == 0, done.stderr
    text = (root / "seeds" / "draft.md").read_text(encoding="utf-8")
    assert "\nAn indented paragraph.\n" in text  # a paragraph, not a code block
    assert "<div>" not in text and "| a |" not in text
    for line in (13, 17):
        assert f"draft.md:{line}: warning: left out" in done.stderr
    built = build(Project(root), BuildOptions(paths=[root / "seeds" / "draft.md"],
                                              formats=["html"], languages=["en"]))
    assert built.built == 1 and not built.failed


def test_names_and_scalars():
    assert slug_of(Path("FSC-PC 92 DPRK.source.docx")) == "fsc-pc-92-dprk"
    assert slug_of(Path("Заява.docx")) == "statement"
    import yaml

    for value in ("Agenda Item 1: “x”", "yes", "- a", "#1", "92<sup>nd</sup> Meeting",
                  "a: b", "'quoted'", "null", "1.0", "[x]", "2024-11-06"):
        assert yaml.safe_load(f"k: {yaml_scalar(value)}\n")["k"] == value or \
            str(yaml.compose(f"k: {yaml_scalar(value)}\n").value[0][1].value) == value
    assert yaml_scalar("92<sup>nd</sup> Joint FSC-PC Meeting") == \
        "92<sup>nd</sup> Joint FSC-PC Meeting"


def test_a_draft_that_is_not_one_is_an_error(tmp_path):
    bad = tmp_path / "draft.pdf"
    bad.write_bytes(b"%PDF-1.7")
    with pytest.raises(PublisherError):
        import_draft(Project(ROOT), ImportOptions(bad, output=tmp_path / "x.md"))


@pytest.mark.parametrize("text, language", [
    ("6. listopadu 2024", "cs"), ("6 marraskuuta 2024", "fi"), ("6 noiembrie 2024", "ro")])
def test_a_date_in_a_language_no_catalogue_has(text, language):
    """A language the project does not publish in is still a language CLDR knows."""
    found = _recognise("Permanent Mission of Ukraine", text,
                       "Statement by the Delegation of Ukraine", "Chairs,")
    assert found.fields["date"].value == "2024-11-06"
    assert found.fields["original"].value == language


def test_the_commands_for_translators_who_work_in_word(tmp_path, built):
    """export writes the bilingual table; import --translation reads it and a translated
    document back, naming the statement and counting what it did."""
    root = copy_project(tmp_path / "p")
    table = tmp_path / "uk.docx"
    done = publisher_cli("export", "--lang", "uk", "-o", str(table), cwd=root)
    assert done.returncode == 0 and table.is_file(), done.stderr
    back = publisher_cli("import", "--translation", "uk", str(table), cwd=root)
    assert back.returncode == 0, back.stderr
    assert "named by the bilingual table" in back.stderr
    assert " 0 fuzzy translation(s) imported, 29 kept as they were" in back.stderr
    po = root / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    po.write_text(po.read_text(encoding="utf-8").split("\n\n")[0] + "\n", encoding="utf-8")
    translated = publisher_cli("import", "--translation", "uk",
                               str(built / "fsc-pc-92-dprk.uk.docx"), cwd=root)
    assert translated.returncode == 0, translated.stderr
    assert "29 fuzzy translation(s) imported" in translated.stderr
    assert "the only statement in seeds/" in translated.stderr
    wrong = publisher_cli("import", "--translation", "uk", str(table), "seeds/x.md", cwd=root)
    assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1


def test_a_letterhead_in_the_word_page_header_is_read(tmp_path):
    """A letterhead template puts the mission's name (and here the date) in the first
    page's header: it is read for the masthead; its other lines are named, not used."""
    from docx import Document

    doc = Document()
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    head = section.first_page_header
    head.paragraphs[0].add_run("PERMANENT MISSION OF UKRAINE").bold = True
    for text in ("to the International Organizations in Vienna", "Tel. +43 1 000 00 00",
                 "Vienna, 6 November 2024"):
        head.add_paragraph(text)
    doc.add_paragraph("STATEMENT BY THE DELEGATION OF UKRAINE")
    doc.add_paragraph("Chairs,")
    doc.add_paragraph("Thank you.")
    draft = tmp_path / "letterhead.docx"
    doc.save(str(draft))
    root = copy_project(tmp_path / "p")
    done = publisher_cli("import", str(draft), cwd=root)
    assert done.returncode == 0, done.stderr
    assert 'mission: ua-osce-vienna  <- "PERMANENT MISSION OF UKRAINE / to the International ' \
           'Organizations in Vienna" (page header line 1)' in done.stderr
    assert 'date: 2024-11-06  <- "6 November 2024" (en_GB) (page header line 4)' in done.stderr
    assert 'warning: page header line 3: not a masthead line, not used: "Tel. +43 1 000 00 00"' \
        in done.stderr
    text = (root / "seeds" / "letterhead.md").read_text(encoding="utf-8")
    assert text.split("---\n")[2] == "Chairs,\n\nThank you.\n"
