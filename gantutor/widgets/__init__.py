"""Interactive controls for the lessons (ipywidgets + matplotlib).

Each widget comes after the learner has seen the static version of its figure, and
responds in well under a second so it can be dragged live in a lecture. Everything
here can also be created and driven from code, which is how the tests use it.

One module per widget, each split the same way (state, figure, controls):

    playground.py          lesson 05: the GAN playground's state (settings, model, history, step())
    playground_figure.py   lesson 05: Frame (numbers only) and the pure Frame → figure drawing
    playground_controls.py lesson 05: the ipywidgets controls and their responsive layout
    explorer.py            lesson 01: OptimalDiscriminatorExplorer (D*, C(G), JSD)
    lsgan_coding.py        lesson 02: LSGANCodingWidget (a-b-c codings and 2C(G) = χ²)
    power_iteration.py     lesson 03: PowerIterationExplorer (rounds and gap σ₂/σ₁ → errors)
    _common.py             figure → PNG and the layout shared by the widgets

Figures are shown through ``ipywidgets.Image`` (PNG bytes rendered with matplotlib's
Agg canvas), so a slider move replaces one image and needs no interactive backend.
"""

from gantutor.widgets.explorer import OptimalDiscriminatorExplorer
from gantutor.widgets.lsgan_coding import LSGANCodingWidget
from gantutor.widgets.playground import Playground
from gantutor.widgets.power_iteration import PowerIterationExplorer
from gantutor.widgets.playground_figure import Frame, PlaygroundFigure, frame_of

__all__ = ["Playground", "OptimalDiscriminatorExplorer", "LSGANCodingWidget", "PowerIterationExplorer", "Frame", "PlaygroundFigure", "frame_of"]
