"""The assessment as a plain data structure: the user's own data, downloadable as JSON."""

from typing import Any

from assessments import answer_types
from assessments.models import Answer, Assessment
from assessments.progress import answers_by_question, assessment_progress, sections_with_questions
from assessments.version_move import kept_answers_of
from toolkit_content.models import Question

# Bump the number whenever a field's meaning or values change, so programs reading old files can
# tell. Version 2: "status" is a stable value (not_started, in_progress, completed), not the words
# shown on the pages.
EXPORT_FORMAT = "hiat-assessment-export/2"


def assessment_export_data(assessment: Assessment) -> dict[str, Any]:
    sections = sections_with_questions(assessment.toolkit_version)
    answers = answers_by_question(assessment)
    state = assessment_progress(assessment, sections)
    completed = {s.section.id for s in state.sections if s.completed}
    version = assessment.toolkit_version
    return {
        "format": EXPORT_FORMAT,
        "assessment": {
            "id": str(assessment.pk),
            "title": assessment.title,
            "organisation": assessment.organisation,
            "work_type": assessment.work_type,
            "work_type_label": assessment.work_type_label,
            "description": assessment.description,
            "population_and_place": assessment.population_and_place,
            "lead_and_team": assessment.lead_and_team,
            "public_advisers": assessment.public_advisers,
            "start_date": assessment.start_date.isoformat() if assessment.start_date else None,
            "review_date": assessment.review_date.isoformat() if assessment.review_date else None,
            "owner": {"name": assessment.owner.display_name, "email": assessment.owner.email},
            "created_at": assessment.created_at.isoformat(),
            "updated_at": assessment.updated_at.isoformat(),
            "status": state.status.value,
            "percent_complete": state.percent,
            # Added within format 2: "Summarise your findings", printed first in the report.
            "summary": {
                "main_inequalities": assessment.summary_inequalities,
                "what_the_work_will_change": assessment.summary_changes,
                "still_uncertain": assessment.summary_uncertainties,
                "status": state.summary_status.value,
            },
        },
        "toolkit": {"name": version.toolkit.name, "version": version.label},
        "sections": [
            {
                "number": section.number,
                "title": section.title,
                "completed": section.id in completed,
                "answers": [_answer(q, answers.get(q.id)) for q in section.questions.all()],
            }
            for section in sections
        ],
        # Added within format 2: answers kept with their questions as asked when the
        # assessment moved to a newer toolkit version that does not ask them.
        "answers_to_questions_no_longer_in_the_toolkit": [_kept(answer) for answer in kept_answers_of(assessment)],
    }


def _answer(question: Question, answer: Answer | None) -> dict[str, Any]:
    text, labels = answer_types.display(question, answer)
    return {
        "key": question.key,
        "number": question.number,
        "question": question.text,
        "answer_type": question.answer_type,
        "text": text,
        "selected": list(answer.selected) if answer else [],
        "selected_labels": labels,
        "answered": answer_types.is_answered(question, answer),
        "updated_at": answer.updated_at.isoformat() if answer else None,
        # Added within format 2: the answer's version (0: never answered) and who saved it last.
        "version": answer.version if answer else 0,
        "updated_by": answer.updated_by.display_name if answer and answer.updated_by else None,
    }


def _kept(answer: Answer) -> dict[str, Any]:
    question = answer.question
    return {
        **_answer(question, answer),
        "toolkit_version": question.section.version.label,
        "section_number": question.section.number,
    }
