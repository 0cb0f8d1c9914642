"""The govnet command line on the reference design."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design
from tests.conftest import REFERENCE, json_result

runner = CliRunner()


def test_validate_reference() -> None:
    result = runner.invoke(app, ["validate", "--design", str(REFERENCE), "--locked"])
    assert result.exit_code == 0, result.output
    assert "valid: dongguan — 62 devices, 91 links, 7 rings, 9 VPNs" in result.output
    assert "address lock: up to date" in result.output


def test_validate_json() -> None:
    result = runner.invoke(app, ["validate", "--design", str(REFERENCE), "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["command"] == "govnet validate" and document["ok"] is True
    assert document["problems"] == []
    assert document["result"] == {"design": str(REFERENCE), "valid": True, "lock": "up to date"}


def test_show_json() -> None:
    result = runner.invoke(app, ["show", "--design", str(REFERENCE), "--json"])
    assert result.exit_code == 0, result.output
    summary = json_result(result.stdout, ok=True)
    assert summary["counts"]["devices"] == 62
    assert summary["counts"]["towns"] == 33
    assert summary["counts"]["first_level_rings"] == 7
    assert summary["layers"] == {
        "wan": 2,
        "core": 2,
        "dc": 6,
        "aggregation": 6,
        "town": 33,
        "ce": 13,
    }
    assert summary["platforms"] == {"huawei_vrp": 58, "iosxr": 2, "junos": 2}
    r2 = next(r for r in summary["rings"] if r["name"] == "R2")
    assert r2["nodes"] == 7 and r2["closes_on"] == ["dg-agg-shuixiang", "dg-agg-central"]
    assert r2["length_km"] == 90.0
    assert summary["pools"]["loopback_ipv4"]["used"] == 62
    assert {d["name"] for d in summary["districts"]} == {
        "central", "shuixiang", "binhai", "songshanhu", "east", "southeast"
    }  # fmt: skip


def test_show_table() -> None:
    result = runner.invoke(app, ["show", "--design", str(REFERENCE)])
    assert result.exit_code == 0
    assert "First-level rings" in result.output and "R7" in result.output
    assert "2001:db8:7ff:100::/56" in result.output  # no emoji substitution of ':100:'


def test_graph_png(tmp_path: Path) -> None:
    out = tmp_path / "city.png"
    result = runner.invoke(app, ["graph", "--design", str(REFERENCE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000


def test_generate_then_validate(tmp_path: Path) -> None:
    out = tmp_path / "province"
    args = [
        "generate",
        "province",
        "--cities",
        "2",
        "--rings-per-city",
        "2",
        "--towns-per-ring",
        "3",
    ]
    args += ["--access-rings-per-town", "1", "--access-ring-size", "2", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "devices" in result.output
    check = runner.invoke(app, ["validate", "--design", str(out), "--locked"])
    assert check.exit_code == 0, check.output
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "not empty" in again.output
    png = tmp_path / "p.png"
    assert runner.invoke(app, ["graph", "--design", str(out), "--out", str(png)]).exit_code == 0


def test_lock_writes_only_when_needed(design_dir: Path) -> None:
    lock = design_dir / "topology/addresses.lock.yaml"
    before = lock.read_bytes()
    result = runner.invoke(app, ["lock", "--design", str(design_dir)])
    assert result.exit_code == 0 and "up to date" in result.output
    assert lock.read_bytes() == before
    lock.unlink()
    assert runner.invoke(app, ["validate", "--design", str(design_dir), "--locked"]).exit_code == 2
    result = runner.invoke(app, ["lock", "--design", str(design_dir)])
    assert result.exit_code == 0 and "+62 loopback_ipv4" in result.output
    assert "+130 link_ipv4" in result.output  # 91 links and 39 PE-CE sub-interfaces
    fresh = lock.read_bytes()
    assert (
        runner.invoke(app, ["lock", "--design", str(design_dir)])
        .output.strip()
        .endswith("up to date")
    )
    assert lock.read_bytes() == fresh


def test_large_designs_are_drawn_by_district(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govnet.topology import draw

    monkeypatch.setattr(draw, "DETAIL_LIMIT", 10)
    out = tmp_path / "districts.png"
    result = runner.invoke(app, ["graph", "--design", str(REFERENCE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "66 nodes: drawn one node per district" in result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_pool_usage_is_readable() -> None:
    result = runner.invoke(app, ["show", "--design", str(REFERENCE)])
    assert "1,023" in result.output  # loopback_ipv4 usable
    assert "≈2^64" in result.output and "≈2^71" in result.output


def test_push_and_backup_need_credentials_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOVNET_USERNAME", raising=False)
    monkeypatch.delenv("GOVNET_PASSWORD", raising=False)
    for command in (["push", "--hosts", "dg-humen"], ["backup", "--hosts", "dg-humen"]):
        result = runner.invoke(app, [*command, "--design", str(REFERENCE)])
        assert result.exit_code == 2, command
        assert "GOVNET_USERNAME and GOVNET_PASSWORD" in result.output


def test_export_clab(tmp_path: Path) -> None:
    out = tmp_path / "lab" / "city.clab.yml"
    configs = tmp_path / "configs"
    args = [
        "lab",
        "export-clab",
        "--design",
        str(REFERENCE),
        "--out",
        str(out),
        "--configs",
        str(configs),
    ]
    result = runner.invoke(app, [*args, "--frr-everywhere"])
    assert result.exit_code == 0, result.output
    assert "62 nodes, 91 links" in result.output
    text = out.read_text(encoding="utf-8")
    assert "kind: linux" in text and "quay.io/frrouting/frr:8.4.4" in text
    assert (configs / "lab" / "dg-humen.conf").is_file() and (
        configs / "huawei_vrp" / "dg-humen.cfg"
    ).is_file()


def test_host_filters_select_by_design_fields(reference: Design) -> None:
    import typer

    from govnet.cli_common import select_hosts

    junos = select_hosts(reference, None, None, ["platform=junos"])
    assert junos and all(reference.hosts[h].platform.value == "junos" for h in junos)
    towns_in_junos = select_hosts(reference, None, None, ["platform=junos", "role=town"])
    assert set(towns_in_junos) <= set(junos)
    assert all(reference.hosts[h].role.value == "town" for h in towns_in_junos)
    assert select_hosts(reference, None, ["dg-humen", "dg-qingxi"], ["platform=junos"]) == [
        "dg-qingxi"
    ]
    with pytest.raises(typer.Exit):
        select_hosts(reference, None, None, ["colour=red"])
