"""Gettext domains and language tags: each mission profile has its own domain, optional
overrides are complete catalogue entries, and languages with a region or a script
(pt-BR, sr-Latn, zh-Hant, en-GB) work with gettext's folder names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from publisher.i18n import wording
from publisher.i18n.catalogs import read_catalog
from publisher.pipeline import Project, extract, stats, update

from .conftest import LANGS, ROOT, SAMPLE, copy_project, publisher_cli, publisher_clis, run, tool

TRANSLATED = [lang for lang in LANGS if lang != "en"]
UKRAINE = "mission.ua-osce-vienna"
SWEDEN_LINES = ("Permanent Mission of Sweden", "to the International Organizations in Vienna")


def body() -> str:
    return SAMPLE.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def add_statement(root: Path, slug: str, front: str, text: str | None = None) -> Path:
    path = root / "seeds" / f"{slug}.md"
    path.write_text(f"---\n{front}date: 2024-11-06\ntitle: A statement\noriginal: en\n---\n"
                    + (text if text is not None else body()), encoding="utf-8")
    return path


def add_sweden(root: Path) -> None:
    """A second mission whose second line is the same as Ukraine's, and its statement."""
    (root / "templates" / "missions" / "se-osce-vienna.yaml").write_text(
        "name:\n  - Permanent Mission of Sweden\n"
        "  - to the International Organizations in Vienna\nlanguages: [en, fr, sv]\n",
        encoding="utf-8")
    add_statement(root, "pc-1500-sweden", "mission: se-osce-vienna\nlanguages: [en, fr]\n",
                  "Thank you, Mr Chairperson.\n")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "locales").rglob("*")) if p.is_file()}


def msgfmt_counts(po: Path) -> dict[str, int]:
    proc = run(tool("msgfmt"), "--check", "--statistics", "-o", "/dev/null", str(po))
    return {kind: int(n) for n, kind in
            re.findall(r"(\d+) (translated|fuzzy|untranslated)", proc.stderr)}


# ---------------------------------------------------------------- A: a domain per mission

@pytest.fixture(scope="module")
def sweden(tmp_path_factory) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """The project with a second mission added, extracted and updated: (root, locales
    before, locales after)."""
    root = copy_project(tmp_path_factory.mktemp("sweden"))
    proj = Project(root)
    extract(proj)
    update(proj)
    before = snapshot(root)
    add_sweden(root)
    extract(proj)
    update(proj)
    return root, before, snapshot(root)


def test_adding_a_mission_changes_no_existing_catalogue(sweden):
    root, before, after = sweden
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == [
        "locales/fr/LC_MESSAGES/mission.se-osce-vienna.po",
        "locales/fr/LC_MESSAGES/pc-1500-sweden.po",
        "locales/mission.se-osce-vienna.pot",
        "locales/pc-1500-sweden.pot",
        "locales/sv/LC_MESSAGES/mission.se-osce-vienna.po",  # the profile's own languages
    ]
    templates = read_catalog(root / "locales" / "templates.pot")
    assert not any("Sweden" in m.id or "Ukraine" in m.id for m in templates if m.id)
    pot = read_catalog(root / "locales" / "mission.se-osce-vienna.pot")
    assert [m.id for m in pot if m.id] == list(SWEDEN_LINES)


def test_a_new_mission_catalogue_is_never_filled_from_another_mission(sweden):
    root = sweden[0]
    cat = read_catalog(root / "locales" / "fr" / "LC_MESSAGES" / "mission.se-osce-vienna.po")
    for line in SWEDEN_LINES:
        m = cat.get(line)
        assert m is not None and not m.string and not m.fuzzy, (line, m.string)


def test_each_edition_reads_and_counts_only_its_own_mission(sweden):
    root = sweden[0]
    proc = publisher_cli("build", "--strict", "--format", "html", str(SAMPLE.relative_to(ROOT)),
                         cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr
    html = (root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.fr.html").read_text("utf-8")
    assert "<span>Mission permanente de l’Ukraine</span>" in html
    proc = publisher_cli("build", "--format", "html", "seeds/pc-1500-sweden.md", cwd=root)
    assert proc.returncode == 0, proc.stderr
    warned = {w.split(":")[0] for w in proc.stderr.splitlines() if ": warning: " in w}
    assert warned == {"seeds/pc-1500-sweden.md",  # the statement's title, untranslated
                      "locales/fr/LC_MESSAGES/mission.se-osce-vienna.po"}, proc.stderr
    assert not re.search("Ukraine|templates.po", proc.stderr)
    rows = {(r.statement, r.lang): r.percent for r in stats(Project(root))}
    ukraine = {k: p for k, p in rows.items() if k[0] in ("fsc-pc-92-dprk", "templates", UKRAINE)}
    assert {k[0] for k in ukraine} == {"fsc-pc-92-dprk", "templates", UKRAINE}, rows
    assert all(p == 100.0 for p in ukraine.values()), rows
    assert {k for k in rows if k[0] == "mission.se-osce-vienna"} == {
        ("mission.se-osce-vienna", "fr")}
    assert rows[("mission.se-osce-vienna", "fr")] == 0.0
    assert {k for k in rows if k[0] == UKRAINE} == {(UKRAINE, lang) for lang in TRANSLATED}


def test_translation_memory_never_reads_a_mission_catalogue(tmp_path):
    copy_project(tmp_path)
    add_statement(tmp_path, "pc-1502-letterhead", "mission: ua-osce-vienna\nlanguages: [en, fr]\n",
                  "Permanent Mission of Ukraine\n\nThank you, Mr Chairperson.\n")
    proj = Project(tmp_path)
    extract(proj)
    update(proj)
    cat = read_catalog(tmp_path / "locales" / "fr" / "LC_MESSAGES" / "pc-1502-letterhead.po")
    assert not cat.get("Permanent Mission of Ukraine").string
    assert cat.get("Thank you, Mr Chairperson.").string  # the memory still works


def test_shipped_mission_lines_moved_to_their_own_catalogues():
    mission_ids = [m.id for m in read_catalog(ROOT / "locales" / f"{UKRAINE}.pot") if m.id]
    assert mission_ids == ["Permanent Mission of Ukraine",
                           "to the International Organizations in Vienna"]
    assert not set(mission_ids) & {m.id for m in read_catalog(ROOT / "locales" / "templates.pot")}
    for lang in TRANSLATED:
        folder = ROOT / "locales" / lang / "LC_MESSAGES"
        templates = (folder / "templates.po").read_text(encoding="utf-8")
        assert "Permanent Mission" not in templates and "International Organizations" \
            not in templates
        cat = read_catalog(folder / f"{UKRAINE}.po")
        for msgid in mission_ids:
            assert cat.get(msgid).string and not cat.get(msgid).fuzzy, (lang, msgid)


@pytest.mark.parametrize("command", ["extract", "build"])
def test_the_mission_prefix_is_reserved(tmp_path, command):
    copy_project(tmp_path)
    add_statement(tmp_path, "mission.ua-osce-vienna", "mission: ua-osce-vienna\n")
    proc = publisher_cli(command, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "seeds/mission.ua-osce-vienna.md: error: [statement] the statement's file name "
        "'mission.ua-osce-vienna' is not a valid name")
    assert not (tmp_path / "build").exists()


# ---------------------------------------------------------------- B: complete overrides

@pytest.mark.parametrize("lang", TRANSLATED)
def test_msgfmt_and_stats_agree_every_shipped_catalogue_is_complete(lang):
    folder = ROOT / "locales" / lang / "LC_MESSAGES"
    proc = publisher_cli("stats", "--json", "--lang", lang, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    rows = {r["statement"]: r for r in json.loads(proc.stdout)}
    assert set(rows) == {"fsc-pc-92-dprk", "templates", UKRAINE}
    for domain, row in rows.items():
        counts = msgfmt_counts(folder / f"{domain}.po")
        assert counts == {"translated": row["total"]}, (domain, counts)
        assert row["percent"] == 100.0 and row["translated"] == row["total"]


def test_update_fills_empty_overrides_with_the_defaults_and_keeps_real_ones(tmp_path):
    copy_project(tmp_path)
    de = tmp_path / "locales" / "de" / "LC_MESSAGES" / "templates.po"
    text = de.read_text(encoding="utf-8")
    text = re.sub(r'(msgctxt "date-format"\nmsgid "[^"]+"\n)msgstr "[^"]*"', r'\1msgstr ""', text)
    de.write_text(text, encoding="utf-8")
    assert msgfmt_counts(de)["untranslated"] == 2
    update(Project(tmp_path))
    assert set(msgfmt_counts(de)) == {"translated"}  # nothing left untranslated
    cat = read_catalog(de)
    assert cat.get("long date pattern", "date-format").string == "d. MMMM y"
    assert cat.get("day 1", "date-format").string == "1"
    assert any("CLDR" in c for c in cat.get("long date pattern", "date-format").auto_comments)
    folder = tmp_path / "locales"
    fr = read_catalog(folder / "fr" / "LC_MESSAGES" / "templates.po")
    assert fr.get("day 1", "date-format").string == "1er"
    assert fr.get("long date pattern", "date-format").string == "d MMMM y"
    ru = read_catalog(folder / "ru" / "LC_MESSAGES" / "templates.po")
    assert ru.get("long date pattern", "date-format").string == "d MMMM y 'года'"
    assert ru.get("day 1", "date-format").string == "1"


def test_an_override_equal_to_the_default_changes_nothing():
    key = {wording.DATE_PATTERN: "d MMMM y", wording.FIRST_DAY: "1"}
    assert wording.date_overrides(key, "fr") == (None, None)
    assert wording.date_overrides({wording.FIRST_DAY: "1er"}, "fr") == (None, "1er")
    assert wording.date_overrides({wording.DATE_PATTERN: "d MMMM y 'года'"}, "ru") == (
        "d MMMM y 'года'", None)


# ---------------------------------------------------------------- C: regions and scripts

@pytest.mark.parametrize("tag, normal, folder, babel", [
    ("pt-BR", "pt-BR", "pt_BR", "pt_BR"), ("pt_br", "pt-BR", "pt_BR", "pt_BR"),
    ("sr-Latn", "sr-Latn", "sr@latin", "sr_Latn"), ("sr@latin", "sr-Latn", "sr@latin", "sr_Latn"),
    ("sr_RS@latin", "sr-Latn-RS", "sr_RS@latin", "sr_Latn_RS"),
    ("zh-Hant", "zh-Hant", "zh_Hant", "zh_Hant"), ("en_GB", "en-GB", "en_GB", "en_GB"),
    ("uk", "uk", "uk", "uk"),
])
def test_language_tags(tag, normal, folder, babel):
    from publisher.i18n import languages

    assert languages.normalize(tag) == normal
    assert languages.folder(tag) == folder
    assert str(languages.babel_locale(tag)) == babel
    assert languages.normalize(languages.folder(tag)) == normal


@pytest.mark.parametrize("tag", ["", "e", "english", "pt-", "sr@cyrl", "pt--BR"])
def test_not_a_language_tag(tag):
    from publisher.i18n import languages

    with pytest.raises(ValueError):
        languages.normalize(tag)


def test_region_and_script_languages_end_to_end(tmp_path):
    copy_project(tmp_path)
    add_statement(tmp_path, "pc-1503-tags", "mission: ua-osce-vienna\n"
                  "languages: [en, pt-BR, sr-Latn]\n")
    for command in (["extract"], ["update"]):
        proc = publisher_cli(*command, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    for folder, header in (("pt_BR", "pt_BR"), ("sr@latin", "sr@latin")):
        for domain in ("pc-1503-tags", "templates", UKRAINE):
            po = tmp_path / "locales" / folder / "LC_MESSAGES" / f"{domain}.po"
            assert f'"Language: {header}\\n"' in po.read_text(encoding="utf-8")
            run(tool("msgfmt"), "--check", "-o", "/dev/null", str(po))
        dates = read_catalog(tmp_path / "locales" / folder / "LC_MESSAGES" / "templates.po")
        assert dates.get("long date pattern", "date-format").string
    assert not (tmp_path / "locales" / "pt-BR").exists()
    assert not (tmp_path / "locales" / "sr_Latn").exists()
    # The build, stats and check read the same files and write nothing the others read.
    proc, stats_proc, check_proc = publisher_clis(
        ("build", "--format", "html", "seeds/pc-1503-tags.md"), ("stats", "--json"),
        ("check", "--lang", "sr-Latn"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "build" / "pc-1503-tags"
    assert sorted(p.name for p in out.iterdir()) == [
        "pc-1503-tags.en.html", "pc-1503-tags.pt-BR.html", "pc-1503-tags.sr-Latn.html"]
    pt = (out / "pc-1503-tags.pt-BR.html").read_text(encoding="utf-8")
    assert 'lang="pt-BR"' in pt and ">6 de novembro de 2024</time>" in pt
    sr = (out / "pc-1503-tags.sr-Latn.html").read_text(encoding="utf-8")
    assert 'lang="sr-Latn' in sr and ">6. novembar 2024.</time>" in sr
    proc = publisher_cli("build", "--format", "html", "--lang", "pt_BR", "seeds/pc-1503-tags.md",
                         cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = {(r["statement"], r["lang"]) for r in json.loads(stats_proc.stdout)}
    assert {("pc-1503-tags", "pt-BR"), ("templates", "sr-Latn"), (UKRAINE, "sr-Latn")} <= rows
    proc = check_proc
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[header]" not in proc.stdout
    assert "locales/sr@latin/LC_MESSAGES/pc-1503-tags.po" in proc.stdout  # untranslated


def test_two_spellings_of_one_language_are_an_error(tmp_path):
    copy_project(tmp_path)
    add_statement(tmp_path, "pc-1504-twice", "mission: ua-osce-vienna\n"
                  "languages: [en, fr_FR, fr-FR]\n")
    proc = publisher_cli("build", "--format", "html", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "seeds/pc-1504-twice.md:3: error: [statement] 'fr_FR' and 'fr-FR' are one language (fr-FR), "
        "listed twice in 'languages'")
    assert not (tmp_path / "build").exists()
