"""Fonts come from pip font packages, never from the machine, so a PDF looks the same
everywhere. This module maps the families the stylesheet names to their files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import TemplateError

FAMILIES = ("Noto Serif", "Noto Sans", "Amiri")
"""Families the PDF may use: the text face, the sans face, the Arabic-script face.

Amiri (a Naskh face) draws every Arabic letter as one glyph, so text copied or
extracted from the PDF is the text that was typeset; fonts that build letters from a
dotless skeleton plus dots cannot be mapped back to their characters."""


@dataclass(frozen=True)
class FontFace:
    family: str
    style: str
    path: Path
    weights: tuple[int, ...]
    """The CSS weights this file serves (a variable font serves every one we use)."""


@lru_cache(maxsize=1)
def font_faces() -> tuple[FontFace, ...]:
    import fontpkg

    faces: list[FontFace] = []
    for name in FAMILIES:
        try:
            fam = fontpkg.family(name)
        except fontpkg.FontpkgError:
            raise TemplateError(f"font family '{name}' is not installed "
                                f"(pip install fontpkg-{name.lower().replace(' ', '-')})") from None
        for f in fam.files:
            if not Path(f.path).is_file():
                raise TemplateError(f"font file missing: {f.path}")
            weights = (400, 700) if f.variable or f.weight is None else (int(f.weight),)
            faces.append(FontFace(name, f.style, Path(f.path), weights))
    return tuple(faces)


def font_face_css() -> str:
    rules = []
    for face in font_faces():
        for weight in face.weights:
            rules.append(
                f'@font-face {{ font-family: "{face.family}"; src: url("{face.path.as_uri()}"); '
                f"font-style: {face.style}; font-weight: {weight}; }}")
    return "\n".join(rules)


def font_dirs() -> tuple[Path, ...]:
    return tuple(sorted({face.path.parent for face in font_faces()}))


@lru_cache(maxsize=1)
def covered_codepoints() -> frozenset[int]:
    """Every code point some PDF font has a glyph for."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for face in font_faces():
        font = TTFont(str(face.path), lazy=True)
        points.update(font.getBestCmap() or {})
        font.close()
    return frozenset(points)


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that no PDF font can draw (controls and format marks aside)."""
    import unicodedata

    have = covered_codepoints()
    return sorted({ch for ch in text if ord(ch) not in have
                   and unicodedata.category(ch) not in ("Cc", "Cf")})
