"""Line-end rules of a typesetter that CSS cannot state, applied to WeasyPrint's layout.

The print stylesheet says what CSS can: words of fewer than 6 letters are never
hyphenated, a break leaves at least 3 letters on each side (``hyphenate-limit-chars:
6 3 3``) and a line is only hyphenated when it would otherwise be loose
(``hyphenate-limit-zone``). Two rules are beyond it (``hyphenate-limit-lines`` and
``hyphenate-limit-last`` are not implemented by the engine):

- at most :data:`MAX_HYPHENATED_RUN` consecutive lines end in a hyphen;
- no word is split across a page break (the last line of a page is never hyphenated);
- no line ends at a hyphen of the text itself (see :data:`NO_BREAK`).

:func:`typeset` lays the page out, finds the lines that break a rule, forbids
hyphenating exactly those words (a ``hyphens: manual`` span around that occurrence)
and lays it out again, until no line breaks a rule. Each pass only takes breaks away,
so it settles in a few passes; :data:`MAX_PASSES` bounds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

MAX_HYPHENATED_RUN = 2
MAX_PASSES = 6

NO_HYPHENATION = "hyphens: manual"
NO_BREAK = "white-space: nowrap; hyphens: manual"
"""For a compound with a hyphen of its own (``porte-parole``): a line ending at that
hyphen reads back from the text layer as one word (``porteparole``) in poppler and
pdfium alike, which take a line-end hyphen for a hyphenation, so such a compound is
never broken at the end of a line."""

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Line:
    """One line of body text as laid out: its page, block element and text."""

    page: int
    element: Any
    """The block element (``<p>``, ``<li>``…) the line belongs to."""
    text: str
    hyphenated: bool


@dataclass(frozen=True)
class Fault:
    """A hyphenated word to keep whole: the ``occurrence``-th (0-based) whole-word
    occurrence of ``word`` in ``element``'s text."""

    element: Any
    word: str
    occurrence: int
    reason: str
    style: str
    """The inline style that keeps it whole."""


def _text_boxes(box: Any) -> Iterator[Any]:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


def body_lines(document: Any) -> list[Line]:
    """Every line of the pages' flowing text, in order (margin boxes left out)."""
    from weasyprint.formatting_structure import boxes

    lines: list[Line] = []

    def walk(box: Any, page: int) -> None:
        if isinstance(box, boxes.MarginBox):
            return
        if isinstance(box, boxes.LineBox):
            texts = list(_text_boxes(box))
            text = "".join(t.text for t in texts)
            hyphen = texts[-1].style["hyphenate_character"] if texts else ""
            hyphenated = bool(texts) and bool(hyphen) and text.endswith(hyphen) \
                and texts[-1].style["hyphens"] != "none" \
                and _ends_inside_word(text[:-len(hyphen)])
            lines.append(Line(page, box.element, text, hyphenated))
            return
        for child in getattr(box, "children", ()):
            walk(child, page)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, number)
    return lines


def _ends_inside_word(text: str) -> bool:
    return bool(text) and text[-1].isalpha()


def _strip_hyphen(line: Line) -> str:
    return line.text[:-1] if line.hyphenated else line.text


def faults(lines: list[Line]) -> list[Fault]:
    """The line-end breaks that break a rule, each named by its word's occurrence in
    its block."""
    found: list[Fault] = []
    run = 0
    for i, line in enumerate(lines):
        run = run + 1 if line.hyphenated else 0
        if not line.hyphenated or i + 1 >= len(lines):
            continue
        following = lines[i + 1]
        if following.element is not line.element:
            continue  # a hyphen at the end of a block is a real one
        head = _WORD.findall(_strip_hyphen(line))
        tail = _WORD.match(following.text.lstrip())
        if not head or not tail:
            continue
        compound = f"{head[-1]}-{tail.group(0)}"
        if _whole_word(compound).search(_text_of(line.element)):
            word, style = compound, NO_BREAK
            reason = "line ends at a hyphen of the text"
        else:
            word, style = head[-1] + tail.group(0), NO_HYPHENATION
            if following.page != line.page:
                reason = "split across pages"
            elif run > MAX_HYPHENATED_RUN:
                reason = f"more than {MAX_HYPHENATED_RUN} hyphenated lines in a row"
            else:
                continue
        before = "".join(_strip_hyphen(other) for other in lines[:i]
                         if other.element is line.element)
        before += _strip_hyphen(line)[:-len(head[-1])]
        occurrence = len(_whole_word(word).findall(before))
        found.append(Fault(line.element, word, occurrence, reason, style))
    return found


def _text_of(element: Any) -> str:
    return "".join(element.itertext())


def _whole_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")


def keep_whole(fault: Fault) -> bool:
    """Wrap the fault's word occurrence in a span styled to keep it whole; False
    when the word is not found within a single text node (markup inside the word)."""
    pattern = _whole_word(fault.word)
    seen = 0
    for parent, node, attribute in _text_slots(fault.element):
        text = getattr(node, attribute) or ""
        for match in pattern.finditer(text):
            if seen == fault.occurrence:
                _wrap(parent, node, attribute, match.start(), match.end(), fault.style)
                return True
            seen += 1
    return False


def _text_slots(element: Any) -> Iterator[tuple[Any, Any, str]]:
    """The element's text in document order, as (parent, node, "text" | "tail"): a
    node's text lies inside it, its tail after it inside the parent."""
    if _local(element) in _NOT_TEXT:
        return
    yield None, element, "text"
    for child in element:
        yield from _text_slots(child)
        yield element, child, "tail"


_NOT_TEXT = {"style", "script", "template", "svg", "math"}
"""Elements whose content is not running text (a stylesheet keeps its hyphens)."""


def _local(element: Any) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _wrap(parent: Any, node: Any, attribute: str, start: int, end: int, style: str) -> None:
    text = getattr(node, attribute)
    span = node.makeelement(_tag(node, "span"), {"style": style})
    span.text = text[start:end]
    span.tail = text[end:]
    setattr(node, attribute, text[:start])
    if attribute == "text":
        node.insert(0, span)
    else:
        parent.insert(list(parent).index(node) + 1, span)


def _tag(node: Any, local: str) -> str:
    """``local`` in the namespace the parser gave the document's elements."""
    tag = node.tag if isinstance(node.tag, str) else ""
    return tag[:tag.index("}") + 1] + local if tag.startswith("{") else local


_COMPOUND = re.compile(r"\w+(?:-\w+)+")


def protect_compounds(root: Any) -> int:
    """Keep every hyphenated compound of the page's ``<main>`` on one line before the
    first layout (see :data:`NO_BREAK`), which saves the layout passes that would find
    them one by one; the number of compounds wrapped."""
    mains = [el for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("main")]
    slots = [slot for main in mains for slot in _text_slots(main)]
    count = 0
    for parent, node, attribute in slots:
        text = getattr(node, attribute) or ""
        for match in reversed(list(_COMPOUND.finditer(text))):
            _wrap(parent, node, attribute, match.start(), match.end(), NO_BREAK)
            count += 1
    return count


def typeset(html: Any, render: Any) -> tuple[Any, list[Fault]]:
    """Lay ``html`` (a WeasyPrint ``HTML``) out with ``render(html)`` until no line
    breaks a rule; the document and the words kept whole after the first layout."""
    kept: list[Fault] = []
    protect_compounds(html.etree_element)
    document = render(html)
    for _ in range(MAX_PASSES):
        found = faults(body_lines(document))
        if not found:
            break
        changed = [fault for fault in found if keep_whole(fault)]
        if not changed:
            break
        kept.extend(changed)
        document = render(html)
    return document, kept
