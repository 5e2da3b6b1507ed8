"""Mail fan-out: the outbox and two worker processes against plain smtplib, same sink, same run.

    python -m bench.mail_fanout [--messages 10000] [--rounds 3]

1. Portal path: `mailout_create` writes a mail-out of 10,000 recipients (Swedish and English,
   each with their own name) in one transaction; after the commit one
   `celery -A portal worker -Q mail,celery --concurrency 2` (two pool processes) fans it out
   (renders and writes the outbox rows, 500 at a time), claims, sends and marks each message,
   into a local aiosmtpd sink. Timed from the start of `mailout_create` to the sink's
   10,000th message: rendering, database, broker and SMTP all count.
2. Plain smtplib: the same 10,000 messages (the rows' bytes, built before the clock starts)
   over one SMTP connection to the same sink.

Each round runs both, one after the other; the ratio is the median over the rounds, because
on a shared machine single runs vary a lot. The sink runs in its own process and records every
delivery with its Message-ID, so duplicates and losses show. Also printed: CPU per message of
each process involved, and the worker's peak RSS. Needs PostgreSQL (DATABASE_URL, else the
embedded server) and Redis: BENCH_REDIS_URL (its database is flushed), else a throwaway
`redis-server` on a free port; without either it skips. The bench gets a database of its own
(`bench_mail_fanout`), dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import smtplib
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from tests.redis_server import RedisServer  # noqa: E402
from tests.smtp_sink import SinkProcess  # noqa: E402

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
    server = RedisServer()
    if not server.available:
        yield None
        return
    with server:
        yield server.url


def wait_for(sink: SinkProcess, count: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if sink.count() >= count:
            return time.perf_counter()
        time.sleep(0.01)
    raise SystemExit(f"timed out: the sink has {sink.count()} of {count} messages")


def recipients(count: int, prefix: str):
    from portal.outbox.enqueue import MailRecipient

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

    from portal.outbox.enqueue import mailout_create

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


def cpu_seconds(pids) -> float:
    """User + system CPU time of the processes (0 for any that is gone or not local)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def database_backends() -> list[int]:
    """PostgreSQL server processes serving this database (when the server is on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def portal_round(key: str, count: int, sink: SinkProcess, worker) -> dict:
    """One mail-out through the outbox and the worker; times, CPU, duplicates and losses."""
    from portal.outbox.models import OutgoingEmail

    sink.reset()
    workers, backends = worker.pids(), database_backends()
    before = {pid: cpu_seconds([pid]) for pid in [*workers, *backends, sink.pid]}
    process_before = time.process_time()
    started = time.perf_counter()
    created = mailout(key, count)
    committed = time.perf_counter()
    done = wait_for(sink, count, 600)
    cpu = {
        "workers": sum(cpu_seconds([pid]) - before[pid] for pid in workers),
        # Backends that lived through the round, and any that started during it.
        "postgres": sum(
            cpu_seconds([pid]) - before.get(pid, 0.0)
            for pid in set(backends) | set(database_backends())
            if Path(f"/proc/{pid}").exists()
        ),
        "sink": cpu_seconds([sink.pid]) - before[sink.pid],
        "this process": time.process_time() - process_before,
    }
    time.sleep(1)  # room for stray duplicates to arrive
    rows = list(OutgoingEmail.objects.filter(mailout=created).order_by("pk"))
    expected = {row.message_id for row in rows}
    ids = sink.ids()
    return {
        "rate": count / (done - started),
        "seconds": done - started,
        "commit_seconds": committed - started,
        "cpu": cpu,
        "deliveries": len(ids),
        "duplicates": len(ids) - len(set(ids)),
        "losses": len(expected - set(ids)),
        "rows_sent": sum(row.status == OutgoingEmail.Status.SENT for row in rows),
        "rows": rows,
    }


def smtplib_round(rows, sink: SinkProcess) -> dict:
    """The same messages, built before the clock starts, over one plain smtplib connection."""
    from django.conf import settings

    from portal.outbox.send import _message

    messages = [(row.to, _message(row).message().as_bytes(linesep="\r\n")) for row in rows]
    sink.reset()
    sink_before, process_before = cpu_seconds([sink.pid]), time.process_time()
    started = time.perf_counter()
    with smtplib.SMTP(sink.host, sink.port) as smtp:
        for to, content in messages:
            smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [to], content)
    done = wait_for(sink, len(messages), 600)
    ids = sink.ids()
    return {
        "rate": len(messages) / (done - started),
        "seconds": done - started,
        "cpu": {
            "smtplib client": time.process_time() - process_before,
            "sink": cpu_seconds([sink.pid]) - sink_before,
        },
        "deliveries": len(ids),
        "duplicates": len(ids) - len(set(ids)),
        "size": sum(len(content) for _to, content in messages) / len(messages),
    }


def run(count: int, rounds: int, sink: SinkProcess, redis_url: str) -> int:
    from tests.celery_worker import Worker, peak_rss_kib

    # Production settings, except that the worker keeps its database connections as a
    # deployed one does (the test harness closes them after every task).
    worker = Worker(
        redis_url=redis_url,
        email_url=sink.url,
        concurrency=2,
        loglevel="warning",
        env={"DATABASE_CONN_MAX_AGE": "600"},
    )
    results = []
    try:
        # Warm-up: the worker is up, connected and has imported everything.
        mailout("warmup", 200)
        wait_for(sink, 200, 120)
        for number in range(rounds):
            portal = portal_round(f"bench-{number}", count, sink, worker)
            plain = smtplib_round(portal.pop("rows"), sink)
            results.append((portal, plain))
        rss = {pid: peak_rss_kib(pid) for pid in worker.pids()}
    finally:
        worker.stop()

    def per_message(cpu: dict[str, float]) -> str:
        parts = ", ".join(f"{name} {1000 * seconds / count:.2f}" for name, seconds in cpu.items())
        return f"{1000 * sum(cpu.values()) / count:.2f} ms ({parts})"

    print(
        f"mail_fanout: {count} messages of {results[0][1]['size'] / 1024:.1f} KiB "
        f"(text + HTML), {rounds} rounds, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for number, (portal, plain) in enumerate(results, 1):
        print(
            f"  round {number}: portal {portal['rate']:5.0f} msg/s ({portal['seconds']:.1f} s, "
            f"mail-out committed after {portal['commit_seconds']:.2f} s), "
            f"smtplib {plain['rate']:5.0f} msg/s ({plain['seconds']:.1f} s), "
            f"ratio {portal['rate'] / plain['rate']:.2f}"
        )
        print(
            f"           portal: {portal['deliveries']} deliveries, {portal['duplicates']} "
            f"duplicates, {portal['losses']} losses, {portal['rows_sent']} rows marked sent; "
            f"smtplib: {plain['deliveries']} deliveries, {plain['duplicates']} duplicates"
        )
        print(f"           CPU per message, portal {per_message(portal['cpu'])}")
        print(f"           CPU per message, smtplib {per_message(plain['cpu'])}")
    ratio = statistics.median(portal["rate"] / plain["rate"] for portal, plain in results)
    print(
        f"  median: portal {statistics.median(p['rate'] for p, _ in results):.0f} msg/s, "
        f"smtplib {statistics.median(q['rate'] for _, q in results):.0f} msg/s, "
        f"ratio {ratio:.2f} (target >= {TARGET_RATIO})"
    )
    print(
        "  worker peak RSS: "
        + ", ".join(f"{kib / 1024:.0f} MiB" for kib in rss.values())
        + f" (main process, then the two pool processes; {sum(rss.values()) / 1024:.0f} MiB)"
    )
    correct = all(
        p["duplicates"] == 0 and p["losses"] == 0 and p["rows_sent"] == count for p, _ in results
    )
    fast = ratio >= TARGET_RATIO
    print(
        "  result: "
        + ("exactly once" if correct else "DUPLICATES OR LOSSES")
        + ", "
        + ("ratio target met" if fast else "ratio target NOT met")
    )
    return 0 if correct and fast else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="median of this many (default 3)")
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
            from django.db import connection

            connection.settings_dict["TEST"]["NAME"] = "bench_mail_fanout"
            original = connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False
            )
            try:
                return run(args.messages, args.rounds, sink, redis_url)
            finally:
                connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
