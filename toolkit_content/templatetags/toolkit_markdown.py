"""Render editor-written Markdown as sanitised GOV.UK-styled HTML.

Content editors write Markdown in the admin; it is rendered and then cleaned with nh3
(an allow-list sanitiser), so even a compromised editor account cannot inject script:
no script, no event handlers, no iframes or styles, links only to http, https and mailto,
and images only from the app's own static files (never a remote address, which would
tell another site who reads the page, and which the PDF renderer refuses anyway). The
same HTML goes into the section pages and the report, in the browser and in the PDF.
"""

import posixpath
import xml.etree.ElementTree as etree
from functools import lru_cache

import markdown as md
import nh3
from django import template
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

register = template.Library()

_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "blockquote", "h3", "h4", "img"}
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {tag: set() for tag in _ALLOWED_TAGS} | {
    "a": {"href"},
    "img": {"src", "alt"},
}
_GOVUK_CLASSES = (
    ("<p>", '<p class="govuk-body">'),
    ("<ul>", '<ul class="govuk-list govuk-list--bullet">'),
    ("<ol>", '<ol class="govuk-list govuk-list--number">'),
    ("<a ", '<a class="govuk-link" '),
    ("<h3>", '<h3 class="govuk-heading-s">'),
    ("<h4>", '<h4 class="govuk-heading-s">'),
    ("<img ", '<img class="app-content-image" '),
)


def is_static_image(src: str) -> bool:
    """True for a path to one of the app's static files, such as /static/images/map.png."""
    static = settings.STATIC_URL
    if not static.startswith("/") or not src.startswith(static) or src.startswith("//"):
        return False
    # No way out of the static folder, and nothing a browser could read as another address.
    return posixpath.normpath(src).startswith(static.rstrip("/") + "/") and not any(c in src for c in "\\:?#%")


class _StaticImagesOnly(Treeprocessor):
    """Replaces a Markdown image from anywhere but the static files with its text alternative."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "img" and not is_static_image(child.get("src", "")):
                    span = etree.Element("span")
                    span.text = child.get("alt", "")
                    span.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, span)


class _StaticImagesExtension(Extension):
    def extendMarkdown(self, markdown: md.Markdown) -> None:  # noqa: N802 (the library's name)
        markdown.treeprocessors.register(_StaticImagesOnly(markdown), "static_images_only", 0)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Images written as raw HTML never pass through the Markdown step above: drop their
    # address here unless it is a static file (an <img> with no src shows nothing).
    if tag == "img" and attribute == "src" and not is_static_image(value):
        return None
    return value


@lru_cache(maxsize=512)
def render_markdown(text: str) -> str:
    html = nh3.clean(
        md.markdown(text, output_format="html", extensions=[_StaticImagesExtension()]),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
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
