"""``build/index.html``: one page linking every statement in every language and format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from ..errors import TemplateError
from .html import environment

TEMPLATE = "index.html"


def write_index(template_dir: Path, statements: list[dict[str, Any]], formats: list[str],
                generator: str) -> bytes:
    try:
        template = environment(str(template_dir)).get_template(TEMPLATE)
        return template.render(statements=statements, formats=formats,
                               generator=generator).encode("utf-8")
    except jinja2.TemplateNotFound:
        raise TemplateError(f"template '{TEMPLATE}' not found", template_dir) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template error: {exc}", template_dir / TEMPLATE) from None
