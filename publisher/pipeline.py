"""The commands, in the order a statement goes through them.

A press officer writes ``seeds/<slug>.md``; translators work on catalogues; the build
makes every edition in every format; reviewers and proofs look at the result::

    project     seeds/, locales/, templates/, build/; statements and mission profiles
                (publisher.project)
    extract     statement, templates and profiles -> locales/*.pot
    update      each .pot -> locales/<lang>/LC_MESSAGES/*.po   (publisher.translations)
    stats       how much of each catalogue is translated
    check       translation QA over the catalogues
    build       statement x language -> Edition (publisher.editions)
                -> stale outputs rendered by the writers, recorded in the cache,
                manifest.json and index.html (publisher.build, publisher.matrix)
    collect     the output folders of CI shards -> one folder, every file's hash
                checked, one manifest and index page (publisher.collect)
    review      source and translation side by side, per language (publisher.review)
    proof       page 1 of every PDF on one sheet
    serve       live preview: build, watch the sources, rebuild what a save affects,
                serve build/ on 127.0.0.1 and reload the open page (publisher.serve)

The command line (:mod:`publisher.cli`) calls these and nothing else; each lives in
the module named beside it. Nothing here prints: warnings go to the ``publisher``
logger with a location, and problems a user can fix are raised as
:class:`~publisher.errors.PublisherError`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import BuildOptions, BuildReport, Output, build
    from .collect import CollectReport, collect
    from .editions import Translator
    from .importer.bilingual import export_bilingual
    from .importer.statement import DraftImport, ImportOptions, import_draft
    from .importer.translation import TranslationImport, import_translation
    from .project import Missions, Project, read_statements
    from .review import ReviewOptions, proof, review
    from .serve import Rebuild, ServeOptions, serve
    from .translations import CatalogChange, StatRow, check, extract, stats, update

_HOME = {
    "build": ("BuildOptions", "BuildReport", "Output", "build"),
    "collect": ("CollectReport", "collect"),
    "editions": ("Translator",),
    "importer.bilingual": ("export_bilingual",),
    "importer.statement": ("DraftImport", "ImportOptions", "import_draft"),
    "importer.translation": ("TranslationImport", "import_translation"),
    "project": ("Missions", "Project", "read_statements"),
    "review": ("ReviewOptions", "proof", "review"),
    "serve": ("Rebuild", "ServeOptions", "serve"),
    "translations": ("CatalogChange", "StatRow", "check", "extract", "stats", "update"),
}
"""Where each command lives. A command imports only its own module (PEP 562): a
no-op build does not load the live preview, the review pages or the importer."""

_WHERE = {name: module for module, names in _HOME.items() for name in names}

__all__ = [
    "Project", "Missions", "read_statements",
    "extract", "update", "stats", "check", "CatalogChange", "StatRow",
    "Translator", "build", "BuildOptions", "BuildReport", "Output",
    "collect", "CollectReport",
    "review", "ReviewOptions", "proof",
    "serve", "ServeOptions", "Rebuild",
    "import_draft", "ImportOptions", "DraftImport", "import_translation", "TranslationImport",
    "export_bilingual",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __package__), name)
    globals()[name] = value
    return value
