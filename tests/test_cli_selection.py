"""The command line's shared habits: one host selection everywhere, --version, clean help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design
from tests.conftest import json_result


def _intents(*args: str) -> list[str]:
    result = CliRunner().invoke(app, ["render", "--intent", *args])
    assert result.exit_code == 0, result.output
    return sorted(json_result(result.stdout))


def test_role_district_ring_and_filter_select_the_same_hosts(reference: Design) -> None:
    towns = sorted(n for n, h in reference.hosts.items() if h.role.value == "town")
    assert _intents("--role", "town") == towns
    assert _intents("--filter", "role=town") == towns
    in_district = sorted(n for n, h in reference.hosts.items() if h.district == "songshanhu")
    assert _intents("--district", "songshanhu") == in_district
    ring = next(r for r in reference.rings if r.name == "R2")
    assert _intents("--ring", "R2") == sorted(ring.members)
    both = sorted(set(towns) & set(ring.members))
    assert both and _intents("--ring", "R2", "--role", "town") == both


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ring", "R9"], "no such ring: R9 (rings: R1, R2, R3, R4, R5, R6, R7)"),
        (["--district", "nowhere"], "no such district: nowhere (districts: binhai, central,"),
    ],
)
def test_a_wrong_choice_lists_the_valid_ones(args: list[str], message: str) -> None:
    for command in (["render", "--intent"], ["lint"], ["push"], ["verify"], ["backup"]):
        result = CliRunner().invoke(app, [*command, *args])
        assert result.exit_code == 2, (command, result.output)
        assert message in result.output, (command, result.output)


def test_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"govnet {version('govnet')}\n"


def test_piped_output_is_never_cut() -> None:
    """Through a pipe (no terminal, no COLUMNS) a table is as wide as its cells."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    result = subprocess.run(
        [sys.executable, "-m", "govnet.cli", "failures", "--top", "0", "--scope", "node"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    row = next(line for line in result.stdout.splitlines() if "device dg-agg-central " in line)
    sites = [cell.strip() for cell in row.split("│")][4]
    assert sites.split(", ") == [
        "bureau-czj",
        "bureau-jtj",
        "bureau-jyj",
        "bureau-mzj",
        "bureau-rsj",
        "bureau-scjgj",
        "bureau-sthjj",
        "bureau-zjj",
        "bureau-zrzyj",
    ]
    assert all(len(line) > 80 for line in result.stdout.splitlines() if "dg-agg-central" in line)


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        (["lock"], {"design", "written", "lock"}),
        (["render", "--out", "{tmp}/configs", "--role", "metro_core"], {"out", "configs", "notes"}),
        (["graph", "--out", "{tmp}/topology.png"], {"out", "note"}),
        (["show"], {"network", "counts"}),
        (["capacity"], {"links"}),
    ],
)
def test_every_json_document_has_the_envelope(
    tmp_path: Path, args: list[str], keys: set[str]
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(app, [*argv, "--json"])
    document = json.loads(result.stdout)
    assert list(document) == ["command", "version", "ok", "problems", "result"]
    assert document["command"] == f"govnet {args[0]}"
    assert document["ok"] is (result.exit_code == 0)
    assert keys <= set(document["result"]), sorted(document["result"])


def test_render_json_names_every_file_it_wrote(tmp_path: Path, reference: Design) -> None:
    out = tmp_path / "configs"
    first = json_result(
        CliRunner().invoke(app, ["render", "--out", str(out), "--ring", "R1", "--json"]).stdout
    )
    members = sorted(next(r for r in reference.rings if r.name == "R1").members)
    assert [c["host"] for c in first["configs"]] == members
    assert all(c["changed"] and Path(c["path"]).is_file() for c in first["configs"])
    again = json_result(
        CliRunner().invoke(app, ["render", "--out", str(out), "--ring", "R1", "--json"]).stdout
    )
    assert not any(c["changed"] for c in again["configs"])


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every leaf command of the CLI, as its words after `govnet`."""
    found: list[tuple[str, ...]] = []
    for name, command in sorted(getattr(group, "commands", {}).items()):
        if getattr(command, "commands", None):
            if getattr(command, "invoke_without_command", False):
                found.append((*path, name))
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def test_every_help_reads_cleanly_and_ends_with_examples() -> None:
    import typer.main

    commands = _commands(typer.main.get_command(app))
    assert ("lab", "exec") in commands and ("migrate", "transport") in commands
    for words in commands:
        result = CliRunner().invoke(app, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)
        text = result.output
        options = [line for line in text.splitlines() if line.lstrip().startswith("-")]
        noisy = [o for o in options if any(n in o for n in ("<bool>", "<list[", " range>"))]
        assert not noisy, (words, noisy)
        last = text.rstrip().split("\n\n")[-1]
        assert last.lstrip().startswith("Examples:"), (words, text)
        assert all(line.strip().startswith("govnet ") for line in last.splitlines()[1:]), (
            words,
            last,
        )
