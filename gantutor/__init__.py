"""gantutor: the code behind an interactive course on Generative Adversarial Networks.

One module per idea a lesson teaches (see CONTRIBUTING.md for the map). Import the
module you need, e.g. ``from gantutor import losses`` or ``from gantutor.checks import verify``.
"""

__version__ = "0.1.0"
