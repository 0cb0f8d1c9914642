"""The bureau CEs' in-band management path in the lab: the plan and the probes (pure, always),
and the live proof (marker `lab`): the NOC reaches every CE of the scope across its PEs, and a
change that breaks a CE's path is rolled back (on the PE) or reverted (on the CE)."""

from __future__ import annotations

import ipaddress
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design, load_design, reference_design_path
from govnet.inventory.push_report import HostPush
from govnet.inventory.rollout import Rollout
from govnet.labs.ce_management import CHECK_NAME, check_ce_management, probe_all, served_ces
from govnet.labs.frr_connection import FrrNamespaceDevice, ManagementPath, config_lines, probe
from govnet.labs.netns import (
    LabError,
    LabState,
    core_and_rings,
    down,
    lab_plan,
    management_paths,
    namespace_name,
    unmanaged,
)
from govnet.labs.nornir_lab import lab_nornir, lab_push, lab_verifier
from govnet.labs.workflow import BringUp, bring_up, lab_configs, lab_intents
from govnet.templates.build import build_intents
from govnet.topology.graph import build_graph
from tests.conftest import json_result
from tests.test_lab import live_lab_possible

SINGLE_HOMED, DUAL_HOMED = "dg-ce-czj", "dg-ce-gaj"  # on dg-agg-central; gaj also on dg-mc-01
PE, SECOND_PE = "dg-agg-central", "dg-mc-01"
SCOPE = ["R3", SINGLE_HOMED, DUAL_HOMED]
NOC = "10.199.0.21"  # dg-mc-01's inventory address: the vantage's


# --- the plan and the probes (pure)


def test_scope_takes_devices_besides_rings(reference: Design) -> None:
    scope = core_and_rings(reference, SCOPE)
    assert scope == core_and_rings(reference, ["R3"]) | {SINGLE_HOMED, DUAL_HOMED}
    with pytest.raises(LabError, match="no such ring or device: R99, dg-nowhere"):
        core_and_rings(reference, ["R3", "R99", "dg-nowhere"])


def test_plan_gives_ces_their_management_address_and_the_noc_an_address(
    reference: Design,
) -> None:
    plan = lab_plan(reference, build_graph(reference), core_and_rings(reference, SCOPE))
    ces = {n: r for n, r in plan.routers.items() if r.management_address}
    assert {n: r.management_address for n, r in ces.items()} == {
        SINGLE_HOMED: "10.199.3.12",
        DUAL_HOMED: "10.199.3.11",
    }
    assert not any(r.igp for r in ces.values())
    assert plan.vantage == "dg-mc-01" and plan.noc_address == NOC
    management = [ipaddress.ip_network(p) for p in reference.network.management]
    assert any(ipaddress.ip_address(plan.noc_address) in prefix for prefix in management)


def hand_made_state(tmp_path: Path, noc: str = NOC) -> LabState:
    return LabState(
        tmp_path / "state.json",
        routers={"mc": "gn-mc", "pe": "gn-pe", "ce": "gn-ce"},
        loopbacks={"mc": ("10.200.0.1", "2001:db8::1"), "pe": ("10.200.0.2", "2001:db8::2")},
        vantage="mc",
        noc_address=noc,
        management={"ce": "10.199.3.11"},
    )


def test_management_paths_reach_ces_from_the_noc_address(tmp_path: Path) -> None:
    paths = management_paths(hand_made_state(tmp_path), timeout=2.0)
    assert paths == {
        "ce": ManagementPath("mc", "gn-mc", NOC, "10.199.3.11", 2.0),
        "mc": ManagementPath("mc", "gn-mc", "10.200.0.1", "10.200.0.1", 2.0),
        "pe": ManagementPath("mc", "gn-mc", "10.200.0.1", "10.200.0.2", 2.0),
    }
    # without a NOC address a CE has no path to probe (it routes only the management prefixes)
    assert "ce" not in management_paths(hand_made_state(tmp_path, noc=""))


def test_state_file_keeps_the_noc_and_the_ces(tmp_path: Path) -> None:
    state = hand_made_state(tmp_path)
    state.save()
    loaded = LabState.load(state.path)
    assert (loaded.noc_address, loaded.management) == (NOC, {"ce": "10.199.3.11"})


def test_a_pe_serves_the_ces_it_routes_to(reference: Design) -> None:
    graph = build_graph(reference)
    names = [PE, SECOND_PE, "dg-mc-02", SINGLE_HOMED, DUAL_HOMED]
    intents = build_intents(reference, graph, names, lab=True)
    paths = {
        ce: ManagementPath("dg-mc-01", "gn-x", NOC, address)
        for ce, address in ((SINGLE_HOMED, "10.199.3.12"), (DUAL_HOMED, "10.199.3.11"))
    }
    assert sorted(served_ces(intents[PE], paths)) == [SINGLE_HOMED, DUAL_HOMED]
    assert sorted(served_ces(intents[SECOND_PE], paths)) == [DUAL_HOMED]
    assert served_ces(intents["dg-mc-02"], paths) == {}
    assert served_ces(intents[SINGLE_HOMED], paths) == {}


def test_ce_management_check_names_the_silent_ces() -> None:
    paths = {
        "ce-a": ManagementPath("mc", "gn-mc", NOC, "10.199.3.11"),
        "ce-b": ManagementPath("mc", "gn-mc", NOC, "10.199.3.12"),
    }
    reached = probe_all(paths, prober=lambda path: path.address.endswith(".11"))
    assert reached == {"ce-a": True, "ce-b": False}
    failed = check_ce_management(reached, paths)
    assert failed.status == "failed" and failed.subjects == ("ce-b",)
    assert failed.detail == f"ce-b (10.199.3.12) does not answer from {NOC}"
    ok = check_ce_management({"ce-a": True}, paths)
    assert (ok.status, ok.detail, ok.subjects) == ("ok", "1 CEs answer the NOC", ())
    assert probe_all({}) == {}


# --- live: cores + R3 + two bureau CEs (10 routers)

LAB = pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")


@dataclass
class Live:
    design: Design
    graph: nx.MultiGraph
    state: LabState
    report: BringUp

    def push(self, device: str, config: str, timeout: int = 60) -> HostPush:
        """What `lab push --commit` does for one router: management paths on every
        connection, the PE's CE checks in its verification, confirm or roll back."""
        intents = lab_intents(self.design, self.graph, self.state)
        paths = management_paths(self.state)
        verify = lab_verifier(intents[device], self.state.loopbacks, 8, management=paths)
        nornir = lab_nornir({device: self.state.routers[device]}, management=paths)
        rollout = Rollout(confirm_timeout=timeout, settle=8)
        roles = {device: str(self.design.hosts[device].role)}
        report = lab_push(nornir, {device: config}, True, {device: verify}, None, rollout, roles)
        (host,) = report.hosts
        return host

    def rendered(self, device: str) -> str:
        return lab_configs(self.design, self.graph, [device])[device]

    def runs_rendered(self, device: str) -> bool:
        running = FrrNamespaceDevice(self.state.routers[device]).running_config()
        return config_lines(running) == config_lines(self.rendered(device))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    design = load_design(reference_design_path())
    graph = build_graph(design)
    scope = core_and_rings(design, SCOPE)
    state_file = tmp_path_factory.mktemp("lab") / "state.json"
    report = bring_up(design, graph, scope, state_file, timeout=90)
    try:
        yield Live(design, graph, LabState.load(state_file), report)
    finally:
        down(state_file)
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert not any(namespace_name(name) in listed.stdout for name in scope)


def without(text: str, line: str) -> str:
    assert text.count(line + "\n") == 1, line
    return text.replace(line + "\n", "")


@pytest.mark.lab
@LAB
def test_lab_verify_reaches_every_ce_from_the_noc(lab: Live) -> None:
    assert lab.report.routers == 10 and lab.report.failed == []
    result = CliRunner().invoke(app, ["lab", "verify", "--state", str(lab.state.path), "--json"])
    assert result.exit_code == 0, result.output
    verdicts = json_result(result.stdout)
    assert {SINGLE_HOMED, DUAL_HOMED} <= set(verdicts)
    pe_checks = {c["name"]: c for c in verdicts[PE]["checks"]}
    assert pe_checks[CHECK_NAME] == {
        "name": CHECK_NAME,
        "status": "ok",
        "detail": "2 CEs answer the NOC",
        "subjects": [],
    }
    assert {c["name"]: c["status"] for c in verdicts[SECOND_PE]["checks"]}[CHECK_NAME] == "ok"
    paths = management_paths(lab.state)
    assert (paths[SINGLE_HOMED].source, paths[SINGLE_HOMED].address) == (NOC, "10.199.3.12")
    assert probe(paths[SINGLE_HOMED]) and probe(paths[DUAL_HOMED])
    # why the NOC speaks from a management address: the CE routes only those back
    loopback = lab.state.loopbacks[lab.state.vantage][0]
    assert not probe(replace(paths[SINGLE_HOMED], source=loopback, timeout=1.0))


@pytest.mark.lab
@LAB
@pytest.mark.parametrize(
    "dropped",
    [
        "ip route 10.199.3.12/32 10.201.0.9 eth1",
        " redistribute ipv4 static level-2 route-map GOVNET-CE-MGMT",
    ],
    ids=["host route", "isis import"],
)
def test_a_pe_change_that_silences_a_ce_is_rolled_back(lab: Live, dropped: str) -> None:
    """dg-agg-central without the single-homed CE's host route, or without the import of its
    CE host routes into IS-IS: that CE goes silent and the PE is rolled back; the dual-homed
    one still answers through dg-mc-01, so it is not named."""
    host = lab.push(PE, without(lab.rendered(PE), dropped))
    assert host.status == "rolled back", host
    assert host.verification is not None
    (failed,) = [c for c in host.verification.checks if c.status == "failed"]
    assert (failed.name, failed.subjects) == (CHECK_NAME, (SINGLE_HOMED,)), failed
    assert lab.runs_rendered(PE)
    assert unmanaged(lab.state) == []


@pytest.mark.lab
@LAB
def test_a_ce_dropping_its_route_back_is_reverted_by_its_own_timer(lab: Live) -> None:
    """The CE's own change cuts its path: the fresh connection finds it down, nothing more is
    sent, and its confirm timer puts the config back."""
    broken = without(lab.rendered(SINGLE_HOMED), "ip route 10.199.0.0/16 10.201.0.8 eth1")
    clock = time.monotonic()
    host = lab.push(SINGLE_HOMED, broken, timeout=8)
    print(f"{host.status}: {host.reason} ({time.monotonic() - clock:.0f} s)")
    assert host.status == "reverted", host
    assert "management path down" in host.reason and "confirm timer" in host.reason
    events = FrrNamespaceDevice(lab.state.routers[SINGLE_HOMED]).events()
    assert [e["event"] for e in events[-2:]] == ["commit", "revert"], events
    assert lab.runs_rendered(SINGLE_HOMED)
    assert unmanaged(lab.state) == []
