"""publisher: one canonical diplomatic statement in, release-ready DOCX, PDF and HTML out,
in every language the mission publishes in.

The public API is what this package exports; everything else is internal.
"""

__version__ = "0.1.0"

from .errors import PublisherError  # noqa: E402

__all__ = ["PublisherError", "__version__"]
