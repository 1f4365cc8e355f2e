"""Which ipywidgets this kernel has, and what that means for the lesson widgets (Colab ships 7.x).

The lesson widgets only use controls, boxes, ``Image`` and ``Output`` that ipywidgets 7.7+
and 8 share; their Python side was run with ipywidgets 7.8.5 (the widget unit tests and the
lessons in smoke mode: ``.ci/constraints-ipywidgets7.txt``). What differs is the front end, which the line of :func:`widget_support` says.
"""

from __future__ import annotations

MIN_MAJOR_MINOR = (7, 7)


def ipywidgets_version() -> tuple[int, ...] | None:
    """The installed ipywidgets version as a tuple, or None when it is not installed."""
    try:
        import ipywidgets
    except ImportError:
        return None
    parts = []
    for piece in ipywidgets.__version__.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def widget_support(version: tuple[int, ...] | None = None) -> str:
    """One line for the learner: whether the lesson widgets work with this ipywidgets, and what will not.

    ``version`` defaults to the installed one (pass a tuple to see another version's line).
    """
    if version is None:
        version = ipywidgets_version()
    if version is not None and (not isinstance(version, tuple) or not all(isinstance(v, int) for v in version)):
        raise ValueError(f"version must be a tuple of ints such as (7, 8, 5), got {version!r}")
    if version is None:
        return "ipywidgets is not installed: the lessons run, but their sliders and playgrounds are not shown."
    shown = ".".join(map(str, version))
    if version[:2] < MIN_MAJOR_MINOR:
        return (f"ipywidgets {shown} is older than 7.7: the sliders may not show; "
                "`pip install 'ipywidgets>=7.7'` and restart the runtime.")
    if version[0] == 7:
        return (f"ipywidgets {shown}: the lesson widgets work (their Python side is tested with 7.8.5); their "
                "layout was checked in JupyterLab with ipywidgets 8, so controls may wrap differently here.")
    return f"ipywidgets {shown}: every lesson widget works."
