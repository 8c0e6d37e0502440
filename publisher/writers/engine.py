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

Three more costs of every start are cut here, without changing what WeasyPrint does:

* :func:`defer_unused_font_tools`: WeasyPrint imports fontTools' subsetter and its
  variable-font instancer at start (a quarter of its import time), though with HarfBuzz's
  subsetter and our static font instances it calls neither. They are imported when
  first used instead.
* :mod:`.declarations`: the C declarations WeasyPrint gives cffi at start are parsed
  once per machine.
* :func:`quick_type_parsing`: cffi reads each C type name WeasyPrint asks for
  (``"PangoRectangle *"``, ``"hb_codepoint_t[81]"``) by handing pycparser a throw-away
  source that declares every type name known so far, several hundred, about 3 ms a
  name, a dozen names per PDF. The throw-away source now declares only the names the
  type mentions, which is all the parse depends on: the same type, a hundredth of the
  time.
"""

from __future__ import annotations

import ctypes.util
import hashlib
import json
import os
import re
import sys
import threading
import types
from pathlib import Path
from typing import Any, Callable

from ..fsutil import atomic_write
from .declarations import checked_parser
from .declarations import install as remember_declarations
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


DEFERRED = {"fontTools.subset": (), "fontTools.varLib.instancer": ("instantiateVariableFont",)}
"""Modules WeasyPrint imports at start and calls only for fonts we do not give it, with
the names it imports from them (``from m import name`` binds these at import time)."""


def defer_unused_font_tools() -> None:
    """Put a stand-in for each :data:`DEFERRED` module in ``sys.modules``."""
    for name, names in DEFERRED.items():
        defer_import(name, names)


def defer_import(name: str, names: tuple[str, ...] = ()) -> None:
    """Stand in for module ``name`` (unless it is imported already): the first use of any
    of its attributes imports the real module, which takes the stand-in's place.
    ``names`` are those someone imports with ``from name import ...``: they are given
    functions that import the real module when called."""
    import importlib

    if name in sys.modules:
        return
    stand_in = types.ModuleType(name, f"stand-in for {name}, imported on first use")

    def real() -> Any:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return importlib.import_module(name)

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):  # the import system asks for __path__, __spec__...
            raise AttributeError(attr)
        return getattr(real(), attr)

    def forward(attr: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(real(), attr)(*args, **kwargs)
        call.__name__ = call.__qualname__ = attr
        return call

    stand_in.__getattr__ = __getattr__  # type: ignore[method-assign]  # PEP 562
    for attr in names:
        setattr(stand_in, attr, forward(attr))
    sys.modules[name] = stand_in


_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def quick_type_parsing() -> bool:
    """Make cffi's parse of a type name declare only the type names it mentions (for the
    cffi versions checked: its ``parse_type_and_quals`` and ``_parse``)."""
    parser_class = checked_parser()
    if parser_class is None:
        return False
    if getattr(parser_class.parse_type_and_quals, "quick", False):
        return True
    original = parser_class.parse_type_and_quals

    def parse_type_and_quals(self: Any, cdecl: str) -> Any:
        declared = self._declarations
        mentioned = set(_TYPE_NAME.findall(cdecl))

        def parse(csource: str) -> Any:
            # cffi's _parse tells pycparser each "typedef NAME" key's NAME, nothing more;
            # the parsed type is then resolved against every declaration.
            self._declarations = {key: value for key, value in declared.items()
                                  if key.startswith("typedef ") and key[8:] in mentioned}
            try:
                return parser_class._parse(self, csource)
            finally:
                self._declarations = declared

        self._parse = parse
        try:
            return original(self, cdecl)
        finally:
            del self._parse

    parse_type_and_quals.quick = True  # type: ignore[attr-defined]
    parse_type_and_quals.original = original  # type: ignore[attr-defined]
    parser_class.parse_type_and_quals = parse_type_and_quals
    return True


remember_library_lookups()
defer_unused_font_tools()
quick_type_parsing()
remember_declarations()
