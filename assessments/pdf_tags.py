"""Finish WeasyPrint's tagged PDF so that it reads as PDF/UA-1 asks.

WeasyPrint 70 tags the document from the HTML, with three gaps this module closes, as a
`finisher` run on the PDF objects just before they are written:

- Running headers and footers (the `@page` margin boxes) are marked as tagged content
  that hangs outside the structure tree (Kozea/WeasyPrint#1836: PDF 1.7 has no place
  for them in the tree). PDF/UA wants page furniture marked as artifacts, so a screen
  reader skips it: their marked content becomes `/Artifact <</Type /Pagination>>`.
- Table header cells get no `/Scope`. The report's tables put column headers in
  `<thead>` and row headers in the body (tests/test_report_pdfua.py checks the templates
  keep to it), so each TH gets `/Column` or `/Row` from where it sits.
- A link annotation describes itself by its target: the address for a web link, which
  is right, but the bare anchor name ("question-s1_involvement") for a link within the
  document. Those are named by the text of the element they lead to, a heading. Every
  link annotation gets the Print flag, so print and screen agree.
"""

from collections.abc import Iterator
from typing import Any

import pydyf

# Annotation flag bit 3: print the annotation (PDF 1.7, 12.5.3).
PRINT_FLAG = 4


def _number(reference: bytes | str) -> int:
    return int(reference.split()[0])


class _Objects:
    """The PDF's objects by reference."""

    def __init__(self, pdf: pydyf.PDF) -> None:
        self.pdf = pdf

    def __getitem__(self, reference: bytes | str) -> Any:
        return self.pdf.objects[_number(reference)]


def _tree(objects: _Objects, root: pydyf.Dictionary) -> Iterator[pydyf.Dictionary]:
    """Every structure element reachable from the structure tree root, parents first."""
    stack = [objects[ref] for ref in reversed(root["K"])]
    while stack:
        element = stack.pop()
        if not isinstance(element, pydyf.Dictionary) or element.get("Type") != "/StructElem":
            continue
        yield element
        kids = element.get("K", [])
        stack.extend(objects[kid] for kid in reversed(kids) if isinstance(kid, bytes | str))


def _artifact_page_furniture(objects: _Objects, pdf: pydyf.PDF, in_tree: set[int]) -> None:
    """Mark content tagged outside the structure tree (the margin boxes) as artifacts."""
    root = objects[pdf.catalog["StructTreeRoot"]]
    numbers = objects[root["ParentTree"]]["Nums"]
    pages = [objects[ref] for ref in pdf.page_references]
    for key, entry in zip(numbers[::2], numbers[1::2], strict=True):
        if not isinstance(entry, pydyf.Array) or key >= len(pages):
            continue  # an annotation's entry, not a page's marked content
        outside = {mcid for mcid, ref in enumerate(entry) if _number(ref) not in in_tree}
        if not outside:
            continue
        stream = objects[pages[key]["Contents"]].stream
        for index, item in enumerate(stream):
            if isinstance(item, pydyf.Dictionary) and item.get("MCID") in outside:
                stream[index - 1] = "/Artifact"
                stream[index] = pydyf.Dictionary({"Type": "/Pagination"})
        for mcid in outside:
            entry[mcid] = "null"


def _scope_header_cells(objects: _Objects, elements: list[pydyf.Dictionary]) -> None:
    for element in elements:
        if element["S"] != "/TH":
            continue
        row_group = objects[objects[element["P"]]["P"]]
        scope = "/Column" if row_group.get("S") == "/THead" else "/Row"
        attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attributes["Scope"] = scope


def _text_by_id(document: Any) -> dict[str, str]:
    """Each element id of the laid-out HTML with the element's text, whitespace collapsed."""
    root = document.pages[0]._page_box.children[0].element  # the page's first box is <html>'s
    return {
        element.get("id"): " ".join("".join(element.itertext()).split())
        for element in root.iter()
        if isinstance(element.tag, str) and element.get("id")
    }


def _describe_links(document: Any) -> None:
    texts: dict[str, str] | None = None
    for page in document.pages:
        for link_type, target, _rect, box in page.links:
            annotation = box.link_annotation
            if annotation is None:
                continue
            annotation["F"] = PRINT_FLAG
            if link_type == "internal":
                texts = texts if texts is not None else _text_by_id(document)
                annotation["Contents"] = pydyf.String(texts.get(target) or target)


def finish_pdfua(document: Any, pdf: pydyf.PDF) -> None:
    """WeasyPrint `write_pdf(finisher=...)`: close the gaps above in a tagged PDF."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    objects = _Objects(pdf)
    root = objects[pdf.catalog["StructTreeRoot"]]
    elements = list(_tree(objects, root))
    _artifact_page_furniture(objects, pdf, {element.number for element in elements})
    _scope_header_cells(objects, elements)
    _describe_links(document)
