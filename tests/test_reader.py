"""The reader: front matter into typed metadata, the body into the format-free model."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from publisher.errors import StatementError
from publisher.model import Emph, HardBreak, Link, Paragraph, Strong, Sub, Sup, Text
from publisher.readers.markdown import (
    _DECIDE,
    _compose_with_libyaml,
    parse_inline,
    read_statement,
)

from .conftest import ROOT, SAMPLE


def test_sample_front_matter(sample):
    meta = sample.meta
    assert meta.mission == "ua-osce-vienna"
    assert meta.date == datetime.date(2024, 11, 6)
    assert meta.original == "en"
    assert meta.languages == ("en", "uk", "fr", "de", "it", "ru", "es", "ar")
    assert meta.title.plain == "Statement by the Delegation of Ukraine"
    assert meta.meeting.content == (Text("92"), Sup((Text("nd"),)), Text(" Joint FSC-PC Meeting"))
    assert meta.agenda.plain.startswith("Agenda Item 1, Security Dialogue: “The Russian")
    assert meta.line_of("date") == 4


def test_sample_body_is_the_speech_unchanged(sample):
    body = SAMPLE.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    paragraphs = [p.strip() for p in body.strip().split("\n\n")]
    assert [b.text.plain for b in sample.blocks] == paragraphs
    assert all(isinstance(b, Paragraph) for b in sample.blocks)
    assert sample.blocks[0].text.plain == "Chairs,"
    assert sample.blocks[0].line == 11
    assert sample.blocks[-1].text.plain == "Thank you, Mr Chairperson."
    # Capitalisation and quotation marks are the speaker's, never normalised.
    assert any('"appeasement"' in b.text.plain for b in sample.blocks)


def test_inline_markup():
    text = parse_inline("**Bold** and *it* 92<sup>nd</sup> H<sub>2</sub>O [OSCE](https://osce.org)")
    assert text.content == (
        Strong((Text("Bold"),)), Text(" and "), Emph((Text("it"),)), Text(" 92"),
        Sup((Text("nd"),)), Text(" H"), Sub((Text("2"),)), Text("O "),
        Link("https://osce.org", (Text("OSCE"),)),
    )


def test_soft_breaks_fold_and_hard_breaks_stay():
    soft = parse_inline("one\ntwo")
    assert soft.source == "one two" and soft.content == (Text("one two"),)
    hard = parse_inline("one  \ntwo")
    assert hard.content == (Text("one"), HardBreak(), Text("two"))
    assert parse_inline(hard.source).content == hard.content


def write(tmp_path: Path, front: str, body: str = "Chairs,\n") -> Path:
    path = tmp_path / "bad.md"
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


GOOD = ("mission: ua-osce-vienna\ndate: 2024-11-06\ntitle: A statement\noriginal: en\n")


@pytest.mark.parametrize("front, body, line, message", [
    (GOOD + "colour: blue\n", "Chairs,\n", 6, "unknown front-matter key 'colour'"),
    ("mission: ua-osce-vienna\ndate: 2024-11-06\noriginal: en\n", "x\n", 1,
     "missing required front-matter key 'title'"),
    (GOOD.replace("2024-11-06", "2024-02-30"), "x\n", 3, "'2024-02-30' is not a valid date"),
    (GOOD.replace("original: en", "original: ukr"), "x\n", 5, "unknown language code 'ukr'"),
    (GOOD + "languages: [en, xx]\n", "x\n", 6, "unknown language code 'xx'"),
    (GOOD, "Chairs,\n\nHello <script>alert(1)</script>\n", 9, "raw HTML '<script>' is not allowed"),
    (GOOD, "Chairs,\n\n<div>\nblock\n</div>\n", 9, "raw HTML block '<div>' is not allowed"),
    (GOOD, "Text <span>x</span>\n", 7, "raw HTML '<span>' is not allowed"),
    (GOOD, "92<sup>nd Meeting\n", 7, "unclosed inline markup <sup>"),
    (GOOD + "title: [unclosed\n", "x\n", 7, "not valid YAML"),
    (GOOD + "title: again\n", "x\n", 6, "duplicate front-matter key 'title'"),
    (GOOD, "", 7, "no body text"),
])
def test_bad_input_is_one_located_error(tmp_path, monkeypatch, front, body, line, message):
    monkeypatch.chdir(tmp_path)  # paths are shown relative to the working directory
    path = write(tmp_path, front, body)
    with pytest.raises(StatementError) as info:
        read_statement(path)
    err = info.value
    assert err.line == line, str(err)
    assert message in err.message
    assert str(err).startswith(f"bad.md:{line}: "), str(err)  # FILE:LINE, as a compiler
    assert "\n" not in str(err)


def test_missing_front_matter(tmp_path):
    path = tmp_path / "plain.md"
    path.write_text("Chairs,\n", encoding="utf-8")
    with pytest.raises(StatementError, match="must start with '---'"):
        read_statement(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes(("---\n" + GOOD + "---\nCaf\xe9\n").encode("latin-1"))
    with pytest.raises(StatementError) as info:
        read_statement(path)
    assert info.value.line == 7 and "UTF-8" in info.value.message


def test_the_characters_refused_are_the_complement_of_xml_chars():
    """``NOT_PRINTABLE`` is XML 1.0's ``Char`` production turned around: #x9 | #xA | #xD |
    [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] pass, every other code point
    is refused (checked over all of them)."""
    from publisher.model import NOT_PRINTABLE

    allowed = ((0x9, 0x9), (0xA, 0xA), (0xD, 0xD), (0x20, 0xD7FF), (0xE000, 0xFFFD),
               (0x10000, 0x10FFFF))
    refused = {c for c in range(0x110000) if not any(lo <= c <= hi for lo, hi in allowed)}
    everything = "".join(map(chr, range(0x110000)))
    assert {ord(ch) for ch in NOT_PRINTABLE.findall(everything)} == refused


# ---------------------------------------------------------------- libyaml and PyYAML

YAML_PIECES = [*"ab: -\n\t'\"#&*!|>[]{},?%@`~\\.=<", "\u00e9", "\u0627", "\u2028", "\x85",
               "\ufeff", "\x7f", "\r", "0", "1", "null", "~", "---", "...", "  ", "\n- ",
               ": ", "key: ", "\n  ", "[a, b]", "'it''s'", '"\\u00e9"']


def _tree(node):
    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, node.start_mark.line)
    if isinstance(node, yaml.SequenceNode):
        return ("list", node.tag, node.start_mark.line, [_tree(n) for n in node.value])
    return ("map", node.tag, node.start_mark.line, [(_tree(k), _tree(v)) for k, v in node.value])


def _pyyaml(text):
    try:
        list(yaml.parse(text, Loader=yaml.SafeLoader))
        return _tree(yaml.compose(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        return exc


@settings(max_examples=3000, deadline=None)
@given(text=st.lists(st.sampled_from(YAML_PIECES), max_size=40).map("".join))
def test_libyaml_composes_what_pyyaml_does_or_leaves_it_to_pyyaml(text):
    """Front matter and mission profiles are composed by libyaml unless the text holds a
    character around which the two readers differ; PyYAML's reader decides the rest
    (and words every problem). Where libyaml composes, the tree (tags, values, lines)
    is PyYAML's, and PyYAML would not have refused the text."""
    fast = _compose_with_libyaml(text)
    if fast is not _DECIDE:
        assert _tree(fast) == _pyyaml(text)


def test_the_sample_and_its_mission_profile_are_composed_by_libyaml():
    front = SAMPLE.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n")
    profile = (ROOT / "templates" / "missions" / "ua-osce-vienna.yaml").read_text("utf-8")
    for text in (front, profile):
        assert _compose_with_libyaml(text) is not _DECIDE
        assert _tree(_compose_with_libyaml(text)) == _pyyaml(text)
