"""Fonts come from pip font packages, never from the machine, so a PDF looks the same
everywhere. This module maps the families the stylesheet names to their files.

The Noto packages ship variable fonts. A PDF embeds static fonts, and WeasyPrint would
instantiate the variable font again for every document (most of a PDF's rendering
time); we make each static instance (regular, bold, italic, bold italic) once per
machine and keep it in the user's cache folder, keyed by the source file's checksum.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..errors import PublisherError, TemplateError
from ..fsutil import atomic_write

if TYPE_CHECKING:
    from ..model import Block, Edition

FAMILIES = ("Noto Serif", "Amiri")
"""Families the PDF uses: the text face and the Arabic-script face.

Amiri (a Naskh face) draws every Arabic letter as one glyph, so text copied or
extracted from the PDF is the text that was typeset; fonts that build letters from a
dotless skeleton plus dots cannot be mapped back to their characters."""

WEIGHTS = (400, 700)

log = logging.getLogger("publisher")


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


CACHE_SUBFOLDERS = ("fonts", "hyphenation")


def _private(st: os.stat_result) -> bool:
    """Whether a file's status says this user owns it and nobody else may write it."""
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _distrust(folder: Path) -> str | None:
    """Why derived files must not be read from ``folder`` (None: they may). It must be a
    real folder (not a symbolic link) of this user that nobody else can write, reached
    through folders nobody else can rename or replace: each one this user's or root's,
    and not writable by others unless sticky, like ``/tmp``."""
    try:
        st = os.lstat(folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    if st.st_uid != os.getuid():
        return "another user owns it"
    if st.st_mode & 0o022:
        return "other users may write to it"
    ancestors = {*Path(os.path.abspath(folder)).parents, *Path(os.path.realpath(folder)).parents}
    for parent in sorted(ancestors):
        try:
            pst = os.stat(parent)
        except OSError as exc:
            return f"{parent}: {exc.strerror or exc}"
        if pst.st_uid not in (0, os.getuid()):
            return f"another user owns {parent}"
        if pst.st_mode & 0o022 and not pst.st_mode & stat.S_ISVTX:
            return f"other users may write to {parent}"
    return None


def trusted_folder(folder: Path) -> bool:
    """Whether derived files may be read from ``folder`` (see :func:`_distrust`)."""
    return _distrust(folder) is None


def trusted_file(path: Path) -> bool:
    """A cached file that may be read: a regular file (not a symbolic link) of this user
    that nobody else can write."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and _private(st)


SUBSET_VERSION = "2"
"""Part of every cached subset's key and of the web page's and DOCX's build keys: change
it when the web or DOCX subsetting options change."""


@lru_cache(maxsize=None)
def file_sha256(path: Path) -> str:
    """The checksum of a font file (read once per process: font files do not change
    while a build runs)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cached_bytes(path: Path, make: Callable[[], bytes],
                 usable: Callable[[bytes], bool]) -> bytes:
    """The bytes kept at ``path`` in the cache folder when it is a trusted file whose
    content ``usable`` accepts; else ``make()``'s, stored there for the next process (a
    cache that cannot be written only costs time)."""
    if trusted_file(path):
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        if usable(data):
            return data
    data = make()
    try:
        atomic_write(path, data)
    except OSError:
        pass
    return data


def _usable(folder: Path) -> bool:
    """Make ``folder`` and its subfolders (private to this user when new) and tell whether
    derived files may be read from them and written to them."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        for path in (folder, *(folder / name for name in CACHE_SUBFOLDERS)):
            try:
                path.mkdir(mode=0o700)
            except FileExistsError:
                pass
            reason = _distrust(path)
            if reason is not None:
                if path.exists():
                    log.warning("%s: warning: not used as the cache: %s (a temporary folder is "
                                "used instead; fix this or set PUBLISHER_CACHE_DIR)", path, reason)
                return False
        return os.access(folder, os.W_OK)
    except OSError:
        return False


def _private_temporary_folder() -> Path:
    """A new folder only this user can open, removed when this process exits."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="publisher-cache-"))  # mode 0700, unpredictable
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # not in forked workers
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    for name in CACHE_SUBFOLDERS:
        (folder / name).mkdir(mode=0o700)
    return folder


@lru_cache(maxsize=1)
def cache_dir() -> Path:
    """Where per-machine derived files go: ``PUBLISHER_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/publisher``, else ``~/.cache/publisher``.

    Files are only read from a folder this user owns and nobody else can write (see
    :func:`trusted_folder`); when the folder is not such a one, or cannot be written (a
    read-only home in CI), a new private folder in the system's temporary directory
    serves this process only, so nothing another user put there is ever read."""
    base = os.environ.get("PUBLISHER_CACHE_DIR")
    candidate: Path | None = None
    if base:
        candidate = Path(base)
    else:
        try:
            xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            candidate = Path(xdg) / "publisher"
        except RuntimeError:  # no home directory
            pass
    if candidate is not None and _usable(candidate):
        return candidate
    try:
        return _private_temporary_folder()
    except OSError:
        raise TemplateError("no writable folder for the font cache (set PUBLISHER_CACHE_DIR)") from None


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


def check_glyphs(edition: Edition) -> None:
    """The PDF writer's preflight: every character an edition prints must have a glyph
    in the PDF fonts, or the edition's PDF is an error (naming the first line) before
    anything is rendered."""
    import unicodedata

    first_line: dict[str, int | None] = {}
    for text, line in _edition_texts(edition):
        for ch in missing_glyphs(text):
            first_line.setdefault(ch, line)
    if first_line:
        chars = ", ".join(f"'{ch}' (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"
                          for ch in sorted(first_line))
        line = min((ln for ln in first_line.values() if ln), default=None)
        raise PublisherError(f"{edition.lang}: no glyph in the PDF fonts ({', '.join(FAMILIES)}) "
                             f"for {chars}", edition.statement.path, line, code="glyphs")
