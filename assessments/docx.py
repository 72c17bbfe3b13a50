"""The report as an editable Word document, from the same build_report() data as the PDF.

Made by the worker in a limited child process, like the PDF (assessments/tasks.py). It has
what a screen reader and Word's accessibility checker look for: headings in Word's
Heading 1 to 3 styles in the report's order, tables whose header row is marked to repeat
(and is announced as a header), a table title for each table, the document language
(en-GB) in the styles, and the title and author in the document properties.
"""

import io
import re
from datetime import date

from django.utils.dateformat import format as date_format
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from assessments.report import ReportAnswer, ReportData

LANGUAGE = "en-GB"
# Characters XML 1.0 cannot hold (answers saved before control characters were stripped).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _clean(text: str) -> str:
    return NOT_XML.sub("", text)


def _set_language(document: DocumentType) -> None:
    """en-GB as the language of every style, so Word spell-checks and screen readers speak it as English."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        document.styles.element.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        properties.append(language)
    language.set(qn("w:val"), LANGUAGE)
    language.set(qn("w:bidi"), "ar-SA")  # right-to-left answers (Arabic, Hebrew) keep their own direction
    document.core_properties.language = LANGUAGE


def _add_text(paragraph: Paragraph, text: str) -> None:
    """Text with its single line breaks kept as breaks within the paragraph."""
    for number, line in enumerate(_clean(text).split("\n")):
        if number:
            paragraph.add_run().add_break(WD_BREAK.LINE)
        paragraph.add_run(line)


def _add_paragraphs(document: DocumentType, text: str, style: str | None = None) -> None:
    """Text as Django's linebreaks shows it: a paragraph for each blank-line-separated part."""
    for part in re.split(r"\n\s*\n", text.strip()):
        _add_text(document.add_paragraph(style=style), part)


def _add_link(paragraph: Paragraph, text: str, url: str) -> None:
    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    run_properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    run_properties.append(style)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    run_properties.append(underline)
    run.append(run_properties)
    text_element = OxmlElement("w:t")
    text_element.text = _clean(text)
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def _add_markdown_line(document: DocumentType, text: str) -> None:
    """Editor-written Markdown (the toolkit's attribution) as plain text with its links."""
    for part in re.split(r"\n\s*\n", text.strip()):
        paragraph = document.add_paragraph()
        position = 0
        for match in MARKDOWN_LINK.finditer(part):
            paragraph.add_run(_clean(part[position : match.start()]))
            _add_link(paragraph, match.group(1), match.group(2))
            position = match.end()
        paragraph.add_run(_clean(part[position:]))


def _table(document: DocumentType, title: str, header: list[str] | None, rows: list[list[str]]) -> Table:
    """A table with a title (Word's alt text) and, if it has one, a header row that repeats on every page."""
    table = document.add_table(rows=0, cols=len(header or rows[0]))
    table.style = "Table Grid"
    properties = table._tbl.tblPr
    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), title)
    properties.append(caption)
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        row_properties = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        row_properties.append(repeat)
    for values in rows:
        cells = table.add_row().cells
        for column, (cell, text) in enumerate(zip(cells, values, strict=True)):
            _add_text(cell.paragraphs[0], text)
            if column == 0 and not header:
                cell.paragraphs[0].runs[0].bold = True  # the row's name
    return table


def _caption(document: DocumentType, text: str) -> None:
    document.add_paragraph(text, style="Caption")


def _date(value: date | None) -> str:
    return date_format(value, "j F Y") if value else "Not given"


def _answer(document: DocumentType, row: ReportAnswer) -> None:
    if row.text:
        _add_paragraphs(document, row.text)
    elif row.choices:
        for choice in row.choices:
            document.add_paragraph(_clean(choice), style="List Bullet")
    else:
        document.add_paragraph("Not answered")


def build_document(report: ReportData) -> DocumentType:
    document = Document()
    _set_language(document)
    properties = document.core_properties
    properties.title = f"{report.title}: inequalities impact report"[:255]
    properties.author = report.owner_name[:255]
    properties.subject = "Health inequalities impact assessment"

    document.add_paragraph("Inequalities impact report")
    document.add_heading(_clean(report.title), level=1)
    if report.is_draft:
        document.add_paragraph().add_run(report.draft_label).bold = True
        document.add_paragraph(
            f"This report is not final: {report.sections_completed} of {len(report.sections)} sections are marked "
            f"complete and {report.answered} of {report.total} questions are answered."
        )
    facts = [
        ["Organisation", report.organisation],
        ["Type of work", report.work_type],
        ["Prepared by", report.owner_name],
        *([["With", ", ".join(report.team)]] if report.team else []),
        ["Lead and team", report.lead_and_team or "Not given"],
        ["Review date", _date(report.review_date) if report.review_date else "Not set"],
        ["Date generated", _date(report.generated_at)],
        ["Toolkit", f"{report.toolkit_name}, version {report.toolkit_version}"],
        ["Status", f"{report.status}: {report.answered} of {report.total} questions answered ({report.percent}%)"],
    ]
    _table(document, "About this assessment", None, facts)

    # The same order as the PDF (templates/report/body.html): the team's summary first.
    document.add_heading("Summary of findings", level=2)
    document.add_paragraph("Written by the team, in their own words.")
    for finding in report.findings:
        document.add_heading(_clean(finding.label), level=3)
        _add_paragraphs(document, finding.text or "Not written yet")

    document.add_heading("About this report", level=2)
    document.add_paragraph(
        "This report sets out how the work described below could affect health inequalities, and what the team "
        f"will do about it. It was written with the {report.toolkit_name} ({report.toolkit_short_name}), which "
        "asks how the work bears on inequalities in health that come from socio-economic conditions, how its "
        "design and evaluation respond, and what wider effects it could have."
    )
    _add_markdown_line(document, report.attribution)
    document.add_heading("The work", level=3)
    for label, value in [
        ("Description", report.description),
        ("Population and place", report.population_and_place),
        ("Public advisers involved", report.public_advisers),
        ("Start date", _date(report.start_date) if report.start_date else ""),
    ]:
        document.add_paragraph().add_run(label).bold = True
        _add_paragraphs(document, value or "Not given")

    document.add_heading("At a glance", level=2)
    _caption(document, "Progress by section")
    _table(
        document,
        "Progress by section",
        ["Section", "Questions answered", "Status"],
        [[f"{s.number}. {s.title}", f"{s.answered} of {s.total}", s.status] for s in report.sections],
    )
    if report.dimensions:
        _caption(document, "Dimensions of inequality considered")
        _table(
            document,
            "Dimensions of inequality considered",
            ["Dimension", "Considered", "Not considered"],
            [
                [row.group, "; ".join(row.considered) or "None", "; ".join(row.not_considered) or "None"]
                for row in report.dimensions
            ],
        )
        if not report.dimensions_answered:
            document.add_paragraph("The dimensions checklist has not been filled in yet.")

    document.add_heading("Public involvement across the work", level=3)
    if report.public_involvement:
        document.add_paragraph(
            "Each section ends by asking how members of the public have shaped, or will shape, that part of the "
            "work. The answers are printed where they were asked:"
        )
        for item in report.public_involvement:
            document.add_paragraph(
                _clean(f"Section {item.section_number}. {item.section_title}: question {item.answer.number}"),
                style="List Bullet",
            )
    else:
        document.add_paragraph("This toolkit version has no public involvement questions.")

    for section in report.sections:
        document.add_heading(f"Section {section.number}. {section.title}", level=2)
        document.add_paragraph(_clean(section.purpose))
        group = ""
        for row in section.answers:
            if row.group and row.group != group:
                document.add_paragraph().add_run(_clean(row.group)).bold = True
            group = row.group
            heading, more = row.question_parts
            document.add_heading(_clean(f"{row.number} {heading}"), level=3)
            if more:
                document.add_paragraph().add_run(_clean(more)).bold = True
            _answer(document, row)

    if report.kept_answers:
        document.add_heading(report.kept_heading, level=2)
        document.add_paragraph(
            f"This assessment was moved to version {report.toolkit_version} of the toolkit, which does not ask these "
            "questions as they were asked. The team’s answers are kept as they were written, each with its question "
            "as it was asked in the version named."
        )
        for kept in report.kept_answers:
            document.add_heading(_clean(f"{kept.number} {kept.question}"), level=3)
            document.add_paragraph(f"Asked in version {kept.version_label}")
            if kept.text:
                _add_paragraphs(document, kept.text)
            for choice in kept.choices:
                document.add_paragraph(_clean(choice), style="List Bullet")

    document.add_heading("Action plan and review", level=2)
    document.add_paragraph("No actions have been recorded for this assessment yet.")
    review = document.add_paragraph()
    review.add_run("Review date: ").bold = True
    review.add_run(_date(report.review_date) if report.review_date else "Not set")

    document.add_heading("Sign-off", level=2)
    document.add_paragraph("To be completed by the person approving this assessment.")
    _table(document, "Sign-off", None, [["Name", ""], ["Role", ""], ["Signature", ""], ["Date", ""]])

    document.add_heading("Resources", level=2)
    for resource in report.resources:
        paragraph = document.add_paragraph(style="List Bullet")
        year = f", {resource.year}" if resource.year else ""
        paragraph.add_run(_clean(f"{resource.title}. {resource.who}{year}. "))
        _add_link(paragraph, resource.url, resource.url)
    return document


def report_docx(report: ReportData) -> bytes:
    """The .docx file's bytes (the worker runs this in a limited child process)."""
    buffer = io.BytesIO()
    build_document(report).save(buffer)
    return buffer.getvalue()
