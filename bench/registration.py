"""A registration burst over HTTP: everyone who opens the newsletter link at the same moment.

    python -m bench.registration [--people 300] [--seats 50] [--rounds 3]

One gunicorn (4 sync workers) with production settings (DEBUG off, Redis as broker, requests
as if behind the TLS proxy); no Celery worker runs during the burst, so the figures are the
request path alone. Each round:

1. Meeting: `--people` logged-in users (sessions made beforehand) POST the registration form of
   one published meeting with `--seats` seats, released together by a barrier.
2. Stockholmstinget session: a hundred users register for an edition choosing one session with
   ten seats, at the same moment.

Printed per round: registrations/s (successful POSTs over the burst's wall time), p50/p99
latency, status codes, the database outcome (confirmed, waitlisted, outbox rows written) and the
load average; then the medians over the rounds. Targets: >= 100 registrations/s, p99 < 3 s,
exactly `--seats` confirmed and the rest waitlisted, no 5xx. Needs PostgreSQL (DATABASE_URL,
else the embedded server) and Redis (BENCH_REDIS_URL, else a throwaway redis-server); the bench
gets a database of its own (`bench_registration`), dropped afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parents[1]
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.mail_fanout import redis_server  # noqa: E402
from tests.celery_worker import database_url  # noqa: E402
from tests.smtp_sink import free_port  # noqa: E402

TARGET_RATE = 100
TARGET_P99 = 3.0
WORKERS = 4
SESSION_PEOPLE = 100
SESSION_SEATS = 10


@dataclass
class Burst:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if status < 400)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def people(count: int, tag: str) -> list:
    """Users past the registration gate (verified address, complete profile), in bulk."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User

    now = timezone.now()
    users = User.objects.bulk_create(
        User(
            email=f"{tag}-{n}@example.se",
            display_name=f"Deltagare {n}",
            organisation="Kulturföreningen Ljus",
            stakeholder_group="civil_society",
            preferred_language="sv" if n % 4 else "en",
            profile_completed_at=now,
            password=make_password(None),
        )
        for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    return users


def session_cookie(user) -> str:
    """A logged-in session for `user`, as the login view would leave it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def burst(port: int, path: str, forms: list[tuple[str, dict]]) -> Burst:
    """POST every (session, form) at once, each from its own connection and thread."""
    from django.conf import settings

    result = Burst()
    lock = threading.Lock()
    barrier = threading.Barrier(len(forms) + 1)
    host = f"127.0.0.1:{port}"

    def post(session_key: str, form: dict) -> None:
        token = secrets.token_hex(16)
        body = urlencode({**form, "csrfmiddlewaretoken": token}, doseq=True)
        headers = {
            "Host": host,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={token}",
            # As the TLS proxy forwards it.
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{host}",
        }
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        started = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers=headers)
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException):
            status = 599
        elapsed = time.perf_counter() - started
        connection.close()
        with lock:
            result.latencies.append(elapsed)
            result.statuses[status] = result.statuses.get(status, 0) + 1

    threads = [threading.Thread(target=post, args=pair) for pair in forms]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def meeting_round(port: int, number: int, count: int, seats: int) -> tuple[Burst, dict]:
    from django.urls import reverse
    from django.utils import timezone, translation

    from dialogues.models import DialogueSeries, Meeting, Registration
    from portal.outbox.models import OutgoingEmail

    series, _created = DialogueSeries.objects.get_or_create(
        slug="bench", defaults={"name": "Bench"}
    )
    start = timezone.now() + dt.timedelta(days=14)
    meeting = Meeting.objects.create(
        series=series,
        title=f"Dialogmöte {number}",
        slug=f"bench-{number}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=seats,
        status="published",
        published_at=timezone.now(),
    )
    forms = [(session_cookie(user), {}) for user in people(count, f"m{number}")]
    with translation.override("sv"):
        path = reverse("dialogues:registration_create", args=[meeting.slug])
    result = burst(port, path, forms)
    registrations = Registration.objects.filter(meeting=meeting)
    outcome = {
        "confirmed": registrations.filter(status="confirmed").count(),
        "waitlisted": registrations.filter(status="waitlisted").count(),
        "mails": OutgoingEmail.objects.filter(key__startswith="dialogues:registration_")
        .filter(to__startswith=f"m{number}-")
        .count(),
    }
    return result, outcome


def session_round(port: int, number: int) -> tuple[Burst, dict]:
    from django.urls import reverse
    from django.utils import timezone, translation

    from stockholmstinget.models import Edition, Session, SessionSignup

    start = (timezone.now() + dt.timedelta(days=30)).replace(hour=9, minute=0)
    edition = Edition.objects.create(
        year=2100 + number,
        title=f"Stockholmstinget {2100 + number}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        status="published",
        published_at=timezone.now(),
    )
    session = Session.objects.create(
        edition=edition,
        title="Workshop",
        starts_at=start + dt.timedelta(hours=1),
        ends_at=start + dt.timedelta(hours=2),
        capacity=SESSION_SEATS,
    )
    # One choice per time slot: the edition has one slot, with this one session.
    form = {"mode": "in_person", "sector": "culture", "slot_1": str(session.pk)}
    forms = [(session_cookie(user), form) for user in people(SESSION_PEOPLE, f"s{number}")]
    with translation.override("sv"):
        path = reverse("stockholmstinget:registration", args=[edition.year])
    result = burst(port, path, forms)
    signups = SessionSignup.objects.filter(session=session)
    outcome = {
        "confirmed": signups.filter(status="confirmed").count(),
        "waitlisted": signups.filter(status="waitlisted").count(),
    }
    return result, outcome


def gunicorn(port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "portal.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    # Every worker imports the project and opens its database connection before the clock.
    for _ in range(WORKERS * 4):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "GET", "/healthz", headers={"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https"}
        )
        connection.getresponse().read()
        connection.close()
    return process


def describe(name: str, result: Burst, outcome: dict) -> str:
    codes = ", ".join(f"{status}: {n}" for status, n in sorted(result.statuses.items()))
    return (
        f"  {name}: {result.rate:6.1f} registrations/s ({result.seconds:.2f} s), "
        f"p50 {result.percentile(0.5):.2f} s, p99 {result.percentile(0.99):.2f} s; "
        f"status {codes}; outcome {outcome}; load average {os.getloadavg()[0]:.1f}"
    )


def run(args, redis_url: str) -> int:
    from django.conf import settings

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        # The sessions made here are signed with the key the server checks them with.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    server = gunicorn(port, env)
    meetings, sessions = [], []
    try:
        for number in range(args.rounds):
            meetings.append(meeting_round(port, number, args.people, args.seats))
            print(describe(f"round {number + 1}, meeting", *meetings[-1]), flush=True)
            sessions.append(session_round(port, number))
            print(describe(f"round {number + 1}, session", *sessions[-1]), flush=True)
    finally:
        server.terminate()
        server.wait(30)

    ok = True
    for name, rounds, seats, total in (
        ("meeting", meetings, args.seats, args.people),
        ("session", sessions, SESSION_SEATS, SESSION_PEOPLE),
    ):
        rate = statistics.median(result.rate for result, _ in rounds)
        p99 = statistics.median(result.percentile(0.99) for result, _ in rounds)
        correct = all(
            outcome["confirmed"] == seats
            and outcome["waitlisted"] == total - seats
            and not any(status >= 500 for status in result.statuses)
            for result, outcome in rounds
        )
        met = rate >= TARGET_RATE and p99 < TARGET_P99
        print(
            f"  median {name}: {rate:.1f} registrations/s, p99 {p99:.2f} s "
            f"(target >= {TARGET_RATE}/s, p99 < {TARGET_P99} s): "
            + ("met" if met else "NOT met")
            + ", "
            + ("outcome exact, no 5xx" if correct else "WRONG OUTCOME OR 5xx")
        )
        ok = ok and met and correct
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="median of this many (default 3)")
    args = parser.parse_args(argv)

    with redis_server() as redis_url:
        if redis_url is None:
            print("registration: skipped, needs Redis (BENCH_REDIS_URL, or redis-server)")
            return 0
        os.environ["REDIS_URL"] = redis_url
        os.environ.setdefault("DJANGO_TESTING", "1")
        os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
        os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
        os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(40)
        import django

        django.setup()
        from django.db import connection

        connection.settings_dict["TEST"]["NAME"] = "bench_registration"
        original = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        print(
            f"registration: {args.people} people for {args.seats} seats, and "
            f"{SESSION_PEOPLE} for a session of {SESSION_SEATS}; gunicorn {WORKERS} sync "
            f"workers, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )
        try:
            return run(args, redis_url)
        finally:
            connection.close()
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
