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

from .build import BuildOptions, BuildReport, Output, build
from .collect import CollectReport, collect
from .editions import Translator
from .project import Missions, Project, read_statements
from .review import ReviewOptions, proof, review
from .serve import Rebuild, ServeOptions, serve
from .translations import CatalogChange, StatRow, check, extract, stats, update

__all__ = [
    "Project", "Missions", "read_statements",
    "extract", "update", "stats", "check", "CatalogChange", "StatRow",
    "Translator", "build", "BuildOptions", "BuildReport", "Output",
    "collect", "CollectReport",
    "review", "ReviewOptions", "proof",
    "serve", "ServeOptions", "Rebuild",
]
