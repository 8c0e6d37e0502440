"""Hyphenation dictionaries, loaded fast.

WeasyPrint hyphenates through pyphen, which parses a language's ``.dic`` patterns the
first time a process needs them: half a second for German, paid again in every worker
of every build. We keep the parsed dictionary in the user's cache folder (keyed by the
pattern file's checksum) and hand it to pyphen's own cache before rendering.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from ..fsutil import atomic_write
from .fonts import cache_dir


def preload(lang: str) -> None:
    import pyphen

    name = pyphen.language_fallback(lang.replace("-", "_"))
    if not name:
        return
    path = pyphen.LANGUAGES[name]
    if path in pyphen.hdcache:
        return
    source = Path(path)
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    cached = cache_dir() / "hyphenation" / f"{source.stem}-{digest}.pickle"
    try:
        dictionary = pickle.loads(cached.read_bytes())
        if not isinstance(dictionary, pyphen.HyphDict):
            raise TypeError("not a dictionary")
    except (OSError, pickle.UnpicklingError, EOFError, TypeError, AttributeError):
        dictionary = pyphen.HyphDict(path)
        atomic_write(cached, pickle.dumps(dictionary, protocol=pickle.HIGHEST_PROTOCOL))
    pyphen.hdcache[path] = dictionary
