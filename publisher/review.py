"""Review and proof: what translators and press officers look at before release.

``review LANG`` writes, for every statement translated into LANG, a side-by-side copy
(source, translation, status of each message, the fuzzy suggestions that are not
published); ``proof`` puts page 1 of every built PDF on one contact sheet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .editions import Translator, edition_timestamp
from .errors import PublisherError
from .fsutil import atomic_write
from .project import Project, read_statements, wanted_languages


@dataclass
class ReviewOptions:
    lang: str
    paths: list[str] = field(default_factory=list)
    out_dir: Path | None = None


def review(project: Project, options: ReviewOptions) -> list[Path]:
    """Write ``build/review/<slug>.<lang>.review.{html,pdf}`` for every statement in LANG."""
    from .i18n import wording
    from .i18n.translate import translate_statement
    from .readers.markdown import parse_inline
    from .writers.review import write_review

    options = dataclasses.replace(options, lang=wanted_languages([options.lang])[0])
    statements = [s for s in read_statements(project, options.paths)
                  if options.lang in s.meta.languages and options.lang != s.meta.original]
    if not statements:
        raise PublisherError(f"no statement is translated into '{options.lang}'")
    translator = Translator(project)
    out_root = options.out_dir or project.build_dir / "review"
    written: list[Path] = []
    for s in statements:
        catalog, po = translator.catalog(options.lang, s.slug)
        _, cov = translate_statement(s, catalog, options.lang, parse_inline, po)
        extra = {
            "slug": s.slug, "source_lang": s.meta.original, "target_lang": options.lang,
            "source_name": wording.language_name(s.meta.original, "en"),
            "target_name": wording.language_name(options.lang, "en"),
            "dir": wording.direction(options.lang), "generator": f"publisher {__version__}",
            "counts": {"total": len(cov.rows), **{k: sum(r.status == k for r in cov.rows) for k in
                       ("translated", "fuzzy", "untranslated", "invalid")}},
        }
        html, pdf = write_review(project.templates, cov.rows, extra, edition_timestamp(s))
        for data, ext in ((html, "html"), (pdf, "pdf")):
            path = out_root / f"{s.slug}.{options.lang}.review.{ext}"
            atomic_write(path, data)
            written.append(path)
    return written


def proof(project: Project, out_dir: Path | None = None) -> Path:
    """``build/proof.png``: page 1 of every built PDF on one contact sheet."""
    from .writers.fonts import label_font
    from .writers.proof import contact_sheet

    out_root = out_dir or project.build_dir
    pdfs: list[tuple[str, Path]] = []
    for s in read_statements(project):
        for lang in s.meta.languages:
            pdf = out_root / s.slug / f"{s.slug}.{lang}.pdf"
            if pdf.is_file():
                pdfs.append((f"{s.slug} · {lang}", pdf))
    if not pdfs:
        raise PublisherError("no PDF to proof: run `publisher build` first", out_root)
    path = out_root / "proof.png"
    atomic_write(path, contact_sheet(pdfs, label_font()))
    return path
