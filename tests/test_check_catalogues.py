"""`publisher check`, one problem at a time: a small catalogue in a copy of the project
with a single thing wrong gets exactly one error, with the check's code at the file and
line of the entry, and exit code 1; the same catalogue written correctly passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import copy_project, publisher_cli

PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "de": "nplurals=2; plural=(n != 1);"}
FIRST_ENTRY = 7  # the line of the first msgid: after the five lines of the header and a blank


def catalogue(lang: str, source: str, translation: str, language: str | None = None,
              plural_forms: str | None = None) -> str:
    """A catalogue of one message, its header on lines 1-5 (``msgid ""`` on line 1)."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
            f'"Language: {language or lang}\\n"\n'
            f'"Plural-Forms: {plural_forms or PLURAL_FORMS[lang]}\\n"\n\n'
            f"msgid {quoted(source)}\nmsgstr {quoted(translation)}\n")


def check(tmp_path: Path, lang: str, text: str) -> tuple[int, str, list[str]]:
    """``publisher check --lang LANG`` on a copy of the project holding the catalogue:
    (exit code, the catalogue's path as reported, every line reported about it)."""
    copy_project(tmp_path)
    rel = f"locales/{lang}/LC_MESSAGES/qa-sample.po"
    (tmp_path / rel).write_text(text, encoding="utf-8")
    proc = publisher_cli("check", "--lang", lang, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, rel, [ln for ln in proc.stdout.splitlines() if ln.startswith(rel)]


QUOTED = 'The so-called "strategic partnership" threatens us all.'
TWELVE_AND_A_HALF = "Spending rose by 12.5 per cent."
TWELVE_THOUSAND = "They fired 12,000 shells."


@pytest.mark.parametrize("lang, source, translation, code, message", [
    # Quotation marks: a „ that is never closed, “ without ”, an odd number of ".
    ("de", QUOTED, "Die sogenannte „strategische Partnerschaft bedroht uns alle.",
     "quotes", "a „ quotation is never closed"),
    ("fr", QUOTED, "Le soi-disant “partenariat stratégique nous menace tous.",
     "quotes", "unbalanced “ ” quotation marks"),
    ("fr", QUOTED, 'Le soi-disant "partenariat stratégique nous menace tous.',
     "quotes", 'odd number of " quotation marks'),
    # Numbers are read by each language's rules: a decimal point where French writes a
    # comma is not 12.5; German "12.500" is twelve thousand five hundred; French "12,000"
    # is twelve. Each changes the value of the source, which is an error.
    ("fr", TWELVE_AND_A_HALF, "Les dépenses ont augmenté de 12.5 %.",
     "numbers", "number(s) of the source missing or changed in the translation: 12.5"),
    ("de", TWELVE_AND_A_HALF, "Die Ausgaben stiegen um 12.500 Prozent.",
     "numbers", "number(s) of the source missing or changed in the translation: 12.5"),
    ("fr", TWELVE_THOUSAND, "Ils ont tiré 12,000 obus.",
     "numbers", "number(s) of the source missing or changed in the translation: 12000"),
])
def test_a_broken_translation_is_one_error_at_its_entry(tmp_path, lang, source, translation,
                                                       code, message):
    returncode, rel, lines = check(tmp_path, lang, catalogue(lang, source, translation))
    assert returncode == 1, lines
    errors = [ln for ln in lines if ": error: " in ln]
    assert errors == [f"{rel}:{FIRST_ENTRY}: error: [{code}] {message}"], lines


@pytest.mark.parametrize("language, plural_forms, message", [
    ("de", None, "Language header says 'de' but the catalogue is in the 'fr' folder"),
    ("fr", "nplurals=3; plural=(n%10==1 ? 0 : n%10>=2 ? 1 : 2);",
     "Plural-Forms 'nplurals=3; plural=(n%10==1 ? 0 : n%10>=2 ? 1 : 2);' does not match the "
     "language (nplurals=2; plural=(n > 1);)"),
])
def test_a_header_that_disagrees_with_the_folder_is_an_error_at_the_header(
        tmp_path, language, plural_forms, message):
    text = catalogue("fr", "Chairs,", "Messieurs les Présidents,", language=language,
                     plural_forms=plural_forms or PLURAL_FORMS[language])
    returncode, rel, lines = check(tmp_path, "fr", text)
    assert returncode == 1, lines
    assert lines == [f"{rel}:1: error: [header] {message}"]


CORRECT = [
    ("de", QUOTED, "Die sogenannte „strategische Partnerschaft“ bedroht uns alle."),
    ("fr", QUOTED, "Le soi-disant « partenariat stratégique » nous menace tous."),
    ("fr", QUOTED, 'Le soi-disant "partenariat stratégique" nous menace tous.'),
    ("fr", TWELVE_AND_A_HALF, "Les dépenses ont augmenté de 12,5\u00a0%."),
    ("de", TWELVE_AND_A_HALF, "Die Ausgaben stiegen um 12,5 Prozent."),
    ("fr", TWELVE_THOUSAND, "Ils ont tiré 12\u202f000 obus."),
    ("de", TWELVE_THOUSAND, "Sie feuerten 12.000 Granaten ab."),
]


def test_the_same_catalogues_written_correctly_pass(tmp_path):
    """The counterpart of each case above (headers included): the checks tell a right
    translation from a wrong one, they do not fire on the message. One catalogue each,
    all in one project, checked at once."""
    copy_project(tmp_path)
    written = []
    for i, (lang, source, translation) in enumerate(CORRECT):
        rel = f"locales/{lang}/LC_MESSAGES/qa-sample-{i}.po"
        (tmp_path / rel).write_text(catalogue(lang, source, translation), encoding="utf-8")
        written.append(rel)
    proc = publisher_cli("check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert [ln for ln in proc.stdout.splitlines() if ln.startswith(tuple(written))] == []
    assert proc.stderr.strip() == "0 error(s), 0 warning(s)", proc.stderr
