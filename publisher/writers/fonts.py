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
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import PublisherError, TemplateError
from ..fsutil import atomic_write
from . import SUBSET_VERSION  # noqa: F401  (kept in the registry: a build reads it)
from ..machine import (  # noqa: F401  (re-exported: the font caches' folder)
    CACHE_SUBFOLDERS,
    cache_dir,
    cached_bytes,
    remembered,
    trusted_file,
    trusted_folder,
)

if TYPE_CHECKING:
    from ..model import Block, Edition

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


def _family(name: str) -> Any:
    """The font package's description of a family (an untyped third-party object)."""
    import fontpkg

    try:
        return fontpkg.family(name)
    except fontpkg.FontpkgError:
        raise TemplateError(f"font family '{name}' is not installed "
                            f"(pip install fontpkg-{name.lower().replace(' ', '-')})") from None


@lru_cache(maxsize=1)
def font_faces() -> tuple[FontFace, ...]:
    """The installed font files of every PDF family.

    Asking the font packages means reading every installed distribution's entry points;
    the answer is remembered per machine, keyed on the import path's folders (installing,
    upgrading or removing a package changes its folder)."""
    places = []
    here = os.getcwd()
    for entry in sys.path:
        if entry in ("", here):  # ``python -m``: the folder a build runs in (and writes to)
            continue
        try:
            places.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
        except OSError:
            places.append(f"{entry}:-")
    found = remembered("font-faces", "\0".join([*FAMILIES, *places]), _find_faces, _read_faces)
    faces = tuple(FontFace(family, style, Path(path), tuple(weights), variable)
                  for family, style, path, weights, variable in found)
    for face in faces:
        if not face.path.is_file():
            raise TemplateError(f"font file missing: {face.path}")
    return faces


_FaceRow = tuple[str, str, str, list[int], bool]


def _find_faces() -> list[_FaceRow]:
    rows: list[_FaceRow] = []
    for name in FAMILIES:
        for f in _family(name).files:
            variable = bool(f.variable or f.weight is None)
            weights = list(WEIGHTS) if variable else [int(f.weight)]
            rows.append((name, str(f.style), str(f.path), weights, variable))
    return rows


def _read_faces(data: object) -> list[_FaceRow] | None:
    if not isinstance(data, list) or not data:
        return None
    rows: list[_FaceRow] = []
    for row in data:
        if not (isinstance(row, (list, tuple)) and len(row) == 5):
            return None
        family, style, path, weights, variable = row
        if (family not in FAMILIES or style not in ("normal", "italic")
                or not isinstance(path, str) or not os.path.isabs(path)
                or not isinstance(weights, list) or not weights
                or not all(type(w) is int and 1 <= w <= 1000 for w in weights)
                or not isinstance(variable, bool)):
            return None
        rows.append((family, style, path, weights, variable))
    return rows


def label_font() -> Path:
    """A sans face for labels drawn outside the documents (the proof sheet)."""
    return next(Path(f.path) for f in _family("Noto Sans").files if f.style == "normal")


@lru_cache(maxsize=None)
def file_sha256(path: Path) -> str:
    """The checksum of a font file: worked out once per process (font files do not
    change while a build runs) and remembered per machine under the file's name, size,
    inode and time, which change when a package installs another file."""
    st = path.stat()
    return remembered("sha256", f"{path}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}",
                      lambda: hashlib.sha256(path.read_bytes()).hexdigest(), _hex_digest)


def _hex_digest(data: object) -> str | None:
    ok = isinstance(data, str) and len(data) == 64 and all(c in "0123456789abcdef" for c in data)
    return data if ok else None  # type: ignore[return-value]


def _instance_path(face: FontFace, weight: int) -> Path:
    digest = file_sha256(face.path)[:16]
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
                if not trusted_file(target):
                    todo.append((str(face.path), weight, str(target)))
    return todo


@lru_cache(maxsize=1)
def static_faces() -> tuple[tuple[str, str, int, Path], ...]:
    """(family, style, weight, file) for the PDF: cached static instances of variable fonts."""
    out = []
    for face in font_faces():
        for weight in face.weights:
            path = _instance_path(face, weight) if face.variable else face.path
            if face.variable and not trusted_file(path):
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
        if trusted_file(cached):
            points = json.loads(cached.read_text(encoding="ascii"))
            if isinstance(points, list) and all(isinstance(p, int) for p in points):
                return frozenset(points)
    except (OSError, ValueError):
        pass
    from fontTools.ttLib import TTFont

    found: set[int] = set()
    for face in font_faces():
        font = TTFont(str(face.path), lazy=True)
        found.update(font.getBestCmap() or {})
        font.close()
    atomic_write(cached, json.dumps(sorted(found)))
    return frozenset(found)


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that no PDF font can draw (controls and format marks aside)."""
    import unicodedata

    have = covered_codepoints()
    return sorted({ch for ch in text if ord(ch) not in have
                   and unicodedata.category(ch) not in ("Cc", "Cf")})


def _edition_texts(edition: Edition) -> Iterator[tuple[str, int | None]]:
    """Every piece of text an edition prints, with the statement line it comes from."""
    from ..model import Heading, ListBlock, Paragraph, Quote

    meta = edition.statement.meta
    for name in ("title", "meeting", "agenda"):
        text = getattr(meta, name)
        if text is not None:
            yield text.plain, meta.line_of(name)

    def blocks(items: tuple[Block, ...]) -> Iterator[tuple[str, int | None]]:
        for b in items:
            if isinstance(b, (Paragraph, Heading)):
                yield b.text.plain, b.line
            elif isinstance(b, ListBlock):
                for item in b.items:
                    yield from blocks(item)
            elif isinstance(b, Quote):
                yield from blocks(b.children)

    yield from blocks(edition.statement.blocks)
    for line in (edition.date_text, edition.language_line, edition.original_line,
                 edition.check_line, meta.symbol, *edition.mission.name_lines,
                 *edition.mission.address_lines, *(p.text for p in edition.page_label)):
        if line:
            yield line, None


def _first_place(ch: str, edition: Edition, line: int | None,
                 texts: list[tuple[str, str]]) -> tuple[str, int | None]:
    """Where a translator or writer would go to change ``ch``: the statement line it is
    printed from when the statement has it, else the first line of the edition's
    catalogues (statement, mission, template wording) that has it. ``texts``: (path,
    text) of the statement and those catalogues, in that order."""
    for path, text in texts:
        at = text.find(ch)
        if at >= 0:
            if path == edition.statement.path and line is not None:
                return path, line
            return path, text.count("\n", 0, at) + 1
    return edition.statement.path, line


def _read_texts(paths: tuple[str, ...]) -> list[tuple[str, str]]:
    texts = []
    for path in paths:
        try:
            texts.append((path, Path(path).read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return texts


def check_glyphs(edition: Edition) -> None:
    """The PDF writer's preflight: every character an edition prints must have a glyph
    in the PDF fonts, or the edition's PDF is an error before anything is rendered. It
    names every such character, and the line of the first one: in the statement, or in
    the catalogue whose translation brought it."""
    import unicodedata

    first_line: dict[str, int | None] = {}
    for text, line in _edition_texts(edition):
        for ch in missing_glyphs(text):
            first_line.setdefault(ch, line)
    if first_line:
        chars = ", ".join(f"'{ch}' (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"
                          for ch in sorted(first_line))
        order = (edition.statement.path, *edition.catalogues)
        texts = _read_texts(order)  # once, whatever the number of characters
        places = [_first_place(ch, edition, ln, texts) for ch, ln in first_line.items()]
        path, line = min(places, key=lambda place: (order.index(place[0]), place[1] or 0))
        raise PublisherError(f"{edition.lang}: no glyph in the PDF fonts ({', '.join(FAMILIES)}) "
                             f"for {chars}", path, line, code="glyphs")
