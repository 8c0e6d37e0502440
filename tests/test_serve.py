"""``publisher serve``: the live preview, run as a user runs it (the real command line in
its own process, in a copy of the project), edited as a translator edits: a saved
catalogue reaches the web page, then the PDF; a catalogue or a statement that does not
parse is reported (terminal and page) and the preview recovers on the next good save;
nothing outside the build folder is served; SIGTERM stops it cleanly."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from .conftest import cli_env, copy_project, wait_for

SLUG = "fsc-pc-92-dprk"
PAGE = f"{SLUG}/{SLUG}.uk.html"
PDF = f"{SLUG}/{SLUG}.uk.pdf"
PO = Path("locales/uk/LC_MESSAGES") / f"{SLUG}.po"
SCRIPT = re.compile(rb'<script src="/__publisher/reload\.js" data-state="[0-9a-f]+/\d+"></script>\n'
                    rb"(?=</body>)")
"""The tag the preview adds before ``</body>``, stamped with the builds the page includes."""
TIMEOUT = 20.0
"""No wait in this file is longer: a hang fails the test instead of blocking the run."""

class Events:
    """The preview's event stream, read by a thread into a list."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT * 3)
        self.conn.request("GET", "/__publisher/events")
        self.sock = self.conn.sock
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        assert self.resp.getheader("Content-Type", "").startswith("text/event-stream")
        self.received: list[dict[str, Any]] = []
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for raw in self.resp:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("data: "):
                    self.received.append(json.loads(line[len("data: "):]))
        except OSError:
            pass
        finally:
            self.ended.set()

    def wait(self, since: int, what: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first event after the first ``since`` ones that ``match`` accepts."""
        return wait_for(lambda: next((e for e in self.received[since:] if match(e)), None), what)

    def close(self) -> None:
        """Hang up (the reader thread sees the end of the stream) and free the socket."""
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.thread.join(TIMEOUT)
        self.resp.close()
        self.conn.close()


class Server:
    """``python -m publisher serve --port 0 --lang uk`` in a project folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "publisher", "serve", "--port", "0", "--lang", "uk"],
            cwd=root, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8")
        self.out: list[str] = []
        self.err: list[str] = []
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.readers = [threading.Thread(target=self._drain, args=(self.proc.stdout, self.out),
                                         daemon=True),
                        threading.Thread(target=self._drain, args=(self.proc.stderr, self.err),
                                         daemon=True)]
        for t in self.readers:
            t.start()
        first = wait_for(lambda: self.out[0] if self.out else self.proc.poll() is not None,
                         "the URL on stdout")
        assert isinstance(first, str), f"serve exited {self.proc.returncode}: {self.err}"
        m = re.fullmatch(r"serving (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)", first)
        assert m, first
        self.url, self.port = m.group(1), int(m.group(2))
        self.events = Events(self.port)

    @staticmethod
    def _drain(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))
        stream.close()

    def get(self, path: str, headers: dict[str, str] | None = None,
            ) -> tuple[int, http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp, resp.read()
        finally:
            conn.close()

    def edit(self, path: Path, old: str, new: str) -> None:
        text = (self.root / path).read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        (self.root / path).write_text(text.replace(old, new), encoding="utf-8")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        self.events.ended.wait(TIMEOUT)
        self.events.close()
        for t in self.readers:
            t.join(TIMEOUT)


def on_disk(path: Path) -> tuple[int, int, bytes]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size, path.read_bytes()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The preview of a fresh copy of the project, its first build done."""
    srv = Server(copy_project(tmp_path_factory.mktemp("serve")))
    try:
        srv.events.wait(0, "the first build", lambda e: e["type"] == "done" or (
            e["type"] == "hello" and e["generation"] >= 1 and not e["building"]))
        yield srv
    finally:
        srv.stop()


def test_the_page_is_served_with_the_reload_script_and_the_file_on_disk_has_none(server):
    build = server.root / "build"
    status, resp, page = server.get(f"/{PAGE}")
    assert status == 200
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"
    assert resp.getheader("Cache-Control") == "no-store"
    assert len(SCRIPT.findall(page)) == 1
    disk = (build / PAGE).read_bytes()
    assert b"__publisher" not in disk
    assert SCRIPT.sub(b"", page) == disk

    status, resp, script = server.get("/__publisher/reload.js")
    assert status == 200 and resp.getheader("Content-Type").startswith("text/javascript")
    assert b'new EventSource("/__publisher/events")' in script and b"location.reload()" in script

    status, _, index = server.get("/")
    assert status == 200 and len(SCRIPT.findall(index)) == 1
    assert PAGE.encode() in index
    assert (build / "index.html").read_bytes() == SCRIPT.sub(b"", index)


def test_a_saved_translation_reaches_the_page_then_the_pdf(server):
    build = server.root / "build"
    html_before, pdf_before = on_disk(build / PAGE), on_disk(build / PDF)
    since = len(server.events.received)
    server.edit(PO, 'msgstr "Шановні колеги,"', 'msgstr "Шановні колеги й колежанки,"')

    wait_for(lambda: "Шановні колеги й колежанки," in (build / PAGE).read_text(encoding="utf-8"),
             "the new translation in the web page on disk")
    assert on_disk(build / PAGE) != html_before
    _, _, page = server.get(f"/{PAGE}")
    assert "Шановні колеги й колежанки,".encode() in page and len(SCRIPT.findall(page)) == 1
    wait_for(lambda: on_disk(build / PDF) != pdf_before, "a new PDF on disk")

    page_event = server.events.wait(since, "the page's event",
                                    lambda e: e["type"] == "output" and e["path"] == PAGE)
    done = server.events.wait(since, "the end of the build", lambda e: e["type"] == "done")
    assert server.events.received.index(page_event) < server.events.received.index(done)
    assert done["errors"] == [] and done["changed"][0] == PAGE and PDF in done["changed"]
    assert page_event["seconds"] <= done["page_seconds"] + 0.001 <= done["seconds"] + 0.001


def test_a_catalogue_that_does_not_parse_is_reported_and_the_preview_recovers(server):
    build = server.root / "build"
    good_page = (build / PAGE).read_bytes()
    line = (server.root / PO).read_text(encoding="utf-8").splitlines().index(
        'msgstr "Шановні колеги й колежанки,"') + 1
    since = len(server.events.received)
    server.edit(PO, 'msgstr "Шановні колеги й колежанки,"', 'msgstr "Шановні колеги й колежанки,')

    failed = server.events.wait(since, "a failed build", lambda e: e["type"] == "done")
    where = f"{PO.as_posix()}:{line}: error: [catalogue]"
    assert len(failed["errors"]) == 1 and failed["errors"][0].startswith(where), failed
    assert PAGE not in failed["changed"]  # an open page keeps what it shows, with the banner
    wait_for(lambda: any(ln.startswith(where) for ln in server.err), "the error on stderr")

    # The build leaves no stale copy of the edition; the preview still answers, and the
    # page's address serves a note that loads the page once it is built again.
    assert not (build / PAGE).exists() and good_page
    assert server.get("/")[0] == 200
    status, _, page = server.get(f"/{PAGE}")
    assert status == 404 and b"Not built" in page and len(SCRIPT.findall(page)) == 1
    # A page opened now is told about the error.
    late = Events(server.port)
    try:
        hello = late.wait(0, "the greeting", lambda e: e["type"] == "hello")
        assert hello["errors"] == failed["errors"] and not hello["building"]
    finally:
        late.close()

    since = len(server.events.received)
    server.edit(PO, 'msgstr "Шановні колеги й колежанки,', 'msgstr "Шановні колеги та колежанки,"')
    server.events.wait(since, "the page's event",
                       lambda e: e["type"] == "output" and e["path"] == PAGE)
    fixed = server.events.wait(since, "a good build", lambda e: e["type"] == "done")
    assert fixed["errors"] == [] and PAGE in fixed["changed"] and PDF in fixed["changed"]
    status, _, page = server.get(f"/{PAGE}")
    assert status == 200 and "Шановні колеги та колежанки,".encode() in page


def test_a_statement_with_a_yaml_error_is_reported_and_the_preview_recovers(server):
    seed = Path("seeds") / f"{SLUG}.md"
    original = (server.root / seed).read_bytes()
    since = len(server.events.received)
    server.edit(seed, "languages: [en, uk, fr, de, it, ru, es, ar]\n",
                "languages: [en, uk, fr, de, it, ru, es, ar\n")
    failed = server.events.wait(since, "a failed build", lambda e: e["type"] == "done")
    assert len(failed["errors"]) == 1, failed
    assert re.match(rf"{re.escape(seed.as_posix())}:\d+: error: \[statement\] .*YAML",
                    failed["errors"][0]), failed
    wait_for(lambda: failed["errors"][0] in server.err, "the error on stderr")
    assert server.get(f"/{PAGE}")[0] == 200

    since = len(server.events.received)
    (server.root / seed).write_bytes(original)
    fixed = server.events.wait(since, "a good build", lambda e: e["type"] == "done")
    assert fixed["errors"] == [] and fixed["changed"] == []  # the outputs were up to date


def test_an_open_page_reloads_itself_and_shows_the_errors_in_a_browser(server, tmp_path):
    """Headless Chromium on the page: a save reloads it with the new text; a catalogue
    that does not parse puts the error (file:line) in a banner over it; the next good
    save removes the banner and shows the text."""
    from .test_browser import DevTools

    browser = DevTools(tmp_path / "profile")
    try:
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        session = browser.send("Target.attachToTarget", targetId=target,
                               flatten=True)["sessionId"]

        def evaluate(expression: str) -> Any:
            try:
                reply = browser.send("Runtime.evaluate", session, expression=expression,
                                     returnByValue=True)
            except RuntimeError:  # the page is being replaced
                return None
            return reply["result"].get("value")

        def shows(text: str) -> bool:
            return bool(evaluate(f"document.readyState === 'complete' && "
                                 f"document.body.innerText.includes({json.dumps(text)})"))

        def banner() -> str | None:
            return evaluate("(document.getElementById('publisher-preview-errors') || {})"
                            ".textContent || ''")

        browser.send("Page.navigate", session, url=server.url + PAGE)
        wait_for(lambda: shows("Шановні колеги та колежанки,"), "the page in the browser")
        evaluate("window.notReloaded = true")

        server.edit(PO, 'msgstr "Шановні колеги та колежанки,"', 'msgstr "Шановні колеги і колежанки,"')
        wait_for(lambda: shows("Шановні колеги і колежанки,"), "the page reloaded with the new text")
        assert evaluate("window.notReloaded") is None
        assert banner() == ""

        server.edit(PO, 'msgstr "Шановні колеги і колежанки,"', 'msgstr "Шановні колеги і колежанки,')
        shown = wait_for(lambda: banner() or None, "the error banner")
        assert re.search(rf"{re.escape(PO.as_posix())}:\d+: error: \[catalogue\]", shown), shown
        assert shows("Шановні колеги і колежанки,")  # what the page showed stays in view

        server.edit(PO, 'msgstr "Шановні колеги і колежанки,', 'msgstr "Шановні колеги та колежанки,"')
        wait_for(lambda: shows("Шановні колеги та колежанки,") and banner() == "",
                 "the fixed page without the banner")
    finally:
        browser.close()


@pytest.mark.parametrize("path", [
    f"/../seeds/{SLUG}.md",
    f"/%2e%2e/seeds/{SLUG}.md",
    f"/{SLUG}/%2e%2e/%2e%2e/seeds/{SLUG}.md",
    f"/%2E%2E%2Fseeds%2F{SLUG}.md",
    f"/..%2fseeds/{SLUG}.md",
    "/%2e%2e%5c..%5cseeds",
    "//etc/passwd",
    "/.publisher-cache.json",
    f"/{SLUG}",
    f"/{SLUG}/",
    "/outside/seeds/" + f"{SLUG}.md",
    "/leak.md",
    "/__publisher/other",
    "/%00",
])
def test_nothing_outside_the_build_folder_is_served(server, path):
    build = server.root / "build"
    for name, target in (("outside", ".."), ("leak.md", f"../seeds/{SLUG}.md")):
        if not (build / name).is_symlink():
            (build / name).symlink_to(target)
    status, _, body = server.get(path)
    assert status == 404, (path, body[:200])
    assert b"Chairs," not in body


def test_a_request_for_another_host_name_is_refused(server):
    assert server.get(f"/{PAGE}", {"Host": "preview.example:80"})[0] == 403
    assert server.get(f"/{PAGE}", {"Host": f"localhost:{server.port}"})[0] == 200


def test_sigterm_stops_it_cleanly_and_releases_the_port(server):
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=TIMEOUT) == 0, server.err
    assert server.events.ended.wait(TIMEOUT), "the event stream was not closed"
    for t in server.readers:
        t.join(TIMEOUT)
    assert server.err[-1] == "stopped", server.err
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
