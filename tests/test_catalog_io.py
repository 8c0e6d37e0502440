"""Translators' files through the project's commands: what their tools wrote survives."""

from __future__ import annotations

import os
import subprocess

from publisher.i18n.catalogs import read_catalog
from publisher.pipeline import Project, extract, update

from .conftest import copy_project, publisher_cli, publisher_clis, tool

UK = ("locales", "uk", "LC_MESSAGES", "fsc-pc-92-dprk.po")


def gettext(*args: str) -> None:
    """Run a GNU gettext program (its messages may be in the catalogue's charset)."""
    proc = subprocess.run([tool(args[0]), *args[1:]], capture_output=True, timeout=120,
                          env={"LC_ALL": "C", "PATH": os.environ["PATH"]})
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")


def test_a_file_saved_by_another_tool_gets_a_zero_diff_from_update(tmp_path):
    """Poedit's layout (width 79, X-* headers, its own header order) and Weblate's (no wrap)
    go through `update` byte for byte; a second update changes nothing either."""
    proj = Project(copy_project(tmp_path))
    po = tmp_path.joinpath(*UK)
    for option in ("--width=79", "--no-wrap"):
        gettext("msgcat", option, "-o", str(po), str(po))
        text = po.read_text(encoding="utf-8").replace(
            '"Language: uk\\n"\n', '"Language: uk\\n"\n"X-Generator: Poedit 3.4.4\\n"\n')
        po.write_text(text, encoding="utf-8")
        saved = po.read_bytes()
        update(proj)
        assert po.read_bytes() == saved, option
        update(proj)
        assert po.read_bytes() == saved, option


def test_statement_text_is_never_a_format_string(tmp_path):
    proj = Project(copy_project(tmp_path))
    seed = tmp_path / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "Chairs,\n", "Chairs,\n\nSpending rose to 1 % of GDP {in 2024}.\n", 1), encoding="utf-8")
    extract(proj)
    update(proj)
    pot = read_catalog(tmp_path / "locales" / "fsc-pc-92-dprk.pot")
    assert not [m.id for m in pot if m.flags], "statement text flagged as format strings"
    templates = read_catalog(tmp_path / "locales" / "templates.pot")
    assert "python-format" in templates.get("Page %(page)s of %(pages)s").flags


def test_a_windows_1252_catalogue_is_updated_in_its_charset(tmp_path):
    proj = Project(copy_project(tmp_path))
    po = tmp_path / "locales" / "fr" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    gettext("msgconv", "-t", "CP1252", "-o", str(po), str(po))
    before = po.read_bytes()
    assert b"charset=CP1252" in before
    update(proj)
    assert po.read_bytes() == before
    gettext("msgfmt", "--check", "-o", "/dev/null", str(po))


def test_a_duplicate_message_stops_update_and_check_before_anything_is_written(tmp_path):
    copy_project(tmp_path)
    po = tmp_path.joinpath(*UK)
    text = po.read_text(encoding="utf-8")
    po.write_text(text + '\nmsgid "Chairs,"\nmsgstr "Другий переклад"\n', encoding="utf-8")
    line = text.count("\n") + 2
    others = {p: p.read_bytes() for p in (tmp_path / "locales").rglob("*.po") if p != po}
    broken = po.read_bytes()
    commands = ("update", "check", "stats")  # none writes: all three at once
    procs = publisher_clis(*[(c,) for c in commands], cwd=tmp_path)
    for command, proc in zip(commands, procs, strict=True):
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        assert f"fsc-pc-92-dprk.po:{line}:" in proc.stdout + proc.stderr, command
        assert "duplicate message definition" in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
    assert po.read_bytes() == broken
    assert len(others) >= 20 and all(p.read_bytes() == data for p, data in others.items())


def test_msgmerge_files_with_previous_strings_of_obsolete_entries_build(tmp_path):
    """`#~|` and `#| msgctxt` (written by msgmerge) are read by build, stats and update."""
    copy_project(tmp_path)
    po = tmp_path.joinpath(*UK)
    po.write_text(po.read_text(encoding="utf-8") + (
        '\n#, fuzzy\n#~| msgctxt "title"\n#~| msgid "Old title"\n#~ msgid "Gone"\n'
        '#~ msgstr "Зникло"\n'), encoding="utf-8")
    for command in (("update",), ("stats",), ("build", "--lang", "uk", "--format", "html")):
        proc = publisher_cli(*command, cwd=tmp_path)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
    assert '#~| msgid "Old title"' in po.read_text(encoding="utf-8")
