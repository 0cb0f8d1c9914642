"""IPv6 migration: waves decide site states, states drive the configs, coverage follows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import load_design
from govnet.ipv6.coverage import coverage
from govnet.ipv6.progress import progress, read_history, snapshot, write_snapshot
from govnet.ipv6.state import site_states
from govnet.templates.build import build_intents
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, json_result, replace_in

runner = CliRunner()
W4_TOWNS = ["gaobu", "shijie", "zhongtang", "mayong", "wangniudun", "hongmei", "daojiao", "dongkeng", "changping", "qishi", "qiaotou", "xiegang"]  # fmt: skip


def test_states_follow_the_completed_waves(reference) -> None:  # type: ignore[no-untyped-def]
    states = site_states(reference.waves, reference.sites)
    assert states["nancheng"] == "v6-only"  # W1 dual, then W3 v6-only
    assert states["humen"] == "dual"  # W2, done late
    assert states["gaobu"] == "v4-only"  # W4 is late, not done
    assert states["bureau-gaj"] == "dual"  # W6 (v6-only) is only planned
    before = site_states(reference.waves, reference.sites, as_of=date(2025, 12, 31))
    assert before["humen"] == "v4-only" and before["nancheng"] == "dual"


def lan(config: str, interface: str) -> str:
    start = config.index(f"interface {interface}\n")
    return config[start : config.index("#", start)]


def test_state_drives_the_user_facing_interfaces(reference) -> None:  # type: ignore[no-untyped-def]
    intents = build_intents(reference, build_graph(reference))
    by_name = {i.name: i for i in intents["dg-nancheng"].interfaces}
    v6only = by_name["GE3/1/0.301"]
    assert v6only.user_facing and v6only.vrf == "GA-VIDEO" and v6only.vlan == 301
    assert v6only.ipv4 is None and v6only.ipv6 is not None and v6only.ipv6.endswith("::1/64")
    dual = {i.name: i for i in intents["dg-humen"].interfaces}["GE3/1/0.301"]
    assert dual.ipv4 is not None and dual.ipv4.endswith(".1/24") and dual.ipv6 is not None
    legacy = {i.name: i for i in intents["dg-gaobu"].interfaces}["GE3/1/0.301"]
    assert legacy.ipv4 is not None and legacy.ipv6 is None
    # backbone links stay dual-stack whatever the site's state
    assert all(i.ipv4 and i.ipv6 for i in intents["dg-nancheng"].interfaces if i.kind == "ring")


def test_moving_a_wave_forward_changes_configs_and_coverage_consistently(design_dir: Path) -> None:
    before = load_design(design_dir)
    graph = build_graph(before)
    old_configs = {c.hostname: c.text for c in render_design(before, graph)}
    old = coverage(before, build_intents(before, graph))
    replace_in(
        design_dir / "ipv6/waves.yaml",
        "    due: 2026-09-30\n",
        "    due: 2026-09-30\n    done: 2026-11-20\n",
    )
    after = load_design(design_dir)
    new_configs = {c.hostname: c.text for c in render_design(after, build_graph(after))}
    new = coverage(after, build_intents(after, build_graph(after)))
    changed = {h for h in new_configs if new_configs[h] != old_configs[h]}
    assert changed == {f"dg-{t}" for t in W4_TOWNS}
    for town in W4_TOWNS:
        block = lan(new_configs[f"dg-{town}"], "GE3/1/0.301")
        assert "ipv6 address" in block and "ip address" in block, town
        assert "ipv6 address" not in lan(old_configs[f"dg-{town}"], "GE3/1/0.301"), town
    moved = [r for r in old.interfaces if r.user_facing and r.site in W4_TOWNS]
    assert moved and all(r.status == "v4-only" for r in moved)
    assert new.user_facing.dual == old.user_facing.dual + len(moved)
    assert new.user_facing.v4_only == old.user_facing.v4_only - len(moved)
    assert new.user_facing.v6_only == old.user_facing.v6_only
    assert new.disagreements == [] and old.disagreements == []


def test_progress_and_milestones(reference) -> None:  # type: ignore[no-untyped-def]
    today = date(2026, 11, 21)
    current = coverage(
        reference, build_intents(reference, build_graph(reference), as_of=today), as_of=today
    )
    result = progress(reference, current, today, read_history(REFERENCE))
    status = {w.name: (w.status, w.days_late) for w in result.waves}
    assert status["W1-centre-dual"] == ("done", 0)
    assert status["W2-songshanhu-binhai-dual"] == ("done late", 22)
    assert status["W4-shuixiang-east-dual"] == ("late", 52)
    assert status["W5-southeast-dual"] == ("planned", 0)
    share = current.user_facing
    assert result.ipv6_only == share.v6_only / share.total
    assert [m.date for m in result.milestones] == [
        date(2025, 12, 31),
        date(2026, 12, 31),
        date(2027, 12, 31),
        date(2028, 12, 31),
    ]
    upcoming = result.milestones[1]
    assert upcoming.target == 0.20 and upcoming.actual == result.ipv6_only and upcoming.met is None


def test_snapshots_make_the_history(design_dir: Path) -> None:
    design = load_design(design_dir)
    graph = build_graph(design)
    for when in (date(2025, 7, 1), date(2026, 2, 1)):
        current = coverage(design, build_intents(design, graph, as_of=when), as_of=when)
        write_snapshot(design_dir, snapshot(design, current, when))
    history = read_history(design_dir)
    dates = [s.date for s in history]
    assert date(2025, 7, 1) in dates and date(2026, 2, 1) in dates
    july, february = (
        next(s for s in history if s.date == d) for d in (date(2025, 7, 1), date(2026, 2, 1))
    )
    assert july.waves_done == ["W1-centre-dual"]
    assert february.waves_done == ["W1-centre-dual", "W2-songshanhu-binhai-dual"]
    assert february.user_facing.dual > july.user_facing.dual
    assert july.sites["humen"] == "v4-only" and february.sites["humen"] == "dual"


def test_reference_ships_at_least_three_snapshots() -> None:
    history = read_history(REFERENCE)
    assert len(history) >= 3
    shares = [s.user_facing.dual_or_better for s in history]
    assert shares == sorted(shares) and shares[0] < shares[-1]


def test_cli() -> None:
    result = runner.invoke(
        app, ["ipv6", "progress", "--design", str(REFERENCE), "--as-of", "2026-11-21"]
    )
    assert result.exit_code == 0, result.output
    assert "IPv6-only" in result.output and "W4-shuixia" in result.output
    args = ["ipv6", "progress", "--design", str(REFERENCE), "--as-of", "2026-11-21", "--json"]
    waves = json_result(runner.invoke(app, args).stdout)["waves"]
    w4 = next(w for w in waves if w["name"] == "W4-shuixiang-east-dual")
    assert (w4["status"], w4["days_late"]) == ("late", 52)
    cov = runner.invoke(app, ["ipv6", "coverage", "--design", str(REFERENCE), "--json"])
    assert cov.exit_code == 0
    payload = json_result(cov.stdout)
    assert set(payload["by_district"]) == {
        "binhai",
        "central",
        "east",
        "shuixiang",
        "songshanhu",
        "southeast",
    }
    assert {s["name"] for s in payload["services"] if not s["ready"]} == {
        "health",
        "market",
        "education",
    }
    bad = runner.invoke(
        app, ["ipv6", "progress", "--design", str(REFERENCE), "--as-of", "tomorrow"]
    )
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_ipv6_report(tmp_path: Path) -> None:
    out = tmp_path / "ipv6"
    args = [
        "ipv6",
        "report",
        "--design",
        str(REFERENCE),
        "--out",
        str(out),
        "--as-of",
        "2026-11-21",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    for chart in ("coverage.png", "burndown.png", "utilisation.png"):
        data = (out / chart).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, chart
        assert f'src="{chart}"' in page
    assert "W4-shuixiang-east-dual" in page and "late (52 days)" in page
    assert "11.2% IPv6-only" in page
