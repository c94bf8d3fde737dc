"""`make loadtest`: mixed traffic against gunicorn + PostgreSQL, then the same with a
PostgreSQL restart in the middle. Loopback only, bounded in time; results are
appended to docs/benchmarks.md.

Needs the benchmark database built by `make bench` (BENCH_DB), wrk, and the
right to restart the local PostgreSQL cluster (pg_ctlcluster, as root).
"""

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_URL = urlunsplit(
    # make bench's database (bench/run.py names it by the generator's version)
    urlsplit(SERVER)._replace(path="/" + os.environ.get("BENCH_DB", "newsboard_bench_v2"))
)
PORT = 8777
DURATION = int(os.environ.get("LOADTEST_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("LOADTEST_CONNECTIONS", "64"))
ENV = {
    **os.environ,
    "DATABASE_URL": DB_URL,
    "DEBUG": "0",
    "SECRET_KEY": "loadtest-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "LOG_LEVEL": "WARNING",
}


def public_numbers(count=400):
    import psycopg

    with psycopg.connect(DB_URL) as conn:
        rows = conn.execute(
            "SELECT number FROM articles_post WHERE status = 'published' AND published_at <= now()"
            " ORDER BY random() LIMIT %s",
            [count],
        ).fetchall()
    return [r[0] for r in rows]


def lua_script(numbers) -> str:
    words = ["관세", "트럼프", "인공지능", "쯔양", "중국", "환율"]
    paths = ["/", "/?page=2", "/?page=300", "/?page=49000", "/feed/"]
    paths += [f"/?q={quote(w)}" for w in words] + [f"/?q={quote(w)}&field=title" for w in words]
    paths += [f"/posts/{n}/" for n in numbers]
    weights = "\n".join(f'paths[#paths+1] = "{p}"' for p in paths)
    return f"""
paths = {{}}
{weights}
request = function()
  local roll = math.random()
  local path
  if roll < 0.4 then path = paths[math.random(5)]           -- board and feed
  elseif roll < 0.6 then path = paths[5 + math.random({len(words) * 2})]  -- searches
  else path = paths[5 + {len(words) * 2} + math.random({len(numbers)})] end  -- articles
  return wrk.format("GET", path)
end
"""


def start_gunicorn(log):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsboard.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(os.cpu_count() + 1), "--access-logfile", "/dev/null"],
        cwd=ROOT, env=ENV, stdout=log, stderr=log,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def wrk(script_path, seconds):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "--latency",
         "-s", script_path, f"http://127.0.0.1:{PORT}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def ms(label):
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": ms("50"),
        "p99": ms("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket": sum(map(int, socket.groups())) if socket else 0,
    }


def probe(stop, samples):
    """What one reader sees during the run: a request every 50 ms, never from the page cache."""
    n = 0
    while not stop.is_set():
        started = time.monotonic()
        n += 1
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/?page=7&r={n}", timeout=5) as r:
                samples.append((started, r.status, ""))
        except urllib.error.HTTPError as e:
            samples.append((started, e.code, e.read().decode("utf-8", "replace")))
        except OSError as e:
            samples.append((started, 0, str(e)))
        time.sleep(0.05)


def restart_postgres():
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart", "-m", "fast"],
                   check=True, capture_output=True)  # fmt: skip


def main():
    numbers = public_numbers()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(numbers))
        script = f.name
    log = open(ROOT / "test-artifacts" / "loadtest-gunicorn.log", "w")  # noqa: SIM115
    proc = start_gunicorn(log)
    try:
        wrk(script, 5)  # warm the caches and the pools
        steady = wrk(script, DURATION)
        print("steady:", steady, flush=True)

        samples, stop = [], threading.Event()
        prober = threading.Thread(target=probe, args=(stop, samples))
        prober.start()
        restart_at = {}

        def restart_later():
            time.sleep(DURATION / 2)
            restart_at["t"] = time.monotonic()
            restart_postgres()
            restart_at["done"] = time.monotonic()

        restarter = threading.Thread(target=restart_later)
        restarter.start()
        faulted = wrk(script, DURATION)
        restarter.join()
        stop.set()
        prober.join()
        print("with a restart:", faulted, flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()

    failures = [(t, code, body) for t, code, body in samples if code != 200]
    t0 = restart_at["t"]
    window = (failures[-1][0] - failures[0][0]) if failures else 0.0
    after = [
        code for t, code, _ in samples if t > (failures[-1][0] if failures else restart_at["done"])
    ]
    korean = sum("잠시 후 다시 시도해 주세요" in body for _, code, body in failures if code == 503)
    tracebacks = sum("Traceback" in body for _, _, body in failures)
    report(
        steady,
        faulted,
        restart_at["done"] - t0,
        window,
        len(failures),
        korean,
        tracebacks,
        after,
        samples,
    )


def report(steady, faulted, restart_secs, window, failures, korean, tracebacks, after, samples):
    def row(name, r):
        return (f"| {name} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                f"{r['requests']:,} | {r['non2xx'] + r['socket']:,} |")  # fmt: skip

    lines = [
        "",
        f"## Load and faults (`make loadtest`: wrk, {CONNECTIONS} connections, {DURATION} s, gunicorn with {os.cpu_count() + 1} workers)",
        "",
        "Mixed traffic: 40 % board pages (page 1, 2, 300, 49,000) and the feed, 20 % searches,",
        "40 % article pages of 400 random public posts; the 1,000,000-post database.",
        "",
        "| run | requests/s | p50 ms | p99 ms | requests | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        row("steady", steady),
        row("PostgreSQL restarted halfway", faulted),
        "",
        f"During the second run a reader loaded an uncached board page every 50 ms ({len(samples)} requests).",
        f"PostgreSQL took {restart_secs:.1f} s to restart.",
        (
            f"That reader saw failures for {window:.1f} s ({failures} responses: {korean} were the Korean"
            f" 503 page, {tracebacks} showed a traceback)"
            if failures
            else "That reader saw no failure: requests made during the restart waited for the"
            " connection pool (up to 5 s) and then succeeded"
        ),
        f"and {sum(c == 200 for c in after)} of the {len(after)} requests after it succeeded, without",
        "restarting the app: the pool's health check replaced the broken connections.",
    ]
    # Replace this section (between the measured part and the notes) if it is there.
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    measured, sep, notes = text.partition("<!-- notes -->")
    measured = measured.split("\n## Load and faults", 1)[0].rstrip()
    path.write_text(measured + "\n" + "\n".join(lines) + "\n\n" + sep + notes)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
