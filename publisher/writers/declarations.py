"""WeasyPrint's C declarations, parsed once per machine instead of once per process.

WeasyPrint hands cffi the C declarations of Pango, HarfBuzz, fontconfig and GLib that
it calls (16 KB of C) when it starts, and cffi parses them with pycparser: 35 ms of
every process that makes a PDF, for the same answer every time. :func:`install` keeps
what cffi's parser made of such a text (its table of declared types, functions,
constants) in the per-machine cache folder, keyed on the text and cffi's version, and
gives it back to the parser instead of parsing again.

The cached file is plain JSON data, never code: cffi's type objects are written as their
class name (one of cffi's own type classes, nothing else is accepted) and attributes,
with shared and recursive references kept (a struct whose fields point to the struct).
Anything unexpected in it means the text is parsed again and the file replaced. Only a
first ``cdef`` into a fresh parser is cached, with no options, and only when the parse
left nothing for cffi to finish later; the others are parsed as always.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from ..fsutil import atomic_write
from .fonts import cache_dir, trusted_file

FORMAT = 1
CHECKED_CFFI = ("2.1.1",)
"""cffi versions whose parser internals this package reaches into have been checked
against (its state after a parse, here; its type-name parse, in
:func:`publisher.writers.engine.quick_type_parsing`): with another, cffi parses as it
always does."""


def checked_parser() -> Any | None:
    """cffi's parser class, if cffi is a version :data:`CHECKED_CFFI` names."""
    import cffi
    from cffi import cparser

    return cparser.Parser if cffi.__version__ in CHECKED_CFFI else None

_STATE = ("_declarations", "_int_constants", "_anonymous_counter", "_uses_new_feature",
          "_inside_extern_python", "_partial_length")
"""The parser's attributes a parse sets, all kept."""


class _Unknown(TypeError):
    """Something in the parser's state this module does not write."""


def encode(state: dict[str, Any]) -> str:
    """The parser's ``state`` as JSON text; _Unknown if it holds what cannot be written."""
    from cffi import model

    index: dict[int, int] = {}

    def enc(value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if type(value) in (int, float):
            return value
        if type(value) is tuple:
            return {"t": [enc(v) for v in value]}
        if type(value) is list:
            return {"l": [enc(v) for v in value]}
        if type(value) is dict and all(type(k) is str for k in value):
            return {"d": {k: enc(v) for k, v in value.items()}}
        cls = type(value)
        if isinstance(value, model.BaseTypeByIdentity) and getattr(model, cls.__name__, None) is cls:
            if id(value) in index:
                return {"r": index[id(value)]}
            index[id(value)] = number = len(index)
            return {"o": cls.__name__, "n": number,
                    "a": {k: enc(v) for k, v in vars(value).items()}}
        raise _Unknown(f"cannot keep a {cls.__name__}")

    return json.dumps({"format": FORMAT, "state": {k: enc(v) for k, v in state.items()}},
                      separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> dict[str, Any]:
    """The parser state :func:`encode` wrote; ValueError on anything else."""
    from cffi import model

    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT \
            or not isinstance(data.get("state"), dict) or set(data["state"]) != set(_STATE):
        raise ValueError("another format")
    made: dict[int, Any] = {}

    def dec(value: Any) -> Any:
        if value is None or isinstance(value, (bool, str, int, float)):
            return value
        if not isinstance(value, dict) or len(value) not in (1, 3):
            raise ValueError("malformed value")
        if "t" in value or "l" in value:
            items = value.get("t", value.get("l"))
            if not isinstance(items, list):
                raise ValueError("malformed sequence")
            decoded = [dec(v) for v in items]
            return tuple(decoded) if "t" in value else decoded
        if "d" in value:
            if not isinstance(value["d"], dict):
                raise ValueError("malformed mapping")
            return {k: dec(v) for k, v in value["d"].items()}
        if "r" in value:
            if type(value["r"]) is not int or value["r"] not in made:
                raise ValueError("dangling reference")
            return made[value["r"]]
        name, number, attributes = value.get("o"), value.get("n"), value.get("a")
        cls: Any = getattr(model, name, None) if isinstance(name, str) else None
        if not (isinstance(cls, type) and issubclass(cls, model.BaseTypeByIdentity)
                and type(number) is int and number == len(made)
                and isinstance(attributes, dict)):
            raise ValueError("malformed type")
        obj: Any = object.__new__(cls)
        made[number] = obj  # before its attributes: they may refer to it
        obj.__dict__.update({k: dec(v) for k, v in attributes.items()})
        return obj

    return {k: dec(v) for k, v in data["state"].items()}


def _cache_path(csource: str) -> Path:
    import cffi

    digest = hashlib.sha256(csource.encode("utf-8")).hexdigest()[:16]
    return cache_dir() / "declarations" / f"cdef-{digest}-cffi{cffi.__version__}.json"


def _fresh(parser: Any) -> bool:
    return (not parser._declarations and not parser._int_constants
            and not parser._included_declarations and not parser._recomplete
            and parser._anonymous_counter == 0)


def install() -> bool:
    """Answer a first ``cdef`` from the per-machine cache (for the checked cffi versions)."""
    parser_class = checked_parser()
    if parser_class is None:
        return False
    if getattr(parser_class.parse, "remembered", False):
        return True
    original: Callable[..., Any] = parser_class.parse

    def parse(self: Any, csource: str, override: bool = False, packed: bool = False,
              pack: int | None = None, dllexport: bool = False) -> Any:
        plain = not (override or packed or pack or dllexport) and isinstance(csource, str)
        if not (plain and _fresh(self)):
            return original(self, csource, override, packed, pack, dllexport)
        path = _cache_path(csource)
        if trusted_file(path):
            try:
                state = decode(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, TypeError, RecursionError, UnicodeDecodeError):
                pass  # parsed again below, and the file replaced
            else:
                for name, value in state.items():
                    setattr(self, name, value)
                return None
        result = original(self, csource, override, packed, pack, dllexport)
        if all(hasattr(self, name) for name in _STATE) \
                and not (self._included_declarations or self._recomplete):
            try:
                text = encode({name: getattr(self, name) for name in _STATE})
                atomic_write(path, text)
            except (_Unknown, OSError, RecursionError):
                pass  # not kept: parsed again by the next process
        return result

    parse.remembered = True  # type: ignore[attr-defined]
    parse.original = original  # type: ignore[attr-defined]
    parser_class.parse = parse
    return True
