"""Word's runs as statement Markdown: the formatting a press officer typed, kept as markup.

Word holds a paragraph as runs of text, each with its own properties, split wherever an
edit, a spell check or a revision happened: "**Perm**" and "**anent**" are one bold word
to the reader. A run is bold, italic, raised or lowered by its own properties (``w:b``,
``w:i``, ``w:vertAlign``) or by its character style and the styles that one is based on
("Strong", "Emphasis", our own writer's "Superscript"...), so both are read. Adjacent
runs of equal formatting are merged, and the markup is nested by its longest spans, so a
bold line with a superscript ordinal reads ``**92<sup>nd</sup> Joint FSC-PC Meeting**``.

The text is what the document prints: inserted revisions are kept and deleted ones
dropped, hidden text, field codes and comment marks left out, a field's result kept (a
``HYPERLINK`` field is a link like ``w:hyperlink``). Images, text boxes, embedded objects
and equations are not text: :func:`paragraph_objects` names them for the reader to report.

Markdown gives characters meaning by context, so every character that could start markup
there is escaped, and only those: the result reads back as exactly the Word text. Each
line is checked by parsing it with the statement's own inline parser; when emphasis
cannot be delimited around punctuation (``**“x”**y``), the line is written again with the
emphasis adjusted, and as a last resort without it, so the text is never lost.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import weakref
from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator

from ..errors import PublisherError
from ..model import NOT_PRINTABLE

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_ENDNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"
_STYLE_DEPTH = 20
"""A style's ``basedOn`` chain is followed this far (a cycle or a hostile chain stops)."""

_CONTAINERS = {f"{_W}{name}" for name in (
    "ins", "moveTo", "smartTag", "customXml", "dir", "bdo", "sdtContent")}
"""Elements whose runs print as if they stood in the paragraph itself."""
_DROPPED = {f"{_W}{name}" for name in ("del", "moveFrom")}
"""Revisions that removed text: it does not print."""
_LINE_BREAKS = (None, "textWrapping", "column")


class WordMLError(PublisherError):
    """A Word document whose parts cannot be read (the draft reader names the file)."""


def printable(text: str) -> str:
    """``text`` without the characters no statement may hold (C0 controls other than tab
    and line ends, lone surrogates, U+FFFE, U+FFFF)."""
    return NOT_PRINTABLE.sub("", text)  # such characters in a draft are dropped


def clean_text(text: str) -> str:
    """Text of one line as a statement can hold it: tabs and line ends as spaces, other
    control characters dropped."""
    return printable(re.sub("[\t\n\r]", " ", text))


# ---------------------------------------------------------------- escaping

_ALWAYS = set("\\*[]`|")
"""Characters that can start or end markup anywhere: always escaped."""
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def escape(text: str) -> str:
    """``text`` as Markdown inline content that reads back as the same characters.

    ``_`` is escaped unless it stands between two letters or digits (where it cannot
    delimit emphasis), ``<`` unless whitespace follows, ``~`` next to another ``~`` or at
    either end, ``&`` where it would start a character reference, ``!`` at the end (a
    link may follow). Block markers at the start of a line are the business of
    :func:`block_safe`.
    """
    out: list[str] = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_":
            inside = 0 < i < last and text[i - 1].isalnum() and text[i + 1].isalnum()
            out.append(ch if inside else "\\_")
        elif ch == "<":
            out.append("<" if i < last and text[i + 1].isspace() else "\\<")
        elif ch == "~":
            alone = 0 < i < last and text[i - 1] != "~" and text[i + 1] != "~"
            out.append("~" if alone else "\\~")
        elif ch == "&" and _ENTITY.match(text, i):
            out.append("\\&")
        elif ch == "!" and i == last:
            out.append("\\!")
        else:
            out.append(ch)
    return "".join(out)


_LIST_NUMBER = re.compile(r"([0-9]{1,9})([.)])(?=[ \t]|$)")
_SETEXT = re.compile(r"=+[ \t]*$")
_NOTE_DEFINITION = re.compile(r"\[\^[^\s\[\]]+\]:")


def block_safe(line: str) -> str:
    """A line of a block's Markdown that cannot be read as the start of another block
    (a heading, a quote, a list item, a setext underline, a footnote definition)."""
    if line.startswith(("#", ">")):
        return "\\" + line
    if line and line[0] in "-+" and (len(line) == 1 or line[1] in " \t"
                                     or not line.strip("- \t")):
        return "\\" + line
    m = _LIST_NUMBER.match(line)
    if m:
        return f"{m.group(1)}\\{line[m.end(1):]}"
    if _SETEXT.match(line):
        return "\\" + line
    m = _NOTE_DEFINITION.match(line)
    if m:
        return line[:m.end() - 1] + "\\:" + line[m.end():]
    return line


# ---------------------------------------------------------------- links

_DESTINATION_ESCAPES = re.compile(r"[\x00-\x20<>\\\x7f]")


def _encoded(url: str) -> str:
    """``url`` with what a Markdown link destination cannot hold percent-encoded: spaces,
    controls, ``<``, ``>`` and backslashes."""
    return _DESTINATION_ESCAPES.sub(lambda m: f"%{ord(m.group()):02X}", url)


def _destination(url: str) -> str:
    """A link destination Markdown reads back as ``url``: angle brackets around
    parentheses, character references escaped."""
    dest = _ENTITY.sub(r"\\&", _encoded(url))
    return f"<{dest}>" if "(" in dest or ")" in dest else dest


@functools.lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def usable_link(url: str) -> bool:
    """Whether Markdown can hold ``url`` as a link: markdown-it refuses ``javascript:``,
    ``vbscript:``, ``file:`` and ``data:`` destinations, which would then read as text."""
    md = _markdown()
    try:
        return bool(url) and bool(md.validateLink(md.normalizeLink(_encoded(url))))
    except ValueError:
        return False


_HYPERLINK_FIELD = re.compile(r'^\s*HYPERLINK\s+(?:"([^"]*)"|(\S+))(?:.*?\\l\s+"([^"]*)")?',
                              re.DOTALL)


def _field_link(instruction: str) -> str | None:
    """The address of a ``HYPERLINK`` field (``HYPERLINK "url"``, ``HYPERLINK \\l "anchor"``)."""
    m = re.match(r'^\s*HYPERLINK\s+\\l\s+"([^"]*)"', instruction)
    if m:
        return "#" + m.group(1)
    m = _HYPERLINK_FIELD.match(instruction)
    if m is None:
        return None
    url = m.group(1) if m.group(1) is not None else m.group(2)
    return url + ("#" + m.group(3) if m.group(3) else "")


# ---------------------------------------------------------------- formatting

@dataclass(frozen=True)
class Format:
    """The formatting a statement can hold for a stretch of text."""

    bold: bool = False
    italic: bool = False
    vert: str = ""
    """``sup``, ``sub`` or empty."""
    href: str | None = None


@dataclass(frozen=True)
class Piece:
    """Text of one formatting, or (``note`` set) the call of the footnote labelled so.
    Other readers (ODT, a Markdown draft's parsed text) describe their lines this way to
    have them written by :func:`line_markdown`."""

    text: str
    fmt: Format
    note: str | None = None


_PROPERTIES = ("b", "i", "vertAlign", "vanish", "bCs", "iCs")


def _properties(rpr: Any) -> dict[str, Any]:
    """The formatting a ``w:rPr`` sets (toggles as booleans, ``vertAlign`` as a value)."""
    found: dict[str, Any] = {}
    if rpr is None:
        return found
    for name in _PROPERTIES:
        el = rpr.find(f"{_W}{name}")
        if el is None:
            continue
        val = el.get(f"{_W}val")
        if name == "vertAlign":
            found[name] = {"superscript": "sup", "subscript": "sub"}.get(val or "", "")
        else:
            found[name] = (val or "true").lower() not in ("0", "false", "off")
    return found


_STYLE_FALLBACK: dict[str, dict[str, Any]] = {"Strong": {"b": True}, "Emphasis": {"i": True},
                   "Superscript": {"vertAlign": "sup"}, "Subscript": {"vertAlign": "sub"}}
"""Word's built-in character styles a document may use without defining them."""


class _Context:
    """What reading a document's paragraphs needs once per document: its character
    styles (resolved through ``basedOn``) and its footnotes and endnotes."""

    def __init__(self, main: Any) -> None:
        self.main = main
        self.styles: dict[str, tuple[Any, str | None]] = {}
        self.resolved: dict[str, dict[str, Any]] = {}
        self.notes: dict[str, tuple[Any, dict[str, Any]] | None] = {}
        styles = self._styles_element(main)
        if styles is not None:
            for style in styles.findall(f"{_W}style"):
                style_id = style.get(f"{_W}styleId")
                based = style.find(f"{_W}basedOn")
                if style_id and style_id not in self.styles:
                    self.styles[style_id] = (style.find(f"{_W}rPr"),
                                             based.get(f"{_W}val") if based is not None else None)

    @staticmethod
    def _styles_element(main: Any) -> Any:
        from docx.opc.constants import RELATIONSHIP_TYPE

        rels = getattr(main, "rels", None)
        if rels is None:
            return None
        for rel in rels.values():
            if rel.reltype == RELATIONSHIP_TYPE.STYLES and not rel.is_external:
                return part_xml(rel.target_part)
        return None

    def style(self, style_id: str) -> dict[str, Any]:
        """The formatting a character style gives, its ``basedOn`` chain followed."""
        if style_id in self.resolved:
            return self.resolved[style_id]
        found: dict[str, Any] = {}
        seen: set[str] = set()
        current: str | None = style_id
        while current and current not in seen and len(seen) < _STYLE_DEPTH:
            seen.add(current)
            if current not in self.styles:
                for key, value in _STYLE_FALLBACK.get(current, {}).items():
                    found.setdefault(key, value)
                break
            rpr, current = self.styles[current]
            for key, value in _properties(rpr).items():
                found.setdefault(key, value)
        self.resolved[style_id] = found
        return found

    def run_format(self, r: Any) -> tuple[bool, bool, str, bool]:
        """(bold, italic, vertical alignment, hidden) of a run."""
        rpr = r.find(f"{_W}rPr")
        props = _properties(rpr)
        rstyle = rpr.find(f"{_W}rStyle") if rpr is not None else None
        if rstyle is not None and rstyle.get(f"{_W}val"):
            for key, value in self.style(str(rstyle.get(f"{_W}val"))).items():
                props.setdefault(key, value)
        complex_script = rpr is not None and any(
            el is not None and (el.get(f"{_W}val") or "true") not in ("0", "false", "off")
            for el in (rpr.find(f"{_W}rtl"), rpr.find(f"{_W}cs")))
        bold = props.get("b", props.get("bCs", False) if complex_script else False)
        italic = props.get("i", props.get("iCs", False) if complex_script else False)
        return bool(bold), bool(italic), str(props.get("vertAlign", "")), bool(
            props.get("vanish", False))

    def note(self, kind: str, note_id: str) -> tuple[Any, Any] | None:
        """(``w:footnote`` or ``w:endnote`` element, its part) of a note, None if absent
        or a separator."""
        if kind not in self.notes:
            self.notes[kind] = self._load_notes(kind)
        loaded = self.notes[kind]
        if loaded is None:
            return None
        part, by_id = loaded
        element = by_id.get(note_id)
        return (element, part) if element is not None else None

    def _load_notes(self, kind: str) -> tuple[Any, dict[str, Any]] | None:
        reltype = _FOOTNOTES if kind == "footnote" else _ENDNOTES
        for rel in getattr(self.main, "rels", {}).values():
            if rel.reltype == reltype and not rel.is_external:
                part = rel.target_part
                root = part_xml(part)
                if root is None:
                    return None
                by_id: dict[str, Any] = {}
                for note in root.findall(f"{_W}{kind}"):
                    if note.get(f"{_W}type") in ("separator", "continuationSeparator",
                                                 "continuationNotice"):
                        continue
                    by_id.setdefault(str(note.get(f"{_W}id")), note)
                return part, by_id
        return None


def part_xml(part: Any) -> Any:
    """A part's XML root: python-docx's element, or the part's bytes parsed safely (no
    DTD, no entities, no network)."""
    element = getattr(part, "element", None)
    if element is not None:
        return element
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(part.blob, parser)
    except etree.XMLSyntaxError as exc:
        raise WordMLError(f"the document's part {part.partname} is not well-formed XML "
                          f"({exc.msg})") from None


_CONTEXTS: weakref.WeakKeyDictionary[Any, _Context] = weakref.WeakKeyDictionary()


def _context(part: Any) -> _Context:
    package = getattr(part, "package", None)
    main = getattr(package, "main_document_part", None) if package is not None else None
    main = main if main is not None else part
    context = _CONTEXTS.get(main)
    if context is None:
        context = _CONTEXTS[main] = _Context(main)
    return context


# ---------------------------------------------------------------- reading a paragraph

_MAX_CODE = 2000
"""A field's code is read this far (a ``HYPERLINK`` address and its switches)."""


@dataclass
class _Field:
    """A Word field (``w:fldChar`` begin ... separate ... end) open in a paragraph."""

    code: str = ""
    result: bool = False
    """Past its separate mark: its text prints."""
    address: str | None = None
    """The link its result is (its own ``HYPERLINK`` or an enclosing one's)."""

class _Walker:
    """Collects a paragraph's pieces, line by line, in reading order."""

    def __init__(self, context: _Context, part: Any, notes: dict[str, str] | None,
                 in_note: bool = False) -> None:
        self.context = context
        self.part = part
        self.notes = notes
        self.in_note = in_note
        self.lines: list[list[Piece]] = [[]]
        self.fields: list[_Field] = []
        self.reading_code = 0
        """How many open fields are still in their instruction (their text never prints)."""
        self.calls = 0

    def walk(self, parent: Any, href: str | None = None) -> None:
        for el in parent:
            tag = el.tag
            if not isinstance(tag, str):
                continue
            if tag == f"{_W}r":
                self.run(el, href)
            elif tag == f"{_W}hyperlink":
                self.walk(el, self.hyperlink(el) or href)
            elif tag == f"{_W}fldSimple":
                self.walk(el, _field_link(el.get(f"{_W}instr") or "") or href)
            elif tag in _CONTAINERS:
                self.walk(el, href)
            elif tag == f"{_W}sdt":
                content = el.find(f"{_W}sdtContent")
                if content is not None:
                    self.walk(content, href)
            elif tag == f"{_W}ruby":
                base = el.find(f"{_W}rubyBase")
                if base is not None:
                    self.walk(base, href)

    def hyperlink(self, el: Any) -> str | None:
        r_id = el.get(f"{_R}id")
        anchor = el.get(f"{_W}anchor")
        url = ""
        if r_id:
            rel = getattr(self.part, "rels", {}).get(r_id)
            if rel is None or not rel.is_external:
                return None
            url = str(rel.target_ref)
        if anchor:
            url += "#" + anchor
        return url or None

    def add(self, text: str, fmt: Format) -> None:
        text = clean_text(text)
        if text:
            self.lines[-1].append(Piece(text, fmt))

    def run(self, r: Any, href: str | None) -> None:
        bold, italic, vert, hidden = self.context.run_format(r)
        for child in r:
            tag = child.tag
            if tag == f"{_W}fldChar":
                self.field_char(child.get(f"{_W}fldCharType"))
                continue
            if tag == f"{_W}instrText":
                field = self.fields[-1] if self.fields else None
                if field is not None and not field.result and len(field.code) < _MAX_CODE:
                    field.code += child.text or ""
                continue
            if hidden or self.reading_code:
                continue
            address = self.fields[-1].address if self.fields else None
            address = address or href
            if address is not None and not usable_link(address):
                address = None
            fmt = Format(bold, italic, vert, address)
            if tag == f"{_W}t":
                self.add(child.text or "", fmt)
            elif tag in (f"{_W}tab", f"{_W}ptab"):
                self.add(" ", fmt)
            elif tag == f"{_W}br":
                if child.get(f"{_W}type") in _LINE_BREAKS:
                    self.lines.append([])
                else:
                    self.add(" ", fmt)
            elif tag == f"{_W}cr":
                self.lines.append([])
            elif tag == f"{_W}noBreakHyphen":
                self.add("-", fmt)
            elif tag in (f"{_W}footnoteReference", f"{_W}endnoteReference"):
                self.call("footnote" if tag == f"{_W}footnoteReference" else "endnote",
                          str(child.get(f"{_W}id")))

    def field_char(self, kind: str | None) -> None:
        """A field's begin, separate or end mark: what follows is its code, its result
        (a ``HYPERLINK`` field's result is a link), or the text after it."""
        if kind == "begin":
            self.fields.append(_Field())
            self.reading_code += 1
        elif kind == "separate" and self.fields and not self.fields[-1].result:
            field = self.fields[-1]
            field.result = True
            self.reading_code -= 1
            outer = self.fields[-2].address if len(self.fields) > 1 else None
            field.address = _field_link(field.code) or outer
        elif kind == "end" and self.fields:
            if not self.fields.pop().result:
                self.reading_code -= 1

    def call(self, kind: str, note_id: str) -> None:
        if self.in_note:
            return
        if self.notes is None:
            self.calls += 1
            self.lines[-1].append(Piece("", Format(), str(self.calls)))
            return
        found = self.context.note(kind, note_id)
        if found is None:
            return
        element, part = found
        text = note_markdown(element, part, self.context)
        if not text:
            return
        label = str(len(self.notes) + 1)
        while label in self.notes:
            label = str(int(label) + 1)
        self.notes[label] = text
        self.lines[-1].append(Piece("", Format(), label))


def note_markdown(note: Any, part: Any, context: _Context | None = None) -> str:
    """A footnote's (or endnote's) text as one paragraph of statement Markdown: its own
    reference mark left out, its paragraphs and lines joined by spaces."""
    context = context or _context(part)
    lines: list[str] = []
    for p in note.iter(f"{_W}p"):
        walker = _Walker(context, part, None, in_note=True)
        walker.walk(p)
        lines += [text for text in (line_markdown(line) for line in walker.lines) if text]
    return " ".join(lines)


def paragraph_lines(p: Any, part: Any, notes: dict[str, str] | None = None) -> list[str]:
    """The Markdown of each line of a paragraph (split at its line breaks; empty lines
    left out). See :func:`paragraph_markdown`."""
    walker = _Walker(_context(part), part, notes)
    walker.walk(p)
    return [text for text in (line_markdown(line) for line in walker.lines) if text]


def paragraph_markdown(p: Any, part: Any, notes: dict[str, str] | None = None) -> str:
    """A Word paragraph's inline content as statement Markdown.

    ``p`` is a ``w:p`` element (python-docx's ``paragraph._p``), ``part`` the part holding
    it (the document part for the body and its tables), whose relationships give the
    links' addresses. Line breaks become a backslash before the line end. A footnote
    (or endnote) call becomes ``[^N]``: with ``notes``, N is the number of notes in it
    plus one and ``notes[N]`` is set to the note's Markdown, so one dict passed along the
    paragraphs of a document numbers the calls in reading order (a note without text is
    left out, call and all); without it calls are numbered from 1 in the paragraph.
    """
    return "\\\n".join(paragraph_lines(p, part, notes))


def cell_paragraphs(tc: Any, part: Any, notes: dict[str, str] | None = None) -> list[str]:
    """The Markdown of each paragraph with text in a table cell (``w:tc``), nested
    tables' paragraphs left out."""
    out: list[str] = []
    for p in _cell_paragraph_elements(tc):
        text = paragraph_markdown(p, part, notes)
        if text:
            out.append(text)
    return out


def cell_markdown(tc: Any, part: Any, notes: dict[str, str] | None = None,
                  separator: str = "\\\n") -> str:
    """A table cell's text as one block of Markdown: its paragraphs joined by
    ``separator`` (a line break by default)."""
    return separator.join(cell_paragraphs(tc, part, notes))


def _cell_paragraph_elements(parent: Any) -> Iterator[Any]:
    for el in parent:
        if el.tag == f"{_W}p":
            yield el
        elif el.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):
            yield from _cell_paragraph_elements(
                el.find(f"{_W}sdtContent") if el.tag == f"{_W}sdt" and el.find(
                    f"{_W}sdtContent") is not None else el)


def paragraph_objects(p: Any) -> list[str]:
    """What a paragraph holds that is not text ("an image", "a text box", "an embedded
    object", "an equation"), in order, each once per occurrence (deleted revisions aside)."""
    found: list[str] = []

    def visit(el: Any) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _DROPPED:
                continue
            if tag == f"{_MC}AlternateContent":
                choice = child.find(f"{_MC}Choice")
                visit(choice if choice is not None else child)
                continue
            if tag == f"{_W}drawing" or tag == f"{_W}pict":
                boxes = any(True for _ in child.iter(f"{_W}txbxContent"))
                found.append("a text box" if boxes else "an image")
                continue
            if tag == f"{_W}object":
                found.append("an embedded object")
                continue
            if tag == f"{_MATH}oMath" or tag == f"{_MATH}oMathPara":
                found.append("an equation")
                continue
            visit(child)

    visit(p)
    return found


# ---------------------------------------------------------------- writing Markdown

def _merged(pieces: Iterable[Piece]) -> list[Piece]:
    """Adjacent text of equal formatting as one piece."""
    out: list[Piece] = []
    for piece in pieces:
        if out and piece.note is None and out[-1].note is None and out[-1].fmt == piece.fmt:
            out[-1] = Piece(out[-1].text + piece.text, piece.fmt)
        else:
            out.append(piece)
    return out


@dataclass(frozen=True)
class _Way:
    """How a line is written: the bold and italic delimiters, whether punctuation at the
    edges of bold or italic text is moved outside it, which formatting is kept."""

    emphasis: str = "*"
    shrink: bool = False
    strong: str = "**"
    emphasis_kept: bool = True
    all_kept: bool = True


_WAYS = (_Way(), _Way("_"), _Way("*", True), _Way("_", True), _Way(emphasis_kept=False),
         _Way(emphasis_kept=False, all_kept=False))

Shape = tuple[Any, ...]


def _is_blank(piece: Piece) -> bool:
    return piece.note is not None or piece.text.isspace()


def _has(piece: Piece, attr: str) -> Any:
    if piece.note is not None:
        return None
    if attr == "a":
        return piece.fmt.href
    if attr == "v":
        return piece.fmt.vert or None
    if piece.text.isspace():
        return None
    return (piece.fmt.bold if attr == "b" else piece.fmt.italic) or None


def _edge(ch: str, shrink: bool) -> bool:
    return ch.isspace() or (shrink and unicodedata.category(ch)[0] in "PS")


class _Writer:
    def __init__(self, way: _Way) -> None:
        self.way = way

    def write(self, pieces: list[Piece], open_: frozenset[str] = frozenset()
              ) -> tuple[str, list[Shape]]:
        md: list[str] = []
        shape: list[Shape] = []
        i = 0
        while i < len(pieces):
            piece = pieces[i]
            if piece.note is not None:
                md.append(f"[^{piece.note}]")
                shape.append(("note", piece.note))
                i += 1
                continue
            best: tuple[str, int] | None = None
            for attr in ("a", "i", "b", "v"):  # on a tie, ***x*** is italic outside
                if attr in open_ or not self.kept(attr) or _has(piece, attr) is None:
                    continue
                end = self.span(pieces, i, attr)
                if best is None or end > best[1]:
                    best = (attr, end)
            if best is None:
                md.append(escape(piece.text))
                shape.append(("text", piece.text))
                i += 1
                continue
            attr, end = best
            inner_md, inner_shape = self.wrap(pieces[i:end], attr, open_ | {attr})
            md.append(inner_md)
            shape += inner_shape
            i = end
        return "".join(md), shape

    def kept(self, attr: str) -> bool:
        if not self.way.all_kept:
            return False
        return self.way.emphasis_kept or attr not in ("b", "i")

    @staticmethod
    def span(pieces: list[Piece], start: int, attr: str) -> int:
        """Where the span of ``attr`` starting at ``start`` ends (exclusive): blank pieces
        (whitespace, calls) continue bold or italic text but do not end it."""
        value = _has(pieces[start], attr)
        end = j = start + 1
        while j < len(pieces):
            piece = pieces[j]
            if _has(piece, attr) == value:
                j += 1
                end = j
            elif attr in ("b", "i") and _is_blank(piece):
                j += 1
            else:
                break
        return end

    def wrap(self, pieces: list[Piece], attr: str, open_: frozenset[str]
             ) -> tuple[str, list[Shape]]:
        if attr in ("b", "i"):
            first, last = pieces[0], pieces[-1]
            k = 0
            while k < len(first.text) and _edge(first.text[k], self.way.shrink):
                k += 1
            lead = first.text[:k]
            pieces = [replace(first, text=first.text[k:])] + pieces[1:]
            last = pieces[-1]
            k = len(last.text)
            while k > 0 and _edge(last.text[k - 1], self.way.shrink):
                k -= 1
            trail = last.text[k:]
            pieces = pieces[:-1] + [replace(last, text=last.text[:k])]
            pieces = [p for p in pieces if p.text or p.note is not None]
            inner_md, inner_shape = self.write(pieces, open_) if pieces else ("", [])
            md = escape(lead)
            shape: list[Shape] = [("text", lead)] if lead else []
            if inner_md:
                mark = self.way.strong if attr == "b" else self.way.emphasis
                md += mark + inner_md + mark
                shape.append(("strong" if attr == "b" else "em", tuple(inner_shape)))
            md += escape(trail)
            if trail:
                shape.append(("text", trail))
            return md, shape
        inner_md, inner_shape = self.write(pieces, open_)
        if not inner_md:
            return "", []
        if attr == "v":
            tag = pieces[0].fmt.vert
            return f"<{tag}>{inner_md}</{tag}>", [(tag, tuple(inner_shape))]
        if all(_is_blank(piece) and piece.note is None for piece in pieces):
            return inner_md, inner_shape  # a link on nothing visible: the space stays, not the link
        href = str(pieces[0].fmt.href)
        return f"[{inner_md}]({_destination(href)})", [("link", tuple(inner_shape))]


def _normal(shape: Iterable[Shape]) -> tuple[Shape, ...]:
    """A shape with adjacent text joined and empty text dropped."""
    out: list[Shape] = []
    for node in shape:
        if node[0] == "text":
            if not node[1]:
                continue
            if out and out[-1][0] == "text":
                out[-1] = ("text", out[-1][1] + node[1])
                continue
            out.append(node)
        elif node[0] == "note":
            out.append(node)
        else:
            out.append((node[0], _normal(node[1])))
    return tuple(out)


def _shape_of(nodes: tuple[Any, ...]) -> list[Shape]:
    from ..model import Emph, FootnoteRef, HardBreak, Link, Strong, Sub, Sup, Text

    names = {Strong: "strong", Emph: "em", Sup: "sup", Sub: "sub", Link: "link"}
    out: list[Shape] = []
    for node in nodes:
        if isinstance(node, Text):
            out.append(("text", node.text))
        elif isinstance(node, FootnoteRef):
            out.append(("note", node.label))
        elif isinstance(node, HardBreak):
            out.append(("break",))
        elif type(node) in names:
            out.append((names[type(node)], tuple(_shape_of(node.children))))
        else:
            out.append(("other",))
    return out


def _reads_as(md: str, shape: list[Shape]) -> bool:
    from ..readers.markdown import parse_inline

    try:
        content = parse_inline(md).content
    except PublisherError:
        return False
    return _normal(_shape_of(content)) == _normal(shape)


def line_markdown(pieces: Iterable[Piece]) -> str:
    """One line's pieces as statement Markdown: whitespace at its ends dropped (Markdown
    drops it), control characters dropped, written the first way (see :data:`_WAYS`) that
    reads back as the pieces."""
    pieces = _trimmed(_merged(Piece(clean_text(p.text), p.fmt, p.note) for p in pieces
                              if p.note is not None or clean_text(p.text)))
    if not pieces:
        return ""
    md = ""
    links = _count_links(pieces)
    for way in _WAYS:
        md, shape = _Writer(way).write(pieces)
        md = block_safe(md)
        # A way may drop emphasis, never a link (one may be split in two by nesting;
        # the last way keeps none).
        if _reads_as(md, shape) and (_links_in(shape) >= links or not way.all_kept):
            return md
    return md


def _count_links(pieces: list[Piece]) -> int:
    """How many links the pieces make: a run of pieces with one address is one link,
    unless it shows nothing but white space (see :meth:`_Writer.wrap`)."""
    count, previous, visible = 0, None, False
    for piece in [*pieces, Piece("", Format())]:
        href = None if piece.note is not None else piece.fmt.href
        if href != previous:
            count += visible
            visible = False
        if href is not None and not _is_blank(piece):
            visible = True
        previous = href
    return count


def _links_in(shape: Iterable[Shape]) -> int:
    count = 0
    for part in shape:
        if part and part[0] == "link":
            count += 1
        if len(part) > 1 and isinstance(part[1], tuple):
            count += _links_in(part[1])
    return count


def _trimmed(pieces: list[Piece]) -> list[Piece]:
    pieces = list(pieces)
    while pieces and pieces[0].note is None and not pieces[0].text.strip():
        pieces.pop(0)
    while pieces and pieces[-1].note is None and not pieces[-1].text.strip():
        pieces.pop()
    if pieces and pieces[0].note is None:
        pieces[0] = replace(pieces[0], text=pieces[0].text.lstrip())
    if pieces and pieces[-1].note is None:
        pieces[-1] = replace(pieces[-1], text=pieces[-1].text.rstrip())
    return pieces
