"""Fonts come from pip font packages, never from the machine, so a PDF looks the same
everywhere. This module maps the families the stylesheet names to their files.

The Noto packages ship variable fonts. A PDF embeds static fonts, and WeasyPrint would
instantiate the variable font again for every document (most of a PDF's rendering
time); we make each static instance (regular, bold, italic, bold italic) once per
machine and keep it in the user's cache folder, keyed by the source file's checksum.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import TemplateError
from ..fsutil import atomic_write

FAMILIES = ("Noto Serif", "Amiri")
"""Families the PDF uses: the text face and the Arabic-script face.

Amiri (a Naskh face) draws every Arabic letter as one glyph, so text copied or
extracted from the PDF is the text that was typeset; fonts that build letters from a
dotless skeleton plus dots cannot be mapped back to their characters."""

WEIGHTS = (400, 700)


@dataclass(frozen=True)
class FontFace:
    family: str
    style: str
    path: Path
    weights: tuple[int, ...]
    """The CSS weights this file serves (a variable font serves every one we use)."""
    variable: bool = False


def _family(name: str):  # type: ignore[no-untyped-def]
    import fontpkg

    try:
        return fontpkg.family(name)
    except fontpkg.FontpkgError:
        raise TemplateError(f"font family '{name}' is not installed "
                            f"(pip install fontpkg-{name.lower().replace(' ', '-')})") from None


@lru_cache(maxsize=1)
def font_faces() -> tuple[FontFace, ...]:
    """The installed font files of every PDF family."""
    faces: list[FontFace] = []
    for name in FAMILIES:
        for f in _family(name).files:
            if not Path(f.path).is_file():
                raise TemplateError(f"font file missing: {f.path}")
            variable = bool(f.variable or f.weight is None)
            weights = WEIGHTS if variable else (int(f.weight),)
            faces.append(FontFace(name, f.style, Path(f.path), weights, variable))
    return tuple(faces)


def label_font() -> Path:
    """A sans face for labels drawn outside the documents (the proof sheet)."""
    return next(Path(f.path) for f in _family("Noto Sans").files if f.style == "normal")


@lru_cache(maxsize=1)
def cache_dir() -> Path:
    """Where per-machine derived files go: ``PUBLISHER_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/publisher``, else ``~/.cache/publisher``; a folder in the system's
    temporary directory when none of those can be written (a read-only home in CI)."""
    import tempfile

    base = os.environ.get("PUBLISHER_CACHE_DIR")
    if base:
        candidates = [Path(base)]
    else:
        candidates = []
        try:
            xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            candidates.append(Path(xdg) / "publisher")
        except RuntimeError:  # no home directory
            pass
    uid = os.getuid() if hasattr(os, "getuid") else 0
    candidates.append(Path(tempfile.gettempdir()) / f"publisher-cache-{uid}")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise TemplateError("no writable folder for the font cache (set PUBLISHER_CACHE_DIR)")


def _instance_path(face: FontFace, weight: int) -> Path:
    digest = hashlib.sha256(face.path.read_bytes()).hexdigest()[:16]
    slug = face.family.lower().replace(" ", "-")
    return cache_dir() / "fonts" / f"{slug}-{face.style}-{weight}-{digest}.ttf"


def make_instance(source: str, weight: int, target: str) -> str:
    """Write the static ``weight`` instance of a variable font (run in a worker)."""
    import io
    import warnings

    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    font = TTFont(source, recalcTimestamp=False)
    axes = {a.axisTag: a for a in font["fvar"].axes}
    location = {"wght": weight}
    if "wdth" in axes:
        location["wdth"] = 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        instantiateVariableFont(font, location, inplace=True, static=True, updateFontNames=True)
    buf = io.BytesIO()
    font.save(buf)
    atomic_write(target, buf.getvalue())
    return target


def missing_instances() -> list[tuple[str, int, str]]:
    """(source, weight, target) of every static instance not yet in the cache."""
    todo = []
    for face in font_faces():
        if face.variable:
            for weight in face.weights:
                target = _instance_path(face, weight)
                if not target.is_file():
                    todo.append((str(face.path), weight, str(target)))
    return todo


@lru_cache(maxsize=1)
def static_faces() -> tuple[tuple[str, str, int, Path], ...]:
    """(family, style, weight, file) for the PDF: cached static instances of variable fonts."""
    out = []
    for face in font_faces():
        for weight in face.weights:
            path = _instance_path(face, weight) if face.variable else face.path
            if face.variable and not path.is_file():
                make_instance(str(face.path), weight, str(path))
            out.append((face.family, face.style, weight, path))
    return tuple(out)


def font_face_css() -> str:
    rules = []
    for family, style, weight, path in static_faces():
        rules.append(f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                     f"font-style: {style}; font-weight: {weight}; }}")
    return "\n".join(rules)


def font_dirs() -> tuple[Path, ...]:
    return tuple(sorted({path.parent for *_, path in static_faces()}))


@lru_cache(maxsize=1)
def covered_codepoints() -> frozenset[int]:
    """Every code point some PDF font has a glyph for (kept in the cache folder, keyed by
    the font files, since reading every cmap costs a tenth of a second)."""
    import json

    key = hashlib.sha256("".join(f"{f.path}:{f.path.stat().st_size}\n"
                                 for f in font_faces()).encode()).hexdigest()[:16]
    cached = cache_dir() / "fonts" / f"coverage-{key}.json"
    try:
        return frozenset(json.loads(cached.read_text(encoding="ascii")))
    except (OSError, ValueError):
        pass
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for face in font_faces():
        font = TTFont(str(face.path), lazy=True)
        points.update(font.getBestCmap() or {})
        font.close()
    atomic_write(cached, json.dumps(sorted(points)))
    return frozenset(points)


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that no PDF font can draw (controls and format marks aside)."""
    import unicodedata

    have = covered_codepoints()
    return sorted({ch for ch in text if ord(ch) not in have
                   and unicodedata.category(ch) not in ("Cc", "Cf")})
