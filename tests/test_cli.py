"""The command line as a user meets it: exit codes, one-line errors, nothing half-written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from publisher import __version__

from .conftest import LANGS, ROOT, copy_project, publisher_cli, publisher_clis


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert re.fullmatch(pattern, lines[0]), lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["extract", "--help"],
                                  ["update", "--help"]])
def test_help(args, proj):
    proc = publisher_cli(*args, cwd=proj)
    assert proc.returncode == 0
    assert "Exit codes: 0 success, 1 errors found, 2 usage error." in proc.stdout
    if args != ["--help"]:
        assert "Example" in proc.stdout


@pytest.mark.parametrize("argv", [["--help"], ["build", "--help"], ["--version"]])
def test_help_never_imports_the_heavy_engines(argv):
    code = (
        "import sys\n"
        "from publisher.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('weasyprint', 'docx', 'babel', 'jinja2', 'markdown_it')"
        " if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "HEAVY []" in proc.stdout, proc.stdout


def test_bad_front_matter_stops_before_writing(proj):
    seed = proj / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("original: en\n",
                                                             "original: en\ncolour: blue\n"))
    proc = publisher_cli("build", cwd=proj)
    assert_one_line_error(proc, r"seeds/fsc-pc-92-dprk\.md:9: error: \[statement\] unknown front-matter "
                                r"key 'colour' \(known: .*\)")
    assert not (proj / "build").exists()


@pytest.mark.parametrize("old, new, pattern", [
    ("languages: [en, uk,", "languages: [en, ukr,",
     r"seeds/fsc-pc-92-dprk\.md:9: error: \[statement\] unknown language code 'ukr'.*"),
    ("date: 2024-11-06", "date: 2024-11-31",
     r"seeds/fsc-pc-92-dprk\.md:4: error: \[statement\] '2024-11-31' is not a valid date.*"),
    ("Chairs,\n\nFirst", "Chairs,\n\n<iframe src=x></iframe>\n\nFirst",
     r"seeds/fsc-pc-92-dprk\.md:13: error: \[statement\] raw HTML block '<iframe src=x></iframe>' is not "
     r"allowed.*"),
    ("mission: ua-osce-vienna", "mission: xx-nowhere",
     r"seeds/fsc-pc-92-dprk\.md:3: error: \[statement\] unknown mission 'xx-nowhere': no profile at "
     r"templates/missions/xx-nowhere\.yaml"),
])
def test_bad_input_one_line_error(proj, old, new, pattern):
    seed = proj / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert_one_line_error(publisher_cli("build", cwd=proj), pattern)
    assert not (proj / "build").exists()


def test_usage_errors_exit_2(proj):
    proc, no_option, no_command = publisher_clis(
        ("build", "--format", "rtf"), ("build", "--no-such-option"), ("frobnicate",), cwd=proj)
    assert proc.returncode == 2 and "unknown format rtf" in proc.stderr
    assert no_option.returncode == 2
    assert no_command.returncode == 2


def test_unknown_language_option(proj):
    proc = publisher_cli("build", "--lang", "pt", cwd=proj)
    assert_one_line_error(proc, r"error: \[input\] no statement is published in pt \(languages: ar, de, "
                                r"en, es, fr, it, ru, uk\)")


def test_missing_template_is_an_error(proj):
    (proj / "templates" / "statement.html").unlink()
    proc = publisher_cli("build", "--format", "html", cwd=proj)
    assert_one_line_error(proc, r"templates: error: \[template\] template 'statement.html' not found")


def test_po_syntax_error_is_located(proj):
    po = proj / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    text = po.read_text(encoding="utf-8").replace('msgid "Chairs,"', 'msgid "Chairs,')
    po.write_text(text, encoding="utf-8")
    line = text.splitlines().index('msgid "Chairs,') + 1
    before = po.read_bytes()
    proc, updated = publisher_clis(("build",), ("update",), cwd=proj)  # neither writes it
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if "error" in ln]
    assert len(errors) == 1, proc.stderr
    assert re.fullmatch(rf"locales/uk/LC_MESSAGES/fsc-pc-92-dprk\.po:{line}: error: "
                        r"\[catalogue\] cannot parse catalogue: unterminated string", errors[0])
    # Only the Ukrainian edition fails; the other languages are built.
    built = sorted(p.name for p in (proj / "build" / "fsc-pc-92-dprk").iterdir())
    assert len(built) == 21 and not [name for name in built if ".uk." in name]
    assert updated.returncode == 1
    assert po.read_bytes() == before


def _untranslate(po: Path, msgid: str) -> None:
    text = po.read_text(encoding="utf-8")
    text = re.sub(rf'(msgid "{re.escape(msgid)}"\nmsgstr )"[^\n]*"', r'\1""', text)
    po.write_text(text, encoding="utf-8")


def test_missing_translation_warns_and_strict_fails(proj):
    po = proj / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    _untranslate(po, "Thank you, Mr Chairperson.")
    out = proj / "strict-out"
    proc, strict_built = publisher_clis(("build", "--format", "html"),
                                        ("build", "--strict", "--output-dir", str(out)), cwd=proj)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"seeds/fsc-pc-92-dprk\.md:63: warning: \[untranslated\] uk: untranslated message "
                     r"'Thank you, Mr Chairperson\.'; using the source text", proc.stderr)
    html = (proj / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.uk.html").read_text()
    assert "<p>Thank you, Mr Chairperson.</p>" in html
    assert "Шановні Голови," in html

    proc = strict_built
    assert proc.returncode == 1
    assert "1 warning(s) and --strict: nothing was built" in proc.stderr
    assert not out.exists()


def test_missing_catalogue_warns(proj):
    (proj / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po").unlink()
    proc = publisher_cli("build", "--format", "html", "--lang", "uk", cwd=proj)
    assert proc.returncode == 0
    assert ("locales/uk/LC_MESSAGES/fsc-pc-92-dprk.po: warning: [no-catalogue] uk: no catalogue"
            in proc.stderr and "publisher update" in proc.stderr)


def test_hostile_translation_stays_inert(proj):
    po = proj / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Шановні Голови,"', 'msgstr "{{ 7*7 }} {% raw %} &amp; Голови,"')
    text = text.replace('msgstr "Дякую, пане Голово."',
                        'msgstr "<script>alert(1)</script> Дякую."')
    po.write_text(text, encoding="utf-8")
    proc = publisher_cli("build", "--format", "html,pdf", "--lang", "uk", cwd=proj)
    assert proc.returncode == 0, proc.stderr
    assert "raw HTML '<script>' is not allowed (only <sup> and <sub>); using the source text" \
        in proc.stderr
    html = (proj / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.uk.html").read_text()
    assert '<p class="lead-in">{{ 7*7 }} {% raw %} &amp; Голови,</p>' in html  # Markdown entity, escaped once
    page = re.sub(r"<style>.*?</style>", "", html, flags=re.S)  # embedded fonts are base64
    assert "<script" not in page and "49" not in page
    assert "<p>Thank you, Mr Chairperson.</p>" in html


def test_extract_and_update_report_unchanged_on_a_clean_tree(proj):
    proc = publisher_cli("extract", cwd=proj)
    assert proc.returncode == 0 and proc.stdout.split() == [
        "unchanged", "locales/fsc-pc-92-dprk.pot", "unchanged", "locales/templates.pot",
        "unchanged", "locales/mission.ua-osce-vienna.pot"]
    proc = publisher_cli("update", cwd=proj)
    assert proc.returncode == 0 and set(proc.stdout.split()[::2]) == {"unchanged"}


def test_build_names_files_by_statement_and_language(matrix_build):
    # The session's one full build by the command line (conftest: `publisher -v build`).
    proc, proj = matrix_build.proc, matrix_build.root
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (proj / "build" / "fsc-pc-92-dprk").iterdir())
    assert names == sorted(f"fsc-pc-92-dprk.{lang}.{fmt}" for lang in LANGS
                           for fmt in ("docx", "html", "pdf"))
    assert f"built {len(LANGS) * 3} file(s)" in proc.stderr
    assert not list((proj / "build").rglob("*.tmp"))


def test_public_api_is_small_and_lazy():
    code = ("import sys, publisher\n"
            "assert 'publisher.pipeline' not in sys.modules\n"
            "from publisher import Project, BuildOptions, build, read_statement, PublisherError\n"
            "print(sorted(publisher.__all__))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "'build'" in proc.stdout and "'read_statement'" in proc.stdout


def test_the_installed_command_imports_the_entry_point_alone(proj):
    """`make install` replaces pip's console script (which imports re, 3 ms, before the
    command starts) with one that imports only the entry point; it runs as
    ``python -m publisher`` does."""
    import ast

    script = Path(sys.executable).parent / "publisher"
    text = script.read_text(encoding="utf-8")
    shebang, _, body = text.partition("\n")
    assert shebang == f"#!{Path(sys.executable).parent}/python"
    imports = [ast.unparse(n) for n in ast.walk(ast.parse(body))
               if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert imports == ["from publisher.__main__ import main"]
    env = {**os.environ, "PUBLISHER_SERVER": "off"}
    ran = subprocess.run([str(script), "--version"], cwd=proj, env=env, capture_output=True,
                         text=True, timeout=120)
    module = subprocess.run([sys.executable, "-m", "publisher", "--version"], cwd=proj,
                            env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == module.returncode == 0
    assert ran.stdout == module.stdout == f"publisher, version {__version__}\n"
