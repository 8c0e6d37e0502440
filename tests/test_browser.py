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
