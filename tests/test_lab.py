"""The network-namespace lab: the plan (pure, always) and one live bring-up (root, FRR,
GOVNET_LAB=1)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from govnet.design import Design
from govnet.labs.netns import (
    NS_MAX,
    LabPlan,
    core_and_rings,
    down,
    lab_plan,
    namespace_exists,
    status,
    up,
    wait_converged,
)
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph

RINGS = ["R1", "R3"]


def plan_and_configs(design: Design) -> tuple[LabPlan, dict[str, str]]:
    graph = build_graph(design)
    scope = core_and_rings(design, RINGS)
    configs = {
        c.hostname: c.text
        for c in render_design(design, graph, sorted(scope), lab=True)
        if c.path.parts[0] == "lab"
    }
    return lab_plan(design, graph, scope), configs


def config_interfaces(text: str) -> dict[str, str]:
    """ethN -> its description in a rendered FRR config."""
    found = re.findall(r"^interface (eth\d+)\n description (.*)$", text, re.MULTILINE)
    return dict(found)


def test_scope_is_cores_and_ring_members(reference: Design) -> None:
    scope = core_and_rings(reference, RINGS)
    assert {"dg-mc-01", "dg-mc-02", "dg-agg-central", "dg-agg-binhai"} <= scope
    assert 12 <= len(scope) <= 16


def test_namespace_names_short_and_unique(reference: Design) -> None:
    plan, _ = plan_and_configs(reference)
    names = [r.namespace for r in plan.routers.values()]
    assert len(set(names)) == len(names)
    assert all(len(n) <= NS_MAX for n in names)


def test_interfaces_unique_per_namespace(reference: Design) -> None:
    plan, _ = plan_and_configs(reference)
    for device in plan.routers:
        names = plan.lab_interfaces(device)
        assert len(names) == len(set(names)), device
        assert names, device


def test_veths_match_rendered_configs(reference: Design) -> None:
    plan, configs = plan_and_configs(reference)
    for veth in plan.veths:
        a_ifs, b_ifs = config_interfaces(configs[veth.a]), config_interfaces(configs[veth.b])
        assert a_ifs[veth.a_if].startswith(f"to {veth.b} "), veth
        assert b_ifs[veth.b_if].startswith(f"to {veth.a} "), veth
    # every ethN of a config that faces a router of the lab gets a veth
    for device, text in configs.items():
        facing = {
            name
            for name, description in config_interfaces(text).items()
            if description.split()[1] in plan.routers
        }
        assert facing == set(plan.lab_interfaces(device)), device


def live_lab_possible() -> bool:
    return (
        os.geteuid() == 0
        and shutil.which("vtysh") is not None
        and os.environ.get("GOVNET_LAB") == "1"
    )


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, vtysh and GOVNET_LAB=1")
def test_live_lab_converges(reference: Design, tmp_path: Path) -> None:
    plan, configs = plan_and_configs(reference)
    state_file = tmp_path / "lab.json"
    namespaces = [r.namespace for r in plan.routers.values()]
    try:
        state = up(plan, configs, state_file)
        seconds = wait_converged(state, timeout=90)
        print(f"converged in {seconds:.1f} s")
        report = status(state_file)
        assert len(report) == len(plan.routers)
        assert all(r.healthy for r in report), [r for r in report if not r.healthy]
    finally:
        down(state_file)
    assert not any(namespace_exists(ns) for ns in namespaces)
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert not any(ns in listed.stdout for ns in namespaces)
    assert not state_file.exists()
