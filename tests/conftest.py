"""Shared test setup: every test runs in smoke mode on the CPU with few threads."""

import os

os.environ.setdefault("GANTUTOR_SMOKE", "1")
os.environ.setdefault("GANTUTOR_DEVICE", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

torch.set_num_threads(1)  # the suite runs two workers on two cores
