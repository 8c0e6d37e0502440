"""The project's own rules: where a statement's languages come from, when a cached
summary is stale, one registry of formats, and the template wording as data."""

from __future__ import annotations

import json

from publisher.matrix import CACHE
from publisher.pipeline import Project, read_statements

from .conftest import copy_project, publisher_cli


def statement(root, front: str) -> None:
    (root / "seeds" / "fsc-pc-92-dprk.md").unlink()
    (root / "seeds" / "short.md").write_text(
        f"---\nmission: ua-osce-vienna\ndate: 2024-11-06\ntitle: A statement\noriginal: uk\n"
        f"{front}---\nChairs,\n", encoding="utf-8")


def test_a_statement_without_languages_takes_its_missions(tmp_path):
    root = copy_project(tmp_path)
    statement(root, "")
    st = read_statements(Project(root))[0]
    assert st.meta.languages == ("uk", "en", "fr", "de", "it", "ru", "es", "ar")  # original first


def test_a_statement_with_languages_keeps_them(tmp_path):
    root = copy_project(tmp_path)
    statement(root, "languages: [uk, en]\n")
    assert read_statements(Project(root))[0].meta.languages == ("uk", "en")


def test_a_profile_without_languages_publishes_the_original_only(tmp_path):
    root = copy_project(tmp_path)
    statement(root, "")
    profile = root / "templates" / "missions" / "ua-osce-vienna.yaml"
    profile.write_text(profile.read_text("utf-8").replace(
        "languages: [en, uk, fr, de, it, ru, es, ar]\n", ""), "utf-8")
    assert read_statements(Project(root))[0].meta.languages == ("uk",)


def test_changing_the_profiles_languages_changes_a_cached_build(tmp_path):
    """The build keeps a summary of each statement; it is stale when the profile changes."""
    root = copy_project(tmp_path)
    statement(root, "")
    profile = root / "templates" / "missions" / "ua-osce-vienna.yaml"
    profile.write_text(profile.read_text("utf-8").replace(
        "languages: [en, uk, fr, de, it, ru, es, ar]", "languages: [uk, en]"), "utf-8")
    proc = publisher_cli("build", "--format", "html", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (root / "build" / "short").iterdir()) == [
        "short.en.html", "short.uk.html"]
    profile.write_text(profile.read_text("utf-8").replace(
        "languages: [uk, en]", "languages: [uk, en, fr]"), "utf-8")
    proc = publisher_cli("build", "--format", "html", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / "build" / "short" / "short.fr.html").is_file()
    cache = json.loads((root / "build" / CACHE).read_text("utf-8"))
    assert next(iter(cache["statements"].values()))["languages"] == ["uk", "en", "fr"]


def test_the_cli_offers_the_writers_formats_and_variants():
    from click.testing import CliRunner

    from publisher.cli import main
    from publisher.writers import FORMATS, PDF_VARIANTS, REGISTRY

    assert FORMATS == tuple(REGISTRY) and PDF_VARIANTS == REGISTRY["pdf"].variants
    help_text = CliRunner().invoke(main, ["build", "--help"]).output
    assert ", ".join(FORMATS) in help_text
    assert "[pdf/ua-1|pdf/a-3b]" in help_text


def test_the_template_wording_is_data_not_source():
    """Marked strings are recorded with their notes; extraction reads the record."""
    from publisher.i18n import wording
    from publisher.i18n.catalogs import templates_template
    from publisher.project import Project as P

    from .conftest import ROOT

    ids = [(m.msgid, m.context) for m in wording.MESSAGES]
    assert (wording.PAGE, None) in ids and ("long date pattern", "date-format") in ids
    cat = templates_template(P(ROOT).templates, ROOT)
    page = cat.get(wording.PAGE)
    assert page is not None and page.auto_comments == [
        "TRANSLATORS: page footer; keep both placeholders."]
    assert page.locations[0][0] == "publisher/i18n/wording.py"
