"""The built website and decks as a learner sees them: Chromium over ``_build/site/`` on loopback.

Run after ``make site slides`` (CI: ``SITE_MODE=smoke``) with ``make test-site``. A plain HTTP
server serves ``_build/site/`` on 127.0.0.1; the browser may fetch nothing else: every other
request is aborted and recorded, and a page that made one fails. Per lesson page:

* no traceback and no error text on stderr in its outputs; its ✔ checks are there (lessons 01–07);
* every saved widget rendered by the widget HTML manager (no "Loading widget", no error view);
* every image loaded (natural width > 0) and MathJax typeset the page;
* launch links right (Colab, Binder, JupyterLab, source point at this lesson) and the download is a
  notebook that parses; the site search finds the lesson by a word of its title;

each deck ``slides/NN_topic.slides.html`` has several slides and reveal.js runs, and on a 1280×720
projector every slide and sub-slide fits: nothing past the stage's bottom or right edge, nothing cut off
inside a box that clips or scrolls, no slide that is a heading alone (``site/deck.py`` lays the decks out);
every lesson's title reads "NN · Topic" in the sidebar, on its page and on its deck's first slide. Pictures
of each page and of each deck's first slides go to ``browser-screenshots/site/`` (kept by CI), with
``decks.json``: the slides of every deck and how far down each one reaches.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "site"
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").exists():
        pytest.fail("no _build/site/index.html: run `make site slides SITE_MODE=smoke` first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def shots(screenshots):
    folder = screenshots / "site"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _site_page(chromium, site, width, height):
    """A page that may load from the site only; ``page.outside`` lists what it tried to fetch elsewhere."""
    context = chromium.new_context(viewport={"width": width, "height": height}, service_workers="block")
    p = context.new_page()
    p.outside, p.errors, p.missing = [], [], []

    def route(r):
        if r.request.url.startswith(site + "/") or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            p.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    p.inflight = set()  # requests sent and not yet finished (what "network idle" waits on)
    p.on("request", lambda r: p.inflight.add(r))
    p.on("requestfinished", lambda r: p.inflight.discard(r))
    p.on("requestfailed", lambda r: p.inflight.discard(r))
    p.on("pageerror", lambda err: p.errors.append(str(err)))
    p.on("response", lambda r: p.missing.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return context, p


@pytest.fixture
def page(chromium, site):
    context, p = _site_page(chromium, site, 1280, 900)
    yield p
    context.close()


@pytest.fixture
def projector(chromium, site):
    """A page the size of a 1280×720 projector (the decks' stage)."""
    context, p = _site_page(chromium, site, 1280, 720)
    yield p
    context.close()


def _settle(page, limit_s: float = 240.0):
    """Wait for the page's load event, then until no request has been in flight for half a second.

    Generous limits: on a loaded 2-core machine a long lesson page (MathJax, saved widgets, dozens of
    figures) took over 60 s to go quiet once, while it takes ~3 s on a quiet one. A wait, not a check:
    if the page is still fetching at the limit (Playwright's "networkidle" once never came within 240 s
    in CI), the pending requests are printed and the test's own assertions decide."""
    page.wait_for_load_state("load", timeout=limit_s * 1000)
    deadline, quiet_since = time.monotonic() + limit_s, None
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver the request events
        if page.inflight:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 0.5:
            return
    print(f"{page.url}: still fetching after {limit_s:.0f} s: {sorted(r.url for r in page.inflight)[:10]}")


def _widget_picture(page, path):
    """A picture of the page's largest visible widget (for a person to look at; never decides the test)."""
    idx = page.evaluate("""() => { let best = -1, area = 0;
        document.querySelectorAll('.widget-subarea > .jupyter-widgets').forEach((w, i) => {
          const r = w.getBoundingClientRect(), a = r.width * r.height;
          if (a > area && getComputedStyle(w).visibility !== 'hidden') { best = i; area = a; } });
        return best; }""")
    if idx >= 0:
        try:
            page.locator(".widget-subarea > .jupyter-widgets").nth(idx).screenshot(path=str(path), timeout=10_000)
        except Exception as err:  # noqa: BLE001
            print(f"widget picture {path.name}: {err}")


def test_index_links_every_lesson(page, site, shots):
    page.goto(site + "/index.html")
    _settle(page)
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    missing = [s for s in LESSONS if not any(f"lessons/{s}.html" in h for h in hrefs)]
    assert not missing, f"index.html does not link {missing}"
    assert any("claims.html" in h for h in hrefs) and any("solutions/index.html" in h for h in hrefs)
    banner = page.locator(".gantutor-banner").inner_text()
    assert re.search(r"Built in (smoke|cpu) mode", banner) and "commit" in banner, banner
    page.screenshot(path=str(shots / "index.png"), full_page=False)
    assert not page.outside, f"index.html asked outside the site: {page.outside[:5]}"


@pytest.mark.parametrize("stem", LESSONS)
def test_lesson_page(page, site, shots, stem):
    url = f"{site}/lessons/{stem}.html"
    page.goto(url)
    _settle(page)
    problems = []
    # outputs: no traceback, no error on stderr
    for text in page.eval_on_selector_all(".cell_output .output.stderr, .cell_output .output.traceback, .cell_output .error",
                                          "els => els.map(e => e.innerText)"):
        if re.search(r"Traceback|Error", text):
            problems.append(f"error output: {text[-400:]}")
    outputs = " ".join(page.eval_on_selector_all(".cell_output", "els => els.map(e => e.innerText)"))
    if not stem.startswith("00_") and "✔" not in outputs:
        problems.append("no ✔ check in the outputs")
    # widgets: every view whose model was saved is rendered
    state = page.evaluate("""() => { const s = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
                                     return s ? Object.keys(JSON.parse(s.textContent).state || {}) : []; }""")
    views = page.eval_on_selector_all(WIDGET_VIEW, "els => els.map(e => JSON.parse(e.textContent).model_id)")
    saved = [v for v in views if v in state]
    if saved:
        try:
            page.wait_for_function(
                f"""n => document.querySelectorAll('.jupyter-widgets.widget-container, .jupyter-widgets.widget-inline-hbox, .jupyter-widgets.widget-image, .jupyter-widgets.widget-hprogress, .jupyter-widgets.widget-box').length > 0""",
                arg=len(saved), timeout=60_000)
        except Exception:
            problems.append(f"{len(saved)} saved widget views, none rendered by the widget manager")
        rendered = page.evaluate(f"""() => [...document.querySelectorAll('{WIDGET_VIEW}')].map(s =>
            !!s.parentElement.querySelector('.jupyter-widgets'))""")
        unrendered = [v for v, ok in zip(views, rendered) if v in state and not ok]
        if unrendered:
            problems.append(f"{len(unrendered)} of {len(saved)} saved widget views not rendered")
        body = page.inner_text("main")
        if "Loading widget" in body or "Error displaying widget" in body or "Could not find model" in body:
            problems.append("a widget shows a loading/error text")
    # images
    broken = page.evaluate("""() => [...document.querySelectorAll('main img')].filter(i => !(i.complete && i.naturalWidth > 0))
                                       .map(i => (i.getAttribute('src') || '').slice(0, 80))""")
    if broken:
        problems.append(f"{len(broken)} images did not load: {broken[:3]}")
    if page.evaluate("() => !!document.querySelector('main .math')") and not page.evaluate(
            "() => !!document.querySelector('mjx-container')"):
        problems.append("MathJax typeset nothing")
    # launch links
    links = dict(page.eval_on_selector_all(".gantutor-launch a", "els => els.map(e => [e.className, e.getAttribute('href')])"))
    for kind in ("colab", "binder", "lab", "source", "download", "slides"):
        href = links.get(f"gantutor-launch-{kind}")
        if not href or f"{stem}" not in href:
            problems.append(f"launch link {kind}: {href!r}")
    if "gantutor-launch-colab" in links and not links["gantutor-launch-colab"].startswith("https://colab.research.google.com/github/"):
        problems.append(f"Colab link {links['gantutor-launch-colab']}")
    download = links.get("gantutor-launch-download")
    if download:
        text = page.evaluate("async h => await (await fetch(h)).text()", download)
        try:
            nb = json.loads(text)
            assert nb["nbformat"] == 4 and nb["cells"]
        except Exception as err:  # noqa: BLE001
            problems.append(f"the download {download} is not a notebook: {err}")
    page.screenshot(path=str(shots / f"{stem}.png"), full_page=False)
    _widget_picture(page, shots / f"{stem}-widget.png")
    if page.errors:
        problems.append(f"JavaScript errors: {page.errors[:3]}")
    if page.missing:
        problems.append(f"files the page asked for are missing: {page.missing[:3]}")
    if page.outside:
        problems.append(f"requests outside the site: {sorted(set(page.outside))[:5]}")
    assert not problems, f"{stem} on the website:\n" + "\n".join(problems)


@pytest.mark.parametrize("stem", LESSONS)
def test_search_finds_the_lesson(page, site, stem):
    page.goto(f"{site}/lessons/{stem}.html")
    title = page.locator("main h1").first.inner_text()
    words = sorted((w for w in re.findall(r"[A-Za-z]{4,}", title)), key=len, reverse=True)
    assert words, f"no word to search for in the title {title!r}"
    page.goto(f"{site}/search.html?q={words[0]}")
    try:
        page.wait_for_function(f"() => [...document.querySelectorAll('#search-results a, ul.search a')]"
                               f".some(a => (a.getAttribute('href') || '').includes('{stem}'))", timeout=60_000)
    except Exception:
        found = page.eval_on_selector_all("#search-results a, ul.search a", "els => els.map(e => e.getAttribute('href'))")
        pytest.fail(f"searching {words[0]!r} did not list lessons/{stem}: {found[:8]}")
    assert not page.outside, f"search asked outside the site: {page.outside[:5]}"


@pytest.mark.parametrize("stem", LESSONS)
def test_deck_has_slides(page, site, shots, stem):
    page.goto(f"{site}/slides/{stem}.slides.html")
    try:
        page.wait_for_function("() => window.gantutorReveal && window.gantutorReveal.isReady()", timeout=60_000)
    except Exception:
        pytest.fail(f"reveal.js did not start in slides/{stem}.slides.html (page errors: {page.errors[:3]})")
    total = page.evaluate("() => window.gantutorReveal.getTotalSlides()")
    assert total >= 3, f"{stem}: only {total} slides"
    page.screenshot(path=str(shots / f"{stem}.slides-1.png"))
    page.evaluate("() => window.gantutorReveal.next()")
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / f"{stem}.slides-2.png"))
    assert not page.outside, f"{stem} deck asked outside the site: {sorted(set(page.outside))[:5]}"
    assert not page.errors, f"{stem} deck: JavaScript errors {page.errors[:3]}"
    assert not page.missing, f"{stem} deck: missing files {page.missing[:3]}"


# Every slide of a deck, shown in turn as a lecturer would (reveal.js, then the deck's own settle step: MathJax
# and fitting wide equations/tables); per slide how far its content reaches (stage px, 1280×720) and what is wrong.
DECK_WALK = """async () => {
  const R = window.gantutorReveal, W = 1280, H = 720, TOL = 2;
  const stage = document.querySelector('.reveal .slides');
  const name = el => `${el.tagName.toLowerCase()}.${(el.className || '').toString().split(' ')[0]}`;
  const clips = el => { const cs = getComputedStyle(el); return cs.overflowX !== 'visible' || cs.overflowY !== 'visible'; };
  const out = [];
  for (const sec of R.getSlides()) {
    const idx = R.getIndices(sec);
    R.slide(idx.h, idx.v, -1);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    await window.gantutorSettled;
    const box = stage.getBoundingClientRect(), scale = box.width / W;
    const inClip = el => { for (let a = el.parentElement; a && a !== sec; a = a.parentElement) if (clips(a)) return true; return false; };
    let bottom = 0, right = 0, low = null, wide = null;
    const cut = [];
    for (const el of sec.querySelectorAll('*')) {
      if (el.closest('aside.notes') || (el.closest('mjx-container') && el.tagName !== 'MJX-CONTAINER')) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      if (clips(el) && !el.closest('.jupyter-widgets')) {  // content outside a box that clips or scrolls it
        let cr = 0, cb = 0;
        for (const k of el.querySelectorAll('*')) {
          if (k.closest('mjx-assistive-mml')) continue;
          const q = k.getBoundingClientRect();
          if (q.width && q.height) { cr = Math.max(cr, q.right); cb = Math.max(cb, q.bottom); }
        }
        const over = Math.max(cr - r.right, cb - r.bottom) / scale;
        if (over > TOL) cut.push(`${name(el)} by ${Math.round(over)} px`);
      }
      if (inClip(el)) continue;
      const b = (r.bottom - box.top) / scale, rr = (r.right - box.left) / scale;
      if (b > bottom) { bottom = b; low = el; }
      if (rr > right) { right = rr; wide = el; }
    }
    const clone = sec.cloneNode(true);
    clone.querySelectorAll('h1,h2,h3,h4,h5,h6,aside.notes,.anchor-link,style,script').forEach(e => e.remove());
    const text = clone.textContent.replace(/\\s+/g, ' ').trim();
    const media = [...sec.querySelectorAll('img, canvas, video, svg, .jupyter-widgets, table, pre, mjx-container')]
      .filter(e => !e.closest('h1,h2,h3,h4,h5,h6,aside.notes') && !(e.tagName === 'svg' && e.closest('mjx-container'))).length;
    const headings = sec.querySelectorAll('h1,h2,h3,h4,h5,h6').length;
    const problems = [];
    if (bottom > H + TOL) problems.push(`reaches ${Math.round(bottom)} px down, past the bottom (${H}) [${name(low)}]`);
    if (right > W + TOL) problems.push(`reaches ${Math.round(right)} px across, past the right edge (${W}) [${name(wide)}]`);
    if (cut.length) problems.push('content cut off or scrolling inside: ' + cut.slice(0, 3).join('; '));
    if (!text && !media) problems.push(headings ? 'a heading alone' : 'empty');
    out.push({slide: `${idx.h}.${idx.v}`, bottom: Math.round(bottom), right: Math.round(right), problems,
              text: Array.from(sec.innerText.replace(/\\s+/g, ' ').trim()).slice(0, 100).join('')});
  }
  R.slide(0, 0);
  return {total: R.getTotalSlides(), horizontal: R.getHorizontalSlides().length, slides: out};
}"""

_DECK_SIZES = {}


@pytest.mark.parametrize("stem", LESSONS)
def test_deck_fits_the_projector(projector, site, shots, stem):
    """Every slide and sub-slide of the deck, at 1280×720: nothing past the bottom or right edge, nothing cut off,
    no slide that is only a heading (or nothing)."""
    page = projector
    page.goto(f"{site}/slides/{stem}.slides.html")
    page.wait_for_function("() => window.gantutorReveal && window.gantutorReveal.isReady()", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=240_000)
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=120_000)
    page.evaluate("() => MathJax.startup.promise")
    walk = page.evaluate(DECK_WALK)
    assert len(walk["slides"]) == walk["total"] >= 3, f"{stem}: walked {len(walk['slides'])} of {walk['total']} slides"
    _DECK_SIZES[stem] = walk
    (shots / "decks.json").write_text(json.dumps(_DECK_SIZES, indent=1, ensure_ascii=False), encoding="utf-8")
    bad = [s for s in walk["slides"] if s["problems"]]
    for s in bad[:3]:
        h, v = map(int, s["slide"].split("."))
        page.evaluate(f"() => window.gantutorReveal.slide({h}, {v})")
        page.evaluate("() => window.gantutorSettled")
        page.screenshot(path=str(shots / f"{stem}.slide-{s['slide']}.png"))
    assert not bad, (f"{stem}: {len(bad)} of {walk['total']} slides do not fit a 1280×720 projector:\n"
                     + "\n".join(f"  slide {s['slide']}: {'; '.join(s['problems'])} | {s['text'][:70]}" for s in bad))
    assert not page.errors, f"{stem} deck: JavaScript errors {page.errors[:3]}"


TITLE = re.compile(r"^(\d\d) · \S")


def test_lesson_titles_share_one_form(page, site):
    """The sidebar, each lesson page and each deck's first slide give the lesson's title as "NN · Topic"."""
    page.goto(site + "/index.html")
    _settle(page)
    nav = page.eval_on_selector_all("nav a[href*='lessons/']", "els => els.map(e => [e.getAttribute('href'), e.innerText.trim()])")
    titles = {}
    for href, text in nav:
        stem = re.search(r"lessons/(\d\d_[a-z0-9_]+)\.html", href)
        if stem:
            titles.setdefault(stem.group(1), text)
    problems = [f"sidebar: {s} missing" for s in LESSONS if s not in titles]
    for stem, title in titles.items():
        m = TITLE.match(title)
        if not m or m.group(1) != stem[:2]:
            problems.append(f"sidebar: {stem} is titled {title!r}")
        page.goto(f"{site}/lessons/{stem}.html")
        h1 = page.locator("main h1").first.inner_text().replace("¶", "").strip()
        if h1 != title:
            problems.append(f"page {stem}: first heading {h1!r}, sidebar {title!r}")
        page.goto(f"{site}/slides/{stem}.slides.html")
        page.wait_for_function("() => window.gantutorReveal && window.gantutorReveal.isReady()", timeout=120_000)
        first = page.evaluate("() => { const h = window.gantutorReveal.getSlides()[0].querySelector('h1');"
                              " return h ? h.textContent.replace('¶', '').trim() : ''; }")
        if first != title:
            problems.append(f"deck {stem}: first slide's title {first!r}, sidebar {title!r}")
    assert not problems, "\n".join(problems)
