"""Build the course website (``make site``) and the lecture decks (``make slides``) into ``_build/site/``.

    python site/build.py site   [--mode smoke|cpu]     # default: $SITE_MODE, else cpu
    python site/build.py slides [--mode smoke|cpu]
    python site/build.py all    [--mode smoke|cpu]

What happens, in order:

1. **JavaScript from npm** (``npm pack`` of pinned versions, unpacked into ``_build/npm/``, once):
   require.js, the Jupyter widget HTML manager, MathJax 3, reveal.js 4 and jQuery. The site serves
   its own copies, so a page makes no request outside the site. Nothing fetched is committed.
2. **Executed notebooks** (``_build/executed/<mode>/<lesson>-<key>.ipynb``): each lesson is run by the
   test suite's runner (``tests/notebook_client.py``) only when no copy with its key exists. The key
   hashes the lesson's code cells, ``gantutor/``, ``results/``, ``constraints.txt`` and the mode, so a
   prose edit executes nothing, and in smoke mode the copies the test suite saved are reused.
3. **Sources** (``_build/site-src/``): each lesson = its current markdown + the executed copy's
   outputs and widget state, with a launch bar (Colab, Binder, local JupyterLab, download, source);
   the README's overview and claims; one solutions page per lesson (each solution behind a toggle).
4. **Sphinx** (MyST-NB with ``nb_execution_mode = "off"``, sphinx-book-theme; ``site/conf.py``) writes
   ``_build/site/`` with a mode-and-commit banner on every page and Sphinx's offline search.
5. **Slides** (``slides``): the same merged notebooks with the slide rules of ``lecture_metadata.py``, laid
   out by ``site/deck.py`` so that every slide fits a 1280×720 stage, through nbconvert's reveal.js exporter with
   ``site/templates/gantutor_slides`` pointing every script at the site's own copies:
   ``_build/site/slides/NN_topic.slides.html``.

``_build/site/build-info.json`` records the mode, the commit, and per lesson whether it was executed
or reused and how long it took (the measurement that a markdown-only rebuild executes nothing).
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import notebook_client as nc  # noqa: E402  (the runner the tests use)

import nbformat  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lecture_metadata as lm  # noqa: E402  (slide rules, Colab cell, the repository URL)

BUILD = ROOT / "_build"
SITE = BUILD / "site"
SRC = BUILD / "site-src"
NPM = BUILD / "npm"
NOTEBOOKS = ROOT / "notebooks"
HERE = Path(__file__).resolve().parent

# fetched with `npm pack` at build time (never committed); bump here, the cache folder follows
NPM_PACKAGES = {
    "requirejs": "2.3.8",
    "@jupyter-widgets/html-manager": "1.0.15",
    "mathjax": "3.2.2",
    "reveal.js": "4.6.0",
    "jquery": "3.7.1",
}
# lessons that ask for a GPU runtime on Colab (their image trainings)
GPU_LESSONS = ("06_", "07_")
HTML_MANAGER = "@jupyter-widgets/html-manager/dist"


# ------------------------------------------------------------------ small helpers


def log(msg: str) -> None:
    print(f"[site] {msg}", flush=True)


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def repo_info() -> dict:
    """The repository the site links to (``lecture_metadata.repo_url()``: GANTUTOR_REPO_URL, else pyproject.toml's
    ``[project.urls] Repository``, the one setting the lessons' Colab cells use too), the ref pages link to (GANTUTOR_REF,
    else the tag on HEAD, else the commit) and the commit."""
    url = lm.repo_url()
    # the book theme splits the repository URL into host/owner/repo (a path or a bare host fails the build)
    if not re.match(r"https?://[^/]+/[^/]+/[^/]+$", url):
        raise SystemExit(f"the repository URL {url!r} is not a web address of the form https://host/owner/repo "
                         "(pyproject.toml's [project.urls] Repository, or GANTUTOR_REPO_URL)")
    commit = git("rev-parse", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    tag = git("describe", "--tags", "--exact-match", "HEAD")
    ref = os.environ.get("GANTUTOR_REF") or tag or commit
    gh = re.match(r"https://github\.com/([^/]+)/([^/]+)$", url)
    return {"url": url, "commit": commit, "short": commit[:10], "dirty": dirty, "ref": ref,
            "github": f"{gh.group(1)}/{gh.group(2)}" if gh else None}


def lessons() -> list[Path]:
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise SystemExit(f"no lessons in {NOTEBOOKS}")
    return found


# ------------------------------------------------------------------ 1. JavaScript from npm


def fetch_npm() -> dict[str, Path]:
    """Each pinned package unpacked under _build/npm/<name>-<version>/ (npm pack, once); returns their folders."""
    folders = {}
    for name, version in NPM_PACKAGES.items():
        folder = NPM / f"{name.replace('/', '+').lstrip('@')}-{version}"
        if not (folder / "package.json").exists():
            if not shutil.which("npm"):
                raise SystemExit("npm is needed once to fetch the site's JavaScript (Debian: apt-get install npm)")
            log(f"npm pack {name}@{version}")
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run(["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp],
                               check=True, stdout=subprocess.DEVNULL)
                (tarball,) = Path(tmp).glob("*.tgz")
                unpack = Path(tmp) / "x"
                with tarfile.open(tarball) as tar:
                    tar.extractall(unpack, filter="data")
                shutil.rmtree(folder, ignore_errors=True)
                folder.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(unpack / "package"), folder)
        folders[name] = folder
    return folders


def copy_vendor(npm: dict[str, Path], dest: Path, reveal: bool = False) -> None:
    """The files a page loads, under ``dest`` (the site's _static/vendor or slides/vendor)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(npm["requirejs"] / "require.js", dest / "require.js")
    # the manager finds its fonts under <data-jupyter-widgets-cdn>@jupyter-widgets/html-manager/dist/: keep that layout
    shutil.copytree(npm["@jupyter-widgets/html-manager"] / "dist", dest / HTML_MANAGER, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.map", "embed.js*"))
    for font in (dest / HTML_MANAGER).iterdir():  # the controls' module looks for the same fonts one level up
        if font.suffix in (".woff", ".woff2", ".ttf", ".eot", ".svg"):
            shutil.copy2(font, dest / "@jupyter-widgets" / font.name)
    for helper in ("mathjax_widgets_shim.js", "require_config.js"):
        shutil.copy2(HERE / helper, dest / helper)
    shutil.copytree(npm["mathjax"] / "es5", dest / "mathjax", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*-full*", "*-svg*", "mml-*", "node-main.js", "sre"))
    if reveal:
        for part in ("dist", "plugin"):
            shutil.copytree(npm["reveal.js"] / part, dest / "reveal.js" / part, dirs_exist_ok=True)
        shutil.copy2(npm["jquery"] / "dist" / "jquery.min.js", dest / "jquery.min.js")


# ------------------------------------------------------------------ 2. executed notebooks


def _stale_copy(path: Path, mode: str) -> Path | None:
    """The newest executed copy of this lesson whose code cells are the current ones (any key)."""
    code = nc.code_sources(nbformat.read(path, as_version=4))
    for old in sorted((nc.EXECUTED / mode).glob(f"{path.stem}-*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True):
        if nc.code_sources(nbformat.read(old, as_version=4)) == code:
            return old
    return None


def executed_lessons(mode: str, runs_dir: str | None, stale_ok: bool = False,
                     require_cached: bool = False) -> tuple[dict[str, Path], dict[str, dict]]:
    """Every lesson's executed copy (run now only when its key has none); with what happened to each."""
    copies, info = {}, {}
    for path in lessons():
        copy, key = nc.find_executed(path, mode)
        if copy is None and require_cached:
            raise SystemExit(f"{path.stem}: no executed copy with key {key} in {nc.EXECUTED / mode} and --require-cached "
                             "was given (CI builds the site from the notebooks `make test` executed: did it run "
                             "test_runs_in_smoke_mode, and did gantutor/, results/ or constraints.txt change since?)")
        if copy is None and stale_ok and (old := _stale_copy(path, mode)) is not None:
            log(f"{path.stem}: STALE copy {old.name} reused (--stale-ok: gantutor/, results/ or constraints changed)")
            copies[path.stem], info[path.stem] = old, {"key": key, "executed": False, "stale": True}
            continue
        if copy is not None:
            info[path.stem] = {"key": key, "executed": False}
            log(f"{path.stem}: reusing {copy.relative_to(ROOT)}")
        else:
            log(f"{path.stem}: executing in {mode} mode (key {key})")
            nb = nbformat.read(path, as_version=4)
            start, cpu0 = time.perf_counter(), _children_cpu()
            with tempfile.TemporaryDirectory() as tmp:
                nc.execute(nb, path.parent, mode, runs_dir=runs_dir or tmp, timeout=900 if mode == "smoke" else 7200)
            wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
            copy = nc.save_executed(nb, path.stem, key, mode)
            info[path.stem] = {"key": key, "executed": True, "wall_s": round(wall, 1)}
            log(f"{path.stem}: executed in {wall:.1f} s")
        copies[path.stem] = copy
    return copies, info


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def merged(path: Path, executed: Path) -> nbformat.NotebookNode:
    """The current notebook (its prose and metadata) with the executed copy's outputs and widget state."""
    nb = nbformat.read(path, as_version=4)
    done = nbformat.read(executed, as_version=4)
    mine = [c for c in nb.cells if c.cell_type == "code"]
    theirs = [c for c in done.cells if c.cell_type == "code"]
    if [c.source for c in mine] != [c.source for c in theirs]:
        raise SystemExit(f"{path.name}: the executed copy {executed.name} has other code cells (stale cache?)")
    for a, b in zip(mine, theirs):
        a.outputs, a.execution_count = b.outputs, b.execution_count
    if "widgets" in done.metadata:
        nb.metadata["widgets"] = done.metadata["widgets"]
    return nb


# ------------------------------------------------------------------ 3. sources


def launch_links(stem: str, repo: dict, depth: str = "../") -> dict[str, str]:
    rel = f"notebooks/{stem}.ipynb"
    links = {"download": f"{depth}notebooks/{stem}.ipynb",
             "lab": f"http://localhost:8888/lab/tree/{rel}",
             "source": f"{repo['url']}/blob/{repo['ref']}/{rel}"}
    if repo["github"]:
        links["colab"] = f"https://colab.research.google.com/github/{repo['github']}/blob/{repo['ref']}/{rel}"
        links["binder"] = f"https://mybinder.org/v2/gh/{repo['github']}/{repo['ref']}?urlpath=lab/tree/{rel}"
    return links


def launch_bar(stem: str, repo: dict) -> str:
    links = launch_links(stem, repo)
    names = [("colab", "Open in Colab"), ("binder", "Launch on Binder"), ("lab", "Open in your JupyterLab"),
             ("download", "Download .ipynb"), ("source", "Source"), ("slides", "Slides")]
    links["slides"] = f"../slides/{stem}.slides.html"
    parts = [f'<a class="gantutor-launch-{k}" href="{html.escape(links[k])}"'
             + (' download' if k == "download" else "") + f'>{label}</a>'
             for k, label in names if k in links]
    gpu = " Lessons 06–07 train image GANs: on Colab choose a GPU runtime." if stem.startswith(GPU_LESSONS) else ""
    return (f'<div class="gantutor-launch">{" · ".join(parts)}</div>\n\n'
            f'<p class="gantutor-launch-note">Your JupyterLab: <code>make lab</code> in a clone, then the link opens '
            f'this lesson.{gpu}</p>')


def stage_lessons(copies: dict[str, Path], repo: dict) -> dict[str, nbformat.NotebookNode]:
    out = SRC / "lessons"
    out.mkdir(parents=True, exist_ok=True)
    books = {}
    for path in lessons():
        nb = merged(path, copies[path.stem])
        books[path.stem] = copy.deepcopy(nb)  # a copy for the slides
        for cell in nb.cells:  # the Colab install cell does nothing off Colab: not shown on the website
            if cell.get("metadata", {}).get("gantutor", {}).get("role") == "colab-install":
                cell.metadata.setdefault("tags", []).append("remove-cell")
        first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), 0)
        nb.cells.insert(first_md + 1, nbformat.v4.new_markdown_cell(launch_bar(path.stem, repo)))
        nbformat.write(nb, out / path.name)
    return books


def readme_sections() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.M)
    sections = {"_intro": parts[0]}
    for part in parts[1:]:
        title, _, body = part.partition("\n")
        sections[title.strip()] = body
    return sections


TITLE_FORM = "NN · Topic"  # every lesson's first heading: its page title, sidebar entry and first slide


def lesson_title(stem: str) -> str:
    """The lesson's first heading, which must read "NN · Topic" with NN the notebook's number."""
    nb = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    m = re.match(r"#\s+(.+)", first.source.strip()) if first is not None else None
    if not m or not m.group(1).startswith(f"{stem[:2]} · "):
        raise SystemExit(f"notebooks/{stem}.ipynb: the first cell must start with a title '# {stem[:2]} · Topic' "
                         f"(the form every lesson's title follows: {TITLE_FORM}); found {first.source[:80]!r}")
    return m.group(1).strip()


def stage_pages(repo: dict, mode: str) -> None:
    sec = readme_sections()
    intro = re.sub(r"^# .*\n", "", sec["_intro"], count=1)
    stems = [p.stem for p in lessons()]
    solved = stage_solutions(stems)
    lesson_list = "\n".join(f"* [{lesson_title(s)}](lessons/{s}.ipynb) · [slides](slides/{s}.slides.html)"
                            + (f" · [solutions](solutions/{s}.md)" if s in solved else "") for s in stems)
    index = [
        "# gantutor — Generative Adversarial Networks, from the minimax game to ReACGAN", "", intro.strip(), "",
        "## The lessons", "", lesson_list, "",
        sec.get("The lessons", "").strip(), "",
        "## Run length: smoke, CPU, GPU", "", sec.get("Run length: smoke, CPU, GPU", "").strip(), "",
        f"This site was built in **{mode}** mode from commit `{repo['short']}`"
        + (" (smoke: every run shrunk to a few steps, so the numbers and pictures only show that the code runs)"
           if mode == "smoke" else " (CPU sizes, as a learner's laptop runs them)") + ".", "",
        "```{toctree}", ":hidden:", ":caption: Lessons", "", *[f"lessons/{s}" for s in stems], "```", "",
        "```{toctree}", ":hidden:", ":caption: More", "", "claims", "solutions/index", "```", "",
    ]
    (SRC / "index.md").write_text("\n".join(index), encoding="utf-8")
    claims = ["# Paper claims, reproduced", "", sec.get("Paper claims, reproduced", "").strip(), "",
              "## What the committed results say", "", "| claim | lesson | verdict | seeds | command |", "|---|---|---|---|---|"]
    for f in sorted((ROOT / "results").glob("*.json")):
        d = json.loads(f.read_text())
        seeds = d.get("seeds")
        seeds = len(seeds) if isinstance(seeds, list) else seeds
        verdict = d.get("verdict")
        verdict = verdict.get("verdict", verdict) if isinstance(verdict, dict) else verdict
        claims.append(f"| `{d.get('claim', f.stem)}` | {d.get('lesson', '')} | {str(verdict).replace('|', '/')} | "
                      f"{seeds} | `{str(d.get('command', '')).replace('|', '/')}` |")
    (SRC / "claims.md").write_text("\n".join(claims) + "\n", encoding="utf-8")


def stage_solutions(stems: list[str]) -> list[str]:
    """One page per lesson with exercises (each reference solution behind a toggle); returns those lessons."""
    import inspect

    from gantutor.checks import all_exercises

    out = SRC / "solutions"
    out.mkdir(parents=True, exist_ok=True)
    by_lesson: dict[str, list] = {}
    for key, ex in sorted(all_exercises().items()):
        by_lesson.setdefault(key.split(".")[0], []).append(ex)
    pages = []
    for stem in stems:
        exercises = by_lesson.get(stem[:2], [])
        if not exercises:
            continue
        lines = [f"# Solutions: {lesson_title(stem)}", "",
                 "Try each exercise in the lesson first: `check_answer(key, answer)` checks it and `hint(key)` "
                 "gives a hint. Each reference solution is behind a toggle.", ""]
        for ex in exercises:
            lines += [f"## `{ex.key}`", "", ex.prompt, ""]
            if ex.hint:
                lines += [f"*Hint:* {ex.hint}", ""]
            source = inspect.getsource(ex.solution)
            lines += ['<details class="gantutor-solution"><summary>Show the reference solution</summary>', "",
                      "```python", source.rstrip(), "```", "", "</details>", ""]
            if getattr(ex, "explanation", ""):
                lines += [ex.explanation, ""]
        (out / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
        pages.append(stem)
    index = ["# Exercise solutions", "", "One page per lesson; every solution is hidden until you open it.", "",
             "```{toctree}", ":maxdepth: 1", "", *pages, "```", ""]
    (out / "index.md").write_text("\n".join(index), encoding="utf-8")
    return pages


# ------------------------------------------------------------------ 4. Sphinx


def sphinx(mode: str, repo: dict, npm: dict[str, Path]) -> None:
    copy_vendor(npm, SRC / "_static" / "vendor")
    shutil.copy2(HERE / "gantutor.css", SRC / "_static" / "gantutor.css")
    downloads = SRC / "_extra" / "notebooks"
    downloads.mkdir(parents=True, exist_ok=True)
    for path in lessons():  # the download is the lesson as committed (no outputs), ready to run
        shutil.copy2(path, downloads / path.name)
    (SRC / "site.json").write_text(json.dumps({"mode": mode, "repo": repo}), encoding="utf-8")
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(HERE), "-j", "1", str(SRC), str(SITE)]
    log(" ".join(cmd[2:]))
    subprocess.run(cmd, check=True, env={**os.environ, "GANTUTOR_SITE_SRC": str(SRC)})


# ------------------------------------------------------------------ 5. slides


HIDE_INPUT_LINES = 15  # in a deck, a drawing cell longer than this shows its figure only (when it drew one)


def deck_notebook(nb: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """The lesson as a deck: the slide rules of lecture_metadata.py (a cell's own slide_manual type is kept),
    the Colab cell left out, long drawing cells showing their figure without the code; then deck.layout cuts
    and moves cells so that every slide fits a 1280×720 stage (its docstring has the rules)."""
    import deck

    lm.apply(nb, stem)
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("gantutor", {}).get("role") != lm.COLAB_ROLE]
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if (cell.cell_type == "code" and kind == "subslide" and cell.get("outputs")
                and len(lm._code_lines(cell.source)) > HIDE_INPUT_LINES):
            cell.metadata.setdefault("tags", []).append(deck.HIDE_TAG)
    return deck.layout(nb)


def slides(books: dict[str, nbformat.NotebookNode], npm: dict[str, Path]) -> list[Path]:
    from nbconvert import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    out = SITE / "slides"
    copy_vendor(npm, out / "vendor", reveal=True)
    exporter = SlidesExporter(
        extra_template_basedirs=[str(HERE / "templates")], template_name="gantutor_slides",
        reveal_url_prefix="vendor/reveal.js", reveal_theme="white", reveal_transition="none",
        reveal_scroll=True, require_js_url="vendor/require.js", jquery_url="vendor/jquery.min.js",
        mathjax_url="vendor/mathjax/tex-chtml.js", widget_renderer_url=f"vendor/{HTML_MANAGER}/embed-amd.js",
        font_awesome_url="", mermaid_js_url="",
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"gantutor-deck-hide-input"}), enabled=True)
    written = []
    for stem, nb in books.items():
        body, _ = exporter.from_notebook_node(deck_notebook(nb, stem), resources={"metadata": {"name": stem}})
        path = out / f"{stem}.slides.html"
        path.write_text(body, encoding="utf-8")
        written.append(path)
        log(f"slides: {path.relative_to(ROOT)}")
    return written


# ------------------------------------------------------------------ main


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=("site", "slides", "all"), nargs="?", default="site")
    ap.add_argument("--mode", default=os.environ.get("SITE_MODE") or "cpu", choices=nc.MODES)
    ap.add_argument("--runs", default=None, help="GANTUTOR_RUNS for lessons run now (default: a temporary folder "
                    "in smoke mode, runs/ in cpu mode so finished trainings are reused)")
    ap.add_argument("--stale-ok", action="store_true", help="for working on the site itself: reuse a lesson's newest "
                    "executed copy with the same code cells even when gantutor/, results/ or constraints changed")
    ap.add_argument("--require-cached", action="store_true", help="fail instead of executing a lesson (CI: the smoke "
                    "copies of `make test` must be there)")
    args = ap.parse_args(argv)
    start, cpu0 = time.perf_counter(), time.process_time()
    repo = repo_info()
    log(f"repository {repo['url']} at {repo['ref'][:12]} (pyproject.toml's [project.urls] Repository"
        + (", overridden by GANTUTOR_REPO_URL)" if os.environ.get("GANTUTOR_REPO_URL") else ")"))
    for path in lessons():  # the Colab cell a learner runs installs from the repository the site links to
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.get("metadata", {}).get("gantutor", {}).get("role") == lm.COLAB_ROLE]
        if cells and f"git+{repo['url']}@" not in cells[0].source:
            log(f"WARNING: {path.name}'s Colab cell installs from another repository than {repo['url']} "
                "(run `make lecture-metadata` and commit, or unset GANTUTOR_REPO_URL)")
    npm = fetch_npm()
    runs = args.runs or (None if args.mode == "smoke" else str(ROOT / "runs"))
    copies, info = executed_lessons(args.mode, runs, args.stale_ok, args.require_cached)
    shutil.rmtree(SRC, ignore_errors=True)
    SRC.mkdir(parents=True)
    books = stage_lessons(copies, repo)
    if args.what in ("site", "all"):
        stage_pages(repo, args.mode)
        sphinx(args.mode, repo, npm)
    if args.what in ("slides", "all"):
        slides(books, npm)
    wall = time.perf_counter() - start
    summary = {"mode": args.mode, "commit": repo["commit"], "dirty": repo["dirty"], "what": args.what,
               "executed": sorted(k for k, v in info.items() if v["executed"]),
               "reused": sorted(k for k, v in info.items() if not v["executed"]), "lessons": info,
               "stale": sorted(k for k, v in info.items() if v.get("stale")),
               "wall_s": round(wall, 1), "cpu_s_self": round(time.process_time() - cpu0, 1)}
    SITE.mkdir(parents=True, exist_ok=True)
    (SITE / f"build-info-{args.what}.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    log(f"{args.what} ({args.mode}) done in {wall:.1f} s: executed {len(summary['executed'])} lesson(s) "
        f"{summary['executed']}, reused {len(summary['reused'])}; open {SITE / 'index.html'}")


if __name__ == "__main__":
    main()
