"""Real concurrency for tests: threads with their own PostgreSQL connections."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.db import connection


def run_at_once(calls: Sequence[Callable[[], object]]) -> list[BaseException]:
    """Run every call in its own thread and connection, released together by a barrier.

    Returns the exceptions the calls raised, for the test to assert on.
    """
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # collected and asserted on by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
