"""Form pieces shared by every app: plain-text cleaning and GOV.UK rendering."""

import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Layout, Submit
from django import forms

# C0 control characters other than tab, line feed and carriage return, DEL, and the C1
# range. NUL breaks PostgreSQL text columns; the others are invisible and only ever
# arrive by accident (pasted from a PDF or a spreadsheet), so they are removed.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_plain_text(value: str) -> str:
    """Remove control characters and normalise line endings to \\n."""
    return _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


class PlainTextField(forms.CharField):
    """A CharField that silently drops control characters (including NUL) before validating.

    It never puts `maxlength` on the input: browsers would silently cut pasted text at the
    limit. Too-long text is refused by the server with a message, and kept in the form.
    """

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def to_python(self, value: object) -> str:
        if isinstance(value, str):
            value = clean_plain_text(value)
        return super().to_python(value)


def gds_helper(submit_label: str, *, fields: list[str] | None = None) -> FormHelper:
    """A crispy-forms helper that renders GOV.UK markup with one primary button.

    Pass the form's field names when the form has no layout of its own: only a helper
    with a layout goes through crispy-forms-gds's rendering, which sizes labels and turns
    off the browser's own `required` validation so the GOV.UK error summary is shown.
    """
    helper = FormHelper()
    helper.label_size = "s"
    helper.legend_size = "s"
    if fields is not None:
        helper.layout = Layout(*fields)
    helper.add_input(Submit("submit", submit_label))
    return helper
