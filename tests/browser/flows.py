"""Steps a person takes in the browser, found by visible labels and button names."""

from playwright.sync_api import Locator, Page, expect

from toolkit_content.models import Question


def question_field(page: Page, question: Question) -> Locator:
    """The textarea, radio group or checkbox group for a question, by its visible label or legend."""
    # A plain substring: Python regexes built with re.escape do not all survive the trip to JavaScript.
    label = f"{question.number} {question.text}"
    if question.is_choice:
        return page.get_by_role("group", name=label)
    return page.get_by_label(label)


def answer_text_for(question: Question) -> str:
    return f"Browser answer to {question.number}: people in Eastgate struggle with {question.key}."


def answer_question(page: Page, question: Question) -> None:
    field = question_field(page, question)
    if question.answer_type == Question.AnswerType.LONG_TEXT:
        field.fill(answer_text_for(question))
    elif question.answer_type == Question.AnswerType.SINGLE_CHOICE:
        field.get_by_label(question.choices[0]["label"], exact=True).check()
    else:
        for choice in question.choices[:2]:
            field.get_by_label(choice["label"], exact=True).check()


def sign_up(page: Page, *, name: str, email: str, password: str) -> None:
    page.goto("/")
    page.get_by_role("button", name="Create an account").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(password)
    page.get_by_label("Confirm your password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Your assessments")).to_be_visible()


def sign_in(page: Page, *, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your assessments")).to_be_visible()


def create_assessment(page: Page, title: str) -> None:
    page.get_by_role("button", name="Start a new assessment").click()
    page.get_by_label("Project title").fill(title)
    page.get_by_label("Organisation or organisations").fill("Eastborough Council")
    page.get_by_label("Service change").check()
    page.get_by_role("button", name="Create assessment").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
