"""HTML writer: Jinja2 templates (autoescape on), one self-contained page per language.

The PDF writer renders the same page with the print stylesheet, so the letterhead and
masthead are written once. Nothing a translator wrote is ever marked safe: inline
content is built from the model with every text node escaped.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import jinja2
from markupsafe import Markup, escape

from ..errors import TemplateError
from ..links import link_problem
from ..model import (
    Block, Code, Edition, Emph, HardBreak, Heading, Inline, Link, ListBlock, Paragraph,
    Quote, Rule, Strong, Sub, Sup, Text, heading_levels, is_form_of_address,
)

TEMPLATE = "statement.html"


def inline_html(nodes: tuple[Inline, ...]) -> Markup:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
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
            out.append(Markup(tag + "%s</p>\n") % inline_html(b.text.content))
        elif isinstance(b, Heading):
            level = next(levels)
            out.append(Markup(f"<h{level}>%s</h{level}>\n") % inline_html(b.text.content))
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


@lru_cache(maxsize=4)
def environment(template_dir: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    return env


def render_html(edition: Edition, template_dir: Path, media: str = "screen",
                extra: dict[str, Any] | None = None) -> str:
    """Render the statement page; ``media='print'`` is the variant the PDF writer uses."""
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
    from ..readers.mission import read_emblem

    kind, data = read_emblem(path)
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def write_html(edition: Edition, template_dir: Path, variant: str = "") -> bytes:
    return render_html(edition, template_dir).encode("utf-8")
