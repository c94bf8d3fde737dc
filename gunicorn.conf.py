"""gunicorn settings for newsboard: `gunicorn newsboard.wsgi` reads this file.

The values below read from GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_TIMEOUT,
GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_MAX_REQUESTS, GUNICORN_CONTROL_SOCKET and
FORWARDED_ALLOW_IPS; any value but the control socket's can also be given on
the command line.
"""

import math
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")


def _cores() -> int:
    """The cores this process may use, not the host's: those it may run on
    (a cpuset), and no more than its CPU quota (cgroup v2, as `docker --cpus`
    and Kubernetes limits set it)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        with open("/sys/fs/cgroup/cpu.max") as limits:
            quota, period = limits.read().split()
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass  # no cgroup v2 limits here
    return max(cores or 1, 1)


# Sync workers, one per core plus one: the app is CPU-bound and its database
# calls are short. A container limited to 2 of 16 cores starts 3 workers, not
# 17. Each worker keeps its own connections (psycopg's pool): count workers ×
# servers × DB_POOL_MAX against PostgreSQL's max_connections.
workers = int(os.environ.get("GUNICORN_WORKERS", _cores() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10_000))
max_requests_jitter = max_requests // 10
# One line per request on stdout: when, the peer and the client a proxy
# forwarded for (X-Forwarded-For, "-" without one), the request, its status,
# size and duration in microseconds (%(D)s), and the user agent.
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s %(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket (gunicornc) is one path per user by default,
# so two servers, or a server and the test suite, would take it from each
# other; nothing here uses it. GUNICORN_CONTROL_SOCKET=<path> turns it on
# (gunicorn's --control-socket alone cannot: no flag undoes the line below).
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
# `kill -HUP <master>` reloads the code gracefully: new workers start before old ones stop.
preload_app = False
