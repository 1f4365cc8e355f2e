"""The course's figures, one module per lesson idea; everything is importable from here.

Figures are meant to be read on a projector at the back of a lecture hall, so the style
uses large fonts and thick lines (:func:`use_course_style`). ``style`` holds what every
lesson uses; ``minimax`` (01), ``lsgan`` (02), ``spectral`` (03–04), ``arena`` (05) and
``conditional`` (06–07) the figures of one lesson (or pair) each. A lesson adds its figure
helpers to its own module.
"""

from .style import use_course_style, show_images, plot_curves, log_ticks, LiveCurves  # noqa: F401
from .spectral import plot_spectra, plot_spectrum_heatmap, plot_convergence  # noqa: F401
from .minimax import plot_game, plot_snapshots, plot_k_sweep  # noqa: F401
from .lsgan import plot_gradient_field, plot_decision_boundary, plot_lsgan_identity  # noqa: F401
from .arena import config_label, plot_arena_modes, plot_snapshot_grid, plot_modes_history, plot_claim_trajectories  # noqa: F401
from .conditional import plot_training_scores, plot_class_diversity, cpu_seconds_per_step  # noqa: F401
