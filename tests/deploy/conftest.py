"""Real processes in front of and beside the app: Varnish (deploy/varnish.vcl) and gunicorn.

Each runs as a plain child process on a free loopback port, is polled until it listens (its
output is shown if it fails to start) and is stopped when its fixture ends.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from django.conf import settings as django_settings
from django.test import Client

ROOT = Path(django_settings.BASE_DIR)
VCL = ROOT / "deploy" / "varnish.vcl"
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's password
START_TIMEOUT = 60  # generous: a loaded CI machine starts gunicorn slowly

# pytest-django's live_server listens on "localhost" unless told otherwise; the VCL's backend
# is an IPv4 address.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(port, process, log_path, path=None):
    """Return once ``port`` accepts connections (and answers GET ``path``, if given); fail with
    the process's output otherwise."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} exited ({process.returncode}):\n{log_path.read_text()}")
        try:
            if path is None:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            else:  # a web server listens before its workers can answer
                httpx.get(f"http://127.0.0.1:{port}{path}", timeout=deadline - time.monotonic())
            return
        except (OSError, httpx.TransportError):
            time.sleep(0.05)
    stop(process, signal.SIGKILL)
    pytest.fail(
        f"{process.args[0]} did not listen within {START_TIMEOUT}s:\n{log_path.read_text()}"
    )


def stop(process, sig=signal.SIGTERM):
    process.send_signal(sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class Server:
    """A child process serving HTTP on ``url``; ``client()`` is an httpx client for it."""

    def __init__(self, args, port, log_path, ready_path=None, stop_signal=signal.SIGTERM, **popen):
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.stop_signal = stop_signal
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **popen)
        wait_until_ready(port, self.process, log_path, ready_path)

    def client(self, **kwargs):
        return httpx.Client(base_url=self.url, **{"timeout": 5, **kwargs})

    def stop(self):
        stop(self.process, self.stop_signal)


@pytest.fixture(scope="session", autouse=True)
def _test_database_before_live_server(django_db_setup):
    """Set up the test database before the live server starts (see tests/e2e/conftest.py)."""


@pytest.fixture(scope="module")
def _varnishd(live_server):
    """deploy/varnish.vcl run by varnishd, with the live server as its backend."""
    if not os.path.exists(VARNISHD):
        pytest.skip("varnishd is not installed: run `make varnish`.")
    backend = urlsplit(live_server.url)
    # As root, varnishd runs its worker as the unprivileged "vcache" user: it must be able to
    # read the working directory and the VCL (mkdtemp makes them private to root).
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-varnish-"))
    workdir.chmod(0o755)
    vcl = workdir / "newsroom.vcl"
    source = VCL.read_text()
    assert '.port = "8000";' in source
    vcl.write_text(source.replace('.port = "8000";', f'.port = "{backend.port}";'))
    port = free_port()
    args = [VARNISHD, "-F", "-n", str(workdir / "instance"), "-a", f"127.0.0.1:{port}",
            "-f", str(vcl), "-s", "malloc,64m"]  # fmt: skip
    server = Server(args, port, workdir / "varnishd.log")
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def varnish(_varnishd, settings):
    """Varnish in front of the live server, empty, and the app sending its bans to it."""
    with _varnishd.client() as client:
        client.request("BAN", "/", headers={"X-Cache-Tags-Ban": "."}).raise_for_status()
    settings.HTTP_CACHE_PURGE_URLS = [_varnishd.url + "/"]
    return _varnishd


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    # The servers here speak plain HTTP: cookies marked Secure would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def log_in(client, username):
    """Log ``client`` in through the admin's login form."""
    client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/",
        data={"username": username, "password": PASSWORD, "next": "/admin/",
              "csrfmiddlewaretoken": client.cookies["csrftoken"]},
    )  # fmt: skip
    assert response.status_code == 302, response.text
    assert "sessionid" in client.cookies


def force_log_in(client, user):
    """Give ``client`` a session for ``user`` without the login form (an app server in another
    process cannot check the tests' fast password hashes)."""
    session = Client()
    session.force_login(user)
    client.cookies.set("sessionid", session.cookies["sessionid"].value)
    response = client.get("/admin/")  # sets the CSRF cookie
    assert "csrftoken" in client.cookies, (response.status_code, response.headers)


def approve(client, *comments):
    """Run the moderation queue's "Approve" action by POST, as the changelist's form sends it."""
    response = client.post(
        "/admin/comments/comment/",
        data={
            "action": "approve_selected",
            "_selected_action": [c.pk for c in comments],
            "index": 0,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302, response.text
    return response
