"""Which links a published statement may carry.

A statement and its translations come from outside the mission's staff (drafts,
contracted translators), and every format turns a link into something a reader can
click. Only web and mail addresses and links within the document are published:
``http:`` and ``https:`` with a host, ``mailto:``, and ``#anchor``. Everything else
(``file:``, ``smb:``, ``ms-msdt:`` and other handlers, ``//host`` and ``\\\\host`` network
paths, relative paths such as ``annex.pdf`` that a PDF would turn into a path on the
build machine) is dropped: the link text stays, without the link, and the build warns.
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

from .model import Inline, Link, RichText, map_inlines

SCHEMES = ("http", "https", "mailto")


def link_problem(href: str) -> str | None:
    """Why ``href`` may not be published, or None if it may."""
    if href.startswith("#"):
        return None
    if href.startswith(("//", "\\\\", "\\/", "/\\")):
        return "a network path"
    try:
        parts = urlsplit(href)  # strips what browsers strip (leading controls, tabs, newlines)
    except ValueError:
        return "not a valid address"
    scheme = parts.scheme.lower()
    if not scheme:
        return "a relative link (write the full https:// address)"
    if scheme not in SCHEMES:
        return f"'{scheme}:' links are not published (only http, https and mailto)"
    if scheme in ("http", "https") and not parts.hostname:
        return "an address without a host"
    return None


def safe_links(text: RichText, report: Callable[[str, str], None]) -> RichText:
    """``text`` without the links :func:`link_problem` refuses (their text is kept);
    ``report(href, reason)`` is called for each one dropped."""

    def keep(node: Inline) -> tuple[Inline, ...]:
        if isinstance(node, Link):
            problem = link_problem(node.href)
            if problem is not None:
                report(node.href, problem)
                return node.children
        return (node,)

    return map_inlines(text, keep)
