"""Benchmark autosave under `make serve`: a room of people typing answers that save as they go.

Run it on PostgreSQL (it creates and drops its own database on the server):

    .venv/bin/python scripts/with_postgres.py .venv/bin/python bench/autosave_bench.py
    ... bench/autosave_bench.py --people 200 --seconds 120   (the defaults)
    ... bench/autosave_bench.py --quick                       (20 people for 15 s: a smoke run)

What it does:

1. Set-up, in the benchmark's own database through the Django ORM (a subprocess running
   this file with `--phase setup`, production settings): `migrate`, `load_toolkit`, PEOPLE
   accounts in teams of `--team` (default 4: 50 assessments of 4 for 200 people), each team
   on one assessment (the owner plus editors, `Membership` with `Role.EDITOR`), and one more
   person alone on an assessment of their own for the baseline. Everyone is signed in
   without the password form (so Argon2 is not measured): Django's `Client.force_login`
   runs the real `login()`, which fires `user_logged_in` (the sign-in time the session
   limit counts from, the security log) and stores the session with the configured
   session engine, exactly as a sign-in would leave it. Each person gets a CSRF cookie of
   32 random letters and digits, sent back in `X-CSRFToken` (Django accepts an unmasked
   32-character secret in both while CSRF_USE_SESSIONS is off).
2. `make serve` (gunicorn with `hiat_site/gunicorn_conf.py`, the worker, production settings)
   on a free loopback port, as `bench/serve_bench.py` starts it. Its log goes to a file;
   the access log is given gunicorn's own request time and process id, so the server's
   view of latency (time in a worker thread) can be told apart from time spent queueing
   before it, and the spread of saves over the worker processes is seen. `--workers`,
   `--threads` and `--gunicorn-args` try other server settings. The server is started
   before the baseline; `--wait-quiet SECONDS` then waits (up to that long) until other
   work on the machine uses under 0.2 cores, since the figures mean little on a busy host.
3. Baseline: the person alone saves their answer BASELINE times in a row (after 10 saves
   that warm up the server and are not counted), over one keep-alive connection.
4. The load: PEOPLE threads, one per person, each with its own persistent HTTP connection
   (http.client; a browser keeps one open too). Each person saves every 2 to 5 s (uniform;
   the first save at a random moment in the first 5 s) for SECONDS, waiting for each save's
   answer before the next, as the autosave script does. Most saves go to the person's own
   question; a fraction (`--shared`, default 0.1) go to one question the whole team
   shares, so that people really do overwrite each other: a save based on an older
   version gets a 409, and the client then does what the autosave script does ("keep
   mine"): it sends its text again with `base_version` set to the version the 409 returned
   (and the same client id: the refused save left no receipt). Each save appends a few
   words to that person's text for the question, so every text ever sent is unique to one
   person and one save (the lost-save checks below rely on this).
   A save sent on a kept-alive connection that the server had closed meanwhile (idle past
   gunicorn's keep-alive, or a worker recycled after `max_requests`) fails before any
   answer; it is sent again once on a new connection with the same client id, as browsers
   do, and counted as "resent" (the client id makes the resend safe even if the first had
   been applied). Latency is measured from the first send to the final answer.
5. Lost acknowledged saves, counted from the database (a subprocess running `--phase
   check`). Every 200 is an acknowledged save: (assessment, question, client id, version,
   SHA-256 of the text). An acknowledged save is lost if any of these fails:
   - receipt: an `AnswerSaveReceipt` for its answer and client id exists with the same
     version (the server's own record that it applied that save);
   - answer: the stored `Answer` exists and its version is at least the acknowledged one
     (versions only grow, one per changing save);
   - history: the `AnswerRevision` entry covering that version (the entry with the
     smallest version at or above it; one person's saves within a minute are folded into
     one entry) exists; if its version is exactly the acknowledged one its text is the
     acknowledged text; if it is a folded entry, its author is the person who saved (a
     fold only ever holds one author's consecutive versions);
   - unique versions: no two acknowledged saves of different text got the same version
     of one answer (that would be one overwriting the other unseen);
   - last write: for each answer, if its stored version equals the highest acknowledged
     version, the stored text is that save's text.
   Also checked, separately: each assessment's `revision` went up by exactly the number of
   changing writes (the sum of its answers' versions, nothing else writes during the run):
   a changing save that did not bump the revision would leave a stale cached report.
   Stored versions above the highest acknowledged one are writes nobody saw acknowledged
   (a save whose answer never arrived); they are reported, not counted as lost.

The acknowledged saves are also written next to the server's log (`*.acks.json`); with
`--keep-database` the checks can be run again: `--phase check < file`, with the same
environment as the server.

It prints requests/s, p50/p95/p99 of every save request (200s and 409s; errors are counted,
not timed), the 409s (correct behaviour, not errors), errors (any other status, or a
transport failure after the one resend), lost acknowledged saves, the server's peak memory
(the summed RSS of every process under `make serve`: gunicorn, its workers, the task
worker, honcho), the baseline's median and p95, and the ratio of p95 under load to the
baseline's p95. To tell where the time goes it also prints the CPU used by the server,
by PostgreSQL's backends for this database, by the simulated people and by other work on
the machine, and what those backends were doing on average (running a query, waiting for a
lock, waiting on WAL or disk, idle in a transaction while Django works): see `Sampler`.
It exits with status 1 if any save was lost or any request failed; a p95
over the target is reported but does not fail the run (it depends on the machine).

Caveats: the simulated people run in this process on the same cores as the server and
PostgreSQL (their CPU share is printed); each person waits for an answer before their next
save, so a slow server sees fewer requests rather than a growing queue (the figures are
per request actually sent, and the achieved requests/s is printed beside the offered rate).
Stopped with SIGTERM, it still stops the server and drops its database.
"""

import argparse
import collections
import contextlib
import hashlib
import http.client
import http.cookies
import json
import os
import random
import re
import secrets
import signal
import statistics
import string
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))  # the phases run Django from this file
SCRIPT = Path(__file__).resolve()

from _serve import (  # noqa: E402
    bench_database,
    free_port,
    gunicorn_size,
    make_serve,
    manage,
    percentile,
    run_phase,
    server_env,
)

TARGET_P95_MS = 50.0
TIMEOUT = 60.0  # seconds a save may take before it counts as failed (gunicorn's own timeout)
MAX_KEEP_MINE = 5  # "keep mine" resends after 409s before a save is given up (an error)
WARM_UP_SAVES = 10
WORDS = [
    *["people", "living", "in", "the", "most", "deprived", "areas", "wait", "longer", "for", "appointments"],
    *["and", "the", "service", "should", "reach", "carers", "shift", "workers", "and", "families", "without"],
    *["a", "car", "through", "community", "venues", "evening", "clinics", "interpreters", "and", "text"],
    *["reminders", "we", "will", "compare", "uptake", "by", "deprivation", "quintile", "ethnicity", "age"],
]
# Sent back by the server on every save (SESSION_SAVE_EVERY_REQUEST): kept like a browser.
_SET_COOKIE = http.cookies.SimpleCookie


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------------------
# Phases run in a subprocess with Django set up against the benchmark's database.
# --------------------------------------------------------------------------------------


def phase_setup(people: int, team: int) -> dict[str, Any]:
    """Accounts, teams, assessments and signed-in sessions; returns what the clients need."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.test import Client

    from accounts.models import User
    from assessments import services
    from assessments.models import Membership, Role, WorkType
    from toolkit_content.models import Question

    version = services.latest_published_version()
    keys = list(
        Question.objects.filter(section__version=version, answer_type=Question.AnswerType.LONG_TEXT)
        .order_by("section__number", "order")
        .values_list("key", flat=True)
    )
    if len(keys) < team + 1:
        raise SystemExit(f"The toolkit has {len(keys)} long-text questions; a team of {team} needs {team + 1}.")
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"typist{n}@example.org", display_name=f"Typist {n}", password=unusable) for n in range(people + 1)
    )

    def assessment_for(owner: User, n: int) -> str:
        details = {
            "title": f"Autosave team {n}",
            "organisation": "Bench NHS Trust",
            "work_type": WorkType.SERVICE_CHANGE,
        }
        return str(services.assessment_create(owner=owner, details=details).pk)

    def signed_in(user: User) -> str:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    alphabet = string.ascii_letters + string.digits
    everyone: list[dict[str, Any]] = []
    for start in range(0, people, team):
        members = users[start : min(start + team, people)]
        owner = members[0]
        assessment = assessment_for(owner, start // team)
        for editor in members[1:]:
            Membership.objects.create(assessment_id=assessment, user=editor, role=Role.EDITOR, added_by=owner)
        for seat, member in enumerate(members):
            everyone.append(
                {
                    "n": start + seat,
                    "user_id": member.pk,
                    "assessment": assessment,
                    "own": keys[seat + 1],
                    "shared": keys[0],
                    "session": signed_in(member),
                    "csrf": "".join(secrets.choice(alphabet) for _ in range(32)),
                }
            )
    loner = users[people]
    baseline = {
        "n": people,
        "user_id": loner.pk,
        "assessment": assessment_for(loner, people),
        "own": keys[1],
        "shared": keys[0],
        "session": signed_in(loner),
        "csrf": "".join(secrets.choice(alphabet) for _ in range(32)),
    }
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_header": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-"),
        "people": everyone,
        "baseline": baseline,
    }


def phase_check(acks: list[dict[str, Any]], initial_revision: int) -> dict[str, Any]:
    """Count lost acknowledged saves against the database (see the module docstring)."""
    import django

    django.setup()
    from assessments.models import Answer, AnswerRevision, AnswerSaveReceipt, Assessment

    ids = sorted({a["assessment"] for a in acks})
    answers = {
        (str(a.assessment_id), a.question.key): a
        for a in Answer.objects.filter(assessment_id__in=ids).select_related("question")
    }
    receipts = {
        (str(assessment), key, client_id): version
        for assessment, key, client_id, version in AnswerSaveReceipt.objects.filter(
            answer__assessment_id__in=ids
        ).values_list("answer__assessment_id", "answer__question__key", "client_id", "version")
    }
    history: dict[tuple[str, str], list[tuple[int, int | None, str]]] = collections.defaultdict(list)
    for assessment, key, version, author, text in (
        AnswerRevision.objects.filter(answer__assessment_id__in=ids)
        .order_by("version")
        .values_list("answer__assessment_id", "answer__question__key", "version", "author_id", "text")
    ):
        history[(str(assessment), key)].append((version, author, digest(text)))

    lost: dict[str, set[int]] = {"receipt": set(), "answer": set(), "history": set(), "unique": set(), "last": set()}
    first_text_at: dict[tuple[str, str, int], str] = {}
    highest: dict[tuple[str, str], int] = {}
    for i, ack in enumerate(acks):
        where = (ack["assessment"], ack["question"])
        if receipts.get((*where, ack["client_id"])) != ack["version"]:
            lost["receipt"].add(i)
        answer = answers.get(where)
        if answer is None or answer.version < ack["version"]:
            lost["answer"].add(i)
        entry = next((e for e in history.get(where, []) if e[0] >= ack["version"]), None)
        if (
            entry is None
            or (entry[0] == ack["version"] and entry[2] != ack["digest"])
            or (entry[0] > ack["version"] and entry[1] != ack["user_id"])
        ):
            lost["history"].add(i)
        if first_text_at.setdefault((*where, ack["version"]), ack["digest"]) != ack["digest"]:
            lost["unique"].add(i)
        if ack["version"] >= acks[highest.get(where, i)]["version"]:
            highest[where] = i
    unacknowledged = 0
    for where, i in highest.items():
        answer = answers.get(where)
        if answer is None:
            continue  # already counted under "answer"
        if answer.version == acks[i]["version"] and digest(answer.text) != acks[i]["digest"]:
            lost["last"].add(i)
        unacknowledged += max(0, answer.version - acks[i]["version"])

    writes: collections.Counter[str] = collections.Counter()
    for (answered, _key), answer in answers.items():
        writes[answered] += answer.version
    revision_mismatches = sum(
        1
        for pk, revision in Assessment.objects.filter(pk__in=ids).values_list("pk", "revision")
        if revision - initial_revision != writes[str(pk)]
    )
    return {
        "acknowledged": len(acks),
        "receipts": len(receipts),
        "answers": len(answers),
        "lost": len(set().union(*lost.values())),
        "lost_by_check": {name: len(found) for name, found in lost.items()},
        "unacknowledged_writes": unacknowledged,
        "changing_writes": sum(writes.values()),
        "assessments": len(ids),
        "revision_mismatches": revision_mismatches,
    }


# --------------------------------------------------------------------------------------
# The simulated people.
# --------------------------------------------------------------------------------------


class Retryable(Exception):
    """A kept-alive connection the server had closed: nothing was answered."""


@dataclass
class Stats:
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (sent at, seconds, status)
    acks: list[dict[str, Any]] = field(default_factory=list)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    conflicts: int = 0
    resent: int = 0
    saves: int = 0


class Person:
    """One person's browser tab: a signed-in session, one keep-alive connection, their drafts."""

    def __init__(self, info: dict[str, Any], setup: dict[str, Any], port: int, seed: int) -> None:
        self.info = info
        self.port = port
        self.rng = random.Random(seed)
        self.cookies = {setup["session_cookie"]: info["session"], setup["csrf_cookie"]: info["csrf"]}
        self.csrf_header = setup["csrf_header"]
        self.connection: http.client.HTTPConnection | None = None
        self.drafts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.stats = Stats()

    def _post_once(self, path: str, payload: bytes) -> tuple[int, bytes]:
        reused = self.connection is not None
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            self.csrf_header: self.info["csrf"],
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        try:
            self.connection.request("POST", path, payload, headers)
            response = self.connection.getresponse()
            body = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            self.connection.close()
            self.connection = None
            if reused:
                raise Retryable from None
            raise
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in _SET_COOKIE(header).items():
                if name in self.cookies:
                    self.cookies[name] = morsel.value
        if response.will_close:
            self.connection.close()
            self.connection = None
        return response.status, body

    def post(self, path: str, payload: bytes) -> tuple[int, bytes]:
        try:
            return self._post_once(path, payload)
        except Retryable:
            self.stats.resent += 1
            return self._post_once(path, payload)

    def _type(self, key: str) -> str:
        text = self.drafts.get(key) or f"Person {self.info['n']} writes:"
        if len(text) > 15_000 or text.count("\n") > 300:  # stay inside the answer limits
            text = f"Person {self.info['n']} starts again:"
        separator = "\n\n" if self.rng.random() < 0.1 else " "
        text += separator + " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(3, 8)))
        self.drafts[key] = text
        return text

    def save(self, key: str, started: float) -> None:
        """One autosave: the text so far, from the version last seen; "keep mine" on 409."""
        text = self._type(key)
        client_id = uuid.uuid4().hex
        base = self.versions.get(key, 0)
        path = f"/assessments/{self.info['assessment']}/answers/{key}/"
        self.stats.saves += 1
        for _ in range(MAX_KEEP_MINE + 1):
            payload = json.dumps({"value": text, "base_version": base, "client_id": client_id}).encode()
            t0 = time.perf_counter()
            try:
                status, body = self.post(path, payload)
            except (OSError, http.client.HTTPException, Retryable) as error:
                self.stats.errors[type(error).__name__] += 1
                return
            self.stats.samples.append((t0 - started, time.perf_counter() - t0, status))
            if status == 200:
                version = json.loads(body)["version"]
                self.versions[key] = version
                self.stats.acks.append(
                    {
                        "assessment": self.info["assessment"],
                        "question": key,
                        "client_id": client_id,
                        "version": version,
                        "digest": digest(text),
                        "user_id": self.info["user_id"],
                    }
                )
                return
            if status == 409:
                self.stats.conflicts += 1
                base = json.loads(body)["version"]  # keep mine: send it again on the newer version
                continue
            self.stats.errors[f"HTTP {status}"] += 1
            return
        self.stats.errors["still conflicting after keep-mine resends"] += 1

    def type_for(self, started: float, seconds: float, shared: float) -> None:
        stop_at = started + seconds
        next_at = started + self.rng.uniform(0, 5)
        while next_at < stop_at:
            time.sleep(max(0.0, next_at - time.perf_counter()))
            key = self.info["shared"] if self.rng.random() < shared else self.info["own"]
            self.save(key, started)
            next_at = time.perf_counter() + self.rng.uniform(2, 5)
        if self.connection is not None:
            self.connection.close()


# --------------------------------------------------------------------------------------
# The run.
# --------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def server_log_figures(log: Path, since: int) -> dict[str, Any]:
    """From the access log after byte `since`: gunicorn's own time for each save (seconds),
    the share of saves the busiest and the idlest worker process served, and workers booted."""
    text = log.read_text(errors="replace")[since:]
    lines = re.findall(r"ACCESS (?:200|409) (\d+) <(\d+)> POST /assessments/", text)
    per_worker = collections.Counter(pid for _, pid in lines)
    return {
        "times": [int(us) / 1e6 for us, _ in lines],
        "busiest": max(per_worker.values(), default=0) / max(1, len(lines)),
        "idlest": min(per_worker.values(), default=0) / max(1, len(lines)),
        "processes": len(per_worker),
        "booted": len(re.findall(r"Booting worker", text)),
    }


def baseline_run(person: Person, count: int) -> list[float]:
    """The same save by one person with nobody else around, back to back."""
    started = time.perf_counter()
    for _ in range(WARM_UP_SAVES):
        person.save(person.info["own"], started)
    person.stats.samples.clear()
    for _ in range(count):
        person.save(person.info["own"], started)
    if person.stats.errors or person.stats.conflicts:
        raise SystemExit(f"The baseline saves failed: {dict(person.stats.errors)}, {person.stats.conflicts} conflicts")
    return [seconds for _, seconds, _ in person.stats.samples]


def busy_seconds() -> float:
    """CPU seconds all cores have spent working since boot."""
    times = psutil.cpu_times()
    return float(times.user + times.nice + times.system + times.irq + times.softirq)


def machine_busy(seconds: float) -> float:
    """Cores busy on the whole machine over the next `seconds`."""
    before = busy_seconds()
    time.sleep(seconds)
    return (busy_seconds() - before) / seconds


def wait_until_quiet(limit: float) -> float:
    """Wait up to `limit` seconds for other work on the machine to stop; returns the cores it keeps busy."""
    deadline = time.monotonic() + limit
    said = 0.0
    while True:
        busy = machine_busy(3.0)
        if busy < 0.2 or time.monotonic() > deadline:
            return busy
        if time.monotonic() - said > 60:
            print(f"  the machine is busy with other work ({busy:.2f} cores); waiting ...", flush=True)
            said = time.monotonic()


class Sampler:
    """During the load: peak summed RSS of the server's processes, who used the CPU, and
    what PostgreSQL's backends were doing.

    CPU is split into the server (every process under `make serve`), PostgreSQL (the
    backends connected to the benchmark's database), the simulated people (this process),
    and everything else on the machine (other work, which makes the figures less reliable).
    Each process's CPU time is taken from its last sample, so workers that gunicorn recycles
    during the run still count up to shortly before they exit.

    Five times a second `pg_stat_activity` says what each backend of the benchmark's
    database is doing: running a query, waiting for a lock (a row lock: another save to the
    same assessment holds it), waiting on WAL or disk (commits), or idle inside a
    transaction (waiting for Django to send the next query, with the assessment's row lock
    held). The averages say where a save's time goes inside the database.
    """

    STATES = ("running", "lock", "wal_or_io", "idle_in_transaction")

    def __init__(self, server_pid: int, admin: Any, database: str) -> None:
        self.root = psutil.Process(server_pid)
        self.admin, self.database = admin, database
        self.peak = 0
        self.server_cpu: dict[int, float] = {}
        self.postgres_cpu: dict[int, float] = {}
        self.backends: collections.Counter[str] = collections.Counter()
        self.activity_samples = 0
        self.server_start = self._cpu(self._server_processes(), self.server_cpu)
        self.postgres_start = self._cpu(self._postgres_processes(self._activity()), self.postgres_cpu)
        self.machine_start, self.own_start, self.started = busy_seconds(), time.process_time(), time.perf_counter()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _server_processes(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return []

    def _activity(self) -> list[tuple[int, str, str | None]]:
        cursor = self.admin.cursor()
        cursor.execute(
            "SELECT pid, state, wait_event_type FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.database],
        )
        return list(cursor.fetchall())

    @staticmethod
    def _postgres_processes(activity: list[tuple[int, str, str | None]]) -> list[psutil.Process]:
        found = []
        for pid, _state, _wait in activity:
            with contextlib.suppress(psutil.Error):
                found.append(psutil.Process(pid))
        return found

    def _count(self, activity: list[tuple[int, str, str | None]]) -> None:
        self.activity_samples += 1
        for _pid, state, wait in activity:
            if state == "idle in transaction":
                self.backends["idle_in_transaction"] += 1
            elif state == "active":
                kind = {"Lock": "lock", "IO": "wal_or_io", "LWLock": "wal_or_io"}.get(wait or "", "running")
                self.backends[kind] += 1

    @staticmethod
    def _cpu(processes: list[psutil.Process], seen: dict[int, float]) -> float:
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            seen[process.pid] = times.user + times.system
        return sum(seen.values())

    def _sample(self) -> None:
        ticks = 0
        while self.running:
            processes = self._server_processes()
            rss = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    rss += process.memory_info().rss
            self.peak = max(self.peak, rss)
            if ticks % 2 == 0:
                activity = self._activity()
                self._count(activity)
                if ticks % 10 == 0:
                    self._cpu(processes, self.server_cpu)
                    self._cpu(self._postgres_processes(activity), self.postgres_cpu)
            ticks += 1
            time.sleep(0.1)

    def stop(self) -> dict[str, float]:
        """Peak memory in bytes, each party's CPU in cores over the run, and backends in each state."""
        self.running = False
        self.thread.join()
        wall = time.perf_counter() - self.started
        server = (self._cpu(self._server_processes(), self.server_cpu) - self.server_start) / wall
        postgres = self._cpu(self._postgres_processes(self._activity()), self.postgres_cpu) - self.postgres_start
        people = (time.process_time() - self.own_start) / wall
        machine = (busy_seconds() - self.machine_start) / wall
        return {
            "peak": self.peak,
            "server": server,
            "postgres": postgres / wall,
            "people": people,
            "other": max(0.0, machine - server - postgres / wall - people),
            "machine": machine,
            **{state: self.backends[state] / max(1, self.activity_samples) for state in self.STATES},
        }


def load_run(people: list[Person], seconds: float, shared: float) -> float:
    """Everyone types for `seconds`; returns the wall time until the last answer."""
    started = time.perf_counter()
    threads = [
        threading.Thread(target=p.type_for, args=(started, seconds, shared), daemon=True, name=f"person-{i}")
        for i, p in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def report(args: argparse.Namespace, baseline: list[float], people: list[Person], figures: dict[str, Any]) -> bool:
    samples = [s for p in people for s in p.stats.samples]
    times = [seconds for _, seconds, _ in samples]
    errors: collections.Counter[str] = collections.Counter()
    for p in people:
        errors.update(p.stats.errors)
    conflicts = sum(p.stats.conflicts for p in people)
    saves = sum(p.stats.saves for p in people)
    acks = sum(len(p.stats.acks) for p in people)
    resent = sum(p.stats.resent for p in people)
    check = figures["check"]
    wall = figures["wall"]
    base_p95, load_p95 = percentile(baseline, 0.95), percentile(times, 0.95) if times else float("nan")
    teams = -(-args.people // args.team)
    print(
        f"\nAutosave under make serve ({figures['workers']}), {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, PostgreSQL {figures['postgres']}"
    )
    print(
        f"{args.people} people in {teams} teams of {args.team} (one assessment each), a save every 2-5 s for "
        f"{args.seconds:.0f} s; {args.shared:.0%} of saves to a question the team shares"
    )
    print(
        f"baseline, one person alone, {len(baseline)} saves in a row: "
        f"median {ms(statistics.median(baseline))}, p95 {ms(base_p95)}"
    )
    print(
        f"requests: {len(times)} answered in {wall:.1f} s = {len(times) / wall:.1f} requests/s "
        f"(offered about {args.people / 3.5:.0f} saves/s); {saves} saves, {acks} acknowledged"
    )
    if times:
        print(
            f"latency, every request: p50 {ms(statistics.median(times))}, p95 {ms(load_p95)}, "
            f"p99 {ms(percentile(times, 0.99))}, max {ms(max(times))}"
        )
        server = figures["log"]["times"]
        if server:
            print(
                f"  gunicorn's own time in a worker thread: p50 {ms(statistics.median(server))}, "
                f"p95 {ms(percentile(server, 0.95))}, p99 {ms(percentile(server, 0.99))}; "
                f"the busiest of {figures['log']['processes']} worker processes served "
                f"{figures['log']['busiest']:.0%} of the saves, the idlest {figures['log']['idlest']:.0%}"
            )
        windows: dict[int, list[float]] = collections.defaultdict(list)
        for sent_at, seconds, _ in samples:
            windows[int(sent_at // 10)].append(seconds)
        print(
            "  p95 by 10 s of the run (ms): "
            + " ".join(f"{percentile(windows[w], 0.95) * 1000:.0f}" for w in sorted(windows))
        )
    print(f"409 conflicts (resolved by keep-mine resends): {conflicts}")
    print(f"errors: {sum(errors.values())}" + (f" {dict(errors)}" if errors else ""))
    print(f"resent after the server closed a kept-alive connection: {resent}")
    print(
        f"lost acknowledged saves: {check['lost']} of {check['acknowledged']} "
        f"(by check: {', '.join(f'{k} {v}' for k, v in check['lost_by_check'].items())}); "
        f"{check['receipts']} receipts, {check['changing_writes']} changing writes, "
        f"{check['unacknowledged_writes']} writes never acknowledged"
    )
    print(f"assessments whose revision was not bumped once per changing write: {check['revision_mismatches']}")
    usage = figures["usage"]
    print(
        f"server peak memory (every process under make serve): {usage['peak'] / 2**20:.0f} MiB; "
        f"gunicorn workers booted during the load: {figures['log']['booted']}"
    )
    print(
        f"CPU in cores of {os.cpu_count()}: server {usage['server']:.2f}, PostgreSQL {usage['postgres']:.2f}, "
        f"simulated people {usage['people']:.2f}, other work on the machine {usage['other']:.2f} "
        f"(before the run: {figures['quiet']:.2f})"
    )
    print(
        "PostgreSQL backends of this database, on average: "
        + ", ".join(f"{usage[state]:.2f} {state.replace('_', ' ')}" for state in Sampler.STATES)
    )
    print(f"p95 under load / baseline p95: {load_p95 / base_p95:.1f}x")
    failed = bool(errors) or check["lost"] > 0 or check["revision_mismatches"] > 0
    met = not failed and load_p95 * 1000 < TARGET_P95_MS
    print(
        f"target (p95 under {TARGET_P95_MS:.0f} ms, 0 errors, 0 lost): {'met' if met else 'NOT met'}"
        + (" (lost saves or errors)" if failed else "")
    )
    return not failed


def server_size(args: argparse.Namespace) -> dict[str, str]:
    """The server settings this run tries instead of make serve's own."""
    size = {"GUNICORN_CMD_ARGS": args.gunicorn_args}
    if args.workers:
        size["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        size["WEB_THREADS"] = str(args.threads)
    return size


def stopped(*_: object) -> None:
    print("autosave_bench: stopped by SIGTERM; stopping make serve and dropping the database", file=sys.stderr)
    sys.exit(143)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--team", type=int, default=4, help="people on each assessment")
    parser.add_argument("--shared", type=float, default=0.1, help="fraction of saves to the team's shared question")
    parser.add_argument("--baseline", type=int, default=100, help="saves by one person alone, measured first")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 people for 15 s, 20 baseline saves")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY for make serve (default: its own)")
    parser.add_argument("--threads", type=int, help="WEB_THREADS for make serve (default: its own)")
    parser.add_argument(
        "--gunicorn-args", default="", help="more gunicorn options for make serve, e.g. '--max-requests 0'"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many seconds for other work on the machine to stop"
    )
    parser.add_argument("--keep-database", action="store_true", help="leave the database for inspection")
    parser.add_argument("--phase", choices=["setup", "check"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "setup":
        print(json.dumps(phase_setup(args.people, args.team)))
        return
    if args.phase == "check":
        print(json.dumps(phase_check(json.loads(sys.stdin.read()), initial_revision=1)))
        return
    if args.quick:
        args.people, args.seconds, args.baseline = 20, 15.0, 20
    # Stopped from outside (a supervisor, with_postgres.py passing on a TERM): still stop the
    # server and drop the database, in the `finally` below.
    signal.signal(signal.SIGTERM, stopped)

    port = free_port()
    log = Path(tempfile.mkstemp(prefix="hiat-autosave-serve-", suffix=".log")[1])
    ok = False
    with bench_database("bench_autosave", keep=args.keep_database) as db:
        env = server_env(db.url, port, access_log=True, **server_size(args))
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_toolkit")
        setup = run_phase(SCRIPT, env, ["--phase", "setup", "--people", str(args.people), "--team", str(args.team)])
        with make_serve(env, log) as server:
            workers = gunicorn_size(env) + (f", then {args.gunicorn_args}" if args.gunicorn_args else "")
            print(f"make serve on port {port} ({workers}); log in {log}", flush=True)

            quiet = wait_until_quiet(args.wait_quiet)
            loner = Person(setup["baseline"], setup, port, seed=args.seed - 1)
            baseline = baseline_run(loner, args.baseline)
            print(f"baseline measured: median {ms(statistics.median(baseline))}", flush=True)

            people = [Person(info, setup, port, seed=args.seed + i) for i, info in enumerate(setup["people"])]
            log_mark = log.stat().st_size
            sampler = Sampler(server.pid, db.admin, db.name)
            print(f"{len(people)} people typing for {args.seconds:.0f} s ...", flush=True)
            wall = load_run(people, args.seconds, args.shared)
            usage = sampler.stop()
            time.sleep(0.5)  # let gunicorn flush the last access log lines
            log_figures = server_log_figures(log, log_mark)

        acks = [ack for p in [loner, *people] for ack in p.stats.acks]
        log.with_suffix(".acks.json").write_text(json.dumps(acks))  # to check again: --phase check < file
        check = run_phase(SCRIPT, env, ["--phase", "check"], stdin=json.dumps(acks))
        ok = report(
            args,
            baseline,
            people,
            {
                "check": check,
                "wall": wall,
                "usage": usage,
                "quiet": quiet,
                "log": log_figures,
                "postgres": db.postgres_version,
                "workers": f"gunicorn gthread, {workers}",
            },
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
