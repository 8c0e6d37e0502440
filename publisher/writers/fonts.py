"""Fonts come from pip font packages, never from the machine, so a PDF looks the same
everywhere. This module maps the families the stylesheet names to their files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import TemplateError

FAMILIES = ("Noto Serif", "Noto Sans")
"""Families the PDF may use, in stylesheet order (the first is the text face)."""


@dataclass(frozen=True)
class FontFace:
    family: str
    style: str
    path: Path


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
            faces.append(FontFace(name, f.style, Path(f.path)))
    return tuple(faces)


def font_face_css() -> str:
    rules = []
    for face in font_faces():
        # Variable fonts: one file serves every weight; declare the two the templates use.
        for weight in (400, 700):
            rules.append(
                f'@font-face {{ font-family: "{face.family}"; src: url("{face.path.as_uri()}"); '
                f"font-style: {face.style}; font-weight: {weight}; }}")
    return "\n".join(rules)


def font_dirs() -> tuple[Path, ...]:
    return tuple(sorted({face.path.parent for face in font_faces()}))
