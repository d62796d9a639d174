"""The test suite's fake Akismet as a standalone server for the benchmark: every answer late.

``python -m benchmarks.fake_akismet 0.1`` prints its URL on the first line, then serves
until it is stopped. Its key is ``tests.fake_akismet.VALID_KEY``.
"""

import collections
import sys
import threading

from tests.fake_akismet import FakeAkismet


def main(delay):
    fake = FakeAkismet()
    fake.mode = "slow"
    fake.delay = float(delay)
    fake.requests = collections.deque(maxlen=100)  # the test double keeps every request
    fake.start()
    sys.stdout.write(f"{fake.url}\n")
    sys.stdout.flush()
    threading.Event().wait()


if __name__ == "__main__":
    main(*sys.argv[1:])
