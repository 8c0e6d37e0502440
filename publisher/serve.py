"""``publisher serve``: a live preview for translators and press officers.

One long-running process keeps the engines warm: it builds in-process (WeasyPrint and
python-docx are imported once), watches ``seeds/``, ``locales/`` and ``templates/``, and
rebuilds on every save. The incremental build renders only what the edit affects, the
web pages first: each page is announced as soon as it is on disk, before the PDF and
DOCX of its edition are rendered, and the build's end is announced again.

The build folder is served on 127.0.0.1 only, read-only, confined to that folder (no
``..``, no hidden files, no symbolic links followed). Every web page is served with a
small script added before ``</body>`` (in the response only; the file on disk is
untouched): ``/__publisher/reload.js``, a same-origin script, no inline code. It listens
to ``/__publisher/events`` (server-sent events) and reloads the page when its file
changes; the errors of the last build (a catalogue that does not parse, a statement
with a YAML error, a failed output) are shown in a banner on the page until a save
fixes them. They are also logged as the build logs them: one ``FILE:LINE: error:`` line.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import queue
import secrets
import signal
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .build import BuildOptions, build
from .errors import PublisherError, display_path
from .matrix import Result, file_digest, load_engines
from .project import Project
from .writers import FORMATS
from .log import log

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer


HOST = "127.0.0.1"
"""The only address the preview listens on."""
PREFIX = "__publisher"
"""The preview's own URLs: ``/__publisher/events`` and ``/__publisher/reload.js``."""
KEEP_ALIVE = 10.0
"""Seconds between keep-alive comments on an idle event stream (a dead client is noticed
when one cannot be written)."""
SETTLE_LIMIT = 1.0
"""At most this long is spent waiting for a burst of saves to settle."""


RELOAD_JS = r"""// publisher serve: reload this page when its file is rebuilt; show build errors.
(function () {
  "use strict";
  var here = decodeURIComponent(location.pathname).replace(/^\/+/, "");
  if (here === "" || here.slice(-1) === "/") here += "index.html";
  // The builds this page's bytes already include ("session/version", stamped when served).
  var me = document.currentScript;
  var seen = me ? me.getAttribute("data-state") : null, leaving = false, banner = null;
  function reload() { leaving = true; source.close(); location.reload(); }
  function show(errors) {
    if (!errors || !errors.length) {
      if (banner) { banner.remove(); banner = null; }
      return;
    }
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "publisher-preview-errors";
      banner.setAttribute("role", "alert");
      banner.dir = "ltr";
      banner.lang = "en";
      banner.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;" +
        "margin:0;padding:.6em 1em;max-height:40vh;overflow:auto;background:#a00018;" +
        "color:#fff;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;" +
        "white-space:pre-wrap;text-align:left;box-shadow:0 2px 8px rgba(0,0,0,.35)";
      document.body.appendChild(banner);
    }
    banner.textContent = "publisher: the last build failed; what it affects is not " +
      "updated until a save fixes it.\n" + errors.join("\n");
  }
  var source = new EventSource("/__publisher/events");
  source.onmessage = function (event) {
    if (leaving) return;
    var msg = JSON.parse(event.data);
    if (msg.type === "hello") {
      // Outputs changed since the page was served (or the preview restarted): load them.
      var state = msg.session + "/" + msg.version;
      if (seen !== null && seen !== state) { reload(); return; }
      seen = state;
      show(msg.errors);
    } else if (msg.type === "output") {
      if (msg.path === here) reload();
    } else if (msg.type === "done") {
      seen = msg.session + "/" + msg.version;
      show(msg.errors);
      if (msg.changed.indexOf(here) >= 0) reload();
    }
  };
})();
""".encode()


@dataclass
class ServeOptions:
    paths: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    out_dir: Path | None = None
    port: int = 8000
    """0: any free port."""
    interval: float = 0.1
    """Seconds between two looks at the source folders."""
    debounce: float = 0.05
    """A change is built once no further change is seen for this long (an editor's save
    is often several writes)."""
    started: Callable[[str], None] | None = None
    """Called with the URL once the server listens (before the first build)."""
    rebuilt: Callable[[Rebuild], None] | None = None
    """Called after every build."""


@dataclass(frozen=True)
class Rebuild:
    """What one build of the preview did."""

    generation: int
    """1 for the build at start, then one more per build."""
    changed: tuple[str, ...]
    """The files whose bytes changed, relative to the build folder, in the order they
    were written (``<slug>/<slug>.<lang>.<format>``, ``index.html``)."""
    built: int
    """Outputs rendered (some may have come out byte-identical)."""
    errors: tuple[str, ...]
    """One ``FILE:LINE: error: …`` line per problem (the build says what it did with the
    outputs a problem affects: a statement that does not read stops it before anything
    is written; a catalogue that does not read fails its edition's outputs)."""
    warnings: tuple[str, ...]
    seconds: float
    """From the start of the build to its end."""
    page_seconds: float | None
    """From the start of the build until the last changed web page was on disk."""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# ---------------------------------------------------------------- watching

Snapshot = dict[str, tuple[int, int, int]]
"""path -> (mtime_ns, size, inode) of every file watched."""


def scan(roots: list[Path], skip: Path | None = None) -> Snapshot:
    """Every file under ``roots`` (folders, walked with ``os.scandir``; or single files)
    with its modification time, size and inode; an atomic save changes the inode."""
    found: Snapshot = {}
    skipped = os.fspath(skip) if skip is not None else None
    stack: list[str] = []
    for root in roots:
        try:
            st = os.stat(root)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            stack.append(os.fspath(root))
        else:
            found[os.fspath(root)] = (st.st_mtime_ns, st.st_size, st.st_ino)
    while stack:
        folder = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.path != skipped:
                            stack.append(entry.path)
                        continue
                    st = entry.stat()
                except OSError:  # removed meanwhile, or a dangling link
                    continue
                found[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


# ---------------------------------------------------------------- events

class Hub:
    """The open event streams, and the state a new one is greeted with."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.streams: set[queue.Queue[dict[str, Any] | None]] = set()
        self.closed = False
        self.state: dict[str, Any] = {"session": secrets.token_hex(8), "version": 0,
                                      "generation": 0, "building": False, "errors": []}

    def subscribe(self) -> tuple[queue.Queue[dict[str, Any] | None], dict[str, Any]]:
        stream: queue.Queue[dict[str, Any] | None] = queue.Queue()
        with self.lock:
            if self.closed:
                stream.put(None)
            self.streams.add(stream)
            return stream, {"type": "hello", **self.state}

    def stamp(self) -> str:
        """``session/version``: which builds that changed outputs have finished."""
        with self.lock:
            return f"{self.state['session']}/{self.state['version']}"

    def unsubscribe(self, stream: queue.Queue[dict[str, Any] | None]) -> None:
        with self.lock:
            self.streams.discard(stream)

    def publish(self, event: dict[str, Any], **state: Any) -> None:
        """Send ``event`` (with the session and version) to every stream; ``state``
        updates what a new stream is told."""
        with self.lock:
            self.state.update(state)
            message = {**event, "session": self.state["session"],
                       "version": self.state["version"]}
            for stream in self.streams:
                stream.put(message)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            for stream in self.streams:
                stream.put(None)


# ---------------------------------------------------------------- serving

def open_confined(root: Path, parts: list[str]) -> int | None:
    """A descriptor of the regular file ``root/parts…``, opened one component at a time
    without following any symbolic link; None for anything else."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        for i, part in enumerate(parts):
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
            if i < len(parts) - 1:
                flags |= os.O_DIRECTORY
            child = os.open(part, flags, dir_fd=fd)
            os.close(fd)
            fd = child
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def url_parts(target: str) -> list[str] | None:
    """The path segments a request names, or None when it could leave the folder or
    names a hidden file. ``/`` and ``…/`` name ``index.html``."""
    from urllib.parse import unquote

    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/"):
        return None
    try:
        path = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\0" in path or "\\" in path:
        return None
    parts = path[1:].split("/")
    if parts[-1] == "":
        parts[-1] = "index.html"
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    return parts


def with_reload_script(page: bytes, state: str) -> bytes:
    """The page with the reload script before its last ``</body>`` (at its end if none).
    ``state`` names the builds finished before the page was read: the script compares it
    with the server's, so a build that ends before its stream connects is not missed."""
    tag = f'<script src="/{PREFIX}/reload.js" data-state="{state}"></script>\n'.encode()
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + tag
    return page[:at] + tag + page[at:]


def not_built_page(name: str, state: str) -> bytes:
    """What a web page missing from the build folder (not built yet, or removed because
    its build failed) is served as: a note that shows the build's errors and loads the
    page once a build makes it."""
    from html import escape

    text = escape(name)
    return with_reload_script(
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Not built: {text}</title>\n</head>\n<body>\n<h1>Not built</h1>\n"
        f"<p><code>{text}</code> is not in the build folder. This page shows it as soon as "
        f"a build makes it.</p>\n</body>\n</html>\n".encode(), state)


def content_type(name: str) -> str:
    import mimetypes

    if name.endswith((".html", ".htm")):
        return "text/html; charset=utf-8"
    if name.endswith(".json"):
        return "application/json"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def make_server(root: Path, hub: Hub, port: int) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 (one thread per request) giving read-only access to
    the regular files under ``root``, the reload script and the event stream of ``hub``.
    ``http.server`` is imported here: no other command pays for it."""
    from http import HTTPStatus
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        server_version = "publisher-serve"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the terminal is for the build's messages

        def do_GET(self) -> None:
            self.respond(body=True)

        def do_HEAD(self) -> None:
            self.respond(body=False)

        def respond(self, body: bool) -> None:
            if not self.host_allowed():
                self.refuse(HTTPStatus.FORBIDDEN)
                return
            parts = url_parts(self.path)
            if parts is not None and parts[0] == PREFIX:
                if parts[1:] == ["events"] and body:
                    self.events()
                elif parts[1:] == ["reload.js"]:
                    self.send(RELOAD_JS, "text/javascript; charset=utf-8", body)
                else:
                    self.refuse(HTTPStatus.NOT_FOUND)
                return
            state = hub.stamp()  # before the file is read: never newer than its bytes
            fd = open_confined(root, parts) if parts else None
            if parts is None or fd is None:
                if parts is not None and parts[-1].endswith(".html"):
                    self.send(not_built_page("/".join(parts), state), "text/html; charset=utf-8",
                              body, HTTPStatus.NOT_FOUND)
                else:
                    self.refuse(HTTPStatus.NOT_FOUND)
                return
            with os.fdopen(fd, "rb") as fh:
                data = fh.read()
            if parts[-1].endswith(".html"):
                data = with_reload_script(data, state)
            self.send(data, content_type(parts[-1]), body)

        def host_allowed(self) -> bool:
            """Only requests addressed to this machine by name or address: a web page
            elsewhere cannot read the outputs through a host name made to resolve here."""
            host = self.headers.get("Host")
            if host is None:
                return True
            address = self.server.server_address
            port = address[1] if isinstance(address, tuple) else ""
            return host.lower() in {f"{HOST}:{port}", f"localhost:{port}"}

        def send(self, data: bytes, ctype: str, body: bool,
                 status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if body:
                self.wfile.write(data)

        def refuse(self, status: HTTPStatus) -> None:
            data = f"{status.value} {status.phrase}\n".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def events(self) -> None:
            """Server-sent events: a greeting with the current state, then every event of
            the hub, a keep-alive comment when idle; ends when the preview closes."""
            stream, hello = hub.subscribe()
            try:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(b"retry: 1000\n\n" + _event(hello))
                while True:
                    try:
                        message = stream.get(timeout=KEEP_ALIVE)
                    except queue.Empty:
                        self.wfile.write(b": keep-alive\n\n")
                        continue
                    if message is None:
                        break
                    self.wfile.write(_event(message))
            except OSError:  # the client went away
                pass
            finally:
                hub.unsubscribe(stream)

    server = ThreadingHTTPServer((HOST, port), Handler)
    server.daemon_threads = True  # an open event stream never holds the preview up
    return server


def _event(message: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(message).encode() + b"\n\n"


# ---------------------------------------------------------------- the preview

class Preview:
    """The server, the build folder and the builds. ``with Preview(...) as p`` listens on
    127.0.0.1 (the HTTP server runs in a thread); :meth:`rebuild` builds once and says
    what it did; :meth:`watch` rebuilds on every change until told to stop."""

    def __init__(self, project: Project, options: ServeOptions) -> None:
        self.project = project
        self.options = options
        self.out_root = (options.out_dir or project.build_dir).absolute()
        formats = options.formats or list(FORMATS)
        self.build_options = BuildOptions(
            paths=list(options.paths), languages=list(options.languages),
            # The web pages first: a page is on disk before its edition's PDF is rendered.
            formats=sorted(formats, key=lambda f: f != "html"),
            out_dir=self.out_root, jobs=1)
        self.hub = Hub()
        self.generation = 0
        self.known: dict[str, str] = {}
        """sha256 of every output the preview has seen, by its path in the build folder."""
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- the server

    def __enter__(self) -> Preview:
        self.out_root.mkdir(parents=True, exist_ok=True)
        try:
            server = make_server(self.out_root.resolve(), self.hub, self.options.port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PublisherError(f"port {self.options.port} on {HOST} is in use "
                                     "(choose another with --port, or --port 0)") from None
            raise
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                       name="publisher-serve", daemon=True)
        self.thread.start()
        # The engines live in this process, loaded once: builds then render in-process
        # rather than in a fresh worker each time.
        load_engines(tuple(self.build_options.formats))
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://{HOST}:{self.server.server_address[1]}/"

    def close(self) -> None:
        """End the event streams, stop serving and release the port."""
        self.hub.close()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None

    # -- building

    def watched(self) -> list[Path]:
        """The sources: the three folders, and statements named outside ``seeds/``."""
        roots = [self.project.seeds, self.project.locales, self.project.templates]
        return [p.absolute() for p in roots + [Path(p) for p in self.options.paths]]

    def name(self, path: Path) -> str:
        """An output's path in the build folder, as URLs and events name it."""
        return Path(path).relative_to(self.out_root).as_posix()

    def rebuild(self) -> Rebuild:
        """Build once (only what changed is rendered) and announce it: each web page as
        soon as it is on disk, then the whole build. Bad input is logged and announced;
        it never ends the preview."""
        self.generation += 1
        generation = self.generation
        self.hub.publish({"type": "building", "generation": generation},
                         generation=generation, building=True)
        started = time.perf_counter()
        changed: list[str] = []
        errors: list[str] = []
        warnings: list[str] = []
        page_seconds: float | None = None
        built = 0

        def progress(done: int, total: int, result: Result) -> None:
            nonlocal page_seconds, built
            built += 1
            key = result.unit.key()
            if result.error or self.known.get(key) == result.sha256:
                return
            self.known[key] = result.sha256
            changed.append(key)
            if result.unit.fmt == "html":
                page_seconds = time.perf_counter() - started
                self.hub.publish({"type": "output", "generation": generation, "path": key,
                                  "seconds": round(page_seconds, 3)})

        index = self.out_root / "index.html"
        index_before = file_digest(index)
        try:
            report = build(self.project, dataclasses.replace(self.build_options,
                                                             progress=progress))
        except PublisherError as exc:
            problem = str(exc.diagnostic())
            log.error("%s", problem)
            errors.append(problem)
        except Exception as exc:  # the preview outlives any one build
            problem = f"error: {type(exc).__name__}: {exc}"
            log.error("%s", problem)
            errors.append(problem)
        else:
            warnings = [str(w) for w in report.warnings]
            for failure in report.failures:
                # The build removed the output: when it is made again it is news.
                self.known.pop(self.name(failure.path), None)
                problem = failure.error
                if ": error: " not in problem:  # a writer's message: located as the build logs it
                    problem = f"{display_path(failure.path)}: error: {problem}"
                errors.append(problem)
            for out in report.outputs:
                self.known[self.name(out.path)] = out.sha256
            errors = list(dict.fromkeys(errors))  # a catalogue fails three outputs: once
        if file_digest(index) != index_before:
            changed.append("index.html")
        result = Rebuild(generation, tuple(changed), built, tuple(errors), tuple(warnings),
                         time.perf_counter() - started, page_seconds)
        version = self.hub.state["version"] + (1 if changed else 0)
        self.hub.publish({"type": "done", **result.as_dict()}, version=version,
                         building=False, errors=list(errors))
        if self.options.rebuilt:
            self.options.rebuilt(result)
        return result

    def watch(self, stopping: Callable[[], bool]) -> Iterator[Rebuild]:
        """Build now, then again after every change to the sources, until ``stopping()``."""
        skip = self.out_root
        before = scan(self.watched(), skip)
        yield self.rebuild()
        while not stopping():
            time.sleep(self.options.interval)
            now = scan(self.watched(), skip)
            if now == before:
                continue
            settle_by = time.monotonic() + SETTLE_LIMIT
            while not stopping() and time.monotonic() < settle_by:
                time.sleep(self.options.debounce)
                again = scan(self.watched(), skip)
                if again == now:
                    break
                now = again
            if stopping():
                return
            before = now  # a save during the build is seen by the next look
            yield self.rebuild()


class _Stop(BaseException):
    """SIGINT or SIGTERM arrived: leave the build or the wait under way (every output is
    written atomically; the build lock is released on the way out)."""


def serve(project: Project, options: ServeOptions) -> None:
    """Serve the build folder on 127.0.0.1 and rebuild on every change, until SIGINT or
    SIGTERM; then return normally, the port released. Runs in the main thread (it
    installs the signal handlers, and puts the previous ones back)."""
    stopped = threading.Event()
    watching = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()
        if watching.is_set():  # once: closing down is never interrupted
            watching.clear()
            raise _Stop

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Preview(project, options) as preview:
            if options.started:
                options.started(preview.url)
            watching.set()
            try:
                for _ in preview.watch(stopped.is_set):
                    pass
            finally:
                watching.clear()
    except _Stop:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
