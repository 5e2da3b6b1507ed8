"""The admin at county scale: 20,000 meetings, 100,000 registrations, one meeting with 3,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python -m bench.admin

Generates the rows in bulk (fixed shape: 20 series, 20,000 meetings, 10,000 people, five
registrations on every meeting, and one big meeting with 3,000 invitations, 1,000 of them
registered) in a database of its own (`bench_admin`, or the name in BENCH_DATABASE;
created next to DATABASE_URL's and dropped afterwards unless --keep). Then, as a logged-in
superuser with a second factor, through the Django test client in this process:

- the registrations, invitations and meetings changelists, and the registrations changelist
  filtered by the big meeting: median and max of --runs requests, size and queries;
- the big meeting's change page (size, time, queries) and saving it unchanged (status, time);
- inviting 10,000 new addresses to it through the invitation form: the time until the
  request is answered (the mail-out's fan-out is queued for the workers, not run here).

Targets: every changelist < 300 ms, the meeting page < 200 KB, the unchanged save a redirect,
the invitation request < 3 s. Prints the load average too; record it with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

MEETINGS = 20_000
PEOPLE = 10_000
PER_MEETING = 5
BIG_INVITATIONS = 3_000
BIG_REGISTERED = 1_000
NEW_INVITATIONS = 10_000
CHANGELIST_TARGET_MS = 300
PAGE_TARGET_BYTES = 200_000
INVITE_TARGET_S = 3.0
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def code(number: int) -> str:
    """A distinct check-in code per number (eight characters of the check-in alphabet)."""
    digits = []
    for _ in range(8):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


def generate():
    """The rows, in bulk and in one transaction; returns the big meeting."""
    from django.db import transaction

    with transaction.atomic():
        return _generate()


def _generate():
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from dialogues.models import (
        DialogueSeries,
        Invitation,
        Meeting,
        MeetingStatus,
        Registration,
        RegistrationStatus,
    )

    if Meeting.objects.filter(slug="stormote").exists():
        return Meeting.objects.get(slug="stormote")
    started = time.perf_counter()
    now = timezone.now()
    series = DialogueSeries.objects.bulk_create(
        DialogueSeries(name=f"Dialogserie {n}", slug=f"dialogserie-{n}", contact_name="Karin")
        for n in range(20)
    )

    def meeting(n: int, **extra) -> Meeting:
        starts = now + dt.timedelta(hours=6 * (n - MEETINGS // 2))
        fields = {
            "series": series[n % len(series)],
            "title": f"Dialogmöte {n}",
            "slug": f"dialogmote-{n}",
            "description": "Vi samtalar om tillgång till kultur i hela länet.",
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=2),
            "venue": "Kulturförvaltningen",
            "capacity": 50,
            "status": MeetingStatus.PUBLISHED,
            "published_at": now,
        }
        fields.update(extra)
        return Meeting(**fields)

    meetings = Meeting.objects.bulk_create((meeting(n) for n in range(MEETINGS)), batch_size=5000)
    big = meeting(MEETINGS, title="Stormötet", slug="stormote", capacity=None)
    big.save()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        (
            User(
                email=f"massan{n}@example.se",
                display_name=f"Deltagare {n}",
                stakeholder_group="civil_society",
                profile_completed_at=now,
                password=unusable,
            )
            for n in range(PEOPLE)
        ),
        batch_size=5000,
    )
    Registration.objects.bulk_create(
        (
            Registration(
                meeting=meetings[k // PER_MEETING],
                user=users[k % PEOPLE],
                status=RegistrationStatus.CONFIRMED if k % 7 else RegistrationStatus.WAITLISTED,
                check_in_code=code(k),
            )
            for k in range(MEETINGS * PER_MEETING)
        ),
        batch_size=5000,
    )
    invitations = Invitation.objects.bulk_create(
        (
            Invitation(
                meeting=big,
                email=users[n].email if n < BIG_REGISTERED else f"inbjuden{n}@example.se",
                user=users[n] if n < BIG_REGISTERED else None,
                token=f"stormote-{n}",
            )
            for n in range(BIG_INVITATIONS)
        ),
        batch_size=5000,
    )
    Registration.objects.bulk_create(
        Registration(
            meeting=big,
            user=invitation.user,
            invitation=invitation,
            status=RegistrationStatus.CONFIRMED,
            check_in_code=code(n),
        )
        for n, invitation in enumerate(invitations[:BIG_REGISTERED])
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return big


CPU: list[float] = []


def timed(client, method: str, url: str, data=None) -> tuple[float, object, int]:
    """Wall seconds, the response and its queries; this process's CPU seconds go to CPU
    (on a loaded machine the wall time is mostly waiting for a core)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        seconds = time.perf_counter() - started
        CPU.append(time.process_time() - cpu)
    return seconds, response, len(queries.captured_queries)


def changelist(client, label: str, url: str, runs: int) -> bool:
    client.get(url)  # the first request of the process fills caches
    times, cpu, response, queries = [], [], None, 0
    for _ in range(runs):
        seconds, response, queries = timed(client, "get", url)
        assert response.status_code == 200, (url, response.status_code)
        times.append(seconds * 1000)
        cpu.append(CPU[-1] * 1000)
    median = statistics.median(times)
    ok = median < CHANGELIST_TARGET_MS
    print(
        f"{label:<44} median {median:6.0f} ms  max {max(times):6.0f} ms  "
        f"cpu {statistics.median(cpu):4.0f} ms  {len(response.content) / 1000:4.0f} KB  "
        f"{queries:2d} queries  {'ok' if ok else 'SLOW'}"
    )
    return ok


def unchanged_post(form, meeting) -> dict:
    from django.utils import timezone

    data = {k: v for k, v in form.initial.items() if v is not None}
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        value = data.pop(name, None)
        local = timezone.localtime(value) if value else None
        data[f"{name}_0"] = local.strftime("%Y-%m-%d") if local else ""
        data[f"{name}_1"] = local.strftime("%H:%M:%S") if local else ""
    data["series"] = meeting.series_id
    data["audience_groups"] = data.get("audience_groups") or []
    return data


def run(runs: int) -> int:
    from django.test import Client
    from django.urls import reverse

    from dialogues.models import Invitation
    from portal.celery import app
    from portal.outbox.models import MailOut
    from tests.accounts.factories import UserFactory
    from tests.conftest import staff_login

    # The fan-out goes to the (in-memory) broker, as in production, instead of running here.
    app.conf.task_always_eager = False
    big = generate()
    client = Client()
    staff = UserFactory(
        is_staff=True, is_superuser=True, email=f"handlaggare{time.time_ns()}@example.se"
    )
    staff_login(client, staff)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = True
    registrations = reverse("admin:dialogues_registration_changelist")
    ok &= changelist(client, "registrations changelist (100k)", registrations, runs)
    ok &= changelist(
        client,
        "registrations changelist, the big meeting",
        f"{registrations}?meeting__id__exact={big.pk}",
        runs,
    )
    invitations = reverse("admin:dialogues_invitation_changelist")
    ok &= changelist(client, "invitations changelist", invitations, runs)
    ok &= changelist(
        client, "meetings changelist (20k)", reverse("admin:dialogues_meeting_changelist"), runs
    )

    url = reverse("admin:dialogues_meeting_change", args=[big.pk])
    client.get(url)
    seconds, response, queries = timed(client, "get", url)
    size = len(response.content)
    page_ok = response.status_code == 200 and size < PAGE_TARGET_BYTES
    print(
        f"{'big meeting change page':<44} {seconds * 1000:6.0f} ms  cpu {CPU[-1] * 1000:4.0f} ms  "
        f"{size / 1000:4.0f} KB  "
        f"{queries:2d} queries  {'ok' if page_ok else 'TOO BIG'}"
    )
    data = unchanged_post(response.context["adminform"].form, big)
    seconds, response, queries = timed(client, "post", url, data)
    save_ok = response.status_code == 302
    verdict = "ok" if save_ok else "FAILED"
    print(
        f"{'big meeting saved unchanged':<44} {seconds * 1000:6.0f} ms  "
        f"cpu {CPU[-1] * 1000:4.0f} ms  status {response.status_code}  {verdict}"
    )

    # New addresses on every run, also against a kept database.
    stamp = int(time.time())
    emails = "\n".join(f"ny{stamp}.{n}@example.se" for n in range(NEW_INVITATIONS))
    invite = reverse("admin:dialogues_meeting_invitations", args=[big.pk])
    before = Invitation.objects.filter(meeting=big).count()
    seconds, response, queries = timed(client, "post", invite, {"emails": emails, "send": "1"})
    added = Invitation.objects.filter(meeting=big).count() - before
    mailout = MailOut.objects.filter(key=f"dialogues:invitations:{big.pk}").first()
    invite_ok = response.status_code == 302 and added == NEW_INVITATIONS and seconds < 3
    print(
        f"{'invite 10,000 addresses':<44} {seconds:6.2f} s   cpu {CPU[-1]:4.2f} s  "
        f"status {response.status_code}  "
        f"{queries:2d} queries  {added} invitations, mail-out of "
        f"{mailout.total if mailout else 0}  {'ok' if invite_ok else 'FAILED'}"
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok &= page_ok and save_ok and invite_ok
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the bench database for reruns")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "0")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = os.environ.get("BENCH_DATABASE", "bench_admin")
    if args.keep:
        original = connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    else:
        original = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
    try:
        return run(args.runs)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
