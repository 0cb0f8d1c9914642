"""`govnet diff OLD NEW` on hand-made pairs of designs with known answers."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import load_design
from govnet.topology.design_diff import diff_designs, diff_html
from tests.conftest import (
    REFERENCE,
    copy_design,
    json_result,
    line_of,
    replace_in,
    without_spur,
)

runner = CliRunner()

SPUR_LINK = "dg-agg-southeast--dg-huangjiang"


def move_humen_to_r4(root: Path) -> Path:
    """dg-humen leaves ring R3 (changan and shatian joined directly on the ports that faced it)
    and enters R4 between dalingshan and liaobu, on its same two ports."""
    rings = root / "topology/rings.yaml"
    replace_in(rings, "dg-changan, dg-humen, dg-shatian", "dg-changan, dg-shatian")
    replace_in(rings, "dg-dalingshan, dg-liaobu", "dg-dalingshan, dg-humen, dg-liaobu")
    replace_in(
        root / "topology/ducts.yaml",
        "  - {name: r4-dalingshan-liaobu,",
        '  - {name: r4-dalingshan-humen, route: "R4 dalingshan—humen"}\n'
        "  - {name: r4-dalingshan-liaobu,",
    )
    links = root / "topology/links.yaml"
    replace_in(
        links,
        "    b: {device: dg-humen, interface: 10GE2/0/0}\n"
        "    capacity_mbps: 10000\n"
        "    length_km: 18.1\n"
        "    ducts: [r3-changan-humen]\n"
        "  - a: {device: dg-humen, interface: 10GE2/0/1}\n",
        "",
    )
    replace_in(
        links,
        "    b: {device: dg-liaobu, interface: 10GE2/0/0}\n",
        "    b: {device: dg-humen, interface: 10GE2/0/0}\n"
        "    capacity_mbps: 10000\n"
        "    length_km: 20.0\n"
        "    ducts: [r4-dalingshan-humen]\n"
        "  - a: {device: dg-humen, interface: 10GE2/0/1}\n"
        "    b: {device: dg-liaobu, interface: 10GE2/0/0}\n",
    )
    return root


def diff_args(old: Path, new: Path, *more: str) -> list[str]:
    return ["diff", str(old), str(new), *more]


def test_identical_designs_change_nothing(tmp_path: Path) -> None:
    copy = copy_design(REFERENCE, tmp_path / "copy")
    result = runner.invoke(app, [*diff_args(REFERENCE, copy), "--json"])
    assert result.exit_code == 0, result.output
    change = json_result(result.output, ok=True)
    assert change["unchanged"] is True
    assert change["model"] == change["weak_spots"] == change["violations"] == change["loads"] == []
    assert change["configs"] == {"changed": [], "unchanged": 62}
    text = runner.invoke(app, diff_args(REFERENCE, copy))
    assert text.exit_code == 0
    assert "no change" in text.output


def test_a_new_spur_adds_its_weak_spots_and_exits_1(tmp_path: Path) -> None:
    old = without_spur(copy_design(REFERENCE, tmp_path / "old"))
    result = runner.invoke(app, [*diff_args(old, REFERENCE), "--json"])
    assert result.exit_code == 1, result.output
    change = json_result(result.output, ok=False)
    assert change["gates"] is True
    added = {(w["scope"], w["failure"], w["site"]) for w in change["weak_spots"]}
    # the spur's one link, its one duct and the aggregation router it hangs off each cut it off
    assert ("single", f"link {SPUR_LINK}", "huangjiang") in added
    assert {w["site"] for w in change["weak_spots"]} == {"huangjiang"}
    assert {w["change"] for w in change["weak_spots"]} == {"added"}
    assert {w["scope"] for w in change["weak_spots"]} == {"single", "node", "srlg"}
    single = next(w for w in change["weak_spots"] if w["scope"] == "single")
    assert single["targets"] == ["cloud-dc", "dr-dc", "internet"]
    model = {(c["kind"], c["name"], c["change"]) for c in change["model"]}
    assert ("device", "dg-huangjiang", "added") in model
    assert ("link", SPUR_LINK, "added") in model
    assert ("address", "loopback_ipv4/dg-huangjiang", "added") in model
    assert {v["subject"] for v in change["violations"] if v["change"] == "added"} >= {"huangjiang"}
    changed = {d["device"] for d in change["configs"]["changed"]}
    assert {"dg-huangjiang", "dg-agg-southeast"} <= changed
    text = runner.invoke(app, diff_args(old, REFERENCE))
    assert text.exit_code == 1
    assert f"link {SPUR_LINK}" in text.output
    assert "adds a weak spot" in text.output


def test_a_capacity_upgrade_moves_a_worst_case_load_and_no_weak_spot(tmp_path: Path) -> None:
    new = copy_design(REFERENCE, tmp_path / "new")
    replace_in(
        new / "topology/links.yaml",
        "    b: {device: dg-changan, interface: TenGigE0/0/1/0}\n    capacity_mbps: 10000\n",
        "    b: {device: dg-changan, interface: TenGigE0/0/1/0}\n    capacity_mbps: 100000\n",
    )
    result = runner.invoke(app, [*diff_args(REFERENCE, new), "--json"])
    assert result.exit_code == 0, result.output
    change = json_result(result.output, ok=True)
    assert change["weak_spots"] == [] and change["violations"] == []
    [load] = change["loads"]
    assert load["link"] == "dg-agg-binhai--dg-changan"
    assert load["old_utilisation"] == 0.735  # 7350 of 10000 Mb/s in its worst failure
    assert round(load["new_utilisation"], 5) == 0.0735
    assert [(c["kind"], c["name"]) for c in change["model"]] == [
        ("link", "dg-agg-binhai--dg-changan")
    ]
    [field] = change["model"][0]["fields"]
    assert field == {"field": "capacity_mbps", "old": 10000, "new": 100000}
    # a threshold above the move reports no load
    quiet = runner.invoke(app, [*diff_args(REFERENCE, new), "--json", "--load-threshold", "70"])
    assert json_result(quiet.output)["loads"] == []


def test_a_town_moved_between_rings_changes_exactly_the_affected_configs(tmp_path: Path) -> None:
    new = move_humen_to_r4(copy_design(REFERENCE, tmp_path / "new"))
    change = diff_designs(load_design(REFERENCE), load_design(new))
    # the town, its two old neighbours (now joined) and its two new ones
    assert set(change.configs.devices) == {
        "dg-humen",
        "dg-changan",
        "dg-shatian",
        "dg-dalingshan",
        "dg-liaobu",
    }
    assert change.configs.unchanged == 62 - 5
    rings = {c.name: c for c in change.model if c.kind == "ring"}
    assert set(rings) == {"R3", "R4"}
    assert {c.name for c in change.model if c.kind == "link"} == {
        "dg-changan--dg-humen",
        "dg-humen--dg-shatian",
        "dg-dalingshan--dg-liaobu",
        "dg-changan--dg-shatian",
        "dg-dalingshan--dg-humen",
        "dg-humen--dg-liaobu",
    }
    assert [(c.kind, c.name, c.change) for c in change.model if c.kind == "duct"] == [
        ("duct", "r4-dalingshan-humen", "added")
    ]
    # both rings stay rings of at most 6 towns: no weak spot, no violation, CI passes
    assert change.weak_spots == () and change.violations == ()
    assert not change.gates
    page = diff_html(change)
    assert "dg-humen" in page and "<pre>" in page


def test_git_revision_against_the_working_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    design = copy_design(REFERENCE, repo / "city")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "reference"], check=True)
    replace_in(
        design / "topology/links.yaml",
        "    b: {device: dg-changan, interface: TenGigE0/0/1/0}\n    capacity_mbps: 10000\n",
        "    b: {device: dg-changan, interface: TenGigE0/0/1/0}\n    capacity_mbps: 40000\n",
    )
    subprocess.run([*git, "commit", "-q", "-am", "upgrade"], check=True)
    before = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts)
    result = runner.invoke(app, ["diff", "--git", "HEAD~1", str(design), "--json"])
    assert result.exit_code == 0, result.output
    change = json_result(result.output, ok=True)
    assert change["old"] == "git:HEAD~1"
    assert [c["name"] for c in change["model"]] == ["dg-agg-binhai--dg-changan"]
    assert [load["link"] for load in change["loads"]] == ["dg-agg-binhai--dg-changan"]
    same = runner.invoke(app, ["diff", "--git", "HEAD", str(design), "--json"])
    assert json_result(same.output)["unchanged"] is True
    after = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts)
    assert before == after  # nothing written in the user's tree
    bad = runner.invoke(app, ["diff", "--git", "no-such-ref", str(design)])
    assert bad.exit_code == 2
    assert "no-such-ref" in bad.output


def test_a_broken_new_design_exits_2_naming_the_side_file_and_line(tmp_path: Path) -> None:
    new = copy_design(REFERENCE, tmp_path / "new")
    replace_in(new / "topology/links.yaml", "ducts: [spur-huangjiang]", "ducts: [spur-nowhere]")
    line = line_of(new / "topology/links.yaml", "spur-nowhere")
    result = runner.invoke(app, diff_args(REFERENCE, new))
    assert result.exit_code == 2, result.output
    assert f"topology/links.yaml:{line}" in result.output
    assert "spur-nowhere" in result.output
    assert f"NEW ({new}): 1 error(s)" in result.output
    as_json = runner.invoke(app, [*diff_args(REFERENCE, new), "--json"])
    assert as_json.exit_code == 2
    assert json_result(as_json.stdout, ok=False)["side"] == "NEW"
    swapped = runner.invoke(app, diff_args(new, REFERENCE))
    assert swapped.exit_code == 2
    assert f"OLD ({new}): 1 error(s)" in swapped.output


def test_html_review_page(tmp_path: Path) -> None:
    old = without_spur(copy_design(REFERENCE, tmp_path / "old"))
    page = tmp_path / "review.html"
    result = runner.invoke(app, [*diff_args(old, REFERENCE), "--html", str(page)])
    assert result.exit_code == 1
    text = page.read_text(encoding="utf-8")
    assert "adds a weak spot or a policy violation" in text
    assert f"link {SPUR_LINK}" in text
    assert "+sysname dg-huangjiang" in text  # the new device's whole config, as added lines


def test_a_wave_done_raises_ipv6_coverage_and_changes_its_sites_configs(tmp_path: Path) -> None:
    new = copy_design(REFERENCE, tmp_path / "new")
    replace_in(
        new / "ipv6/waves.yaml",
        "    due: 2026-09-30\n",
        "    due: 2026-09-30\n    done: 2026-10-15\n",
    )
    change = diff_designs(load_design(REFERENCE), load_design(new), as_of=date(2026, 12, 1))
    [wave] = change.model
    assert (wave.kind, wave.name, wave.change) == ("wave", "W4-shuixiang-east-dual", "changed")
    assert [(f.field, f.old, f.new) for f in wave.fields] == [("done", None, "2026-10-15")]
    assert change.ipv6.new_dual_or_better > change.ipv6.old_dual_or_better
    assert {new for _, _, new in change.ipv6.devices} == {"dual"}
    assert "dg-gaobu" in {device for device, _, _ in change.ipv6.devices}
    assert "dg-gaobu" in change.configs.devices
    assert change.weak_spots == () and not change.gates
