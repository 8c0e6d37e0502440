"""The ``publisher`` logger (warnings, errors, and with ``-v`` every file written),
imported on first use.

:mod:`logging` and what it imports take a twentieth of a command that has nothing to
say, such as a build with every output up to date; such a command no longer loads it.
The command line says how messages are shown (:func:`configure`); that is applied as
soon as :mod:`logging` is loaded, by a message or by anything else.
"""

from __future__ import annotations

import sys
from typing import Any

NAME = "publisher"
_wanted: int | None = None
"""The verbosity the command line asked for (None: leave the logger as it is)."""
_applied: int | None = None


class _Logger:
    """Stands for ``logging.getLogger("publisher")``: ``log.warning(...)`` loads it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(logger(), name)


log: Any = _Logger()


def configure(verbosity: int) -> None:
    """Show messages as plain lines on standard error, ``-v`` (``verbosity`` > 0) with
    ``wrote FILE`` lines; now if :mod:`logging` is loaded, else at the first message."""
    global _wanted
    _wanted = verbosity
    if "logging" in sys.modules:
        logger()


def verbose() -> bool:
    """Whether the command line asked for every file written (``-v``)."""
    return bool(_wanted)


def logger() -> Any:
    """The ``publisher`` logger, set up as :func:`configure` asked."""
    global _applied
    import logging

    found = logging.getLogger(NAME)
    if _wanted is not None and _applied != _wanted:
        found.handlers[:] = [_handler(logging)]
        found.propagate = False
        found.setLevel(logging.INFO if _wanted > 0 else logging.WARNING)
        _applied = _wanted
    return found


def _handler(logging: Any) -> Any:
    import click

    class StderrHandler(logging.Handler):  # type: ignore[name-defined,misc]
        """Prints records as plain lines; warnings and errors already carry FILE:LINE."""

        def emit(self, record: Any) -> None:
            msg = record.getMessage()
            if record.levelno >= logging.ERROR and ": error: " not in msg:
                msg = f"error: {msg}"
            click.echo(msg, err=True)

    return StderrHandler()


def shutdown() -> None:
    """Flush and close the handlers, if :mod:`logging` was loaded."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.shutdown()
