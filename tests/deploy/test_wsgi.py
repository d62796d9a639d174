"""The WSGI entry point gunicorn serves."""

import subprocess
import sys

from django.conf import settings


def test_what_the_app_loads_at_start_is_kept_out_of_the_garbage_collectors_walks():
    # A process of its own: importing newsroom.wsgi in this one would freeze the test run.
    code = (
        "import gc; before = gc.get_freeze_count(); import newsroom.wsgi; "
        "print(before, gc.get_freeze_count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, timeout=120, cwd=settings.BASE_DIR, check=True,
    )  # fmt: skip
    before, after = map(int, done.stdout.split())

    assert before == 0
    assert after > 10_000  # Django and the apps, not a handful of objects
