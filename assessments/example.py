"""An example assessment: section 1 of a welfare-advice project, answered and complete.

The demo account of the local run starts with it, so a first look at the app shows a task
list in progress and a report with real answers; the screenshots use it too.
"""

from accounts.models import User
from assessments.models import Assessment
from assessments.services import AnswerValue, assessment_create, section_answers_save, section_complete

EXAMPLE_DETAILS = {
    "title": "Welfare advice in GP practices",
    "organisation": "Eastborough Council and Eastborough Primary Care Network",
    "work_type": "service_change",
    "work_type_other": "",
    "description": "Welfare-rights advisers in four GP practices in the most deprived wards, "
    "so that patients can get benefits and debt advice where they already go.",
    "population_and_place": "Adults in the most deprived wards of Eastborough.",
    "lead_and_team": "Sam Lee (lead), two advisers, two public advisers.",
    "public_advisers": "yes",
    "start_date": None,
    "review_date": None,
}

SECTION_1_ANSWERS: dict[str, AnswerValue] = {
    "s1_problem": "Many residents of Eastgate and Moorside lose income they are entitled to because benefits "
    "advice is hard to reach: the nearest advice centre is two bus rides away and open only in working hours.",
    "s1_groups_affected": "People in the most deprived fifth of neighbourhoods, carers, disabled people and "
    "people whose first language is not English.\n\nPractice records show they attend GP surgeries often.",
    "s1_gradient": "Unclaimed Pension Credit and Attendance Allowance are three times higher in the most "
    "deprived quintile than in the least deprived (council benefits data, 2025). Within the practices' "
    "disabled patients, those in rented housing are the least likely to claim.",
    "s1_causes": "Low income and debt, insecure private renting, zero-hours work that makes daytime "
    "appointments hard, poor bus links, and little digital access for online claims.",
    "s1_dimensions": ["se_income", "se_employment", "se_housing", "pc_disability", "pc_race", "pc_age"],
    "s1_evidence_gaps": "We used the English Indices of Deprivation 2019, council benefits data and practice "
    "records. We lack data on ethnicity and language for advice users; the pilot will collect it.",
    "s1_public_involvement": "Four public advisers from the practices' patient groups helped us name the "
    "barriers. They pointed out that letters from the benefits office are the main trigger for seeking help.",
}


def example_assessment_create(*, owner: User) -> Assessment:
    """Start the example on the newest published toolkit version, with section 1 answered and complete."""
    assessment = assessment_create(owner=owner, details=dict(EXAMPLE_DETAILS))
    section = assessment.toolkit_version.sections.get(number=1)
    keys = set(section.questions.values_list("key", flat=True))
    # Only the keys this version asks: an edited toolkit must not break the demo.
    answers = {key: value for key, value in SECTION_1_ANSWERS.items() if key in keys}
    section_answers_save(assessment=assessment, section=section, values=answers, user=owner)
    section_complete(assessment=assessment, section=section, user=owner)
    assessment.refresh_from_db()
    return assessment
