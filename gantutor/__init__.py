"""gantutor: the code behind an interactive course on Generative Adversarial Networks.

One module per idea a lesson teaches (see CONTRIBUTING.md for the map). Import the
module you need, e.g. ``from gantutor import losses`` or ``from gantutor.checks import verify``.
"""

__version__ = "0.1.0"

import os as _os

if _os.environ.get("GANTUTOR_THREADS", "").strip():  # pin torch to N threads; unset: torch's default, and
    from .device import apply_threads as _apply_threads  # no torch import here (python -m gantutor --help stays fast)

    _apply_threads()
