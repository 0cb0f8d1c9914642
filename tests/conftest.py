"""Shared fixtures: copies of the reference design that a test may change freely."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from govnet.design import DESIGN_FOLDERS, Design, load_design, reference_design_path
from govnet.diagnostics import DesignError, Problem

REFERENCE = reference_design_path()


def copy_design(source: Path, target: Path) -> Path:
    for folder in DESIGN_FOLDERS:
        shutil.copytree(source / folder, target / folder)
    return target


@pytest.fixture(scope="session")
def reference() -> Design:
    return load_design(REFERENCE)


@pytest.fixture
def design_dir(tmp_path: Path) -> Path:
    """A private copy of the reference design."""
    return copy_design(REFERENCE, tmp_path / "design")


def without_spur(root: Path) -> Path:
    """The reference without its spur town dg-huangjiang (its host and its one link)."""
    hosts = root / "inventory/hosts.yaml"
    text = hosts.read_text(encoding="utf-8")
    start = text.index("dg-huangjiang:")
    end = text.index("\ndg-", start + 1) + 1
    hosts.write_text(text[:start] + text[end:], encoding="utf-8")
    links = root / "topology/links.yaml"
    text = links.read_text(encoding="utf-8")
    start = text.index("  - a: {device: dg-huangjiang")
    end = text.index("  # ---", start)
    links.write_text(text[:start] + text[end:], encoding="utf-8")
    return root


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Edit a design file as a person would; the text must be there exactly ``count`` times."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """1-based line number of the only line containing ``needle``."""
    hits = [
        i
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if needle in line
    ]
    assert len(hits) == 1, f"{needle!r} is on lines {hits} of {path}"
    return hits[0]


def load_errors(root: Path) -> list[Problem]:
    with pytest.raises(DesignError) as caught:
        load_design(root)
    return caught.value.errors


LoadErrors = Callable[[Path], list[Problem]]


def check_golden(golden: Path, files: Mapping[Path, str]) -> None:
    """``files`` (path under ``golden`` -> text) are exactly the golden files there;
    ``UPDATE_GOLDEN=1`` rewrites them first (review the diff)."""
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        for path, text in files.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_text(text, encoding="utf-8")
    expected = {p.relative_to(golden) for p in golden.rglob("*") if p.is_file()}
    assert set(files) == expected
    for path, text in files.items():
        assert text == (golden / path).read_text(encoding="utf-8"), path


def json_result(output: str, ok: bool | None = None) -> Any:
    """The ``result`` of a ``--json`` document, after checking its envelope (README, "JSON
    output"): command, version, ok, problems, result."""
    document = json.loads(output)
    assert list(document) == ["command", "version", "ok", "problems", "result"], document.keys()
    assert document["command"].startswith("govnet")
    if ok is not None:
        assert document["ok"] is ok, document
    return document["result"]


def assert_frr_loads(text: str, path: Path) -> None:
    """FRR itself reads ``text`` (written to ``path``) as a config file without an error."""
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["vtysh", "-C", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
