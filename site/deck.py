"""How a lesson is laid out as reveal.js slides that fit a 1280×720 projector (used by ``build.py slides``).

The build has no browser, so what fits on a slide is *estimated* from the cells: heights in CSS px of the
deck's stage (1280×720, styles in ``templates/gantutor_slides``), measured in Chromium with DejaVu Sans —
wider than the fonts of most lecture-hall machines, so a slide that fits here fits there. The real layout
is checked by ``tests/browser/test_site.py`` (every slide of every deck: nothing past the bottom or right
edge, no slide that is a heading alone).

The rules, applied to a copy of the lesson after ``lecture_metadata.py``'s slide types:

* cells that follow on one slide (``-``, ``fragment``) stay there while they fit; a cell that does not fit
  starts a sub-slide;
* a markdown cell taller than a slide is cut between paragraphs, list items (a list's lead-in line stays with
  its first items), never inside a ``$$`` block, a code fence, a table or an HTML box (a box wrapping the whole
  cell is repeated around each piece); a piece never ends with a heading;
* a drawing cell (figure or widget) whose code and picture do not fit shows its picture only; other code
  cells too tall for one slide show their code (cut between top-level statements if needed), then their
  outputs on the next sub-slide(s); a long printed output is cut between lines, a long table between rows
  (its header repeated);
* what follows a slide that is only a heading joins it, cut so that its first part fits under the heading;
* carriage-return progress lines (tqdm) show their last state, as in JupyterLab;
* a widget that shows nothing (its model not saved, or hidden, as tqdm's finished bars) is left out, and so is a
  code cell whose input is hidden and that has no output left.
"""

from __future__ import annotations

import base64
import copy
import math
import re
import struct

import nbformat

# ------------------------------------------------------------------ sizes (CSS px on the 1280×720 stage)

STAGE_H = 720
BUDGET = 660  # what a slide may fill by the estimate: the stage less its top offset (10 px) and a margin
MD_LINE, MD_CPL, MD_GAP = 34, 72, 20  # 26 px text: line height, characters per line (1115 px), paragraph gap
LIST_LINE, LIST_CPL = 42, 68  # list items (1037 px wide)
HEADINGS = {1: (28, 78, 59), 2: (46, 50, 45), 3: (60, 41, 40)}  # level: (characters per line, line, margins)
CODE_LINE, CODE_CPL, CODE_PAD = 22.8, 96, 22  # code: 19 px monospace, wrapped (pre-wrap) at 1140 px
OUT_CPL, OUT_PAD = 88, 40  # printed output: 1029 px wide
IMG_MAX_H, IMG_AVAIL_W, IMG_PAD = 500, 1090, 55  # output images: CSS max-height, width they get, prompt/padding
WIDGET_H = 640  # an interactive figure: its own slide
PROGRESS_H = 60  # a progress bar (tqdm's HBox of HTML, progress, HTML)
CELL_PAD = 10
TABLE_LINE, TABLE_ROW_PAD, TABLE_CHARS = 24, 9, 84  # tables: 20 px text; a row's line, its padding, chars per width
HIDE_TAG = "gantutor-deck-hide-input"

_ITEM = re.compile(r"^(?:[*+-]|\d+\.)\s")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


# ------------------------------------------------------------------ height estimates


def _plain(text: str) -> str:
    """Roughly the characters a markdown line shows: no markup, inline math shortened to its symbols."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"\$([^$]+)\$", lambda m: re.sub(r"\\[a-zA-Z]+", "x", m.group(1)).translate(
        str.maketrans("", "", "{}^_\\ ")), text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("**", "").replace("`", "").replace("*", "")


def _lines(n_chars: int, cpl: int) -> int:
    return max(1, math.ceil(n_chars / cpl))


def _blocks(text: str) -> list[str]:
    """``text`` cut at blank lines, except inside a ``$$`` block, a code fence or an HTML ``<div>`` box."""
    blocks, current, in_math, in_fence, depth = [], [], False, False, 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        if not in_fence and stripped.count("$$") % 2 == 1:
            in_math = not in_math
        if not in_fence:
            depth += len(re.findall(r"<div\b", line)) - len(re.findall(r"</div>", line))
        if not stripped and not in_math and not in_fence and depth <= 0 and current:
            blocks.append("\n".join(current))
            current = []
        elif stripped or current:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _wrapped_lines(text: str, width: int) -> int:
    """Lines of ``text`` wrapped greedily between words at ``width`` characters (a longer word on a line of its own)."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, 0
        used += (1 if used else 0) + len(word)
    return lines


def table_height(rows: list[list[str]]) -> float:
    """Rows of cell texts as a table, laid out roughly as a browser's automatic table layout does: each column
    between its longest word and its longest cell, the room left shared out in proportion; a row is as tall as its
    tallest cell."""
    if not rows:
        return 0.0
    ncols = max(len(r) for r in rows)
    cells = [[(r[i] if i < len(r) else "") for i in range(ncols)] for r in rows]
    pad = 2  # a cell's padding, in characters
    most = [max(len(r[i]) for r in cells) + pad for i in range(ncols)]
    least = [max((len(w) for r in cells for w in r[i].split()), default=0) + pad for i in range(ncols)]
    room = TABLE_CHARS
    if sum(most) <= room:
        widths = most
    elif sum(least) >= room:
        widths = least  # wider than the slide: the deck's script sets it smaller (its lines stay as counted)
    else:
        spare = (room - sum(least)) / max(1, sum(m - l for m, l in zip(most, least)))
        widths = [l + (m - l) * spare for m, l in zip(most, least)]
    height = 0.0
    for r in cells:
        lines = max(_wrapped_lines(cell, max(1, int(w) - pad)) for cell, w in zip(r, widths))
        height += lines * TABLE_LINE + TABLE_ROW_PAD
    return height + 15


_TALL_MATH = re.compile(r"\\(frac|sum|int|prod|begin|underbrace|overbrace|max|min|hat|tilde|bar|big|sqrt|mathbb|left)|"
                        r"\^\{|_\{")


def _display_math(math_src: str) -> float:
    return 95 + 40 * math_src.count("\\\\") + (25 if _TALL_MATH.search(math_src) else 0)


def _inline_math_extra(text: str) -> float:
    """Inline formulas with fractions, sums, hats or sub-/superscript groups make their lines taller."""
    return 8 * sum(1 for m in re.findall(r"\$([^$]+)\$", text) if _TALL_MATH.search(m))


def block_height(block: str) -> float:
    lines = block.split("\n")
    first = lines[0].strip()
    if (m := _HEADING.match(first)) and len(lines) == 1:
        cpl, line, margin = HEADINGS.get(len(m.group(1)), HEADINGS[3])
        return _lines(len(_plain(m.group(2))), cpl) * line + margin
    if first.startswith("```"):
        return len(lines) * CODE_LINE + 30
    if first.startswith("|"):
        rows = [[_plain(c).strip() for c in ln.strip().strip("|").split("|")] for ln in lines
                if ln.strip().startswith("|") and not re.match(r"^\|[\s:|-]+\|$", ln.strip())]
        return table_height(rows) + MD_GAP
    if first.startswith("<div"):
        inner = re.sub(r"</?div[^>]*>", "", block).strip()
        return md_height(inner) + 30
    height, text = 0.0, block
    for m in re.finditer(r"\$\$(.+?)\$\$", block, flags=re.S):
        height += _display_math(m.group(1))
    text = re.sub(r"\$\$(.+?)\$\$", " ", text, flags=re.S)
    height += _inline_math_extra(text)
    items, rest = [], []
    for ln in text.split("\n"):
        if _ITEM.match(ln.lstrip()):
            items.append(ln)
        elif items and ln.startswith(" "):
            items[-1] += " " + ln.strip()
        else:
            rest.append(ln)
    for item in items:
        height += _lines(len(_plain(item)), LIST_CPL) * LIST_LINE
    if items:
        height += MD_GAP
    body = " ".join(ln.strip() for ln in rest if ln.strip())
    if body:
        height += _lines(len(_plain(body)), MD_CPL) * MD_LINE
    return height + MD_GAP


def md_height(text: str) -> float:
    return sum(block_height(b) for b in _blocks(text)) + CELL_PAD


def code_height(source: str) -> float:
    rows = sum(_lines(len(ln.expandtabs()), CODE_CPL) for ln in source.rstrip("\n").split("\n"))
    return rows * CODE_LINE + CODE_PAD


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _image_size(data: str) -> tuple[int, int] | None:
    raw = base64.b64decode(data[:4096] + "=" * (-len(data[:4096]) % 4), validate=False)
    if raw[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", raw[16:24])
    if raw[:2] == b"\xff\xd8":  # JPEG: the first SOFn segment
        i = 2
        while i + 9 < len(raw):
            if raw[i] != 0xFF:
                return None
            marker, length = raw[i + 1], struct.unpack(">H", raw[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", raw[i + 5:i + 9])
                return w, h
            i += 2 + length
    return None


def image_height(output) -> float:
    data, meta = output.get("data", {}), output.get("metadata", {})
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            size = _image_size(_text(data[mime]).replace("\n", ""))
            w, h = size if size else (IMG_AVAIL_W, IMG_MAX_H)
            m = meta.get(mime, {}) if isinstance(meta.get(mime), dict) else {}
            if m.get("width") and m.get("height"):
                w, h = m["width"], m["height"]
            return min(h * min(1.0, IMG_AVAIL_W / w), IMG_MAX_H) + IMG_PAD
    return 0.0


def _table_rows(html: str) -> list[str]:
    return re.findall(r"<tr\b.*?</tr>", html, flags=re.S)


def _cells(row_html: str) -> list[str]:
    return [re.sub(r"\s+", " ", _plain(c)).strip() for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row_html, flags=re.S)]


def html_height(html: str) -> float:
    html = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    if "<table" in html:
        return table_height([_cells(r) for r in _table_rows(html)]) + OUT_PAD
    return _lines(len(_plain(html).strip()), MD_CPL) * MD_LINE + OUT_PAD


def text_height(text: str) -> float:
    return sum(_lines(len(ln.expandtabs()), OUT_CPL) for ln in text.rstrip("\n").split("\n")) * CODE_LINE + OUT_PAD


_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_height(output, state: dict) -> float | None:
    """A widget view's height from the notebook's saved widget state: None when it shows nothing (its model is not
    saved, or its layout hides it: tqdm's finished bars with leave=False), a progress bar's, else a figure's."""
    model = state.get(output["data"][_WIDGET_VIEW].get("model_id"))
    if model is None:
        return None
    layout = state.get(str(model["state"].get("layout", "")).replace("IPY_MODEL_", ""), {}).get("state", {})
    if layout.get("visibility") == "hidden" or layout.get("display") == "none":
        return None
    children = [state.get(str(c).replace("IPY_MODEL_", ""), {}).get("model_name", "")
                for c in model["state"].get("children", [])]
    if children and all(c in ("HTMLModel", "LabelModel", "FloatProgressModel", "IntProgressModel") for c in children):
        return PROGRESS_H
    return WIDGET_H


def is_widget(output) -> bool:
    return "application/vnd.jupyter.widget-view+json" in output.get("data", {})


def is_picture(output) -> bool:
    data = output.get("data", {})
    return (is_widget(output) and output_height(output) > PROGRESS_H) or "image/png" in data or "image/jpeg" in data


def output_height(output) -> float:
    kind = output.get("output_type")
    if kind == "stream":
        return text_height(_text(output.get("text", "")))
    if kind == "error":
        return text_height("\n".join(output.get("traceback", [])))
    data = output.get("data", {})
    if is_widget(output):
        return output.get("metadata", {}).get("gantutor", {}).get("deck_height", WIDGET_H)
    if "image/png" in data or "image/jpeg" in data:
        return image_height(output)
    if "text/html" in data:
        return html_height(_text(data["text/html"]))
    if "text/markdown" in data:
        return md_height(_text(data["text/markdown"]))
    if "text/latex" in data:
        return 80
    if "text/plain" in data:
        return text_height(_text(data["text/plain"]))
    return 0.0


def _hidden(cell) -> bool:
    return HIDE_TAG in cell.get("metadata", {}).get("tags", [])


def cell_height(cell) -> float:
    if cell.cell_type == "markdown":
        return md_height(cell.source)
    if cell.cell_type != "code":
        return 0.0
    inp = 0.0 if _hidden(cell) else code_height(cell.source)
    return inp + sum(output_height(o) for o in cell.get("outputs", [])) + CELL_PAD


# ------------------------------------------------------------------ cutting markdown


_TABLE_RULE = re.compile(r"^\|[\s:|-]+\|$")


def _split_block(block: str, budget: float, size) -> list[str]:
    """A block taller than ``budget`` cut where it can be: a bullet or numbered list between its top-level items
    (lines before the first item, a lead-in such as "**What you will learn**", stay with the first items), a
    table between its rows (the header repeated); anything else is returned whole."""
    lines = block.split("\n")
    if size(block) <= budget:
        return [block]
    if len(lines) > 2 and lines[0].lstrip().startswith("|") and _TABLE_RULE.match(lines[1].strip()):
        head, units = lines[:2], [[ln] for ln in lines[2:]]
    else:
        first_item = next((i for i, ln in enumerate(lines) if _ITEM.match(ln)), None)
        if first_item is None:
            return _split_sentences(block, budget, size)
        if any(ln.strip().startswith(("$$", "|", "```", "<")) for ln in lines[:first_item]):
            return [block]
        head, units = [], []
        for line in lines[first_item:]:
            if _ITEM.match(line) or not units:
                units.append([line])
            else:
                units[-1].append(line)  # an item's continuation lines and nested items stay with it
        units[0] = lines[:first_item] + units[0]
    table = bool(head)
    parts, part = [], []
    for unit in units:
        if part and size("\n".join(head + part + unit)) > budget:
            parts.append("\n".join(head + part))
            part = []
        part += unit
    parts.append("\n".join(head + part))
    return parts if table or len(parts) > 1 else [block]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(\[])")


def _split_sentences(block: str, budget: float, size) -> list[str]:
    """A paragraph taller than ``budget`` cut between sentences (never inside ``$…$`` or a ``$$`` block); a
    heading, a code fence, a table or an HTML box is returned whole."""
    if re.match(r"\s*(#|```|\||<)", block):
        return [block]
    masked = re.sub(r"\$\$.+?\$\$|\$[^$]+\$|`[^`]*`", lambda m: "\0" * len(m.group(0)), block, flags=re.S)
    cuts = [m.start() for m in _SENTENCE_END.finditer(masked)]
    sentences, start = [], 0
    for cut in cuts:
        sentences.append(block[start:cut].strip())
        start = cut
    sentences.append(block[start:].strip())
    parts, part = [], []
    for sentence in sentences:
        if part and size(" ".join(part + [sentence])) > budget:
            parts.append(" ".join(part))
            part = []
        part.append(sentence)
    parts.append(" ".join(part))
    return parts


def split_markdown(text: str, budget: float, size=len, first_budget: float | None = None) -> list[str]:
    """``text`` cut between paragraphs into pieces of at most ``budget`` by ``size`` (characters by default;
    the deck passes its height estimate), the first piece at most ``first_budget`` when given; never inside a
    ``$$`` block, a code fence, an HTML box or a list/table run (lines that follow without a blank line stay
    together), except that a list is cut between its items, a table between its rows and a paragraph between
    its sentences. A piece never ends with a heading or a one-line lead-in ("**What you will learn**"), and
    one that starts a piece gets at least the first part of what follows it. A cell
    wrapped in one ``<div …>…</div>`` box is cut inside it and each piece gets the box."""
    box = re.match(r"^(<div\b[^>]*>)\s*\n(.*)\n\s*(</div>)\s*$", text.strip(), flags=re.S)
    if box and "<div" not in box.group(2):
        inner = split_markdown(box.group(2).strip(), budget - 40, size,
                               None if first_budget is None else first_budget - 40)
        return [f"{box.group(1)}\n\n{piece}\n\n{box.group(3)}" for piece in inner]

    def heading(b: str) -> bool:  # a heading, or a one-line lead-in ("**What you will learn**", "…:")
        one_line = "\n" not in b.strip()
        return one_line and (bool(_HEADING.match(b)) or len(b) < 80 and (
            bool(re.fullmatch(r"\*\*[^*]+\*\*:?", b.strip())) or b.rstrip().endswith(":")))

    todo = _blocks(text)
    pieces, piece = [], []
    while todo:
        block = todo.pop(0)
        limit = budget if pieces or first_budget is None else first_budget
        if size("\n\n".join(piece + [block])) <= limit:
            piece.append(block)
            continue
        if piece and all(heading(b) for b in piece):  # under a heading: the part of the block that fits
            room = limit - size("\n\n".join(piece))
            parts = _split_block(block, room, size)
            if len(parts) > 1 and size("\n\n".join(piece + parts[:1])) <= limit:
                pieces.append("\n\n".join(piece + parts[:1]))
                piece = []
                todo[:0] = ["\n".join(parts[1:]) if not parts[1].lstrip().startswith("|") else
                            _rejoin_table(parts[1:])]
                continue
        if piece:
            carry = []
            while len(piece) > 1 and heading(piece[-1]):
                carry.insert(0, piece.pop())  # a heading goes with what it heads
            pieces.append("\n\n".join(piece))
            piece = carry
            todo.insert(0, block)
            continue
        parts = _split_block(block, limit, size)
        piece = [parts[0]]
        if len(parts) > 1:
            todo[:0] = parts[1:]
            pieces.append(parts[0])
            piece = []
    if piece:
        pieces.append("\n\n".join(piece))
    return pieces or [text]


def _rejoin_table(parts: list[str]) -> str:
    """Table pieces (each with the header) back into one table."""
    head = parts[0].split("\n")[:2]
    return "\n".join(head + [ln for p in parts for ln in p.split("\n")[2:]])


# ------------------------------------------------------------------ cutting code cells


def _clean_stream(output):
    """Carriage returns (tqdm) as JupyterLab shows them: each line's last state."""
    if output.get("output_type") == "stream" and "\r" in _text(output.get("text", "")):
        lines = _text(output["text"]).split("\n")
        output["text"] = "\n".join(ln.rstrip("\r").split("\r")[-1] for ln in lines)
    return output


def _split_source(source: str, budget: float) -> list[str]:
    """Code cut into pieces of at most ``budget`` px, between top-level statements (blank lines before an
    unindented line), else between any lines; with as many pieces as that needs, a smaller budget is taken when it
    spares the last piece from being a line or two."""
    pieces = _split_source_greedy(source, budget)
    for factor in (0.9, 0.8, 0.7, 0.6):
        if len(pieces) < 2 or code_height(pieces[-1]) >= 0.3 * budget:
            break
        fewer = _split_source_greedy(source, budget * factor)
        if len(fewer) == len(pieces):
            pieces = fewer
    return pieces


def _split_source_greedy(source: str, budget: float) -> list[str]:
    lines = source.rstrip("\n").split("\n")
    cuts = [i for i in range(1, len(lines)) if not lines[i - 1].strip() and lines[i][:1] not in (" ", "\t", "")]
    pieces, start = [], 0
    while start < len(lines):
        end = start + 1
        while end < len(lines) and code_height("\n".join(lines[start:end + 1])) <= budget:
            end += 1
        if end < len(lines):  # prefer a statement boundary inside [start + 1, end]
            good = [c for c in cuts if start < c <= end]
            if good:
                end = good[-1]
        pieces.append("\n".join(lines[start:end]).strip("\n"))
        start = end
    return [p for p in pieces if p.strip()]


def _split_table_html(html: str, budget: float, first: float | None = None) -> list[str] | None:
    """A pandas table cut between body rows (never inside a rowspan group), the header repeated."""
    m = re.search(r"(.*<tbody>)(.*?)(</tbody>.*)", html, flags=re.S)
    if not m:
        return None
    head, body, tail = m.groups()
    rows = _table_rows(body)
    groups, span = [], 0
    for row in rows:
        if span > 0:
            groups[-1].append(row)
            span -= 1
        else:
            groups.append([row])
        rs = re.search(r'rowspan="(\d+)"', row)
        if rs:
            span = max(span, int(rs.group(1)) - 1)
    pieces, piece = [], []
    for g in groups:
        limit = first if first is not None and not pieces else budget
        if piece and html_height(head + "".join(piece + g) + tail) > limit:
            pieces.append(head + "".join(piece) + tail)
            piece = []
        piece += g
    pieces.append(head + "".join(piece) + tail)
    return pieces if len(pieces) > 1 else None


def _split_md_table(text: str, budget: float, first: float | None = None) -> list[str] | None:
    lines = text.strip().split("\n")
    if len(lines) < 3 or not lines[0].startswith("|") or not re.match(r"^\|[\s:|-]+\|$", lines[1].strip()):
        return None
    head, rows = lines[:2], lines[2:]
    pieces, piece = [], []
    for row in rows:
        limit = first if first is not None and not pieces else budget
        if piece and md_height("\n".join(head + piece + [row])) > limit:
            pieces.append("\n".join(head + piece))
            piece = []
        piece.append(row)
    pieces.append("\n".join(head + piece))
    return pieces if len(pieces) > 1 else None


def _split_md_prose(text: str, budget: float, first: float | None = None) -> list[str] | None:
    """Computed prose (a lesson's reading shown with display(Markdown)): cut like a markdown cell."""
    parts = split_markdown(text, budget, md_height, first_budget=first)
    return parts if len(parts) > 1 else None


def _split_output(output, budget: float, first: float | None = None) -> list:
    """One output too tall, cut into several (printed text between lines, tables between rows, the header
    repeated): the first at most ``first`` high when given, the others at most ``budget``."""
    if output.get("output_type") == "stream":
        lines, pieces, piece = _text(output["text"]).rstrip("\n").split("\n"), [], []
        for ln in lines:
            limit = first if first is not None and not pieces else budget
            if piece and text_height("\n".join(piece + [ln])) > limit:
                pieces.append(piece)
                piece = []
            piece.append(ln)
        pieces.append(piece)
        return [{**copy.deepcopy(output), "text": "\n".join(p) + "\n"} for p in pieces]
    data = output.get("data", {})
    for mime, cut in (("text/html", _split_table_html), ("text/markdown", _split_md_table),
                      ("text/markdown", _split_md_prose)):
        if mime in data and (parts := cut(_text(data[mime]), budget, first)):
            out = []
            for part in parts:
                o = copy.deepcopy(output)
                o["data"] = {mime: part}  # text/plain would repeat the whole table
                out.append(o)
            return out
    return [output]


def _group_outputs(outputs: list, budget: float) -> list[list]:
    """Outputs in groups of at most ``budget`` (one sub-slide each), in order; an output too tall for the room
    left is cut (``_split_output``) so that its first part fills that room."""
    groups, group, height = [], [], 0.0
    todo = list(outputs)
    while todo:
        o = todo.pop(0)
        h = output_height(o)
        if group and height + h > budget:
            parts = _split_output(o, budget, first=budget - height)
            if len(parts) > 1 and height + output_height(parts[0]) <= budget:
                group.append(parts[0])
                todo[:0] = parts[1:]
            else:
                todo.insert(0, o)
            groups.append(group)
            group, height = [], 0.0
            continue
        if h > budget:
            parts = _split_output(o, budget)
            if len(parts) > 1:
                todo[:0] = parts
                continue
        group.append(o)
        height += h
    if group:
        groups.append(group)
    return groups


# ------------------------------------------------------------------ the layout


def _kind(cell) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")


def _set_kind(cell, kind: str) -> None:
    cell.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = kind


def _piece(cell, n: int, **changes):
    part = copy.deepcopy(cell)
    if n and part.get("id"):
        part["id"] = f"{cell['id'][:56]}-p{n}"
    for key, value in changes.items():
        part[key] = value
    return part


def heading_only(cell) -> bool:
    src = cell.source.strip() if cell.cell_type == "markdown" else ""
    return bool(_HEADING.match(src)) and "\n" not in src


def _hide(cell):
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if HIDE_TAG not in tags:
        tags.append(HIDE_TAG)
    return cell


def _code_pieces(cell, room: float, under_heading: bool) -> tuple[list, bool]:
    """(pieces, first piece stays on the current slide)."""
    h = cell_height(cell)
    if h <= room:
        return [cell], True
    outs = cell.get("outputs", [])
    pictures = bool(outs) and any(is_picture(o) for o in outs)
    shown = sum(output_height(o) for o in outs) + CELL_PAD
    if pictures and shown <= room and (under_heading or h > BUDGET):
        return [_hide(cell)], True  # the picture under its heading, or on a slide its code would overflow
    if not under_heading and h <= BUDGET:
        return [cell], False  # the whole cell on the next sub-slide
    if pictures and shown <= BUDGET:
        return [_hide(cell)], False
    # cut: the code (if shown), then the outputs
    pieces = []
    if not _hidden(cell):
        first = room if under_heading else BUDGET
        src = _split_source(cell.source, first - CELL_PAD)
        if len(src) > 1 and code_height(src[0]) + CELL_PAD > first:
            src = _split_source(cell.source, BUDGET - CELL_PAD)
        rest = "\n".join(src[1:])
        src = src[:1] + (_split_source(rest, BUDGET - CELL_PAD) if rest else [])
        for s in src:
            pieces.append(_piece(cell, len(pieces), source=s, outputs=[]))
    for group in _group_outputs(outs, BUDGET - CELL_PAD):
        pieces.append(_hide(_piece(cell, len(pieces), outputs=group)))
    if not pieces:
        pieces = [cell]
    stays = cell_height(pieces[0]) <= room
    return pieces, stays


def _md_pieces(cell, room: float, under_heading: bool) -> tuple[list, bool]:
    h = md_height(cell.source)
    if h <= room:
        return [cell], True
    if not under_heading and h <= BUDGET:
        return [cell], False
    first = room if under_heading or room >= BUDGET else BUDGET
    texts = split_markdown(cell.source, BUDGET - CELL_PAD, md_height, first_budget=first - CELL_PAD)
    if md_height(texts[0]) > room:  # the first piece did not fit where it was to go: all on fresh slides
        texts = split_markdown(cell.source, BUDGET - CELL_PAD, md_height)
        return [_piece(cell, i, source=t) for i, t in enumerate(texts)], False
    return [_piece(cell, i, source=t) for i, t in enumerate(texts)], True


def layout(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Apply the rules of the module docstring to ``nb`` (slide types already set), in place; returns it."""
    state = nb.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    cells, room, alone = [], 0.0, False  # room left on the current slide; alone: it holds only a heading
    for cell in nb.cells:
        kind = _kind(cell)
        if cell.cell_type == "code":
            shown = []
            for o in cell.get("outputs", []):
                if is_widget(o):
                    h = widget_height(o, state)
                    if h is None:
                        continue  # shows nothing: left out of the deck
                    o.setdefault("metadata", {}).setdefault("gantutor", {})["deck_height"] = h
                shown.append(_clean_stream(o))
            cell.outputs = shown
            if _hidden(cell) and not cell.get("outputs"):
                _set_kind(cell, "skip")
                kind = "skip"
        if kind in ("skip", "notes"):
            cells.append(cell)
            continue
        if kind in ("slide", "subslide"):
            room, alone, fresh = BUDGET, False, True
        else:
            fresh = False
        pieces_of = _md_pieces if cell.cell_type == "markdown" else _code_pieces
        pieces, stays = pieces_of(cell, room, alone)
        if not stays and not fresh:
            _set_kind(pieces[0], "subslide")
            room, alone = BUDGET, False
        for i, piece in enumerate(pieces):
            if i:
                _set_kind(piece, "subslide")
                room = BUDGET
            h = cell_height(piece)
            alone = heading_only(piece) and (i == 0 and (fresh or room >= BUDGET))
            room -= h
        cells.extend(pieces)
    nb.cells = cells
    return nb
