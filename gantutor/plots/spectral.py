"""Figures of lessons 03–04: singular-value spectra, spectral collapse over training, power-iteration convergence."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .style import log_ticks


def plot_spectra(spectra, layers=None, normalize: bool = True, axes=None, title: str | None = None):
    """Singular-value spectra side by side: one panel per layer, one curve per run.

    ``spectra`` maps a run's label (e.g. "SN", "weight norm") to the output of
    :func:`gantutor.spectral.singular_values` (``{layer: values, largest first}``).
    With ``normalize`` the curves are σ_i/σ_1 against i (lesson 03's Section 3 figure).
    """
    if not isinstance(spectra, dict) or not spectra:
        raise ValueError("spectra must be a non-empty dict {run label: {layer name: singular values}}")
    first = next(iter(spectra.values()))
    layers = list(first) if layers is None else list(layers)
    missing = [(run, l) for run, sv in spectra.items() for l in layers if l not in sv]
    if missing:
        raise ValueError(f"layers missing from some runs: {missing[:3]}; available: {list(first)}")
    if axes is None:
        _, axes = plt.subplots(1, len(layers), figsize=(5.5 * len(layers), 4.5), squeeze=False)
        axes = axes[0]
    for ax, layer in zip(axes, layers):
        for run, sv in spectra.items():
            s = torch.as_tensor(sv[layer], dtype=torch.float64).cpu()
            y = s / s[0] if normalize else s
            ax.plot(np.arange(1, len(y) + 1), y.numpy(), label=run, lw=2.5)
        ax.set_xlabel("index i")
        ax.set_ylabel(r"$\sigma_i/\sigma_1$" if normalize else r"$\sigma_i$")
        if normalize:
            ax.set_ylim(0, 1.05)
        ax.set_title(f"layer {layer} (r = {len(first[layer])})", fontsize="medium")
    axes[0].legend(fontsize="small")
    if title:
        plt.suptitle(title)
    return axes


def plot_spectrum_heatmap(steps, matrix, ax=None, title: str | None = None, vmin: float = 0.0, vmax: float = 1.0):
    """Heat-map of σ_i/σ_1 (rows: index i, columns: training step) — spectral collapse shows as the
    lower rows going dark. ``matrix`` is (records × r), e.g. ``SpectrumMonitor.matrix(layer)``."""
    m = torch.as_tensor(matrix, dtype=torch.float64).cpu().numpy()
    steps = np.asarray(steps)
    if m.ndim != 2 or m.shape[0] != len(steps):
        raise ValueError(f"matrix must be (len(steps) × r) = ({len(steps)} × r), got {m.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    mesh = ax.imshow(m.T, aspect="auto", origin="upper", cmap="magma", vmin=vmin, vmax=vmax,
                     extent=(steps[0], steps[-1] if len(steps) > 1 else steps[0] + 1, m.shape[1] + 0.5, 0.5))
    ax.set_xlabel("generator step")
    ax.set_ylabel("index i")
    ax.grid(False)
    plt.colorbar(mesh, ax=ax, label=r"$\sigma_i/\sigma_1$")
    if title:
        ax.set_title(title, fontsize="medium")
    return ax
def plot_convergence(k, measured: dict, reference: dict | None = None, ax=None, title: str | None = None,
                     xlabel: str = "rounds k", ylabel: str = "error", floor: float = 1e-17):
    """Errors against the iteration count on a log axis, each with an optional reference rate.

    ``measured`` maps a label to errors (one per entry of ``k``); ``reference`` maps the same
    labels to the predicted curve (drawn dotted in the same colour), e.g. lesson 03's σ̂ error
    against (σ₂/σ₁)^{4k} and the direction error against (σ₂/σ₁)^{2k}. Values below ``floor``
    (float64 round-off) are clipped so the log axis stays readable.
    """
    if not isinstance(measured, dict) or not measured:
        raise ValueError("measured must be a non-empty dict {label: errors}")
    reference = reference or {}
    unknown = [key for key in reference if key not in measured]
    if unknown:
        raise ValueError(f"reference labels {unknown} are not in measured ({list(measured)})")
    k = np.asarray(k, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.8))
    for j, (label, values) in enumerate(measured.items()):
        y = np.asarray(values, dtype=float)
        if y.shape != k.shape:
            raise ValueError(f"{label!r}: {y.shape[0] if y.ndim else 0} errors for {len(k)} rounds")
        color = f"C{j}"
        ax.semilogy(k, np.maximum(y, floor), color=color, lw=3, label=label)
        if label in reference:
            ax.semilogy(k, np.maximum(np.asarray(reference[label], dtype=float), floor), color=color, ls=":", lw=2.5)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    log_ticks(ax)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title, fontsize="medium")
    return ax
