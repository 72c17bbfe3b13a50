"""What one autosave costs, and that the cheaper path still reopens completed sections.

Autosave sends a save every few seconds per person, so `services.answer_save` is the
busiest write in the service (bench/autosave_bench.py). A save to a section that is not
complete must not read that section's questions and answers: only a completed section can
be reopened by a blanked required answer.
"""

import json
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.answer_types import rules_for
from assessments.models import Answer, SectionCompletion
from tests.helpers import answer_for
from toolkit_content.models import Question, Section


def _section_one(assessment) -> Section:
    return assessment.toolkit_version.sections.get(number=1)


def _answer_all(assessment, user, section: Section) -> None:
    for question in section.questions.all():
        value = rules_for(question).validate_value(question, answer_for(question))
        services.answer_save(assessment=assessment, question=question, value=value, base_version=0, user=user)


def _json_save(client, assessment, question: Question, text: str):
    version = Answer.objects.get(assessment=assessment, question=question).version
    body = {"value": text, "base_version": version, "client_id": uuid.uuid4().hex}
    return client.post(
        reverse("answer_save", args=[assessment.pk, question.key]), json.dumps(body), content_type="application/json"
    )


def _required_long_text(section: Section) -> Question:
    question = section.questions.filter(required=True, answer_type=Question.AnswerType.LONG_TEXT).first()
    assert question is not None, f"section {section.number} has no required long-text question"
    return question


def test_a_save_to_a_section_in_progress_reads_no_questions_and_updates_no_completions(alice, assessment):
    section = _section_one(assessment)
    question = _required_long_text(section)
    with CaptureQueriesContext(connection) as context:
        saved = services.answer_save(
            assessment=assessment, question=question, value="First words", base_version=0, user=alice
        )
    assert saved.version == 1 and saved.changed
    sql = [query["sql"] for query in context.captured_queries]
    assert not [s for s in sql if '"toolkit_content_question"' in s], sql
    assert not [s for s in sql if s.startswith('UPDATE "assessments_sectioncompletion"')], sql
    assessment.refresh_from_db()
    assert assessment.revision == 2


def test_a_json_save_blanking_a_required_answer_reopens_the_completed_section(alice, alice_client, assessment):
    section = _section_one(assessment)
    _answer_all(assessment, alice, section)
    assert services.section_complete(assessment=assessment, section=section, user=alice) == []

    response = _json_save(alice_client, assessment, _required_long_text(section), "")

    assert response.status_code == 200
    assert not SectionCompletion.objects.current().filter(assessment=assessment, section=section).exists()
    completion = SectionCompletion.objects.get(assessment=assessment, section=section)
    assert completion.reopened_by == alice and completion.reopened_at is not None


def test_a_json_save_that_keeps_every_required_answer_keeps_the_section_complete(alice, alice_client, assessment):
    section = _section_one(assessment)
    _answer_all(assessment, alice, section)
    assert services.section_complete(assessment=assessment, section=section, user=alice) == []
    revision = type(assessment).objects.get(pk=assessment.pk).revision

    response = _json_save(alice_client, assessment, _required_long_text(section), "Reworded, still answered")

    assert response.status_code == 200
    assert SectionCompletion.objects.current().filter(assessment=assessment, section=section).exists()
    assert type(assessment).objects.get(pk=assessment.pk).revision == revision + 1
