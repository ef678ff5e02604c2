"""Generate test documents with known content: PDFs, scans, office files, HTML, images, hostile files.

Every generator writes to the path it is given and returns what a reader should find there,
so tests assert on real content. Generation is deterministic and fast (small pages).
Needs reportlab (test extra); everything else is a runtime dependency of ocrops.
"""

from __future__ import annotations

import base64
import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

TITLE = "Quarterly Report"
LEFT_COLUMN = [
    "Revenue grew strongly in the",
    "northern region while costs",
    "stayed flat across all units.",
    "Margins improved for the third",
    "consecutive quarter this year.",
]
RIGHT_COLUMN = [
    "Hiring slowed in October but",
    "the backlog of open orders",
    "reached a record level before",
    "the winter holidays arrived.",
    "Outlook remains cautiously good.",
]
SCAN_TEXT = ["Invoice 2024-117", "Total due 1,250.00 EUR", "Payment within 30 days"]


# --------------------------------------------------------------------------- images


@lru_cache(maxsize=8)
def font(size: int = 32, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when installed, else Pillow's built-in scalable font."""
    path = DEJAVU_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def text_image(
    text: str,
    size: tuple[int, int] | None = None,
    font_size: int = 32,
    margin: int = 20,
    mode: str = "RGB",
) -> Image.Image:
    """Black text (lines split on newlines) on white; sized to fit when ``size`` is None."""
    face = font(font_size)
    spacing = font_size // 3
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.multiline_textbbox((0, 0), text, font=face, spacing=spacing)
    if size is None:
        size = (right + 2 * margin, bottom + 2 * margin)
    image = Image.new("L", size, 255)
    ImageDraw.Draw(image).multiline_text(
        (margin - left, margin - top), text, fill=0, font=face, spacing=spacing
    )
    return image.convert(mode) if mode != "L" else image


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def png_image(path: Path, text: str = "Hello PNG page", dpi: int = 300) -> str:
    text_image(text).save(path, format="PNG", dpi=(dpi, dpi))
    return text


def jpeg_image(path: Path, text: str = "Hello JPEG page") -> str:
    text_image(text).save(path, format="JPEG", quality=90)
    return text


def gif_image(path: Path, text: str = "Hello GIF page") -> str:
    """An animated GIF: the first frame holds ``text``; the second frame is different."""
    first = text_image(text).convert("P")
    second = text_image("SECOND FRAME", size=first.size).convert("P")
    first.save(path, format="GIF", save_all=True, append_images=[second], duration=100)
    return text


def webp_image(path: Path, text: str = "Hello WebP page") -> str:
    text_image(text).save(path, format="WEBP", lossless=True)
    return text


def bmp_image(path: Path, text: str = "Hello BMP page") -> str:
    text_image(text).save(path, format="BMP")
    return text


def rgba_png(path: Path, text: str = "Transparent page") -> str:
    """Black text on a fully transparent background (must be composited onto white)."""
    mask = text_image(text, mode="L").point(lambda v: 255 - v)
    image = Image.new("RGBA", mask.size, (0, 0, 0, 0))
    image.putalpha(mask)
    image.save(path, format="PNG")
    return text


def multipage_tiff(path: Path, pages: int = 3) -> list[str]:
    """A TIFF with one frame per page, ``Page N`` on each, sizes differing per page."""
    texts = [f"Page {n} of the TIFF" for n in range(1, pages + 1)]
    frames = [text_image(t, size=(500 + 20 * i, 120)) for i, t in enumerate(texts)]
    frames[0].save(
        path, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw", dpi=(200, 200)
    )
    return texts


def bilevel_tiff(path: Path, text: str = "Bilevel fax page") -> str:
    """A 1-bit CCITT Group 4 TIFF, like a fax or a bilevel scanner output."""
    text_image(text, mode="L").point(lambda v: 255 if v > 128 else 0).convert("1").save(
        path, format="TIFF", compression="group4", dpi=(300, 300)
    )
    return text


@dataclass
class ExifJpeg:
    text: str
    stored_size: tuple[int, int]  # width, height of the pixels in the file
    upright_size: tuple[int, int]  # after applying the EXIF orientation


def exif_rotated_jpeg(path: Path, text: str = "Upright after EXIF") -> ExifJpeg:
    """A JPEG stored rotated 90° counter-clockwise with EXIF orientation 6 (rotate 90° CW to view)."""
    upright = text_image(text)
    stored = upright.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(path, format="JPEG", quality=92, exif=exif)
    return ExifJpeg(text=text, stored_size=stored.size, upright_size=upright.size)


# --------------------------------------------------------------------------- PDFs


def _canvas(path: Path, **kwargs: object):
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    return canvas.Canvas(str(path), pagesize=letter, **kwargs)


def two_column_pdf(path: Path) -> str:
    """A one-page letter PDF with a title and two text columns (a real text layer).

    Returns the text in reading order: title, blank line, left column, blank line, right column.
    """
    pdf = _canvas(path)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(72, 720, TITLE)
    pdf.setFont("Helvetica", 11)
    for column_x, lines in ((72, LEFT_COLUMN), (320, RIGHT_COLUMN)):
        for row, line in enumerate(lines):
            pdf.drawString(column_x, 680 - 16 * row, line)
    pdf.showPage()
    pdf.save()
    return "\n\n".join([TITLE, "\n".join(LEFT_COLUMN), "\n".join(RIGHT_COLUMN)])


def rotated_pdf(path: Path, rotation: int = 90, text: str = "Rotated page text") -> str:
    """A page shown as portrait letter with ``/Rotate rotation``; its text reads upright when shown.

    The text's baseline starts 72 pt from the left and 100 pt from the top of the displayed page.
    """
    from reportlab.lib.pagesizes import letter

    width, height = letter  # the displayed page; reportlab swaps the media box for 90 and 270
    placements = {  # rotation -> (translate x, translate y, rotate degrees counter-clockwise)
        0: (72, height - 100, 0),
        90: (100, 72, 90),
        180: (width - 72, 100, 180),
        270: (height - 100, width - 72, -90),
    }
    dx, dy, angle = placements[rotation]
    pdf = _canvas(path)
    pdf.setPageRotation(rotation)
    pdf.setFont("Helvetica", 24)
    pdf.translate(dx, dy)
    pdf.rotate(angle)
    pdf.drawString(0, 0, text)
    pdf.showPage()
    pdf.save()
    return text


def cropped_pdf(path: Path, text: str = "Cropped page text") -> str:
    """A letter media box shown through a crop box of 400 x 500 pt at (100, 200); text at (150, 600)."""
    pdf = _canvas(path)
    pdf.setCropBox((100, 200, 500, 700))
    pdf.setFont("Helvetica", 20)
    pdf.drawString(150, 600, text)
    pdf.showPage()
    pdf.save()
    return text


def scanned_pdf(path: Path, pages: int = 1, dpi: int = 150) -> list[str]:
    """An image-only PDF (no text layer): each letter page is a rendered text image. Returns page texts."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader

    width, height = letter
    pixels = (round(width / 72 * dpi), round(height / 72 * dpi))
    pdf = _canvas(path)
    texts = []
    for number in range(1, pages + 1):
        text = "\n".join([f"Scanned page {number}", *SCAN_TEXT])
        image = text_image(text, size=pixels, font_size=dpi // 5, margin=dpi)
        pdf.drawImage(ImageReader(image.convert("L")), 0, 0, width=width, height=height)
        pdf.showPage()
        texts.append(text)
    pdf.save()
    return texts


def encrypted_pdf(path: Path, password: str = "secret", text: str = "Top secret content") -> str:
    """A PDF that needs the user password ``password`` to open (RC4 128-bit)."""
    from reportlab.lib import pdfencrypt

    encryption = pdfencrypt.StandardEncryption(password, ownerPassword="owner-" + password, strength=128)
    pdf = _canvas(path, encrypt=encryption)
    pdf.setFont("Helvetica", 14)
    pdf.drawString(72, 700, text)
    pdf.showPage()
    pdf.save()
    return text


def many_pages_pdf(path: Path, pages: int = 300) -> None:
    """A long PDF, one short line per page (``Page N of M``), quick to write."""
    pdf = _canvas(path)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica", 12)
        pdf.drawString(72, 720, f"Page {number} of {pages}")
        pdf.showPage()
    pdf.save()


# --------------------------------------------------------------------------- office and HTML


@dataclass
class Expected:
    """What a structured document holds, in document order per kind."""

    title: str = ""
    headings: list[tuple[int, str]] = field(default_factory=list)  # (level, text)
    paragraphs: list[str] = field(default_factory=list)
    list_items: list[tuple[int, str]] = field(default_factory=list)  # (nesting level from 1, text)
    table: list[list[str]] = field(default_factory=list)  # rows of cell text, header row first
    image_text: str = ""
    pages: int = 1


DOC_TABLE = [["Region", "Q1", "Q2"], ["North", "120", "135"], ["South", "98", "101"]]
IMAGE_TEXT = "Figure text 42"


def office_docx(path: Path) -> Expected:
    """A DOCX: title, headings, paragraphs, a nested list, a table with a header row, one picture."""
    import docx
    from docx.shared import Inches

    expected = Expected(
        title=TITLE,
        headings=[(1, "Introduction"), (2, "Details")],
        paragraphs=["This report covers the first half of the year.", "Closing remarks follow the table."],
        list_items=[(1, "First bullet"), (2, "Nested bullet"), (1, "Second bullet")],
        table=DOC_TABLE,
        image_text=IMAGE_TEXT,
    )
    document = docx.Document()
    document.add_heading(TITLE, level=0)
    document.add_heading("Introduction", level=1)
    document.add_paragraph(expected.paragraphs[0])
    document.add_paragraph("First bullet", style="List Bullet")
    document.add_paragraph("Nested bullet", style="List Bullet 2")
    document.add_paragraph("Second bullet", style="List Bullet")
    document.add_heading("Details", level=2)
    table = document.add_table(rows=len(DOC_TABLE), cols=len(DOC_TABLE[0]))
    table.style = "Table Grid"
    for r, row in enumerate(DOC_TABLE):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_picture(io.BytesIO(png_bytes(text_image(IMAGE_TEXT, font_size=40))), width=Inches(3))
    document.add_paragraph(expected.paragraphs[1])
    document.save(path)
    return expected


def office_pptx(path: Path) -> Expected:
    """A 3-slide PPTX: title slide; bullets with a nested level; a table and a picture."""
    from pptx import Presentation
    from pptx.util import Inches

    expected = Expected(
        title=TITLE,
        headings=[],
        paragraphs=["Prepared by the finance team"],
        list_items=[(1, "Revenue up"), (2, "North strongest"), (1, "Costs flat")],
        table=DOC_TABLE,
        image_text=IMAGE_TEXT,
        pages=3,
    )
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = TITLE
    slide.placeholders[1].text = expected.paragraphs[0]

    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Highlights"
    body = slide.placeholders[1].text_frame
    body.text = "Revenue up"
    for level, text in expected.list_items[1:]:
        paragraph = body.add_paragraph()
        paragraph.text = text
        paragraph.level = level - 1

    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Numbers"
    shape = slide.shapes.add_table(
        len(DOC_TABLE), len(DOC_TABLE[0]), Inches(0.5), Inches(1.5), Inches(6), Inches(2)
    )
    for r, row in enumerate(DOC_TABLE):
        for c, value in enumerate(row):
            shape.table.cell(r, c).text = value
    picture = io.BytesIO(png_bytes(text_image(IMAGE_TEXT, font_size=40)))
    slide.shapes.add_picture(picture, Inches(0.5), Inches(4.5), width=Inches(4))
    deck.save(path)
    return expected


def office_xlsx(path: Path) -> Expected:
    """A 2-sheet XLSX: "Sales" holds the table (header row first) and a picture; "Notes" two cells."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as XlImage

    expected = Expected(title="Sales", table=DOC_TABLE, paragraphs=["Prepared in 2024", "Unaudited"], pages=2)
    expected.image_text = IMAGE_TEXT
    book = Workbook()
    sheet = book.active
    sheet.title = "Sales"
    for row in DOC_TABLE:
        sheet.append([int(v) if v.isdigit() else v for v in row])
    sheet.add_image(XlImage(io.BytesIO(png_bytes(text_image(IMAGE_TEXT, font_size=40)))), "F2")
    notes = book.create_sheet("Notes")
    notes["A1"] = expected.paragraphs[0]
    notes["A3"] = expected.paragraphs[1]
    book.save(path)
    return expected


def html_page(path: Path) -> Expected:
    """An HTML page: h1, h2, paragraphs, a nested list, a table with th/colspan/rowspan, a data: image."""
    image = base64.b64encode(png_bytes(text_image(IMAGE_TEXT, font_size=40))).decode()
    html = f"""<!DOCTYPE html>
<html><head><title>Ignored title</title>
<style>p {{ color: red; }}</style><script>var hidden = "script text";</script></head>
<body>
<h1>{TITLE}</h1>
<p>This report covers
   the first half of the year.</p>
<h2>Introduction</h2>
<ul>
  <li>First bullet
    <ul><li>Nested bullet</li></ul>
  </li>
  <li>Second bullet</li>
</ul>
<table>
  <thead><tr><th>Name</th><th>Qty</th><th>Price</th></tr></thead>
  <tbody>
    <tr><td>Apple</td><td>3</td><td rowspan="2">1.20</td></tr>
    <tr><td colspan="2">Total</td></tr>
  </tbody>
</table>
<p><img src="data:image/png;base64,{image}" alt="figure"></p>
<h3>Details</h3>
<div>Closing remarks follow the table.</div>
</body></html>"""
    path.write_text(html, encoding="utf-8")
    return Expected(
        title=TITLE,
        headings=[(2, "Introduction"), (3, "Details")],
        paragraphs=["This report covers the first half of the year.", "Closing remarks follow the table."],
        list_items=[(1, "First bullet"), (2, "Nested bullet"), (1, "Second bullet")],
        table=[["Name", "Qty", "Price"], ["Apple", "3", "1.20"], ["Total", "", ""]],
        image_text=IMAGE_TEXT,
    )


# --------------------------------------------------------------------------- hostile files


def truncated_copy(source: Path, target: Path, keep: float = 0.5) -> Path:
    """The first ``keep`` fraction of ``source``'s bytes, written to ``target``."""
    data = source.read_bytes()
    target.write_bytes(data[: max(1, int(len(data) * keep))])
    return target


def random_bytes(path: Path, size: int = 4096, seed: int = 7) -> Path:
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def plain_zip(path: Path) -> Path:
    """A valid ZIP archive that is not an office document."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "just a zip\n")
        archive.writestr("data/values.csv", "a,b\n1,2\n")
    return path


def zip_bomb(path: Path, megabytes: int = 200, office: bool = True) -> Path:
    """A small file that inflates to ``megabytes`` MB of zeros; disguised as a DOCX when ``office``."""
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if office:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml" if office else "zeros.bin", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return path


def many_members_zip(path: Path, members: int = 10_050) -> Path:
    """A DOCX-looking ZIP with more members than any real office file has."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for index in range(members):
            archive.writestr(f"word/media/m{index}.bin", b"")
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def huge_png_header(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A tiny PNG whose header declares ``width`` x ``height`` 8-bit gray pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path
