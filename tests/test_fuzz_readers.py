"""Property-based tests of the readers: a statement, a mission profile or a catalogue is
read, or refused with one located :class:`PublisherError`, whatever it holds.

Drafts, profiles and translations come from people outside the project, so any other
exception (an ``AttributeError`` on a list where a word was expected, a ``RecursionError``
on deep markup) is a bug. Examples are arbitrary text and bytes as well as near-valid
files with one thing wrong. The example counts come from the Hypothesis profile
(``tests/conftest.py``): small by default, larger when ``CI`` is set.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from publisher.errors import PublisherError
from publisher.i18n import po
from publisher.model import CONTAINERS, Code, Inline, ListBlock, Quote
from publisher.readers.markdown import (
    KNOWN, MAX_BLOCK_DEPTH, MAX_INLINE_DEPTH, parse_inline, read_statement,
)
from publisher.readers.mission import KNOWN as MISSION_KEYS
from publisher.readers.emblem import read_emblem
from publisher.readers.mission import read_mission

FIXTURES = Path(__file__).parent / "fixtures" / "missions"
SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])


def refused_cleanly(exc: PublisherError) -> None:
    """A reader's error is one line that names where the problem is."""
    event(f"refused: {type(exc).__name__}")
    text = str(exc)
    assert "\n" not in text and "\r" not in text, text
    assert exc.path, text


# ---------------------------------------------------------------- building blocks

# Characters that break naive readers: controls, NUL, line and paragraph separators,
# bidi marks, a BOM, combining marks, characters outside the BMP.
ODD = st.sampled_from(["\r\n", "\t", "\x85", "\r", "\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b",
                       "\x7f", "\u2028", "\u2029", "\u200b", "\u202e", "\ufeff", "\ufffe",
                       "\uffff", "\u0301", "😀", "\U0010fffd", "ß", "İ", "ﬃ", "\\", '"', "'",
                       "#", ":", "---", "- ", "[", "]", "{", "}", "&a", "*a", "!!", "%", "@",
                       "`", "|", ">", "<", "&amp;", "&#0;", "&#x110000;"])
ANY_CHAR = st.characters(exclude_categories=("Cs",))
CLEAN = st.text(st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                          st.sampled_from("ÄßéїжЖ ٣ مرحبا 中文 “”’–…")), max_size=30)


@st.composite
def odd_text(draw: st.DrawFn) -> str:
    """Mostly ordinary text; one time in four, odd characters mixed in."""
    text = draw(CLEAN)
    if draw(st.integers(0, 3)) == 0:
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(ODD) + text[at:]
    return text


TEXT = odd_text()


def yaml_values() -> st.SearchStrategy[str]:
    """A YAML value as written after ``key:``: good ones, and every wrong type."""
    return st.one_of(
        st.sampled_from([
            "en", "uk", "pt-BR", "sr-Latn", "ua-osce-vienna", "2024-11-06", "2024-02-30",
            "20241106", "2024-W45-3", "true", "false", "yes", "no", "on", "True", "~", "null",
            "", "''", '""', "[]", "{}", "[true]", "[en, uk]", "[en, en]", "[en, EN]",
            "{a: b}", "[[en]]", "[{a: b}]", "42", "-1", "4.2", "0x1F", ".inf", "1e999",
            "!!binary aGk=", "!!python/object:os.system x", "!custom x", "&a x", "*a", "*b",
            '"\\0"', '"\\ud800"', '"\\x1b[31m"', '"a\\nb"', '"\\u2028"', "|\n  block\n  text",
            ">-\n  folded\n  text", "\n  - en\n  - uk", "\n  - [en]\n", "\n  a: b", "[\n",
            "'unclosed", '"unclosed', "[en, ", "{", "}", "- x", "? x", "@x", "`x`",
            "92<sup>nd</sup> Meeting", "<sup>" * 40 + "x" + "</sup>" * 40, "**bold**",
            "[x](javascript:alert(1))", "<script>alert(1)</script>", "x" * 300,
            "[" * 60 + "]" * 60, "testland.svg", "testland.png", "/etc/passwd",
            "/proc/self/environ", "../../../../etc/passwd", "outside.svg", "scripted.svg",
            "fake.png", "big.png", "dir.svg", ".", "..", "missions", "sub/inner.svg",
        ]),
        TEXT,
        st.text(ANY_CHAR, max_size=15).map(json.dumps),  # double-quoted, with escapes
        st.lists(TEXT.map(json.dumps), max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    )


def front_matter(keys: tuple[str, ...], good: dict[str, str]) -> st.SearchStrategy[str]:
    """``key: value`` lines: the good values, some of them replaced, dropped, repeated,
    or an unknown key added."""
    @st.composite
    def build(draw: st.DrawFn) -> str:
        values = dict(good)
        for key in draw(st.lists(st.sampled_from(keys), max_size=2)):
            values[key] = draw(yaml_values())
        if draw(st.integers(0, 3)) == 0:
            values.pop(draw(st.sampled_from(sorted(values))))
        lines = [f"{k}: {v}" for k, v in values.items()]
        if draw(st.integers(0, 3)) == 0:
            lines.insert(draw(st.integers(0, len(lines))),
                         draw(st.sampled_from(["colour: blue", "title: twice", "# comment",
                                               "  indented: x", "- item", "[a]: b", "? [a]\n: b",
                                               "&r {x: *r}", "\t: tab"])))
        if draw(st.booleans()):
            lines = draw(st.permutations(lines))
        return "\n".join(lines) + "\n"
    return build()


def nested_markup(depth: int, inner: str = "x") -> str:
    return "<sup>" * depth + inner + "</sup>" * depth


INLINE = st.recursive(
    TEXT,
    lambda kids: st.one_of(
        st.tuples(st.sampled_from(["**", "*", "_", "__", "<sup>", "<sub>", "[", "`", "<b>",
                                   "<!-- ", "![", "</sup>"]), kids,
                  st.sampled_from(["**", "*", "_", "</sup>", "</sub>", "](https://osce.org)",
                                   "](javascript:x)", '](#a "t")', "`", "", "</sub>", " -->"]))
        .map("".join),
        st.lists(kids, max_size=3).map(" ".join),
        st.lists(kids, max_size=3).map("  \n".join),
    ),
    max_leaves=12,
)


@st.composite
def body_blocks(draw: st.DrawFn) -> str:
    """Paragraphs behind list, quote and heading markers; one time in four, something a
    statement may not hold (code, raw HTML, an image) or an odd list number."""
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        prefix = "".join(draw(st.lists(st.sampled_from(
            ["> ", "- ", "1. ", "  ", "* ", "+ ", "# ", "###### ", "---\n"]), max_size=6)))
        if draw(st.integers(0, 3)) == 0:
            prefix += draw(st.sampled_from(["    ", "```\n", "<div>\n", "| a |\n", "![i](x.png) ",
                                            "<!-- c -->\n", "2) ", "1000000000. ", "\\\n"]))
        blocks.append(prefix + draw(INLINE))
    return "\n\n".join(blocks)


GOOD_STATEMENT = {"mission": "ua-osce-vienna", "date": "2024-11-06",
                  "title": "Statement by the Delegation of Testland", "original": "en",
                  "languages": "[en, uk, fr]", "meeting": "92<sup>nd</sup> Meeting",
                  "agenda": "Agenda item 1", "symbol": "PC.DEL/627/17",
                  "check_against_delivery": "true"}


@st.composite
def statements(draw: st.DrawFn) -> bytes:
    fm = draw(front_matter(KNOWN, GOOD_STATEMENT))
    body = draw(st.one_of(body_blocks(), body_blocks(), st.integers(0, 400).map(nested_markup),
                          st.integers(0, 120).map(lambda n: "> " * n + "deep"),
                          st.integers(0, 60).map(lambda n: "".join("  " * i + "- item\n"
                                                                    for i in range(n)))))
    text = f"---\n{fm}---\n{body}\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 4)) == 0:  # one odd character somewhere after the first '---'
        at = draw(st.integers(4, len(text)))
        text = text[:at] + draw(ODD) + text[at:]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 4)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``templates/missions`` folder with good and hostile emblems, and a secret outside."""
    root = tmp_path_factory.mktemp("fuzz")
    missions = root / "templates" / "missions"
    (missions / "sub").mkdir(parents=True)
    for name in ("testland.svg", "testland.png"):
        (missions / name).write_bytes((FIXTURES / name).read_bytes())
    (missions / "sub" / "inner.svg").write_bytes((FIXTURES / "testland.svg").read_bytes())
    (root / "secret.svg").write_text("CI_TOKEN=hunter2\n", encoding="utf-8")
    (missions / "outside.svg").symlink_to(root / "secret.svg")
    (missions / "scripted.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg">'
                                           '<script>alert(1)</script></svg>', encoding="utf-8")
    (missions / "fake.png").write_text("<html>not a picture</html>", encoding="utf-8")
    (missions / "big.png").write_bytes(po_png(2 * 1024 * 1024))
    (missions / "dir.svg").mkdir()
    return missions


def po_png(size: int) -> bytes:
    """A PNG-looking file of ``size`` bytes (signature and header, then padding)."""
    head = (FIXTURES / "testland.png").read_bytes()[:33]
    return head + b"\0" * (size - len(head))


# ---------------------------------------------------------------- statements

def read_statement_bytes(folder: Path, data: bytes) -> None:
    path = folder.parent.parent / "fuzz.md"
    path.write_bytes(data)
    try:
        statement = read_statement(path)
    except PublisherError as exc:
        refused_cleanly(exc)
        return
    event("read")
    pickle.dumps(statement)  # what the build sends to its worker processes


@SLOW
@given(data=st.binary(max_size=400))
@example(data=b"---\n---\n")
@example(data=b"---\n\x00: x\n---\nx\n")
@example(data=b"---\n" + b"[" * 400 + b"\n---\nx\n")
def test_statement_reader_arbitrary_bytes(folder, data):
    read_statement_bytes(folder, data)


@SLOW
@given(text=st.text(ANY_CHAR, max_size=300))
def test_statement_reader_arbitrary_text(folder, text):
    read_statement_bytes(folder, b"---\n" + text.encode("utf-8"))


@SLOW
@given(data=statements())
@example(data=b"---\nmission: ua-osce-vienna\ndate: 2024-11-06\ntitle: T\noriginal: en\n"
              b"check_against_delivery: [true]\n---\nx\n")
@example(data=b"---\nmission: ua-osce-vienna\ndate: 2024-11-06\ntitle: T\noriginal: en\n"
              b"symbol: {a: b}\n---\nx\n")
@example(data=b"---\nmission: [a]\ndate: 2024-11-06\ntitle: T\noriginal: en\n---\nx\n")
@example(data=b"---\nmission: a\ndate: 2024-11-06\ntitle: T\noriginal: en\n"
              b"meeting: \"\\0\"\n---\nx\n")
@example(data=b"---\nmission: a\ndate: 2024-11-06\ntitle: T\noriginal: en\n"
              b"? [a]\n: b\n---\nx\n")
@example(data=b"---\nmission: a\ndate: 2024-11-06\ntitle: T\noriginal: en\n---\n"
              + nested_markup(300).encode())
@example(data=b"---\nmission: a\ndate: 2024-11-06\ntitle: T\noriginal: en\nmeeting: "
              + b"[" * 1000 + b"]" * 1000 + b"\n---\nx\n")  # PyYAML's composer recursed
def test_statement_reader_near_valid(folder, data):
    read_statement_bytes(folder, data)


# ---------------------------------------------------------------- the inline parser

def depth_of(nodes: tuple[Inline, ...]) -> int:
    return max((1 + depth_of(n.children) for n in nodes if isinstance(n, CONTAINERS)),
               default=0)


def check_inline(source: str) -> None:
    try:
        text = parse_inline(source, "locales/uk/LC_MESSAGES/x.po", 12)
    except PublisherError as exc:
        refused_cleanly(exc)
        assert exc.line == 12
        return
    event("read")
    assert depth_of(text.content) <= MAX_INLINE_DEPTH
    pickle.dumps(text)
    # The message is the folded source: parsing it again gives the same tree (but for
    # the width of white space inside a code span, which folding may change).
    assert shape(parse_inline(text.source).content) == shape(text.content)


def shape(nodes: tuple[Inline, ...]) -> tuple[object, ...]:
    out: list[object] = []
    for n in nodes:
        if isinstance(n, Code):
            out.append(("code", " ".join(n.text.split())))
        elif isinstance(n, CONTAINERS):
            out.append((type(n).__name__, getattr(n, "href", ""), shape(n.children)))
        else:
            out.append(n)
    return tuple(out)


@SLOW
@given(source=st.text(ANY_CHAR, max_size=200))
@example(source="<sup>" * 300 + "x" + "</sup>" * 300)
@example(source="*" * 100 + "x" + "*" * 100)
@example(source="\x00")
@example(source="&#12; and [a](x 't&#12;')")
def test_inline_parser_arbitrary_text(source):
    check_inline(source)


@SLOW
@given(source=st.one_of(INLINE, st.integers(0, 500).map(nested_markup),
                        st.integers(0, 200).map(lambda n: "**" * n + "x" + "**" * n),
                        st.integers(0, 200).map(lambda n: "[" * n + "x" + "](#a)" * n)))
@example(source=nested_markup(MAX_INLINE_DEPTH))
@example(source=nested_markup(MAX_INLINE_DEPTH + 1))
def test_inline_parser_markup(source):
    check_inline(source)


@SLOW
@given(depth=st.integers(0, 3 * MAX_BLOCK_DEPTH), kind=st.sampled_from(["> ", "- ", "1. "]))
def test_block_nesting_is_kept_or_refused(folder, depth, kind):
    """Deep lists and quotes are read whole or refused; never cut short silently."""
    if kind == "> ":
        body = "> " * depth + "deepest"
    else:
        body = "".join(" " * (len(kind) * i) + kind + f"level {i}\n" for i in range(depth))
        body += " " * (len(kind) * depth) + "deepest"
    data = (f"---\nmission: a\ndate: 2024-11-06\ntitle: T\noriginal: en\n---\n"
            f"Chairs,\n\n{body}\n").encode()
    path = folder.parent.parent / "nested.md"
    path.write_bytes(data)
    try:
        statement = read_statement(path)
    except PublisherError as exc:
        refused_cleanly(exc)
        assert depth > MAX_BLOCK_DEPTH
        return

    def deepest(blocks) -> tuple[int, str]:
        found = (0, "")
        for b in blocks:
            if isinstance(b, ListBlock):
                for item in b.items:
                    d, t = deepest(item)
                    found = max(found, (d + 1, t))
            elif isinstance(b, Quote):
                d, t = deepest(b.children)
                found = max(found, (d + 1, t))
            elif hasattr(b, "text") and found[0] == 0:
                found = max(found, (0, b.text.plain))
        return found

    event("read")
    levels, text = deepest(statement.blocks)
    assert levels == depth and text.endswith("deepest"), (levels, text)
    pickle.dumps(statement)


# ---------------------------------------------------------------- mission profiles

GOOD_MISSION = {"name": "[Permanent Delegation of Testland, to the OSCE]",
                "address": "[Example Street 1]", "languages": "[en, uk]",
                "emblem": "testland.svg", "regional_formats": "[en-GB]"}


def read_profile(folder: Path, data: bytes) -> None:
    path = folder / "xx-fuzz.yaml"
    path.write_bytes(data)
    try:
        mission = read_mission(path)
    except PublisherError as exc:
        refused_cleanly(exc)
        return
    event("read, with an emblem" if mission.emblem else "read")
    if mission.emblem is not None:
        emblem = Path(mission.emblem)
        assert emblem.resolve().is_relative_to(folder.resolve())
        kind, content = read_emblem(emblem)
        assert b"hunter2" not in content and b"<script" not in content
    pickle.dumps(mission)


@SLOW
@given(data=st.binary(max_size=300))
def test_mission_reader_arbitrary_bytes(folder, data):
    read_profile(folder, data)


@SLOW
@given(fm=front_matter(MISSION_KEYS, GOOD_MISSION),
       crlf=st.booleans())
@example(fm="name: x\nemblem: [a, b]\n", crlf=False)
@example(fm="name: x\nemblem: /proc/self/environ\n", crlf=False)
@example(fm="name: x\nemblem: outside.svg\n", crlf=False)
@example(fm="name: x\nemblem: dir.svg\n", crlf=False)
@example(fm="name: x\nemblem: \"a\\0b.svg\"\n", crlf=False)
@example(fm="name: [[x]]\n", crlf=False)
@example(fm="name: ['']\n", crlf=False)
def test_mission_reader_near_valid(folder, fm, crlf):
    read_profile(folder, (fm.replace("\n", "\r\n") if crlf else fm).encode("utf-8", "surrogatepass"))


@SLOW
@given(content=st.one_of(
    st.binary(max_size=300),
    st.text(ANY_CHAR, max_size=200).map(lambda t: t.encode("utf-8")),
    st.tuples(st.sampled_from(['<svg xmlns="http://www.w3.org/2000/svg"',
                               '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"',
                               '<?xml version="1.0" encoding="latin-1"?><svg '
                               'xmlns="http://www.w3.org/2000/svg"']),
              st.sampled_from(["", ' onload="x()"', ' xmlns:xl="http://www.w3.org/1999/xlink"',
                               ' style="fill:url(https://x/#a)"', ' style="fill:url(#a)"']),
              st.lists(st.sampled_from([
                  "<circle r='1'/>", "<script>x</script>", "<a href='https://x'>x</a>",
                  "<use href='#a'/>", "<use xl:href='http://x/a.svg#b'/>",
                  "<image href='data:image/png;base64,AA=='/>",
                  "<image href='data:image/svg+xml;base64,AA=='/>",
                  "<style>@import url(x.css);</style>", "<style>a{fill:url(#g)}</style>",
                  "<foreignObject><p>x</p></foreignObject>", "<!-- c -->", "<![CDATA[x]]>",
                  "<set attributeName='href' to='javascript:x'/>", "&amp;", "&ent;",
                  "<g onclick='x'/>", "<?xml-stylesheet href='x.css'?>", "\x00", "</g>",
              ]), max_size=5).map("".join))
    .map(lambda parts: (parts[0] + parts[1] + ">" + parts[2] + "</svg>").encode("utf-8")),
    st.sampled_from([b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]><svg/>',
                     b'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg/>',
                     b"<svg xmlns='http://www.w3.org/2000/svg'>" * 300]),
), suffix=st.sampled_from([".svg", ".png"]))
def test_emblem_content(folder, content, suffix):
    name = f"fuzzed-{suffix[1:]}{suffix}"  # no PNG twin beside the SVG
    (folder / name).write_bytes(content)
    read_profile(folder, f"name: [x]\nemblem: {name}\n".encode())


# ---------------------------------------------------------------- catalogues

GOOD_PO = """\
# Ukrainian translation.
msgid ""
msgstr ""
"Project-Id-Version: x\\n"
"Language: uk\\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 ? 0 : 1);\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

#. TRANSLATORS: a note
#: seeds/x.md:12
#, fuzzy, python-format
#| msgid "Old"
msgctxt "title"
msgid "Statement"
msgstr "Заява"

msgid "one file"
msgid_plural "%(num)d files"
msgstr[0] "%(num)d файл"
msgstr[1] "%(num)d файли"
msgstr[2] "%(num)d файлів"

#~ msgid "Gone"
#~ msgstr "Зникло"
""".split("\n")

PO_LINES = st.sampled_from([
    'msgid ""', 'msgstr ""', '"x"', '"\\', '"\\x"', '"\\400"', '"\\xZZ"', '"\\q"', '"unterminated',
    "msgstr[0] \"a\"", "msgstr[1] \"b\"", "msgstr[7] \"c\"", "msgstr[" + "9" * 5000 + "] \"d\"",
    "msgstr[-1] \"e\"", "msgstr[٣] \"f\"", "msgctxt \"c\"", "msgid_plural \"p\"", "#~ msgid \"o\"",
    "#~| msgid \"p\"", "#| msgid_plural \"q\"", "#, fuzzy", "#: a:1 b:2", "#.", "#", "#~",
    "\r", " \r\r", "\x0c", "\x00", "msgid", "msgstr", "msgid \"a\" \"b\" junk", "domain \"d\"",
    '"Content-Type: text/plain; charset=rot13\\n"', '"Content-Type: text/plain; charset=base64\\n"',
    '"Content-Type: text/plain; charset=idna\\n"', '"Content-Type: text/plain; charset=utf-16\\n"',
    '"Content-Type: text/plain; charset=undefined\\n"', '"Content-Type: text/plain; charset=\\n"',
    '"Content-Type: text/plain; charset=punycode\\n"', '"Content-Type: text/plain; charset=hex\\n"',
    '"Content-Type: text/plain; charset=utf-7\\n"', '"Content-Type: text/plain; charset=CHARSET\\n"',
    '"Content-Type: text/plain; charset=latin-1\\n"', '"Content-Type: text/plain; charset=ISO-2022-JP\\n"',
    '"Content-Type: text/plain; charset=raw_unicode_escape\\n"',
    '"Plural-Forms: nplurals=²; plural=0;\\n"', '"Plural-Forms: nplurals=٣; plural=0;\\n"',
    '"Plural-Forms: nplurals=' + "1" * 5000 + '; plural=0;\\n"', '"Plural-Forms: nplurals=0;\\n"',
])


@st.composite
def catalogues(draw: st.DrawFn) -> bytes:
    lines = list(GOOD_PO)
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "odd"]))
        at = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if action == "insert" or not lines:
            lines.insert(at, draw(st.one_of(PO_LINES, TEXT)))
        elif action == "delete":
            del lines[at]
        elif action == "replace":
            lines[at] = draw(st.one_of(PO_LINES, TEXT))
        elif action == "duplicate":
            lines.insert(at, lines[at])
        else:
            line = lines[at]
            pos = draw(st.integers(0, len(line)))
            lines[at] = line[:pos] + draw(ODD) + line[pos:]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    return newline.join(lines).encode(encoding, "replace")


def read_catalogue(data: bytes) -> None:
    try:
        cat = po.read("locales/uk/LC_MESSAGES/fuzz.po", data=data)
    except PublisherError as exc:
        refused_cleanly(exc)
        return
    event("read")
    for msg in cat:
        assert isinstance(msg.id, str) and all(isinstance(s, str) for s in msg.strings)
    cat.nplurals  # noqa: B018 - a header the reader accepted can be asked for its plurals


@SLOW
@given(data=st.binary(max_size=500))
@example(data=b"\r \r\n")
@example(data=b'msgid ""\nmsgstr "Content-Type: text/plain; charset=rot13\\n"\n')
@example(data=b'msgid ""\nmsgstr "Content-Type: text/plain; charset=idna\\n"\n\n'
              b'msgid "a"\nmsgstr "xn--zz"\n')  # idna fails with a plain UnicodeError
@example(data=b'msgid "a"\nmsgid_plural "b"\nmsgstr[' + b"9" * 5000 + b'] ""\n')
@example(data=b'msgid ""\nmsgstr "Plural-Forms: nplurals=\xc2\xb2; plural=0;\\n"\n')
def test_catalogue_reader_arbitrary_bytes(data):
    read_catalogue(data)


@SLOW
@given(data=catalogues())
def test_catalogue_reader_near_valid(data):
    read_catalogue(data)
