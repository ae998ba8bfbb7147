"""gunicorn's settings for the catalogue: `gunicorn -c gunicorn.conf.py
portfolio.wsgi` (see README, Production). Each can be overridden on the command
line or through GUNICORN_CMD_ARGS; GUNICORN_BIND and GUNICORN_WORKERS too."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Workers are CPU-bound (a cached page is about a millisecond of Python): one a
# core, and one more to keep the cores busy while another waits on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A worker silent for this long is killed and the visitor gets gunicorn's bare
# error page: keep it well above the database's statement timeout
# (DJANGO_DB_STATEMENT_TIMEOUT, 5 s), so that a stalled database gives the
# site's own 503 page first.
timeout = 30
# A deploy (HUP/TERM) lets the requests under way finish.
graceful_timeout = 30
# Behind the TLS proxy, which keeps connections to us open between requests.
keepalive = 5
# Each worker is replaced after so many requests (at different times, thanks
# to the jitter), giving back whatever memory one large page took. Cached pages
# take under a millisecond: a lower count would restart a busy worker every few
# seconds, and each start costs the requests queued behind it.
max_requests = 20000
max_requests_jitter = 2000
# One line per request on the standard output: the client address as the
# proxy saw it, the request, status, size, duration in ms, referrer, user agent.
accesslog = "-"
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
)
errorlog = "-"
