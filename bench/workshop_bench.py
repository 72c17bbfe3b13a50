"""Benchmark a workshop under `make serve`: a room joins, types, is watched, then asks for reports.

Run it on PostgreSQL (it creates and drops its own database on the server):

    .venv/bin/python scripts/with_postgres.py .venv/bin/python bench/workshop_bench.py
    ... bench/workshop_bench.py --people 200 --join-window 60 --typing 180 --rush-window 30  (the defaults)
    ... bench/workshop_bench.py --quick        (20 people, shorter phases: a smoke run)

What it does:

1. Set-up through the Django ORM (a subprocess, production settings): `migrate`,
   `load_toolkit`, a trainer in the "Trainers" group, signed in (Django's `login()`), and a
   workshop in individual mode opened with `workshops.services.workshop_create`.
2. `make serve` (gunicorn, the background workers, production settings) on a free
   loopback port, as bench/autosave_bench.py starts it.
3. Join: PEOPLE people arrive at random moments within JOIN_WINDOW seconds; each opens
   `/join/<code>/` with no cookies (the form and its CSRF cookie), then posts a display name
   and follows nothing more: the 302 to their assessment and its session cookie are the
   join. Join time is from the GET to the POST's answer.
4. Typing: from their join until the end of TYPING seconds (counted from the first join),
   each person saves their answer through the autosave endpoint every 5 s (as
   bench/autosave_bench.py does, with its lost-save checks), while the trainer's dashboard
   asks `/workshops/<id>/progress/` every 3 s with the ETag it last got.
5. The rush: everyone clicks "Download the report (PDF)" at random moments within
   RUSH_WINDOW seconds, each a few seconds after their last save (nothing settled), and
   follows the preparing page as a browser does (its status after 2 s, then less often,
   up to every 6 s). A person's autosaves stop at their click (it leaves the form); those
   who have not clicked yet go on saving, and are the "during the rush" figures.
6. Lost acknowledged saves, counted from the database by bench/autosave_bench.py's check.

It prints join p95, autosave p50/p95/p99 before and during the rush, dashboard p95, the
time from the rush's start until the last report was delivered, errors and lost saves,
against the targets: join p95 under 1 s; autosave p95 under 50 ms before and under 100 ms
during the rush; the last report within 3 minutes; 0 errors and 0 lost saves.
"""

import argparse
import http.client
import json
import random
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import psycopg2

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from _serve import (  # noqa: E402
    PeakMemory,
    bench_database,
    free_port,
    gunicorn_size,
    make_serve,
    manage,
    percentile,
    run_phase,
    server_env,
)
from autosave_bench import _SET_COOKIE, TIMEOUT, Person  # noqa: E402

SAVE_EVERY = 5.0
DASHBOARD_EVERY = 3.0
FIRST_POLL, POLL_BACK_OFF, MAX_POLL = 2.0, 1.4, 6.0  # as static/js/report-preparing.js


def phase_setup() -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from assessments import services
    from toolkit_content.models import Question
    from workshops.models import Workshop
    from workshops.services import workshop_create

    version = services.latest_published_version()
    key = (
        Question.objects.filter(section__version=version, answer_type=Question.AnswerType.LONG_TEXT)
        .order_by("section__number", "order")
        .values_list("key", flat=True)
        .first()
    )
    trainer = User.objects.create_user("trainer@example.org", None, display_name="Tess Trainer")
    trainer.groups.add(Group.objects.get(name="Trainers"))
    workshop = workshop_create(
        trainer=trainer,
        details={
            "name": "Benchmark workshop",
            "starts_at": timezone.now(),
            "description": "",
            "toolkit_version": version,
            "mode": Workshop.Mode.INDIVIDUAL,
            "case_study": None,
            "capacity": 500,
        },
        group_names=[],
    )
    client = Client()
    client.force_login(trainer, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_header": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-"),
        "trainer_session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "code": workshop.join_code,
        "workshop": workshop.pk,
        "key": key,
    }


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in _SET_COOKIE(header).items():
            found[name] = morsel.value
    return found


class Participant(Person):
    """A person who joins with the code, then types and downloads like a Person."""

    def __init__(self, n: int, setup: dict[str, Any], port: int, seed: int) -> None:
        info = {"n": n, "user_id": None, "assessment": None, "own": setup["key"], "shared": setup["key"]}
        info |= {"session": "", "csrf": ""}
        super().__init__(info, setup, port, seed)
        self.setup = setup
        self.join_seconds: float | None = None
        self.report_done: float | None = None
        self.download_started: float | None = None
        self.errors: list[str] = []

    def _request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)} | (headers or {})
        connection.request(method, path, body, all_headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        self.cookies |= {k: v for k, v in _cookies(response).items() if k in self.cookies}
        return response, data

    def join(self, name: str) -> None:
        path = f"/join/{self.setup['code']}/"
        self.cookies = {self.setup["session_cookie"]: "", self.setup["csrf_cookie"]: ""}
        started = time.perf_counter()
        try:
            response, page = self._request("GET", path)
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if response.status != 200 or token is None:
                raise RuntimeError(f"join form: HTTP {response.status}")
            form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "display_name": name})
            response, _ = self._request(
                "POST", path, form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
            )
            location = response.getheader("Location") or ""
            found = re.search(r"/assessments/([0-9a-f-]{36})/", location)
            if response.status != 302 or found is None:
                raise RuntimeError(f"join: HTTP {response.status} to {location!r}")
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            self.errors.append(f"join: {error}")
            return
        self.join_seconds = time.perf_counter() - started
        self.info["assessment"] = found.group(1)
        self.info["csrf"] = self.cookies[self.setup["csrf_cookie"]]  # a new token after the sign-in

    def download(self) -> None:
        path = f"/assessments/{self.info['assessment']}/report.pdf"
        self.download_started = time.perf_counter()
        try:
            response, body = self._request("GET", path)
            while response.status == 303:
                preparing = response.getheader("Location") or ""
                self._request("GET", preparing)
                pause = FIRST_POLL
                while True:
                    time.sleep(pause)
                    pause = min(pause * POLL_BACK_OFF, MAX_POLL)
                    _, state = self._request("GET", preparing.replace("preparing", "status"))
                    if not json.loads(state)["waiting"]:
                        break
                response, body = self._request("GET", path)
            if response.status != 200 or not body.startswith(b"%PDF"):
                raise RuntimeError(f"report: HTTP {response.status}")
        except (OSError, http.client.HTTPException, RuntimeError, ValueError) as error:
            self.errors.append(f"report: {error}")
            return
        finally:
            self.report_done = time.perf_counter()

    def session(self, started: float, join_at: float, typing_until: float, rush_at: float) -> None:
        time.sleep(max(0.0, started + join_at - time.perf_counter()))
        self.join(f"Participant {self.info['n']}")
        if self.info["assessment"] is None:
            return
        downloading = threading.Thread(target=self._download_at, args=(started, rush_at), daemon=True)
        downloading.start()
        # The form autosaves until the person clicks "Download": the click leaves the page.
        next_at = time.perf_counter() + self.rng.uniform(0, SAVE_EVERY)
        while self.download_started is None:
            time.sleep(max(0.0, min(next_at, started + rush_at) - time.perf_counter()))
            if self.download_started is not None or time.perf_counter() >= started + rush_at:
                break
            self.save(self.info["own"], started)
            next_at += SAVE_EVERY
        downloading.join()

    def _download_at(self, started: float, rush_at: float) -> None:
        time.sleep(max(0.0, started + rush_at - time.perf_counter()))
        self.download()


def dashboard(setup: dict[str, Any], port: int, stop: threading.Event, samples: list[tuple[float, int]]) -> None:
    path = f"/workshops/{setup['workshop']}/progress/"
    etag = ""
    cookie = f"{setup['session_cookie']}={setup['trainer_session']}"
    while not stop.is_set():
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            headers = {"Cookie": cookie, "Accept": "application/json"} | ({"If-None-Match": etag} if etag else {})
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            etag = response.getheader("ETag") or etag
            samples.append((time.perf_counter() - started, response.status))
        except (OSError, http.client.HTTPException):
            samples.append((time.perf_counter() - started, 0))
        stop.wait(DASHBOARD_EVERY)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {ms(statistics.median(values))}, p95 {ms(percentile(values, 0.95))}, p99 {ms(percentile(values, 0.99))}"
    )


def stopped(*_: object) -> None:
    sys.exit(143)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--join-window", type=float, default=60.0)
    parser.add_argument("--typing", type=float, default=180.0, help="seconds of typing, from the first join")
    parser.add_argument("--rush-window", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="20 people, 10 s to join, 30 s of typing")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--phase", choices=["setup"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "setup":
        print(json.dumps(phase_setup()))
        return
    if args.quick:
        args.people, args.join_window, args.typing, args.rush_window = 20, 10.0, 30.0, 10.0
    signal.signal(signal.SIGTERM, stopped)

    port = free_port()
    log = Path(tempfile.mkstemp(prefix="hiat-workshop-serve-", suffix=".log")[1])
    ok = False
    with bench_database("bench_workshop") as db:
        env = server_env(db.url, port)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_toolkit")
        setup = run_phase(Path(__file__).resolve(), env, ["--phase", "setup"])
        with make_serve(env, log) as server:
            print(f"make serve on port {port} ({gunicorn_size(env)}); log in {log}", flush=True)
            memory = PeakMemory(server.pid)

            rng = random.Random(args.seed)
            people = [Participant(n, setup, port, seed=args.seed + n) for n in range(args.people)]
            started = time.perf_counter()
            stop = threading.Event()
            dash: list[tuple[float, int]] = []
            watcher = threading.Thread(target=dashboard, args=(setup, port, stop, dash), daemon=True)
            watcher.start()
            threads = [
                threading.Thread(
                    target=p.session,
                    args=(
                        started,
                        rng.uniform(0, args.join_window),
                        args.typing,
                        args.typing + rng.uniform(0, args.rush_window),
                    ),
                    daemon=True,
                )
                for p in people
            ]
            print(
                f"{args.people} people join within {args.join_window:.0f} s, type until {args.typing:.0f} s, "
                f"then ask for their report within {args.rush_window:.0f} s ...",
                flush=True,
            )
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stop.set()
            watcher.join()
            peak = memory.stop()

        rush_at = started + args.typing
        before = [s for p in people for (at, s, _status) in p.stats.samples if started + at < rush_at]
        during = [s for p in people for (at, s, _status) in p.stats.samples if started + at >= rush_at]
        joins = [p.join_seconds for p in people if p.join_seconds is not None]
        done = [p.report_done - rush_at for p in people if p.report_done is not None and not p.errors]
        errors = [e for p in people for e in p.errors] + [
            f"{name} x{count}" for p in people for name, count in p.stats.errors.items()
        ]
        dash_errors = sum(1 for _, status in dash if status not in (200, 304))
        # Each participant owns the assessment they joined into (individual mode): the check
        # needs who saved, to tell a folded history entry from someone else's.
        with psycopg2.connect(db.url) as bench_db, bench_db.cursor() as cursor:
            cursor.execute("SELECT id::text, owner_id FROM assessments_assessment")
            owners = dict(cursor.fetchall())
        bench_db.close()
        acks = [a | {"user_id": owners[a["assessment"]]} for p in people for a in p.stats.acks]
        check_env = env | {"DJANGO_SETTINGS_MODULE": "hiat_site.settings"}
        check = run_phase(BENCH / "autosave_bench.py", check_env, ["--phase", "check"], stdin=json.dumps(acks))
        print()
        print(f"Workshop under make serve ({gunicorn_size(env)}), 2 cores, {args.people} people")
        print(f"join ({len(joins)} of {args.people}): {spread(joins)}")
        print(f"autosave before the rush ({len(before)}): {spread(before)}")
        print(f"autosave during the rush ({len(during)}): {spread(during)}")
        print(
            f"dashboard ({len(dash)}, {sum(1 for _, s in dash if s == 304)} answered 304): "
            f"{spread([s for s, _ in dash])}"
        )
        last = max(done) if done else float("nan")
        print(f"reports delivered: {len(done)} of {args.people}; the last {last:.1f} s after the rush window opened")
        print(f"errors: {len(errors) + dash_errors} {errors[:5]}")
        print(
            f"lost acknowledged saves: {check['lost']} of {check['acknowledged']} "
            f"(by check: {check['lost_by_check']}); {check['unacknowledged_writes']} writes never acknowledged"
        )
        print(f"server peak memory (every process under make serve): {peak / 2**20:.0f} MiB")
        ok = (
            len(joins) == args.people
            and bool(joins)
            and percentile(joins, 0.95) < 1.0
            and bool(before)
            and percentile(before, 0.95) < 0.05
            and bool(during)
            and percentile(during, 0.95) < 0.1
            and len(done) == args.people
            and last < 180
            and not errors
            and not dash_errors
            and check["lost"] == 0
        )
        print(
            f"targets (join p95 < 1 s, autosave p95 < 50 / 100 ms, last report < 180 s, 0 errors): "
            f"{'met' if ok else 'NOT met'}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
