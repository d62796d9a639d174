"""Run a benchmarks module's ``main(*args)`` with Django set up, in the environment given.

``python -m benchmarks.django_run data`` builds the data set; ``… probe`` measures queries.
"""

import importlib
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()
importlib.import_module(f"benchmarks.{sys.argv[1]}").main(*sys.argv[2:])
