"""Regenerate examples/sample.pdf: page 1 has a text layer (two columns), page 2 is a scanned invoice.

.venv/bin/python examples/make_samples.py
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

LEFT = [
    "Document AI at volume",
    "Teams that read invoices, receipts",
    "and scanned reports need faithful",
    "text with boxes and confidence.",
]
RIGHT = [
    "ocrops converts, measures and",
    "serves OCR engines on your own",
    "documents, with numbers you can",
    "trust and gates you can fail on.",
]
INVOICE = [
    ("INVOICE 2026-0042", ""),
    ("ACME Paper Supplies Ltd", ""),
    ("Copy paper A4, 5 boxes", "42.50"),
    ("Toner cartridge", "89.90"),
    ("Delivery", "7.00"),
    ("TOTAL", "139.40"),
]


def scanned_invoice() -> Image.Image:
    width, height = 1654, 2339  # A4 at 200 dpi
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 44)
    y = 200
    for item, amount in INVOICE:
        draw.text((160, y), item, font=font, fill=0)
        if amount:
            right = width - 160 - draw.textlength(amount, font=font)
            draw.text((right, y), amount, font=font, fill=0)
        y += 90
    return image


def main() -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawString(72, height - 90, "ocrops sample document")
    pdf.setFont("Helvetica", 12)
    for column, lines in ((72, LEFT), (width / 2 + 10, RIGHT)):
        for i, line in enumerate(lines):
            pdf.drawString(column, height - 140 - 18 * i, line)
    pdf.showPage()
    png = io.BytesIO()
    scanned_invoice().save(png, format="PNG", optimize=True)
    pdf.drawImage(ImageReader(io.BytesIO(png.getvalue())), 0, 0, width=width, height=height)
    pdf.showPage()
    pdf.save()
    (HERE / "sample.pdf").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main()
