"""The report PDF as assistive technology meets it: an outside PDF/UA-1 checker finds nothing.

The checker is outloud (docs/adr/0011): its conformance rules follow ISO 14289-1 and the
Matterhorn Protocol as veraPDF does, and its semantic rules catch what a validator cannot,
such as a running header read aloud on every page or a table nested inside itself.
"""

import re

import pikepdf
import pytest

from assessments import pdf as report_pdf_module
from assessments.pdf import render_report_pdf, report_html
from assessments.services import assessment_create
from tests.conftest import DETAILS
from tests.report_helpers import (
    accessibility_findings,
    answer_some,
    complete_all,
    open_pdf,
    page_text_by_marking,
    page_texts,
    structure_elements,
)
from toolkit_content.models import Resource
from toolkit_content.services import version_create_draft, version_publish


@pytest.fixture
def complete_pdf(assessment, alice) -> bytes:
    complete_all(assessment, alice)
    return render_report_pdf(assessment)


@pytest.fixture
def draft_pdf(assessment, alice) -> bytes:
    answer_some(assessment, alice, 9)  # of 26 questions: 35%
    assessment.refresh_from_db()
    return render_report_pdf(assessment)


def test_a_complete_report_passes_the_pdfua_checker(complete_pdf):
    assert accessibility_findings(complete_pdf) == []


def test_a_draft_report_passes_the_pdfua_checker(draft_pdf):
    assert accessibility_findings(draft_pdf) == []


def test_without_the_finishing_step_the_checker_finds_weasyprints_gaps(assessment, alice, monkeypatch):
    """The checker is not asleep: WeasyPrint's own tagging leaves header cells without scope
    and the running header and footer read out on every page."""
    monkeypatch.setattr(report_pdf_module, "finish_pdfua", lambda document, pdf: None)
    answer_some(assessment, alice, 9)
    assessment.refresh_from_db()
    rules = {finding.split()[1] for finding in accessibility_findings(render_report_pdf(assessment))}
    assert {"TBL-002", "PAG-001"} <= rules


def test_the_running_header_and_footer_are_artifacts_a_screen_reader_skips(draft_pdf):
    pages = len(page_texts(draft_pdf))
    for number in range(2, pages + 1):
        text = page_text_by_marking(draft_pdf, number)
        furniture = (
            f"Welfare advice in GP practices Draft: 35% complete Inequalities impact report Page {number} of {pages}"
        )
        assert text.artifacts == furniture
        assert "Inequalities impact report Page" not in text.tagged
        assert text.untagged == ""


def test_no_table_is_nested_in_another_and_each_has_its_caption_first(complete_pdf):
    pdf = open_pdf(complete_pdf)  # keep it open: the elements live in it
    tables = [e for e in structure_elements(pdf) if e.S == "/Table"]
    assert len(tables) == 4  # about this assessment, progress, dimensions, sign-off
    for table in tables:
        kids = [str(kid.S) for kid in table.K if isinstance(kid, pikepdf.Dictionary)]
        assert kids[0] == "/Caption" and kids.count("/Caption") == 1
        assert set(kids[1:]) <= {"/THead", "/TBody"}
        assert "/Table" not in [str(e.S) for e in _descendants(table)]


def _descendants(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    kids = element.get("/K")
    found = []
    for kid in kids if isinstance(kids, pikepdf.Array) else []:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += [kid, *_descendants(kid)]
    return found


def test_header_cells_say_whether_they_head_a_column_or_a_row(complete_pdf):
    pdf = open_pdf(complete_pdf)
    elements = structure_elements(pdf)
    parents = {}
    for element in elements:
        for kid in element.get("/K", []) if isinstance(element.get("/K"), pikepdf.Array) else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                parents[kid.objgen] = element
    headers = [e for e in elements if e.S == "/TH"]
    assert len(headers) >= 20
    for header in headers:
        row_group = parents[parents[header.objgen].objgen]
        assert str(header.A.Scope) == ("/Column" if row_group.S == "/THead" else "/Row")


def test_the_templates_put_column_headers_in_thead_and_row_headers_in_the_body(assessment):
    """What the finishing step relies on to give header cells their scope."""
    html = report_html(assessment)
    for table in re.findall(r"<table.*?</table>", html, re.S):
        head = "".join(re.findall(r"<thead>.*?</thead>", table, re.S))
        body = re.sub(r"<thead>.*?</thead>", "", table, flags=re.S)
        assert all(scope == "col" for scope in re.findall(r'<th scope="(\w+)"', head))
        assert all(scope == "row" for scope in re.findall(r'<th scope="(\w+)"', body))
        assert "<th>" not in table


LONG_ADDRESS = "https://www.example.org/reports/" + "/".join(["health-inequalities-evidence-review"] * 6)


def test_a_web_address_that_wraps_is_still_one_link(toolkit_version, alice):
    # Published content never changes: the resource goes into a new version.
    draft = version_create_draft(source=toolkit_version)
    section = draft.sections.get(number=1)
    Resource.objects.create(section=section, order=99, title="A long address", who="Example", url=LONG_ADDRESS)
    version_publish(version=draft)
    assessment = assessment_create(owner=alice, details=dict(DETAILS))
    complete_all(assessment, alice)
    pdf = open_pdf(render_report_pdf(assessment))
    links = [e for e in structure_elements(pdf) if e.S == "/Link"]
    annotations = [kid.Obj for link in links for kid in link.K if isinstance(kid, pikepdf.Dictionary)]
    # One link element with one annotation for each link of the HTML, however it wraps.
    assert len(links) == len(annotations) == report_html(assessment).count("<a ")
    (long,) = [a for a in annotations if "/A" in a and str(a.A.URI) == LONG_ADDRESS]
    height = abs(float(long.Rect[3]) - float(long.Rect[1]))
    assert height > 3 * 14, "the address did not wrap over several lines: the test shows nothing"
    # Every annotation on the pages is a tagged one: none is left over from a split link.
    on_pages = [annot for page in pdf.pages for annot in page.get("/Annots", [])]
    assert sorted(a.objgen for a in on_pages) == sorted(a.objgen for a in annotations)


def test_links_within_the_report_are_named_by_the_heading_they_lead_to(complete_pdf):
    pdf = open_pdf(complete_pdf)
    annotations = [annot for page in pdf.pages for annot in page.get("/Annots", [])]
    internal = [str(a.Contents) for a in annotations if "/Dest" in a]
    assert len(internal) == 6
    for description in internal:
        assert re.fullmatch(r"\d\.\d+(\([a-z]\))? .+\?", description), description
        assert "question-" not in description and "heading" not in description


def test_a_screen_reader_meets_the_cover_then_the_summary_of_findings(complete_pdf):
    pdf = open_pdf(complete_pdf)
    headings = [e for e in structure_elements(pdf) if re.fullmatch(r"/H\d", str(e.S))]
    assert [str(h.S) for h in headings[:3]] == ["/H1", "/H2", "/H3"]
    first_page = page_text_by_marking(complete_pdf, 1).tagged
    assert first_page.startswith("Inequalities impact report Welfare advice in GP practices About this assessment")
    assert page_text_by_marking(complete_pdf, 2).tagged.startswith("Summary of findings")
