"""Benchmark the report pipeline under `make serve`: files made by the worker, served by the web.

Run it on PostgreSQL (it creates and drops its own database):

    .venv/bin/python scripts/with_postgres.py .venv/bin/python bench/report_pipeline_bench.py [PEOPLE] [WORKERS]

It starts `make serve` (gunicorn and WORKERS background workers, default 2, production
settings, the real 15-second settle time) on a free loopback port, builds PEOPLE (default
200) fully answered assessments of 22 pages, each with its own owner, plus the largest
assessment the forms accept, and then measures:

1. The worker making every file before anyone clicks: how long until all are ready.
2. Click-to-PDF once edits have settled: 50 downloads by one person (median, p95).
3. The render limits hit by the worst valid input (the largest assessment): its CPU time,
   memory and pages against the child process's limits.
4. The end-of-workshop rush: PEOPLE people click "Download" at random moments within 30 s
   and follow the page as a browser does (303 to the preparing page, its status after 2 s
   and then less often, up to every 6 s, then the download). Once with every file made (edits settled), once with each
   person's last edit a few seconds before their click (nothing made yet). For the second,
   10 people keep saving answers through the autosave endpoint, to see whether the rush
   holds up saves. It prints each person's wait and when the last PDF was delivered.
"""

import concurrent.futures
import http.client
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg2

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from _serve import PeakMemory, bench_database, free_port, make_serve, manage, percentile, server_env  # noqa: E402

RUSH_WINDOW = 30.0
CLICKS = 50
EDITORS = 10
FIRST_POLL_SECONDS, POLL_BACK_OFF, MAX_POLL_SECONDS = 2.0, 1.4, 6.0

SETUP = """
import json, random, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, BACKEND_SESSION_KEY
sys.path.insert(0, "bench")
from report_bench import answer_text, answer_of_the_most_lines, build_assessment
from toolkit_content.loader import read_file, toolkit_load
from pathlib import Path
version = toolkit_load(content=read_file(Path("toolkit_content/data/hiat.yaml"))).version
User = get_user_model()
people = []
def session_for(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
for n in range(int(sys.argv[1]) + 1):  # the largest first, then the people, then the editors
    user = User.objects.create_user(f"person{n}@example.org", "pipeline-bench-2026", display_name=f"Person {n}")
    maker = answer_of_the_most_lines if n == 0 else answer_text
    assessment, _ = build_assessment(user, version, maker)
    question = assessment.toolkit_version.sections.get(number=1).questions.filter(answer_type="long_text").first()
    people.append({"session": session_for(user), "assessment": str(assessment.pk), "question": question.key,
                   "version": assessment.answers.get(question=question).version})
print(json.dumps(people))
"""


class Person:
    """One person's browser: their session cookie and a CSRF token, no redirects followed."""

    def __init__(self, base: str, person: dict, cookie_name: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port
        self.person = person
        self.csrf = secrets.token_hex(16)  # a CSRF secret as Django makes them: 32 characters
        self.cookie = f"{cookie_name}={person['session']}; csrftoken={self.csrf}"
        self.version = person["version"]

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=600)
        try:
            connection.request(method, path, body=body, headers={"Cookie": self.cookie, **headers})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def download(self) -> tuple[float, bool]:
        """Click "Download the report (PDF)" and wait as the preparing page does; seconds, and whether it waited."""
        path = f"/assessments/{self.person['assessment']}/report.pdf"
        started = time.perf_counter()
        status, headers, body = self.request("GET", path)
        waited = status == 303
        while status == 303:
            self.request("GET", headers["Location"])  # the preparing page
            pause = FIRST_POLL_SECONDS
            while True:
                # As static/js/report-preparing.js: 2 s, then 1.4 times longer each time, up to 6 s.
                time.sleep(pause)
                pause = min(pause * POLL_BACK_OFF, MAX_POLL_SECONDS)
                state = json.loads(self.request("GET", headers["Location"].replace("preparing", "status"))[2])
                if not state["waiting"]:
                    break
            status, headers, body = self.request("GET", path)
        assert status == 200 and body.startswith(b"%PDF"), (status, body[:200])
        return time.perf_counter() - started, waited

    def save_answer(self, text: str) -> float:
        """One autosave of the first answer: seconds."""
        path = f"/assessments/{self.person['assessment']}/answers/{self.person['question']}/"
        body = json.dumps({"value": text, "base_version": self.version, "client_id": secrets.token_hex(8)})
        started = time.perf_counter()
        status, _, reply = self.request(
            "POST",
            path,
            body.encode(),
            **{
                "Content-Type": "application/json",
                "X-CSRFToken": self.csrf,
                "Referer": f"http://127.0.0.1:{self.port}/",
            },
        )
        elapsed = time.perf_counter() - started
        assert status == 200, (status, reply[:300])
        self.version = json.loads(reply)["version"]
        return elapsed


def database_rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def wait_until_all_made(database_url: str, people: list[dict]) -> tuple[float, float]:
    """Seconds until every PDF was made, and until the worker had nothing left to do (the Word copies too)."""
    started = time.perf_counter()
    ids = [p["assessment"] for p in people]
    pdfs_made = 0.0
    while True:
        (pdfs, files) = database_rows(
            database_url,
            "SELECT count(*) FILTER (WHERE r.kind = 'pdf'), count(*) FROM assessments_reportrender r"
            " JOIN assessments_assessment a ON a.id = r.assessment_id"
            " WHERE r.status = 'ready' AND r.revision = a.revision AND r.assessment_id = ANY(%s::uuid[])",
            (ids,),
        )[0]
        (busy,) = database_rows(
            database_url,
            "SELECT count(*) FROM django_tasks_database_dbtaskresult"
            " WHERE status = 'RUNNING' OR (status = 'READY' AND run_after <= now())",
        )[0]
        if pdfs == len(ids) and not pdfs_made:
            pdfs_made = time.perf_counter() - started
        if files == 2 * len(ids) and not busy:
            return pdfs_made, time.perf_counter() - started
        time.sleep(1)


def rush(
    people: list[Person], editors: list[Person], *, edit_first: bool
) -> tuple[list[float], float, int, list[float]]:
    """Everyone clicks within RUSH_WINDOW s; returns waits, when the last PDF came, how many waited, save times."""
    rng = random.Random(7)
    offsets = sorted(rng.uniform(0, RUSH_WINDOW) for _ in people)
    saves: list[float] = []
    stop_saving = threading.Event()

    def editor(person: Person) -> None:
        n = 0
        while not stop_saving.is_set():
            saves.append(person.save_answer(f"Still editing, save {n}."))
            n += 1
            time.sleep(1)

    def one(args: tuple[Person, float]) -> tuple[float, bool, float]:
        person, offset = args
        time.sleep(max(0.0, started + offset - time.perf_counter()))
        if edit_first:  # their last edit, a few seconds before the click
            person.save_answer("The last edit before downloading.")
            time.sleep(3)
        seconds, waited = person.download()
        return seconds, waited, time.perf_counter() - started

    threads = [threading.Thread(target=editor, args=[p]) for p in editors]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(people)) as pool:
        results = list(pool.map(one, zip(people, offsets, strict=True)))
    stop_saving.set()
    for thread in threads:
        thread.join()
    last = max(done for _, _, done in results)  # from the start of the 30 s in which everyone clicks
    return [seconds for seconds, _, _ in results], last, sum(waited for _, waited, _ in results), saves


def describe(label: str, samples: list[float], unit: str = "s") -> str:
    scale = 1000 if unit == "ms" else 1
    return (
        f"{label:<44} median {statistics.median(samples) * scale:8.1f} {unit}"
        f"   p95 {percentile(samples, 0.95) * scale:8.1f} {unit}   max {max(samples) * scale:8.1f} {unit}"
    )


def main() -> None:
    people_count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    port = free_port()
    with bench_database("bench_pipeline") as db:
        env = server_env(db.url, port, WORKER_PROCESSES=str(workers))
        database_url = db.url
        manage(env, "migrate", "--noinput", "-v", "0")
        print(f"Building {people_count} assessments and the largest one ...", flush=True)
        setup = subprocess.run(
            [sys.executable, "-c", SETUP, str(people_count + EDITORS)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if setup.returncode:
            raise SystemExit(setup.stderr)
        people = json.loads(setup.stdout.strip().splitlines()[-1])
        largest, everyone, editing = people[0], people[1 : people_count + 1], people[people_count + 1 :]
        cookie_name = "sessionid"
        base = f"http://127.0.0.1:{port}"
        # Their saves queued renders for 15 s after them: start the clock with the server.
        with make_serve(env) as server:
            memory = PeakMemory(server.pid)
            print(
                f"Report pipeline: make serve with {workers} workers on {os.cpu_count()} cores, "
                f"Python {sys.version.split()[0]}, {people_count} people"
            )

            pdfs_in, all_in = wait_until_all_made(database_url, people)
            print(
                f"1. files made by the worker, unasked: all {len(people)} PDFs ready {pdfs_in:.0f} s after the server"
                f" started, the Word copies too and the queue empty after {all_in:.0f} s"
            )

            me = Person(base, everyone[0], cookie_name)
            for _ in range(5):  # each gunicorn process's first request
                me.download()
            clicks = [me.download() for _ in range(CLICKS)]
            assert not any(waited for _, waited in clicks)
            print(describe(f"2. click-to-PDF once settled (x{CLICKS})", [s for s, _ in clicks], "ms"))

            pages, cpu, peak_mb = database_rows(
                database_url,
                "SELECT pages, cpu_seconds, peak_memory_mb FROM assessments_reportrender"
                " WHERE assessment_id = %s AND kind = 'pdf' AND status = 'ready'",
                (largest["assessment"],),
            )[0]
            print(
                f"3. worst valid input: {pages} pages (budget 600), {cpu:.1f} s CPU (limit 60), "
                f"{peak_mb} MB resident at most (the limit: 1,024 MB of address space added)"
            )

            browsers = [Person(base, p, cookie_name) for p in everyone]
            editors = [Person(base, p, cookie_name) for p in editing]
            waits, last, waited, _ = rush(browsers, [], edit_first=False)
            print(describe(f"4a. rush, all settled (x{len(waits)})", waits))
            print(f"    the last PDF was delivered {last:.1f} s after the rush began; {waited} people waited")

            waits, last, waited, saves = rush(browsers, editors, edit_first=True)
            print(describe(f"4b. rush, last edits unsettled (x{len(waits)})", waits))
            print(f"    the last PDF was delivered {last:.1f} s after the rush began; {waited} people waited")
            print(describe(f"    autosaves by {EDITORS} others during the rush (x{len(saves)})", saves, "ms"))
            print(f"server peak memory (gunicorn, workers, render processes): {memory.stop() / 2**20:.0f} MiB")
            renders = database_rows(database_url, "SELECT count(*), sum(attempts) FROM assessments_reportrender")[0]
            print(f"render rows kept: {renders[0]} (attempts {renders[1]})")


if __name__ == "__main__":
    if not re.match(r"postgres", os.environ.get("DATABASE_URL", "")):
        raise SystemExit("Run it through scripts/with_postgres.py (it needs DATABASE_URL).")
    main()
