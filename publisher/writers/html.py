"""HTML writer: Jinja2 templates (autoescape on), one self-contained page per language.

The PDF writer renders the same page with the print stylesheet, so the letterhead and
masthead are written once. Nothing a translator wrote is ever marked safe: inline
content is built from the model with every text node escaped.

A web page links its other language versions (``hreflang``: itself included, and
``x-default`` naming the version in the statement's original language, the text every
translation is made from), links the PDF and DOCX built beside it, and embeds the PDF's
fonts as WOFF2 subsets (:mod:`publisher.writers.webfonts`), so it fetches nothing.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any, Iterator

import jinja2
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from ..errors import TemplateError
from ..links import link_problem
from ..machine import cache_dir
from ..model import (
    Block, Code, Edition, Emph, FootnoteRef, HardBreak, Heading, Inline, Link, ListBlock,
    Paragraph, Quote, Rule, Strong, Sub, Sup, Text, heading_levels, is_form_of_address,
)

TEMPLATE = "statement.html"

DOWNLOADS = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
"""Formats a web page may link to: (link text, media type). Format names are not translated."""


def inline_html(nodes: tuple[Inline, ...], calls: bool = False) -> Markup:
    """Inline content as HTML. With ``calls`` (the body of the page, see
    :func:`blocks_html`) a footnote call is a link to its note in the endnotes and back,
    followed by the note's text in a hidden ``<span class="footnote">`` that the print
    stylesheet floats to the foot of the page; otherwise (titles, review copies, which
    have no endnotes) a call is its number alone."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, FootnoteRef):
            if not calls or node.note is None:
                out.append(Markup("<sup>%s</sup>") % (node.number or node.label))
                continue
            out.append(Markup('<sup class="footnote-call"><a href="#fn-%d" id="fnref-%d" '
                              'role="doc-noteref">%d</a></sup><span class="footnote" hidden>'
                              '%s</span>') % (node.number, node.number, node.number,
                                              inline_html(node.note.content)))
        elif isinstance(node, Text):
            out.append(escape(node.text))
        elif isinstance(node, Code):
            out.append(Markup("<code>%s</code>") % node.text)
        elif isinstance(node, HardBreak):
            out.append(Markup("<br>"))
        elif isinstance(node, Link):
            if link_problem(node.href) is not None:  # the build has warned and dropped it
                out.append(inline_html(node.children))
                continue
            title = Markup(' title="%s"') % node.title if node.title else ""
            out.append(Markup('<a href="%s"%s>%s</a>') % (node.href, title, inline_html(node.children)))
        else:
            tag = {Strong: "strong", Emph: "em", Sup: "sup", Sub: "sub"}[type(node)]
            out.append(Markup(f"<{tag}>%s</{tag}>") % inline_html(node.children))
    return Markup("").join(out)


def blocks_html(blocks: tuple[Block, ...], levels: Iterator[int] | None = None) -> Markup:
    """The body's blocks as HTML; ``levels`` yields the heading levels in reading order
    (see :func:`heading_levels`), shared with the nested calls."""
    if levels is None:
        levels = iter(heading_levels(blocks))
    out: list[Markup] = []
    for b in blocks:
        if isinstance(b, Paragraph):
            tag = '<p class="lead-in">' if is_form_of_address(b) else "<p>"
            out.append(Markup(tag + "%s</p>\n") % inline_html(b.text.content, calls=True))
        elif isinstance(b, Heading):
            level = next(levels)
            out.append(Markup(f"<h{level}>%s</h{level}>\n") % inline_html(b.text.content, calls=True))
        elif isinstance(b, ListBlock):
            tag = "ol" if b.ordered else "ul"
            start: Markup | str = ""
            if b.ordered and b.start != 1:
                # The counter too: WeasyPrint reads ``start`` only as a presentational hint.
                start = Markup(' start="%d" style="counter-reset: list-item %d"') % (b.start, b.start - 1)
            items = Markup("").join(Markup("<li>%s</li>\n") % blocks_html(item, levels)
                                    for item in b.items)
            out.append(Markup(f"<{tag}%s>\n%s</{tag}>\n") % (start, items))
        elif isinstance(b, Quote):
            out.append(Markup("<blockquote>\n%s</blockquote>\n") % blocks_html(b.children, levels))
        elif isinstance(b, Rule):
            out.append(Markup("<hr>\n"))
    return Markup("").join(out)


OPTIONS: dict[str, Any] = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True,
                           "undefined": jinja2.StrictUndefined,
                           "extensions": ["jinja2.ext.i18n"]}
"""The templates' environment."""
POLICIES: dict[str, Any] = {"ext.i18n.trimmed": True}


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates, kept in the private cache folder.

    Jinja names an entry by the template's name and file, so every copy of a project
    (a checkout, a CI job's folder, a test's) compiled its templates again and added
    entries. Here an entry is named by what the compiled code depends on: the
    template's name and source, Jinja's version and the environment's options (a
    template compiles differently under another Jinja or other options, so an upgrade
    never runs code compiled for the version before). The file a template was read from
    is written into its compiled code (tracebacks name it): code read back is given the
    file of the template it now serves."""

    def __init__(self, directory: str, options: dict[str, Any],
                 policies: dict[str, Any]) -> None:
        super().__init__(directory)
        self.settings = repr((jinja2.__version__, sorted((k, repr(v)) for k, v in options.items()),
                              sorted(policies.items())))

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        checksum = self.get_source_checksum(source)
        key = f"{self.settings}\0{name}\0{checksum}"
        bucket = Bucket(environment,
                        hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest(),
                        checksum)
        self.load_bytecode(bucket)
        if bucket.code is not None and filename is not None:
            bucket.code = _read_from(bucket.code, filename)
        return bucket


def _read_from(code: CodeType, filename: str) -> CodeType:
    """``code`` (and the code it holds: the template's functions) as compiled from
    ``filename``."""
    consts = tuple(_read_from(c, filename) if isinstance(c, CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


@lru_cache(maxsize=4)
def environment(template_dir: str) -> jinja2.Environment:
    """The templates' environment. Compiled templates are kept in the private cache folder
    (:class:`CompiledTemplates`), since compiling the page templates costs more than
    rendering them."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        bytecode_cache=CompiledTemplates(str(cache_dir() / "templates"), OPTIONS, POLICIES),
        **OPTIONS,
    )
    env.policies.update(POLICIES)
    return env


def hreflang_links(edition: Edition) -> list[tuple[str, str]]:
    """(hreflang, file name without extension) of every language version of the page, the
    page itself included, in the statement's order, then ``x-default``: the version in the
    original language (the one every translation is made from, in the same folder)."""
    meta = edition.statement.meta
    own = f"{edition.statement.slug}.{edition.lang}"
    others = {alt.lang: alt.href for alt in edition.alternates}
    links = [(lang, own if lang == edition.lang else others[lang])
             for lang in meta.languages if lang == edition.lang or lang in others]
    if edition.lang not in meta.languages:
        links.insert(0, (edition.lang, own))
    default = dict(links).get(meta.original, own)
    return links + [("x-default", default)]


def download_links(edition: Edition, formats: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(link text, file name, media type) of the other formats built for this edition."""
    base = f"{edition.statement.slug}.{edition.lang}"
    return [(DOWNLOADS[fmt][0], f"{base}.{fmt}", DOWNLOADS[fmt][1])
            for fmt in formats if fmt in DOWNLOADS]


def render_html(edition: Edition, template_dir: Path, media: str = "screen",
                extra: dict[str, Any] | None = None) -> str:
    """Render the statement page; ``media='print'`` is the variant the PDF writer uses.
    ``extra`` may give ``downloads`` (see :func:`download_links`) and ``fonts_css``."""
    env = environment(str(template_dir))
    try:
        template = env.get_template(TEMPLATE)
        css = (template_dir / "statement.css").read_text(encoding="utf-8")
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template '{exc.name}' not found", template_dir) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", exc.filename, exc.lineno) from None
    except FileNotFoundError:
        raise TemplateError("stylesheet 'statement.css' not found", template_dir) from None

    strings = dict(edition.strings)

    def gettext(message: str, **variables: Any) -> str:
        text = strings.get(message) or message
        return text % variables if variables else text

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        text = gettext(singular if n == 1 else plural)
        variables.setdefault("num", n)
        return text % variables

    meta = edition.statement.meta
    context = {
        "e": edition,
        "meta": meta,
        "media": media,
        "css": Markup(css),
        "inline": inline_html,
        "body": blocks_html(edition.statement.blocks),
        "mission_name": " ".join(edition.mission.name_lines),
        "gettext": gettext, "_": gettext, "ngettext": ngettext,
        "emblem_src": data_uri(Path(edition.mission.emblem)) if edition.mission.emblem else None,
        "hreflang": hreflang_links(edition),
        "downloads": (),
        **(extra or {}),
    }
    try:
        return template.render(context)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template error: {exc}", template_dir / TEMPLATE) from None


def data_uri(path: Path) -> str:
    """The mission's emblem inlined into the page, so the HTML stays one self-contained file.

    Read through the mission reader's checks again (a real PNG, or an SVG that cannot
    script or load anything; a regular file, no link, at most 1 MiB), so what is embedded
    in a published page is what the profile was checked for, whatever the path names now.
    """
    from ..readers.emblem import read_emblem

    kind, data = read_emblem(path)
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def write_html(edition: Edition, template_dir: Path, variant: str = "") -> bytes:
    """The web page. ``variant`` names the other formats built for the same edition,
    space-separated (``"pdf docx"``): the page links to those files and no others.

    The page is rendered once to learn which characters it draws in which face, then
    again with those faces embedded."""
    from .webfonts import web_font_css

    downloads = download_links(edition, tuple(variant.split()))
    page = render_html(edition, template_dir, extra={"downloads": downloads})
    fonts = Markup(web_font_css(page))
    return render_html(edition, template_dir,
                       extra={"downloads": downloads, "fonts_css": fonts}).encode("utf-8")
