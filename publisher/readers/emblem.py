"""What a mission's emblem may be: it is embedded in every page the mission publishes, so
only a real PNG or SVG image inside the profile's own folder is accepted (after symbolic
links are followed), of at most :data:`MAX_EMBLEM_BYTES`; an SVG may not script, load
anything or hold a DTD.

Apart from the profile reader (:mod:`publisher.readers.mission`) so that a writer that
embeds the emblem loads none of the statement reader.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from xml.parsers import expat

from ..errors import TemplateError, shown

MAX_EMBLEM_BYTES = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_ROOT = "http://www.w3.org/2000/svg svg"
"""The SVG root element as expat names it with namespaces on (URI, space, local name)."""
_MEDIA_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
_SAFE_DATA = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")
"""Images an SVG may carry inline; not another SVG, which could hide what is refused here."""
_REFUSED_ELEMENTS = {"script": "a <script>", "handler": "an event <handler>",
                     "foreignobject": "a <foreignObject> (web page content)"}
_URL = re.compile(r"url\(\s*(['\"]?)([^)'\"]*)", re.I)
_SCRIPT_SCHEME = re.compile(r"(java|vb)script:", re.I)


class _Refused(Exception):
    """Why an emblem cannot be used (raised inside the XML parser's callbacks)."""


def _refuse_link(value: str, what: str) -> None:
    target = "".join(value.split())
    if not (target.startswith("#") or target.lower().startswith(_SAFE_DATA)):
        raise _Refused(f"{what} '{shown(value, 40)}' points outside the image (only '#id' "
                       "references and inline PNG, JPEG, GIF or WebP pictures are allowed)")


def _check_css(text: str, what: str, stylesheet: bool = True) -> None:
    """``url()`` references only to the image itself or inline pictures; in a stylesheet
    (a ``style`` attribute or element) no ``@import`` and no escapes that could hide one."""
    if stylesheet and "@import" in text.lower():
        raise _Refused(f"{what} imports a stylesheet")
    if stylesheet and "\\" in text:
        raise _Refused(f"{what} uses CSS escapes")
    for m in _URL.finditer(text):
        _refuse_link(m.group(2), f"{what} url()")


def _check_svg(data: bytes) -> None:
    """Refuse an SVG that is not plain, self-contained vector art (raise :class:`_Refused`)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    elements: list[str] = []
    style: list[str] = []

    def doctype(*_args: object) -> None:
        raise _Refused("it has a DOCTYPE (DTDs and entities are not allowed; remove the "
                       "<!DOCTYPE …> line)")

    def entity(*_args: object) -> None:
        raise _Refused("it declares an entity (DTDs and entities are not allowed)")

    def instruction(target: str, _data: str) -> None:
        raise _Refused(f"it has a processing instruction <?{shown(target, 20)}?>")

    def start(name: str, attributes: dict[str, str]) -> None:
        if not elements and name != SVG_ROOT:
            raise _Refused("its root element is not an SVG <svg> element")
        elements.append(name)
        local = name.rpartition(" ")[2]
        if local.lower() in _REFUSED_ELEMENTS:
            raise _Refused(f"it contains {_REFUSED_ELEMENTS[local.lower()]}")
        for attr, value in attributes.items():
            attr_local = attr.rpartition(" ")[2]
            if attr_local.lower().startswith("on"):
                raise _Refused(f"it has an event attribute '{shown(attr_local, 30)}'")
            if _SCRIPT_SCHEME.search("".join(value.split())):
                raise _Refused("it has a script URL")
            if attr_local.lower() == "href":
                _refuse_link(value, "a link")
            elif attr_local == "attributeName":
                animated = value.strip().rpartition(":")[2].lower()
                if animated == "href" or animated.startswith("on"):
                    raise _Refused("it animates a link or event attribute")
            _check_css(value, f"attribute '{shown(attr_local, 30)}'", attr_local == "style")

    def end(name: str) -> None:
        elements.pop()
        if name.rpartition(" ")[2] == "style":
            _check_css("".join(style), "a <style> element")
            style.clear()

    def characters(text: str) -> None:
        if elements and elements[-1].rpartition(" ")[2] == "style":
            style.append(text)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = entity  # type: ignore[assignment]
    parser.ProcessingInstructionHandler = instruction
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise _Refused(f"it is not well-formed XML ({expat.errors.messages[exc.code]}, line "
                       f"{exc.lineno})") from None
    except (ValueError, LookupError, RecursionError):  # e.g. an encoding Python lacks
        raise _Refused("it is not readable XML") from None


def _check_png(data: bytes) -> None:
    if not data.startswith(PNG_SIGNATURE):
        raise _Refused("it is not a PNG image (the PNG signature is missing)")
    if len(data) < 33 or data[8:16] != b"\x00\x00\x00\x0dIHDR":
        raise _Refused("it is not a PNG image (no image header after the signature)")


def _read_image(path: Path) -> bytes:
    """The bytes of a regular file, at most :data:`MAX_EMBLEM_BYTES`; never follows a
    symbolic link at the last step and never waits on a pipe or device."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        raise _Refused(f"it cannot be opened ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("it is not a regular file")
        if info.st_size > MAX_EMBLEM_BYTES:
            raise _Refused(f"it is larger than {MAX_EMBLEM_BYTES / 1048576:g} MiB")
        chunks = []
        size = 0
        while size <= MAX_EMBLEM_BYTES:  # a file that grows while it is read stops here
            chunk = os.read(fd, MAX_EMBLEM_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_EMBLEM_BYTES:
        raise _Refused(f"it is larger than {MAX_EMBLEM_BYTES / 1048576:g} MiB")
    return data


def _checked_image(path: Path) -> tuple[str, bytes]:
    """(media type, bytes) of an emblem file whose content matches its name."""
    media = _MEDIA_TYPES.get(path.suffix.lower())
    if media is None:
        raise _Refused("an emblem must be an SVG or PNG image (.svg or .png)")
    data = _read_image(path)
    if media == "image/png":
        _check_png(data)
    else:
        _check_svg(data)
    return media, data


def _inside(folder: Path, name: str) -> Path:
    """``name`` resolved (links followed) under ``folder``, which must be resolved."""
    if not name.strip():
        raise _Refused("the file name is empty")
    if Path(name).is_absolute() or Path(name).drive:
        raise _Refused("it must be a file in the profile's folder, not an absolute path")
    try:
        resolved = (folder / name).resolve(strict=True)
    except FileNotFoundError:
        raise _Refused("there is no such file beside the profile") from None
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a NUL byte…
        raise _Refused(f"it cannot be opened ({getattr(exc, 'strerror', None) or exc})") from None
    if not resolved.is_relative_to(folder):
        raise _Refused("it is outside the mission profile's folder (it must be a file beside "
                       "the profile, not a link or path out of it)")
    return resolved


def check_emblem(name: str, profile: str | os.PathLike[str], line: int | None = None) -> str:
    """The resolved path of a profile's emblem after every check; :class:`TemplateError`
    naming the profile and its ``emblem:`` line otherwise.

    An SVG emblem's PNG twin (``emblem.svg`` -> ``emblem.png``, which Word documents use
    since Word cannot place SVG) is checked the same way when it exists.
    """
    folder = Path(profile).parent.resolve()
    try:
        path = _inside(folder, name)
        _checked_image(path)
    except _Refused as exc:
        raise TemplateError(f"emblem '{shown(name, 40)}' cannot be used: {exc}", profile,
                            line) from None
    twin = path.with_suffix(".png")
    if path.suffix.lower() == ".svg" and os.path.lexists(twin):
        try:
            _checked_image(_inside(folder, str(twin.relative_to(folder))))
        except _Refused as exc:
            raise TemplateError(f"emblem '{shown(name, 40)}': its PNG for Word documents "
                                f"'{shown(twin.name, 40)}' cannot be used: {exc}", profile,
                                line) from None
    return str(path)


def read_emblem(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """(media type, bytes) of an emblem that :func:`check_emblem` accepted, checked again
    as it is read, so what is embedded is what was checked."""
    try:
        return _checked_image(Path(path))
    except _Refused as exc:
        raise TemplateError(f"emblem cannot be used: {exc}", path) from None
