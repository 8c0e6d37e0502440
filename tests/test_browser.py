"""Every web page as a reader sees it: Debian's Chromium, headless, at a phone's width
(390 px) and a desktop's (1280 px). A page must never scroll sideways (an off-screen
element in a right-to-left page once made the Arabic edition 18,596 px wide and opened it
on a blank screen), and its screenshot must show text.

Headless Chromium will not make a window narrower than 500 px, so each page is loaded in
a frame of the width under test; a probe added to a copy of the page reports the page's
own scroll and client widths to the frame's parent.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from .conftest import LANGS, tool

WIDTHS = (390, 1280)
HEIGHT = 844

PROBE = """<script>
addEventListener("load", () => {
  const d = document.documentElement;
  parent.postMessage([%d, d.scrollWidth, d.clientWidth, innerWidth].join("x"), "*");
});
</script>"""

FRAMES = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
html, body {{ margin: 0; background: #fff; }} iframe {{ border: 0; display: block; }}
</style>
<script>
// Listening before any frame exists: a frame may finish loading before the body does.
const reports = [];
addEventListener("message", e => {{
  reports.push(e.data);
  const list = document.getElementById("reports");
  if (list) list.textContent = reports.join(" ");
}});
addEventListener("DOMContentLoaded", () => {{
  document.getElementById("reports").textContent = reports.join(" ");
}});
</script></head><body>
{frames}
<p id="reports"></p>
</body></html>"""


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", "--allow-file-access-from-files",
                           "--virtual-time-budget=5000", *args],
                          capture_output=True, text=True, timeout=180)


def pages(built: Path) -> list[Path]:
    return [built / f"fsc-pc-92-dprk.{lang}.html" for lang in LANGS] + [built.parent / "index.html"]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_none_is_blank(built, tmp_path, width):
    """All pages at once, one frame each, stacked: one browser run reads every page's
    widths, one screenshot shows every page's first screen."""
    shown = pages(built)
    frames = []
    for i, page in enumerate(shown):
        assert page.is_file(), page
        copy = tmp_path / f"{page.stem}.probe.html"
        copy.write_text(page.read_text("utf-8").replace("</body>", PROBE % i + "</body>"), "utf-8")
        frames.append(f'<iframe src="{copy.as_uri()}" width="{width}" height="{HEIGHT}"></iframe>')
    wrapper = tmp_path / f"pages.{width}.html"
    wrapper.write_text(FRAMES.format(frames="\n".join(frames)), "utf-8")
    window = f"--window-size={max(width, 500)},{HEIGHT * len(shown)}"

    dom = chromium(window, "--dump-dom", wrapper.as_uri()).stdout
    listed = re.search(r'<p id="reports">([^<]*)</p>', dom)
    assert listed, dom[-2000:]
    reports = {int(m[0]): tuple(map(int, m[1:])) for m in
               re.findall(r"(\d+)x(\d+)x(\d+)x(\d+)", listed.group(1))}
    assert sorted(reports) == list(range(len(shown))), dom[-2000:]
    problems = []
    for i, page in enumerate(shown):
        scroll, client, inner = reports[i]
        assert inner == width, (page.name, inner)
        if scroll != client:
            problems.append(f"{page.name} at {width} px: scrollWidth {scroll} != clientWidth {client}")

    shot = tmp_path / f"pages.{width}.png"
    chromium(window, f"--screenshot={shot}", wrapper.as_uri())
    with Image.open(shot) as image:
        grey = image.convert("L")
        for i, page in enumerate(shown):
            view = grey.crop((0, i * HEIGHT, width, (i + 1) * HEIGHT))
            dark = sum(view.histogram()[:128])
            if dark < 500:  # text on the first screen: thousands of dark pixels
                problems.append(f"{page.name} at {width} px: the first screen is blank "
                                f"({dark} dark px)")
    assert not problems, problems


# ---------------------------------------------------------------- the fonts a reader sees

class DevTools:
    """Headless Chromium driven over the DevTools protocol on a pipe (file descriptors 3
    and 4, NUL-separated JSON), so the test asks the browser itself which fonts it used."""

    def __init__(self, profile: Path) -> None:
        import os

        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        # The browser reads commands on fd 3 and writes replies on fd 4 (placed there by a
        # small launcher: a shell cannot name descriptors above 9).
        launcher = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
                    "os.execv(sys.argv[3], sys.argv[3:])")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", launcher, str(to_browser), str(from_browser), tool("chromium"),
             "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--allow-file-access-from-files", f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_browser, from_browser), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._id = 0

    def send(self, method: str, session: str | None = None, **params: object) -> dict:
        import json
        import os

        self._id += 1
        message: dict[str, object] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._read, 1 << 20)
                assert chunk, "the browser closed the pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def close(self) -> None:
        import os

        os.close(self._write)
        os.close(self._read)
        self.proc.kill()
        self.proc.wait()


def used_fonts(browser: DevTools, page: Path) -> dict[str, set[tuple[str, bool]]]:
    """The text of each element of ``page`` (shortened) -> (family, web font?) of every
    font Chromium drew it in."""
    import time

    target = browser.send("Target.createTarget", url="about:blank")["targetId"]
    session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    browser.send("Page.navigate", session, url=page.as_uri())
    deadline = time.monotonic() + 60
    while True:  # until the page (not about:blank) has loaded and its fonts are ready
        try:
            state = browser.send("Runtime.evaluate", session, awaitPromise=True, expression=(
                "document.fonts.ready.then(() => location.href + ' ' + document.readyState)"))
        except RuntimeError:  # the context went away: the navigation is under way
            state = {}
        if state.get("result", {}).get("value") == f"{page.as_uri()} complete":
            break
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    browser.send("DOM.enable", session)
    browser.send("CSS.enable", session)
    root = browser.send("DOM.getDocument", session, depth=-1)["root"]
    found: dict[str, set[tuple[str, bool]]] = {}

    def walk(node: dict) -> None:
        children = node.get("children", [])
        text = "".join(c.get("nodeValue", "") for c in children if c.get("nodeType") == 3)
        if node.get("nodeName") not in ("STYLE", "SCRIPT", "TITLE") and text.strip():
            fonts = browser.send("CSS.getPlatformFontsForNode", session, nodeId=node["nodeId"])
            found[" ".join(text.split())[:40]] = {(f["familyName"], f["isCustomFont"])
                                                    for f in fonts["fonts"]}
        for child in children:
            walk(child)

    walk(root)
    browser.send("Target.closeTarget", targetId=target)
    return found


OWN_FACE = {"English": "Noto Serif", "français": "Noto Serif", "Deutsch": "Noto Serif",
            "italiano": "Noto Serif", "русский": "Noto Serif", "español": "Noto Serif",
            "українська": "Noto Serif", "العربية": "Amiri", "PDF": "Noto Serif",
            "DOCX": "Noto Serif"}
"""Language and format names of the page tools, each drawn in the face of its own script
on every page (Latin and Cyrillic ones in Noto Serif on an Arabic page too)."""


def test_every_text_is_drawn_in_the_embedded_pdf_fonts(built, tmp_path):
    """No text of any page falls back to a font of the machine: Chromium draws it all in
    the web fonts the page embeds (the PDF's Noto Serif and Amiri), Arabic included; and
    the language list draws each name in its own script's face."""
    browser = DevTools(tmp_path / "profile")
    try:
        problems = []
        for page in pages(built)[:-1]:
            fonts = used_fonts(browser, page)
            assert len(fonts) > 20, (page.name, fonts)
            for text, used in fonts.items():
                wrong = {f for f in used if not f[1] or f[0] not in ("Noto Serif", "Amiri")}
                if wrong or not used:
                    problems.append(f"{page.name}: {text!r} drawn in {sorted(used)}")
            for name, face in OWN_FACE.items():
                if fonts.get(name) != {(face, True)}:
                    problems.append(f"{page.name}: {name!r} drawn in {fonts.get(name)}, "
                                    f"not {face}")
            families = {family for used in fonts.values() for family, _ in used}
            assert "Noto Serif" in families and "Amiri" in families, (page.name, families)
    finally:
        browser.close()
    assert not problems, "\n".join(problems[:20])
