"""What the lesson widgets share: a figure as PNG bytes, a figure view that fits its cell,
and control sizes that never shrink to nothing.

Why images: a matplotlib figure rendered by the Agg canvas into an ``ipywidgets.Image``
is replaced in one message when a slider moves, works with any matplotlib backend
(inline included) and cannot be displayed twice or left stale by ``clear_output``.
"""

from __future__ import annotations

import io

import ipywidgets as widgets

# a control narrower than this is hard to read or drag; flex boxes wrap before they shrink below it
CONTROL_MIN_WIDTH = "240px"
CONTROL_DESCRIPTION = {"description_width": "100px"}


def figure_png(fig, dpi: float | None = None, tight: bool = False) -> bytes:
    """The figure as PNG bytes (fast zlib level; ``dpi`` defaults to the figure's own).

    ``tight=True`` crops to what is drawn, titles included, as the notebook's inline
    backend does (a long title is never cut off at the figure's edge).
    """
    if fig.canvas is None or not hasattr(fig.canvas, "print_figure"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    extra = {"bbox_inches": "tight", "pad_inches": 0.1} if tight else {}
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi, pil_kwargs={"compress_level": 1}, **extra)
    return buf.getvalue()


def freeze_layout(fig) -> None:
    """Lay the figure out once (tight) and keep those positions for every later redraw.

    With the course style (``figure.autolayout``) matplotlib re-runs tight_layout on each
    draw, about a third of a widget's redraw time; the panels of a widget never move, so
    once is enough.
    """
    fig.tight_layout()
    fig.set_layout_engine("none")


def figure_view(png: bytes, max_width: str = "100%") -> widgets.Image:
    """An Image widget that shows the PNG at its own size but never wider than its cell."""
    return widgets.Image(value=png, format="png", layout=widgets.Layout(max_width=max_width, height="auto",
                                                                        object_fit="contain"))


def control_layout(min_width: str = CONTROL_MIN_WIDTH, basis: str | None = None, max_width: str = "420px") -> widgets.Layout:
    """A flex item that grows to share a row, and wraps to the next row rather than shrink below ``min_width``."""
    return widgets.Layout(flex=f"1 1 {basis or min_width}", min_width=min_width, max_width=max_width, width="auto",
                          margin="2px 12px 2px 0")


def wrapping_row(children, **layout) -> widgets.Box:
    """A row of controls that wraps onto more rows when the cell is narrow."""
    return widgets.Box(list(children), layout=widgets.Layout(display="flex", flex_flow="row wrap",
                                                             align_items="center", width="100%", **layout))
