"""PDF writer: the HTML writer's page with the print stylesheet, typeset by WeasyPrint.

Tagged PDF/UA-1 (``/Lang`` and title come from the HTML), fonts from pip font packages
embedded and subset, nothing fetched from the network: the URL fetcher only opens files
under the template folder and the font packages. WeasyPrint's font configuration is set
up once per process and reused for every document. The line-end rules the stylesheet
cannot state (no word split across pages, at most two hyphenated lines in a row, no line
ending at a compound's own hyphen) are applied to the layout by ``breaks.typeset``.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import os
import re
import shutil
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from markupsafe import Markup

from . import engine  # noqa: F401  (first: WeasyPrint's library lookups, cached)
from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..errors import TemplateError
from ..model import Edition
from .breaks import typeset
from .fonts import FAMILIES, font_dirs, font_face_css
from .hyphenation import preload as preload_hyphenation
from .html import render_html
from .pdf_text import install as install_text_layer
from .stylesheets import install as reuse_stylesheets

PDF_VARIANT = "pdf/ua-1"


class LocalOnlyFetcher(URLFetcher):
    """Opens ``file:`` URLs under the allowed folders and ``data:`` URLs; refuses the rest."""

    def __init__(self, allowed: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.allowed = tuple(p.resolve() for p in allowed)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            from urllib.parse import unquote, urlparse
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.allowed):
                if not path.is_file():
                    raise FatalURLFetchingError(f"file not found: {path}")
                return URLFetcherResponse(url, body=path.read_bytes())
        raise FatalURLFetchingError(f"refusing to fetch {url!r}: PDF rendering fetches nothing "
                                    "outside the templates and font packages")


_CONFIGURATIONS: list[tuple[int, FontConfiguration]] = []


@lru_cache(maxsize=1)
def _font_config() -> FontConfiguration:
    config = FontConfiguration()
    _CONFIGURATIONS.append((os.getpid(), config))
    return config


def release_fonts() -> None:
    """Remove the copies of the faces WeasyPrint made for this process's font
    configuration: a temporary folder it removes only when the configuration is
    garbage-collected, which never happens in a process that ends with ``os._exit``
    (the command after its quick exit runs the exit handlers, this one among them).
    Only the process that made the configuration removes it; a worker's are in a
    folder its build removes (see :class:`publisher.matrix.Workers`)."""
    for pid, config in _CONFIGURATIONS:
        folder = getattr(config, "_folder", None)  # WeasyPrint's, made at the first face
        if pid == os.getpid() and folder:
            shutil.rmtree(folder, ignore_errors=True)


atexit.register(release_fonts)


@contextmanager
def _font_timestamps(timestamp: datetime.datetime) -> Iterator[None]:
    """Font subsetting stamps each subset's ``head`` table with "now" unless
    ``SOURCE_DATE_EPOCH`` is set; pin it to the edition's date while rendering so the
    same inputs give the same bytes."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(timestamp.timestamp()))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _emblem_src(edition: Edition) -> str | None:
    """The emblem inlined as the HTML page has it (the checked bytes, a ``data:`` URL), so
    WeasyPrint is given no folder outside the templates and the font packages."""
    from .html import data_uri

    if not edition.mission.emblem:
        return None
    return data_uri(Path(edition.mission.emblem))


def warm_up() -> None:
    """A process's first PDF costs a tenth of a second more than the next ones: Pango
    and fontconfig load the faces, cffi parses the C types WeasyPrint uses, the
    user-agent stylesheet is read. A worker pays it on a line in every face while the
    build is still translating; the document is thrown away (its fonts and codes are
    its own, so no later output changes)."""
    faces = ", ".join(f'"{family}"' for family in FAMILIES)
    html = (f"<!DOCTYPE html><html lang=en><head><style>{font_face_css()}\n"
            f"html {{ font-family: {faces}; hyphens: auto }}</style></head><body>"
            "<p>Warm <b>up</b> <i>the</i> <b><i>faces</i></b> "
            "<span lang=ar dir=rtl>\u0628\u064a\u0627\u0646</span></p></body></html>")
    allowed = font_dirs()
    page = HTML(string=html, base_url=str(allowed[0]) + "/",
                url_fetcher=LocalOnlyFetcher(allowed), media_type="print")
    install_text_layer()
    page.render(font_config=_font_config(), pdf_tags=True).write_pdf(pdf_tags=True)


def write_pdf(edition: Edition, template_dir: Path, variant: str = PDF_VARIANT) -> bytes:
    preload_hyphenation(edition.lang)
    html = render_html(edition, template_dir, media="print",
                       extra={"fonts_css": Markup(font_face_css()), "emblem_src": _emblem_src(edition)})
    return html_to_pdf(html, template_dir, edition.timestamp, (), variant)


_FILE_URL = re.compile(r"file://(/[^\"'()\s]+)")


def document_identifier(html: str) -> bytes:
    """The PDF's ``/ID``: a hash of the page, in which each file it names by location
    (the fonts, in folders that differ from one installation to the next) counts by its
    content, so the same inputs give the same bytes wherever the tool is installed."""
    from urllib.parse import unquote

    from .fonts import file_sha256

    def content(match: re.Match[str]) -> str:
        try:
            return "sha256:" + file_sha256(Path(unquote(match.group(1))))
        except OSError:
            return match.group(0)

    located = _FILE_URL.sub(content, html)
    return hashlib.sha256(located.encode("utf-8")).hexdigest()[:32].encode("ascii")


def html_to_pdf(html: str, template_dir: Path, timestamp: datetime.datetime,
                extra_allowed: tuple[Path, ...] = (), variant: str = PDF_VARIANT) -> bytes:
    """Typeset an HTML page of ours: tagged PDF/UA-1, fonts from the font packages only."""
    install_text_layer()
    reuse_stylesheets()
    allowed = (template_dir, *font_dirs(), *extra_allowed)
    fetcher = LocalOnlyFetcher(allowed)
    identifier = document_identifier(html)
    try:
        with _font_timestamps(timestamp):
            page = HTML(string=html, base_url=str(template_dir.resolve()) + "/",
                        url_fetcher=fetcher, media_type="print")
            options = {"pdf_variant": variant, "pdf_tags": True, "pdf_identifier": identifier}
            document, _kept = typeset(page, lambda p: p.render(font_config=_font_config(),
                                                               **options))
            pdf = document.write_pdf(**options)
    except FatalURLFetchingError as exc:
        raise TemplateError(str(exc), template_dir) from None
    assert isinstance(pdf, bytes)
    return pdf

