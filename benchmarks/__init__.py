"""Load and scale benchmarks (not tests): ``make bench`` runs ``python -m benchmarks.run``."""
