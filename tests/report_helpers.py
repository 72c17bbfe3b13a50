"""Reading report PDFs back, as a reader's software would."""

from io import BytesIO

import pikepdf
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """All text of the PDF with whitespace collapsed (lines wrap anywhere in a PDF)."""
    reader = PdfReader(BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def squash(text: str) -> str:
    return "".join(text.split())


def open_pdf(data: bytes) -> pikepdf.Pdf:
    return pikepdf.Pdf.open(BytesIO(data))
