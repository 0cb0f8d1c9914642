"""`govnet check`: the reference design's policies find exactly its documented weak spots."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import load_design
from govnet.diagnostics import DesignError
from tests.conftest import REFERENCE, json_result, replace_in

runner = CliRunner()


def check(design: Path) -> tuple[int, dict[str, list[tuple[str, str]]]]:
    result = runner.invoke(app, ["check", "--design", str(design), "--json"])
    payload = json_result(result.stdout)
    return result.exit_code, {
        p["policy"]: [(v["subject"], v["evidence"]) for v in p["violations"]]
        for p in payload["policies"]
    }


def test_reference_finds_exactly_the_documented_weak_spots() -> None:
    code, found = check(REFERENCE)
    assert code == 1
    assert found["two-disjoint-paths"] == [
        (
            "huangjiang",
            "to cloud-dc: device dg-agg-southeast; link dg-agg-southeast--dg-huangjiang",
        ),
        ("huangjiang", "to dr-dc: device dg-agg-southeast; link dg-agg-southeast--dg-huangjiang"),
    ]
    assert found["dual-homed"] == [
        ("huangjiang", "dg-huangjiang: not on a ring; aggregation uplinks: dg-agg-southeast")
    ]
    duct = sorted(found["duct-diverse"])
    streets = ["dongcheng", "guancheng", "nancheng", "wanjiang"]
    assert duct == sorted(
        [
            (s, f"to {t}: duct dg-avenue-trunk cuts it off")
            for s in streets
            for t in ("cloud-dc", "dr-dc")
        ]
        + [
            ("huangjiang", f"to {t}: duct spur-huangjiang cuts it off")
            for t in ("cloud-dc", "dr-dc")
        ]
    )
    assert found["ring-size"] == [
        (
            "ring R2",
            "7 nodes (at most 6): dg-gaobu, dg-shijie, dg-zhongtang, dg-mayong, dg-wangniudun, dg-hongmei, dg-daojiao",
        )
    ]
    assert found["utilisation"] == []


def test_fixing_the_weak_spots_clears_them(design_dir: Path) -> None:
    # a second duct for one exit of R1, and a second uplink for Huangjiang
    links = design_dir / "topology/links.yaml"
    text = links.read_text(encoding="utf-8")
    exit_block = text[text.index("  - a: {device: dg-dongcheng") :]
    exit_block = exit_block[: exit_block.index("  - a:", 3)]
    assert "dg-avenue-trunk" in exit_block
    links.write_text(
        text.replace(exit_block, exit_block.replace("dg-avenue-trunk", "r1-dongcheng-core-1")),
        encoding="utf-8",
    )
    ducts = design_dir / "topology/ducts.yaml"
    with ducts.open("a", encoding="utf-8") as handle:
        handle.write('  - {name: r1-dongcheng-core-1, route: "东城—核心节点一 新建管道"}\n')
    with links.open("a", encoding="utf-8") as handle:
        handle.write(
            "  - a: {device: dg-huangjiang, interface: 10GE2/0/1}\n"
            "    b: {device: dg-agg-east, interface: 10GE2/0/40}\n"
            "    capacity_mbps: 10000\n    length_km: 14.0\n    ducts: [spur-huangjiang-east]\n"
        )
        handle.flush()
    with ducts.open("a", encoding="utf-8") as handle:
        handle.write('  - {name: spur-huangjiang-east, route: "黄江—常平 新建管道"}\n')
    code, found = check(design_dir)
    assert found["two-disjoint-paths"] == []
    assert found["dual-homed"] == []
    assert found["duct-diverse"] == []
    assert [s for s, _ in found["ring-size"]] == ["ring R2"]
    assert code == 1


def test_table_output() -> None:
    result = runner.invoke(app, ["check", "--design", str(REFERENCE)])
    assert result.exit_code == 1
    assert "two-disjoint-paths" in result.output and "violation(s)" in result.output
    assert "huangjiang" in result.output


def test_bad_policy_file_is_a_design_error(design_dir: Path) -> None:
    replace_in(
        design_dir / "checks/policies.yaml", "    kind: ring_size\n", "    kind: ring_sizes\n"
    )
    with pytest.raises(DesignError) as caught:
        load_design(design_dir)
    (problem,) = caught.value.errors
    assert problem.file == "checks/policies.yaml"
    assert problem.field == "policies[3].kind"
    assert problem.line == 22  # the line of the bad kind
    assert problem.message == (
        "unknown kind 'ring_sizes' (expected one of: 'disjoint_paths', 'duct_diverse', "
        "'dual_homed', 'ring_size', 'max_utilisation')"
    )
