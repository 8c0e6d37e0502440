"""Diagnostics: every problem the tool reports, printed one way, like a compiler:
``FILE:LINE: error|warning: [code] message``.

A :class:`Diagnostic` is what reader errors, build warnings and ``check`` problems all
are. Library code raises :class:`PublisherError` (a located error a user can fix) and
returns warnings as diagnostics; only the CLI prints them and turns them into exit codes.
"""

from __future__ import annotations

import os
from typing import NamedTuple


def shown(value: str, width: int = 60) -> str:
    """A value quoted inside a one-line message: control characters escaped, shortened."""
    text = "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in value)
    return text if len(text) <= width else text[: width - 1] + "…"


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


ERROR, WARNING = "error", "warning"


class Diagnostic(NamedTuple):
    """One problem: where (file and line, either may be unknown), which check or stage
    found it (``code``), how bad it is (``error`` or ``warning``) and what it is."""

    path: str | None
    line: int | None
    code: str
    severity: str
    message: str

    @property
    def location(self) -> str:
        where = display_path(self.path) or ""
        return f"{where}:{self.line}" if where and self.line else where

    def __str__(self) -> str:
        where = self.location
        text = f"{self.severity}: [{self.code}] {self.message}"
        return f"{where}: {text}" if where else text

    def as_dict(self) -> dict[str, object]:
        return {"file": display_path(self.path), "line": self.line, "code": self.code,
                "severity": self.severity, "message": self.message}

    @classmethod
    def from_dict(cls, data: object) -> Diagnostic | None:
        """A diagnostic from :meth:`as_dict` (None for anything else)."""
        if not isinstance(data, dict):
            return None
        path, line, code = data.get("file"), data.get("line"), data.get("code")
        severity, message = data.get("severity"), data.get("message")
        if not (isinstance(code, str) and severity in (ERROR, WARNING)
                and isinstance(message, str) and (path is None or isinstance(path, str))
                and (line is None or isinstance(line, int))):
            return None
        return cls(path, line, code, str(severity), message)


def warning(code: str, message: str, path: str | os.PathLike[str] | None = None,
            line: int | None = None) -> Diagnostic:
    return Diagnostic(os.fspath(path) if path is not None else None, line, code, WARNING, message)


class PublisherError(Exception):
    """A problem a user can fix, with the file and line it was found at."""

    code = "input"
    """The diagnostic code of this kind of error."""

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None,
                 line: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        if code is not None:
            self.code = code

    @property
    def location(self) -> str:
        where = display_path(self.path) or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return where

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}: {self.message}" if loc else self.message

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.path, self.line, self.code, ERROR, self.message)


class StatementError(PublisherError):
    """A statement (front matter or body) that cannot be read."""

    code = "statement"


class CatalogError(PublisherError):
    """A gettext catalogue that cannot be read or written."""

    code = "catalogue"


class TemplateError(PublisherError):
    """A missing or broken template, mission profile or font."""

    code = "template"


class StrictModeError(PublisherError):
    """Warnings were reported and ``--strict`` turns them into a failure."""

    code = "strict"
