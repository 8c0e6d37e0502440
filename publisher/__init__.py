"""publisher: one canonical diplomatic statement in, release-ready DOCX, PDF and HTML out,
in every language the mission publishes in.

The public API is what this package exports (loaded on first use, so importing the
package stays cheap)::

    from publisher import Project, BuildOptions, build, read_statement, PublisherError

    report = build(Project(Path(".")), BuildOptions(languages=["uk"], formats=["pdf"]))

Everything else is internal.
"""

TYPE_CHECKING = False  # not typing's: `import publisher` is on every command's path
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "PublisherError": ("errors", "PublisherError"),
    "Project": ("pipeline", "Project"),
    "BuildOptions": ("pipeline", "BuildOptions"),
    "BuildReport": ("pipeline", "BuildReport"),
    "build": ("pipeline", "build"),
    "extract": ("pipeline", "extract"),
    "update": ("pipeline", "update"),
    "read_statement": ("readers.markdown", "read_statement"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> "Any":
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'publisher' has no attribute {name!r}")
