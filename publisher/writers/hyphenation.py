"""Hyphenation dictionaries, loaded fast.

WeasyPrint hyphenates through pyphen, which parses a language's ``.dic`` patterns the
first time a process needs them: half a second for German, paid again in every worker
of every build. We keep the parsed patterns in the user's cache folder (keyed by the
pattern file's checksum and pyphen's version) and hand a dictionary rebuilt from them
to pyphen's own cache before rendering.

The cached file is plain JSON data, never code: reading it cannot run anything, and
it is only read from a cache folder private to this user (see ``fonts.cache_dir``).
Anything unexpected in it (a corrupt or foreign file) means the patterns are parsed
again from the ``.dic`` file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write
from .fonts import cache_dir, trusted_file

FORMAT = 2
"""The layout of the cached data (bumped when it changes). 2: a pattern's start and
values in one string, ``"2:0103"``, of which a dictionary has a few thousand distinct
ones for tens of thousands of patterns."""

_STATE = {"patterns", "cache", "maxlen"}
"""The attributes of pyphen's ``HyphDict`` this module knows how to rebuild."""


def _encode(dictionary: Any) -> str | None:
    """The patterns of a parsed ``HyphDict`` as JSON text; None when the dictionary has
    state this module does not know (another pyphen), so nothing is cached."""
    import pyphen

    if set(vars(dictionary)) != _STATE:
        return None
    keys: list[str] = []
    values: list[str] = []
    alternatives: dict[str, list[list[Any]]] = {}
    for key, (start, points) in dictionary.patterns.items():
        if not all(0 <= int(p) <= 9 for p in points) or type(start) is not int or start < 0:
            return None
        keys.append(key)
        values.append(f"{start}:" + "".join(str(int(p)) for p in points))
        # A nonstandard hyphenation (``ff=f``) rides on its point as pyphen's DataInt.
        special = [[i, int(p), *p.data] for i, p in enumerate(points)
                   if isinstance(p, pyphen.DataInt)]
        if special:
            alternatives[key] = special
    return json.dumps({"format": FORMAT, "pyphen": pyphen.__version__, "keys": keys,
                       "values": values, "alternatives": alternatives},
                      ensure_ascii=False, separators=(",", ":"))


def _decode(text: str) -> Any:
    """A ``HyphDict`` rebuilt from :func:`_encode`'s text without parsing the patterns
    again; ValueError when the text is not what :func:`_encode` writes."""
    import pyphen

    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT \
            or data.get("pyphen") != pyphen.__version__:
        raise ValueError("another format")
    keys, values = data.get("keys"), data.get("values")
    alternatives = data.get("alternatives")
    if not (isinstance(keys, list) and isinstance(values, list)
            and isinstance(alternatives, dict) and keys and len(keys) == len(values)):
        raise ValueError("malformed patterns")
    # The types of 66,000 items checked in C (map), not one by one in Python.
    if set(map(type, keys)) != {str} or set(map(type, values)) != {str}:
        raise ValueError("malformed patterns")
    # Few distinct values (about four thousand for German's 66,000 patterns): each one's
    # (start, points) is made once and shared, as immutable tuples of ints may be.
    table: dict[str, tuple[int, tuple[int, ...]]] = {}
    for value in set(values):
        first, colon, digits = value.partition(":")
        if not (colon and first.isascii() and first.isdigit() and digits.isascii()
                and digits.isdigit()):
            raise ValueError("malformed patterns")
        table[value] = (int(first), tuple(map(int, digits)))
    patterns: dict[str, tuple[int, tuple[int, ...]]] = dict(
        zip(keys, map(table.__getitem__, values), strict=True))
    for key, special in alternatives.items():
        if key not in patterns or not isinstance(special, list):
            raise ValueError("malformed alternatives")
        start, points = patterns[key]
        changed = list(points)
        for item in special:
            if not (isinstance(item, list) and len(item) == 5 and type(item[0]) is int
                    and 0 <= item[0] < len(changed) and type(item[1]) is int
                    and type(item[2]) is str and type(item[3]) is int and type(item[4]) is int):
                raise ValueError("malformed alternatives")
            i, value, change, index, cut = item
            changed[i] = pyphen.DataInt(value, (change, index, cut))
        patterns[key] = (start, tuple(changed))
    dictionary = object.__new__(pyphen.HyphDict)
    dictionary.patterns = patterns
    dictionary.cache = {}
    dictionary.maxlen = max(map(len, keys))
    return dictionary


def cached_path(source: Path) -> Path:
    """The cache file of the pattern file ``source``."""
    import pyphen

    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return cache_dir() / "hyphenation" / f"{source.stem}-{digest}-{pyphen.__version__}.json"


def load(source: Path) -> Any:
    """The ``HyphDict`` of the pattern file ``source``: from the cache when it holds a
    good copy, else parsed (and cached for the next process)."""
    import pyphen

    cached = cached_path(source)
    if trusted_file(cached):
        try:
            return _decode(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError, UnicodeDecodeError):
            pass  # parsed again below, and the cache file replaced
    dictionary = pyphen.HyphDict(source)
    text = _encode(dictionary)
    if text is not None:
        try:
            atomic_write(cached, text)
            for old in cached.parent.glob(f"{source.stem}-*.pickle"):
                old.unlink()  # an earlier release's copy, never read again
        except OSError:
            pass  # a cache that cannot be written only costs time
    return dictionary


def preload(lang: str) -> None:
    import pyphen

    name = pyphen.language_fallback(lang.replace("-", "_"))
    if not name:
        return
    path = pyphen.LANGUAGES[name]
    if path in pyphen.hdcache:
        return
    pyphen.hdcache[path] = load(Path(path))
