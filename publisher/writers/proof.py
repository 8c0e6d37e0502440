"""Proof sheet: page 1 of every PDF side by side on one PNG, so a press officer can
eyeball every language at once before sending anything out."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

THUMB_WIDTH = 420
LABEL_HEIGHT = 34
GAP = 16


def render_first_page(pdf: Path, width: int = THUMB_WIDTH) -> Image.Image:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[0]
        scale = width / page.get_width()
        image = page.render(scale=scale).to_pil().convert("RGB")
        page.close()
    finally:
        doc.close()
    return image


def contact_sheet(pdfs: list[tuple[str, Path]], label_font: Path, columns: int = 4) -> bytes:
    """A PNG grid of page 1 of each (label, pdf), labelled, in the given order."""
    thumbs = [(label, render_first_page(pdf)) for label, pdf in pdfs]
    height = max(img.height for _, img in thumbs)
    rows = (len(thumbs) + columns - 1) // columns
    cols = min(columns, len(thumbs))
    sheet = Image.new("RGB", (GAP + cols * (THUMB_WIDTH + GAP),
                              GAP + rows * (height + LABEL_HEIGHT + GAP)), (228, 228, 228))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(str(label_font), 18)
    for i, (label, img) in enumerate(thumbs):
        x = GAP + (i % columns) * (THUMB_WIDTH + GAP)
        y = GAP + (i // columns) * (height + LABEL_HEIGHT + GAP)
        draw.text((x, y + 6), label, fill=(20, 20, 20), font=font)
        sheet.paste(img, (x, y + LABEL_HEIGHT))
        draw.rectangle((x - 1, y + LABEL_HEIGHT - 1, x + img.width, y + LABEL_HEIGHT + img.height),
                       outline=(150, 150, 150))
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)
    return out.getvalue()
