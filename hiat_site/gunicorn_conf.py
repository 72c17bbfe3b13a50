"""Gunicorn settings for `make serve` (production): `gunicorn -c python:hiat_site.gunicorn_conf`.

Sized for the 2-core host the service is planned on; every figure can be changed from the
environment (README "Configuration").

- gthread workers: a request spends much of its time waiting on PostgreSQL, so threads let
  a worker serve others meanwhile; whole processes keep CPU-heavy requests (password hashing,
  a report render) from holding the GIL for everyone.
- 3 workers (cores + 1) x 4 threads = 12 requests at once: one worker can be busy rendering
  a report while two still serve pages on both cores. Each worker holds at most 4 database
  connections, 12 in all, well inside PostgreSQL's default 100.
- A worker is recycled after about 20,000 requests (a few hours of a busy room), a guard
  against slow leaks. Reports render in the background worker, never here, so a web
  worker's memory stays flat; recycling every 1,000 requests cost a room of 200 people
  saving answers a worker restart every minute or so, each closing kept-alive connections
  and slowing the saves around it (bench/RESULTS.md, autosave).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Long enough for the largest report the page budget allows; anything longer is stuck.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = 5000
# Logs go to standard output and error, for the process supervisor to keep.
accesslog = "-"
errorlog = "-"
# Trust X-Forwarded-* only from the reverse proxy on this host (docs/deploy.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
