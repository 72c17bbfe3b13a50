"""Form pieces shared by every app: plain-text cleaning and GOV.UK rendering."""

import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django import forms

# C0 control characters other than tab, line feed and carriage return, DEL, and the C1
# range. NUL breaks PostgreSQL text columns; the others are invisible and only ever
# arrive by accident (pasted from a PDF or a spreadsheet), so they are removed.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_plain_text(value: str) -> str:
    """Remove control characters and normalise line endings to \\n."""
    return _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


class PlainTextField(forms.CharField):
    """A CharField that silently drops control characters (including NUL) before validating."""

    def to_python(self, value: object) -> str:
        if isinstance(value, str):
            value = clean_plain_text(value)
        return super().to_python(value)


def gds_helper(submit_label: str, *, form_tag: bool = True) -> FormHelper:
    """A crispy-forms helper that renders GOV.UK markup with one primary button."""
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.label_size = "s"
    helper.legend_size = "s"
    helper.add_input(Submit("submit", submit_label))
    return helper
