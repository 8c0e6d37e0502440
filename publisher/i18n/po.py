"""GNU gettext PO files: read as msgfmt reads them, write as msgcat writes them.

* **Reading** follows GNU gettext's grammar: translator (``#``), extracted (``#.``),
  reference (``#:``) and flag (``#,``) comments, previous strings (``#|`` and ``#~|``),
  contexts, plurals, obsolete entries (``#~``), any ASCII-compatible charset the header
  declares, CRLF line ends. What msgfmt rejects (duplicates, a byte-order mark, malformed
  strings, a charset that cannot be decoded, absurd plural counts) is a
  :class:`~publisher.errors.CatalogError` naming the file and line.
* **Writing** keeps the exact bytes of every entry whose content did not change, whatever
  tool wrote it and at whatever width; new and changed entries are laid out as GNU
  ``msgcat`` does at its default width of 79 columns.
* **Merging** (:func:`merge`) gives the same entries, translations, flags, previous
  strings and obsolete entries as ``msgmerge --previous``.

Every string is held decoded (``str``); the file's own charset and line ends are kept.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

from ..errors import CatalogError

WIDTH = 79
"""GNU gettext's default page width."""

MAX_PLURALS = 20
"""Plural forms above this are refused: CLDR's languages need at most 6."""

FUZZY_THRESHOLD = 0.6
"""msgmerge's similarity threshold for proposing a translation of a similar msgid."""

_BOM = b"\xef\xbb\xbf"


# ---------------------------------------------------------------- the model

@dataclass(eq=False)
class Message:
    """One entry of a catalogue. ``strings`` holds msgstr (one item) or msgstr[0..n-1]."""

    id: str
    strings: list[str] = field(default_factory=lambda: [""])
    context: str | None = None
    plural: str | None = None
    flags: list[str] = field(default_factory=list)
    user_comments: list[str] = field(default_factory=list)
    auto_comments: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    previous_context: str | None = None
    previous_id: str | None = None
    previous_plural: str | None = None
    obsolete: bool = False
    lineno: int = 0
    """Line of the msgid keyword in the file it was read from (0: not read from a file)."""
    comment_lines: list[int] = field(default_factory=list, repr=False)
    """Lines of :attr:`user_comments` in the file it was read from."""
    raw: bytes | None = field(default=None, repr=False)
    """The entry's bytes as read (comments to last string line), without its line end."""
    lead: bytes = field(default=b"", repr=False)
    """Blank lines (and stray bytes) read before the entry."""
    _read_as: tuple[object, ...] | None = field(default=None, repr=False)

    # -- convenience ---------------------------------------------------------
    @property
    def string(self) -> str:
        """The msgstr (msgstr[0] of a plural entry)."""
        return self.strings[0] if self.strings else ""

    @string.setter
    def string(self, value: str) -> None:
        if self.strings:
            self.strings[0] = value
        else:
            self.strings = [value]

    @property
    def translated(self) -> bool:
        """msgfmt's sense: every msgstr non-empty."""
        return bool(self.strings) and all(self.strings)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @fuzzy.setter
    def fuzzy(self, value: bool) -> None:
        if value and "fuzzy" not in self.flags:
            self.flags.insert(0, "fuzzy")
        elif not value:
            self.flags = [f for f in self.flags if f != "fuzzy"]
            self.previous_context = self.previous_id = self.previous_plural = None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.id)

    def content(self) -> tuple[object, ...]:
        """Everything a writer prints: equal content means equal meaning."""
        return (self.obsolete, self.context, self.id, self.plural, tuple(self.strings),
                tuple(self.flags), tuple(self.user_comments), tuple(self.auto_comments),
                tuple(self.locations), self.previous_context, self.previous_id,
                self.previous_plural)

    @property
    def changed(self) -> bool:
        return self.raw is None or self._read_as != self.content()

    def freeze(self) -> None:
        """Remember the current content as the content of :attr:`raw`."""
        self._read_as = self.content()

    def copy(self) -> Message:
        """A copy whose lists can change without changing this message."""
        return replace(self, strings=list(self.strings), flags=list(self.flags),
                       user_comments=list(self.user_comments),
                       auto_comments=list(self.auto_comments), locations=list(self.locations),
                       comment_lines=list(self.comment_lines))


@dataclass(eq=False)
class Catalog:
    """A PO file: header, entries in file order (obsolete ones included), trailer."""

    header: Message | None = None
    entries: list[Message] = field(default_factory=list)
    path: Path | None = None
    charset: str = "UTF-8"
    newline: bytes = b"\n"
    trailer: bytes = b""
    """Lines after the last entry (blank lines, trailing comments)."""
    final_newline: bool = True
    _index: dict[tuple[str | None, str], Message] = field(default_factory=dict, repr=False)
    _indexed: int = field(default=-1, repr=False)
    """How many entries :attr:`_index` was built from (it is rebuilt when that changes)."""

    def __iter__(self) -> Iterator[Message]:
        """The active (not obsolete) messages, header excluded."""
        return (m for m in self.entries if not m.obsolete)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @property
    def obsolete(self) -> list[Message]:
        return [m for m in self.entries if m.obsolete]

    def get(self, msgid: str, context: str | None = None) -> Message | None:
        """The active message with this msgid and context."""
        if self._indexed != len(self.entries):
            self._index = {m.key: m for m in self.entries if not m.obsolete}
            self._indexed = len(self.entries)
        found = self._index.get((context, msgid))
        return found if found is not None and not found.obsolete else None

    # -- header ----------------------------------------------------------------
    def header_fields(self) -> list[tuple[str, str]]:
        if self.header is None:
            return []
        fields = []
        for line in self.header.string.split("\n"):
            name, sep, value = line.partition(":")
            if sep:
                fields.append((name.strip(), value.strip()))
        return fields

    def header_value(self, name: str) -> str | None:
        for key, value in self.header_fields():
            if key.lower() == name.lower():
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        """Set a header field: in place where it is (the header's other bytes are kept),
        or added at the end."""
        if self.header is None:
            self.header = Message("", [""])
        header = self.header
        lines = header.string.split("\n")
        for i, line in enumerate(lines):
            key, sep, old = line.partition(":")
            if sep and key.strip().lower() == name.lower():
                if old.strip() == value:
                    return
                lines[i] = f"{key}: {value}"
                break
        else:
            at = len(lines) - 1 if lines and lines[-1] == "" else len(lines)
            lines.insert(at, f"{name}: {value}")
            key = name
        was_unchanged = not header.changed
        header.string = "\n".join(lines)
        if was_unchanged and header.raw is not None:
            # Patch the one string line that holds the field, as a translator would.
            pattern = re.compile(rb'^("' + re.escape(key.encode("ascii", "replace"))
                                 + rb':)[^"\n]*(\\n"\r?)$', re.M)
            value_bytes = value.replace("\\", "\\\\").replace('"', '\\"').encode(
                "ascii", "replace")
            patched, count = pattern.subn(lambda m: m.group(1) + b" " + value_bytes
                                          + m.group(2), header.raw)
            if count == 1 and value.isascii():
                header.raw = patched
                header.freeze()

    @property
    def language(self) -> str | None:
        return self.header_value("Language") or None

    @property
    def nplurals(self) -> int | None:
        forms = self.header_value("Plural-Forms") or ""
        m = _NPLURALS.search(forms)
        return int(m.group(1)) if m else None


# ---------------------------------------------------------------- reading

_KEYWORD = re.compile(rb"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)(?=[\s\"]|$)")
_STRING = re.compile(rb'"((?:[^"\\\n]|\\.)*)"')
_MAX_INDEX_DIGITS = 3
"""msgstr[N] indexes are below :data:`MAX_PLURALS`; longer numbers are refused unread."""
_FLAG_SEPARATOR = re.compile(rb"[,\s]+")
_NPLURALS = re.compile(r"nplurals\s*=\s*([0-9]{1,9})(?![0-9])")
_NPLURALS_VALUE = re.compile(r"nplurals\s*=\s*([^;\s]*)")
"""Whatever ``nplurals`` is set to, for the check that it is a count."""
_COUNT = re.compile(r"[0-9]{1,9}")
_ESCAPES = {ord("n"): b"\n", ord("t"): b"\t", ord("r"): b"\r", ord("a"): b"\a",
            ord("b"): b"\b", ord("f"): b"\f", ord("v"): b"\v", ord("\\"): b"\\",
            ord('"'): b'"', ord("'"): b"'", ord("?"): b"?"}


def _shown(text: str) -> str:
    """Text from the file quoted in a one-line message: control characters escaped."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def _unescape(body: bytes, path: Path | None, lineno: int) -> bytes:
    if b"\\" not in body:
        return body
    out = bytearray()
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt]
            i += 2
        elif 0x30 <= nxt <= 0x37:
            j = i + 1
            while j < n and j < i + 4 and 0x30 <= body[j] <= 0x37:
                j += 1
            out.append(int(body[i + 1:j], 8) & 0xFF)
            i = j
        elif nxt == ord("x"):
            j = i + 2
            while j < n and chr(body[j]) in "0123456789abcdefABCDEF":
                j += 1
            if j == i + 2:
                raise CatalogError("invalid escape sequence '\\x' in a string", path, lineno)
            out.append(int(body[i + 2:j], 16) & 0xFF)
            i = j
        else:
            raise CatalogError(f"invalid escape sequence '\\{_shown(chr(nxt))}' in a string",
                               path, lineno)
    return bytes(out)


def _strings(rest: bytes, path: Path | None, lineno: int) -> list[bytes]:
    """The quoted strings on the rest of a line: nothing else may stand there."""
    found = []
    pos = 0
    rest = rest.rstrip()
    while pos < len(rest):
        while pos < len(rest) and rest[pos] in b" \t\f\v":
            pos += 1
        if pos >= len(rest):
            break
        m = _STRING.match(rest, pos)
        if not m:
            what = "unterminated string" if rest[pos:pos + 1] == b'"' else "syntax error"
            raise CatalogError(f"cannot parse catalogue: {what}", path, lineno)
        found.append(_unescape(m.group(1), path, lineno))
        pos = m.end()
    return found


@dataclass
class _Raw:
    """An entry while it is read: byte strings, before the charset is known."""

    first: int  # index of its first line
    last: int = -1
    lead_from: int = 0
    obsolete: bool | None = None
    comments: list[bytes] = field(default_factory=list)
    comment_lines: list[int] = field(default_factory=list)
    auto: list[bytes] = field(default_factory=list)
    refs: list[bytes] = field(default_factory=list)
    flags: list[bytes] = field(default_factory=list)
    fields: dict[str, list[bytes]] = field(default_factory=dict)
    """keyword (``msgid``, ``msgstr[1]``, ``|msgid`` for previous ones) -> strings."""
    order: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def has_msgstr(self) -> bool:
        return any(k.startswith("msgstr") for k in self.order)


def _split_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def read(path: str | Path, data: bytes | None = None) -> Catalog:
    """Read a PO or POT file; every problem is a :class:`CatalogError` with its line."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CatalogError("catalogue not found", path) from None
        except OSError as exc:
            raise CatalogError(f"cannot read catalogue: {exc.strerror}", path) from None
    if data.startswith(_BOM):
        raise CatalogError("the file starts with a byte-order mark (BOM), which gettext "
                           "does not accept; save it as UTF-8 without BOM", path, 1)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CatalogError("the file is UTF-16; gettext catalogues must be saved in an "
                           "ASCII-compatible charset such as UTF-8", path, 1)
    lines = _split_lines(data)
    crlf = sum(1 for ln in lines if ln.endswith(b"\r"))
    newline = b"\r\n" if lines and crlf * 2 > len(lines) else b"\n"
    raws = _lex(lines, path)
    cat = _decode(raws, lines, path)
    cat.newline = newline
    end = raws[-1].last + 1 if raws else 0
    cat.trailer = b"".join(ln + b"\n" for ln in lines[end:])
    cat.final_newline = data.endswith(b"\n") or not data
    _validate(cat, path)
    return cat


def _lex(lines: list[bytes], path: Path) -> list[_Raw]:
    raws: list[_Raw] = []
    cur: _Raw | None = None
    lead_from = 0
    last_key: str | None = None

    def flush() -> None:
        nonlocal cur, lead_from
        if cur is not None and cur.order:
            if not cur.has_msgstr:
                key = "msgid" if "msgid" in cur.order else cur.order[-1]
                raise CatalogError("cannot parse catalogue: missing 'msgstr' section", path,
                                   cur.lines.get(key, cur.first + 1))
            raws.append(cur)
            lead_from = cur.last + 1
        cur = None

    for idx, raw_line in enumerate(lines):
        lineno = idx + 1
        full = raw_line.rstrip(b"\r").lstrip(b" \t\f\v")
        line = full.rstrip(b" \t\f\v")
        if not line:
            if cur is not None and cur.has_msgstr:
                flush()
            continue
        obsolete = False
        previous = False
        if line.startswith(b"#~"):
            obsolete = True
            line = line[2:]
            if line.startswith(b"|"):
                previous = True
                line = line[1:]
            line = line.strip(b" \t")
            if not line:
                continue
        elif line.startswith(b"#|"):
            previous = True
            line = line[2:].strip(b" \t")
        elif line.startswith(b"#"):
            if cur is not None and cur.has_msgstr:
                flush()
            if cur is None:
                cur = _Raw(first=idx, lead_from=lead_from)
            kind, text = full[1:2], full[2:]
            if kind == b".":
                cur.auto.append(text[1:] if text.startswith(b" ") else text)
            elif kind == b":":
                cur.refs.append(text)
            elif kind == b",":
                cur.flags += [f for f in _FLAG_SEPARATOR.split(text) if f]
            else:
                body = full[1:]
                cur.comments.append(body[1:] if body.startswith(b" ") else body)
                cur.comment_lines.append(lineno)
            cur.last = idx
            continue
        m = _KEYWORD.match(line)
        if m:
            keyword = m.group(1).decode()
            if m.group(2) is not None and len(m.group(2)) > _MAX_INDEX_DIGITS:
                raise CatalogError(f"cannot parse catalogue: plural index "
                                   f"{m.group(2)[:12].decode()}… is out of range "
                                   f"(at most {MAX_PLURALS} forms)", path, lineno)
            strings = _strings(line[m.end():], path, lineno)
            if not strings:
                raise CatalogError(f"cannot parse catalogue: '{keyword}' without a string",
                                   path, lineno)
            key = ("|" if previous else "") + keyword
            starts_new = cur is not None and cur.has_msgstr and (
                previous or keyword in ("msgctxt", "msgid"))
            if starts_new:
                flush()
            if cur is None:
                cur = _Raw(first=idx, lead_from=lead_from)
            if key in cur.fields:
                raise CatalogError(f"cannot parse catalogue: '{keyword}' appears twice in one "
                                   "entry (a blank line or a msgstr is missing)", path, lineno)
            if not previous and (keyword == "msgid" or cur.obsolete is None):
                cur.obsolete = obsolete  # the msgid line decides
            cur.fields[key] = strings
            cur.order.append(key)
            cur.lines[key] = lineno
            cur.last = idx
            last_key = key
            continue
        if line.startswith(b'"'):
            if cur is None or last_key is None or last_key not in cur.fields:
                raise CatalogError("cannot parse catalogue: a string outside any entry",
                                   path, lineno)
            cur.fields[last_key] += _strings(line, path, lineno)
            cur.last = idx
            continue
        words = line.split()  # empty for a line of other whitespace (a lone CR)
        word = _shown((words[0] if words else line)[:30].decode("ascii", "replace"))
        raise CatalogError(f"cannot parse catalogue: unknown keyword '{word}'", path, lineno)
    if cur is not None and cur.order:
        flush()
    return raws


_CHARSET = re.compile(r"charset\s*=\s*([^\s;]*)", re.I)


def _charset(raw: _Raw | None, path: Path) -> tuple[str, str]:
    """(name as written, Python codec) of the header's charset."""
    if raw is None:
        return "UTF-8", "utf-8"
    text = b"".join(raw.fields.get("msgstr", [b""])).decode("ascii", "replace")
    content_type = next((ln for ln in text.split("\n")
                         if ln.lower().startswith("content-type:")), None)
    line = raw.lines.get("msgstr", raw.first + 1)
    if content_type is None:
        return "UTF-8", "utf-8"
    m = _CHARSET.search(content_type)
    name = m.group(1) if m else ""
    if name.upper() == "CHARSET":  # a template not yet initialised: ASCII, read as UTF-8
        return name, "utf-8"
    if not name:
        raise CatalogError("the header's Content-Type names no charset; write "
                           "'charset=UTF-8'", path, line)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise CatalogError(f"unknown charset '{_shown(name)}' in the header", path, line) from None
    try:  # a codec that is not a text encoding (base64, rot13, undefined) cannot say
        newline = "\n".encode(codec)
    except (LookupError, UnicodeError, ValueError, TypeError):
        newline = b""
    if codec.startswith(("utf-16", "utf-32")) or newline != b"\n":
        raise CatalogError(f"charset '{_shown(name)}' is not ASCII-compatible; gettext catalogues "
                           "must be saved in UTF-8 (or another ASCII-compatible charset)",
                           path, line)
    return name, codec


def _decode(raws: list[_Raw], lines: list[bytes], path: Path) -> Catalog:
    head = raws[0] if raws and not raws[0].obsolete and "msgctxt" not in raws[0].fields \
        and b"".join(raws[0].fields.get("msgid", [b"x"])) == b"" else None
    name, codec = _charset(head, path)
    cat = Catalog(path=path, charset=name)

    def text(parts: list[bytes] | None, lineno: int) -> str | None:
        if parts is None:
            return None
        try:
            return b"".join(parts).decode(codec)
        except UnicodeDecodeError as exc:
            raise CatalogError(f"not valid {_shown(name)}: byte 0x{exc.object[exc.start]:02x} "
                               f"(is the header's charset right?)", path, lineno) from None
        except (UnicodeError, ValueError) as exc:  # codecs such as idna fail their own way
            raise CatalogError(f"not valid {_shown(name)}: {_shown(str(exc))[:80]} (is the "
                               f"header's charset right?)", path, lineno) from None

    for raw in raws:
        first = raw.first + 1

        def dec(items: list[bytes], at: int = first) -> list[str]:
            return [t for t in (text([b], at) for b in items) if t is not None]

        line = raw.lines.get("msgid", first)
        if "msgid" not in raw.fields:
            raise CatalogError("cannot parse catalogue: missing 'msgid'", path,
                               raw.lines.get(raw.order[0], first))
        plural_keys = sorted((k for k in raw.fields if k.startswith("msgstr[")),
                             key=lambda k: int(k[7:-1]))
        has_plural = "msgid_plural" in raw.fields
        if has_plural:
            if "msgstr" in raw.fields or not plural_keys:
                raise CatalogError("cannot parse catalogue: an entry with msgid_plural needs "
                                   "msgstr[0], msgstr[1]…", path, raw.lines.get("msgstr", line))
            indexes = [int(k[7:-1]) for k in plural_keys]
            if indexes != list(range(len(indexes))):
                raise CatalogError("cannot parse catalogue: msgstr[] indexes are not "
                                   "0, 1, 2…", path, raw.lines[plural_keys[0]])
            strings = [text(raw.fields[k], raw.lines[k]) or "" for k in plural_keys]
        else:
            if plural_keys:
                raise CatalogError("cannot parse catalogue: msgstr[] without msgid_plural",
                                   path, raw.lines[plural_keys[0]])
            strings = [text(raw.fields["msgstr"], raw.lines["msgstr"]) or ""]
        refs = [r for ref in dec(raw.refs) for r in ref.split()]
        msg = Message(
            id=text(raw.fields["msgid"], line) or "", strings=strings,
            context=text(raw.fields.get("msgctxt"), raw.lines.get("msgctxt", line)),
            plural=text(raw.fields.get("msgid_plural"), line),
            flags=dec(raw.flags), user_comments=dec(raw.comments), auto_comments=dec(raw.auto),
            locations=refs,
            previous_context=text(raw.fields.get("|msgctxt"), first),
            previous_id=text(raw.fields.get("|msgid"), first),
            previous_plural=text(raw.fields.get("|msgid_plural"), first),
            obsolete=bool(raw.obsolete), lineno=line, comment_lines=list(raw.comment_lines),
            raw=b"\n".join(lines[raw.first:raw.last + 1]),
            lead=b"".join(ln + b"\n" for ln in lines[raw.lead_from:raw.first]),
        )
        msg.freeze()
        if raw is head:
            cat.header = msg
        else:
            cat.entries.append(msg)
    return cat


def _validate(cat: Catalog, path: Path) -> None:
    seen: dict[tuple[str | None, str], int] = {}
    for msg in cat.entries:
        if msg.key in seen:
            raise CatalogError(f"duplicate message definition (first defined at line "
                               f"{seen[msg.key]})", path, msg.lineno)
        seen[msg.key] = msg.lineno
    forms = cat.header_value("Plural-Forms")
    if forms is not None and cat.header is not None:
        m = _NPLURALS_VALUE.search(forms)
        if m and m.group(1) != "INTEGER":
            value = m.group(1)
            if not _COUNT.fullmatch(value) or not 1 <= int(value) <= MAX_PLURALS:
                raise CatalogError(f"invalid nplurals value '{_shown(value[:20])}' in Plural-Forms "
                                   f"(1 to {MAX_PLURALS})", path, cat.header.lineno)
            n = int(value)
            for msg in cat.entries:
                if msg.plural is not None and not msg.obsolete and len(msg.strings) > n:
                    raise CatalogError(f"msgstr[{len(msg.strings) - 1}] but the header says "
                                       f"nplurals={n}", path, msg.lineno)


# ---------------------------------------------------------------- writing

_ESCAPE_OUT = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r",
               "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
_NO_BREAK_BEFORE = set("、。，．：；！？）」』】〕〉》’”…‥〜・ー")
_NO_BREAK_AFTER = set("（「『【〔〈《‘“")


def _width(ch: str) -> int:
    if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\u2060":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _tokens(value: str) -> list[tuple[str, int, bool]]:
    """(escaped text, columns, break allowed after it) per character of ``value``.

    The break opportunities are those GNU gettext 0.21 finds (Unicode line breaking as
    its libunistring implements it): after spaces, after ``-/.,:;!?`` before a letter,
    and around wide (CJK) characters, but not inside ``" (`` or after an opening bracket.
    """
    out: list[tuple[str, int, bool]] = []
    n = len(value)
    for i, ch in enumerate(value):
        esc = _ESCAPE_OUT.get(ch, ch)
        nxt = value[i + 1] if i + 1 < n else ""
        brk = False
        if nxt and nxt != " ":
            if ch == " ":
                before = value[:i].rstrip(" ")[-1:]
                brk = not before or not (before in "([{" or before in "\"'" and nxt in "([{")
            elif ch in "-/.,:;!?" and nxt.isalpha() and _width(nxt) == 1:
                brk = True
            elif ch in "/?!" and not nxt.isdigit() and nxt not in ")]}" and _width(nxt) == 1:
                brk = True
            elif _width(ch) == 2 or _width(nxt) == 2:
                brk = (nxt not in _NO_BREAK_BEFORE and ch not in _NO_BREAK_AFTER
                       and not (ch.isascii() and ch.isalnum() and nxt.isascii()))
        out.append((esc, len(esc) if len(esc) > 1 else _width(ch), brk))
    return out


def _wrap(tokens: list[tuple[str, int, bool]], room: int) -> list[str]:
    """Greedy line breaking: as many tokens per line as fit in ``room`` columns."""
    lines: list[str] = []
    start = 0
    n = len(tokens)
    while start < n:
        used = 0
        last_break = -1
        i = start
        while i < n:
            used += tokens[i][1]
            if used > room and last_break >= start:
                break
            if tokens[i][2]:
                last_break = i
            i += 1
        else:
            lines.append("".join(t[0] for t in tokens[start:]))
            break
        lines.append("".join(t[0] for t in tokens[start:last_break + 1]))
        start = last_break + 1
    return lines


def _string_lines(prefix: str, keyword: str, value: str, width: int | None) -> list[str]:
    pieces = [p for p in re.split(r"(?<=\n)", value) if p] or [""]
    if width is None:  # no-wrap: only at embedded newlines
        if len(pieces) == 1:
            return [f'{prefix}{keyword} "{"".join(t[0] for t in _tokens(value))}"']
        return [f'{prefix}{keyword} ""'] + [
            f'{prefix}"{"".join(t[0] for t in _tokens(p))}"' for p in pieces]
    if len(pieces) == 1:
        tokens = _tokens(value)
        first_room = width - len(prefix) - len(keyword) - 3
        if len(_wrap(tokens, first_room)) <= 1:
            return [f'{prefix}{keyword} "{"".join(t[0] for t in tokens)}"']
    lines = [f'{prefix}{keyword} ""']
    room = width - len(prefix) - 2
    for piece in pieces:
        lines += [f'{prefix}"{text}"' for text in _wrap(_tokens(piece), room)]
    return lines


def render_message(msg: Message, width: int | None = WIDTH, nplurals: int = 2) -> str:
    """One entry as GNU msgcat lays it out (no trailing line end)."""
    out: list[str] = []
    out += [f"# {c}" if c else "#" for c in msg.user_comments]
    out += [f"#. {c}" if c else "#." for c in msg.auto_comments]
    if msg.locations:
        line = "#:"
        for ref in msg.locations:
            if line != "#:" and len(line) + 1 + len(ref) > WIDTH:
                out.append(line)
                line = "#:"
            line += " " + ref
        out.append(line)
    if msg.flags:
        flags = ["fuzzy"] if msg.fuzzy else []
        flags += [f for f in msg.flags if f != "fuzzy"]
        out.append("#, " + ", ".join(flags))
    prev = "#~| " if msg.obsolete else "#| "
    if msg.previous_context is not None:
        out += _string_lines(prev, "msgctxt", msg.previous_context, width)
    if msg.previous_id is not None:
        out += _string_lines(prev, "msgid", msg.previous_id, width)
    if msg.previous_plural is not None:
        out += _string_lines(prev, "msgid_plural", msg.previous_plural, width)
    pre = "#~ " if msg.obsolete else ""
    if msg.context is not None:
        out += _string_lines(pre, "msgctxt", msg.context, width)
    out += _string_lines(pre, "msgid", msg.id, width)
    if msg.plural is not None:
        out += _string_lines(pre, "msgid_plural", msg.plural, width)
        strings = msg.strings or [""] * nplurals
        for i, s in enumerate(strings):
            out += _string_lines(pre, f"msgstr[{i}]", s, width)
    else:
        out += _string_lines(pre, "msgstr", msg.string, width)
    return "\n".join(out)


def _encode(text: str, cat: Catalog) -> bytes:
    codec = "utf-8" if cat.charset.upper() == "CHARSET" else cat.charset
    try:
        data = text.encode(codec)
    except UnicodeEncodeError as exc:
        raise CatalogError(f"'{exc.object[exc.start]}' cannot be written in the catalogue's "
                           f"charset {cat.charset}; convert it to UTF-8 "
                           f"(msgconv -t UTF-8)", cat.path) from None
    return data.replace(b"\n", cat.newline) if cat.newline != b"\n" else data


def dumps(cat: Catalog, width: int | None = WIDTH) -> bytes:
    """The file's bytes: unchanged entries as read, others in msgcat's layout."""
    parts: list[bytes] = []
    nplurals = cat.nplurals or 2
    entries = ([cat.header] if cat.header is not None else []) + cat.entries
    for i, msg in enumerate(entries):
        lead = msg.lead if msg.raw is not None else b""
        if i and not lead:
            lead = cat.newline  # entries are separated by a blank line
        parts.append(lead)
        if msg.changed:
            parts.append(_encode(render_message(msg, width, nplurals) + "\n", cat))
        else:
            assert msg.raw is not None
            parts.append(msg.raw + b"\n")
    parts.append(cat.trailer)
    data = b"".join(parts)
    if not cat.final_newline and data.endswith(b"\n"):
        data = data[:-1]
    return data


# ---------------------------------------------------------------- merging

def _lcs_length(a: bytes, b: bytes) -> int:
    """Length of the longest common subsequence (bit-parallel, Hyyrö's algorithm)."""
    if len(a) < len(b):
        a, b = b, a
    masks: dict[int, int] = {}
    for i, ch in enumerate(b):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(b)) - 1
    v = full
    for ch in a:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(b) - bin(v).count("1")


def _upper_bound(a: bytes, b: bytes) -> float:
    total = len(a) + len(b)
    return 2 * min(len(a), len(b)) / total if total else 1.0


class _Fuzzy:
    """msgmerge's fuzzy search over the translated messages of the old catalogue.

    As GNU gettext does it: candidates are the messages sharing 4-grams (of characters)
    with the msgid, most shared first (for a msgid under 4 characters: the messages of
    comparable length); the best fstrcmp weight (2 x longest common subsequence / total
    length, over UTF-8 bytes) above the threshold wins, with a
    tiny bonus for the same context, the first one on a tie.
    """

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        self.grams: dict[str, list[int]] = {}
        self.short: dict[int, list[int]] = {}
        self.bytes = [m.id.encode("utf-8") for m in messages]
        for j, msg in enumerate(messages):
            if not msg.string:
                continue
            text = msg.id
            for i in range(len(text) - 3):
                bucket = self.grams.setdefault(text[i:i + 4], [])
                if not bucket or bucket[-1] != j:
                    bucket.append(j)
            if len(self.bytes[j]) <= _SHORT_MAX:
                self.short.setdefault(len(self.bytes[j]), []).append(j)

    def _weight(self, j: int, context: str | None, target: bytes, bound: float) -> float:
        msg = self.messages[j]
        bonus = 0.00001 if msg.context is None or msg.context == context else 0.0
        candidate = self.bytes[j]
        total = len(target) + len(candidate)
        if total == 0:
            return 1.0 + bonus
        if _upper_bound(target, candidate) + bonus <= bound:
            return 0.0
        return 2 * _lcs_length(target, candidate) / total + bonus

    def best(self, context: str | None, msgid: str) -> Message | None:
        target = msgid.encode("utf-8")
        best, best_weight = None, FUZZY_THRESHOLD
        if len(msgid) >= 4:
            counts: dict[int, int] = {}
            for i in range(len(msgid) - 3):
                for j in self.grams.get(msgid[i:i + 4], ()):
                    counts[j] = counts.get(j, 0) + 1
            order = sorted(counts, key=lambda j: (-counts[j], j))
        else:
            low = -(-len(target) * FUZZY_THRESHOLD // (2 - FUZZY_THRESHOLD))
            high = int(len(target) * (2 / FUZZY_THRESHOLD - 1))
            order = [j for length in range(int(low), high + 1)
                     for j in self.short.get(length, ())]
        for j in order:
            weight = self._weight(j, context, target, best_weight)
            if weight > best_weight:
                best, best_weight = self.messages[j], weight
        return best


_SHORT_MAX = int(3 * 4 * (2 / FUZZY_THRESHOLD - 1))




def _merged(old: Message, new: Message, fuzzy_match: bool, nplurals: int) -> Message:
    """``old``'s translation on ``new``'s entry, as msgmerge's message_merge."""
    result = old.copy()
    result.obsolete = False
    result.context, result.id, result.plural = new.context, new.id, new.plural
    if new.plural is not None and old.plural is None:
        result.strings = [old.string] + [""] * (max(nplurals, 1) - 1)
    elif new.plural is None and old.plural is not None:
        result.strings = [old.string]
    result.auto_comments = list(new.auto_comments)
    result.locations = list(new.locations)
    keep = [f for f in old.flags if f == "fuzzy"]
    result.flags = keep + [f for f in new.flags if f != "fuzzy"]
    plural_changed = (new.plural is None) != (old.plural is None)
    if fuzzy_match or plural_changed:
        if "fuzzy" not in result.flags:
            result.flags.insert(0, "fuzzy")
        if fuzzy_match and old.previous_id is None:
            # The source the translation was made for: an entry that was already fuzzy
            # keeps its own previous msgid.
            result.previous_context, result.previous_id = old.context, old.id
            result.previous_plural = old.plural
    if not result.fuzzy:
        result.previous_context = result.previous_id = result.previous_plural = None
    if not any(result.strings):
        result.flags = [f for f in result.flags if f != "fuzzy"]
    result.lineno = old.lineno
    return result


def merge(old: Catalog, template: Catalog, fuzzy_matching: bool = True) -> Catalog:
    """``msgmerge --previous OLD TEMPLATE``: the template's messages with OLD's translations."""
    result = Catalog(path=old.path, charset=old.charset, newline=old.newline,
                     trailer=old.trailer, final_newline=old.final_newline)
    nplurals = old.nplurals or 2
    if old.header is not None:
        header = old.header.copy()
        result.header = header
        for name in ("POT-Creation-Date", "Report-Msgid-Bugs-To"):
            value = template.header_value(name)
            if value is not None and old.header_value(name) is not None:
                result.set_header(name, value)
    else:
        result.header = template.header.copy() if template.header else None
    by_key = {m.key: m for m in old.entries}
    used: set[int] = set()
    fuzzy = _Fuzzy([m for m in old.entries if not m.obsolete]) if fuzzy_matching else None
    for new in template:
        found = by_key.get(new.key)
        if found is not None:
            used.add(id(found))
            result.entries.append(_merged(found, new, False, nplurals))
            continue
        match = fuzzy.best(new.context, new.id) if fuzzy is not None else None
        if match is not None:
            used.add(id(match))
            result.entries.append(_merged(match, new, True, nplurals))
            continue
        fresh = Message(new.id, [""] * (nplurals if new.plural is not None else 1),
                        new.context, new.plural, [f for f in new.flags if f != "fuzzy"],
                        [], list(new.auto_comments), list(new.locations))
        result.entries.append(fresh)
    for m in old.entries:
        if id(m) in used:
            continue
        if m.obsolete:
            if not m.fuzzy and m.previous_id is not None:
                m = m.copy()  # as msgmerge: previous strings belong to fuzzy entries only
                m.previous_context = m.previous_id = m.previous_plural = None
            result.entries.append(m)
        elif any(m.strings):
            gone = m.copy()
            gone.obsolete = True
            gone.locations = []
            gone.auto_comments = []
            result.entries.append(gone)
    return result
