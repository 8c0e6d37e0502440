"""A translator's week: the statement changes, catalogues follow, no work is lost,
a second statement starts partly translated, and QA catches broken translations."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from publisher.i18n.catalogs import read_catalog
from publisher.pipeline import Project, extract, stats, update

from .conftest import LANGS, ROOT, copy_project, publisher_cli, publisher_clis, run, tool

TRANSLATED = [lang for lang in LANGS if lang != "en"]
FIXTURE = Path(__file__).parent / "fixtures" / "pc-1501-example.md"


def translations(po: Path) -> list[str]:
    """Every translation a catalogue holds, active and obsolete."""
    cat = read_catalog(po)
    return sorted([str(m.string) for m in cat if m.id and m.string] +
                  [str(m.string) for m in cat.obsolete if m.string])


# ---------------------------------------------------------------- shipped catalogues

@pytest.mark.parametrize("domain", ["fsc-pc-92-dprk", "templates", "mission.ua-osce-vienna"])
@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_language_is_complete(lang, domain):
    po = ROOT / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"
    proc = run(tool("msgfmt"), "--check", "--statistics", "-o", "/dev/null", str(po))
    cat = read_catalog(po)
    # Only the optional date-format overrides may stay empty (they default to CLDR).
    optional_empty = sum(1 for m in cat if m.id and m.context == "date-format" and not m.string)
    expected = r"\d+ translated messages?" + (
        f", {optional_empty} untranslated messages?" if optional_empty else "") + r"\."
    assert re.fullmatch(expected, proc.stderr.strip()), proc.stderr
    for m in cat:
        if m.id and m.context != "date-format":
            assert m.string and not m.fuzzy, m.id


TYPOGRAPHY = {
    # language: (thousands as written, quotation marks that must appear, forbidden)
    "uk": ("12\u00a0000", ["«", "»"], ["12,000", "“"]),
    "fr": ("12\u00a0000", ["«\u00a0", "\u00a0»"], ["12,000", "“"]),
    "de": ("12.000", ["„", "“"], ["12,000", "«"]),
    "it": ("12.000", ["«", "»"], ["12,000", "“The"]),
    "ru": ("12\u00a0000", ["«", "»"], ["12,000", "“"]),
    "es": ("12.000", ["«", "»"], ["12,000", "“The"]),
    "ar": ("12,000", ["«", "»", "،"], ["“"]),
}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_typography_per_language(lang):
    cat = read_catalog(ROOT / "locales" / lang / "LC_MESSAGES" / "fsc-pc-92-dprk.po")
    text = "\n".join(str(m.string) for m in cat if m.id)
    thousands, must, never = TYPOGRAPHY[lang]
    assert thousands in text
    for mark in must:
        assert mark in text, mark
    for mark in never:
        assert mark not in text, mark
    for number in ("1718", "1874", "2270", "2022", "2024", "500"):
        assert number in text
    if lang == "fr":  # no-break space before high punctuation
        assert not re.search(r"[^\u00a0\u202f][:;!?](\s|$)", text.replace("http:", ""))


def test_shipped_catalogues_pass_check():
    proc, strict = publisher_clis(("check",), ("check", "--strict"), cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.strip() == "0 error(s), 0 warning(s)" and proc.stdout == ""
    # German, Russian and Arabic write the ordinal without a superscript, on purpose:
    # their translators switched that one check off for that one message, with a reason.
    assert strict.returncode == 0, strict.stdout


def test_a_translator_can_switch_off_one_check_for_one_message(tmp_path):
    copy_project(tmp_path)
    po = tmp_path / "locales" / "de" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    text = po.read_text(encoding="utf-8")
    assert "# check: ignore superscript" in text
    po.write_text(text.replace("# check: ignore superscript", "# check: ignore numbers"),
                  encoding="utf-8")
    proc = publisher_cli("check", "--lang", "de", cwd=tmp_path)
    assert "warning: [superscript] superscript/subscript differ" in proc.stdout
    update(Project(tmp_path))  # the comment survives an update
    assert "# check: ignore numbers" in po.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the week

def test_a_week_of_edits_loses_no_translation(tmp_path):
    proj = Project(copy_project(tmp_path))
    seed = tmp_path / "seeds" / "fsc-pc-92-dprk.md"
    pos = {lang: tmp_path / "locales" / lang / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
           for lang in TRANSLATED}
    before = {lang: translations(po) for lang, po in pos.items()}

    text = seed.read_text(encoding="utf-8")
    changed_old = ("Moreover, Russia's military cooperation with the DPRK contravenes numerous "
                   "UN Security Council resolutions")
    changed_new = ("Moreover, Russia's military cooperation with the DPRK flagrantly contravenes "
                   "numerous UN Security Council resolutions")
    deleted = ("We find it particularly telling that when the Kremlin spokesperson Dmitry Peskov "
               "was asked whether the Russian Federation was aiding North Korea in developing "
               "missile and other military technology, he simply evaded the answer.")
    added = "We call on all participating States to speak with one voice."
    assert changed_old in text and deleted in text
    text = text.replace(changed_old, changed_new).replace(deleted + "\n\n", "")
    text = text.replace("Thank you, Mr Chairperson.", added + "\n\nThank you, Mr Chairperson.")
    seed.write_text(text, encoding="utf-8")

    assert {c.action for c in extract(proj)} == {"updated", "unchanged"}
    update(proj)
    for lang, po in pos.items():
        cat = read_catalog(po)
        new_id = next(m.id for m in cat if m.id and "flagrantly" in m.id)
        fuzzy = cat.get(new_id)
        assert fuzzy.fuzzy and fuzzy.string, lang
        assert fuzzy.previous_id and "flagrantly" not in fuzzy.previous_id
        gone = {m.id: m for m in cat.obsolete}
        assert deleted in gone and gone[deleted].string
        assert cat.get(added) is not None and not cat.get(added).string
        after = translations(po)
        assert set(before[lang]) <= set(after), f"{lang}: a translation was lost"
        assert len(after) == len(before[lang])
        run(tool("msgfmt"), "--check", "-o", "/dev/null", str(po))
        text = po.read_text(encoding="utf-8")
        assert "#| msgid" in text and "#~ msgid" in text

    # The build publishes the fuzzy and the new paragraph in English and says so.
    proc = publisher_cli("build", "--format", "html", "--lang", "fr", cwd=tmp_path)
    assert proc.returncode == 0
    assert "fuzzy translation of 'Moreover, Russia's military" in proc.stderr
    assert "untranslated message 'We call on all participating" in proc.stderr
    # Nothing changes when run again, and no file is rewritten.
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "locales").rglob("*.po*")}
    assert {c.action for c in extract(proj)} == {"unchanged"}
    assert {c.action for c in update(proj)} == {"unchanged"}
    assert stamps == {p: p.stat().st_mtime_ns for p in (tmp_path / "locales").rglob("*.po*")}


def test_translation_memory_gives_a_second_statement_a_head_start(tmp_path):
    proj = Project(copy_project(tmp_path))
    shutil.copy(FIXTURE, tmp_path / "seeds" / FIXTURE.name)
    extract(proj)
    changes = {c.path: c.action for c in update(proj)}
    for lang in TRANSLATED:
        po = tmp_path / "locales" / lang / "LC_MESSAGES" / "pc-1501-example.po"
        assert changes[po] == "created"
        cat = read_catalog(po)
        first = read_catalog(tmp_path / "locales" / lang / "LC_MESSAGES" / "fsc-pc-92-dprk.po")
        for formula in ("Chairs,", "Distinguished colleagues,", "Thank you, Mr Chairperson.",
                        "Statement by the Delegation of Ukraine"):
            m = cat.get(formula) or cat.get(formula, "title")
            ref = first.get(formula) or first.get(formula, "title")
            assert m.string == ref.string and not m.fuzzy, (lang, formula)
            assert any("exact match in locales/" in c for c in m.user_comments)
        close = next(m for m in cat if m.id and m.id.startswith("North Korea's involvement"))
        assert close.fuzzy and close.string
        assert close.previous_id.endswith("the Helsinki Final Act.")
        assert any(re.search(r"translation memory: \d+% match in locales/", c)
                   for c in close.user_comments)
        assert not cat.get("The Special Monitoring Mission reported 1,200 ceasefire violations "
                           "in a single week.").string
        run(tool("msgfmt"), "--check", "-o", "/dev/null", str(po))
    rows = {(r.statement, r.lang): r for r in stats(proj)}
    second = rows[("pc-1501-example", "uk")]
    assert (second.total, second.translated, second.fuzzy, second.untranslated) == (7, 4, 1, 2)
    assert 0 < second.percent < 100


# ---------------------------------------------------------------- check on broken fixtures

def break_catalog(path: Path, replacements: list[tuple[str, str]]) -> dict[str, int]:
    """Apply replacements to msgstr lines; return the line of each broken message."""
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    cat = read_catalog(path)
    return {str(m.id): m.lineno for m in cat if m.id}


def test_check_finds_deliberately_broken_translations(tmp_path):
    copy_project(tmp_path)
    fr = tmp_path / "locales" / "fr" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    text = fr.read_text(encoding="utf-8")
    ids = read_catalog(fr)
    twelve = next(m for m in ids if m.id and "12,000" in m.id)
    assert "12\u00a0000" in str(twelve.string)
    lines = break_catalog(fr, [
        ("12\u00a0000", "13\u00a0000"),                       # a changed number
        ("1718, 1874 et 2270", "1718, 1847 et 2270"),           # a changed resolution number
        ('msgstr "Messieurs les Présidents,"', 'msgstr " Messieurs les Présidents,"'),
    ])
    de = tmp_path / "locales" / "de" / "LC_MESSAGES" / "templates.po"
    break_catalog(de, [('"Language: de\\n"', '"Language: fr\\n"'),
                       ('msgstr "Seite %(page)s von %(pages)s"', 'msgstr "Seite %(page)s"')])
    it = tmp_path / "locales" / "it" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    break_catalog(it, [("«", "(«")])
    # A translation that drops the bold of its source.
    seed = tmp_path / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "Distinguished colleagues,", "**Distinguished colleagues,**"), encoding="utf-8")
    proj = Project(tmp_path)
    extract(proj)
    update(proj)
    es = tmp_path / "locales" / "es" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    cat_es = read_catalog(es)
    bold = cat_es.get("**Distinguished colleagues,**")
    assert bold.fuzzy  # the update kept the old translation as a guess
    text = es.read_text(encoding="utf-8")
    es.write_text(text.replace('#, fuzzy\n#| msgid "Distinguished colleagues,"\n', ""),
                  encoding="utf-8")

    proc, fr_only = publisher_clis(("check",), ("check", "--json", "--lang", "fr"), cwd=tmp_path)
    assert proc.returncode == 1
    out = proc.stdout
    fr_rel = "locales/fr/LC_MESSAGES/fsc-pc-92-dprk.po"
    msg12 = next(k for k in lines if "12,000" in k)
    assert f"{fr_rel}:{lines[msg12]}: error: [numbers] number(s) of the source missing or changed in " \
           "the translation: 12000" in out
    assert re.search(rf"{fr_rel}:\d+: error: \[numbers\] number\(s\) of the source missing or changed "
                     r"in the translation: 1874\n", out)
    assert f"{fr_rel}:{lines['Chairs,']}: error: [whitespace] leading whitespace differs" in out
    assert re.search(r"locales/de/LC_MESSAGES/templates\.po:\d+: error: \[header\] Language header says "
                     r"'fr' but the catalogue is in the 'de' folder", out)
    assert re.search(r"locales/de/LC_MESSAGES/templates\.po:\d+: error: \[placeholders\] placeholders "
                     r"differ: source %\(page\)s, %\(pages\)s, translation %\(page\)s", out)
    assert re.search(r"locales/it/LC_MESSAGES/fsc-pc-92-dprk\.po:\d+: error: \[brackets\] '\(' is never "
                     r"closed", out)
    assert re.search(r"locales/es/LC_MESSAGES/fsc-pc-92-dprk\.po:\d+: error: \[markup\] inline markup "
                     r"differs from the source: source has bold, translation has none", out)

    proc = fr_only
    problems = json.loads(proc.stdout)
    assert proc.returncode == 1
    # French also still has the fuzzy guess without bold (checked too, before review).
    assert {p["code"] for p in problems if p["severity"] == "error"} == {"numbers", "whitespace",
                                                                          "markup"}
    assert all(p["file"] == fr_rel for p in problems)


def test_check_reports_a_po_that_does_not_parse(tmp_path):
    copy_project(tmp_path)
    po = tmp_path / "locales" / "ru" / "LC_MESSAGES" / "templates.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Другие языки"',
                                                         'msgstr "Другие языки'), encoding="utf-8")
    proc = publisher_cli("check", cwd=tmp_path)
    assert proc.returncode == 1
    assert re.search(r"^locales/ru/LC_MESSAGES/templates\.po:\d+: error: \[syntax\] cannot parse "
                     r"catalogue: unterminated string$", proc.stdout, re.M)


def test_check_strict_fails_on_fuzzy(tmp_path):
    copy_project(tmp_path)
    po = tmp_path / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "Chairs,"', '#, fuzzy\nmsgid "Chairs,"', 1),
                  encoding="utf-8")
    lenient, proc = publisher_clis(("check",), ("check", "--strict"), cwd=tmp_path)
    assert lenient.returncode == 0
    assert proc.returncode == 1 and "warning: [fuzzy] fuzzy translation of 'Chairs,'" in proc.stdout


# ---------------------------------------------------------------- stats and review

def test_stats_table_and_json(tmp_path):
    copy_project(tmp_path)
    po = tmp_path / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    po.write_text(re.sub(r'(msgid "Thank you, Mr Chairperson."\nmsgstr )"[^"]*"', r'\1""',
                         po.read_text(encoding="utf-8")), encoding="utf-8")
    proc, as_json = publisher_clis(("stats",), ("stats", "--json", "--lang", "uk"), cwd=tmp_path)
    assert proc.returncode == 0
    assert re.search(r"^fsc-pc-92-dprk\s+uk\s+28\s+0\s+1\s+1101/1105\s+97%$", proc.stdout, re.M)
    assert re.search(r"^fsc-pc-92-dprk\s+fr\s+29\s+0\s+0\s+1105/1105\s+100%$", proc.stdout, re.M)
    data = json.loads(as_json.stdout)
    assert {(d["statement"], d["lang"]) for d in data} == {
        ("fsc-pc-92-dprk", "uk"), ("templates", "uk"), ("mission.ua-osce-vienna", "uk")}
    row = next(d for d in data if d["statement"] == "fsc-pc-92-dprk")
    assert (row["translated"], row["untranslated"], row["untranslated_words"]) == (28, 1, 4)


def test_review_copy_marks_fuzzy_and_untranslated(review_copy, nu_problems):
    # conftest's review_copy: "Chairs," made fuzzy, "Thank you, Mr Chairperson." emptied.
    html_path, pdf_path = review_copy
    html = html_path.read_text(encoding="utf-8")
    assert html_path.name == "fsc-pc-92-dprk.uk.review.html"
    assert html.count('<tr class="fuzzy">') == 2  # "Chairs," is said twice
    assert html.count('<tr class="untranslated">') == 1
    assert html.count('<tr class="translated">') == 27
    assert "Шановні Голови," in html  # the fuzzy guess is shown, marked as pending
    assert nu_problems[html_path] == [], "\n".join(nu_problems[html_path])  # valid HTML
    pdf_text = run(tool("pdftotext"), str(pdf_path), "-").stdout
    assert "Thank you, Mr Chairperson." in pdf_text and "untranslated" in pdf_text
    assert "Шановні Голови" in pdf_text


def test_review_needs_a_translation(tmp_path):
    copy_project(tmp_path)
    proc = publisher_cli("review", "en", cwd=tmp_path)
    assert proc.returncode == 1 and "no statement is translated into 'en'" in proc.stderr


@pytest.mark.parametrize("command", [["stats"], ["check"], ["stats", "--json"]])
def test_stats_and_check_never_import_the_pdf_engine(command):
    code = ("import sys\nfrom publisher.cli import main\n"
            f"try:\n    main({command!r})\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('weasyprint', 'docx') if m in sys.modules))\n")
    proc = run(__import__("sys").executable, "-c", code, cwd=ROOT)
    assert "HEAVY []" in proc.stdout
