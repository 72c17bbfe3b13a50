"""Form pieces shared by every app: plain-text cleaning and GOV.UK rendering."""

import re
import unicodedata
import uuid
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Layout, Submit
from django import forms
from django.core import validators
from django.http import HttpRequest

# C0 control characters other than tab, line feed and carriage return, DEL, and the C1
# range. NUL breaks PostgreSQL text columns; the others are invisible and only ever
# arrive by accident (pasted from a PDF or a spreadsheet), so they are removed.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# Characters that draw nothing on their own: separators and spaces (Z*), format characters
# such as the zero-width space, word joiner and byte-order mark (Cf), combining marks with
# nothing to combine with (Mn, Me), and the few letters and symbols defined as blank fillers.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Me"})
_BLANK_FILLERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def clean_plain_text(value: str) -> str:
    """Remove control characters and normalise line endings to \\n."""
    return _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def is_invisible(value: str) -> bool:
    """True when the text shows nothing: a title of zero-width spaces is as empty as no title."""
    return all(unicodedata.category(c) in _INVISIBLE_CATEGORIES or c in _BLANK_FILLERS for c in value)


def line_count(value: str) -> int:
    """Lines of cleaned text (line endings already \\n), as saved: without trailing blank lines.

    Blank lines count: a wall of them is pages of a printed report too.
    """
    text = value.rstrip()
    return text.count("\n") + 1 if text else 0


class MaxLinesValidator(validators.BaseValidator):
    message = "Ensure this value has at most %(limit_value)d lines (it has %(show_value)d)."
    code = "max_lines"

    def compare(self, a: int, b: int) -> bool:
        return a > b

    def clean(self, x: str) -> int:
        return line_count(x)


class PlainTextField(forms.CharField):
    """A CharField that silently drops control characters (including NUL) before validating.

    Text made only of invisible characters (zero-width spaces, non-breaking spaces, lone
    combining marks) counts as empty, so a required field shows its "Enter ..." message.

    It never puts `maxlength` on the input: browsers would silently cut pasted text at the
    limit. Too-long text is refused by the server with a message, and kept in the form.
    `max_lines` refuses text of more lines than that in the same way (error code "max_lines").
    """

    def __init__(self, *, max_lines: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_lines = max_lines
        if max_lines is not None:
            self.validators.append(MaxLinesValidator(max_lines))

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def to_python(self, value: object) -> str | None:
        if isinstance(value, str):
            value = clean_plain_text(value)
        text = super().to_python(value)
        return self.empty_value if text and is_invisible(text) else text


def gds_helper(submit_label: str, *, fields: list[str] | None = None) -> FormHelper:
    """A crispy-forms helper that renders GOV.UK markup with one primary button.

    Pass the form's field names when the form has no layout of its own: only a helper
    with a layout goes through crispy-forms-gds's rendering, which sizes labels and turns
    off the browser's own `required` validation so the GOV.UK error summary is shown.
    """
    helper = FormHelper()
    # The server checks every field and shows the GOV.UK error summary; the browser's own
    # checks (type=email, required) would stop the form first, in the browser's words.
    helper.attrs = {"novalidate": ""}
    helper.label_size = "s"
    helper.legend_size = "s"
    if fields is not None:
        helper.layout = Layout(*fields)
    helper.add_input(Submit("submit", submit_label))
    return helper


# A random token carried by a page that creates something (an assessment, a workshop, a
# workshop place): the same page submitted twice (a double click, a retried request, a
# slow network) is recognised by its token and makes one, not two. The view puts a new
# token in the page's context as `creation_token`, or the submitted one back.
CREATION_TOKEN_INPUT = HTML(
    '{% if creation_token %}<input type="hidden" name="creation_token" value="{{ creation_token }}">{% endif %}'
)


def creation_token_of(request: HttpRequest) -> uuid.UUID | None:
    """The token a submitted page carried, or None (a GET, or a missing or garbled token)."""
    if request.method != "POST":
        return None
    try:
        return uuid.UUID(request.POST.get("creation_token") or "")
    except ValueError:
        return None
