"""A real SMTP server on loopback (aiosmtpd) that counts what it accepts.

Used by the outbox tests and by bench/mail_fanout.py. Like every SMTP server it de-duplicates
nothing: it records every accepted message, so `deliveries` counts duplicates and `distinct`
counts Message-IDs.

    with SmtpSink() as sink:                 # a thread in this process
        ... send to 127.0.0.1:sink.port ...
        sink.deliveries, sink.distinct, sink.duplicates()

`SinkProcess` runs the same server in a child process (the benchmark, so that the sink's event
loop does not share a GIL with the code under measurement).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import socket
import threading
import time
from collections import Counter
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def message_id_of(content: bytes) -> str:
    headers = content.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
    match = MESSAGE_ID.search(headers)
    return match.group(1).decode() if match else ""


class _Handler:
    """aiosmtpd hooks: record accepted messages; optional failures and a gate."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.lock = threading.Lock()
        self.ids: list[str] = []
        self.messages: list[bytes] = []
        self.fail_next = 0
        self.fail_reply = "451 4.3.0 Try again later"
        self.gate_after: int | None = None
        self.gate_closed = False
        self.waiting = 0
        self.hold_after: int | None = None
        self.holding = False
        self.held = 0
        self.reply_delay = 0.0
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's hook name
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        # A closed gate holds every new transaction before it carries any message data, so a
        # client killed meanwhile has delivered nothing.
        if self.gate_closed:
            self.waiting += 1
            try:
                while self.gate_closed:
                    await asyncio.sleep(0.01)
            finally:
                self.waiting -= 1
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_reply
            self.ids.append(message_id_of(envelope.content))
            if self.keep:
                self.messages.append(envelope.content)
            if self.gate_after is not None and len(self.ids) >= self.gate_after:
                self.gate_after = None
                self.gate_closed = True
            hold = self.hold_after is not None and len(self.ids) > self.hold_after
            if hold:
                self.holding = True
        # The message is already recorded (the server has taken it) while the client still
        # waits for the reply: a client killed now has delivered it without knowing.
        if hold:
            self.held += 1
            try:
                while self.holding:
                    await asyncio.sleep(0.01)
            finally:
                self.held -= 1
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return "250 2.0.0 OK: queued"


class SmtpSink:
    """The sink in a thread of this process."""

    def __init__(self, *, keep_messages: bool = True) -> None:
        self.handler = _Handler(keep_messages)
        self.port = free_port()
        self.host = "127.0.0.1"
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.handler.gate_closed = False
        self.release_replies()
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def ids(self) -> list[str]:
        with self.handler.lock:
            return list(self.handler.ids)

    @property
    def deliveries(self) -> int:
        return len(self.ids)

    @property
    def distinct(self) -> int:
        return len(set(self.ids))

    def duplicates(self) -> dict[str, int]:
        return {mid: n for mid, n in Counter(self.ids).items() if n > 1}

    def parsed(self) -> list[EmailMessage]:
        with self.handler.lock:
            raw = list(self.handler.messages)
        return [message_from_bytes(content, policy=email_policy.default) for content in raw]

    def fail_next(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        """Refuse the next `count` messages at end of DATA with `reply`."""
        self.handler.fail_reply = reply
        self.handler.fail_next = count

    def close_gate_after(self, count: int) -> None:
        """After `count` accepted messages, hold every new transaction until `open_gate`."""
        self.handler.gate_after = count

    def open_gate(self) -> None:
        self.handler.gate_closed = False

    def hold_replies_after(self, count: int) -> None:
        """After `count` accepted messages, record each further one but hold its reply."""
        self.handler.hold_after = count

    def release_replies(self) -> None:
        self.handler.hold_after = None
        self.handler.holding = False

    @property
    def held_replies(self) -> int:
        """Messages recorded whose client still waits for the server's reply."""
        return self.handler.held

    def delay_replies(self, seconds: float) -> None:
        """Answer each message `seconds` after it is recorded, as a slow relay does."""
        self.handler.reply_delay = seconds

    @property
    def sessions(self) -> int:
        """SMTP sessions (EHLO greetings) so far."""
        return self.handler.sessions

    @property
    def waiting_at_gate(self) -> int:
        return self.handler.waiting

    def wait_for(self, deliveries: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.deliveries >= deliveries:
                return True
            time.sleep(0.05)
        return self.deliveries >= deliveries


def _serve(port: int, pipe) -> None:
    handler = _Handler(keep=False)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while True:
        command = pipe.recv()
        if command == "count":
            with handler.lock:
                pipe.send(len(handler.ids))
        elif command == "ids":
            with handler.lock:
                pipe.send(list(handler.ids))
        elif command == "reset":
            with handler.lock:
                handler.ids.clear()
            pipe.send("ok")
        else:
            controller.stop()
            pipe.send("stopped")
            return


class SinkProcess:
    """The sink in a child process; `ids()` fetches what it accepted so far."""

    def __init__(self) -> None:
        self.port = free_port()
        self.host = "127.0.0.1"
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(self.port, child_end), daemon=True)

    def __enter__(self) -> SinkProcess:
        self._process.start()
        if not self._pipe.poll(30) or self._pipe.recv() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._pipe.send("stop")
        self._pipe.recv()
        self._process.join(10)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def ids(self) -> list[str]:
        self._pipe.send("ids")
        return self._pipe.recv()

    def count(self) -> int:
        self._pipe.send("count")
        return self._pipe.recv()

    def reset(self) -> None:
        self._pipe.send("reset")
        self._pipe.recv()
