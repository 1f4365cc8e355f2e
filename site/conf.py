"""Sphinx configuration of the course website; run through ``site/build.py`` (``make site``).

The sources are generated into ``_build/site-src/`` by build.py, which also writes
``site.json`` there (mode, repository, commit). MyST-NB only renders: the notebooks it reads are
already executed (``nb_execution_mode = "off"``). Every script a page loads is a copy under
``_static/vendor/`` fetched from npm at build time (require.js, the widget HTML manager, MathJax).
"""

import json
import os
from pathlib import Path

SRC = Path(os.environ.get("GANTUTOR_SITE_SRC", Path(__file__).resolve().parents[1] / "_build" / "site-src"))
INFO = json.loads((SRC / "site.json").read_text()) if (SRC / "site.json").exists() else {
    "mode": "?", "repo": {"url": "", "short": "?", "commit": "?", "dirty": False}}
MODE, REPO = INFO["mode"], INFO["repo"]

project = "gantutor"
author = "the gantutor authors"
copyright = "the gantutor authors, MIT licence"
html_title = "gantutor · GANs"

extensions = ["myst_nb"]
nb_execution_mode = "off"  # build.py executed every lesson with the test suite's runner
nb_merge_streams = True
nb_output_stderr = "show"
myst_enable_extensions = ["dollarmath", "amsmath", "html_image", "colon_fence"]
myst_heading_anchors = 3
exclude_patterns = ["site.json", "_extra", "**/.ipynb_checkpoints"]
suppress_warnings = ["myst.header", "myst.xref_missing", "misc.highlighting_failure", "toc.not_included"]

# scripts served by the site itself (no CDN at view time)
mathjax_path = "vendor/mathjax/tex-chtml.js"
# (pages with widgets are lessons/*.html, one folder down: the manager loads its fonts from ../_static/vendor/)
nb_ipywidgets_js = {
    "vendor/require.js": {},
    "vendor/@jupyter-widgets/html-manager/dist/embed-amd.js": {"data-jupyter-widgets-cdn": "../_static/vendor/",
                                                               "data-jupyter-widgets-cdn-only": "true"},
}
# the widget manager typesets labels with MathJax 2's API; this shim maps it onto MathJax 3 (after MathJax loads)
html_js_files = [("vendor/require_config.js", {"priority": 1}),  # before require.js: its baseUrl is vendor/
                 ("vendor/mathjax_widgets_shim.js", {"defer": "defer", "priority": 510})]

html_theme = "sphinx_book_theme"
html_static_path = [str(SRC / "_static")]
html_extra_path = [str(SRC / "_extra")]
html_css_files = ["gantutor.css"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None

_dirty = " + uncommitted changes" if REPO.get("dirty") else ""
_what = ("smoke mode: every run shrunk to a few steps; figures and numbers only show that the code runs"
         if MODE == "smoke" else "CPU mode: the runs a laptop CPU does in minutes")
_commit = f'<code>{REPO.get("short", "?")}</code>'
if REPO.get("github") and REPO.get("commit", "?") not in ("?", "unknown"):  # the banner links the repository's commit
    _commit = f'<a href="{REPO["url"]}/commit/{REPO["commit"]}">{_commit}</a>'
html_theme_options = {
    "announcement": (f'<span class="gantutor-banner">Built in <b>{MODE}</b> mode ({_what}) from commit '
                     f'{_commit}{_dirty} of <a href="{REPO.get("url", "")}">{REPO.get("url", "")}</a>.</span>'),
    "repository_url": REPO.get("url", ""),
    "use_repository_button": bool(REPO.get("url")),
    "use_download_button": False,  # each lesson's own launch bar downloads the runnable notebook
    "use_fullscreen_button": False,
    "launch_buttons": {},
    "show_toc_level": 2,
    "search_bar_text": "Search the course…",
}
