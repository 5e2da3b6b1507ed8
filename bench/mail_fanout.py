"""Mail fan-out: the outbox and two worker processes against plain smtplib, same sink, same run.

    python -m bench.mail_fanout [--messages 10000]

1. Portal path: `mailout_create` writes 10,000 rendered rows (Swedish and English, each with the
   recipient's name) in one transaction; on commit the send tasks go to Redis; one
   `celery worker -Q mail,celery --concurrency 2` (two pool processes) claims, sends and marks
   them into a local aiosmtpd sink. Timed from the start of `mailout_create` (end to end) and
   from the commit (delivery) to the sink's 10,000th message.
2. Plain smtplib: the same 10,000 messages (the rows' bytes, built before the clock starts)
   over one SMTP connection to the same sink.

The sink runs in its own process and counts every delivery and every distinct Message-ID, so
duplicates and losses show. Needs PostgreSQL (DATABASE_URL, else the embedded server) and Redis:
BENCH_REDIS_URL (its database is flushed), else a throwaway `redis-server` on a free port.
The bench gets a database of its own (`bench_mail_fanout`), dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import smtplib
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from tests.smtp_sink import SinkProcess, free_port  # noqa: E402

TARGET_RATIO = 0.5


@contextlib.contextmanager
def redis_server():
    import redis

    url = os.environ.get("BENCH_REDIS_URL")
    if url:
        client = redis.Redis.from_url(url)
        client.flushdb()
        try:
            yield url
        finally:
            client.flushdb()
        return
    binary = shutil.which("redis-server")
    if not binary:
        yield None
        return
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    break
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def wait_for(sink: SinkProcess, count: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if sink.count() >= count:
            return time.perf_counter()
        time.sleep(0.01)
    raise SystemExit(f"timed out: the sink has {sink.count()} of {count} messages")


def recipients(count: int, prefix: str):
    from portal.services import MailRecipient

    return [
        MailRecipient(
            email=f"{prefix}{n}@example.se",
            language="en" if n % 4 == 0 else "sv",
            context={"recipient_name": f"Deltagare {n}"},
        )
        for n in range(count)
    ]


def mailout(key: str, count: int):
    from django.db import transaction

    from portal.services import mailout_create

    with transaction.atomic():
        created = mailout_create(
            key=key,
            title="Inbjudan: Dialog med civilsamhället 12 maj",
            template="portal/email/notice",
            recipients=recipients(count, key),
            context={
                "heading": "Inbjudan: Dialog med civilsamhället 12 maj kl. 10",
                "body": "Välkommen till vårens dialogmöte om tillgången till kultur i länet.",
                "link": "https://samverkan.example.se/dialogmoten/civilsamhallet-maj/",
            },
        )
    return created


def run(count: int, sink: SinkProcess, redis_url: str) -> int:
    from django.conf import settings

    from portal.models import OutgoingEmail
    from portal.services import _message
    from tests.celery_worker import Worker, peak_rss_kib

    worker = Worker(
        redis_url=redis_url, email_url=sink.url, concurrency=2, loglevel=os.environ.get("BENCH_LOGLEVEL", "warning")
    )
    try:
        # Warm-up: the worker is up, connected and has imported everything.
        mailout("warmup", 200)
        wait_for(sink, 200, 120)
        sink.reset()

        started = time.perf_counter()
        created = mailout("bench", count)
        committed = time.perf_counter()
        done = wait_for(sink, count, 600)
        time.sleep(1)  # room for stray duplicates to arrive
        rss = {pid: peak_rss_kib(pid) for pid in worker.pids()}
    finally:
        worker.stop()
        if os.environ.get("BENCH_LOGLEVEL"):
            print(worker.output())

    rows = list(OutgoingEmail.objects.filter(mailout=created).order_by("pk"))
    expected = {row.message_id for row in rows}
    ids = sink.ids()
    portal = {
        "deliveries": len(ids),
        "duplicates": len(ids) - len(set(ids)),
        "losses": len(expected - set(ids)),
        "rows_sent": sum(row.status == OutgoingEmail.Status.SENT for row in rows),
    }

    # Plain smtplib: the same messages, built before the clock starts.
    messages = [
        (row.to, _message(row).message().as_bytes(linesep="\r\n")) for row in rows
    ]
    sink.reset()
    plain_started = time.perf_counter()
    with smtplib.SMTP(sink.host, sink.port) as smtp:
        for to, content in messages:
            smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [to], content)
    plain_done = wait_for(sink, count, 600)
    plain_ids = sink.ids()

    end_to_end = count / (done - started)
    delivery = count / (done - committed)
    plain = count / (plain_done - plain_started)
    size = sum(len(content) for _to, content in messages) / len(messages)
    print(f"mail_fanout: {count} messages, {size / 1024:.1f} KiB each (text + HTML)")
    print(
        f"  portal outbox, 2 worker processes: {end_to_end:8.0f} msg/s end to end "
        f"({done - started:.2f} s: fan-out and commit {committed - started:.2f} s, "
        f"delivery {done - committed:.2f} s = {delivery:.0f} msg/s)"
    )
    print(f"  plain smtplib, one connection:     {plain:8.0f} msg/s ({plain_done - plain_started:.2f} s)")
    print(f"  ratio portal/smtplib: {end_to_end / plain:.2f} end to end, {delivery / plain:.2f} delivery")
    print(
        f"  portal: {portal['deliveries']} deliveries, {portal['duplicates']} duplicates, "
        f"{portal['losses']} losses, {portal['rows_sent']} rows marked sent"
    )
    print(
        f"  smtplib: {len(plain_ids)} deliveries, {len(plain_ids) - len(set(plain_ids))} duplicates"
    )
    print(
        "  worker peak RSS: "
        + ", ".join(f"{kib / 1024:.0f} MiB" for kib in rss.values())
        + f" (main process, then pool processes; total {sum(rss.values()) / 1024:.0f} MiB)"
    )
    ok = (
        portal["duplicates"] == 0
        and portal["losses"] == 0
        and portal["rows_sent"] == count
        and end_to_end / plain >= TARGET_RATIO
    )
    print(f"  target (>= {TARGET_RATIO} of smtplib end to end, no duplicates, no losses): "
          + ("met" if ok else "NOT MET"))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args(argv)

    with redis_server() as redis_url:
        if redis_url is None:
            print("mail_fanout: skipped, needs Redis (set BENCH_REDIS_URL or install redis-server)")
            return 0
        with SinkProcess() as sink:
            # Read by portal.settings: a real broker, and no secret key needed.
            os.environ["REDIS_URL"] = redis_url
            os.environ["EMAIL_URL"] = sink.url
            os.environ.setdefault("DJANGO_TESTING", "1")
            os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
            os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
            import django

            django.setup()
            from django.conf import settings
            from django.db import connection

            connection.settings_dict["TEST"]["NAME"] = "bench_mail_fanout"
            original = connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False
            )
            try:
                return run(args.messages, sink, redis_url)
            finally:
                connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
