"""Making reports to test, and reading their PDFs back as a reader's software would."""

import tempfile
from collections.abc import Set
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import pikepdf
from outloud import check
from pypdf import PdfReader

from accounts.models import User
from assessments.models import Assessment
from assessments.services import assessment_update_details, section_answers_save, section_complete
from tests.helpers import answer_for

SUMMARY = {
    "summary_inequalities": "People in the most deprived wards claim far less of the benefits they are owed.",
    "summary_changes": "Welfare advice in the GP practice reaches people who never visit an advice centre.",
    "summary_uncertainties": "Whether the extra income improves health within the two years of the evaluation.",
}


def answer_all(assessment: Assessment, user: User, *, skip: Set[str] = frozenset()) -> None:
    """Answer every question of every section (but those in `skip`), as the section pages would."""
    for section in assessment.toolkit_version.sections.prefetch_related("questions"):
        values = {q.key: answer_for(q) for q in section.questions.all() if q.key not in skip}
        section_answers_save(assessment=assessment, section=section, values=values, user=user)


def answer_some(assessment: Assessment, user: User, count: int) -> None:
    """Answer the first `count` questions, in the order the toolkit asks them."""
    questions = [
        q for s in assessment.toolkit_version.sections.prefetch_related("questions") for q in s.questions.all()
    ]
    for question in questions[:count]:
        values = {question.key: answer_for(question)}
        section_answers_save(assessment=assessment, section=question.section, values=values, user=user)


def complete_all(assessment: Assessment, user: User) -> None:
    """A finished assessment: every answer, the summary, a review date, every section complete."""
    answer_all(assessment, user)
    assessment_update_details(assessment=assessment, details={**SUMMARY, "review_date": date(2027, 3, 31)}, user=user)
    for section in assessment.toolkit_version.sections.all():
        assert section_complete(assessment=assessment, section=section, user=user) == []
    assessment.refresh_from_db()


def pdf_text(data: bytes) -> str:
    """All text of the PDF with whitespace collapsed (lines wrap anywhere in a PDF)."""
    return " ".join(page_texts(data))


def page_texts(data: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    reader = PdfReader(BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def squash(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class PageText:
    tagged: str  # what a screen reader reads, in content order
    artifacts: str  # what it skips: page furniture such as running headers and footers
    untagged: str  # neither: a PDF/UA failure


def page_text_by_marking(data: bytes, number: int) -> PageText:
    """Page `number`'s text, split by how its marked content is tagged."""
    page = PdfReader(BytesIO(data)).pages[number - 1]
    stack: list[str] = []
    found: dict[str, list[str]] = {"tagged": [], "artifacts": [], "untagged": []}

    def before(operator: bytes, operands: list, *_: object) -> None:
        if operator in (b"BDC", b"BMC"):
            stack.append(str(operands[0]))
        elif operator == b"EMC" and stack:
            stack.pop()

    def text(value: str, *_: object) -> None:
        kind = "untagged" if not stack else "artifacts" if "/Artifact" in stack else "tagged"
        found[kind].append(value)

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return PageText(**{kind: " ".join("".join(parts).split()) for kind, parts in found.items()})


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


def accessibility_findings(data: bytes) -> list[str]:
    """Every error and warning the outloud checker (PDF/UA-1 and WCAG 2.2) finds, one line each."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        result = check(file.name)
    assert result.error is None, result.error
    crashed = [run.rule for run in result.runs if run.status == "crashed"]
    assert not crashed, f"checker rules crashed: {crashed}"
    return [
        f"{f.severity} {f.rule} p.{f.page}: {f.message} ({f.evidence})"
        for f in result.findings
        if f.severity in ("error", "warning")
    ]
