"""Run-All times: one measured file, and every place that shows a time generated from it.

The course tells a learner how long each lesson takes to "Restart kernel and run all". Those
numbers come from ONE file, ``benchmarks/results/run_all_times.json`` (written by
``benchmarks/run_all_times.py --write``), and are shown in three places, always between
marker comments::

    <!-- times:01 -->92 s CPU<!-- /times -->

* the README's lesson table (a marker in a table row: the short form),
* lesson 00's map of the lessons (also a table: the short form),
* each lesson's first cell — its first markdown cell — (a marker in prose: the sentence form,
  with how it was measured).

``python -m gantutor.times`` rewrites what sits between the markers; ``--check`` only reports
the places that disagree with the file (``tests/test_times.py`` fails on any). Keys:
``NN`` (a lesson), ``classifier`` (both offline evaluation classifiers) and
``classifier:cifar10``.

A lesson's first cell without a ``times:NN`` marker gets one, by this rule: find the first line
that starts with a bold label beginning with "Time" (``**Time:**``, ``**Time on a CPU:**``);
the *time clause* is the text right after the label up to the first ``;``, ``:`` or
sentence-ending ``.`` outside parentheses and backticks (or the end of the paragraph); that
clause is replaced by the marked sentence, and the rest of the paragraph is kept. The phrase
``(about half an hour on one thread)`` (the classifier's old estimate in lessons 06–07) is
replaced by the measured classifier time the same way. A first cell with no such label is an
error that names the notebook.

This module imports no torch: it only reads JSON and notebooks (``nbformat``).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["TIMES_FILE", "load", "short", "sentence", "classifier_text", "render", "sync_text",
           "insert_first_cell_markers", "first_markdown", "sync_notebook", "sync_file", "default_files", "main"]

ROOT = Path(__file__).resolve().parent.parent          # the repository (editable install)
TIMES_FILE = ROOT / "benchmarks" / "results" / "run_all_times.json"
MARKER = re.compile(r"<!-- times:(?P<key>[\w:.-]+) -->(?P<body>.*?)<!-- /times -->", re.S)
TIME_LABEL = re.compile(r"^\*\*Time\b[^*\n]*\*\*[ \t]*", re.M)
LEGACY_PHRASES = {"(about half an hour on one thread)": "classifier:cifar10"}
_NUMBERS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


# --------------------------------------------------------------------------- the file


def load(path: str | Path | None = None) -> dict[str, Any]:
    """Read and check the times file: every lesson has ``cpu_s`` > 0 and a ``source``."""
    path = Path(path) if path is not None else TIMES_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no times file at {path}: run `python benchmarks/run_all_times.py --write`")
    data = json.loads(path.read_text(encoding="utf-8"))
    lessons = data.get("lessons")
    if not isinstance(lessons, dict) or not lessons:
        raise ValueError(f"{path}: needs a non-empty 'lessons' object keyed by lesson number ('00', '01', …)")
    for key, entry in lessons.items():
        if not re.fullmatch(r"\d\d", key):
            raise ValueError(f"{path}: lesson keys are two digits ('00'…'99'), got {key!r}")
        for field in ("cpu_s", "training_cpu_s", "wall_min"):
            value = entry.get(field)
            if field == "cpu_s" or value is not None:
                if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                    raise ValueError(f"{path}: lesson {key}: {field} must be a positive number of "
                                     f"{'minutes' if field == 'wall_min' else 'seconds'}, got {value!r}")
        if not str(entry.get("source", "")).strip():
            raise ValueError(f"{path}: lesson {key}: say where the measurement comes from ('source')")
        if "training_cpu_s" in entry and not str(entry.get("training", "")).strip():
            raise ValueError(f"{path}: lesson {key}: a training time needs 'training' (what is trained)")
    return data


# --------------------------------------------------------------------------- how a time is written


def _num(x: float) -> str:
    return f"{x:g}" if x >= 10 or float(x).is_integer() else f"{x:.1f}"


def _seconds(s: float, long: bool = False) -> str:
    """92 → "92 s"; 206 → "3.4 min" (short) or "206 s (3.4 min)" (long)."""
    if s < 120:
        return f"{s:.0f} s"
    return f"{s:.0f} s ({s / 60:.1f} min)" if long else f"{s / 60:.1f} min"


def _protocol(data: dict, entry: dict) -> str:
    proto = {**data.get("protocol", {}), **{k: entry[k] for k in ("threads", "jobs", "machine") if k in entry}}
    threads, jobs = int(proto.get("threads", 1)), int(proto.get("jobs", 1))
    words = lambda n, what: f"{_NUMBERS[n] if n < len(_NUMBERS) else n} {what}{'' if n == 1 else 's'}"  # noqa: E731
    side = "one lesson at a time" if jobs == 1 else f"{words(jobs, 'lesson')} side by side"
    parts = [f"`{proto.get('tool', 'benchmarks/run_all_times.py')}`: {proto.get('mode', 'normal mode, fresh kernel')}",
             words(threads, "thread"), f"{side} on {proto.get('machine', 'one machine')}"]
    text = ", ".join(parts)
    if entry.get("load"):
        text += f", load ≈ {entry['load']}"
    return text


def short(key: str, data: dict) -> str:
    """The table form: ``92 s CPU``; lessons that train: the training run, then the rest with the run kept."""
    entry = data["lessons"][key]
    text = f"{_seconds(entry['cpu_s'])} CPU"
    if "training_cpu_s" in entry:
        text = (f"first Run-All: {entry.get('training_short', entry['training'])} ({_seconds(entry['training_cpu_s'])} CPU), "
                f"then {text} with the run kept in `runs/`")
    return text


def sentence(key: str, data: dict) -> str:
    """The first-cell form: what was measured, and how."""
    entry = data["lessons"][key]
    wall = f", {_num(entry['wall_min'])} min wall" if entry.get("wall_min") else ""
    how = f"({_protocol(data, entry)})"
    if "training_cpu_s" in entry:
        return (f"{entry['training']}, measured at {_seconds(entry['training_cpu_s'], long=True)} of CPU time, "
                f"then {_seconds(entry['cpu_s'], long=True)} of CPU time{wall} for Run-All with the run kept {how}")
    return f"Run-All measured at {_seconds(entry['cpu_s'], long=True)} of CPU time{wall} {how}"


def classifier_text(key: str, data: dict) -> str:
    """``classifier``: both data sets; ``classifier:cifar10``: CIFAR-10's alone."""
    c = data.get("classifier")
    if not c:
        raise KeyError("the times file has no 'classifier' entry")
    threads = int(c.get("threads", 1))
    one = "one thread" if threads == 1 else f"{threads} threads"
    if key == "classifier":
        return f"CIFAR-10: {_num(c['cifar10_cpu_min'])} CPU-minutes measured on {one}, Fashion-MNIST {_num(c['fmnist_cpu_min'])}"
    if key == "classifier:cifar10":
        return f"{_num(c['cifar10_cpu_min'])} CPU-minutes measured on {one}"
    raise KeyError(f"unknown classifier key {key!r}: use 'classifier' or 'classifier:cifar10'")


def render(key: str, data: dict, in_table: bool) -> str:
    """What a marker with ``key`` shows: the short form in a table row, the sentence in prose."""
    if key.startswith("classifier"):
        return classifier_text(key, data)
    if key not in data["lessons"]:
        raise KeyError(f"times:{key}: no lesson {key!r} in the times file (known: {', '.join(sorted(data['lessons']))})")
    return short(key, data) if in_table else sentence(key, data)


# --------------------------------------------------------------------------- rewriting text


def sync_text(text: str, data: dict) -> tuple[str, list[str]]:
    """Rewrite every marker's body from the file; returns the new text and the keys found."""
    keys: list[str] = []

    def sub(m: re.Match) -> str:
        line_start = text.rfind("\n", 0, m.start()) + 1
        in_table = text[line_start:m.start()].lstrip().startswith("|")
        keys.append(m.group("key"))
        return f"<!-- times:{m.group('key')} -->{render(m.group('key'), data, in_table)}<!-- /times -->"

    return MARKER.sub(sub, text), keys


def _clause_end(text: str, start: int) -> int:
    """End of the time clause that begins at ``start`` (see the module docstring)."""
    depth, code = 0, False
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "`":
            code = not code
        elif not code and ch in "([":
            depth += 1
        elif not code and ch in ")]":
            depth = max(0, depth - 1)
        elif not code and depth == 0:
            if ch in ";:":
                return i
            if ch == "." and (i + 1 == len(text) or text[i + 1].isspace()):
                return i
            if ch == "\n" and (text.startswith("\n", i + 1) or text.startswith("**", i + 1)):
                return i
        i += 1
    return len(text)


def insert_first_cell_markers(source: str, key: str, where: str = "the first cell") -> str:
    """Put ``<!-- times:KEY -->…<!-- /times -->`` in place of the time clause (rule: module docstring)."""
    if f"<!-- times:{key} -->" not in source:
        m = TIME_LABEL.search(source)
        if not m:
            raise ValueError(f"{where}: no line starts with a bold '**Time…**' label; add one "
                             f"(e.g. '**Time:** <!-- times:{key} --><!-- /times -->.') and rerun")
        end = _clause_end(source, m.end())
        if end == m.end():
            raise ValueError(f"{where}: the '**Time…**' label is followed by no text to replace")
        source = f"{source[:m.end()]}<!-- times:{key} --><!-- /times -->{source[end:]}"
    for phrase, marker_key in LEGACY_PHRASES.items():
        source = source.replace(phrase, f"(<!-- times:{marker_key} --><!-- /times -->)")
    return source


def first_markdown(nb):
    """The lesson's first cell: its first markdown cell (a setup code cell, e.g. for Colab, may come before it)."""
    return next((c for c in nb.cells if c.cell_type == "markdown"), None)


def sync_notebook(path: str | Path, data: dict, write: bool = True) -> bool:
    """Bring one lesson in line with the file (inserting its first cell's markers if needed);
    returns whether anything changed. Only markdown cells are touched; outputs stay as they are."""
    import nbformat

    path = Path(path)
    key = path.name[:2]
    nb = nbformat.read(path, as_version=4)
    first = first_markdown(nb)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        source = cell.source
        if cell is first and re.fullmatch(r"\d\d", key):
            source = insert_first_cell_markers(source, key, where=f"{path.name}, first cell")
        source, _ = sync_text(source, data)
        if source != cell.source:
            cell.source, changed = source, True
    if changed and write:
        nbformat.write(nb, path)
    return changed


def sync_file(path: str | Path, data: dict, write: bool = True) -> bool:
    """A notebook (see :func:`sync_notebook`) or a text file (README): rewrite its markers."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return sync_notebook(path, data, write)
    old = path.read_text(encoding="utf-8")
    new, _ = sync_text(old, data)
    if new != old and write:
        path.write_text(new, encoding="utf-8")
    return new != old


def default_files(root: str | Path | None = None) -> list[Path]:
    """The README and every lesson notebook."""
    root = Path(root) if root is not None else ROOT
    return [root / "README.md", *sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gantutor.times", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="default: README.md and notebooks/NN_*.ipynb")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any place disagrees with the file")
    parser.add_argument("--times", type=Path, default=None, help=f"the times file (default {TIMES_FILE.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    data = load(args.times)
    changed = [p for p in (args.files or default_files()) if sync_file(p, data, write=not args.check)]
    for p in changed:
        print(f"{'differs from the times file' if args.check else 'rewritten'}: {p}")
    if args.check and changed:
        print("run `python -m gantutor.times` to regenerate them", file=sys.stderr)
        return 1
    if not changed:
        print("every place agrees with the times file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
