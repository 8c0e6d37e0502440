"""Writers: an :class:`~publisher.model.Edition` in, the bytes of one output format out.

A plain registry (format -> "module:function"), imported only when a format is built, so
the CLI, ``--help``, ``stats`` and ``check`` never pay for WeasyPrint or python-docx.
Adding a format means adding one writer module and one line here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..model import Edition

Writer = Callable[["Edition", Path], bytes]

WRITERS: dict[str, str] = {
    "html": "publisher.writers.html:write_html",
    "pdf": "publisher.writers.pdf:write_pdf",
    "docx": "publisher.writers.docx:write_docx",
}
FORMATS: tuple[str, ...] = tuple(WRITERS)


def get_writer(fmt: str) -> Writer:
    module, func = WRITERS[fmt].split(":")
    writer: Writer = getattr(importlib.import_module(module), func)
    return writer
