"""Small helpers the tests share: what a person would type into each question."""

from toolkit_content.models import Question, Section


def answer_for(question: Question) -> str | list[str]:
    """A recognisable answer for any question: text naming its key, or real choice values."""
    if question.answer_type == Question.AnswerType.LONG_TEXT:
        return f"Answer to {question.key}.\n\nSecond paragraph for {question.number}."
    if question.answer_type == Question.AnswerType.SINGLE_CHOICE:
        return question.choices[0]["value"]
    return [c["value"] for c in question.choices[:2]]


def section_post_data(section: Section, *, button: str = "continue") -> dict[str, object]:
    data: dict[str, object] = {question.key: answer_for(question) for question in section.questions.all()}
    data[button] = ""
    return data


def details_post_data(**overrides: object) -> dict[str, object]:
    data = {
        "title": "Falls prevention in Eastborough",
        "organisation": "Eastborough Council",
        "work_type": "implementation",
        "work_type_other": "",
        "description": "Strength and balance classes in community centres.",
        "population_and_place": "People over 65 in Eastborough.",
        "lead_and_team": "Priya Shah (lead)",
        "public_advisers": "planned",
        "start_date_0": "1",
        "start_date_1": "4",
        "start_date_2": "2027",
        "review_date_0": "1",
        "review_date_1": "10",
        "review_date_2": "2027",
    }
    data.update(overrides)
    return data
