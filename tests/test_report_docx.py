"""The report's editable Word copy, read back with python-docx: the same content as the PDF,
real headings, tables with repeating header rows, and the document language."""

import io
import re

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from assessments import docx as report_docx_module
from assessments.pdf import report_html
from assessments.renders import CONTENT_TYPES, Kind
from assessments.report import build_report
from assessments.services import section_answers_save
from tests.conftest import DETAILS
from tests.helpers import answer_for, download_report
from tests.report_helpers import squash
from toolkit_content.models import Question


@pytest.fixture
def answered(assessment, alice):
    for section in assessment.toolkit_version.sections.prefetch_related("questions"):
        values = {q.key: answer_for(q) for q in section.questions.all() if q.key != "s2_barriers"}
        section_answers_save(assessment=assessment, section=section, values=values, user=alice)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def document(answered):
    return Document(io.BytesIO(report_docx_module.report_docx(build_report(answered))))


def headings(document) -> list[tuple[int, str]]:
    return [
        (int(p.style.name.removeprefix("Heading ")), p.text)
        for p in document.paragraphs
        if p.style.name.startswith("Heading ")
    ]


def all_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_word_copy_is_downloaded_like_the_pdf(alice_client, answered):
    response = download_report(alice_client, reverse("assessment_report_docx", args=[answered.pk]))
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPES[Kind.DOCX]
    assert re.fullmatch(
        r'attachment; filename="welfare-advice-in-gp-practices-hiat-report-\d{4}-\d{2}-\d{2}\.docx"',
        response["Content-Disposition"],
    )
    assert DETAILS["title"] in all_text(Document(io.BytesIO(response.content)))
    assert alice_client.get(response.wsgi_request.path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_headings_are_word_headings_at_the_levels_and_in_the_order_of_the_report(answered, document):
    found = headings(document)
    html_levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", report_html(answered))]
    assert [level for level, _ in found] == html_levels
    assert found[0] == (1, DETAILS["title"])
    titles = [text for _, text in found]
    for expected in [
        "Summary of findings",
        "About this report",
        "At a glance",
        "Public involvement across the work",
        "Sign-off",
        "Resources",
    ]:
        assert expected in titles
    assert any(t.startswith("Section 1.") for t in titles) and any(t.startswith("Section 4.") for t in titles)


def test_every_question_and_answer_is_in_it(answered, document):
    text = squash(all_text(document))
    for question in Question.objects.filter(section__version=answered.toolkit_version):
        assert squash(f"{question.number} {question.text}") in text, question.number
        if question.key == "s2_barriers" or question.role == "public_involvement":
            continue
        expected = answer_for(question)
        if question.answer_type == "long_text":
            assert isinstance(expected, str)
            first, second = expected.split("\n\n")
            assert squash(first) in text and squash(second) in text, question.key
        else:
            labels = question.choice_labels()
            for value in expected if isinstance(expected, list) else [expected]:
                assert squash(labels[value]) in text
    assert squash("Not answered") in text


def test_answers_keep_their_paragraphs_and_line_breaks(answered, document):
    paragraphs = [p.text for p in document.paragraphs]
    assert "Answer to s1_problem." in paragraphs and "Second paragraph for 1.1." in paragraphs


def test_tables_have_repeating_header_rows_and_titles(document):
    tables = {table._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val")): table for table in document.tables}
    assert {"Progress by section", "Dimensions of inequality considered"} <= set(tables)
    for title in ("Progress by section", "Dimensions of inequality considered"):
        header = tables[title].rows[0]._tr
        repeat = header.trPr.find(qn("w:tblHeader"))
        assert repeat is not None and repeat.get(qn("w:val")) == "true", title
        assert all(run.bold for cell in tables[title].rows[0].cells for run in cell.paragraphs[0].runs)
    assert [c.text for c in tables["Progress by section"].rows[0].cells] == ["Section", "Questions answered", "Status"]


def test_the_document_says_its_language_title_and_author(document):
    defaults = document.styles.element.find(qn("w:docDefaults"))
    language = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert language.get(qn("w:val")) == "en-GB"
    assert document.core_properties.language == "en-GB"
    assert document.core_properties.title == f"{DETAILS['title']}: inequalities impact report"
    assert document.core_properties.author == "Alice Owner"


def test_resources_are_links(answered, document):
    targets = [rel.target_ref for rel in document.part.rels.values() if rel.reltype.endswith("/hyperlink")]
    assert {r.url for r in build_report(answered).resources} <= set(targets)


def test_hostile_and_unusual_text_is_kept_as_text(alice, assessment):
    section = assessment.toolkit_version.sections.get(number=1)
    first, second, third = section.questions.filter(answer_type="long_text")[:3]
    values = {
        first.key: '<script>alert(1)</script> <img src="file:///etc/passwd">',
        second.key: "مرحبا بالعالم שלום 👩🏽‍⚕️ café",
        third.key: "Before\x0bafter\x1fend",  # control characters saved before the forms stripped them
    }
    section_answers_save(assessment=assessment, section=section, values=values, user=alice)
    assessment.refresh_from_db()
    text = all_text(Document(io.BytesIO(report_docx_module.report_docx(build_report(assessment)))))
    assert '<script>alert(1)</script> <img src="file:///etc/passwd">' in text
    assert "مرحبا بالعالم שלום 👩🏽‍⚕️ café" in text
    assert "Beforeafterend" in text


def test_an_empty_action_plan_is_one_line_and_a_draft_says_so(answered, document):
    paragraphs = [p.text for p in document.paragraphs]
    assert "No actions have been recorded for this assessment yet." in paragraphs
    assert any(p.startswith("Draft: ") for p in paragraphs)
    assert "Not written yet" in paragraphs  # the summary of findings, before the team writes it
