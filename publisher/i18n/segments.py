"""The one walker that decides what a message is.

Extraction (:func:`segments`) and application (:func:`map_segments`) are the same
traversal, so they cannot drift apart: each heading, paragraph, list-item paragraph and
quote paragraph is one message, and so is each footnote (after the body, in the order of
its calls); the translatable front-matter fields are messages too, with a ``msgctxt``
naming the field. A footnote's call stays in its paragraph's message as ``[^label]``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

from ..model import (
    Block, Heading, ListBlock, Paragraph, Quote, RichText, Statement, number_footnotes,
)

FRONT_MATTER_FIELDS = ("title", "meeting", "agenda")


@dataclass(frozen=True)
class Segment:
    """One translatable unit of a statement."""

    msgid: str
    """The message: the block's Markdown source, soft breaks folded."""
    context: str | None
    """``msgctxt``: the front-matter field name, or None for body text."""
    line: int
    """Line in the statement file (for ``#:`` references and warnings)."""
    kind: str
    """``title``/``meeting``/``agenda``, ``heading``, ``paragraph`` or ``footnote``."""


Mapper = Callable[[Segment, RichText], RichText]


def map_segments(statement: Statement, fn: Mapper, language: str | None = None) -> Statement:
    """A new statement whose every translatable text is ``fn(segment, text)``.

    The footnote calls of the new text are then resolved again (:func:`number_footnotes`):
    each call carries its note as ``fn`` made it, numbered in the new reading order."""
    meta = statement.meta
    changes: dict[str, RichText | None] = {}
    for name in FRONT_MATTER_FIELDS:
        text: RichText | None = getattr(meta, name)
        if text is not None:
            seg = Segment(text.source, name, meta.line_of(name) or 1, name)
            changes[name] = fn(seg, text)
    new_meta = dataclasses.replace(
        meta, title=changes.get("title") or meta.title,
        meeting=changes.get("meeting", meta.meeting), agenda=changes.get("agenda", meta.agenda))

    def block(b: Block) -> Block:
        if isinstance(b, Paragraph):
            return dataclasses.replace(b, text=fn(Segment(b.text.source, None, b.line, "paragraph"), b.text))
        if isinstance(b, Heading):
            return dataclasses.replace(b, text=fn(Segment(b.text.source, None, b.line, "heading"), b.text))
        if isinstance(b, ListBlock):
            return dataclasses.replace(b, items=tuple(tuple(block(x) for x in item) for item in b.items))
        if isinstance(b, Quote):
            return dataclasses.replace(b, children=tuple(block(x) for x in b.children))
        return b

    blocks = tuple(block(b) for b in statement.blocks)
    notes = tuple(dataclasses.replace(n, text=fn(Segment(n.text.source, None, n.line, "footnote"),
                                                 n.text))
                  for n in statement.footnotes)
    if notes:
        blocks, notes = number_footnotes(blocks, notes)
    return dataclasses.replace(statement, meta=new_meta, blocks=blocks, footnotes=notes,
                               language=language or statement.language)


def segments(statement: Statement) -> list[Segment]:
    """Every message of a statement, in reading order (front matter first)."""
    found: list[Segment] = []

    def collect(seg: Segment, text: RichText) -> RichText:
        found.append(seg)
        return text

    map_segments(statement, collect)
    return found
