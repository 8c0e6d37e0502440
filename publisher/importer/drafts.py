"""Read a draft, whatever the press officer saved it as, into blocks of statement Markdown.

A draft is untrusted input from a word processor: every reader gives a :class:`Draft` or
raises one :class:`DraftFileError` naming the file, never another exception. Documents
(``.docx``, ``.odt``) are zip files and are measured before anything unpacks them: a
file over :data:`MAX_FILE_BYTES`, or one that would unpack to more than
:data:`MAX_UNPACKED_BYTES` or :data:`MAX_ENTRIES` files, is refused unread. Characters no
statement can hold (a NUL, a form feed) are dropped; everything else is escaped so the
statement prints exactly the draft's text.

- ``.md``: the project's Markdown dialect, read with indented code switched off (a press
  officer's indented paragraph is a paragraph); each block's text is its source, kept byte
  for byte when the statement reader reads it as written, else written again from what it
  means (a block with an image, raw HTML, a renumbered footnote call).
- ``.txt``: paragraphs between blank lines, ``1.``/``-``/``•`` lines as list items.
- ``.docx``: body paragraphs in order; headings by style or outline level, list items by
  numbering (resolved through the numbering part as Word numbers them) or list style;
  inline formatting and footnotes by :mod:`.wordml`.
- ``.odt``: the same from OpenDocument's ``content.xml`` and ``styles.xml``.

Whatever a statement cannot hold (an image, a table, a text box, raw HTML) is left out and
listed in :attr:`Draft.left_out` with where it was; the rest of its paragraph is kept.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import PublisherError
from ..readers.markdown import MAX_BLOCK_DEPTH, fold_source, parse_inline
from .model import Draft, DraftBlock, DraftLine
from .wordml import (
    Format, Piece, WordMLError, block_safe, escape, line_markdown, paragraph_lines,
    paragraph_objects, part_xml, printable, usable_link,
)

MAX_FILE_BYTES = 50 * 1024 * 1024
"""A draft larger than this is refused unread (the sample statement's DOCX is 40 KB)."""
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""A document whose zip entries would unpack to more than this is refused."""
MAX_ENTRIES = 10_000
"""A document zip with more entries than this is refused."""
MAX_LEVEL = MAX_BLOCK_DEPTH - 1
"""The deepest list level a draft's item keeps (a statement nests lists at most
:data:`MAX_BLOCK_DEPTH` deep)."""

SUFFIXES = (".docx", ".odt", ".md", ".markdown", ".txt")


class DraftFileError(PublisherError):
    """A draft that cannot be read: not the format its name says, too large, broken."""

    code = "draft"


def read_draft(path: Path) -> Draft:
    """Read a draft by its suffix (see the module's text). Raises :class:`DraftFileError`."""
    path = Path(path)
    suffix = path.suffix.lower()
    readers: dict[str, Callable[[Path, bytes], Draft]] = {
        ".docx": _read_docx, ".odt": _read_odt, ".md": _read_markdown,
        ".markdown": _read_markdown, ".txt": _read_text}
    reader = readers.get(suffix)
    if reader is None:
        raise DraftFileError(f"cannot import a '{suffix or path.name}' file: save the draft as "
                             ".docx, .odt, .md or .txt", path)
    raw = _read_bytes(path)
    try:
        return reader(path, raw)
    except DraftFileError:
        raise
    except PublisherError as exc:
        raise DraftFileError(exc.message, path, exc.line) from None
    except (RecursionError, MemoryError):
        raise DraftFileError("the draft is too deeply nested or too large to read", path) from None


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DraftFileError(f"the draft is {size // (1024 * 1024)} MB; a draft may have "
                                 f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB", path)
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DraftFileError(f"cannot read the draft: {exc.strerror or exc}", path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise DraftFileError(f"the draft has more than {MAX_FILE_BYTES // (1024 * 1024)} MB",
                             path)
    return raw


def _decode(raw: bytes, path: Path) -> str:
    """A text draft's characters: UTF-8 (with or without a byte order mark) or UTF-16 and
    UTF-32 with one; line ends normalised, characters no statement can hold dropped."""
    boms = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
            (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
    encoding, start = "utf-8", 0
    for bom, name in boms:
        if raw.startswith(bom):
            encoding, start = name, len(bom)
            break
    try:
        text = raw[start:].decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[start:start + exc.start].count(b"\n") + 1 if encoding == "utf-8" else None
        raise DraftFileError(f"the draft is not valid {encoding.upper()} text; save it as "
                             "UTF-8", path, line) from None
    return printable(text.replace("\r\n", "\n").replace("\r", "\n"))


def _line_texts(lines: list[DraftLine]) -> tuple[DraftLine, ...]:
    return tuple(line for line in lines if line.text)


@dataclass
class _Lists:
    """The list items read so far, as Markdown will number them: gives an item its level
    (never deeper than one below the item before it, as a statement nests lists) and its
    ``start`` when it begins a numbered list or its number is not the one Markdown would
    count to."""

    numbers: dict[int, int | None] = field(default_factory=dict)
    """The last number at each open level (None: a bulleted list)."""

    def item(self, level: int, ordered: bool, number: int | None) -> tuple[int, int | None]:
        """(level, start) of an item."""
        level = min(level, len(self.numbers), MAX_LEVEL)
        for deeper in [k for k in self.numbers if k > level]:
            del self.numbers[deeper]
        previous = self.numbers.get(level)
        if not ordered:
            self.numbers[level] = None
            return level, None
        number = 1 if number is None else number
        self.numbers[level] = number
        if previous is None or previous + 1 != number:
            return level, number
        return level, None

    def end(self) -> None:
        self.numbers.clear()


# ---------------------------------------------------------------- plain text

_TEXT_ITEM = re.compile(r"(?:([0-9]{1,9})[.)]|[-\u2022\u2013*])[ \t]+(?=\S)")
"""A list item's marker in a text draft: ``1.``, ``1)``, ``-``, ``•``, ``–`` or ``*``."""


def _read_text(path: Path, raw: bytes) -> Draft:
    blocks: list[DraftBlock] = []
    lists = _Lists()
    indents: list[int] = []
    current: list[tuple[int, str]] = []
    item: tuple[int, bool, int | None] | None = None  # (indent, ordered, number)

    def close() -> None:
        nonlocal current, item
        if not current:
            return
        texts = [block_safe(escape(text)) for _, text in current]
        lines = tuple(DraftLine(text, n) for (n, _), text in zip(current, texts, strict=True)
                      if text)
        text = " ".join(t for t in texts if t)
        if item is None:
            lists.end()
            indents.clear()
            blocks.append(DraftBlock("paragraph", text, current[0][0], lines))
        else:
            indent, ordered, number = item
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            level, start = lists.item(len(indents) - 1, ordered, number)
            blocks.append(DraftBlock("item", text, current[0][0], lines, level, ordered, start))
        current, item = [], None

    for n, line in enumerate(_decode(raw, path).split("\n"), 1):
        stripped = line.strip()
        if not stripped:
            close()
            continue
        m = _TEXT_ITEM.match(stripped)
        if m:
            close()
            ordered = m.group(1) is not None
            expanded = line.expandtabs(4)
            item = (len(expanded) - len(expanded.lstrip()), ordered,
                    int(m.group(1)) if ordered else None)
            current = [(n, stripped[m.end():])]
        else:
            current.append((n, stripped))
    close()
    return Draft(str(path), tuple(blocks))


# ---------------------------------------------------------------- Markdown

_TASK = re.compile(r"\[[ xX]\](?=\s|$)")
"""How a task list item starts, which a statement refuses."""


@functools.lru_cache(maxsize=1)
def _markdown() -> Any:
    """The statement reader's Markdown dialect, indented code switched off."""
    from markdown_it import MarkdownIt

    from ..readers.markdown import footnote_call_rule, footnote_definition_rule

    md = MarkdownIt("commonmark", {"maxNesting": 2 * MAX_BLOCK_DEPTH + 10})
    md.enable(["table", "strikethrough"])
    md.disable("code")
    md.block.ruler.before("reference", "footnote_def", footnote_definition_rule,
                          {"alt": ["paragraph", "reference"]})
    md.inline.ruler.before("link", "footnote_ref", footnote_call_rule)
    return md


_SUP_SUB = re.compile(r"^<(/?)(sup|sub)\s*>$", re.IGNORECASE)


def _token_lines(children: list[Any], first: int, labels: Iterator[str | None],
                 soft_breaks: bool, left_out: list[tuple[int, str]] | None = None
                 ) -> list[tuple[int, list[Piece]]]:
    """A block's parsed inline tokens as lines of pieces, each with its line in the file:
    split at hard breaks, and at soft ones with ``soft_breaks``. Each footnote call takes
    the next of ``labels`` (None: the call is kept as text). What a statement cannot hold
    (an image, raw HTML) is dropped and, with ``left_out``, named there."""
    lines: list[tuple[int, list[Piece]]] = [(first, [])]
    line = first
    bold = italic = 0
    vert: list[str] = []
    links: list[str] = []
    for tok in children:
        kind = tok.type
        fmt = Format(bold > 0, italic > 0, vert[-1] if vert else "",
                     links[-1] if links and links[-1] else None)
        if kind in ("text", "code_inline"):
            lines[-1][1].append(Piece(tok.content, fmt))
        elif kind in ("softbreak", "hardbreak"):
            line += 1
            if kind == "hardbreak" or soft_breaks:
                lines.append((line, []))
            else:
                lines[-1][1].append(Piece(" ", fmt))
        elif kind in ("strong_open", "strong_close"):
            bold += 1 if kind == "strong_open" else -1
        elif kind in ("em_open", "em_close"):
            italic += 1 if kind == "em_open" else -1
        elif kind == "link_open":
            links.append(str(tok.attrs.get("href", "")))
        elif kind == "link_close" and links:
            links.pop()
        elif kind == "footnote_ref":
            label = next(labels, None)
            if label is None:
                lines[-1][1].append(Piece(f"[^{tok.meta['label']}]", fmt))
            else:
                lines[-1][1].append(Piece("", Format(), label))
        elif kind == "html_inline":
            m = _SUP_SUB.match(tok.content.strip())
            if m and not m.group(1):
                vert.append(m.group(2).lower())
            elif m and vert:
                vert.pop()
            elif not m and left_out is not None:
                left_out.append((line, f"raw HTML {_shown(tok.content)}"))
            line += tok.content.count("\n")
        elif kind == "image" and left_out is not None:
            left_out.append((line, "an image"))
    return lines


def _joined(lines: list[tuple[int, list[Piece]]], separator: str) -> str:
    return separator.join(t for t in (line_markdown(pieces) for _, pieces in lines) if t)


def _shown(text: str) -> str:
    from ..errors import shown

    return "'" + shown(text.strip(), 40) + "'"


@dataclass
class _MdBlock:
    kind: str
    line: int
    inline: Any
    level: int = 0
    ordered: bool = False
    start: int | None = None


class _MarkdownDraft:
    """The blocks, footnote definitions and left-out parts of a Markdown draft."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.left_out: list[tuple[int, str]] = []
        self.blocks: list[_MdBlock] = []
        self.definitions: dict[str, tuple[str, int]] = {}
        self.env: dict[str, Any] = {}
        self.tokens = _markdown().parse(self._front_matter(text), self.env)
        self.references = self.env.get("references") or None

    def _front_matter(self, text: str) -> str:
        """``text`` with a YAML front matter block at its top blanked out (and named)."""
        lines = text.split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None or lines[first].rstrip() != "---":
            return text
        for end in range(first + 1, len(lines)):
            if lines[end].rstrip() in ("---", "..."):
                self.left_out.append((first + 1, "YAML front matter (a draft has none: the "
                                                 "import writes the statement's own)"))
                return "\n" * (end + 1) + "\n".join(lines[end + 1:])
        return text

    def collect(self) -> None:
        """The blocks in reading order: blocks of block quotes as blocks of their own, the
        first paragraph of a list item as the item."""
        lists: list[dict[str, Any]] = []
        item_pending = False
        tokens = self.tokens
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            kind = tok.type
            line = tok.map[0] + 1 if tok.map else 1
            if kind in ("bullet_list_open", "ordered_list_open"):
                ordered = kind == "ordered_list_open"
                start = int(tok.attrs.get("start", 1) or 1) if ordered else None
                lists.append({"ordered": ordered, "start": start})
            elif kind in ("bullet_list_close", "ordered_list_close"):
                if lists:
                    lists.pop()
                item_pending = False
            elif kind in ("list_item_open", "list_item_close"):
                item_pending = kind == "list_item_open"
            elif kind in ("paragraph_open", "heading_open"):
                inline = tokens[i + 1]
                if kind == "heading_open":
                    self.blocks.append(_MdBlock("heading", line, inline, int(tok.tag[1])))
                elif item_pending and lists:
                    top = lists[-1]
                    start, top["start"] = top["start"], None
                    self.blocks.append(_MdBlock("item", line, inline,
                                                min(len(lists) - 1, MAX_LEVEL),
                                                top["ordered"], start))
                else:
                    self.blocks.append(_MdBlock("paragraph", line, inline))
                item_pending = False
                i += 3
                continue
            elif kind == "footnote_def":
                label = str(tok.meta["label"])
                if label in self.definitions:
                    self.left_out.append((line, f"a second definition of footnote "
                                                f"[^{_shown(label)[1:-1]}]"))
                else:
                    self.definitions[label] = (str(tok.content), line)
            elif kind == "hr":
                self.left_out.append((line, "a horizontal rule"))
            elif kind == "html_block":
                self.left_out.append((line, "raw HTML "
                                            f"{_shown(tok.content.split(chr(10))[0])}"))
            elif kind in ("fence", "code_block"):
                self.left_out.append((line, "a code block"))
            elif kind == "table_open":
                self.left_out.append((line, "a table"))
                while i < len(tokens) and tokens[i].type != "table_close":
                    i += 1
            if kind in ("footnote_def", "hr", "html_block", "fence", "code_block",
                        "table_open"):
                item_pending = False
            i += 1

    def draft(self) -> Draft:
        self.collect()
        notes_text = {label: self._note(label) for label in self.definitions}
        called: dict[str, int] = {}
        taken = set(self.definitions)
        notes: list[tuple[str, str]] = []
        blocks: list[DraftBlock] = []
        for block in self.blocks:
            children = block.inline.children or []
            labels = self._labels(children, notes_text, called, taken, notes)
            lines = _token_lines(children, block.line, iter(labels), True, self.left_out)
            draft_lines = _line_texts([DraftLine(line_markdown(pieces), n)
                                       for n, pieces in lines])
            calls = [tok.meta["label"] for tok in children if tok.type == "footnote_ref"]
            text = self._source_text(block) if labels == calls else None
            if text is None:
                text = _joined(_token_lines(children, block.line, iter(labels), False), "\\\n")
            if block.kind == "heading" and "\n" in text:
                text = " ".join(line.text for line in draft_lines)
            if text:
                blocks.append(DraftBlock(block.kind, text, block.line, draft_lines,
                                         block.level, block.ordered, block.start))
        for label, (_, line) in self.definitions.items():
            if label not in called:
                self.left_out.append((line, f"footnote [^{_shown(label)[1:-1]}], which the "
                                            "text never calls"))
        return Draft(str(self.path), tuple(blocks), tuple(notes),
                     tuple(sorted(self.left_out, key=lambda item: item[0])))

    @staticmethod
    def _labels(children: list[Any], notes_text: dict[str, str], called: dict[str, int],
                taken: set[str], notes: list[tuple[str, str]]) -> list[str | None]:
        """The label each footnote call of a block takes: its own at its first call, a new
        one at a further call (a statement's note has one call), None (kept as text) for
        a call of a note without text or inside a link's text."""
        labels: list[str | None] = []
        in_link = 0
        for tok in children:
            if tok.type in ("link_open", "link_close"):
                in_link += 1 if tok.type == "link_open" else -1
            if tok.type != "footnote_ref":
                continue
            label = str(tok.meta["label"])
            if in_link or not notes_text.get(label):
                labels.append(None)
                continue
            given = label
            if label in called:
                n = called[label] = called[label] + 1
                while f"{label}-{n}" in taken:
                    n += 1
                given = f"{label}-{n}"
                taken.add(given)
            else:
                called[label] = 1
            notes.append((given, notes_text[label]))
            labels.append(given)
        return labels

    def _source_text(self, block: _MdBlock) -> str | None:
        """The block's text as written (soft breaks folded), if the statement reader reads
        it as the draft means it; None when it must be written again. A line of a
        paragraph or item that would start another block is escaped (a heading's text
        follows its ``#`` marker)."""
        folded = fold_source(str(block.inline.content))
        safe = folded if block.kind == "heading" else "\n".join(
            block_safe(line) for line in folded.split("\n"))
        try:
            text = parse_inline(safe, str(self.path), block.line, self.references)
        except PublisherError:
            return None
        if block.kind == "item" and _TASK.match(text.source):
            return None
        return text.source

    def _note(self, label: str) -> str:
        """A footnote's text as one line of Markdown (empty when it has none)."""
        from ..model import footnote_labels

        content, line = self.definitions[label]
        folded = block_safe(fold_source(content).replace("\\\n", " ").replace("\n", " "))
        try:
            text = parse_inline(folded, str(self.path), line, self.references)
            if not footnote_labels(text.content) and "\n" not in text.source:
                return text.source
        except PublisherError:
            pass
        tokens = _markdown().parseInline(content, dict(self.env))
        children = (tokens[0].children or []) if tokens else []
        return _joined(_token_lines(children, line, iter(()), True), " ")


def _read_markdown(path: Path, raw: bytes) -> Draft:
    return _MarkdownDraft(path, _decode(raw, path)).draft()


# ---------------------------------------------------------------- documents (zip)

def _open_zip(path: Path, raw: bytes, kind: str, save_as: str) -> zipfile.ZipFile:
    """The document's zip, measured before anything is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise DraftFileError(f"not {kind} (it is not a zip file; an old or "
                             f"encrypted document?): save it {save_as}", path) from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise DraftFileError(f"the document holds {len(infos)} files; a draft may hold at "
                             f"most {MAX_ENTRIES}", path)
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise DraftFileError(f"the document would unpack to {unpacked // (1024 * 1024)} MB; a "
                             f"draft may unpack to at most {MAX_UNPACKED_BYTES // (1024 * 1024)} "
                             "MB", path)
    return archive


def _read_docx(path: Path, raw: bytes) -> Draft:
    archive = _open_zip(path, raw, "a Word document (.docx)", "as .docx from Word")
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
        raise DraftFileError("not a Word (.docx) document: it lacks the parts every Word "
                             "document has", path)
    import docx

    try:
        document = docx.Document(io.BytesIO(raw))
        return _DocxDraft(path, document).draft()
    except DraftFileError:
        raise
    except WordMLError as exc:
        raise DraftFileError(f"the document cannot be read: {exc.message}", path) from None
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on a broken document
        raise DraftFileError(f"the document cannot be read as a Word document "
                             f"({_reason(exc)})", path) from None


def _reason(exc: Exception) -> str:
    from ..errors import shown

    text = str(exc).split("\n")[0].strip()
    return shown(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, 100)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING = re.compile(r"heading ([1-9])$")
_LIST_STYLE = re.compile(r"list (number|bullet)(?: ([2-9]))?$")


def _val(el: Any, name: str) -> str | None:
    """The ``w:val`` of ``el``'s child ``name``, None when either is absent."""
    if el is None:
        return None
    child = el.find(f"{_W}{name}")
    return child.get(f"{_W}val") if child is not None else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class _Numbering:
    """Word's list numbering: which list a paragraph is in, its format and its number."""

    def __init__(self, element: Any, styles: _DocxStyles) -> None:
        self.nums: dict[str, Any] = {}
        self.abstracts: dict[str, Any] = {}
        self.styles = styles
        if element is not None:
            for num in element.findall(f"{_W}num"):
                self.nums.setdefault(str(num.get(f"{_W}numId")), num)
            for abstract in element.findall(f"{_W}abstractNum"):
                self.abstracts.setdefault(str(abstract.get(f"{_W}abstractNumId")), abstract)
        self.counters: dict[tuple[str, int], int] = {}
        self.restarted: set[tuple[str, int]] = set()

    def level(self, num_id: str, ilvl: int, style_id: str | None
              ) -> tuple[int, bool, int] | None:
        """(level, ordered, number) of an item of list ``num_id`` at level ``ilvl`` (-1:
        the level whose ``w:pStyle`` is ``style_id``), numbered as Word counts: on from
        the list's last item at that level, from its start after a higher level's item,
        from a ``w:startOverride`` at the instance's first item. None when ``num_id``
        names no list or its level shows no number."""
        num = self.nums.get(num_id)
        if num is None:
            return None
        abstract_id = _val(num, "abstractNumId")
        abstract = self.abstracts.get(abstract_id or "")
        for _ in range(3):  # a list style's definition points to the style's own list
            link = _val(abstract, "numStyleLink")
            if abstract is None or link is None:
                break
            linked = self.styles.numbering(link)
            target = self.nums.get(linked[0]) if linked else None
            abstract_id = _val(target, "abstractNumId") if target is not None else None
            abstract = self.abstracts.get(abstract_id or "")
        if abstract is None:
            return None
        if style_id is not None and ilvl < 0:
            ilvl = next((_int(lvl.get(f"{_W}ilvl")) or 0 for lvl in abstract.findall(f"{_W}lvl")
                         if _val(lvl, "pStyle") == style_id), 0)
        ilvl = max(ilvl, 0)
        lvl = next((lvl for lvl in abstract.findall(f"{_W}lvl")
                    if lvl.get(f"{_W}ilvl") == str(ilvl)), None)
        override = next((o for o in num.findall(f"{_W}lvlOverride")
                         if o.get(f"{_W}ilvl") == str(ilvl)), None)
        if override is not None and override.find(f"{_W}lvl") is not None:
            lvl = override.find(f"{_W}lvl")
        fmt = _val(lvl, "numFmt") or "decimal"
        if fmt == "none":
            return None
        start = _int(_val(lvl, "start"))
        start = 1 if start is None else start
        key = (str(abstract_id), ilvl)
        restart = _int(_val(override, "startOverride")) if override is not None else None
        if restart is not None and (num_id, ilvl) not in self.restarted:
            self.restarted.add((num_id, ilvl))
            number = restart
        elif key in self.counters:
            number = self.counters[key] + 1
        else:
            number = start
        self.counters[key] = number
        for deeper in [k for k in self.counters if k[0] == key[0] and k[1] > key[1]]:
            del self.counters[deeper]
        return ilvl, fmt != "bullet", number


class _DocxStyles:
    """Paragraph styles by id: name, ``basedOn``, outline level and numbering."""

    def __init__(self, element: Any) -> None:
        from docx.styles import BabelFish

        self.styles: dict[str, tuple[str, str | None, Any]] = {}
        if element is not None:
            for style in element.findall(f"{_W}style"):
                style_id = style.get(f"{_W}styleId")
                if not style_id or style_id in self.styles:
                    continue
                name = BabelFish.internal2ui(_val(style, "name") or style_id)
                self.styles[style_id] = (name, _val(style, "basedOn"), style.find(f"{_W}pPr"))

    def name(self, style_id: str | None) -> str:
        if style_id is None:
            return ""
        return self.styles[style_id][0] if style_id in self.styles else style_id

    def chain(self, style_id: str | None) -> Iterator[tuple[str, Any]]:
        """(id, ``w:pPr``) of the style and the styles it is based on."""
        seen: set[str] = set()
        while style_id and style_id in self.styles and style_id not in seen and len(seen) < 20:
            seen.add(style_id)
            _, based, ppr = self.styles[style_id]
            yield style_id, ppr
            style_id = based

    def outline(self, style_id: str | None) -> int | None:
        for _, ppr in self.chain(style_id):
            level = _int(_val(ppr, "outlineLvl"))
            if level is not None:
                return level
        return None

    def numbering(self, style_id: str | None) -> tuple[str, int | None] | None:
        """(numId, ilvl or None) a style gives its paragraphs."""
        for _, ppr in self.chain(style_id):
            num_pr = ppr.find(f"{_W}numPr") if ppr is not None else None
            if num_pr is not None and _val(num_pr, "numId") is not None:
                return str(_val(num_pr, "numId")), _int(_val(num_pr, "ilvl"))
        return None


def _part_element(part: Any, reltype: str) -> Any:
    """The XML of the part ``part`` relates to as ``reltype``, None when there is none."""
    for rel in part.rels.values():
        if rel.reltype == reltype and not rel.is_external:
            return part_xml(rel.target_part)
    return None


class _DocxDraft:
    def __init__(self, path: Path, document: Any) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        self.path = path
        self.document = document
        self.part = document.part
        self.body = document.element.body
        self.styles = _DocxStyles(_part_element(self.part, RT.STYLES))
        self.numbering = _Numbering(_part_element(self.part, RT.NUMBERING), self.styles)
        self.notes: dict[str, str] = {}
        self.blocks: list[DraftBlock] = []
        self.left_out: list[tuple[int, str]] = []
        self.number = 0
        self.lists = _Lists()
        self.style_counters: dict[tuple[str, int], int] = {}

    def draft(self) -> Draft:
        self.walk(self.body)
        return Draft(str(self.path), tuple(self.blocks), tuple(self.notes.items()),
                     tuple(self.left_out), self.header())

    def header(self) -> tuple[DraftLine, ...]:
        """The first page's header lines: where a letterhead template puts the mission's
        name (and sometimes the date or symbol)."""
        sections = self.document.sections
        if not sections:
            return ()
        section = sections[0]
        header = (section.first_page_header if section.different_first_page_header_footer
                  else section.header)
        if header.is_linked_to_previous:  # the first section has no header of its own
            return ()
        lines: list[DraftLine] = []
        number = 0
        for p in header._element.iter(f"{_W}p"):
            number += 1
            for text in paragraph_lines(p, header.part, None):
                if text.strip():
                    lines.append(DraftLine(text, number, "page header"))
        return tuple(lines)

    def walk(self, parent: Any) -> None:
        for el in parent:
            tag = el.tag
            if tag == f"{_W}p":
                self.number += 1
                self.paragraph(el)
            elif tag == f"{_W}tbl":
                self.number += 1
                rows = len(el.findall(f"{_W}tr"))
                where = (f"after paragraph {self.number - 1}" if self.number > 1
                         else "at the start of the document")
                self.left_out.append((self.number, f"a table of {rows} row"
                                      f"{'s' if rows != 1 else ''} ({where})"))
                self.lists.end()
            elif tag == f"{_W}sdt":
                content = el.find(f"{_W}sdtContent")
                if content is not None:
                    self.walk(content)
            elif tag == f"{_W}customXml":
                self.walk(el)
            elif tag == f"{_W}altChunk":
                self.number += 1
                self.left_out.append((self.number, "an embedded document"))

    def paragraph(self, p: Any) -> None:
        for what in paragraph_objects(p):
            self.left_out.append((self.number, what))
        lines = paragraph_lines(p, self.part, self.notes)
        if not lines:
            return
        ppr = p.find(f"{_W}pPr")
        style_id = _val(ppr, "pStyle")
        name = self.styles.name(style_id)
        lower = name.lower()
        draft_lines = tuple(DraftLine(text, self.number) for text in lines)
        text = "\\\n".join(lines)
        heading = self.heading(ppr, style_id, lower)
        if heading is not None:
            self.lists.end()
            self.blocks.append(DraftBlock("heading", " ".join(lines), self.number, draft_lines,
                                          heading, style=name))
            return
        item = self.item(ppr, style_id, lower)
        if item is None:
            self.lists.end()
            self.blocks.append(DraftBlock("paragraph", text, self.number, draft_lines,
                                          style=name))
            return
        level, ordered, number = item
        level, start = self.lists.item(level, ordered, number)
        self.blocks.append(DraftBlock("item", text, self.number, draft_lines, level, ordered,
                                      start, name))

    def heading(self, ppr: Any, style_id: str | None, lower: str) -> int | None:
        direct = _int(_val(ppr, "outlineLvl"))
        if direct is not None:
            return min(direct + 1, 6) if 0 <= direct < 9 else None
        m = _HEADING.match(lower)
        if m:
            return min(int(m.group(1)), 6)
        if lower == "title":
            return 1
        level = self.styles.outline(style_id)
        return min(level + 1, 6) if level is not None and 0 <= level < 9 else None

    def item(self, ppr: Any, style_id: str | None, lower: str
             ) -> tuple[int, bool, int | None] | None:
        """(level, ordered, number) of a list item, None for another paragraph."""
        named = _LIST_STYLE.match(lower)
        name_level = int(named.group(2)) - 1 if named and named.group(2) else 0
        num_pr = ppr.find(f"{_W}numPr") if ppr is not None else None
        num_id = _val(num_pr, "numId")
        ilvl = _int(_val(num_pr, "ilvl"))
        from_style = False
        if num_id is None:
            given = self.styles.numbering(style_id)
            if given is not None:
                num_id, ilvl = given
                from_style = True
        if num_id is not None and num_id != "0":
            found = self.numbering.level(num_id, ilvl if ilvl is not None else (
                -1 if from_style else 0), style_id if from_style else None)
            if found is not None:
                level, ordered, number = found
                return max(level, name_level), ordered, number
            return None
        if num_id == "0" or not named:
            return None
        ordered = named.group(1) == "number"
        if not self.blocks or self.blocks[-1].kind != "item":
            self.style_counters.clear()
        key = (named.group(1), name_level)
        number = self.style_counters.get(key, 0) + 1
        self.style_counters[key] = number
        for deeper in [k for k in self.style_counters if k[1] > name_level]:
            del self.style_counters[deeper]
        return name_level, ordered, number if ordered else None


# ---------------------------------------------------------------- OpenDocument

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_XLINK = "{http://www.w3.org/1999/xlink}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_MAX_ODT_PART = 100 * 1024 * 1024


def _odt_xml(archive: zipfile.ZipFile, name: str, path: Path, required: bool) -> Any:
    """A part of the OpenDocument package parsed without DTDs, entities or network."""
    from lxml import etree

    try:
        info = archive.getinfo(name)
    except KeyError:
        if required:
            raise DraftFileError(f"not an OpenDocument text (.odt): it has no {name}",
                                 path) from None
        return None
    if info.file_size > _MAX_ODT_PART:
        raise DraftFileError(f"the document's {name} is too large", path)
    try:
        data = archive.read(info)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False)
        return etree.fromstring(data, parser)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise DraftFileError(f"the document's {name} cannot be unpacked ({_reason(exc)})",
                             path) from None
    except etree.XMLSyntaxError as exc:
        raise DraftFileError(f"the document's {name} is not well-formed XML ({exc.msg})",
                             path) from None


def _read_odt(path: Path, raw: bytes) -> Draft:
    archive = _open_zip(path, raw, "an OpenDocument text (.odt)", "as .odt or .docx")
    content = _odt_xml(archive, "content.xml", path, True)
    styles = _odt_xml(archive, "styles.xml", path, False)
    return _OdtDraft(path, content, styles).draft()


@dataclass(frozen=True)
class _TextStyle:
    bold: bool | None = None
    italic: bool | None = None
    vert: str | None = None


def _position(value: str) -> str | None:
    """``sup``/``sub``/empty from ``style:text-position`` (``super 58%``, ``-33% 58%``, ``0%``)."""
    word = value.split()[0] if value.split() else ""
    if word.startswith("super"):
        return "sup"
    if word.startswith("sub"):
        return "sub"
    m = re.match(r"(-?[0-9.]+)%$", word)
    if m:
        try:
            amount = float(m.group(1))
        except ValueError:
            return None
        return "sup" if amount > 0 else "sub" if amount < 0 else ""
    return None


class _OdtStyles:
    """Text styles (bold, italic, raised, lowered) and paragraph styles (outline level,
    parent) of an OpenDocument, automatic and common, followed through their parents."""

    def __init__(self, roots: list[Any]) -> None:
        self.text: dict[str, tuple[_TextStyle, str | None]] = {}
        self.paragraph: dict[str, tuple[str, str | None, int | None, str | None]] = {}
        self.lists: dict[str, Any] = {}
        self.automatic: set[str] = set()
        for root in roots:
            if root is None:
                continue
            for container in (root.find(f"{_OFFICE}automatic-styles"),
                              root.find(f"{_OFFICE}styles")):
                if container is None:
                    continue
                for style in container.findall(f"{_STYLE}style"):
                    self._add(style)
                    if container.tag == f"{_OFFICE}automatic-styles":
                        self.automatic.add(str(style.get(f"{_STYLE}name")))
                for list_style in container.findall(f"{_TEXT}list-style"):
                    self.lists.setdefault(str(list_style.get(f"{_STYLE}name")), list_style)

    def _add(self, style: Any) -> None:
        name = str(style.get(f"{_STYLE}name"))
        parent = style.get(f"{_STYLE}parent-style-name")
        props = style.find(f"{_STYLE}text-properties")
        text = _TextStyle()
        if props is not None:
            weight = props.get(f"{_FO}font-weight")
            slant = props.get(f"{_FO}font-style")
            position = props.get(f"{_STYLE}text-position")
            text = _TextStyle(
                None if weight is None else weight == "bold" or (weight.isdigit()
                                                                  and int(weight) >= 600),
                None if slant is None else slant in ("italic", "oblique"),
                None if position is None else _position(position))
        family = style.get(f"{_STYLE}family")
        if family in ("text", "paragraph", None):
            self.text.setdefault(name, (text, parent))
        if family == "paragraph":
            level = _int(style.get(f"{_STYLE}default-outline-level"))
            display = style.get(f"{_STYLE}display-name") or name
            self.paragraph.setdefault(name, (display, parent, level,
                                             style.get(f"{_STYLE}list-style-name")))

    def text_style(self, name: str | None) -> _TextStyle:
        bold = italic = vert = None
        seen: set[str] = set()
        while name and name in self.text and name not in seen and len(seen) < 20:
            seen.add(name)
            style, name = self.text[name]
            bold = style.bold if bold is None else bold
            italic = style.italic if italic is None else italic
            vert = style.vert if vert is None else vert
        return _TextStyle(bold, italic, vert)

    def paragraph_format(self, name: str | None) -> Format:
        """The formatting of a whole paragraph: what its automatic style sets (LibreOffice
        keeps a paragraph bolded as a whole so), not what its named style does (a heading
        style is bold by design)."""
        if name not in self.automatic or name not in self.text:
            return Format()
        style = self.text[name][0]
        return Format(bool(style.bold), bool(style.italic), style.vert or "")

    def paragraph_info(self, name: str | None) -> tuple[str, int | None, str | None]:
        """(display name, outline level, list style) of a paragraph style."""
        display = ""
        level: int | None = None
        list_style: str | None = None
        seen: set[str] = set()
        while name and name in self.paragraph and name not in seen and len(seen) < 20:
            seen.add(name)
            shown, parent, own_level, own_list = self.paragraph[name]
            display = display or shown
            level = own_level if level is None else level
            list_style = own_list if list_style is None else list_style
            name = parent
        return display, level, list_style

    def ordered(self, list_style: str | None, level: int) -> tuple[bool, int]:
        """(numbered, first number) of a list style's level (1-based in ODF)."""
        style = self.lists.get(list_style or "")
        if style is None:
            return False, 1
        for child in style:
            if child.get(f"{_TEXT}level") == str(level + 1):
                start = _int(child.get(f"{_TEXT}start-value"))
                return child.tag == f"{_TEXT}list-level-style-number", start or 1
        return False, 1


class _OdtDraft:
    def __init__(self, path: Path, content: Any, styles: Any) -> None:
        self.path = path
        self.content = content
        self.styles = _OdtStyles([styles, content])
        self.notes: dict[str, str] = {}
        self.blocks: list[DraftBlock] = []
        self.left_out: list[tuple[int, str]] = []
        self.number = 0
        self.lists = _Lists()
        self.counters: dict[tuple[str, int], int] = {}

    def draft(self) -> Draft:
        body = self.content.find(f"{_OFFICE}body")
        text = body.find(f"{_OFFICE}text") if body is not None else None
        if text is None:
            raise DraftFileError("not an OpenDocument text (.odt): its content has no text "
                                 "body", self.path)
        self.walk(text, None)
        return Draft(str(self.path), tuple(self.blocks), tuple(self.notes.items()),
                     tuple(self.left_out))

    def walk(self, parent: Any, in_list: tuple[str | None, int, Any] | None) -> None:
        for el in parent:
            tag = el.tag
            if tag in (f"{_TEXT}p", f"{_TEXT}h"):
                self.number += 1
                self.paragraph(el, in_list)
                in_list = None if in_list is None else (in_list[0], in_list[1], None)
            elif tag == f"{_TEXT}list":
                style = el.get(f"{_TEXT}style-name") or (in_list[0] if in_list else None)
                depth = in_list[1] + 1 if in_list else 0
                if el.get(f"{_TEXT}continue-numbering") != "true" and depth == 0:
                    self.counters = {k: v for k, v in self.counters.items() if k[0] != style}
                for item in el:
                    if item.tag in (f"{_TEXT}list-item", f"{_TEXT}list-header"):
                        marker = item if item.tag == f"{_TEXT}list-item" else None
                        self.walk(item, (style, depth, marker))
                    else:
                        self.walk([item], (style, depth, None))
            elif tag == f"{_TABLE}table":
                self.number += 1
                self.left_out.append((self.number, f"a table (after paragraph "
                                                   f"{self.number - 1})"))
                self.lists.end()
            elif tag in (f"{_TEXT}section", f"{_TEXT}soft-page-break"):
                self.walk(el, in_list)
            elif tag == f"{_DRAW}frame":
                self.number += 1
                self.left_out.append((self.number, _frame(el)))

    def paragraph(self, el: Any, in_list: tuple[str | None, int, Any] | None) -> None:
        collector = _OdtText(self)
        collector.walk(el, self.styles.paragraph_format(el.get(f"{_TEXT}style-name")))
        for what in collector.objects:
            self.left_out.append((self.number, what))
        lines = [t for t in (line_markdown(p) for p in collector.lines) if t]
        if not lines:
            return
        display, outline, list_style = self.styles.paragraph_info(el.get(f"{_TEXT}style-name"))
        draft_lines = tuple(DraftLine(t, self.number) for t in lines)
        if el.tag == f"{_TEXT}h" or (outline is not None and in_list is None):
            level = _int(el.get(f"{_TEXT}outline-level")) or outline or 1
            self.lists.end()
            self.blocks.append(DraftBlock("heading", " ".join(lines), self.number, draft_lines,
                                          max(1, min(level, 6)), style=display))
            return
        text = "\\\n".join(lines)
        if in_list is None or in_list[2] is None:
            self.lists.end()
            self.blocks.append(DraftBlock("paragraph", text, self.number, draft_lines,
                                          style=display))
            return
        style, depth, item = in_list
        ordered, first = self.styles.ordered(style or list_style, depth)
        key = (style or "", depth)
        given = _int(item.get(f"{_TEXT}start-value"))
        number = given if given is not None else self.counters.get(key, first - 1) + 1
        self.counters[key] = number
        for deeper in [k for k in self.counters if k[0] == key[0] and k[1] > depth]:
            del self.counters[deeper]
        level, start = self.lists.item(depth, ordered, number)
        self.blocks.append(DraftBlock("item", text, self.number, draft_lines, level, ordered,
                                      start, display))


_NOT_PRINTED = {f"{_TEXT}{name}" for name in (
    "tracked-changes", "change", "change-start", "change-end", "soft-page-break",
    "bookmark-ref", "note-citation")}
"""Elements of a paragraph whose text is not the paragraph's (deleted text, marks)."""


def _frame(el: Any) -> str:
    """What a ``draw:frame`` holds, as the left-out warning names it."""
    if el.find(f"{_DRAW}text-box") is not None:
        return "a text box"
    if el.find(f"{_DRAW}object") is not None or el.find(f"{_DRAW}object-ole") is not None:
        return "an embedded object"
    return "an image"


class _OdtText:
    """A paragraph's spans as lines of pieces."""

    def __init__(self, draft: _OdtDraft, in_note: bool = False) -> None:
        self.draft = draft
        self.in_note = in_note
        self.lines: list[list[Piece]] = [[]]
        self.objects: list[str] = []

    def text(self, value: str | None, fmt: Format) -> None:
        if value:
            self.lines[-1].append(Piece(re.sub(r"[ \t\n\r]+", " ", value), fmt))

    def walk(self, el: Any, fmt: Format) -> None:
        self.text(el.text, fmt)
        for child in el:
            tag = child.tag
            if tag == f"{_TEXT}span":
                style = self.draft.styles.text_style(child.get(f"{_TEXT}style-name"))
                self.walk(child, Format(fmt.bold if style.bold is None else style.bold,
                                        fmt.italic if style.italic is None else style.italic,
                                        fmt.vert if style.vert is None else style.vert,
                                        fmt.href))
            elif tag == f"{_TEXT}a":
                href = child.get(f"{_XLINK}href") or ""
                self.walk(child, Format(fmt.bold, fmt.italic, fmt.vert,
                                        href if href and usable_link(href) else fmt.href))
            elif tag == f"{_TEXT}line-break":
                self.lines.append([])
            elif tag == f"{_TEXT}s":
                self.lines[-1].append(Piece(" " * max(1, min(_int(child.get(
                    f"{_TEXT}c")) or 1, 100)), fmt))
            elif tag == f"{_TEXT}tab":
                self.lines[-1].append(Piece(" ", fmt))
            elif tag == f"{_TEXT}note":
                self.note(child)
            elif tag == f"{_DRAW}frame":
                self.objects.append(_frame(child))
            elif tag == f"{_DRAW}a":
                for frame in child.iter(f"{_DRAW}frame"):
                    self.objects.append(_frame(frame))
            elif isinstance(tag, str) and tag.startswith(_TEXT) and tag not in _NOT_PRINTED:
                self.walk(child, fmt)  # fields, bookmarks, meta: their text prints
            self.text(child.tail, fmt)

    def note(self, el: Any) -> None:
        if self.in_note:
            return
        body = el.find(f"{_TEXT}note-body")
        if body is None:
            return
        inner = _OdtText(self.draft, in_note=True)
        for p in body.iter(f"{_TEXT}p", f"{_TEXT}h"):
            inner.walk(p, Format())
            inner.lines.append([])
        text = " ".join(t for t in (line_markdown(p) for p in inner.lines) if t)
        if not text:
            return
        label = str(len(self.draft.notes) + 1)
        self.draft.notes[label] = text
        self.lines[-1].append(Piece("", Format(), label))
