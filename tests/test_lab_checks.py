"""Lab verification without a lab: FRR's JSON read into the shared records, the intent limited
to the lab, and the outage measure of a failover against brute force."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govnet.design import Design
from govnet.inventory.verification import (
    Adjacency,
    check_bgp_sessions,
    check_isis_adjacencies,
    check_loopback_routes,
    check_srv6_locator,
)
from govnet.labs import frr_daemons
from govnet.labs.faults import longest_gap, spf_quiet
from govnet.labs.frr_connection import CONNECTION_NAME, ManagementPath
from govnet.labs.frr_daemons import Revival
from govnet.labs.netns import (
    LabState,
    RouterStatus,
    core_and_rings,
    lab_plan,
    management_paths,
    route_prefixes,
)
from govnet.labs.nornir_lab import (
    FRR_FAMILIES,
    frr_adjacencies,
    frr_locators,
    frr_sessions,
    in_lab,
    isis_routed,
    lab_nornir,
)
from govnet.templates.build import build_intents
from govnet.topology.graph import build_graph
from tests.conftest import json_result

# as FRR 8.4 prints them (captured from the lab, trimmed)
ISIS_NEIGHBORS: dict[str, Any] = {
    "areas": [
        {
            "area": "GOVNET",
            "circuits": [
                {"circuit": 0},
                {"circuit": 0, "adj": "dg-changan", "interface": "eth1", "level": 2, "state": "Up"},
                {
                    "circuit": 0,
                    "adj": "dg-shatian",
                    "interface": "eth2",
                    "level": 2,
                    "state": "Initializing",
                },
            ],
        }
    ]
}
FRR_KEYS = {v: k for k, v in FRR_FAMILIES.items()}
LOCATORS = {"locators": [{"name": "GOVNET", "prefix": "5f00:0:769:1a::/64", "statusUp": True}]}


def test_frr_json_becomes_the_shared_records() -> None:
    assert frr_adjacencies(ISIS_NEIGHBORS) == [
        Adjacency(interface="eth1", neighbor="dg-changan", up=True),
        Adjacency(interface="eth2", neighbor="dg-shatian", up=False),
    ]
    summary = {
        "ipv4Vpn": {"peers": {"10.200.0.44": {"state": "Established", "pfxRcd": 7}}},
        "ipv6Vpn": {"peers": {"10.200.0.44": {"state": "Active"}}},
        "ipv4Unicast": "not a table",
    }
    sessions = {(s.address, s.family): (s.up, s.received) for s in frr_sessions(summary)}
    assert sessions == {("10.200.0.44", "vpnv4"): (True, 7), ("10.200.0.44", "vpnv6"): (False, 0)}
    (locator,) = frr_locators(LOCATORS)
    assert (locator.name, locator.prefix, locator.up) == ("GOVNET", "5f00:0:769:1a::/64", True)


def lab_intent(reference: Design, device: str) -> Any:
    graph = build_graph(reference)
    scope = core_and_rings(reference, ["R1", "R3"])
    intents = build_intents(reference, graph, sorted(scope), lab=True)
    loopbacks = {
        name: (i.interfaces[0].ipv4.split("/")[0], i.interfaces[0].ipv6.split("/")[0])  # type: ignore[union-attr]
        for name, i in intents.items()
        if i.isis is not None
    }
    return in_lab(intents[device], scope, loopbacks), loopbacks


def test_in_lab_keeps_only_links_and_sessions_inside_the_lab(reference: Design) -> None:
    rr, loopbacks = lab_intent(reference, "dg-mc-01")
    peers = {i.peer for i in rr.interfaces if i.peer}
    assert peers and peers <= set(core_and_rings(reference, ["R1", "R3"]))
    addresses = {n.address for n in rr.bgp.neighbors}
    lab_addresses = {a for pair in loopbacks.values() for a in pair} - set(loopbacks["dg-mc-01"])
    assert addresses == lab_addresses  # the RR expects exactly its clients in the lab


def test_a_town_judged_on_what_frr_reports(reference: Design) -> None:
    humen, loopbacks = lab_intent(reference, "dg-humen")
    expected = {i.name: i.peer for i in humen.interfaces if i.isis and not i.isis.passive}
    good = {
        "areas": [
            {
                "circuits": [
                    {"adj": peer, "interface": name, "state": "Up"}
                    for name, peer in expected.items()
                ]
            }
        ]
    }
    assert check_isis_adjacencies(humen, frr_adjacencies(good)).status == "ok"
    one_down = {"areas": [{"circuits": good["areas"][0]["circuits"][:1]}]}
    failed = check_isis_adjacencies(humen, frr_adjacencies(one_down))
    assert failed.status == "failed" and "no adjacency" in failed.detail
    summary: dict[str, Any] = {}
    for n in humen.bgp.neighbors:
        for family in n.families:
            peers = summary.setdefault(FRR_KEYS[family], {"peers": {}})["peers"]
            peers[n.address] = {"state": "Established"}
    assert check_bgp_sessions(humen, frr_sessions(summary)).status == "ok"
    first = humen.bgp.neighbors[0]
    summary[FRR_KEYS[first.families[0]]]["peers"][first.address] = {"state": "Connect"}
    down = check_bgp_sessions(humen, frr_sessions(summary))
    assert down.status == "failed" and f"{first.address} {first.families[0]} down" in down.detail
    wrong = {"locators": [{"name": "GOVNET", "prefix": "5f00:0:769:99::/64", "statusUp": True}]}
    assert check_srv6_locator(humen, frr_locators(wrong)).status == "failed"
    routes_v4 = {
        f"{v4}/32": [{"selected": True, "protocol": "isis"}] for v4, _ in loopbacks.values()
    }
    routes_v6 = {
        f"{v6}/128": [{"selected": True, "protocol": "isis"}] for _, v6 in loopbacks.values()
    }
    routed = isis_routed("dg-humen", routes_v4, routes_v6, loopbacks)
    assert check_loopback_routes("dg-humen", routed, loopbacks).status == "ok"
    missing_one = dict(routes_v6)
    missing_one.pop(f"{loopbacks['dg-mc-02'][1]}/128")
    routed = isis_routed("dg-humen", routes_v4, missing_one, loopbacks)
    check = check_loopback_routes("dg-humen", routed, loopbacks)
    assert check.status == "failed" and loopbacks["dg-mc-02"][1] in check.detail


def brute_force_gap(received: set[int], sent: int) -> int:
    best = 0
    for start in range(1, sent + 1):
        for end in range(start, sent + 1):
            if all(seq not in received for seq in range(start, end + 1)):
                best = max(best, end - start + 1)
    return best


@given(
    st.integers(min_value=0, max_value=40).flatmap(
        lambda n: st.tuples(st.just(n), st.sets(st.integers(min_value=1, max_value=max(n, 1))))
    )
)
def test_longest_gap_matches_brute_force(case: tuple[int, set[int]]) -> None:
    sent, received = case
    received = {s for s in received if s <= sent}
    assert longest_gap(received, sent) == brute_force_gap(received, sent)


def test_kernel_routes_read_as_prefixes() -> None:
    """iproute2 prints host routes without their length; other prefixes keep theirs."""
    v4 = [
        {"dst": "10.200.0.28", "gateway": "10.201.0.39", "dev": "eth16", "metric": 20},
        {"dst": "10.201.0.142/31", "gateway": "10.201.0.39", "dev": "eth16", "metric": 20},
        {"type": "unreachable"},
    ]
    v6 = [{"dst": "2001:db8:7ff::1c", "dev": "eth16"}, {"dst": "5f00:0:769:18::/64"}]
    assert route_prefixes(v4, 32) == {"10.200.0.28/32", "10.201.0.142/31"}
    assert route_prefixes(v6, 128) == {"2001:db8:7ff::1c/128", "5f00:0:769:18::/64"}
    assert route_prefixes({"error": "x"}, 32) == set()


FRR_SPF_DELAY = """\
vrf    : default
Area GOVNET:
  Level-2:
    SPF delay status: Not scheduled
    Using draft-ietf-rtgwg-backoff-algo-04
    Current state:     {state}
    Init timer:        50 msec
"""


def test_spf_back_off_quiet_only_when_every_level_is() -> None:
    assert spf_quiet(FRR_SPF_DELAY.format(state="QUIET"))
    assert not spf_quiet(FRR_SPF_DELAY.format(state="SHORT_WAIT"))
    assert not spf_quiet(FRR_SPF_DELAY.format(state="LONG_WAIT"))
    scheduled = FRR_SPF_DELAY.format(state="QUIET").replace("Not scheduled", "Scheduled")
    assert not spf_quiet(scheduled)
    assert not spf_quiet("% IS-IS is not running\n")


# --- the management path and the daemons' health, without a lab


def test_the_management_station_is_the_first_metro_core(reference: Design) -> None:
    graph = build_graph(reference)
    plan = lab_plan(reference, graph, core_and_rings(reference, ["R3"]))
    assert plan.vantage == "dg-mc-01"
    towns = {"dg-changan", "dg-humen", "dg-shatian"}
    assert lab_plan(reference, graph, towns).vantage == "dg-changan"  # no core: first router


def test_every_router_is_managed_from_the_vantage_loopback(tmp_path: Path) -> None:
    state = LabState(
        tmp_path / "state.json",
        routers={"dg-mc-01": "gn-1", "dg-humen": "gn-2", "dg-ce": "gn-3"},
        loopbacks={"dg-mc-01": ("10.200.0.44", "::44"), "dg-humen": ("10.200.0.51", "::51")},
        vantage="dg-mc-01",
    )
    state.save()
    assert LabState.load(state.path).vantage == "dg-mc-01"
    paths = management_paths(state, timeout=2)
    assert sorted(paths) == ["dg-humen", "dg-mc-01"]  # a CE has no loopback in the backbone
    assert paths["dg-humen"] == ManagementPath(
        vantage="dg-mc-01",
        vantage_namespace="gn-1",
        source="10.200.0.44",
        address="10.200.0.51",
        timeout=2,
    )
    nornir = lab_nornir(state.routers, management=paths)
    options = nornir.inventory.hosts["dg-humen"].connection_options[CONNECTION_NAME]
    assert ManagementPath.from_extras(options.extras) == paths["dg-humen"]
    assert nornir.inventory.hosts["dg-ce"].connection_options == {}
    assert lab_nornir(state.routers).inventory.hosts["dg-humen"].connection_options == {}
    assert management_paths(LabState(tmp_path / "x.json", vantage="")) == {}


def test_a_daemon_is_alive_only_as_a_live_frr_process_of_its_pathspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frr_daemons, "FRR_RUN", tmp_path)
    (tmp_path / "gn-1").mkdir()
    (tmp_path / "gn-1" / "zebra.pid").write_text(f"{os.getpid()}\n")  # alive, but not FRR
    (tmp_path / "gn-1" / "isisd.pid").write_text("not a pid\n")
    found = frr_daemons.live_daemons("gn-1")
    assert found == dict.fromkeys((*frr_daemons.DAEMONS, frr_daemons.SUPERVISOR))
    assert frr_daemons.dead_daemons("gn-1") == [*frr_daemons.DAEMONS, "watchfrr"]
    status = RouterStatus("dg-humen", "gn-1", True, {"zebra": 41, "isisd": None})
    assert status.dead == ["isisd"] and not status.healthy
    assert status.daemons == {"zebra": True, "isisd": False}
    assert RouterStatus("dg-humen", "gn-1", True, {"zebra": 41}).healthy
    assert not RouterStatus("dg-humen", "gn-1", False, {"zebra": 41}).healthy
    assert Revival(("zebra", "isisd"), "watchfrr", 6.54).describe() == (
        "zebra, isisd down: restarted by watchfrr in 6.5 s"
    )


def test_lab_status_says_which_router_is_gone(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from govnet.cli import app

    state = LabState(tmp_path / "state.json", routers={"dg-humen": "gn-00000000"})
    state.save()
    result = CliRunner().invoke(app, ["lab", "status", "--state", str(state.path), "--json"])
    assert result.exit_code == 1
    (router,) = json_result(result.stdout)
    assert router == {
        "device": "dg-humen",
        "namespace": "gn-00000000",
        "healthy": False,
        "daemons": {},
        "pids": {},
    }
