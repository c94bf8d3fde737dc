"""Production settings, security headers, login throttling, health checks, the cache switch."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#v9!kq2$Lr8@pZ3^mW6&nB1*cT4(yH0)uJ5-eG7+fD2=sA9_oI3~lK8",
    "ALLOWED_HOSTS": "news.example.com",
    "DATABASE_URL": "postgres://newsboard@db.example.com:5432/newsboard",  # not connected to
}


def manage(*args, env):
    unset = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_reports_nothing_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_settings(missing):
    # Without DATABASE_URL it would have started on a new, empty SQLite file.
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"newsboard cannot start: {missing} is not set")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CONN_MAX_AGE", "abc", "CONN_MAX_AGE must be a whole number, not 'abc'."),
        ("ADMIN_IMPORT_MAX_ROWS", "5,000", "ADMIN_IMPORT_MAX_ROWS must be a whole number"),
        ("SEARCH_TIMEOUT", "2s", "SEARCH_TIMEOUT must be a number of seconds above 0, not '2s'."),
        ("SEARCH_TIMEOUT", "inf", "SEARCH_TIMEOUT must be a number of seconds above 0"),
        ("BOARD_REVISION_MAX_AGE", "-1", "BOARD_REVISION_MAX_AGE must be a number of seconds"),
        ("DATABASE_URL", "postgres://db.example.com:port/x", "DATABASE_URL cannot be read"),
        ("REDIS_URL", "cache.internal:6379/0", "REDIS_URL must start with redis://"),
        ("DB_POOL_MAX", "0", "DB_POOL_MIN (1) and DB_POOL_MAX (0) must satisfy"),
        ("DB_POOL_TIMEOUT", "0", "DB_POOL_TIMEOUT must be a number of seconds above 0"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(name, value, message):
    result = manage("check", env={**PRODUCTION, name: value})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"newsboard cannot start: {message}"), result.stderr


def test_settings_read_as_an_operator_would_write_them():
    code = (
        "from django.conf import settings; "
        "print(settings.SECURE_PROXY_SSL_HEADER, settings.ADMIN_URL)"
    )
    env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO", "ADMIN_URL": ""}
    result = manage("shell", "-v", "0", "-c", code, env=env)
    # Django's own name for the header is not doubled into HTTP_HTTP_…, and an
    # empty ADMIN_URL (an env file's "ADMIN_URL=") is the default, not "/".
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https') admin/", result.stderr


def test_gunicorn_refuses_to_start_without_collected_static_files(tmp_path):
    # Every page, the error page too, would fail on the missing manifest; and
    # a worker that cannot boot must stop gunicorn, not be booted again forever.
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static"), "GUNICORN_BIND": "127.0.0.1:0"}
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "newsboard.wsgi"], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Worker failed to boot" in output, output[-2000:]
    assert "newsboard cannot start: static files are not collected" in output
    assert "Warning" not in output  # the one line, not whitenoise's English before it


@pytest.fixture
def pages(make_post):
    post = make_post()
    return ["/", post.get_absolute_url(), "/posts/999999/"]


def test_security_headers_on_the_board_an_article_and_an_error_page(client, pages):
    for url in pages:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert (
            "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        )
        assert "unsafe-inline" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client, pages):
    import re

    for url in pages:
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*(src=|application/ld\+json))", html), url
        assert "<style" not in html and " style=" not in html, url


def test_hsts_over_tls(client, pages, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_defaults_are_strict():
    names = ["SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "DEBUG"]
    code = f"from django.conf import settings; print([getattr(settings, n) for n in {names}])"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    env.update(
        SECRET_KEY="production-test-key-" + "x" * 40,
        ALLOWED_HOSTS="news.example.com",
        DATABASE_URL=PRODUCTION["DATABASE_URL"],
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert out.strip() == "[31536000, True, True, False]"


def test_admin_logins_are_locked_out_after_repeated_failures(client, django_user_model, settings):
    django_user_model.objects.create_superuser("boss", password="right-password-123")
    codes = [
        client.post("/admin/login/", {"username": "boss", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert codes == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post("/admin/login/", {"username": "boss", "password": "right-password-123"})
    assert locked.status_code == 429
    assert "로그인에 여러 번 실패해 잠시 잠겼습니다" in locked.content.decode()


def test_behind_a_proxy_a_lockout_holds_only_the_failing_client(
    client, django_user_model, settings
):
    settings.PROXY_COUNT = 1
    django_user_model.objects.create_superuser("boss", password="right-password-123")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # the load balancer, for every client
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "192.0.2.7, 203.0.113.9"}  # first part forged
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "boss", "password": "wrong"}, **attacker)
    login = {"username": "boss", "password": "right-password-123"}
    assert client.post("/admin/login/", login, **attacker).status_code == 429
    editor = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.4"}
    assert client.post("/admin/login/", login, **editor).status_code == 302


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_healthz_answers_a_load_balancer_over_http_by_its_address(client, db, settings):
    # Production settings: TLS only, and only the site's own name as Host.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["news.example.com"]
    assert client.get("/", HTTP_HOST="news.example.com").status_code == 301
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_healthz_answers_503_when_the_database_does_not(client, db, monkeypatch):
    from articles import views

    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


def test_the_cache_backend_follows_redis_url():
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {**os.environ, "DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                         env={**env, "DJANGO_SETTINGS_MODULE": "newsboard.settings"}, capture_output=True, text=True)  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == "newsboard.cache.ResilientRedisCache", out.stderr


def _redis_cache(settings, location):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "newsboard.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    return caches["default"]


def test_pages_are_cached_in_redis_when_it_is_there(client, make_post, settings):
    # Redis database 15 of the local server, emptied: not the one REDIS_URL names.
    cache = _redis_cache(settings, "redis://127.0.0.1:6379/15")
    from redis.exceptions import RedisError

    try:
        cache._cache.get_client(write=False).ping()
    except RedisError:  # refused or timed out: `make test` needs only Python; CI requires Redis
        if os.environ.get("NEWSBOARD_REQUIRE_REDIS"):
            raise
        pytest.skip("no Redis at 127.0.0.1:6379")
    cache.clear()
    make_post(title="레디스에 담긴 글")
    assert client.get("/").status_code == 200
    keys = cache._cache.get_client(write=False).keys("*")
    assert any(b"newsboard:page:" in key for key in keys), keys
    cache.clear()


def test_the_site_still_answers_when_redis_is_down(client, make_post, settings):
    _redis_cache(settings, "redis://127.0.0.1:1/0")  # nothing listens there
    make_post(title="레디스 없이도")
    response = client.get("/")
    assert response.status_code == 200 and "레디스 없이도" in response.content.decode()
    assert client.get("/", {"q": "레디스"}).status_code == 200


# The router only asks whether a "replica" alias is configured and answers (here:
# yes, without connecting), so Django's warning about changing DATABASES does
# not apply. An unreachable replica is the test after the next.
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.django_db(transaction=True)
def test_the_router_reads_from_the_replica_until_the_request_writes(settings, monkeypatch):
    from articles.models import Post
    from newsboard import routers

    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    monkeypatch.setattr(routers, "_replica_down", lambda: False)
    router = routers.PrimaryReplicaRouter()
    routers.new_request()
    assert router.db_for_read(Post) == "replica"
    assert router.db_for_write(Post) == "default"
    assert router.db_for_read(Post) == "default"  # read-your-writes within the request
    routers.new_request()
    assert router.db_for_read(Post) == "replica"
    with transaction.atomic():  # inside a write transaction, reads see its writes
        assert router.db_for_read(Post) == "default"
    assert router.allow_migrate("replica", "articles") is False


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_replica_is_asked_about_on_a_requests_first_read_only(settings, monkeypatch):
    # Static files and page-cache hits read nothing: they must not wait on it.
    from articles.models import Post
    from newsboard import routers

    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    asked = []
    monkeypatch.setattr(routers, "_replica_down", lambda: asked.append(1) or False)
    routers.new_request()
    assert asked == []
    router = routers.PrimaryReplicaRouter()
    assert router.db_for_read(Post) == router.db_for_read(Post) == "replica"
    assert asked == [1]


@pytest.mark.django_db(transaction=True)  # readings are kept only outside transactions
def test_a_page_cache_hit_asks_no_database_not_even_the_router(
    client, make_post, settings, monkeypatch
):
    # The router's first question in a request is whether the replica answers:
    # while it cannot be reached, that costs a connect timeout.
    from django.db import router

    settings.BOARD_REVISION_MAX_AGE = 60
    make_post()
    assert client.get("/").status_code == 200  # rendered and cached
    asked = []
    real = router.db_for_read
    monkeypatch.setattr(router, "db_for_read", lambda *a, **k: asked.append(a) or real(*a, **k))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert asked == [] and len(queries) == 0


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_a_fresh_reading_of_the_primary_does_not_key_pages_read_from_the_replica(
    settings, monkeypatch
):
    # After the replica was down (reads went to the primary), its rows lag
    # the primary's revision: a page rendered from them must not be cached
    # under the primary's.
    from articles import pagination
    from articles.models import BoardRevision
    from newsboard import routers

    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    routers.new_request()
    monkeypatch.setattr(routers, "_replica_down", lambda: False)
    monkeypatch.setattr(BoardRevision, "_seen", {"default": ((10, 10), time.time())})
    monkeypatch.setattr(pagination, "_editions", {})
    monkeypatch.setattr(pagination, "next_scheduled", lambda using, now: None)
    read = []
    monkeypatch.setattr(
        BoardRevision, "current", classmethod(lambda cls, using, **k: read.append(using) or 5)
    )
    assert pagination.board_edition(max_age=60) == (5, None)
    assert read == ["replica"]


def test_without_a_replica_everything_uses_the_primary(db):
    from articles.models import Post
    from newsboard import routers

    routers.new_request()
    assert routers.PrimaryReplicaRouter().db_for_read(Post) == "default"


def test_a_replica_url_adds_a_mirrored_alias():
    code = "from django.conf import settings; d = settings.DATABASES['replica']; print(d['HOST'], d['TEST']['MIRROR'])"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/newsboard",
    }
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                         env={**env, "DJANGO_SETTINGS_MODULE": "newsboard.settings"}, capture_output=True, text=True)  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == "replica.internal default", out.stderr


def test_readers_get_the_korean_503_page_while_the_database_is_down(client, make_post, monkeypatch):
    from django.db import OperationalError as DjangoOperationalError

    from articles import views

    post = make_post()

    def unreachable(*args, **kwargs):
        raise DjangoOperationalError("connection refused")

    monkeypatch.setattr(views, "_board_filter", unreachable)
    for url in ["/", post.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 503
        assert "잠시 후 다시 시도해 주세요" in response.content.decode()
        assert response["Retry-After"] == "10" and response["Cache-Control"] == "no-store"


def test_the_admin_prefix_comes_from_the_environment():
    code = "from django.urls import reverse; print(reverse('admin:index'))"
    env = {
        **os.environ,
        "DEBUG": "1",
        "ADMIN_URL": "/staff-7f3a/",
        "DJANGO_SETTINGS_MODULE": "newsboard.settings",
    }
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                         env=env, capture_output=True, text=True)  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == "/staff-7f3a/", out.stderr


def test_gunicorn_serves_the_board_and_logs_each_request_with_its_duration(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "gunicorn.sqlite3"
    env = {**os.environ, **PRODUCTION, "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0",
           "DATABASE_URL": f"sqlite:///{db}", "STATIC_MANIFEST": "0", "GUNICORN_WORKERS": "2",
           "GUNICORN_BIND": f"127.0.0.1:{port}"}  # fmt: skip
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "newsboard.wsgi"], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            for _ in range(100):
                try:
                    health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
            assert health.status == 200
            board = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            assert board.status == 200 and "뉴스보드" in board.read().decode()
            time.sleep(0.3)
        finally:
            server.terminate()
            server.wait(timeout=20)
    lines = log.read_text().splitlines()
    assert any(
        re.match(
            r'\[\d\d/\w+/\d{4}:[\d:]+ [+-]\d{4}\] 127\.0\.0\.1 - "GET / HTTP/1\.1" 200 \d+ \d+us',
            line,
        )
        for line in lines
    ), lines[-5:]
    assert "Booting worker" in log.read_text()
    assert "Control socket listening" not in log.read_text()  # not taken from another server


def test_a_database_server_that_never_answers_fails_the_connection_in_time():
    import socket

    with socket.socket() as server:  # accepts connections (the backlog), never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        env = {
            **PRODUCTION,
            "DATABASE_URL": f"postgres://newsboard@127.0.0.1:{port}/newsboard",
            "DB_POOL": "0",
            "DB_CONNECT_TIMEOUT": "1",
        }
        code = "from django.db import connection; connection.ensure_connection()"
        result = manage("shell", "-v", "0", "-c", code, env=env)
    assert result.returncode == 1
    assert "timeout expired" in result.stderr, result.stderr[-500:]


def test_requests_for_another_host_are_refused_without_a_traceback_in_the_log():
    # Scanners send any Host: a traceback each would bury the errors that matter.
    code = (
        "from django.test import Client; "
        "print(Client().get('/', HTTP_HOST='evil.example', secure=True).status_code)"
    )
    # Plain static names: the 400 page must not depend on a collectstatic run.
    result = manage("shell", "-v", "0", "-c", code, env={**PRODUCTION, "STATIC_MANIFEST": "0"})
    assert result.stdout.strip() == "400", result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "DisallowedHost" not in result.stdout


def test_reads_go_to_the_primary_while_the_replica_cannot_be_reached(tmp_path):
    db = tmp_path / "primary.sqlite3"
    env = {
        **PRODUCTION,
        "DATABASE_URL": f"sqlite:///{db}",
        "DATABASE_REPLICA_URL": "postgres://reader@127.0.0.1:1/newsboard",  # nothing listens
        "STATIC_MANIFEST": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
    }
    assert manage("migrate", "-v", "0", env=env).returncode == 0
    code = (
        "from articles import services; from django.test import Client; "
        "services.post_create(title='복제 서버 없이', author='KBS'); "
        "response = Client().get('/'); "
        "print(response.status_code, '복제 서버 없이' in response.content.decode())"
    )
    result = manage("shell", "-v", "0", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1] == "200 True", result.stderr[-2000:]
    assert "replica unreachable, reading from the primary" in result.stdout + result.stderr


def test_make_run_keeps_the_demo_off_a_deploys_database():
    # A shell that exported a deploy's settings must not migrate that database,
    # load demo posts into it (their numbers would stay taken) or cache there.
    env = {**os.environ, "DATABASE_URL": "postgres://prod.example.com/newsboard",
           "REDIS_URL": "redis://prod.example.com:6379/0", "ALLOWED_HOSTS": "news.example.com"}  # fmt: skip
    result = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    commands = [line for line in result.stdout.splitlines() if "manage.py" in line]
    assert len(commands) == 3, result.stdout
    for command in commands:
        assert (
            "env -u DATABASE_URL -u DATABASE_REPLICA_URL -u REDIS_URL -u ALLOWED_HOSTS" in command
        )
