"""Benchmark the production server as people meet it: page weight, and a workshop signing in.

Run it on PostgreSQL (it creates and drops its own database):

    .venv/bin/python scripts/with_postgres.py .venv/bin/python bench/serve_bench.py [PEOPLE]

It starts `make serve` (gunicorn and the worker, production settings, collected static
files) on a free loopback port, then:

1. Page weight: signs in as the demo account and fetches six page types with their CSS and
   JS, without and with `Accept-Encoding: br, gzip`.
2. The sign-in rush: PEOPLE (default 200) accounts sign in at the same moment from one IP,
   as a workshop room does. Their passwords are first stored as PBKDF2 hashes (Django's
   default, as accounts made before Argon2 have), so the first rush measures PBKDF2 plus
   the upgrade to Argon2 on sign-in, and a second rush the same people with Argon2 hashes.
   The baseline in the same run is one person signing in with nobody else around.

It prints median, p95 and last sign-in, the server's peak memory, and whether anyone was
refused (the throttling must never block correct sign-ins from a shared IP).
"""

import concurrent.futures
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _serve import ROOT, PeakMemory, bench_database, free_port, make_serve, manage, percentile, server_env  # noqa: E402

PASSWORD = "workshop-bench-passphrase-2026"


class Browser:
    """A person's browser: its own cookies, following redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.base + path, headers=headers)
        with self.opener.open(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()

    def sign_in(self, email: str, password: str) -> str:
        """Returns the path signed in to (the assessments list when it worked)."""
        page = self.get("/accounts/login/")[2].decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password})
        request = urllib.request.Request(self.base + "/accounts/login/", data=data.encode(), method="POST")
        with self.opener.open(request, timeout=120) as response:
            return urllib.parse.urlsplit(response.url).path


def create_people(env: dict[str, str], count: int) -> None:
    """PEOPLE accounts whose passwords are stored as PBKDF2 hashes (hashed once, shared)."""
    code = f"""
import django; django.setup()
from django.contrib.auth.hashers import make_password
from accounts.models import User
hashed = make_password({PASSWORD!r}, hasher="pbkdf2_sha256")
User.objects.bulk_create(
    User(email=f"person{{n}}@example.org", display_name=f"Person {{n}}", password=hashed) for n in range({count + 20})
)
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


def page_weight(base: str, env: dict[str, str]) -> None:
    browser = Browser(base)
    assert browser.sign_in("demo@example.org", "demo-password-2026") == "/assessments/"
    listing = browser.get("/assessments/")[2].decode()
    assessment = re.search(r'href="(/assessments/[0-9a-f-]{36}/)"', listing).group(1)  # type: ignore[union-attr]
    pages = {
        "Start": "/",
        "Your assessments": "/assessments/",
        "Task list": assessment,
        "Section 1": assessment + "sections/1/",
        "Check answers": assessment + "sections/1/check/",
        "Report preview": assessment + "report/",
    }
    print("\nPage weight (HTML as served, plus every CSS and JS file the page loads), in KiB")
    print(f"{'page':<18}{'HTML':>8}{'assets':>10}{'assets br':>11}{'total':>9}{'total br':>10}")
    for name, path in pages.items():
        html = browser.get(path)[2]
        assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html.decode())))
        plain = sum(len(browser.get(a)[2]) for a in assets)
        compressed = sum(len(browser.get(a, **{"Accept-Encoding": "br, gzip"})[2]) for a in assets)
        print(
            f"{name:<18}{len(html) / 1024:>8.1f}{plain / 1024:>10.1f}{compressed / 1024:>11.1f}"
            f"{(len(html) + plain) / 1024:>9.1f}{(len(html) + compressed) / 1024:>10.1f}"
        )


def sign_in_rush(base: str, people: int, label: str) -> tuple[list[float], int]:
    """Everyone signs in at once; returns each person's seconds from the start, and refusals."""
    barrier = threading.Barrier(people)
    started: list[float] = []

    def one(n: int) -> tuple[float, bool]:
        browser = Browser(base)
        browser.get("/accounts/login/")  # the page is already open in the room
        barrier.wait()
        if n == 0:
            started.append(time.perf_counter())
        t0 = time.perf_counter()
        landed = browser.sign_in(f"person{n}@example.org", PASSWORD)
        return time.perf_counter() - t0, landed == "/assessments/"

    with concurrent.futures.ThreadPoolExecutor(max_workers=people) as pool:
        results = list(pool.map(one, range(people)))
    waits = [seconds for seconds, _ in results]
    refused = sum(1 for _, ok in results if not ok)
    print(
        f"{label:<34} median {statistics.median(waits):6.2f} s   p95 {percentile(waits, 0.95):6.2f} s"
        f"   last {max(waits):6.2f} s   refused {refused}"
    )
    return waits, refused


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    port = free_port()
    with bench_database("bench_serve") as db:
        env = server_env(db.url, port)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_toolkit")
        manage(env, "create_demo")
        create_people(env, people)
        with make_serve(env) as server:
            base = f"http://127.0.0.1:{port}"
            print(f"Server benchmark: make serve (gunicorn) on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
            page_weight(base, env)

            print(f"\nSign-in rush: {people} people from one IP at the same moment")
            baseline = []
            for n in range(people, people + 10):  # accounts nobody else uses: PBKDF2, then Argon2
                t0 = time.perf_counter()
                Browser(base).sign_in(f"person{n}@example.org", PASSWORD)
                baseline.append(time.perf_counter() - t0)
            argon_baseline = []
            for n in range(people, people + 10):
                t0 = time.perf_counter()
                Browser(base).sign_in(f"person{n}@example.org", PASSWORD)
                argon_baseline.append(time.perf_counter() - t0)
            label = "baseline: one person, nobody else"
            print(
                f"{label:<34} PBKDF2 + upgrade {statistics.median(baseline) * 1000:6.0f} ms"
                f"   Argon2 {statistics.median(argon_baseline) * 1000:6.0f} ms   (median of 10)"
            )
            memory = PeakMemory(server.pid)
            pbkdf2, _ = sign_in_rush(base, people, "PBKDF2 hashes (upgraded on sign-in)")
            argon2, _ = sign_in_rush(base, people, "Argon2 hashes")
            peak = memory.stop()
            print(
                f"Last sign-in / baseline: PBKDF2 {max(pbkdf2) / statistics.median(baseline):.0f}x, "
                f"Argon2 {max(argon2) / statistics.median(argon_baseline):.0f}x; "
                f"server peak memory {peak / 2**20:.0f} MiB"
            )


if __name__ == "__main__":
    main()
