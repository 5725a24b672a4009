"""gunicorn settings for production: `gunicorn -c platform/gunicorn.conf.py config.wsgi`.

Worker recycling (platform/README.md, "Web workers"): the app is loaded once in the master
(`preload_app`) and workers are forked from it, so a recycled worker is back in
milliseconds instead of importing Django for seconds; and each worker's request limit is
drawn from a window half as wide as the limit itself, so two workers under the same load
reach their limits tens of thousands of requests apart, never together. With 2,000
requests and a jitter of 200 (before), two equally loaded workers restarted within a second
of each other and the server stalled for 1.3–2.6 s while both reloaded Django.
`GUNICORN_MAX_REQUESTS=0` turns recycling off.
"""

import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# The TLS-terminating proxy in front sets X-Forwarded-Proto; trust it only from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# Invitation, reset and signed-file links and credential headers are masked (config/access_log.py).
logger_class = "config.access_log.MaskingLogger"
errorlog = "-"

# Django is imported once, in the master; a new worker is a fork of it (copy-on-write). A
# code change therefore needs a restart of gunicorn, not a HUP.
preload_app = True
# A worker is replaced after max_requests + a random 0..max_requests_jitter requests: a
# bound on slow memory growth, not a cure for a known leak (there is none). The jitter is
# half the limit so workers' restarts spread out.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 2


def pre_fork(server, worker):
    """No database connection crosses a fork: the master closes any it opened while
    loading the app (a socket shared by two processes corrupts both sessions)."""
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def when_ready(server):
    """Build the URL resolvers in the master before the first fork, so a new worker's
    first request does not pay for importing every view."""
    if "django.conf" not in sys.modules:
        return
    from django.conf import settings
    from django.urls import get_resolver

    if settings.configured:
        for urlconf in {settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF}:
            get_resolver(urlconf).url_patterns  # noqa: B018 (imports the views)
