"""A fake Akismet: a real HTTP server on 127.0.0.1 speaking Akismet's REST protocol.

The real ``akismet`` client reaches it over HTTP through ``AKISMET_API_URL``. Set ``mode`` to
make it misbehave, and read ``requests`` to see exactly what it was sent.

Verdicts: ``comment_author`` "akismet-guaranteed-spam" (or that address @example.com) is spam,
"fake-discard" is spam with the discard pro-tip, anything else is ham; ``verdict`` overrides.
Modes: "normal", "http500", "slow" (answers after ``delay`` seconds), "drop" (closes the
connection without a reply), "garbage" (200 with an HTML page), "wait" (answers once ``gate``
is set), "invalid_key" (rejects the key whatever it is). ``closed_url`` is an address where
nothing listens (connection refused).
"""

import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

VALID_KEY = "fake-akismet-key"
THANKS = "Thanks for making the web a better place."
SPAM_AUTHOR = "akismet-guaranteed-spam"
SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
DISCARD_AUTHOR = "fake-discard"


@dataclass
class Request:
    method: str
    path: str
    form: dict
    headers: dict
    peer: tuple = ()  # the client's address and port: one per connection


class FakeAkismet:
    def __init__(self):
        self.mode = "normal"
        self.verdict = None
        self.delay = 2.0
        self.gate = threading.Event()  # mode "wait": answers once the test sets it
        self.requests = []
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def closed_url(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def hits(self, path):
        return [r for r in self.requests if r.path == path]

    def answer(self, path, form):
        """(status, body, headers) for a request in normal mode."""
        key_ok = form.get("api_key") == VALID_KEY and self.mode != "invalid_key"
        if path == "/1.1/verify-key":
            ok = form.get("key") == VALID_KEY and self.mode != "invalid_key"
            return 200, "valid" if ok else "invalid", {}
        if not key_ok:
            return 200, "invalid", {"X-akismet-debug-help": "We were unable to verify your key."}
        if path in ("/1.1/submit-spam", "/1.1/submit-ham"):
            return 200, THANKS, {}
        if path == "/1.1/comment-check":
            return self._check(form)
        return 404, "Not found", {}

    def _check(self, form):
        for field in ("blog", "user_ip"):
            if not form.get(field):
                message = f"Missing required field: {field}."
                return 200, message, {"X-akismet-debug-help": message}
        verdict = self.verdict or self._verdict_for(form)
        headers = {"X-akismet-guid": uuid.uuid4().hex}
        if verdict == "discard":
            headers["X-akismet-pro-tip"] = "discard"
        return 200, "false" if verdict == "ham" else "true", headers

    @staticmethod
    def _verdict_for(form):
        if form.get("comment_author") == DISCARD_AUTHOR:
            return "discard"
        if (
            form.get("comment_author") == SPAM_AUTHOR
            or form.get("comment_author_email") == SPAM_EMAIL
        ):
            return "spam"
        return "ham"


class _QuietServer(ThreadingHTTPServer):
    """Says nothing when a client hangs up first (as a timed-out client does)."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(fake):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            self._serve({key: values[-1] for key, values in parse_qs(raw).items()})

        def do_GET(self):
            query = urlsplit(self.path).query
            self._serve({key: values[-1] for key, values in parse_qs(query).items()})

        def _serve(self, form):
            path = urlsplit(self.path).path
            fake.requests.append(
                Request(self.command, path, form, dict(self.headers), self.client_address)
            )
            if fake.mode == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fake.mode == "slow":
                time.sleep(fake.delay)
            if fake.mode == "wait":
                fake.gate.wait(timeout=10)
            if fake.mode == "http500":
                status, body, headers = 500, "Internal Server Error", {}
            elif fake.mode == "garbage":
                status, body, headers = 200, "<html><body>Service moved</body></html>", {}
            else:
                status, body, headers = fake.answer(path, form)
            self._reply(status, body, headers)

        def _reply(self, status, body, headers):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            pass  # Keep test output clean.

    return Handler
