"""Benchmark the end-of-workshop rush: many people download their reports at the same moment.

Run it on PostgreSQL (it creates and drops its own test database):

    .venv/bin/python scripts/with_postgres.py .venv/bin/python bench/report_rush.py [PEOPLE]

It builds PEOPLE (default 40) fully answered assessments, each with its own owner, and
sends every owner's PDF download at once to as many worker processes as the machine has
cores, through the real view, with the reports cache in a shared folder as in production.
It prints how long people waited (median, p95, the last one) and the throughput, then the
same rush again when every report is already cached. The baseline in the same run is one
download with nothing else happening.
"""

import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hiat_site.settings_test")

# report_bench sets Django up with the test settings on import.
from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from report_bench import answer_text, build_assessment, line, percentile  # noqa: E402
from weasyprint import HTML  # noqa: E402

WORKERS = os.cpu_count() or 2


def download(job: tuple[str, str, float]) -> tuple[float, str]:
    """One person's download, in a worker process: seconds from the rush's start, cache hit or miss."""
    assessment_pk, session_key, rush_started = job
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    response = client.get(reverse("assessment_report_pdf", args=[assessment_pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.status_code
    return time.perf_counter() - rush_started, response["X-Report-Cache"]


def connect(_: int) -> None:
    """Open the worker's database connection before the clock starts, as a running server has."""
    connection.ensure_connection()
    time.sleep(0.2)  # so that each worker takes one of these


def rush(pool, jobs: list[tuple[str, str]]) -> tuple[list[float], float, set[str]]:
    """Everyone at once; returns each person's wait, the wall time, and the cache results seen."""
    started = time.perf_counter()
    results = pool.map(download, [(pk, session, started) for pk, session in jobs], chunksize=1)
    wall = time.perf_counter() - started
    return [wait for wait, _ in results], wall, {cache for _, cache in results}


def signed_in_session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main() -> None:
    from accounts.models import User
    from toolkit_content.loader import read_file, toolkit_load

    people = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    cache_dir = tempfile.mkdtemp(prefix="hiat-rush-cache-")
    settings.CACHES["reports"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": cache_dir,
    }
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        version = toolkit_load(content=read_file(Path("toolkit_content/data/hiat.yaml"))).version
        jobs = []
        for n in range(people + 1):
            user = User.objects.create_user(f"person{n}@example.org", "rush-password-123", display_name=f"P{n}")
            assessment, _ = build_assessment(user, version, answer_text)
            jobs.append((str(assessment.pk), signed_in_session(user)))
        baseline_job, jobs = jobs[0], jobs[1:]
        # Load fonts once before forking, as a long-running worker has: the rush measures renders.
        HTML(string="<p>Warm up</p>").write_pdf()

        connections.close_all()  # forked workers open their own connections
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            pool.map(connect, range(WORKERS), chunksize=1)
            baseline, _, _ = rush(pool, [baseline_job])
            cold_waits, cold_wall, cold_caches = rush(pool, jobs)
            warm_waits, warm_wall, warm_caches = rush(pool, jobs)
        assert cold_caches == {"miss"} and warm_caches == {"hit"}, (cold_caches, warm_caches)
        children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"Report rush ({WORKERS} worker processes on {os.cpu_count()} cores, Python {sys.version.split()[0]})")
    print(f"{people} people download the report of a fully answered assessment at the same moment")
    print(line("one download alone (baseline)", baseline))
    print(line(f"rush, nothing cached (x{people})", cold_waits))
    print(f"  the last person waited {cold_wall:.1f} s; {people / cold_wall:.1f} reports/s")
    print(f"  median wait / baseline: {statistics.median(cold_waits) / baseline[0]:.1f}x")
    print(line(f"rush, all cached (x{people})", warm_waits))
    print(f"  the last person waited {warm_wall * 1000:.0f} ms; p95 {percentile(warm_waits, 95) * 1000:.0f} ms")
    print(f"peak RSS of a worker process: {children_rss:.0f} MB")


if __name__ == "__main__":
    main()
