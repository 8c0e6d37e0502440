"""Errors that carry a location and print like a compiler: ``FILE:LINE: message``.

Library code raises these; only the CLI turns them into exit codes.
"""

from __future__ import annotations

import os


def display_path(path: str | os.PathLike[str] | None) -> str | None:
    """A path as a person would type it: relative to the working directory when inside it."""
    if path is None:
        return None
    path = os.fspath(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith(os.pardir + os.sep) else rel


class PublisherError(Exception):
    """A problem a user can fix, with the file and line it was found at."""

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None,
                 line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line

    @property
    def location(self) -> str:
        where = display_path(self.path) or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return where

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}: {self.message}" if loc else self.message


class StatementError(PublisherError):
    """A statement (front matter or body) that cannot be read."""


class CatalogError(PublisherError):
    """A gettext catalogue that cannot be read or written."""


class TemplateError(PublisherError):
    """A missing or broken template, mission profile or font."""


class StrictModeError(PublisherError):
    """Warnings were reported and ``--strict`` turns them into a failure."""
