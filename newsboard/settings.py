"""Settings for newsboard, read from the environment.

Development defaults (SQLite, a throwaway secret key, localhost) apply only while
DEBUG is on; production values come from the environment and nowhere else.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _envnumber(name: str, default, convert, what: str):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return convert(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}.") from None


def envint(name: str, default: int) -> int:
    return _envnumber(name, default, int, "a whole number")


def _seconds(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds < 86_400:  # nan and inf fail too
        raise ValueError(value)
    return seconds


def envfloat(name: str, default: float) -> float:
    return _envnumber(name, default, _seconds, "a number of seconds above 0")


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


DEBUG = envbool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, or DEBUG=1 for development."
        )
    SECRET_KEY = "django-insecure-development-only-key"

SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "newsboard.apps.AxesConfig",  # django-axes, with a Korean title
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "articles",
]

MIDDLEWARE = [
    "articles.middleware.HealthCheckMiddleware",  # first: no redirect, no Host check
    "django.middleware.security.SecurityMiddleware",
    "newsboard.routers.ReplicaRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "articles.middleware.cookies_not_shared",  # around the cookies set inside it
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "articles.middleware.not_found_not_kept",
    "articles.middleware.DatabaseUnavailableMiddleware",
    # last: it locks out repeated failed admin logins
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsboard.urls"
WSGI_APPLICATION = "newsboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsboard.context_processors.site",
            ],
        },
    },
]

# SQLite is the embedded default, so a new user needs no server;
# DATABASE_URL=postgres://… switches to PostgreSQL. Production names its
# database: a missing or misspelt variable must not quietly start on a new,
# empty SQLite file (an explicit sqlite:///… is an operator's choice).
database_url = os.environ.get("DATABASE_URL", "").strip()
if not database_url and not DEBUG:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set (postgres://user@host:5432/name), or DEBUG=1 for development."
    )


def _database(url: str, name: str) -> dict:
    try:
        database = dj_database_url.parse(
            url, conn_max_age=envint("CONN_MAX_AGE", 60), conn_health_checks=True
        )
    except ValueError as exc:  # an unknown scheme, a port that is not a number
        raise ImproperlyConfigured(f"{name} cannot be read: {exc}") from None
    if database["ENGINE"] == "django.db.backends.postgresql":
        # A server that accepts the connection and never answers (hung, or a
        # black-holed replica) held each request until gunicorn killed it.
        # (A connect_timeout in the URL itself wins.)
        database.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", envint("DB_CONNECT_TIMEOUT", 5)
        )
    return database


DATABASES = {
    "default": _database(database_url or f"sqlite:///{BASE_DIR / 'db.sqlite3'}", "DATABASE_URL")
}
if replica_url := os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = _database(replica_url, "DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["newsboard.routers.PrimaryReplicaRouter"]
DATABASES["default"]["TEST"] = {
    # SQLite tests use a file, not shared-cache memory, so that concurrent
    # writers see the same locking as in production.
    "NAME": str(BASE_DIR / ".test-db.sqlite3")
    if DATABASES["default"]["ENGINE"].endswith("sqlite3")
    else None,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool(
    "DB_POOL", not DEBUG
):
    # psycopg's pool, one per process: connections are reused and, with
    # CONN_HEALTH_CHECKS (on), checked before each use, so the app heals by
    # itself after a PostgreSQL restart.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    pool_min, pool_max = envint("DB_POOL_MIN", 1), envint("DB_POOL_MAX", 4)
    if not 0 <= pool_min <= pool_max or pool_max < 1:
        raise ImproperlyConfigured(
            f"DB_POOL_MIN ({pool_min}) and DB_POOL_MAX ({pool_max}) must satisfy"
            " 0 <= DB_POOL_MIN <= DB_POOL_MAX and DB_POOL_MAX >= 1."
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": pool_min,
        "max_size": pool_max,
        # How long a request waits for a connection, and so how long a reader
        # waits for the 503 page (and /healthz for its 503) while PostgreSQL
        # is down.
        "timeout": envfloat("DB_POOL_TIMEOUT", 2),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # WAL lets readers run beside a writer; IMMEDIATE avoids lock upgrades.
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The board index's INCLUDE column is a PostgreSQL optimisation; SQLite ignores it.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko-kr"
LANGUAGES = [("ko", "한국어")]
TIME_ZONE = "Asia/Seoul"
FORMAT_MODULE_PATH = ["newsboard.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]  # Korean for django-axes
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or not envbool("STATIC_MANIFEST", True)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- security -----------------------------------------------------------------
# Production defaults are strict (TLS only, HSTS, secure cookies); each can be
# set from the environment, e.g. SECURE_SSL_REDIRECT=0 when a proxy redirects.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
if proxy_header := os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
    # The header's name (X-Forwarded-Proto), or Django's (HTTP_X_FORWARDED_PROTO).
    header = proxy_header.upper().replace("-", "_").removeprefix("HTTP_")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + header, "https")
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere on the public site (JSON-LD is data, not script).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "https:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Admin logins: locked for an hour after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_MESSAGE = "로그인에 여러 번 실패해 잠시 잠겼습니다. 1시간 뒤에 다시 시도해 주세요."
# Proxies in front of the app that append to X-Forwarded-For (a load balancer:
# 1): the lockout counts failures per client address, not per proxy.
PROXY_COUNT = envint("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "newsboard.clientip.client_ip"
AXES_VERBOSE = False
ADMIN_URL = (os.environ.get("ADMIN_URL", "").strip().strip("/") or "admin") + "/"

# --- cache ------------------------------------------------------------------------
# Redis when REDIS_URL is set (shared by every app server); otherwise memory in
# each process. A Redis outage must not take the site down: errors are ignored
# and the page is simply rendered again.
if redis_url := os.environ.get("REDIS_URL", "").strip():
    # redis-py refuses anything else, but only at the first cache call: a
    # typo would pass every check and then fail every page.
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL must start with redis://, rediss:// or unix://, not {redis_url!r}."
        )
    CACHES = {
        "default": {
            "BACKEND": "newsboard.cache.ResilientRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "newsboard",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }

# One line per record with its time, level and logger, so that errors can be
# told from 404s. Requests with a Host not in ALLOWED_HOSTS (scanners) are
# answered 400 and not logged: a traceback each would bury everything else.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": sys.stdout, "formatter": "plain"},
        "null": {"class": "logging.NullHandler"},  # none at all would be Python's last resort
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
    },
}

# The board: rows per page, and how far a total is counted before it is
# shown as "N건 이상" instead of an exact figure.
BOARD_PAGE_SIZE = 20
BOARD_COUNT_LIMIT = envint("BOARD_COUNT_LIMIT", 10_000)
# How stale (seconds) a process's reading of the board revision may be when a
# reader without a session asks for a page: an edit reaches every reader
# within this time, and a page-cache hit within it needs no database query.
BOARD_REVISION_MAX_AGE = envfloat("BOARD_REVISION_MAX_AGE", 1)
# Seconds a request's search queries may run (PostgreSQL) before the reader is
# asked to narrow the search instead.
SEARCH_TIMEOUT = envfloat("SEARCH_TIMEOUT", 2)
# Rows and megabytes one upload on the admin's import page may hold: it runs
# inside the request, which gunicorn ends after GUNICORN_TIMEOUT (30 s). 10 MB
# took 3 s as news and 21 s as random syllables (the worst case: every word
# new to the index) on a 2-core machine. Larger files go through
# `manage.py import_posts`, which has no such limit.
ADMIN_IMPORT_MAX_ROWS = envint("ADMIN_IMPORT_MAX_ROWS", 5_000)
ADMIN_IMPORT_MAX_MB = envint("ADMIN_IMPORT_MAX_MB", 10)
SITE_NAME = os.environ.get("SITE_NAME", "뉴스보드")
