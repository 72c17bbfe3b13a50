"""Moving an assessment to a newer toolkit version: the owner's preview, the move, and where
the answers to questions no longer in the toolkit are shown afterwards.

The cast: alice owns the assessment, bob is an editor on its team, vera a viewer, charlie
an outsider. Alice has answered every question of sections 1 to 3 (3.2a with "Partly")
and 4.1, and marked sections 1 to 3 complete, on version 2026.2. Version 2027.1 (see
tests/versions.py) leaves section 1 alone, drops 2.2 and 4.4, rewords 2.1, adds 2.6 and no
longer offers "Partly" in 3.2a.
"""

import io
import re

import pytest
from django.urls import reverse
from docx import Document
from docx.text.paragraph import Paragraph

from accounts.models import User
from assessments.models import Answer, AnswerRevision, Assessment, Membership, Role, SectionCompletion
from assessments.services import answer_save, section_answers_save, section_complete
from assessments.version_move import KEPT_HEADING
from tests.conftest import PASSWORD, client_for
from tests.helpers import answer_for, assessment_list_row, download_report, hidden_inputs, progress_sentence, text_of
from tests.report_helpers import accessibility_findings, pdf_text
from tests.versions import publish_revised_version, publish_version
from toolkit_content.models import Question, ToolkitVersion

BARRIERS_ANSWER = "Answer to s2_barriers.\n\nCosts, travel and time off work stop people taking part."


def answer_to(question: Question) -> str | list[str]:
    """An answer for any question; texts differ line by line, as real answers do (a line
    repeated at the top of several pages would read as a running header to the PDF checker)."""
    if question.key == "s2_barriers":
        return BARRIERS_ANSWER
    if question.answer_type == Question.AnswerType.LONG_TEXT:
        return f"Answer to {question.key}.\n\nNotes on {question.key.replace('_', ' ')} from the team meeting."
    return answer_for(question)


def asked(key: str, label: str = "2026.2") -> str:
    """A question's text as version `label` asks it."""
    return Question.objects.get(section__version__label=label, key=key).text


@pytest.fixture
def answered(assessment, alice) -> Assessment:
    for section in assessment.toolkit_version.sections.prefetch_related("questions").filter(number__lte=3):
        values = {q.key: answer_to(q) for q in section.questions.all()}
        if section.number == 3:
            values["s3_baseline"] = "partly"
        section_answers_save(assessment=assessment, section=section, values=values, user=alice)
        assert section_complete(assessment=assessment, section=section, user=alice) == []
    section_4 = assessment.toolkit_version.sections.get(number=4)
    section_answers_save(
        assessment=assessment, section=section_4, values={"s4_understanding": "Answer to 4.1."}, user=alice
    )
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def revised(answered) -> ToolkitVersion:
    return publish_revised_version()


@pytest.fixture
def bob(assessment) -> User:
    user = User.objects.create_user("bob@example.org", PASSWORD, display_name="Bob Editor")
    Membership.objects.create(assessment=assessment, user=user, role=Role.EDITOR, added_by=assessment.owner)
    return user


def preview_url(assessment: Assessment) -> str:
    return reverse("assessment_toolkit_version", args=[assessment.pk])


def move(client, assessment: Assessment, **overrides: str):
    """Press "Move" on the preview page as it is now (its hidden inputs), optionally altered."""
    page = client.get(preview_url(assessment)).content.decode()
    data = {k: v for k, v in hidden_inputs(page).items() if k != "csrfmiddlewaretoken"}
    return client.post(preview_url(assessment), {**data, **overrides})


def stored_answers(assessment: Assessment) -> dict[int, tuple[str, list[str]]]:
    return {a.pk: (a.text, a.selected) for a in Answer.objects.filter(assessment=assessment)}


def answered_count(assessment: Assessment) -> int:
    return sum(1 for a in Answer.objects.filter(assessment=assessment) if a.text or a.selected)


@pytest.fixture
def moved(alice_client, revised, answered) -> Assessment:
    response = move(alice_client, answered)
    assert response.status_code == 302 and response["Location"] == reverse("assessment_task_list", args=[answered.pk])
    answered.refresh_from_db()
    assert answered.toolkit_version == revised
    return answered


# --- Offering the move ---------------------------------------------------------------------


def test_the_task_list_offers_a_newer_version_to_the_owner_only(alice_client, answered, bob, revised):
    link = f'href="{preview_url(answered)}"'
    page = alice_client.get(reverse("assessment_task_list", args=[answered.pk])).content.decode()
    assert link in page
    assert "Version 2027.1 of the toolkit has been published" in text_of(page)
    editor_page = client_for(bob).get(reverse("assessment_task_list", args=[answered.pk])).content.decode()
    assert link not in editor_page and "2027.1" not in editor_page


def test_nothing_is_offered_while_the_assessment_uses_the_newest_version(alice_client, answered):
    page = alice_client.get(reverse("assessment_task_list", args=[answered.pk])).content.decode()
    assert preview_url(answered) not in page
    preview = alice_client.get(preview_url(answered))
    assert preview.status_code == 200
    assert "uses version 2026.2 of the Health Inequalities Assessment Toolkit, the newest version there is" in (
        text_of(preview.content.decode())
    )
    assert 'name="to_version"' not in preview.content.decode()


def test_an_assessment_started_on_the_newest_version_is_offered_no_other(alice_client, answered, revised, alice):
    """Not even the version before it: a move only ever goes forward."""
    from assessments.services import assessment_create
    from tests.conftest import DETAILS

    newest = assessment_create(owner=alice, details=dict(DETAILS))
    assert newest.toolkit_version == revised
    assert (
        preview_url(newest) not in alice_client.get(reverse("assessment_task_list", args=[newest.pk])).content.decode()
    )


# --- The preview ---------------------------------------------------------------------------


def _part(page: str, heading_start: str) -> str:
    """The text from an h2 starting with `heading_start` up to the next h2."""
    found = re.search(rf"<h2[^>]*>\s*{re.escape(heading_start)}(.*?)(?=<h2|<form)", page, re.S)
    assert found, f"no part {heading_start!r}"
    return text_of(found[0])


def test_the_preview_lists_what_carries_over_what_is_new_and_what_is_kept(alice_client, answered, revised):
    before = stored_answers(answered)
    response = alice_client.get(preview_url(answered))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">Move to version 2027.1 of the toolkit</h1>' in page

    carried = _part(page, "Answers that carry over")
    # Every answered question but 2.2 (no longer asked) and 3.2a ("Partly" no longer offered).
    assert f"Answers that carry over ({answered_count(answered) - 2})" in carried
    assert "1.1 " in carried and "4.1 " in carried
    assert "2.1 What is your theory of change, and who does it leave out? Reworded" in carried
    assert "2.2 " not in carried and "3.2a" not in carried

    new = _part(page, "New questions to answer")
    assert "New questions to answer (1)" in new
    assert "2.6 What unintended effects on inequalities could the work have?" in new

    kept = _part(page, "Answers kept under")
    assert f"Answers kept under “{KEPT_HEADING}” (2)" in kept
    assert f"2.2 {asked('s2_barriers')} (version 2026.2) Version 2027.1 does not ask this question." in kept
    assert "Question 3.2a in version 2027.1 no longer offers “Partly”" in kept
    assert "4.4" not in kept  # never answered: nothing to keep

    sections = _part(page, "Sections marked as complete")
    assert re.search(r"in progress again.*2\. [^:]+: its questions changed.*3\. [^:]+: its questions changed", sections)
    assert re.search(r"stay complete: 1\. ", sections)

    form = hidden_inputs(page)
    assert form["from_version"] == str(answered.toolkit_version_id)
    assert form["to_version"] == str(revised.pk)
    # Looking changes nothing.
    answered.refresh_from_db()
    assert answered.toolkit_version.label == "2026.2" and stored_answers(answered) == before


# --- The move ------------------------------------------------------------------------------


def test_moving_keeps_every_answer_as_it_was_written(alice_client, answered, revised):
    before = stored_answers(answered)
    revision = answered.revision
    response = move(alice_client, answered)
    assert response.status_code == 302
    answered.refresh_from_db()
    assert answered.toolkit_version == revised
    assert answered.revision > revision  # the report is made again
    # Every row is still there, with the same words and choices.
    assert stored_answers(answered) == before
    answers = Answer.objects.filter(assessment=answered).select_related("question__section__version")
    kept = {a.question.key: a for a in answers if a.question.section.version != revised}
    assert set(kept) == {"s2_barriers", "s3_baseline"}
    assert kept["s2_barriers"].text == BARRIERS_ANSWER and kept["s3_baseline"].selected == ["partly"]
    assert all(a.question.section.version == revised for a in answers if a.question.key not in kept)


def test_after_the_move_the_task_list_shows_the_kept_answers_and_counts_only_the_new_versions(
    alice_client, moved, alice
):
    page = alice_client.get(reverse("assessment_task_list", args=[moved.pk]), follow=True).content.decode()
    # 26 questions less 2.2 and 4.4, plus 2.6; 2.2 and 3.2a are no longer answered in 2027.1.
    answered_now = answered_count(moved) - 2
    total = Question.objects.filter(section__version=moved.toolkit_version).count()
    assert total == 25
    assert f"You have answered {answered_now} of 25 questions" in progress_sentence(page)
    found = re.search(rf'<h2 class="govuk-heading-m" id="kept-answers">{KEPT_HEADING}</h2>(.*?)</dl>', page, re.S)
    assert found, "no kept answers on the task list"
    kept = text_of(found[1])
    assert f"2.2 {asked('s2_barriers')} (version 2026.2) Answer to s2_barriers." in kept
    assert "3.2a Do you already have baseline data" in kept and "(version 2026.2) Partly" in kept
    # "Your assessments" counts the same answers.
    listed = assessment_list_row(alice_client.get(reverse("assessment_list")).content.decode(), moved.title)
    assert listed["Complete"] == f"{round(100 * answered_now / 25)}%"


def test_the_move_message_says_what_happened(alice_client, revised, answered):
    response = move(alice_client, answered)
    page = alice_client.get(response["Location"]).content.decode()
    assert (
        f"This assessment now uses version 2027.1 of the toolkit. {answered_count(answered) - 2} answers carried over. "
        f"2 answers are kept under “{KEPT_HEADING}”. Sections 2 and 3 are in progress again"
    ) in text_of(page)


def test_sections_asking_the_same_stay_complete_and_changed_ones_are_in_progress_again(
    alice_client, answered, revised, alice
):
    completions_before = SectionCompletion.objects.filter(assessment=answered).count()
    first = SectionCompletion.objects.current().get(assessment=answered, section__number=1)
    move(alice_client, answered)
    current = SectionCompletion.objects.current().filter(assessment=answered).select_related("section")
    assert [(c.section.version_id, c.section.number) for c in current] == [(revised.pk, 1)]
    carried = current.get()
    assert (carried.completed_by, carried.completed_at) == (first.completed_by, first.completed_at)
    # Rows are never deleted: the old version's completions are closed by the move.
    assert SectionCompletion.objects.filter(assessment=answered).count() == completions_before + 1
    closed = SectionCompletion.objects.filter(assessment=answered, section__version__label="2026.2")
    assert all(c.reopened_at is not None and c.reopened_by == alice for c in closed)


def test_the_history_of_each_answer_records_the_move(alice_client, moved):
    page = alice_client.get(reverse("answer_history", args=[moved.pk, "s1_problem"])).content.decode()
    assert "Version 2 " in text_of(page) and "Current version" in page
    assert "Carried over to version 2027.1 of the toolkit by Alice Owner" in text_of(page)
    revision = AnswerRevision.objects.get(answer__assessment=moved, answer__question__key="s1_problem", version=2)
    assert revision.kind == AnswerRevision.Kind.MOVE and revision.toolkit_version == moved.toolkit_version

    kept = alice_client.get(reverse("answer_history", args=[moved.pk, "s2_barriers"]))
    assert kept.status_code == 200
    kept_page = text_of(kept.content.decode())
    assert f"{KEPT_HEADING}: version 2026.2, section 2" in kept_page
    assert "Kept with its question as asked when the assessment moved to version 2027.1 of the toolkit" in kept_page
    assert "Answer to s2_barriers." in kept_page
    # The answer is kept as it was: there is nothing to restore it into.
    assert "Restore this version" not in kept_page
    restore = alice_client.post(
        reverse("answer_restore", args=[moved.pk, "s2_barriers"]), {"version": 1, "base_version": 2}
    )
    assert restore.status_code == 404


def test_a_page_opened_before_the_move_cannot_save_over_a_carried_answer_unseen(moved, alice):
    from assessments.services import AnswerConflict

    question = moved.toolkit_version.sections.get(number=1).questions.get(key="s1_problem")
    with pytest.raises(AnswerConflict):
        answer_save(assessment=moved, question=question, value="From an old tab.", base_version=1, user=alice)


def test_the_export_includes_the_kept_answers(alice_client, moved):
    data = alice_client.get(reverse("assessment_export", args=[moved.pk])).json()
    assert data["toolkit"]["version"] == "2027.1"
    kept = {row["key"]: row for row in data["answers_to_questions_no_longer_in_the_toolkit"]}
    assert set(kept) == {"s2_barriers", "s3_baseline"}
    assert kept["s2_barriers"]["text"] == BARRIERS_ANSWER and kept["s2_barriers"]["toolkit_version"] == "2026.2"
    assert kept["s3_baseline"]["selected_labels"] == ["Partly"]


# --- The report ----------------------------------------------------------------------------


def test_the_pdf_prints_kept_answers_under_their_heading(alice_client, moved):
    response = download_report(alice_client, reverse("assessment_report_pdf", args=[moved.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    kept_at = text.index(KEPT_HEADING)
    assert text.index("Section 4.") < kept_at < text.index("Action plan and review", kept_at)
    kept = text[kept_at : text.index("Action plan and review", kept_at)]
    assert f"2.2 {asked('s2_barriers')}" in kept and "Answer to s2_barriers." in kept
    assert "3.2a Do you already have baseline data" in kept and "Partly" in kept
    assert kept.count("Asked in version 2026.2") == 2
    # The new version's questions are printed as it asks them.
    assert "2.6 What unintended effects on inequalities could the work have?" in text[:kept_at]
    assert accessibility_findings(response.content) == []


def style_name(paragraph: Paragraph) -> str | None:
    """A Word paragraph's style name (python-docx gives every paragraph one, the default if no other)."""
    assert paragraph.style is not None
    return paragraph.style.name


def test_the_word_copy_prints_kept_answers_under_their_heading(alice_client, moved):
    response = download_report(alice_client, reverse("assessment_report_docx", args=[moved.pk]))
    document = Document(io.BytesIO(response.content))
    paragraphs = [(style_name(p), p.text) for p in document.paragraphs]
    start = paragraphs.index(("Heading 2", KEPT_HEADING))
    end = paragraphs.index(("Heading 2", "Action plan and review"))
    kept = paragraphs[start:end]
    assert ("Heading 3", f"2.2 {asked('s2_barriers')}") in kept
    assert ("Normal", "Answer to s2_barriers.") in kept
    assert ("List Bullet", "Partly") in kept


def test_a_report_without_kept_answers_has_no_such_heading(alice_client, answered):
    response = download_report(alice_client, reverse("assessment_report_pdf", args=[answered.pk]))
    assert KEPT_HEADING not in pdf_text(response.content)


# --- Stale pages, double submits and bad input ---------------------------------------------


def _nothing_moved(assessment: Assessment, before: dict) -> bool:
    assessment.refresh_from_db()
    return (
        assessment.toolkit_version.label == "2026.2"
        and stored_answers(assessment) == before
        and not (AnswerRevision.objects.filter(answer__assessment=assessment, kind__in=["move", "kept"]).exists())
    )


def test_a_second_press_of_the_button_moves_nothing_more(alice_client, answered, revised):
    page = alice_client.get(preview_url(answered)).content.decode()
    data = {k: v for k, v in hidden_inputs(page).items() if k != "csrfmiddlewaretoken"}
    assert alice_client.post(preview_url(answered), data).status_code == 302
    revisions = AnswerRevision.objects.filter(answer__assessment=answered).count()
    answered.refresh_from_db()
    revision = answered.revision
    again = alice_client.post(preview_url(answered), data, follow=True)
    assert again.redirect_chain[-1][0] == reverse("assessment_task_list", args=[answered.pk])
    assert "This assessment already uses version 2027.1 of the toolkit." in text_of(again.content.decode())
    answered.refresh_from_db()
    assert answered.revision == revision
    assert AnswerRevision.objects.filter(answer__assessment=answered).count() == revisions


def test_a_preview_from_before_a_newer_version_was_published_is_refused(alice_client, answered, revised):
    before = stored_answers(answered)
    page = alice_client.get(preview_url(answered)).content.decode()
    data = {k: v for k, v in hidden_inputs(page).items() if k != "csrfmiddlewaretoken"}
    publish_version("2027.2")
    response = alice_client.post(preview_url(answered), data, follow=True)
    assert response.redirect_chain[-1][0] == preview_url(answered)
    shown = response.content.decode()
    assert "<title>Error: Move to version 2027.2 of the toolkit" in shown
    assert "Version 2027.2 of the toolkit was published after the page was opened, so nothing was moved." in text_of(
        shown
    )
    assert _nothing_moved(answered, before)


@pytest.mark.parametrize(
    "overrides",
    [
        {"from_version": "", "to_version": ""},
        {"from_version": "not a number"},
        {"to_version": "1\x00"},
        {"from_version": "9" * 5000},
        {"from_version": str(2**70)},
        {"from_version": "-1"},
        {"to_version": "<script>alert(1)</script>"},
    ],
    ids=["empty", "words", "nul", "huge", "beyond-bigint", "negative", "html"],
)
def test_bad_version_ids_move_nothing_and_say_so(alice_client, answered, revised, overrides):
    before = stored_answers(answered)
    response = move(alice_client, answered, **overrides)
    assert response.status_code == 302 and response["Location"] == preview_url(answered)
    page = alice_client.get(response["Location"]).content.decode()
    assert "There is a problem" in page and "nothing was moved" in text_of(page)
    assert _nothing_moved(answered, before)


def test_another_assessments_version_ids_move_nothing(alice_client, answered, revised, alice):
    from assessments.services import assessment_create
    from tests.conftest import DETAILS

    other = assessment_create(owner=alice, details=dict(DETAILS))  # on 2027.1 already
    before = stored_answers(answered)
    response = move(alice_client, answered, from_version=str(other.toolkit_version_id), to_version=str(revised.pk))
    assert response.status_code == 302 and response["Location"] == preview_url(answered)
    assert _nothing_moved(answered, before)


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_team_members_other_than_the_owner_cannot_move_it(answered, revised, alice_client, role):
    member = User.objects.create_user(f"{role}@example.org", PASSWORD, display_name=role.title())
    Membership.objects.create(assessment=answered, user=member, role=role, added_by=answered.owner)
    before = stored_answers(answered)
    data = {"from_version": str(answered.toolkit_version_id), "to_version": str(revised.pk)}
    client = client_for(member)
    assert client.get(preview_url(answered)).status_code == 403
    assert client.post(preview_url(answered), data).status_code == 403
    assert _nothing_moved(answered, before)


def test_an_outsider_gets_404_and_moves_nothing(answered, revised, charlie_client):
    before = stored_answers(answered)
    data = {"from_version": str(answered.toolkit_version_id), "to_version": str(revised.pk)}
    response = charlie_client.post(preview_url(answered), data)
    assert response.status_code == 404 and answered.title not in response.content.decode()
    assert _nothing_moved(answered, before)


# --- Moving again ----------------------------------------------------------------------------


def test_kept_answers_carry_over_again_to_a_version_that_asks_their_questions(alice_client, moved):
    before = stored_answers(moved)
    later = publish_version("2027.2")  # the shipped content again: 2.2, 4.4 and "Partly" are back
    preview = text_of(alice_client.get(preview_url(moved)).content.decode())
    assert f"Answers kept under “{KEPT_HEADING}” (0)" in preview
    move(alice_client, moved)
    moved.refresh_from_db()
    assert moved.toolkit_version == later and stored_answers(moved) == before
    answers = Answer.objects.filter(assessment=moved).select_related("question__section")
    assert all(a.question.section.version_id == later.pk for a in answers)
    page = alice_client.get(reverse("assessment_task_list", args=[moved.pk])).content.decode()
    assert KEPT_HEADING not in page


def test_an_answer_given_since_the_move_wins_over_a_kept_one(alice_client, moved, alice):
    baseline = moved.toolkit_version.sections.get(number=3).questions.get(key="s3_baseline")
    answer_save(assessment=moved, question=baseline, value="yes", base_version=0, user=alice)
    publish_version("2027.2")
    move(alice_client, moved)
    moved.refresh_from_db()
    answers = Answer.objects.filter(assessment=moved, question__key="s3_baseline").select_related(
        "question__section__version"
    )
    by_version = {a.question.section.version.label: a.selected for a in answers}
    assert by_version == {"2027.2": ["yes"], "2026.2": ["partly"]}
