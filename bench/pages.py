"""Public pages against a bare Django view on the same server, as anonymous visitors see them.

    python -m bench.pages [--seconds 5] [--rounds 3]

One gunicorn (4 sync workers, production settings, Redis cache) serves the demo data; wrk
(Debian's package) loads each public page and a bare view that only this benchmark adds
(`bench/pages_site/urls.py`), interleaved A B A B, `--rounds` times; printed per page: requests/s,
p99 latency and the ratio to the bare view measured next to it, and the median ratio over the
rounds. Target: >= 0.6 for every page. Needs PostgreSQL (DATABASE_URL, else the embedded
server), Redis (BENCH_REDIS_URL, else a throwaway redis-server) and wrk; skips without them.
The bench gets a database of its own (`bench_pages`), dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.mail_fanout import redis_server  # noqa: E402
from bench.registration import gunicorn  # noqa: E402
from tests.celery_worker import database_url  # noqa: E402
from tests.smtp_sink import free_port  # noqa: E402

TARGET_RATIO = 0.6
BARE = "/bench/bare/"
PAGES = [
    "/",
    "/dialogmoten/",
    "/dialogmoten/kulturskapares-arbetsvillkor/",
    "/sammanfattningar/",
    "/insikter/",
    "/stockholmstinget/",
    "/dialogmoten/kalender.ics",
    "/en/dialogmoten/",
]


def wrk(port: int, path: str, seconds: int) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) of `path`, 2 threads and 16 connections."""
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "X-Forwarded-Proto: https",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    match = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    p99 = float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{path}: {non_2xx.group(1)} responses were not 2xx/3xx")
    return rate, p99


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("pages: skipped, needs wrk (apt-get install wrk)")
        return 0
    with redis_server() as redis_url:
        if redis_url is None:
            print("pages: skipped, needs Redis (BENCH_REDIS_URL, or redis-server)")
            return 0
        os.environ.update(
            REDIS_URL=redis_url,
            DJANGO_TESTING="1",
            DJANGO_SETTINGS_MODULE="portal.settings",
            DJANGO_LOG_LEVEL="WARNING",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(40),
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        connection.settings_dict["TEST"]["NAME"] = "bench_pages"
        original = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        try:
            call_command("seed_demo", verbosity=0)
            port = free_port()
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "bench.pages_site.settings",
                "DJANGO_DEBUG": "0",
                "DJANGO_TESTING": "0",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DATABASE_URL": database_url(),
                "DATABASE_CONN_MAX_AGE": "600",
            }
            # Production serves hashed static files from the manifest, as the image builds it.
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=BASE_DIR,
                env=env,
                check=True,
            )
            server = gunicorn(port, env)
            try:
                return measure(port, args)
            finally:
                server.terminate()
                server.wait(30)
        finally:
            connection.close()
            connection.creation.destroy_test_db(original, verbosity=0)


def measure(port: int, args) -> int:
    for path in [BARE, *PAGES]:  # warm every worker and the cache
        wrk(port, path, 1)
    ratios: dict[str, list[float]] = {path: [] for path in PAGES}
    print(
        f"pages: gunicorn 4 sync workers, wrk 2 threads 16 connections {args.seconds} s per "
        f"measurement, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    for number in range(args.rounds):
        for path in PAGES:
            bare, _bare_p99 = wrk(port, BARE, args.seconds)
            rate, p99 = wrk(port, path, args.seconds)
            ratios[path].append(rate / bare)
            print(
                f"  round {number + 1} {path:45} {rate:7.0f} req/s, p99 {p99:6.1f} ms; "
                f"bare {bare:6.0f} req/s; ratio {rate / bare:.2f}",
                flush=True,
            )
    met = True
    for path, values in ratios.items():
        ratio = statistics.median(values)
        met = met and ratio >= TARGET_RATIO
        print(f"  median {path:45} ratio {ratio:.2f} (target >= {TARGET_RATIO})")
    print(f"  load average {os.getloadavg()[0]:.1f}; " + ("met" if met else "NOT met"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
