"""Bilingual review copies (HTML and PDF): source and translation side by side, with
untranslated, fuzzy and invalid messages visibly marked (colour and a status word)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..errors import TemplateError
from .html import environment, inline_html

TEMPLATE = "review.html"


def render_review(template_dir: Path, rows: list[Any], extra: dict[str, Any]) -> str:
    """``rows`` are :class:`publisher.i18n.translate.Row`; ``extra`` names the languages."""
    try:
        template = environment(str(template_dir)).get_template(TEMPLATE)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"template '{TEMPLATE}' not found", template_dir) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", exc.filename,
                            exc.lineno) from None
    view = [{
        "line": r.segment.line,
        "kind": r.segment.context or r.segment.kind,
        "source": inline_html(r.source.content),
        "translation": inline_html(r.translation.content) if r.translation else None,
        "status": r.status,
        "pending": r.pending,
    } for r in rows]
    try:
        return template.render(rows=view, **extra)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template error: {exc}", template_dir / TEMPLATE) from None


def write_review(template_dir: Path, rows: list[Any], extra: dict[str, Any],
                 timestamp: datetime.datetime) -> tuple[bytes, bytes]:
    """(HTML, PDF) of one review copy."""
    from .fonts import font_face_css
    from .pdf import html_to_pdf

    html = render_review(template_dir, rows, extra)
    printable = render_review(template_dir, rows, {**extra, "fonts_css": Markup(font_face_css())})
    return html.encode("utf-8"), html_to_pdf(printable, template_dir, timestamp)
