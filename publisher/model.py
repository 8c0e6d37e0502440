"""The document model: what a statement *is*, independent of any output format.

Everything here is a frozen dataclass built from the standard library only, so the
model can be shared between processes, compared for equality (the identity-translation
test relies on it) and never edited in place: translation builds a new tree.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Union

NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters no document format can hold, as XML 1.0 refuses them: the C0 controls other
than tab and line ends, lone surrogates, U+FFFE and U+FFFF. (Spelled as the characters
refused, not as the complement of those allowed: that class takes 5 ms to compile.)"""


# ---------------------------------------------------------------- inline content

@dataclass(frozen=True)
class Text:
    """Plain text. Soft line breaks of the source are already folded into spaces."""

    text: str


@dataclass(frozen=True)
class Code:
    """An inline code span, printed verbatim."""

    text: str


@dataclass(frozen=True)
class HardBreak:
    """A forced line break inside a block (Markdown: two spaces or a backslash at line end)."""


@dataclass(frozen=True)
class Strong:
    """Strong importance, ``**text**``."""

    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Emph:
    """Emphasis, ``*text*``."""

    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Sup:
    """Superscript, ``<sup>nd</sup>`` (ordinal suffixes)."""

    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Sub:
    """Subscript, ``<sub>2</sub>``."""

    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Link:
    """A hyperlink, ``[text](href "title")``."""

    href: str
    children: tuple["Inline", ...]
    title: str = ""


@dataclass(frozen=True)
class FootnoteRef:
    """The call of a footnote, ``[^label]``: the note's number where the text calls it.

    The message keeps the call as its source wrote it (``[^1]``), so a translation carries
    it like any other markup. In a statement every call is resolved: ``number`` is the
    note's place among the calls in reading order (1, 2, ...: the number every format
    prints) and ``note`` the note's text in the statement's language, so each writer can
    print the note where it is called. A call parsed from a single message is unresolved
    (``number`` 0, no ``note``) until :func:`number_footnotes` resolves it.
    """

    label: str
    number: int = 0
    note: RichText | None = None


Inline = Union[Text, Code, HardBreak, Strong, Emph, Sup, Sub, Link, FootnoteRef]
CONTAINERS = (Strong, Emph, Sup, Sub, Link)


def plain_text(inlines: tuple[Inline, ...]) -> str:
    """The words of some inline content, markup removed (for titles, metadata, search).
    A footnote call adds nothing: the note is not part of the sentence."""
    out: list[str] = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            out.append(node.text)
        elif isinstance(node, HardBreak):
            out.append(" ")
        elif isinstance(node, FootnoteRef):
            continue
        else:
            out.append(plain_text(node.children))
    return "".join(out)


@dataclass(frozen=True)
class RichText:
    """One translatable piece of text: its Markdown source and the parsed inline tree.

    ``source`` is the gettext message (soft line breaks folded into spaces); ``content``
    is what writers render. The two always describe the same text.
    """

    source: str
    content: tuple[Inline, ...]

    @property
    def plain(self) -> str:
        return plain_text(self.content)


# ---------------------------------------------------------------- blocks

@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the speech (also used inside list items and quotes)."""

    text: RichText
    line: int
    """1-based line in the statement file where the paragraph starts."""


@dataclass(frozen=True)
class Heading:
    """A heading inside the body (the masthead title is metadata, not a heading)."""

    level: int
    text: RichText
    line: int


@dataclass(frozen=True)
class ListBlock:
    """A bullet or numbered list; each item is a sequence of blocks."""

    ordered: bool
    items: tuple[tuple["Block", ...], ...]
    line: int
    start: int = 1


@dataclass(frozen=True)
class Quote:
    """A block quotation."""

    children: tuple["Block", ...]
    line: int


@dataclass(frozen=True)
class Rule:
    """A thematic break (``---`` in the body)."""

    line: int


Block = Union[Paragraph, Heading, ListBlock, Quote, Rule]


@dataclass(frozen=True)
class Footnote:
    """A footnote's text (``[^label]: text`` in the source): one paragraph, one message."""

    label: str
    """The label its call and definition share (``1`` for ``[^1]``)."""
    text: RichText
    line: int
    """Line of the definition in the statement file."""


def footnote_calls(nodes: tuple[Inline, ...]) -> list[FootnoteRef]:
    """The footnote calls in some inline content, in reading order."""
    found: list[FootnoteRef] = []
    for node in nodes:
        if isinstance(node, FootnoteRef):
            found.append(node)
        elif isinstance(node, CONTAINERS):
            found += footnote_calls(node.children)
    return found


def footnote_labels(nodes: tuple[Inline, ...]) -> list[str]:
    """The labels of the footnote calls in some inline content, in reading order."""
    return [call.label for call in footnote_calls(nodes)]


def map_inlines(text: RichText, fn: Callable[[Inline], tuple[Inline, ...]]) -> RichText:
    """``text`` with every node replaced by ``fn(node)`` (the node itself, nothing, or
    other nodes), in reading order, a container's children before the container
    (``text`` itself when nothing changes)."""

    def walk(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
        out: list[Inline] = []
        for node in nodes:
            if isinstance(node, CONTAINERS):
                node = dataclasses.replace(node, children=walk(node.children))
            out.extend(fn(node))
        return tuple(out)

    content = walk(text.content)
    return text if content == text.content else dataclasses.replace(text, content=content)


def map_calls(text: RichText, fn: Callable[[FootnoteRef], FootnoteRef]) -> RichText:
    """``text`` with every footnote call replaced by ``fn(call)``, in reading order
    (``text`` itself when nothing changes)."""
    return map_inlines(text, lambda node: (fn(node),) if isinstance(node, FootnoteRef)
                       else (node,))


def number_footnotes(blocks: tuple[Block, ...], notes: tuple[Footnote, ...]
                     ) -> tuple[tuple[Block, ...], tuple[Footnote, ...]]:
    """Resolve the footnote calls of ``blocks`` with ``notes``: each call gets its note's
    text and its number, the order of the calls in reading order; the notes come back in
    that order (a note no call names is left out). Used on the source and on every
    translation, whose word order may move a call."""
    by_label: Mapping[str, Footnote] = {n.label: n for n in notes}
    order: list[Footnote] = []

    def resolve(call: FootnoteRef) -> FootnoteRef:
        note = by_label.get(call.label)
        if note is None:
            return call
        order.append(note)
        return FootnoteRef(call.label, len(order), note.text)

    def block(b: Block) -> Block:
        if isinstance(b, (Paragraph, Heading)):
            return dataclasses.replace(b, text=map_calls(b.text, resolve))
        if isinstance(b, ListBlock):
            return dataclasses.replace(b, items=tuple(tuple(block(x) for x in item)
                                                      for item in b.items))
        if isinstance(b, Quote):
            return dataclasses.replace(b, children=tuple(block(x) for x in b.children))
        return b

    resolved = tuple(block(b) for b in blocks)
    return resolved, tuple(order)


ADDRESS_ENDINGS = (",", ":", "\u060c", "\uff0c", "\uff1a")
"""How a form of address ends: comma or colon (Latin, Arabic, full-width)."""


def is_form_of_address(block: Block) -> bool:
    """A lead-in: a short paragraph ending in a comma or colon, such as a form of address
    ("Distinguished colleagues,", "Mr Chairperson:") or the line introducing a list. It
    belongs with what follows it, so no page may end on it."""
    if not isinstance(block, Paragraph):
        return False
    text = block.text.plain.strip()
    return 0 < len(text) <= 80 and text.endswith(ADDRESS_ENDINGS)


def heading_levels(blocks: tuple[Block, ...]) -> tuple[int, ...]:
    """The printed level (2-6) of every heading in ``blocks``, in reading order.

    The title is level 1, so a body's first heading is level 2, and a heading is at most
    one level below the heading it belongs to, whatever number of ``#`` the author wrote
    (``##`` then ``####`` gives 2 then 3): an outline without gaps, as screen readers
    and PDF/UA want. Every writer prints these levels, so the formats agree.
    """
    written: list[int] = []

    def walk(blocks: tuple[Block, ...]) -> None:
        for b in blocks:
            if isinstance(b, Heading):
                written.append(b.level)
            elif isinstance(b, ListBlock):
                for item in b.items:
                    walk(item)
            elif isinstance(b, Quote):
                walk(b.children)

    walk(blocks)
    levels: list[int] = []
    open_: list[tuple[int, int]] = []  # (written level, printed level) of enclosing headings
    for level in written:
        while open_ and open_[-1][0] >= level:
            open_.pop()
        printed = min((open_[-1][1] if open_ else 1) + 1, 6)
        open_.append((level, printed))
        levels.append(printed)
    return tuple(levels)


# ---------------------------------------------------------------- statement

@dataclass(frozen=True)
class Meta:
    """The front matter of a statement, validated and typed."""

    mission: str
    """Identifier of the mission profile (``templates/missions/<mission>.yaml``)."""
    date: datetime.date
    """Date of delivery, printed in the masthead per locale."""
    title: RichText
    """The statement's title, e.g. "Statement by the Delegation of Ukraine"."""
    original: str
    """Language code the statement was written in (CLDR code, e.g. ``en``)."""
    languages: tuple[str, ...]
    """Languages the statement is published in, the original first."""
    meeting: RichText | None = None
    """The meeting it was delivered at (translatable, inline markup allowed)."""
    agenda: RichText | None = None
    """The agenda item (translatable)."""
    symbol: str | None = None
    """Document symbol printed top right, e.g. ``PC.DEL/627/17``."""
    check_against_delivery: bool = False
    """Print the "Check against delivery" line of advance copies."""
    lines: tuple[tuple[str, int], ...] = ()
    """(field, line) pairs: where each front-matter key was written."""

    def line_of(self, key: str) -> int | None:
        return dict(self.lines).get(key)


@dataclass(frozen=True)
class Statement:
    """One statement in one language: metadata plus the blocks of the speech."""

    slug: str
    """File stem of the seed, also the gettext domain and the output folder name."""
    path: str
    """The seed file it was read from (for messages and ``#:`` references)."""
    meta: Meta
    blocks: tuple[Block, ...]
    language: str
    """Language of the text held in this tree (``meta.original`` for the source)."""
    footnotes: tuple[Footnote, ...] = ()
    """The notes, in the order of their calls (note N is ``footnotes[N - 1]``)."""


# ---------------------------------------------------------------- mission profile

@dataclass(frozen=True)
class Mission:
    """A mission profile: who is speaking, as printed on the letterhead."""

    id: str
    path: str
    name_lines: tuple[str, ...]
    """Lines of the mission's name on the letterhead (translatable, template domain)."""
    address_lines: tuple[str, ...] = ()
    """Postal address lines (translatable)."""
    languages: tuple[str, ...] = ()
    """Default publication languages when a statement names none."""
    emblem: str | None = None
    """Path of an emblem image (SVG or PNG), relative to the profile."""
    regional_formats: tuple[str, ...] = ()
    """Locales whose CLDR dates the mission writes, e.g. ``en-GB`` ("6 November 2024")."""
    symbols: str = "osce"
    """The document-symbol grammar statements are checked against: ``osce``, ``un`` or
    ``iaea`` (see :mod:`publisher.symbols`)."""
    page_footer: bool = False
    """Print "Page N of M" at the foot of every page as well as the running head."""
    lines: tuple[tuple[str, int], ...] = field(default=())
    """(string, line) pairs for ``#:`` references of the translatable lines."""


# ---------------------------------------------------------------- an edition
# One statement in one language, ready to render.

@dataclass(frozen=True)
class PagePart:
    """A piece of the translated page label: literal text, or the page / page-count number."""

    kind: str
    """``text``, ``page`` or ``pages``."""
    text: str = ""


@dataclass(frozen=True)
class Alternate:
    """Another language version of the same statement (for ``hreflang`` links)."""

    lang: str
    name: str
    """The language's name in itself, e.g. "українська"."""
    href: str
    """File name of that version without extension, relative to this one."""
    region_tag: str = ""
    """The language with its likely region (``fr-FR``), for Open Graph locales."""
    direction: str = "ltr"


@dataclass(frozen=True)
class Edition:
    """Everything a writer needs for one statement in one language; no format in it.

    The pipeline decides every word here (translated, dates formatted per locale), so the
    HTML, PDF and DOCX writers only lay it out and cannot disagree about content.
    """

    statement: Statement
    """The translated statement tree."""
    mission: Mission
    """The mission profile with its name and address lines translated."""
    lang: str
    """BCP 47 tag of this edition's language (``uk``, ``fr``, ``pt-BR``)."""
    region_tag: str
    """Language with its likely region, as word processors want it (``uk-UA``, ``en-US``)."""
    direction: str
    """``ltr`` or ``rtl``."""
    language_name: str
    """The language's name in itself, e.g. "українська"."""
    date_text: str
    """The delivery date formatted for the locale."""
    language_line: str
    """Masthead distribution line: "ENGLISH", or "ENGLISH only" for a single-language issue."""
    original_line: str | None
    """Masthead "Original: UKRAINIAN" line; None for a single-language issue."""
    check_line: str | None
    """"Check against delivery" in this language, when the statement asks for it."""
    page_label: tuple[PagePart, ...]
    """The translated "Page N of M" split around its numbers."""
    strings: tuple[tuple[str, str], ...]
    """The translated template wording (msgid, msgstr) for the templates' own labels."""
    alternates: tuple[Alternate, ...]
    timestamp: datetime.datetime
    """The only date written into output metadata (``SOURCE_DATE_EPOCH`` or the delivery date)."""
    generator: str
    """Name and version of the tool, for document metadata."""
    catalogues: tuple[str, ...] = ()
    """The catalogues whose translations it prints (statement, mission, template wording),
    for a message that must name the line a word came from."""

    @property
    def title(self) -> str:
        return self.statement.meta.title.plain
