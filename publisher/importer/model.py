"""What every draft reader gives: blocks of statement Markdown with their origin."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DraftLine:
    """One line of a block as the draft shows it (a block split at its line breaks)."""

    text: str
    """Statement Markdown of the line (inline markup kept, special characters escaped)."""
    line: int
    """Where it is: the line in a text draft, the paragraph number in a document (1-based,
    counting every paragraph of the body, empty ones included)."""
    place: str = ""
    """Outside the body: ``page header`` (then :attr:`line` counts that header's
    paragraphs)."""


@dataclass(frozen=True)
class DraftBlock:
    kind: str
    """``paragraph``, ``heading`` or ``item`` (a list item's first paragraph)."""
    text: str
    """The block's inline content as statement Markdown, exactly as a statement holds it
    (soft line breaks folded; hard ones as a Markdown draft wrote them, else as a
    backslash before the line end)."""
    line: int
    """Where the block starts (see :attr:`DraftLine.line`)."""
    lines: tuple[DraftLine, ...] = ()
    """The block split at its line breaks (soft and hard), for masthead recognition."""
    level: int = 0
    """A heading's level (1-6); a list item's depth (0: not nested)."""
    ordered: bool = False
    """A list item of a numbered list."""
    start: int | None = None
    """The first number of a numbered list, on the list's first item (None elsewhere)."""
    style: str = ""
    """The paragraph style it had in a document (``Heading 2``, ``List Number``...)."""


@dataclass(frozen=True)
class Draft:
    path: str
    blocks: tuple[DraftBlock, ...]
    footnotes: tuple[tuple[str, str], ...] = ()
    """(label, statement Markdown of the note) of every footnote the blocks call as
    ``[^label]``, in order of first call."""
    left_out: tuple[tuple[int, str], ...] = field(default_factory=tuple)
    header: tuple[DraftLine, ...] = ()
    """The lines of the first page's header (a letterhead typed into Word's page header),
    read for the masthead only."""
    """(line, what) of everything the statement format cannot hold: an image, a table,
    raw HTML, a text box (each named in the warning the import prints)."""
