"""Binder's requirements follow constraints.txt's torch pins (CPU wheels from pytorch.org's CPU index)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(path):
    return dict(line.split("==") for line in path.read_text().splitlines() if "==" in line and not line.startswith("#"))


def test_binder_torch_pins_match_constraints():
    binder, constraints = _pins(ROOT / ".binder" / "requirements.txt"), _pins(ROOT / "constraints.txt")
    for name in ("torch", "torchvision"):
        assert binder[name] == constraints[name], f".binder/requirements.txt pins {name}=={binder[name]}, constraints.txt {constraints[name]}"
    text = (ROOT / ".binder" / "requirements.txt").read_text()
    assert "--index-url https://download.pytorch.org/whl/cpu" in text and "-e .[lab]" in text
