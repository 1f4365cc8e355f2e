"""Interactive controls for the lessons (ipywidgets + matplotlib).

Each widget exists after the learner has seen the static version of its figure, and
responds in well under a second so it can be dragged live in a lecture. Everything
here can also be created and driven from code, which is how the tests use it.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
