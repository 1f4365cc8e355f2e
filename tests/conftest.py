"""Shared test setup: every test runs in smoke mode on the CPU with few threads."""

import os

os.environ.setdefault("GANTUTOR_SMOKE", "1")
os.environ.setdefault("GANTUTOR_DEVICE", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("GANTUTOR_THREADS", "1")  # the suite runs two workers on two cores

import gantutor  # noqa: E402,F401  (applies GANTUTOR_THREADS)
