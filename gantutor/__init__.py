"""gantutor: the code behind an interactive course on Generative Adversarial Networks.

One module per idea a lesson teaches (see CONTRIBUTING.md for the map). Import the
module you need, e.g. ``from gantutor import losses`` or ``from gantutor.checks import verify``.
"""

__version__ = "0.1.0"

from .device import apply_threads as _apply_threads

_apply_threads()  # GANTUTOR_THREADS=N pins torch to N threads; unset leaves torch's default
