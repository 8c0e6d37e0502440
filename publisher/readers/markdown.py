"""Read a canonical statement: YAML front matter plus a CommonMark body.

The front matter is parsed with PyYAML's composer so every key keeps its line number
and no value is coerced behind the user's back (``no`` stays a string, a date stays
text until we validate it). The body is parsed with markdown-it-py's CommonMark
preset into the format-free model, as one document: reference links (``[text][ref]``,
``[text]``) resolve through the document's reference definitions wherever they stand.

Footnotes are read by two rules of our own: ``[^label]`` calls a note and
``[^label]: text`` (one paragraph, continued like a paragraph) defines it. Each note is
one message; its call stays in the calling paragraph's message as ``[^label]``. GitHub's
extensions that statements cannot print yet (tables, strikethrough, task lists) are
recognised so that they are refused by name instead of printed as literal text.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Any, Iterator

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import link as _commonmark_link
from markdown_it.token import Token

from ..errors import PublisherError, StatementError, shown
from ..model import (
    NOT_PRINTABLE, Block, Code, Emph, Footnote, FootnoteRef, HardBreak, Heading, Inline, Link,
    ListBlock, Meta, Paragraph, Quote, RichText, Rule, Statement, Strong, Sub, Sup, Text,
    footnote_labels, number_footnotes,
)

MAX_INLINE_DEPTH = 20
"""Inline containers (bold, italic, links, ``<sup>``/``<sub>``) nest at most this deep."""
MAX_BLOCK_DEPTH = 20
"""Lists and block quotes nest at most this deep."""

# ---------------------------------------------------------------- the Markdown dialect

_FOOTNOTE_LABEL = r"[^\s\[\]]+"
_FOOTNOTE_CALL = re.compile(rf"\[\^({_FOOTNOTE_LABEL})\]")
_FOOTNOTE_DEFINITION = re.compile(rf"\[\^({_FOOTNOTE_LABEL})\]:")
_TASK_ITEM = re.compile(r"\[[ xX]\](?=\s|$)")
"""How a GitHub task list item's text starts: ``[ ]``, ``[x]`` or ``[X]``, then a space."""


def footnote_definition_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Block rule: ``[^label]: text`` and the lines that continue it as a paragraph's
    lines would. Indented blocks after a blank line would be further paragraphs of the
    note: they are taken too (not left to be read as code) and counted, so that the
    reader can refuse them by name."""
    if state.is_code_block(start):
        return False
    begin = state.bMarks[start] + state.tShift[start]
    m = _FOOTNOTE_DEFINITION.match(state.src, begin, state.eMarks[start])
    if m is None:
        return False
    if silent:
        return True
    terminators = state.md.block.ruler.getRules("paragraph")
    old_parent = state.parentType
    state.parentType = "paragraph"  # what ends a paragraph ends the note
    line = start + 1
    while line < end and not state.isEmpty(line):
        if state.sCount[line] - state.blkIndent > 3 or state.sCount[line] < 0:
            line += 1  # a lazy continuation line, whatever it holds
            continue
        if any(rule(state, line, end, True) for rule in terminators):
            break
        line += 1
    state.parentType = old_parent
    text_end = last = line
    paragraphs = 1
    while last < end and state.isEmpty(last):
        following = last
        while following < end and state.isEmpty(following):
            following += 1
        if following >= end or state.sCount[following] - state.blkIndent < 4:
            break
        paragraphs += 1
        last = following
        while last < end and not state.isEmpty(last):
            last += 1
    rest = state.getLines(start + 1, text_end, state.blkIndent, False)
    token = state.push("footnote_def", "", 0)
    token.meta = {"label": m.group(1), "paragraphs": paragraphs}
    token.content = (state.src[m.end():state.eMarks[start]] + "\n" + rest).strip()
    token.map = [start, last]
    state.line = last
    return True


def footnote_call_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``[^label]``, the call of a footnote."""
    if not state.src.startswith("[^", state.pos):
        return False
    m = _FOOTNOTE_CALL.match(state.src, state.pos, state.posMax)
    if m is None:
        return False
    if not silent:
        token = state.push("footnote_ref", "", 0)
        token.meta = {"label": m.group(1)}
    state.pos = m.end()
    return True


_REWRITES = "publisher:reference links"
"""The key under which :func:`_link` records the reference links it reads."""


def _link(state: StateInline, silent: bool) -> bool:
    """CommonMark's link rule; when asked to (see :func:`_inline_references`) it also
    records where each reference link's ``[ref]`` part stands and what it resolved to."""
    start = state.pos
    if not _commonmark_link(state, silent):
        return False
    rewrites = state.env.get(_REWRITES)
    if rewrites is not None and not silent:
        label_end = state.md.helpers.parseLinkLabel(state, start, True)
        end = state.pos
        if label_end >= 0 and (end == label_end + 1 or state.src[label_end + 1] == "["):
            opener = next(t for t in reversed(state.tokens) if t.type == "link_open")
            rewrites.append((label_end + 1, end, str(opener.attrs.get("href", "")),
                             str(opener.attrs.get("title") or "")))
    return True


# markdown-it stops reading (and silently drops the rest) past ``maxNesting`` levels; a
# list takes two of its levels. Set high enough that the limits above are always met first.
_MD = MarkdownIt("commonmark", {"maxNesting": 2 * MAX_BLOCK_DEPTH + 10})
_MD.enable(["table", "strikethrough"])  # recognised, to be refused by name
_MD.block.ruler.before("reference", "footnote_def", footnote_definition_rule,
                       {"alt": ["paragraph", "reference"]})
_MD.inline.ruler.before("link", "footnote_ref", footnote_call_rule)
_MD.inline.ruler.at("link", _link)

NOT_YET = "is not supported in statements yet"

REQUIRED = ("mission", "date", "title", "original")
KNOWN = REQUIRED + ("symbol", "meeting", "agenda", "languages", "check_against_delivery")

_ALLOWED_TAGS = {"sup": Sup, "sub": Sub}
_TAG_RE = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9]*)\s*>$")
_YAML_DEPTH = 10
"""Front matter is a mapping of values and lists; deeper nesting is refused unread."""


def check_characters(text: str, path: str | None, line: int | None,
                     error: type[PublisherError] = StatementError, count_lines: bool = False,
                     ) -> None:
    """Refuse characters that cannot be printed in any output (a NUL, a form feed…).

    With ``count_lines`` the error names the line of the character itself, ``line``
    being the line ``text`` starts at.
    """
    m = NOT_PRINTABLE.search(text)
    if m is None:
        return
    at = line
    if count_lines and line is not None:
        at = line + text.count("\n", 0, m.start())
    raise error(f"character U+{ord(m.group()):04X} is not allowed (no document can hold it: "
                "control characters, lone surrogates, U+FFFE and U+FFFF)", path, at)


def language_tag(code: str) -> str | None:
    """The BCP 47 form of a language CLDR knows (``pt_BR`` -> ``pt-BR``), else None."""
    from ..i18n import languages  # local: keeps Babel out of the reader's import cost

    return languages.known(code)


# ---------------------------------------------------------------- inline parsing

def fold_source(raw: str) -> str:
    """The message text of a block: soft line breaks folded into single spaces.

    Hard breaks (two trailing spaces or a backslash) keep their newline, so parsing
    the folded text gives the same inline tree as parsing the original lines.
    """
    lines = raw.split("\n")
    out = lines[0]
    for nxt in lines[1:]:
        if out.endswith("  ") or out.endswith("\\"):
            out += "\n" + nxt.lstrip()
        else:
            out = out.rstrip(" ") + " " + nxt.lstrip()
    return out.strip()


_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def _destination(href: str, title: str) -> str:
    """``(href "title")``: an inline link's destination that reads back as ``href`` and
    ``title``. ``href`` is already normalised by markdown-it (no spaces, no ``<>\\``:
    percent-encoded), so it needs angle brackets only around parentheses; ``&`` is escaped
    where it would read as a character reference."""
    dest = _ENTITY_LIKE.sub(r"\\&", href)
    if "(" in dest or ")" in dest:
        dest = f"<{dest}>"
    if not title:
        return f"({dest})"
    quoted = _ENTITY_LIKE.sub(r"\\&", re.sub(r'(["\\])', r"\\\1", title.replace("\n", " ")))
    return f'({dest} "{quoted}")'


def _inline_references(folded: str, references: dict[str, Any]) -> str:
    """The message with each reference link written as an inline link: ``[text][ref]``,
    ``[text][]`` and ``[text]`` become ``[text](url "title")``. A message then stands on
    its own: translators see the address, and a translation is read without the
    statement's reference definitions, like every other message."""
    env: dict[str, Any] = {"references": references, _REWRITES: []}
    _MD.parseInline(folded, env)
    out = folded
    for start, end, href, title in sorted(env[_REWRITES], reverse=True):
        out = out[:start] + _destination(href, title) + out[end:]
    return out


def parse_inline(source: str, path: str | None = None, line: int | None = None,
                 references: dict[str, Any] | None = None) -> RichText:
    """Parse one message's Markdown into inline content.

    Used for the body, for translatable front matter and, by the translation step, for
    every translated message: one parser, so source and translation cannot disagree.
    ``references`` are the statement's link reference definitions (markdown-it's map):
    reference links are resolved with them and the message keeps them as inline links.
    Raises :class:`StatementError` for raw HTML other than ``<sup>``/``<sub>`` or for
    unbalanced tags.
    """
    check_characters(source, path, line)
    folded = fold_source(source)
    if references:
        folded = _inline_references(folded, references)
    tokens = _MD.parseInline(folded)
    children = (tokens[0].children or []) if tokens else []
    return RichText(folded, _convert_inline(children, path, line))


def _convert_inline(tokens: list[Token], path: str | None, line: int | None) -> tuple[Inline, ...]:
    # A stack of (constructor, children, closing-token-type, extra) frames.
    # Frames: (node constructor, children so far, closing token kind, constructor arguments).
    stack: list[tuple[Any, list[Inline], str, dict[str, str]]] = [(None, [], "", {})]

    def add(node: Inline) -> None:
        kids = stack[-1][1]
        if isinstance(node, Text) and kids and isinstance(kids[-1], Text):
            kids[-1] = Text(kids[-1].text + node.text)
        else:
            kids.append(node)

    def push(frame: tuple[Any, list[Inline], str, dict[str, str]]) -> None:
        if len(stack) > MAX_INLINE_DEPTH:
            raise StatementError(f"inline markup is nested more than {MAX_INLINE_DEPTH} levels "
                                 "deep", path, line)
        stack.append(frame)

    def close(kind: str) -> None:
        ctor, kids, want, extra = stack[-1]
        if want != kind or ctor is None:
            raise StatementError(f"unbalanced inline markup: unexpected closing {kind!r}",
                                 path, line)
        stack.pop()
        add(ctor(children=tuple(kids), **extra))

    for tok in tokens:
        t = tok.type
        # A character reference such as &#12; decodes to a character the source does not hold.
        check_characters(tok.content, path, line)
        if t == "text":
            if tok.content:  # markdown-it leaves empty text tokens around delimiters
                add(Text(tok.content))
        elif t == "softbreak":
            add(Text(" "))
        elif t == "hardbreak":
            add(HardBreak())
        elif t == "code_inline":
            add(Code(tok.content))
        elif t == "strong_open":
            push((Strong, [], "strong", {}))
        elif t == "em_open":
            push((Emph, [], "em", {}))
        elif t == "footnote_ref":
            if any(frame[2] == "link" for frame in stack):
                raise StatementError("a footnote call cannot stand inside a link's text", path,
                                     line)
            add(FootnoteRef(str(tok.meta["label"])))
        elif t == "s_open":
            raise StatementError(f"strikethrough (~~text~~) {NOT_YET}", path, line)
        elif t == "link_open":
            extra = {"href": str(tok.attrs.get("href", ""))}
            if tok.attrs.get("title"):
                extra["title"] = str(tok.attrs["title"])
                check_characters(extra["title"], path, line)
            push((Link, [], "link", extra))
        elif t in ("strong_close", "em_close", "link_close"):
            close(t[:-6])
        elif t == "html_inline":
            m = _TAG_RE.match(tok.content.strip())
            if not m or m.group(2).lower() not in _ALLOWED_TAGS:
                raise StatementError(
                    f"raw HTML {tok.content!r} is not allowed (only <sup> and <sub>)", path, line)
            tag = m.group(2).lower()
            if m.group(1):
                close(tag)
            else:
                push((_ALLOWED_TAGS[tag], [], tag, {}))
        elif t == "image":
            raise StatementError("images are not supported in a statement's text", path, line)
        else:
            raise StatementError(f"unsupported inline markup {t!r}", path, line)
    if len(stack) != 1:
        raise StatementError(f"unclosed inline markup <{stack[-1][2]}>", path, line)
    return tuple(stack[0][1])


# ---------------------------------------------------------------- blocks

def _line_in(content: str, needle: str, first: int) -> int:
    """The line of ``needle`` in a block whose text ``content`` starts on line ``first``
    (a block's lines are the file's lines, container markers removed)."""
    at = content.find(needle)
    return first + content.count("\n", 0, at) if at >= 0 else first


def _parse_blocks(body: str, path: str, first_line: int
                  ) -> tuple[tuple[Block, ...], tuple[Footnote, ...]]:
    """The blocks of the body and its footnotes, every call resolved."""
    env: dict[str, Any] = {}
    tokens = _MD.parse(body, env)
    references: dict[str, Any] | None = env.get("references") or None
    pos = 0
    calls: list[tuple[str, int]] = []  # (label, line) of every footnote call, in reading order
    definitions: dict[str, Footnote] = {}

    def line_of(tok: Token) -> int:
        return first_line + (tok.map[0] if tok.map else 0)

    def text_of(inline: Token, ln: int) -> RichText:
        for child in inline.children or ():
            if child.type == "s_open":
                raise StatementError(f"strikethrough (~~text~~) {NOT_YET}", path,
                                     _line_in(inline.content, child.markup, ln))
        text = parse_inline(inline.content, path, ln, references)
        for label in footnote_labels(text.content):
            calls.append((label, _line_in(inline.content, f"[^{label}]", ln)))
        return text

    def define(tok: Token, ln: int, depth: int) -> None:
        label = str(tok.meta["label"])
        name = f"footnote [^{shown(label)}]"
        if depth:
            raise StatementError(f"{name} is defined inside a list or quote; define footnotes "
                                 "at the left margin, outside any list or quote", path, ln)
        if label in definitions:
            raise StatementError(f"{name} is defined twice (first on line "
                                 f"{definitions[label].line})", path, ln)
        if tok.meta["paragraphs"] > 1:
            raise StatementError(f"{name} has more than one paragraph; a footnote is one "
                                 "paragraph", path, ln)
        if not tok.content:
            raise StatementError(f"{name} has no text", path, ln)
        text = parse_inline(tok.content, path, ln, references)
        if footnote_labels(text.content):
            raise StatementError(f"{name} calls another footnote; a note cannot have notes",
                                 path, ln)
        definitions[label] = Footnote(label, text, ln)

    def parse_until(closing: str | None, depth: int = 0) -> tuple[Block, ...]:
        nonlocal pos
        blocks: list[Block] = []

        def deeper(ln: int) -> int:
            if depth >= MAX_BLOCK_DEPTH:
                raise StatementError(f"lists and quotes are nested more than {MAX_BLOCK_DEPTH} "
                                     "levels deep", path, ln)
            return depth + 1

        while pos < len(tokens):
            tok = tokens[pos]
            if closing is not None and tok.type == closing:
                pos += 1
                return tuple(blocks)
            ln = line_of(tok)
            if tok.type in ("paragraph_open", "heading_open"):
                text = text_of(tokens[pos + 1], ln)
                if tok.type == "heading_open":
                    blocks.append(Heading(int(tok.tag[1]), text, ln))
                else:
                    blocks.append(Paragraph(text, ln))
                pos += 3
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                ordered = tok.type == "ordered_list_open"
                start = int(tok.attrs.get("start", 1) or 1) if ordered else 1
                close_type = tok.type.replace("_open", "_close")
                inner = deeper(ln)
                pos += 1
                items: list[tuple[Block, ...]] = []
                while tokens[pos].type == "list_item_open":
                    pos += 1
                    first = tokens[pos]
                    if (first.type == "paragraph_open"
                            and _TASK_ITEM.match(tokens[pos + 1].content)):
                        raise StatementError(f"a task list item ('- [ ]', '- [x]') {NOT_YET}",
                                             path, line_of(first))
                    items.append(parse_until("list_item_close", inner))
                if tokens[pos].type != close_type:
                    raise StatementError("malformed list", path, ln)
                pos += 1
                blocks.append(ListBlock(ordered, tuple(items), ln, start))
            elif tok.type == "blockquote_open":
                inner = deeper(ln)
                pos += 1
                blocks.append(Quote(parse_until("blockquote_close", inner), ln))
            elif tok.type == "hr":
                blocks.append(Rule(ln))
                pos += 1
            elif tok.type == "footnote_def":
                define(tok, ln, depth)
                pos += 1
            elif tok.type == "table_open":
                raise StatementError(f"a table {NOT_YET}", path, ln)
            elif tok.type == "html_block":
                raise StatementError(
                    f"raw HTML block {tok.content.strip().splitlines()[0]!r} is not allowed "
                    "(only <sup> and <sub> inside text)", path, ln)
            elif tok.type in ("fence", "code_block"):
                raise StatementError("code blocks are not supported in a statement", path, ln)
            else:
                raise StatementError(f"unsupported Markdown element {tok.type!r}", path, ln)
        if closing is not None:
            raise StatementError(f"unclosed {closing}", path, first_line)
        return tuple(blocks)

    # Hidden paragraphs (tight lists) still get paragraph tokens; parse_until handles them.
    blocks = parse_until(None)
    called: dict[str, int] = {}
    for label, ln in calls:
        name = f"footnote [^{shown(label)}]"
        if label not in definitions:
            raise StatementError(f"{name} is called but not defined (define it on a line of "
                                 f"its own: '[^{shown(label)}]: the note's text')", path, ln)
        if label in called:
            raise StatementError(f"{name} is called twice (first on line {called[label]}); "
                                 "a note has one call", path, ln)
        called[label] = ln
    for note in definitions.values():
        if note.label not in called:
            raise StatementError(f"footnote [^{shown(note.label)}] is defined but never "
                                 "called", path, note.line)
    return number_footnotes(blocks, tuple(definitions.values()))


# ---------------------------------------------------------------- front matter

def _split_front_matter(text: str, path: str) -> tuple[str, str, int]:
    """Return (yaml text, body text, line number of the body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise StatementError("a statement must start with '---' and YAML front matter", path, 1)
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]) + "\n", "\n".join(lines[i + 1:]), i + 2
    raise StatementError("front matter is not closed by a '---' line", path, 1)


_PROFILE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_DECIDE = object()
"""What :func:`_compose_with_libyaml` returns when PyYAML's own reader must decide."""
_LIBYAML_DIFFERS = re.compile("[\t\r\x85\u2028\u2029\ufeff]|---"
                              "|(?:^|[-:?,\\[{]) *[?!%&*`@|>]", re.MULTILINE)
"""Where libyaml and PyYAML's reader disagree: tabs, other line breaks, a byte-order
mark, document markers, and at the start of a node (a line's, or after an indicator)
complex keys, tags, directives, anchors and aliases, the reserved indicators and block
scalars; and a "?" in a text with a flow collection. Found by composing generated
texts with both; texts without them compose to the same tree (``tests/test_reader.py``)."""


def _compose_with_libyaml(text: str) -> Any:
    """The YAML node tree of ``text`` composed by libyaml (PyYAML's C reader, a tenth of
    the time), or :data:`_DECIDE` where PyYAML's reader must decide: for any problem
    (its message and line are the ones reported), a character it refuses, nesting past
    the limit, or a text with one of :data:`_LIBYAML_DIFFERS`."""
    loader = getattr(yaml, "CSafeLoader", None)
    if (loader is None or _LIBYAML_DIFFERS.search(text)
            or ("?" in text and ("[" in text or "{" in text))  # in a flow list: PyYAML's key
            or yaml.reader.Reader.NON_PRINTABLE.search(text)):
        return _DECIDE
    try:
        if _past_the_depth(yaml.parse(text, Loader=loader)) is not None:
            return _DECIDE
        return yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return _DECIDE


def _past_the_depth(events: Iterator[yaml.Event]) -> yaml.Event | None:
    """The first collection nested more than :data:`_YAML_DEPTH` deep, or None (read
    from the events, before anything is composed)."""
    depth = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _YAML_DEPTH:
                return event
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _compose_with_pyyaml(fm_text: str, path: str, offset: int, what: str,
                         error: type[PublisherError]) -> Any:
    """The YAML node tree of ``fm_text`` by PyYAML's own reader; its problems as
    ``error`` at their line (nesting past the limit is one)."""
    try:
        deep = _past_the_depth(yaml.parse(fm_text, Loader=yaml.SafeLoader))
        if deep is not None:
            mark = deep.start_mark
            raise error(f"{what} is nested more than {_YAML_DEPTH} levels deep", path,
                        mark.line + offset if mark else None)
        return yaml.compose(fm_text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        ln = mark.line + offset if mark else 1
        problem = shown(exc.problem or exc.context or "syntax error", 120)
        raise error(f"{what} is not valid YAML: {problem}", path, ln) from None
    except yaml.reader.ReaderError as exc:
        ln = offset
        if isinstance(exc.character, int) and exc.encoding == "unicode":  # a text's character
            ln += fm_text.count("\n", 0, max(exc.position, 0))
            problem = f"character U+{exc.character:04X} is not allowed"
        else:
            problem = shown(str(exc.reason), 120)
        raise error(f"{what} is not valid YAML: {problem}", path, ln) from None
    except yaml.YAMLError as exc:
        raise error(f"{what} is not valid YAML: {shown(str(exc), 120)}", path, 1) from None


_NULL_TAG = "tag:yaml.org,2002:null"


def read_front_matter(fm_text: str, path: str, known: tuple[str, ...] = KNOWN,
                      offset: int = 2, what: str = "front-matter",
                      error: type[PublisherError] = StatementError,
                      lists: tuple[str, ...] = ("languages",),
                      ) -> tuple[dict[str, Any], dict[str, int]]:
    """Compose a YAML mapping; return raw values and the line of each key.

    A value is text (``str``, never coerced: ``no`` stays ``"no"``); the keys in ``lists``
    may also hold a list of texts. An empty value or YAML's null (``~``, ``null``) is the
    empty string. Anything else (a list where one value is expected, a mapping, a list of
    lists, a character no document can print) is an ``error`` at its line.

    ``offset`` converts PyYAML's 0-based line marks into the file's 1-based lines
    (2 for front matter, which starts after the opening ``---``).
    """
    def scalar(node: yaml.Node, key: str, item: bool = False) -> str:
        ln = node.start_mark.line + offset
        if not isinstance(node, yaml.ScalarNode):
            kind = "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
            if item:
                raise error(f"'{key}' must be a list of single values, not a list of {kind[2:]}s",
                            path, ln)
            if key in lists:
                raise error(f"'{key}' must be a value or a list of values, not {kind}", path, ln)
            raise error(f"'{key}' must be a single value, not {kind}", path, ln)
        value = "" if node.tag == _NULL_TAG else str(node.value)
        check_characters(value, path, ln, error)
        return value

    root = _compose_with_libyaml(fm_text)
    if root is _DECIDE:
        root = _compose_with_pyyaml(fm_text, path, offset, what, error)
    if root is None:
        raise error(f"{what} is empty", path, offset)
    if not isinstance(root, yaml.MappingNode):
        raise error(f"{what} must be a mapping of 'key: value' lines", path, offset)
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for knode, vnode in root.value:
        ln = knode.start_mark.line + offset
        if not isinstance(knode, yaml.ScalarNode):
            raise error(f"{what} keys must be words such as 'title', not a list or mapping",
                        path, ln)
        key = str(knode.value)
        if key in values:
            raise error(f"duplicate {what} key '{shown(key)}'", path, ln)
        if key not in known:
            raise error(f"unknown {what} key '{shown(key)}' (known: {', '.join(sorted(known))})",
                        path, ln)
        lines[key] = ln
        if isinstance(vnode, yaml.SequenceNode):
            if key not in lists:
                raise error(f"'{key}' must be a single value, not a list", path, ln)
            values[key] = [scalar(n, key, item=True) for n in vnode.value]
        else:
            values[key] = scalar(vnode, key)
    return values, lines


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOOLEAN = {"true": True, "yes": True, "false": False, "no": False}


def build_meta(values: dict[str, Any], lines: dict[str, int], path: str) -> Meta:
    def err(key: str, message: str) -> StatementError:
        return StatementError(message, path, lines.get(key, 1))

    # read_front_matter gives text for every key but 'languages'; say so again here, so
    # values from anywhere else cannot reach the code below as another type.
    for key, value in values.items():
        if key == "languages":
            ok = isinstance(value, str) or (isinstance(value, list)
                                            and all(isinstance(v, str) for v in value))
        else:
            ok = isinstance(value, str)
        if not ok:
            what = "a list" if isinstance(value, list) else type(value).__name__
            raise err(key, f"'{key}' must be a single value, not {what}" if key != "languages"
                      else "'languages' must be a language code or a list of codes")
    for key in REQUIRED:
        if key not in values:
            raise StatementError(f"missing required front-matter key '{key}'", path, 1)
        if not values[key].strip():
            raise err(key, f"front-matter key '{key}' has no value")
    if not _DATE.fullmatch(values["date"].strip()):
        raise err("date", f"'{shown(values['date'])}' is not a valid date (write it as YYYY-MM-DD)")
    try:
        date = datetime.date.fromisoformat(values["date"].strip())
    except ValueError:
        raise err("date", f"'{shown(values['date'])}' is not a valid date (write it as "
                  "YYYY-MM-DD)") from None

    def lang(code: str, key: str) -> str:
        tag = language_tag(code)
        if tag is None:
            raise err(key, f"unknown language code '{shown(code)}' (use a CLDR code such as en, "
                      "uk, fr, pt-BR, sr-Latn)")
        return tag

    original = lang(values["original"], "original")
    langs_raw = values.get("languages", [values["original"]])
    if not isinstance(langs_raw, list):
        langs_raw = [langs_raw]
    languages: list[str] = []
    written: dict[str, str] = {}
    for code in langs_raw:
        tag = lang(code, "languages")
        if tag in written:
            same = (f"'{shown(code)}' is listed twice" if written[tag] == code else
                    f"'{shown(written[tag])}' and '{shown(code)}' are one language ({tag}), "
                    "listed twice")
            raise err("languages", f"{same} in 'languages'")
        written[tag] = code
        languages.append(tag)
    if original in languages:
        languages.remove(original)
    languages.insert(0, original)

    def rich(key: str) -> RichText | None:
        if not values.get(key, "").strip():  # absent, empty or null: no such line
            return None
        text = parse_inline(values[key], path, lines[key])
        if footnote_labels(text.content):
            raise err(key, f"'{key}' calls a footnote; footnotes belong to the body")
        return text

    symbol = values.get("symbol", "").strip() or None
    if symbol is not None and "\n" in symbol:
        raise err("symbol", "'symbol' must be one line")
    cad_text = values.get("check_against_delivery", "false").strip().lower()
    if cad_text not in _BOOLEAN:
        raise err("check_against_delivery", "'check_against_delivery' must be true or false")
    mission = values["mission"]
    if not _PROFILE_ID.fullmatch(mission):
        raise err("mission", f"mission '{shown(mission)}' must be a profile id such as "
                  "ua-osce-vienna")
    title = rich("title")
    if title is None or not title.plain.strip():
        raise err("title", "the title has no text")
    return Meta(
        mission=mission, date=date, title=title, original=original,
        languages=tuple(languages), meeting=rich("meeting"), agenda=rich("agenda"),
        symbol=symbol,
        check_against_delivery=_BOOLEAN[cad_text],
        lines=tuple(sorted(lines.items(), key=lambda kv: kv[1])),
    )


# ---------------------------------------------------------------- entry point

def read_statement(path: str | os.PathLike[str]) -> Statement:
    """Read and validate ``seeds/<slug>.md``. Raises :class:`StatementError` with a line."""
    path = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise StatementError(f"cannot read statement: {exc.strerror}", path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        ln = raw[: exc.start].count(b"\n") + 1
        raise StatementError("statement is not valid UTF-8", path, ln) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    check_characters(text, path, 1, count_lines=True)
    fm, body, body_line = _split_front_matter(text, path)
    values, lines = read_front_matter(fm, path)
    meta = build_meta(values, lines, path)
    blocks, footnotes = _parse_blocks(body, path, body_line)
    if not blocks:
        raise StatementError("the statement has no body text after the front matter", path, body_line)
    slug = Path(path).stem
    return Statement(slug=slug, path=path, meta=meta, blocks=blocks, language=meta.original,
                     footnotes=footnotes)
