"""Render editor-written Markdown as sanitised GOV.UK-styled HTML.

Content editors write Markdown in the admin; it is rendered and then cleaned with nh3
(an allow-list sanitiser), so even a compromised editor account cannot inject script.
"""

from functools import lru_cache

import markdown as md
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "blockquote", "h3", "h4"}
_GOVUK_CLASSES = (
    ("<p>", '<p class="govuk-body">'),
    ("<ul>", '<ul class="govuk-list govuk-list--bullet">'),
    ("<ol>", '<ol class="govuk-list govuk-list--number">'),
    ("<a ", '<a class="govuk-link" '),
    ("<h3>", '<h3 class="govuk-heading-s">'),
    ("<h4>", '<h4 class="govuk-heading-s">'),
)


@lru_cache(maxsize=512)
def render_markdown(text: str) -> str:
    html = nh3.clean(
        md.markdown(text, output_format="html"),
        tags=_ALLOWED_TAGS,
        attributes={tag: {"href"} if tag == "a" else set() for tag in _ALLOWED_TAGS},
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer",
    )
    for plain, styled in _GOVUK_CLASSES:
        html = html.replace(plain, styled)
    return html


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    # Safe to mark: the HTML has just been through nh3's allow-list above.
    return mark_safe(render_markdown(text or ""))  # noqa: S308
