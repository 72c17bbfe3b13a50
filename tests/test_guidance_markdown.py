"""Guidance in Markdown, written by content editors: sanitised the same way in the page and the PDF."""

import io
import re

import pikepdf
import pytest
from django.urls import reverse

from assessments.pdf import StaticOnlyFetcher, render_report_pdf, report_html
from assessments.services import assessment_create
from tests.conftest import DETAILS
from tests.report_helpers import pdf_text, squash
from toolkit_content.models import Toolkit
from toolkit_content.services import version_create_draft, version_publish
from toolkit_content.templatetags.toolkit_markdown import is_static_image, render_markdown

HOSTILE = """Guidance with <script>alert('script')</script> a script.

<img src="/static/images/favicon.svg" onerror="alert('onerror')" alt="Our icon, raw">

[A javascript link](javascript:alert('link')) and <a href="javascript:alert('raw')">a raw one</a>.

<iframe src="https://tracker.example/frame"></iframe>

![A remote picture](https://tracker.example/pixel.png) and <img src="https://tracker.example/raw.png" alt="raw">

![Our own icon](/static/images/favicon.svg)

<a href="https://www.hiat.org.uk/" onclick="alert('click')">The HIAT website</a>
<p style="color: red" onmouseover="alert('over')">Styled</p> [Write to us](mailto:hiat@example.org)
"""

NEVER = [
    "<script",
    "alert(",
    "onerror",
    "onclick",
    "onmouseover",
    "javascript:",
    "<iframe",
    "tracker.example",
    "style=",
]


def _assert_neutralised(html: str) -> None:
    for bad in NEVER:
        assert bad not in html, bad
    image = re.search(r'<img class="app-content-image" [^>]*alt="Our own icon"[^>]*>', html)
    assert image and 'src="/static/images/favicon.svg"' in image.group()
    assert "A remote picture" in html  # the text alternative of an image that was refused
    assert re.search(
        r'<a class="govuk-link" href="https://www.hiat.org.uk/" rel="noopener noreferrer">The HIAT website</a>', html
    )
    assert 'href="mailto:hiat@example.org"' in html
    assert "A javascript link" in html and "a raw one" in html  # the words stay, the links go


def test_hostile_markdown_is_neutralised():
    _assert_neutralised(render_markdown(HOSTILE))


@pytest.mark.parametrize(
    "src, allowed",
    [
        ("/static/images/favicon.svg", True),
        ("https://tracker.example/x.png", False),
        ("//tracker.example/x.png", False),
        ("/static/../media/secret.png", False),
        ("/static/images/x.png?u=1", False),
        ("/media/x.png", False),
        ("data:image/png;base64,AAAA", False),
        ("javascript:alert(1)", False),
        ("/static/images/%2e%2e/x.png", False),
    ],
)
def test_images_only_from_the_apps_static_files(src, allowed):
    assert is_static_image(src) is allowed


@pytest.fixture
def hostile_assessment(alice, toolkit_version):
    draft = version_create_draft(source=toolkit_version)
    section = draft.sections.get(number=1)
    section.guidance = HOSTILE
    section.save()
    example = section.working_example
    example.body = HOSTILE
    example.save()
    topic = draft.introduction_topics.first()
    assert topic is not None
    topic.body = HOSTILE
    topic.save()
    version_publish(version=draft)
    toolkit = Toolkit.objects.get()
    toolkit.attribution = HOSTILE
    toolkit.save()
    return assessment_create(owner=alice, details=dict(DETAILS))


def _between(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


def test_hostile_guidance_is_neutralised_in_the_page(alice_client, hostile_assessment):
    page = alice_client.get(reverse("section", args=[hostile_assessment.pk, 1])).content.decode()
    guidance = _between(page, "Guidance for this section", "</details>")
    example = _between(page, "Working example:", "</details>")
    for html in (guidance, example):
        _assert_neutralised(html)
    introduction = alice_client.get(reverse("assessment_introduction", args=[hostile_assessment.pk])).content.decode()
    _assert_neutralised(_between(introduction, "<main", "</main>"))


def test_hostile_guidance_is_neutralised_in_the_pdf(hostile_assessment):
    html = report_html(hostile_assessment)
    _assert_neutralised(_between(html, 'class="report-attribution"', "</div>"))
    fetcher = StaticOnlyFetcher()
    data = render_report_pdf(hostile_assessment, fetcher=fetcher)
    # Nothing remote was even asked for; the static image was read from the static folder.
    assert not [url for url in fetcher.requested if "tracker.example" in url]
    assert fetcher.refused == []
    assert any(url.endswith("/static/images/favicon.svg") for url in fetcher.requested)
    text = squash(pdf_text(data))
    assert squash("The HIAT website") in text and squash("A remote picture") in text
    assert "alert(" not in text
    pdf = pikepdf.open(io.BytesIO(data))
    actions = [annot.A for page in pdf.pages for annot in page.get("/Annots", []) if "/A" in annot]
    uris = [str(action.URI) for action in actions if "/URI" in action]
    assert "https://www.hiat.org.uk/" in uris and "mailto:hiat@example.org" in uris
    assert all(uri.startswith(("https://", "http://", "mailto:")) for uri in uris), uris
    assert all(action.S == pikepdf.Name.URI for action in actions)  # no JavaScript, no Launch
    assert "/OpenAction" not in pdf.Root and "/JavaScript" not in pdf.Root.get("/Names", {})
