"""The GOV.UK error summary, with every link pointing at an element that exists.

crispy-forms-gds links radio, checkbox and date errors to the field's own id, which no
input has: its radios and checkboxes are numbered id_<name>_1, _2, ... and a date's parts
id_<name>_0 to _2. Here those errors link to the first input, as the Design System asks.
"""

from crispy_forms_gds.templatetags.crispy_forms_gds import field_errors
from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


def first_input_id(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field.auto_id}_1"
    if isinstance(widget, forms.MultiWidget):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.filter
def error_links(form: forms.BaseForm) -> list[tuple[str, str]]:
    """(target id, message) for every error of the form, in field order."""
    visible = form.visible_fields()
    links = []
    if visible:
        links += [(first_input_id(visible[0]), str(error)) for error in form.non_field_errors()]
    for field in visible:
        for key, errors in field_errors(field):
            target = first_input_id(field) if key == field.auto_id else key
            links += [(target, str(error)) for error in errors]
    return links
