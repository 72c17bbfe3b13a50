"""The inequalities impact report: complete, accessible, safe to render, made once per revision."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pikepdf
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import pdf as report_pdf_module
from assessments.models import ReportRender
from assessments.pdf import StaticOnlyFetcher, render_report_pdf
from assessments.report import build_report
from assessments.services import (
    assessment_create,
    assessment_update_details,
    section_answers_save,
    section_complete,
)
from tests.conftest import DETAILS
from tests.helpers import answer_for, download_report, run_queued_tasks
from tests.report_helpers import (
    answer_all,
    open_pdf,
    page_text_by_marking,
    page_texts,
    pdf_text,
    squash,
    structure_elements,
)
from toolkit_content.loader import read_file, toolkit_load
from toolkit_content.models import Question, Resource


@pytest.fixture
def answered(assessment, alice):
    skip = {"s2_barriers", "s3_capacity_building"}
    answer_all(assessment, alice, skip=skip)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def answered_pdf(answered) -> bytes:
    return render_report_pdf(answered)


def test_pdf_holds_every_question_and_answer(answered, answered_pdf):
    text = squash(pdf_text(answered_pdf))
    for question in Question.objects.filter(section__version=answered.toolkit_version):
        assert squash(f"{question.number} {question.text}") in text, question.number
        if question.key in {"s2_barriers", "s3_capacity_building"}:
            continue
        expected = answer_for(question)
        if isinstance(expected, str) and question.answer_type == "long_text":
            assert squash(expected) in text, question.key
        else:
            labels = question.choice_labels()
            for value in expected if isinstance(expected, list) else [expected]:
                assert squash(labels[value]) in text


def test_blank_answers_say_not_answered(answered_pdf):
    text = pdf_text(answered_pdf)
    # The two questions the fixture leaves blank.
    assert text.count("Not answered") >= 2


def test_cover_and_summary(answered, answered_pdf):
    text = pdf_text(answered_pdf)
    for expected in [
        DETAILS["title"],
        DETAILS["organisation"],
        "Service change",
        "Alice Owner",
        "Health Inequalities Assessment Toolkit, version",
        "Summary of findings",
        "About this report",
        "At a glance",
        "Progress by section",
        "Dimensions of inequality considered",
        "Public involvement across the work",
        "Action plan and review",
        "No actions have been recorded",
        "Sign-off",
        "Resources",
        "hiat.org.uk",
    ]:
        assert expected in text, expected


def test_pdf_metadata_tags_language_and_fonts(answered_pdf):
    pdf = open_pdf(answered_pdf)
    assert str(pdf.docinfo["/Title"]) == f"{DETAILS['title']}: inequalities impact report"
    assert str(pdf.docinfo["/Author"]) == "Alice Owner"
    assert "Health inequalities impact assessment" in str(pdf.docinfo["/Subject"])
    assert str(pdf.Root.Lang) == "en-GB"
    assert bool(pdf.Root.MarkInfo.Marked) is True
    assert "/StructTreeRoot" in pdf.Root
    assert pdf.Root.ViewerPreferences.DisplayDocTitle
    fonts = {}
    for page in pdf.pages:
        for _, font in page.Resources.get("/Font", {}).items():
            descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
            fonts[str(font.get("/BaseFont"))] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert any("Liberation" in name for name in fonts)


def test_pdf_structure_gives_screen_readers_headings_tables_and_links(answered, answered_pdf):
    pdf = open_pdf(answered_pdf)  # keep it open: the elements live in it
    elements = structure_elements(pdf)
    tags = [str(e.S) for e in elements]
    # The same headings, at the same levels and in the same order, as the HTML it came from.
    html_levels = [f"/H{level}" for level in re.findall(r"<h([1-6])[ >]", report_pdf_module.report_html(answered))]
    assert [t for t in tags if re.fullmatch(r"/H\d", t)] == html_levels
    assert html_levels.count("/H1") == 1 and html_levels.count("/H2") >= 10
    # Every data cell names its header cells, so a table is read as "Section 1, Status: Completed".
    cells = [e for e in elements if e.S == "/TD"]
    assert cells and all(len(e.A.Headers) >= 1 for e in cells)
    assert tags.count("/Caption") >= 4
    # Every link is tagged and its annotation says where it goes: a web link by its address,
    # a link within the report by the heading it leads to, never by an anchor name.
    links = [e for e in elements if e.S == "/Link"]
    assert links
    in_document = []
    for link in links:
        kids = [kid for kid in link.K if isinstance(kid, pikepdf.Dictionary)]
        (annotation,) = [kid.Obj for kid in kids if kid.get("/Type") == "/OBJR"]
        assert int(annotation.F) & 4, "a link that is not printed"
        if "/A" in annotation:
            assert str(annotation.Contents) == str(annotation.A.URI)
        else:
            in_document.append(str(annotation.Contents))
    involvement = [item.answer for item in build_report(answered).public_involvement]
    assert sorted(in_document) == sorted(f"{row.number} {row.question_parts[0]}" for row in involvement)


def test_pdf_has_bookmarks_page_numbers_and_a_plausible_length(answered_pdf):
    reader = PdfReader(io.BytesIO(answered_pdf))
    titles: list[str] = []
    for item in reader.outline:
        if not isinstance(item, list):
            assert item.title is not None
            titles.append(item.title)
    assert any(t.startswith("Section 1.") for t in titles) and any(t.startswith("Section 4.") for t in titles)
    assert titles[:4] == [DETAILS["title"], "Summary of findings", "About this report", "At a glance"]
    assert "Sign-off" in titles
    pages = len(reader.pages)
    assert 6 <= pages <= 60
    for number in (2, pages):  # the running header and footer, on every page after the cover
        furniture = page_text_by_marking(answered_pdf, number).artifacts
        assert furniture.startswith(DETAILS["title"]) and furniture.endswith(f"Page {number} of {pages}")


def test_answers_keep_paragraphs(answered):
    html = report_pdf_module.report_html(answered)
    assert "<p>Answer to s1_problem.</p>" in html and "<p>Second paragraph for 1.1.</p>" in html


def test_resources_shared_by_several_sections_are_listed_once(answered):
    all_urls = list(Resource.objects.filter(section__version=answered.toolkit_version).values_list("url", flat=True))
    assert len(all_urls) > len(set(all_urls)), "the shipped content no longer repeats a resource across sections"
    listed = [r.url for r in build_report(answered).resources]
    assert sorted(listed) == sorted(set(all_urls))
    html = report_pdf_module.report_html(answered)
    resources_part = html[html.index('id="resources-heading"') :]
    assert all(resources_part.count(f'href="{url}"') == 1 for url in listed)


def test_report_shows_questions_as_asked_in_the_pinned_version(alice, assessment, tmp_path):
    import yaml

    from tests.conftest import CONTENT_FILE

    data = yaml.safe_load(CONTENT_FILE.read_text())
    data["version"]["label"] = "2027.1"
    data["sections"][0]["questions"][0]["text"] = "A reworded first question for next year?"
    toolkit_load(content=read_file(_write(tmp_path, data)))
    old_text = assessment.toolkit_version.sections.get(number=1).questions.first().text
    text = pdf_text(render_report_pdf(assessment))
    assert squash(old_text) in squash(text)
    assert "reworded first question" not in text
    newer = assessment_create(owner=alice, details=dict(DETAILS))
    assert "reworded first question" in pdf_text(render_report_pdf(newer))


def _write(tmp_path: Path, data: dict) -> Path:
    import yaml

    path = tmp_path / "next.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel=stylesheet href="http://169.254.169.254/">',
    "<style>@import url(http://example.com/x.css)</style>",
    "<script>document.write('pwned')</script>",
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="http://example.com/x.png"/></svg>',
    '<iframe src="http://example.com/"></iframe><object data="file:///etc/hosts"></object>',
    "url(http://example.com/bg.png) @font-face { src: url(http://example.com/f.woff) }",
]


def test_hostile_answers_render_as_literal_text_and_fetch_nothing(alice, assessment):
    rtl_emoji = "مرحبا بالعالم שלום עולם 👩🏽‍⚕️🏥 café"
    big = ("Twenty thousand characters of answer text. " * 500)[:20_000]
    payloads = [*HOSTILE, "A" * 3000, rtl_emoji, big]
    questions = list(Question.objects.filter(section__version=assessment.toolkit_version, answer_type="long_text"))
    by_section: dict = {}
    for question, payload in zip(questions, payloads, strict=False):
        by_section.setdefault(question.section, {})[question.key] = payload
    for section, values in by_section.items():
        section_answers_save(assessment=assessment, section=section, values=values, user=alice)
    assessment.refresh_from_db()

    fetcher = StaticOnlyFetcher()
    data = render_report_pdf(assessment, fetcher=fetcher)
    assert data.startswith(b"%PDF")
    assert fetcher.refused == []
    assert all(url.startswith("data:") or "/static/" in url for url in fetcher.requested)

    text = squash(pdf_text(data))
    for payload in HOSTILE:
        assert squash(payload) in text, payload
    # The unbroken string wraps (and may cross a page break, where the running header interrupts it).
    assert sum(len(run) for run in re.findall(r"A{50,}", text)) >= 3000
    assert squash("שלום") in text or squash("עולם") in text or "םולש" in text
    assert squash(big)[:2000] in text
    assert "pwned" not in text.replace("document.write('pwned')", "")

    html = report_pdf_module.report_html(assessment)
    assert "<script>" not in html and "<img src" not in html and "<style>@import" not in html


def test_a_title_with_no_spaces_wraps_on_the_cover_and_in_the_running_header(assessment):
    assessment_update_details(assessment=assessment, details={"title": "Q" * 200}, user=assessment.owner)
    assessment.refresh_from_db()
    reader = PdfReader(io.BytesIO(render_report_pdf(assessment)))
    for number in (1, 2):  # the cover's heading; the next page's running header
        runs = re.findall(r"QQ+", reader.pages[number - 1].extract_text())  # not the Q of "Questions"
        assert sum(map(len, runs)) == 200, f"page {number}: the title is not all there"
        assert len(runs) > 1 and max(map(len, runs)) < 100, f"page {number}: the title runs off the page"


def test_fetcher_refuses_everything_but_static_files_and_data():
    fetcher = StaticOnlyFetcher()
    for url in [
        "http://169.254.169.254/",
        "https://example.com/x.css",
        "file:///etc/passwd",
        "ftp://example.com/x",
        f"file://{Path(report_pdf_module.settings.BASE_DIR).resolve()}/static/../manage.py",
    ]:
        with pytest.raises(report_pdf_module.RefusedURL):
            fetcher.fetch(url)
    css = Path(report_pdf_module.settings.BASE_DIR, "static", "css", "report-pdf.css").resolve()
    assert fetcher.fetch(f"file://{css}").read().startswith(b"/*")
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    assert fetcher.refused[:4] == [
        "http://169.254.169.254/",
        "https://example.com/x.css",
        "file:///etc/passwd",
        "ftp://example.com/x",
    ]


def test_pdf_download_is_made_once_per_revision(alice_client, answered, counting_renders):
    url = reverse("assessment_report_pdf", args=[answered.pk])
    first = download_report(alice_client, url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF") and counting_renders.renders == 1
    second = alice_client.get(url)  # served at once, from the stored file
    assert second.status_code == 200 and second.content == first.content and counting_renders.renders == 1

    # Conditional request: unchanged -> 304, no body, no render.
    not_modified = alice_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""

    # Any edit makes a new revision, a new ETag and a fresh render.
    section = answered.toolkit_version.sections.get(number=1)
    question = section.questions.filter(answer_type="long_text").first()
    alice_client.post(reverse("section", args=[answered.pk, 1]), {question.key: "A changed answer.", "continue": ""})
    assert alice_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 303
    changed = download_report(alice_client, url)
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert counting_renders.renders == 2
    assert "A changed answer." in pdf_text(changed.content)


def test_details_and_completion_changes_make_a_new_pdf(alice, alice_client, answered):
    url = reverse("assessment_report_pdf", args=[answered.pk])
    etag = download_report(alice_client, url)["ETag"]
    from tests.helpers import details_post_data

    alice_client.post(reverse("assessment_details", args=[answered.pk]), details_post_data(title="Renamed project"))
    assert alice_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 303
    response = download_report(alice_client, url)
    assert response.status_code == 200 and "Renamed project" in pdf_text(response.content)
    etag = response["ETag"]
    section = answered.toolkit_version.sections.get(number=4)
    assert section_complete(assessment=answered, section=section, user=alice) == []
    assert alice_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 303


def test_a_report_downloaded_on_a_later_day_is_dated_that_day(alice_client, answered, counting_renders, monkeypatch):
    url = reverse("assessment_report_pdf", args=[answered.pk])
    today = download_report(alice_client, url)
    assert timezone.localdate().strftime("%-d %B %Y") in pdf_text(today.content)

    next_week = timezone.localtime() + timedelta(days=7)
    monkeypatch.setattr(timezone, "localtime", lambda *args: next_week)
    monkeypatch.setattr(timezone, "localdate", lambda *args: next_week.date())
    assert alice_client.get(url, HTTP_IF_NONE_MATCH=today["ETag"]).status_code == 303
    later = download_report(alice_client, url)
    assert later.status_code == 200 and counting_renders.renders == 2
    assert f"Date generated {next_week:%-d %B %Y}" in pdf_text(later.content)
    assert next_week.date().isoformat() in later["Content-Disposition"]
    # Only the newest file of the assessment is kept.
    assert list(ReportRender.objects.filter(assessment=answered).values_list("made_on", flat=True)) == [
        next_week.date()
    ]


def test_pdf_filename_is_the_title_and_date(alice_client, answered):
    response = download_report(alice_client, reverse("assessment_report_pdf", args=[answered.pk]))
    match = re.fullmatch(
        r'attachment; filename="welfare-advice-in-gp-practices-hiat-report-(\d{4}-\d{2}-\d{2})\.pdf"',
        response["Content-Disposition"],
    )
    assert match
    assert "private" in response["Cache-Control"]


def test_report_preview_shows_the_same_content(alice_client, answered):
    page = alice_client.get(reverse("assessment_report", args=[answered.pk])).content.decode()
    assert "Download the report (PDF)" in page and "Not answered" in page
    assert f'href="{reverse("assessment_report_docx", args=[answered.pk])}"' in page
    assert "Answer to s1_problem." in page and "Progress by section" in page
    assert page.count("<h1") == 1


def test_render_report_command_writes_a_pdf(answered, tmp_path):
    out = tmp_path / "out.pdf"
    call_command("render_report", str(answered.pk), str(out))
    assert out.read_bytes().startswith(b"%PDF") and DETAILS["title"] in pdf_text(out.read_bytes())
    with pytest.raises(CommandError, match="No assessment"):
        call_command("render_report", "not-a-uuid", str(out))


def test_a_renderer_failure_gets_a_friendly_page_and_loses_nothing(alice_client, answered, monkeypatch, caplog):
    def broken_render(self, *args, **kwargs):
        raise RuntimeError("Pango fell over")

    url = reverse("assessment_report_pdf", args=[answered.pk])
    preparing = reverse("assessment_report_preparing", args=[answered.pk])
    monkeypatch.setattr(report_pdf_module.HTML, "render", broken_render)
    assert alice_client.get(url)["Location"] == preparing
    run_queued_tasks()
    assert "Pango fell over" in caplog.text  # the worker logs what went wrong, for the team that runs it
    response = alice_client.get(preparing)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Your answers are saved and safe" in page and "Pango" not in page
    monkeypatch.undo()
    # Downloading again tries again.
    assert download_report(alice_client, url).status_code == 200


def test_public_involvement_is_printed_where_it_was_asked_and_listed_with_its_page(answered, answered_pdf):
    pages = page_texts(answered_pdf)
    text = " ".join(pages)
    involvement = Question.objects.filter(section__version=answered.toolkit_version, role="public_involvement")
    assert involvement.count() >= 6
    section_starts = [
        text.index(" ".join(f"Section {s.number}. {s.title} {s.purpose}".split())[:80])
        for s in answered.toolkit_version.sections.all()
    ]
    for question in involvement:
        answer = answer_for(question)
        assert isinstance(answer, str), question.key
        first_line = answer.split("\n")[0]
        assert text.count(first_line) == 1, question.key
        # In its own section: after that section's heading, before the next one's.
        at = text.index(first_line)
        number = question.section.number
        assert section_starts[number - 1] < at < ([*section_starts, len(text)][number])
        # Listed together under "Public involvement across the work", with the page it is on.
        page = next(i for i, page_text in enumerate(pages, start=1) if first_line in page_text)
        listed = f"Section {number}. {question.section.title}: question {question.number}, page {page}"
        assert listed in text, listed
    assert "The answer is under" not in text
