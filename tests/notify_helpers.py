"""Real receivers for notification tests: an SMTP server (aiosmtpd) and an HTTP server (SMS gateway,
webhooks), each on a free port of 127.0.0.1, recording what they got."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=email_policy)
        with self.sink.lock:
            self.sink.messages.append(msg)
        return "250 OK"


class SmtpSink:
    """An SMTP server; `messages` holds every message received (email.message.Message)."""

    def __init__(self):
        self.messages: list = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line at INFO
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


class HttpSink:
    """An HTTP server answering every POST with `status`; `requests` holds (path, headers, body)."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[tuple[str, dict, bytes]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.requests.append((self.path, dict(self.headers), body))
                self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def json_bodies(self, path: str | None = None) -> list[dict]:
        return [json.loads(b) for p, _h, b in self.requests if path is None or p == path]


def wait_for(predicate, timeout: float = 5.0) -> bool:
    """SMTP hands a message to the handler asynchronously: wait until `predicate()` holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
