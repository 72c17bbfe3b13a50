"""Save PNG screenshots of the main pages at desktop and mobile widths into docs/screenshots/.

    make screenshots

Runs the real app on a throwaway test database (PostgreSQL, through with_postgres.py) with
the shipped toolkit content and a demo assessment, and drives Debian's Chromium.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hiat_site.settings_test")
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop here

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.chromium import launch_chromium, missing_chromium_message  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "mobile": (375, 812)}


def demo_assessment():
    from accounts.models import User
    from assessments.example import example_assessment_create
    from tests.conftest import CONTENT_FILE
    from toolkit_content.loader import read_file, toolkit_load

    toolkit_load(content=read_file(CONTENT_FILE))
    user = User.objects.create_user("sam@example.org", "screenshots-only-password", display_name="Sam Lee")
    return user, example_assessment_create(owner=user)


def sample_report_page(assessment) -> None:
    """docs/report-sample-page.png: the report page that starts section 1, as a reader sees it."""
    import shutil
    import subprocess
    import tempfile
    from io import BytesIO

    from pypdf import PdfReader

    from assessments.pdf import render_report_pdf

    if not shutil.which("pdftoppm"):
        print("pdftoppm not found (apt-get install poppler-utils): report sample page not made")
        return
    data = render_report_pdf(assessment)
    pages = PdfReader(BytesIO(data)).pages
    number = next(i for i, p in enumerate(pages, start=1) if "Section 1. " in (p.extract_text() or ""))
    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = Path(tmp) / "report.pdf"
        pdf_path.write_bytes(data)
        subprocess.run(  # noqa: S603 (fixed arguments, our own file)
            [
                shutil.which("pdftoppm") or "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(pdf_path),
                str(ROOT / "docs" / "report-sample-page"),
            ],
            check=True,
        )
    print("saved docs/report-sample-page.png")


def main() -> None:
    message = missing_chromium_message()
    if message:
        sys.exit(message)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    try:
        user, assessment = demo_assessment()
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        a = f"/assessments/{assessment.pk}"
        pages = {
            "start": ("/", False),
            "sign-in": ("/accounts/login/", False),
            "assessments": ("/assessments/", True),
            "task-list": (f"{a}/", True),
            "section": (f"{a}/sections/1/", True),
            "check-answers": (f"{a}/sections/1/check/", True),
            "report-preview": (f"{a}/report/", True),
        }
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for width_name, (width, height) in WIDTHS.items():
                context = browser.new_context(base_url=base, viewport={"width": width, "height": height})
                context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
                anonymous = browser.new_context(base_url=base, viewport={"width": width, "height": height})
                for name, (path, signed_in) in pages.items():
                    page = (context if signed_in else anonymous).new_page()
                    page.goto(path)
                    target = OUT / f"{name}-{width_name}.png"
                    page.screenshot(
                        path=str(target),
                        full_page=(width_name == "mobile" and name != "report-preview") or name == "start",
                    )
                    print(f"saved {target.relative_to(ROOT)}")
                    page.close()
                context.close()
                anonymous.close()
            browser.close()
        sample_report_page(assessment)
    finally:
        server.terminate()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
