"""A translator's wording is data, never code: placeholders and date patterns that do not
work are errors in `check`, fall back with a warning at build (errors under --strict), and
never give a traceback. `build --strict` runs the same checks as `check`; an ignore comment
must say why."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, copy_project, publisher_cli, publisher_clis

FR_TEMPLATES = "locales/fr/LC_MESSAGES/templates.po"
FR_STATEMENT = "locales/fr/LC_MESSAGES/fsc-pc-92-dprk.po"
DE_STATEMENT = "locales/de/LC_MESSAGES/fsc-pc-92-dprk.po"
OUT = "build/fsc-pc-92-dprk/fsc-pc-92-dprk.fr.html"


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def set_msgstr(proj: Path, rel: str, msgid: str, msgstr: str) -> None:
    """Replace the one-line msgstr of ``msgid`` (the .po file escapes are the caller's)."""
    po = proj / rel
    text = po.read_text(encoding="utf-8")
    new, n = re.subn(rf'(msgid "{re.escape(msgid)}"\nmsgstr )"[^\n]*"',
                     lambda m: f'{m.group(1)}"{msgstr}"', text)
    assert n == 1, msgid
    po.write_text(new, encoding="utf-8")


def entry_lines(proj: Path, rel: str, msgid: str) -> set[int]:
    """Every line of the entry of ``msgid`` (comments to msgstr): where it may be reported."""
    lines = (proj / rel).read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line == f'msgid "{msgid}"')
    first = at
    while first > 0 and lines[first - 1].strip():
        first -= 1
    return set(range(first + 1, at + 3))


def reported_line(output: str, rel: str, pattern: str) -> int:
    # A check's problems read "error: [code] ..."; ``pattern`` may start at the code.
    m = re.search(rf"^{re.escape(rel)}:(\d+): (?:(?:error|warning): (?=\[))?{pattern}",
                  output, re.M)
    assert m, output
    return int(m.group(1))


def assert_no_traceback(proc) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


def assert_refused_as_data(proj: Path, msgid: str, translation: str, check: str,
                           warning: str, strict: str) -> None:
    """A French template translation that does not work: `check` reports it (``check``)
    as an error at its entry; the build warns there (``warning``) and falls back; `build
    --strict` fails there (``strict``) and writes nothing. Never a traceback."""
    set_msgstr(proj, FR_TEMPLATES, msgid, translation)
    entry = entry_lines(proj, FR_TEMPLATES, msgid)
    out = proj / "strict-out"
    # Three independent commands over the same files, run at once.
    checked, built, strict_built = publisher_clis(
        ("check", "--lang", "fr"), ("build", "--format", "html", "--lang", "fr"),
        ("build", "--strict", "--format", "html", "--lang", "fr", "--output-dir", str(out)),
        cwd=proj)

    proc = checked
    assert proc.returncode == 1
    assert_no_traceback(proc)
    assert reported_line(proc.stdout, FR_TEMPLATES, check) in entry

    proc = built
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    assert reported_line(proc.stderr, FR_TEMPLATES, warning) in entry

    proc = strict_built
    assert proc.returncode == 1
    assert_no_traceback(proc)
    assert reported_line(proc.stderr, FR_TEMPLATES, strict) in entry
    assert not out.exists()


def masthead(proj: Path) -> tuple[str, str]:
    """(date, original-language line) of the French HTML edition."""
    page = (proj / OUT).read_text(encoding="utf-8")
    date = re.search(r'<time datetime="[^"]+">([^<]*)</time>', page)
    original = re.search(r">(Original[^<]*)<", page)
    assert date and original
    return html.unescape(date.group(1)), html.unescape(original.group(1))


# ---------------------------------------------------------------- 1. placeholders

@pytest.mark.parametrize("translation, problem", [
    ("Original : %(lang)s", r"placeholders differ: source %\(language\)s, translation %\(lang\)s"),
    ("Original : %d", r"placeholders differ: source %\(language\)s, translation %d"),
    ("Original : 100%", r"a lone '%' in the translation"),
    ("Original : 100% %(language)s", r"a lone '%' in the translation"),
    ("Original : 100% sur %(language)s", r"placeholders differ: .*% s \(write '%%' for a "
                                         r"percent sign\)"),
])
def test_a_bad_placeholder_is_a_check_error_and_falls_back_at_build(proj, translation, problem):
    assert_refused_as_data(
        proj, "Original: %(language)s", translation,
        check=rf"\[placeholders\] {problem}",
        warning=(rf"warning: \[invalid\] fr: template message 'Original: %\(language\)s': "
                 rf"{problem}.*; using the source text$"),
        strict=r"error: \[placeholders\] ")
    assert masthead(proj)[1] == "Original: ANGLAIS"  # the source wording, the French name


def test_percent_signs_written_as_python_reads_them(proj):
    # %% is a percent sign; a message without a placeholder is never formatted.
    set_msgstr(proj, FR_TEMPLATES, "Original: %(language)s", "Original (100%%) : %(language)s")
    set_msgstr(proj, FR_TEMPLATES, "Check against delivery", "Vérifié à 100% au prononcé")
    proc = publisher_cli("check", "--lang", "fr", cwd=proj)
    assert "[placeholders]" not in proc.stdout, proc.stdout
    proc = publisher_cli("build", "--format", "html", "--lang", "fr", cwd=proj)
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
    assert masthead(proj)[1] == "Original (100%) : ANGLAIS"


# ---------------------------------------------------------------- 1. date patterns

@pytest.mark.parametrize("pattern", [
    "qqqqqqq",           # Babel: ValueError when formatting
    "'unterminated",      # formats to an empty string
    "b",                 # Babel: AttributeError on a date
    "g",                 # Babel: KeyError
    "   ",               # whitespace only
])
def test_a_bad_date_pattern_is_a_check_error_and_falls_back_at_build(proj, pattern):
    assert_refused_as_data(
        proj, "long date pattern", pattern,
        check=r"\[date-format\] .* is not a CLDR date pattern",
        warning=(r"warning: \[date-format\] fr: .* is not a CLDR date pattern.*; using CLDR's "
                 r"standard long date$"),
        strict=r"error: \[date-format\] ")
    assert masthead(proj)[0] == "6 novembre 2024"


@pytest.mark.parametrize("first_day, printed", [
    ("1er", "1er novembre 2024"),
    ("1'er", "1'er novembre 2024"),                  # a quote is text, not CLDR quoting
    ("'1er' d", "'1er' d novembre 2024"),            # so are quotes and field letters
    ("1\\\\er \\\\1", "1\\er \\1 novembre 2024"),    # and backslashes (.po escapes)
])
def test_the_first_day_override_is_literal_text(proj, first_day, printed):
    seed = proj / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("date: 2024-11-06",
                                                             "date: 2024-11-01"), encoding="utf-8")
    set_msgstr(proj, FR_TEMPLATES, "day 1", first_day)
    checked, proc = publisher_clis(("check", "--lang", "fr"),
                                   ("build", "--strict", "--format", "html", "--lang", "fr"),
                                   cwd=proj)
    assert "[date-format]" not in checked.stdout, checked.stdout
    assert proc.returncode == 0, proc.stderr
    assert masthead(proj)[0] == printed


def test_a_blank_first_day_is_a_check_error_and_falls_back_at_build(proj):
    seed = proj / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("date: 2024-11-06",
                                                             "date: 2024-11-01"), encoding="utf-8")
    set_msgstr(proj, FR_TEMPLATES, "day 1", "  ")
    entry = entry_lines(proj, FR_TEMPLATES, "day 1")
    proc, built = publisher_clis(("check", "--lang", "fr"),
                                 ("build", "--format", "html", "--lang", "fr"), cwd=proj)
    assert proc.returncode == 1
    assert reported_line(proc.stdout, FR_TEMPLATES, r"\[date-format\] the first day of the "
                                                    r"month is blank") in entry
    proc = built
    assert proc.returncode == 0 and "using the plain day number" in proc.stderr, proc.stderr
    assert masthead(proj)[0] == "1 novembre 2024"


# ---------------------------------------------------------------- 2. build --strict runs check

def test_build_strict_fails_on_what_check_calls_an_error(proj):
    msgid = "92<sup>nd</sup> Joint FSC-PC Meeting"
    set_msgstr(proj, FR_STATEMENT, msgid, "93<sup>e</sup> réunion conjointe du FCS et du CP")
    entry = entry_lines(proj, FR_STATEMENT, msgid)
    problem = r"\[numbers\] number\(s\) of the source missing or changed in the translation: 92$"

    out = proj / "strict-out"
    proc, built, strict_built = publisher_clis(
        ("check",), ("build", "--format", "html"),
        ("build", "--strict", "--format", "html", "--output-dir", str(out)), cwd=proj)
    assert proc.returncode == 1
    assert reported_line(proc.stdout, FR_STATEMENT, problem) in entry

    assert built.returncode == 0  # not strict
    proc = strict_built
    assert proc.returncode == 1
    assert_no_traceback(proc)
    assert reported_line(proc.stderr, FR_STATEMENT, f"error: {problem}") in entry
    assert "1 translation check error(s) and --strict: nothing was built" in proc.stderr
    assert not out.exists()
    # Only the catalogues the build reads are checked.
    proc = publisher_cli("build", "--strict", "--format", "html", "--lang", "uk",
                         "--output-dir", str(out), cwd=proj)
    assert proc.returncode == 0, proc.stderr

    # The same ignore rule as check: with a reason, the check is off in both.
    po = proj / FR_STATEMENT
    text = po.read_text(encoding="utf-8")
    assert text.count("#. front matter: meeting\n") == 1
    po.write_text(text.replace("#. front matter: meeting\n", "# check: ignore numbers — the "
                               "meeting was renumbered\n#. front matter: meeting\n"),
                  encoding="utf-8")
    checked, proc = publisher_clis(
        ("check", "--lang", "fr"),
        ("build", "--strict", "--format", "html", "--lang", "fr", "--output-dir", str(out)),
        cwd=proj)
    assert checked.returncode == 0
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------- 3. ignore needs a reason

REASONED = '# check: ignore superscript — German writes the ordinal as "92."'


@pytest.mark.parametrize("comment", [
    "# check: ignore superscript",
    "# check: ignore superscript —",
    "# check: ignore superscript because",  # no dash, hyphen or parenthesis
    "# check: ignore superscript ()",
])
def test_an_ignore_without_a_reason_is_an_error_and_ignores_nothing(proj, comment):
    po = proj / DE_STATEMENT
    text = po.read_text(encoding="utf-8")
    assert REASONED in text
    po.write_text(text.replace(REASONED, comment), encoding="utf-8")
    comment_line = po.read_text(encoding="utf-8").splitlines().index(comment) + 1

    proc, strict_built = publisher_clis(
        ("check", "--lang", "de"),
        ("build", "--strict", "--format", "html", "--lang", "de",
         "--output-dir", str(proj / "strict-out")), cwd=proj)
    assert proc.returncode == 1
    assert f"{DE_STATEMENT}:{comment_line}: error: [ignore] check: ignore needs a reason" in proc.stdout
    assert "warning: [superscript] superscript/subscript differ" in proc.stdout  # not off
    proc = strict_built
    assert proc.returncode == 1
    assert f"{DE_STATEMENT}:{comment_line}: error: [ignore] check: ignore needs a reason" \
        in proc.stderr


@pytest.mark.parametrize("comment", [
    REASONED,
    "# check: ignore superscript - German writes 92.",
    "# check: ignore superscript (German writes 92.)",
])
def test_an_ignore_with_a_reason_switches_the_check_off(proj, comment):
    po = proj / DE_STATEMENT
    po.write_text(po.read_text(encoding="utf-8").replace(REASONED, comment), encoding="utf-8")
    proc = publisher_cli("check", "--strict", "--lang", "de", cwd=proj)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == ""


# ---------------------------------------------------------------- 4. CI

def test_ci_runs_check_strict_before_the_build():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "build.yml").read_text())
    runs = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    commands = [line.strip() for run in runs for line in run.splitlines()]
    check = next(i for i, c in enumerate(commands) if c.startswith(".venv/bin/publisher check"))
    build = next(i for i, c in enumerate(commands) if c.startswith(".venv/bin/publisher build"))
    install = commands.index("make install")
    assert install < check < build
    assert commands[check].split()[1:] == ["check", "--strict"]
