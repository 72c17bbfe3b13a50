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


def structure_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The tagged structure elements in reading order (what a screen reader walks)."""
    elements: list[pikepdf.Dictionary] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") != "/OBJR":
            if "/S" in node:
                elements.append(node)
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return elements
