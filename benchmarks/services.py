"""The processes a benchmark run starts: each in its own process group, all stopped at the end.

``with Services(log_dir) as services:`` stops everything it started when the block ends, on
success, on an exception and on SIGTERM/SIGINT (``run.py`` turns those into SystemExit).
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN_WORKERS = 2  # one per core on the benchmark machine


class ServiceError(RuntimeError):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Services:
    def __init__(self, log_dir):
        self.log_dir = Path(log_dir)
        self.running = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop_all()

    def start(self, name, args, env):
        """Start a process; its output goes to ``LOG_DIR/NAME.log``."""
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [str(a) for a in args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.running[name] = (process, log)
        return process

    def stop(self, name):
        process, log = self.running.pop(name)
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the group we started: gunicorn's workers too
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass  # the whole group has already exited
        log.close()

    def stop_all(self):
        for name in reversed(list(self.running)):
            self.stop(name)

    def log_tail(self, name, lines=20):
        text = (self.log_dir / f"{name}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def wait_for_http(self, name, url, seconds=30):
        """Wait until ``url`` answers (any HTTP status), or fail with the process's log."""
        process = self.running[name][0]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServiceError(f"{name} exited early:\n{self.log_tail(name)}")
            try:
                urllib.request.urlopen(url, timeout=5).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise ServiceError(f"{name} did not answer {url} in {seconds} s:\n{self.log_tail(name)}")

    def gunicorn(self, env, port):
        self.start(
            "gunicorn",
            [ROOT / ".venv" / "bin" / "gunicorn", "newsroom.wsgi", "-w", GUNICORN_WORKERS,
             "-b", f"127.0.0.1:{port}", "--timeout", "120"],
            env,
        )  # fmt: skip
        self.wait_for_http("gunicorn", f"http://127.0.0.1:{port}/robots.txt")

    def worker(self, env):
        self.start("worker", [PYTHON, "manage.py", "db_worker", "--no-startup-delay"], env)

    def fake_akismet(self, env, delay):
        """Start the slow fake Akismet; returns its URL (the first line it prints)."""
        process = self.start("fake-akismet", [PYTHON, "-m", "benchmarks.fake_akismet", delay], env)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            lines = (self.log_dir / "fake-akismet.log").read_text().splitlines()
            if lines and lines[0].startswith("http://"):
                return lines[0]
            time.sleep(0.1)
        raise ServiceError(f"the fake Akismet did not start:\n{self.log_tail('fake-akismet')}")

    def varnish(self, vcl, port, work_dir):
        self.start(
            "varnish",
            ["varnishd", "-F", "-n", work_dir, "-a", f"127.0.0.1:{port}", "-f", vcl,
             "-s", "malloc,256m"],
            os.environ.copy(),
        )  # fmt: skip
        self.wait_for_http("varnish", f"http://127.0.0.1:{port}/robots.txt")
