"""Writers: an :class:`~publisher.model.Edition` in, the bytes of one output format out.

The one registry of output formats: the CLI's choices, the build matrix and the index
page all read it. Writers are named as "module:function" and imported only when a
format is built, so the CLI, ``--help``, ``stats`` and ``check`` never pay for
WeasyPrint or python-docx. Adding a format means adding one writer module and one entry
here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, cast

if TYPE_CHECKING:
    from ..model import Edition

Writer = Callable[["Edition", Path, str], bytes]
"""``write(edition, template_dir, variant) -> bytes``; ``variant`` is one of the format's
:attr:`Format.variants` ("" for a format that has none)."""
Preflight = Callable[["Edition"], None]
"""Raises :class:`~publisher.errors.PublisherError` when an edition cannot be written in
the format; runs before anything is rendered."""


class Format(NamedTuple):
    name: str
    writer: str
    """``module:function`` of the :data:`Writer`."""
    variants: tuple[str, ...] = ()
    """Variants the writer can make, the default first."""
    preflight: str | None = None
    """``module:function`` of a :data:`Preflight` check (light: no engine imported)."""

    @property
    def default_variant(self) -> str:
        return self.variants[0] if self.variants else ""


REGISTRY: dict[str, Format] = {f.name: f for f in (
    Format("html", "publisher.writers.html:write_html"),
    Format("pdf", "publisher.writers.pdf:write_pdf", ("pdf/ua-1", "pdf/a-3b"),
           preflight="publisher.writers.fonts:check_glyphs"),
    Format("docx", "publisher.writers.docx:write_docx"),
)}
SUBSET_VERSION = "2"
"""Part of every cached subset's key and of the web page's and DOCX's build keys: change
it when the web or DOCX subsetting options change."""

FORMATS: tuple[str, ...] = tuple(REGISTRY)
PDF_VARIANTS: tuple[str, ...] = REGISTRY["pdf"].variants


def _load(ref: str) -> Callable[..., object]:
    module, func = ref.split(":")
    found: Callable[..., object] = getattr(importlib.import_module(module), func)
    return found


def get_writer(fmt: str) -> Writer:
    return cast(Writer, _load(REGISTRY[fmt].writer))


def preflight(fmt: str, edition: Edition) -> None:
    """The format's check of an edition before rendering (nothing if it has none)."""
    ref = REGISTRY[fmt].preflight
    if ref is not None:
        _load(ref)(edition)
