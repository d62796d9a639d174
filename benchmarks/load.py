"""Driving the server with wrk and reading its report."""

import re
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


@dataclass
class Load:
    """One wrk run: throughput, latency percentiles (ms) and what went wrong."""

    name: str
    connections: int
    requests: int = 0
    requests_per_s: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    bytes_read: int = 0
    bad_status: int = 0
    socket_errors: int = 0
    notes: list = field(default_factory=list)

    @property
    def errors(self):
        return self.bad_status + self.socket_errors

    @property
    def bytes_per_request(self):
        return round(self.bytes_read / self.requests) if self.requests else 0


def run_wrk(name, url, connections, seconds, script=None, env=None, timeout_s=30):
    threads = min(2, connections)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
            f"--timeout={timeout_s}s"]  # fmt: skip
    if script:
        args += ["-s", str(script)]
    done = subprocess.run(
        [*args, url], env=env, capture_output=True, text=True, timeout=seconds + timeout_s + 30
    )
    if done.returncode != 0:
        load = Load(name, connections)
        load.notes.append(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
        return load
    return parse(name, connections, done.stdout)


def parse(name, connections, report):
    """A Load from wrk's ``--latency`` report."""
    load = Load(name, connections)
    if match := re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(\w+) read", report):
        load.requests = int(match[1])
        load.bytes_read = int(float(match[2]) * SIZES[match[3]])
    if match := re.search(r"Requests/sec:\s+([\d.]+)", report):
        load.requests_per_s = float(match[1])
    if load.requests:
        load.p50_ms = percentile(report, "50%")
        load.p99_ms = percentile(report, "99%")
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", report):
        load.bad_status = int(match[1])
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                          report):  # fmt: skip
        load.socket_errors = sum(int(n) for n in match.groups())
        if int(match[4]):
            load.notes.append(f"{match[4]} requests timed out")
    return load


def percentile(report, label):
    match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s|m|h)\s*$", report, re.M)
    return round(float(match[1]) * UNITS[match[2]], 2) if match else None


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to report, not to follow


OPENER = urllib.request.build_opener(NoRedirects)


def fetch(url, headers=None, timeout=60):
    """(status, headers, body) of one GET, whatever the status; redirects are not followed."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def warm_up(url, seconds=2, together=4):
    """Requests ``together`` at a time, in a few rounds, so that every fresh worker (not only
    the one that happens to accept first) has compiled its templates and opened its
    connections before the measurement; each round is waited for, so none is still being
    served when the measurement starts."""
    started = time.monotonic()
    with ThreadPoolExecutor(together) as pool:
        for _ in range(3):
            list(pool.map(fetch, [url] * together))
            if time.monotonic() - started > seconds:
                return


def warm_up_posts(url, script, env):
    """A second of posting at two connections (posts are quick, so little is left running)."""
    run_wrk("warm-up", url, 2, 1, script, env)
