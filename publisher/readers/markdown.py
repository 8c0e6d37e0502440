"""Read a canonical statement: YAML front matter plus a CommonMark body.

The front matter is parsed with PyYAML's composer so every key keeps its line number
and no value is coerced behind the user's back (``no`` stays a string, a date stays
text until we validate it). The body is parsed with markdown-it-py's CommonMark
preset into the format-free model.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..errors import PublisherError, StatementError
from ..model import (
    Block, Code, Emph, HardBreak, Heading, Inline, Link, ListBlock, Meta, Paragraph,
    Quote, RichText, Rule, Statement, Strong, Sub, Sup, Text,
)

_MD = MarkdownIt("commonmark")

REQUIRED = ("mission", "date", "title", "original")
TRANSLATABLE = ("title", "meeting", "agenda")
"""Front-matter fields that are gettext messages (their msgctxt is the field name)."""
KNOWN = REQUIRED + ("symbol", "meeting", "agenda", "languages", "check_against_delivery")

_ALLOWED_TAGS = {"sup": Sup, "sub": Sub}
_TAG_RE = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9]*)\s*>$")


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


def parse_inline(source: str, path: str | None = None, line: int | None = None) -> RichText:
    """Parse one message's Markdown into inline content.

    Used for the body, for translatable front matter and, by the translation step, for
    every translated message: one parser, so source and translation cannot disagree.
    Raises :class:`StatementError` for raw HTML other than ``<sup>``/``<sub>`` or for
    unbalanced tags.
    """
    folded = fold_source(source)
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

    def close(kind: str) -> None:
        ctor, kids, want, extra = stack[-1]
        if want != kind or ctor is None:
            raise StatementError(f"unbalanced inline markup: unexpected closing {kind!r}",
                                 path, line)
        stack.pop()
        add(ctor(children=tuple(kids), **extra))

    for tok in tokens:
        t = tok.type
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
            stack.append((Strong, [], "strong", {}))
        elif t == "em_open":
            stack.append((Emph, [], "em", {}))
        elif t == "link_open":
            extra = {"href": str(tok.attrs.get("href", ""))}
            if tok.attrs.get("title"):
                extra["title"] = str(tok.attrs["title"])
            stack.append((Link, [], "link", extra))
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
                stack.append((_ALLOWED_TAGS[tag], [], tag, {}))
        elif t == "image":
            raise StatementError("images are not supported in a statement's text", path, line)
        else:
            raise StatementError(f"unsupported inline markup {t!r}", path, line)
    if len(stack) != 1:
        raise StatementError(f"unclosed inline markup <{stack[-1][2]}>", path, line)
    return tuple(stack[0][1])


# ---------------------------------------------------------------- blocks

def _parse_blocks(body: str, path: str, first_line: int) -> tuple[Block, ...]:
    tokens = _MD.parse(body)
    pos = 0

    def line_of(tok: Token) -> int:
        return first_line + (tok.map[0] if tok.map else 0)

    def parse_until(closing: str | None) -> tuple[Block, ...]:
        nonlocal pos
        blocks: list[Block] = []
        while pos < len(tokens):
            tok = tokens[pos]
            if closing is not None and tok.type == closing:
                pos += 1
                return tuple(blocks)
            ln = line_of(tok)
            if tok.type in ("paragraph_open", "heading_open"):
                inline = tokens[pos + 1]
                text = parse_inline(inline.content, path, ln)
                if tok.type == "heading_open":
                    blocks.append(Heading(int(tok.tag[1]), text, ln))
                else:
                    blocks.append(Paragraph(text, ln))
                pos += 3
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                ordered = tok.type == "ordered_list_open"
                start = int(tok.attrs.get("start", 1) or 1) if ordered else 1
                close_type = tok.type.replace("_open", "_close")
                pos += 1
                items: list[tuple[Block, ...]] = []
                while tokens[pos].type == "list_item_open":
                    pos += 1
                    items.append(parse_until("list_item_close"))
                if tokens[pos].type != close_type:
                    raise StatementError("malformed list", path, ln)
                pos += 1
                blocks.append(ListBlock(ordered, tuple(items), ln, start))
            elif tok.type == "blockquote_open":
                pos += 1
                blocks.append(Quote(parse_until("blockquote_close"), ln))
            elif tok.type == "hr":
                blocks.append(Rule(ln))
                pos += 1
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
    return parse_until(None)


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


def read_front_matter(fm_text: str, path: str, known: tuple[str, ...] = KNOWN,
                      offset: int = 2, what: str = "front-matter",
                      error: type[PublisherError] = StatementError,
                      ) -> tuple[dict[str, Any], dict[str, int]]:
    """Compose a YAML mapping; return raw values (strings / lists of strings) and key lines.

    ``offset`` converts PyYAML's 0-based line marks into the file's 1-based lines
    (2 for front matter, which starts after the opening ``---``).
    """
    def scalar(node: yaml.Node, key: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise error(f"'{key}' must be a single value", path, node.start_mark.line + offset)
        return str(node.value)

    try:
        root = yaml.compose(fm_text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        ln = mark.line + offset if mark else 1
        raise error(f"{what} is not valid YAML: {exc.problem}", path, ln) from None
    except yaml.YAMLError as exc:
        raise error(f"{what} is not valid YAML: {exc}", path, 1) from None
    if root is None:
        raise error(f"{what} is empty", path, offset)
    if not isinstance(root, yaml.MappingNode):
        raise error(f"{what} must be a mapping of 'key: value' lines", path, offset)
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for knode, vnode in root.value:
        key = str(knode.value)
        ln = knode.start_mark.line + offset
        if key in values:
            raise error(f"duplicate {what} key '{key}'", path, ln)
        if key not in known:
            raise error(f"unknown {what} key '{key}' (known: {', '.join(sorted(known))})", path, ln)
        lines[key] = ln
        if isinstance(vnode, yaml.SequenceNode):
            values[key] = [scalar(n, key) for n in vnode.value]
        else:
            values[key] = scalar(vnode, key)
    return values, lines


def build_meta(values: dict[str, Any], lines: dict[str, int], path: str) -> Meta:
    def err(key: str, message: str) -> StatementError:
        return StatementError(message, path, lines.get(key, 1))

    for key in REQUIRED:
        if key not in values or values[key] in ("", None):
            raise StatementError(f"missing required front-matter key '{key}'", path, 1)
    for key in ("mission", "date", "title", "original", "symbol", "meeting", "agenda"):
        if isinstance(values.get(key), list):
            raise err(key, f"'{key}' must be a single value, not a list")
    try:
        date = datetime.date.fromisoformat(values["date"])
    except ValueError:
        raise err("date", f"'{values['date']}' is not a valid date (write it as YYYY-MM-DD)") from None

    def lang(code: str, key: str) -> str:
        tag = language_tag(code)
        if tag is None:
            raise err(key, f"unknown language code '{code}' (use a CLDR code such as en, uk, "
                      "fr, pt-BR, sr-Latn)")
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
            same = (f"'{code}' is listed twice" if written[tag] == code else
                    f"'{written[tag]}' and '{code}' are one language ({tag}), listed twice")
            raise err("languages", f"{same} in 'languages'")
        written[tag] = code
        languages.append(tag)
    if original in languages:
        languages.remove(original)
    languages.insert(0, original)

    def rich(key: str) -> RichText | None:
        if key not in values:
            return None
        return parse_inline(values[key], path, lines[key])

    cad = values.get("check_against_delivery", "false").lower()
    if cad not in ("true", "false", "yes", "no"):
        raise err("check_against_delivery", "'check_against_delivery' must be true or false")
    mission = values["mission"]
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", mission):
        raise err("mission", f"mission '{mission}' must be a profile id such as ua-osce-vienna")
    title = rich("title")
    assert title is not None
    return Meta(
        mission=mission, date=date, title=title, original=original,
        languages=tuple(languages), meeting=rich("meeting"), agenda=rich("agenda"),
        symbol=values.get("symbol") or None,
        check_against_delivery=cad in ("true", "yes"),
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
    fm, body, body_line = _split_front_matter(text, path)
    values, lines = read_front_matter(fm, path)
    meta = build_meta(values, lines, path)
    blocks = _parse_blocks(body, path, body_line)
    if not blocks:
        raise StatementError("the statement has no body text after the front matter", path, body_line)
    slug = Path(path).stem
    return Statement(slug=slug, path=path, meta=meta, blocks=blocks, language=meta.original)
