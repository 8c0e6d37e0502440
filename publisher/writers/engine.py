"""WeasyPrint's start-up, done once per machine instead of once per process.

WeasyPrint finds Pango, HarfBuzz, fontconfig and GLib by trying several names for each
library (one per platform). Every name ``dlopen`` does not know is handed to
``ctypes.util.find_library``, which on Linux starts ``ldconfig -p`` and then ``gcc`` or
``ld`` to search: about a quarter of a second at every start, to give the same answers
every time. Importing this module before WeasyPrint remembers those answers in the
per-machine cache folder (:func:`publisher.writers.fonts.cache_dir`), keyed on the
dynamic linker's cache, the library search path and the platform, so they are asked
again only when the machine's libraries change.

An answer read back is only used if it still names a library ``dlopen`` can be given
(a bare ``lib*.so*`` name, or an existing file); anything else is looked up afresh.
"""

from __future__ import annotations

import ctypes.util
import hashlib
import json
import os
import re
import sys
import threading
from pathlib import Path
from typing import Callable

from ..fsutil import atomic_write
from .fonts import cache_dir, trusted_file

_LDCONFIG_CACHE = "/etc/ld.so.cache"
_SONAME = re.compile(r"^lib[\w.+-]*\.so(\.\d+)*$|^lib[\w.+-]*\.dylib$")
_lock = threading.Lock()
_original: Callable[[str], str | None] | None = None


def _machine_key() -> str:
    """What the answers depend on: the linker cache, the search path, the platform."""
    try:
        st = os.stat(_LDCONFIG_CACHE)
        linker = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        linker = "none"
    parts = [linker, os.environ.get("LD_LIBRARY_PATH", ""), os.environ.get("PATH", ""),
             sys.platform, sys.implementation.cache_tag or ""]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def _cache_path() -> Path:
    return cache_dir() / f"libraries-{_machine_key()}.json"


def _usable(answer: object) -> bool:
    if answer is None:
        return True
    if not isinstance(answer, str):
        return False
    if os.path.isabs(answer):
        return bool(_SONAME.match(os.path.basename(answer))) and os.path.isfile(answer)
    return bool(_SONAME.match(answer))


def _load(path: Path) -> dict[str, str | None]:
    if not trusted_file(path):
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and _usable(v)}


def remember_library_lookups() -> None:
    """Answer ``ctypes.util.find_library`` from the per-machine cache (once per process)."""
    global _original
    with _lock:
        if _original is not None:
            return
        _original = ctypes.util.find_library
        path = _cache_path()
        known = _load(path)
        original = _original

        def find_library(name: str) -> str | None:
            with _lock:
                if name in known:
                    return known[name]
            answer = original(name)
            with _lock:
                known[name] = answer
                try:
                    atomic_write(path, json.dumps(known, sort_keys=True, indent=1))
                except OSError:
                    pass  # a read-only cache costs speed, never correctness
            return answer

        ctypes.util.find_library = find_library


remember_library_lookups()
