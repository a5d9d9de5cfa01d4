"""Benchmarks: minigrad against PyTorch and a hand-written NumPy baseline.

`python -m benchmarks` (or `python benchmarks/run.py`) runs them; see run.py for
the options and docs/benchmarks.md for the latest results.
"""
