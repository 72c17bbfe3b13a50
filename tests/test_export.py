"""The "Download your answers (JSON)" file: what a program reading it can rely on."""

import json

from django.urls import reverse

from assessments.export import EXPORT_FORMAT
from assessments.progress import Status
from assessments.services import section_answers_save, section_complete
from tests.helpers import answer_for


def export_of(client, assessment) -> tuple[str, dict]:
    response = client.get(reverse("assessment_export", args=[assessment.pk]))
    assert response.status_code == 200
    raw = response.content.decode()
    return raw, json.loads(raw)


def test_export_names_its_format_version(alice_client, assessment):
    _, data = export_of(alice_client, assessment)
    assert data["format"] == EXPORT_FORMAT == "hiat-assessment-export/2"


def test_export_status_is_the_stable_value_not_the_words_shown(alice_client, assessment):
    raw, data = export_of(alice_client, assessment)
    assert data["assessment"]["status"] == "not_started"

    section = assessment.toolkit_version.sections.get(number=1)
    values = {q.key: answer_for(q) for q in section.questions.all()}
    section_answers_save(assessment=assessment, section=section, values=values, user=assessment.owner)
    raw, data = export_of(alice_client, assessment)
    assert data["assessment"]["status"] == "in_progress"

    for section in assessment.toolkit_version.sections.all():
        values = {q.key: answer_for(q) for q in section.questions.all()}
        section_answers_save(assessment=assessment, section=section, values=values, user=assessment.owner)
        assert section_complete(assessment=assessment, section=section, user=assessment.owner) == []
    raw, data = export_of(alice_client, assessment)
    assert data["assessment"]["status"] == "completed"
    # Rewording a label on the pages must not change the file.
    for label in Status.labels:
        assert label not in raw


def test_status_values_are_stable():
    # These are in people's downloaded files: never change them, only the labels.
    assert Status.values == ["not_started", "in_progress", "completed"]


def test_each_answer_carries_its_version_and_who_saved_it_last(alice_client, assessment):
    section = assessment.toolkit_version.sections.get(number=1)
    section_answers_save(assessment=assessment, section=section, values={"s1_problem": "One"}, user=assessment.owner)
    section_answers_save(assessment=assessment, section=section, values={"s1_problem": "Two"}, user=assessment.owner)
    _, data = export_of(alice_client, assessment)
    first, second = data["sections"][0]["answers"][:2]
    assert (first["key"], first["version"], first["updated_by"]) == ("s1_problem", 2, "Alice Owner")
    assert (second["version"], second["updated_by"]) == (0, None)


def test_the_summary_of_findings_is_exported_with_its_status(alice_client, assessment):
    _, data = export_of(alice_client, assessment)
    assert data["assessment"]["summary"] == {
        "main_inequalities": "",
        "what_the_work_will_change": "",
        "still_uncertain": "",
        "status": "not_started",
    }
    written = {
        "summary_inequalities": "Gaps by ward.",
        "summary_changes": "Advice at the GP.",
        "summary_uncertainties": "",
    }
    alice_client.post(reverse("assessment_summary", args=[assessment.pk]), written)
    _, data = export_of(alice_client, assessment)
    assert data["format"] == "hiat-assessment-export/2"  # added keys, same format
    assert data["assessment"]["summary"] == {
        "main_inequalities": "Gaps by ward.",
        "what_the_work_will_change": "Advice at the GP.",
        "still_uncertain": "",
        "status": "in_progress",
    }
