"""Every lesson as a learner meets it: JupyterLab 4 + ipywidgets 8 in Chromium, smoke mode.

For each notebook (one fresh page and kernel per lesson): open it, "Restart Kernel and
Run All Cells…" (the menu command and its confirmation dialog), wait for the kernel to
go idle, then check

* no error output and no traceback on stderr, every non-empty code cell executed in order;
* no cell echoes ``verify(...)``'s return value as Out[] and no widget is shown twice;
* every widget rendered (no "Loading widget…" / "Error displaying widget"), each with a view;
* every interactive widget redraws its figure when one of its controls (a dropdown, else a
  slider) is moved like a user does it (select / mouse drag): the figure must change within
  ``FOLLOW_S`` (generous: this checks that it follows, never how fast). How long the redraw
  took is written to ``redraw.json`` as a report; ``benchmarks/bench_widget_redraw.py`` is
  where redraw speed is measured and compared (no timing decides a test);
* at 1280×800 with the file browser open (and at 1500×900) every dropdown and slider is
  at least ``MIN_CONTROL_PX`` wide, inside the viewport, with its label and options uncut
  (lesson 05's playground is the widget this was written for).

Pictures of every figure and widget go to ``browser-screenshots/<lesson>/`` (git-ignored)
for a person to look at, with ``timings.json`` (Run-All seconds per lesson) and ``redraw.json``
(seconds from a control move to the changed figure, per widget: a report, not a check).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
# GANTUTOR_BROWSER_NOTEBOOKS: another folder of lessons (e.g. scratch copies of notebooks/ with a changed cell)
NOTEBOOK_DIR = Path(os.environ.get("GANTUTOR_BROWSER_NOTEBOOKS") or ROOT / "notebooks")
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
RUN_TIMEOUT_S = float(os.environ.get("GANTUTOR_BROWSER_RUN_TIMEOUT_S", "600"))  # one lesson's Run All, smoke mode
# a control move → its figure must change within this: a generous wait, not a speed limit
FOLLOW_S = float(os.environ.get("GANTUTOR_BROWSER_FOLLOW_S", "60"))
MIN_CONTROL_PX = 120
VIEWPORTS = [(1280, 800), (1500, 900)]
MAX_SHOTS = 30  # pictures per lesson

# an output that shows a widget view (JupyterLab gives these no data-mime-type attribute)
WIDGET_OUT = ".jp-OutputArea-output:has(> .jupyter-widgets)"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# code that makes a widget with controls and a figure (the follow test must find and move one)
INTERACTIVE_CODE = ("interact(", "Explorer(", "CodingWidget(", "Playground(")

# ------------------------------------------------------------------ JavaScript run in the page

JS_READY = """() => {
  const app = window.jupyterapp; if (!app) return false;
  const w = app.shell.currentWidget;
  if (!w || !w.sessionContext || !w.content || !w.context || !w.context.isReady) return false;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""

JS_RUN_STATE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const prompts = [...w.node.querySelectorAll('.jp-InputPrompt')].map(p => p.textContent || '');
  const cells = w.content.model.cells, counts = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type === 'code' && c.sharedModel.getSource().trim()) counts.push(c.executionCount);
  }
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return {running: prompts.some(t => t.includes('*')), counts, status: k ? k.status : 'none'};
}"""

JS_OUTPUTS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.model.cells, out = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    const outputs = [];
    for (let j = 0; j < c.outputs.length; j++) outputs.push(c.outputs.get(j).toJSON());
    out.push({index: i, source: c.sharedModel.getSource(), outputs});
  }
  return out;
}"""

JS_DOM_PROBLEMS = """() => {
  const w = window.jupyterapp.shell.currentWidget, problems = [];
  for (const e of w.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {
    const t = e.innerText || '';
    if (/Traceback|Error/.test(t)) problems.push('stderr: ' + t.slice(-600));
  }
  for (const e of w.node.querySelectorAll('.jp-OutputArea-output')) {
    const t = (e.innerText || '').slice(0, 300);
    if (/Loading widget/.test(t)) problems.push('a widget is still "Loading widget…"');
    if (/Error displaying widget/.test(t)) problems.push(t);
  }
  // each widget output of the notebook model against what its output area shows
  let views = 0, closed = 0;
  w.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    const area = cell.outputArea;
    for (let j = 0; j < area.model.length; j++) {
      if (!('application/vnd.jupyter.widget-view+json' in area.model.get(j).data)) continue;
      const node = area.widgets[j] && area.widgets[j].node;
      if (node && node.querySelector('.jupyter-widgets')) views++;
      else if (node && !(node.innerText || '').trim() && !node.querySelector('img, canvas, svg')) closed++;  // closed by its code (a finished tqdm bar)
      else problems.push(`cell ${i}: widget output ${j} shows no widget view: ` + (node ? (node.innerText || '').slice(0, 200) : 'no output node'));
    }
  });
  return {problems, views, closed};
}"""

JS_DIGEST = """async (el) => {
  const hex = b => [...new Uint8Array(b)].map(x => x.toString(16).padStart(2, '0')).join('');
  const parts = [];
  for (const im of el.querySelectorAll('img')) {
    let s = im.getAttribute('src') || '';
    try {
      const bytes = s.startsWith('blob:') ? await (await fetch(s)).arrayBuffer() : new TextEncoder().encode(s);
      s = hex(await crypto.subtle.digest('SHA-1', bytes));
    } catch (err) { /* a revoked blob: its URL still identifies the picture */ }
    parts.push(s);
  }
  return parts.join('|');
}"""

JS_CONTROLS = """(sel) => {
  // every dropdown and slider inside widget outputs: its box, its label and its usable part
  const w = window.jupyterapp.shell.currentWidget, res = [];
  const panel = w.content.node.getBoundingClientRect();
  const canvas = document.createElement('canvas').getContext('2d');
  for (const out of w.node.querySelectorAll(sel)) {
    for (const c of out.querySelectorAll('.widget-dropdown, .widget-slider')) {
      const r = c.getBoundingClientRect();
      const label = c.querySelector('.widget-label');
      const select = c.querySelector('select');
      const track = c.querySelector('.slider-container, .noUi-target');
      const item = {
        kind: select ? 'dropdown' : 'slider', label: label ? label.textContent : '',
        left: r.left, right: r.right, width: r.width, height: r.height,
        label_cut: !!label && label.scrollWidth > label.clientWidth + 1,
        panel_left: panel.left, panel_right: panel.right, viewport: window.innerWidth,
        in_playground: !!c.closest('.gantutor-playground'),
      };
      if (select) {
        canvas.font = getComputedStyle(select).font;
        const longest = Math.max(...[...select.options].map(o => canvas.measureText(o.text).width));
        item.usable = select.clientWidth; item.needed = Math.ceil(longest) + 24;  // text + arrow and padding
      } else {
        item.usable = track ? track.getBoundingClientRect().width : 0; item.needed = 60;
      }
      res.push(item);
    }
  }
  return res;
}"""


# ------------------------------------------------------------------ opening and running a lesson


def _wait(page, js, timeout_s, what, arg=None):
    try:
        page.wait_for_function(js, arg=arg, timeout=timeout_s * 1000, polling=200)
    except Exception as err:  # playwright's TimeoutError: say what we waited for
        raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}") from err


def _open_file_browser(page):
    if not page.locator("#filebrowser").is_visible():
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    page.locator("#filebrowser").wait_for(state="visible", timeout=10_000)


def _restart_and_run_all(page, name: str) -> float:
    """The learner's "Kernel → Restart Kernel and Run All Cells…", confirmed; returns its wall time."""
    start = time.perf_counter()
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    accept.wait_for(state="visible", timeout=15_000)
    accept.click()
    seen_running, settled = False, 0
    while True:
        state = page.evaluate(JS_RUN_STATE)
        seen_running |= state["running"]
        done = (seen_running or all(isinstance(c, int) for c in state["counts"])) and not state["running"]
        settled = settled + 1 if done and state["status"] == "idle" else 0
        if settled >= 3:
            return time.perf_counter() - start
        if time.perf_counter() - start > RUN_TIMEOUT_S:
            raise AssertionError(f"{name}: Run All did not finish within {RUN_TIMEOUT_S:.0f} s (state {state})")
        time.sleep(0.3)


def _wait_widgets_loaded(page, timeout_s=30):
    js = """() => ![...document.querySelectorAll('.jp-OutputArea-output')].some(e => /Loading widget/.test(e.innerText || ''))"""
    try:
        page.wait_for_function(js, timeout=timeout_s * 1000, polling=200)
    except Exception:
        pass  # reported by the widget check with the lesson's name


def _screenshots(page, folder: Path) -> int:
    """One picture per output that holds a figure or a widget."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    top = ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output"
    outputs = page.locator(f"{top}:has(img), {top}:has(> .jupyter-widgets)")
    n = min(outputs.count(), MAX_SHOTS)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 2400})  # tall figures fit whole, same width
    try:
        for i in range(n):
            try:
                outputs.nth(i).screenshot(path=str(folder / f"output-{i:02d}.png"), timeout=10_000)
            except Exception as err:  # a picture is for people; it never decides the test
                print(f"screenshot {folder.name}/{i}: {err}")
    finally:
        page.set_viewport_size(size)
    return n


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def lesson(request, lab, chromium, screenshots):
    """One lesson opened in a fresh page, run from a fresh kernel, with the file browser open."""
    path = request.param
    page = chromium.new_page(viewport={"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})
    page_errors = []
    page.on("pageerror", lambda err: page_errors.append(str(err)))
    page.goto(f"{lab['url']}/lab/tree/notebooks/{path.name}?reset", timeout=60_000)
    _wait(page, JS_READY, 120, f"{path.name} to open with an idle kernel")
    _open_file_browser(page)
    run_s = _restart_and_run_all(page, path.name)
    _wait_widgets_loaded(page)
    n_shots = _screenshots(page, screenshots / path.stem)
    timings = screenshots / "timings.json"
    table = json.loads(timings.read_text()) if timings.exists() else {}
    table[path.stem] = round(run_s, 1)
    timings.write_text(json.dumps(table, indent=1, sort_keys=True))
    print(f"{path.stem}: Run All {run_s:.1f} s in the browser (smoke), {n_shots} pictures")
    yield {"name": path.stem, "page": page, "run_s": run_s, "page_errors": page_errors}
    try:
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    finally:
        page.close()


# ------------------------------------------------------------------ the checks


def test_runs_clean_from_a_fresh_kernel(lesson):
    page, name = lesson["page"], lesson["name"]
    cells = page.evaluate(JS_OUTPUTS)
    problems = []
    for cell in cells:
        for out in cell["outputs"]:
            if out.get("output_type") == "error":
                problems.append(f"cell {cell['index']}: {out.get('ename')}: {out.get('evalue')}")
    dom = page.evaluate(JS_DOM_PROBLEMS)
    problems += dom["problems"]
    expected = sum(WIDGET_MIME in o.get("data", {}) for cell in cells for o in cell["outputs"])
    if dom["views"] + dom["closed"] != expected:
        problems.append(f"{expected} widget outputs in the notebook, but {dom['views']} views and {dom['closed']} closed")
    print(f"{name}: {dom['views']} widget views rendered, {dom['closed']} closed by their code (finished progress bars)")
    counts = [c for c in page.evaluate(JS_RUN_STATE)["counts"]]
    if counts != list(range(1, len(counts) + 1)):
        problems.append(f"not every cell ran in order from a fresh kernel: execution counts {counts}")
    assert not problems, f"{name} in the browser:\n" + "\n".join(problems)


def test_no_echoed_values_and_no_double_widgets(lesson):
    """verify(...) as a cell's last line prints its ✔ line only; a widget appears once."""
    problems = []
    for cell in lesson["page"].evaluate(JS_OUTPUTS):
        lines = [ln for ln in cell["source"].splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        results = [o for o in cell["outputs"] if o.get("output_type") == "execute_result"]
        if lines and lines[-1].lstrip().startswith("verify(") and results:
            problems.append(f"cell {cell['index']} echoes verify's value: {results[0].get('data', {}).get('text/plain')}")
        views = [o["data"][WIDGET_MIME]["model_id"] for o in cell["outputs"] if WIDGET_MIME in o.get("data", {})]
        if len(views) != len(set(views)):
            problems.append(f"cell {cell['index']} shows the same widget {len(views) - len(set(views)) + 1} times")
    assert not problems, f"{lesson['name']}:\n" + "\n".join(problems)


def _move_one_control(page, out):
    """Change a dropdown (the next option) or drag a slider's handle, as a user does."""
    select = out.locator("select")
    if select.count():
        select = select.first
        select.scroll_into_view_if_needed()
        options = select.locator("option").all_text_contents()
        current = select.evaluate("s => s.selectedIndex")
        select.select_option(index=(current + 1) % len(options))
        return f"dropdown → {options[(current + 1) % len(options)]!r}"
    handle = out.locator(".noUi-handle")
    if not handle.count():
        return None
    handle = handle.first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + (-40 if at_max else 40), y, steps=4)
    page.mouse.up()
    return "slider dragged 40 px"


def _record_redraw(folder: Path, name: str, times: dict) -> None:
    """Seconds from a control move to the changed figure, per widget, into ``redraw.json`` (a report)."""
    path = folder / "redraw.json"
    table = json.loads(path.read_text()) if path.exists() else {}
    table[name] = {"load_1min": round(os.getloadavg()[0], 2), "cores": os.cpu_count(), "widgets": times}
    path.write_text(json.dumps(table, indent=1, sort_keys=True))


def test_every_widget_figure_follows_its_controls(lesson, screenshots):
    """A moved control changes its figure. Only *that* it changes is checked; how long it took is
    recorded in redraw.json (speed is a benchmark's business: benchmarks/bench_widget_redraw.py)."""
    page, name = lesson["page"], lesson["name"]
    _wait_widgets_loaded(page, 60)
    outs = page.locator(WIDGET_OUT)
    problems, report, times = [], [], {}
    with_figure = 0
    for i in range(outs.count()):
        out = outs.nth(i)
        before = out.evaluate(JS_DIGEST)
        if not before:
            continue  # a widget without a figure (e.g. a progress bar)
        with_figure += 1
        start = time.perf_counter()
        how = _move_one_control(page, out)
        if how is None:
            continue
        changed_after = None
        while time.perf_counter() - start < FOLLOW_S:
            now = out.evaluate(JS_DIGEST)
            if now and now != before:
                changed_after = time.perf_counter() - start
                break
            time.sleep(0.05)
        if changed_after is None:
            problems.append(f"widget {i}: {how}, but its figure did not change within {FOLLOW_S:.0f} s")
        else:
            times[f"widget {i}"] = round(changed_after, 2)
            report.append(f"widget {i}: {how}: figure changed after {changed_after:.2f} s")
    # a lesson whose code builds an interactive widget must have had one moved (never a silent pass)
    sources = "\n".join(c["source"] for c in page.evaluate(JS_OUTPUTS))
    if not times and any(k in sources for k in INTERACTIVE_CODE):
        problems.append(f"the lesson's code makes an interactive widget, but no control was moved: {outs.count()} widget "
                        f"outputs, {with_figure} with a figure")
    _record_redraw(screenshots, name, times)
    print(f"{name}: " + ("; ".join(report) or "no interactive widget") + f" (load {os.getloadavg()[0]:.1f})")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_controls_usable_with_the_file_browser_open(lesson, size, screenshots):
    page, name = lesson["page"], lesson["name"]
    page.set_viewport_size({"width": size[0], "height": size[1]})
    _open_file_browser(page)
    page.wait_for_timeout(400)  # let JupyterLab lay the panels out again
    try:
        playground = page.locator(".gantutor-playground")
        if playground.count():
            playground.first.scroll_into_view_if_needed()
            page.wait_for_timeout(200)
            page.screenshot(path=str(screenshots / name / f"playground-{size[0]}x{size[1]}.png"))
        items = page.evaluate(JS_CONTROLS, WIDGET_OUT)
    finally:
        page.set_viewport_size({"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})
    if name.startswith("05_"):
        assert sum(it["in_playground"] for it in items) == 9, "the playground should show 8 settings + the speed slider"
    problems = []
    for it in items:
        what = f"{it['kind']} {it['label']!r}"
        if it["width"] < MIN_CONTROL_PX:
            problems.append(f"{what} is {it['width']:.0f} px wide (< {MIN_CONTROL_PX})")
        if it["left"] < max(0, it["panel_left"]) - 1 or it["right"] > min(it["viewport"], it["panel_right"]) + 1:
            problems.append(f"{what} spans x = {it['left']:.0f}…{it['right']:.0f}, outside the notebook "
                            f"({it['panel_left']:.0f}…{min(it['viewport'], it['panel_right']):.0f})")
        if it["label_cut"]:
            problems.append(f"{what}: its label is cut")
        if it["usable"] < it["needed"]:
            problems.append(f"{what}: usable part {it['usable']:.0f} px < {it['needed']} px needed"
                            + (" for its longest option" if it["kind"] == "dropdown" else ""))
    assert not problems, f"{name} at {size[0]}×{size[1]} with the file browser open:\n" + "\n".join(problems)
