"""The network-namespace lab: the plan (pure, always) and the live suite (marker `lab`: root,
FRR, nftables and ping; it runs in `make test` whenever they are present, GOVNET_LAB=0 skips)."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest
from nornir.core import Nornir
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design, load_design, reference_design_path
from govnet.inventory.push_report import PushReport
from govnet.inventory.rollout import Rollout
from govnet.inventory.verification import Adjacency, VerifyResult, failed_hosts
from govnet.labs.faults import cut, failover, restore, routes_over
from govnet.labs.frr_connection import FRR_RELOAD, FrrNamespaceDevice, config_lines, probe
from govnet.labs.frr_daemons import (
    DAEMONS,
    cmdline,
    is_timer,
    live_daemons,
    restarting,
    revive,
    uts_handle,
)
from govnet.labs.netns import (
    NS_MAX,
    LabPlan,
    LabState,
    Veth,
    core_and_rings,
    down,
    lab_plan,
    management_paths,
    namespace_name,
    status,
    vtysh_json,
    wait_converged,
)
from govnet.labs.nornir_lab import (
    frr_adjacencies,
    lab_nornir,
    lab_push,
    lab_verifier,
    lab_verify,
)
from govnet.labs.srv6 import steer
from govnet.labs.workflow import BringUp, bring_up, lab_configs, lab_intents
from govnet.templates.intent import DeviceIntent, VpnRoute
from govnet.topology.graph import build_graph
from tests.conftest import json_result

RINGS = ["R1", "R3"]


def plan_and_configs(design: Design) -> tuple[LabPlan, dict[str, str]]:
    graph = build_graph(design)
    scope = core_and_rings(design, RINGS)
    return lab_plan(design, graph, scope), lab_configs(design, graph, sorted(scope))


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
    """Root, FRR, nftables and ping present (CI installs them), unless GOVNET_LAB=0."""
    tools = ("vtysh", "nft", "ping", "nsenter")
    return (
        os.geteuid() == 0
        and all(shutil.which(tool) for tool in tools)
        and Path(FRR_RELOAD).exists()
        and os.environ.get("GOVNET_LAB") != "0"
    )


@dataclass
class Live:
    design: Design
    graph: nx.MultiGraph
    state: LabState
    report: BringUp
    namespaces: list[str]

    def nornir(self) -> Nornir:
        return lab_nornir(self.state.routers)

    def intents(self) -> dict[str, DeviceIntent]:
        return lab_intents(self.design, self.graph, self.state)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The metro cores plus rings R1 and R3 (12 routers), up for the whole module."""
    design = load_design(reference_design_path())
    graph = build_graph(design)
    scope = core_and_rings(design, RINGS)
    state_file = tmp_path_factory.mktemp("lab") / "state.json"
    namespaces = [namespace_name(name) for name in scope]
    report = bring_up(design, graph, scope, state_file, timeout=90)
    try:
        yield Live(design, graph, LabState.load(state_file), report, namespaces)
    finally:
        down(state_file)
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert not any(ns in listed.stdout for ns in namespaces)
    assert not any(uts_handle(ns).exists() for ns in namespaces)
    assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and any(
        is_timer(int(p.name), ns) for ns in namespaces)]  # fmt: skip
    assert not state_file.exists()


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_small_lab_comes_up_converges_and_verifies(lab: Live) -> None:
    report = lab.report
    print(
        f"started {report.started_s:.1f} s, pushed {report.pushed_s:.1f} s, "
        f"converged {report.converged_s:.1f} s, verified {report.verified_s:.1f} s"
    )
    assert report.routers == 12
    assert report.push is not None and {h.status for h in report.push.hosts} == {"committed"}
    assert report.failed == []
    checks = {
        (host, check.name): check.status
        for host, result in report.verification.items()
        if isinstance(result, VerifyResult)
        for check in result.checks
    }
    assert len(report.verification) == 12
    assert all(status == "ok" for status in checks.values()), checks
    # the route reflectors were checked for their sessions, the towns for their adjacencies
    assert checks[("dg-mc-01", "bgp")] == "ok" and checks[("dg-humen", "isis adjacencies")] == "ok"
    health = status(lab.state.path)
    assert len(health) == 12 and all(r.healthy for r in health)


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_vpn_routes_are_reflected_by_both_route_reflectors(lab: Live) -> None:
    """Every VPN route a PE announces is in both route reflectors' VPNv4/VPNv6 tables with its
    RD and route targets, learnt from that PE (control plane only: no VRF devices here, so
    clients without a VRF importing the targets keep none, as FRR does by default)."""
    intents = lab.intents()
    announced = [(name, r) for name, intent in intents.items() for r in intent.vpn_routes]
    assert {r.family for _, r in announced} == {"vpnv4", "vpnv6"}
    assert len({name for name, _ in announced}) >= 8
    for rr in ("dg-mc-01", "dg-mc-02"):
        # sessions are up once verify passes; the last updates may still be on their way
        eventually(lambda rr=rr: reflected(lab, rr, announced), timeout=30)


def reflected(lab: Live, rr: str, announced: list[tuple[str, VpnRoute]]) -> None:
    afi = {"vpnv4": "ipv4", "vpnv6": "ipv6"}
    ns = lab.state.routers[rr]
    tables = {
        family: vtysh_json(ns, f"show bgp {afi[family]} vpn json")["routes"]["routeDistinguishers"]
        for family in afi
    }
    detailed: set[tuple[str, str, str]] = set()
    for origin, route in announced:
        if origin == rr:
            continue
        paths = tables[route.family].get(route.rd, {}).get(route.prefix, [])
        assert paths, (rr, origin, route)
        hops = {hop["ip"] for p in paths for hop in p.get("nexthops", [])}
        assert hops & set(lab.state.loopbacks[origin]), (route, hops)
        if (origin, route.vrf, route.family) in detailed:
            continue  # targets and label: one route per PE, VRF and family
        detailed.add((origin, route.vrf, route.family))
        command = f"show bgp {afi[route.family]} vpn rd {route.rd} {route.prefix} json"
        detail = vtysh_json(ns, command)[route.rd]["paths"][0]
        targets = detail["extendedCommunity"]["string"].split()
        assert sorted(targets) == sorted(f"RT:{t}" for t in route.route_targets), route
        assert detail["remoteLabel"] == route.label


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_pushing_twice_gives_no_diff(lab: Live) -> None:
    configs = lab_configs(lab.design, lab.graph, sorted(lab.state.routers))
    report = lab_push(lab.nornir(), configs, commit=False)
    assert {h.host: h.status for h in report.hosts} == dict.fromkeys(sorted(configs), "unchanged")
    assert all(h.diff == "" for h in report.hosts)


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_every_ring_link_cut_keeps_every_loopback_reachable(lab: Live) -> None:
    rings = {k for _, _, k, data in lab.graph.edges(keys=True, data=True) if data["kind"] == "ring"}
    links = sorted(k for k in lab.state.veths if k in rings)
    assert len(links) >= 10
    for link in links:
        veth = cut(lab.state, link, "carrier")
        try:
            seconds = wait_converged_without(lab.state, veth)
            # and packets agree: each end reaches the other's loopback the long way round
            for ns, target in ((veth.a_ns, veth.b), (veth.b_ns, veth.a)):
                source_v4, source_v6 = (
                    lab.state.loopbacks[veth.a] if ns == veth.a_ns else lab.state.loopbacks[veth.b]
                )
                v4, v6 = lab.state.loopbacks[target]
                ping(ns, source_v4, v4)
                ping(ns, source_v6, v6)
            print(f"{link}: rerouted in {seconds:.1f} s")
        finally:
            restore(lab.state, link)
    wait_converged(lab.state, 60)


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_broken_isis_net_fails_verification_and_is_rolled_back(lab: Live) -> None:
    victim, neighbour = "dg-humen", "dg-shatian"
    intents = lab.intents()
    good_net = intents[victim].isis.net  # type: ignore[union-attr]
    stolen_net = intents[neighbour].isis.net  # type: ignore[union-attr]
    configs = lab_configs(lab.design, lab.graph, [victim])
    broken = configs[victim].replace(f" net {good_net}\n", f" net {stolen_net}\n")
    assert broken != configs[victim]
    verify = lab_verifier(intents[victim], lab.state.loopbacks, settle=8)
    nornir = lab_nornir({victim: lab.state.routers[victim]})
    report = lab_push(nornir, {victim: broken}, commit=True, verifiers={victim: verify})
    (host,) = report.hosts
    assert host.status == "rolled back", host
    assert f"+  net {stolen_net}" in host.diff
    assert host.verification is not None and not host.verification.ok
    failed = {c.name for c in host.verification.checks if c.status == "failed"}
    # a duplicate system ID: IS-IS cannot tell the two routers apart, routes to them go missing
    assert failed and failed <= {"isis adjacencies", "loopback routes", "isis settled"}, (
        host.verification
    )
    running = vtysh(lab.state.routers[victim], "show running-config")
    assert f" net {good_net}" in running and stolen_net not in running
    wait_converged(lab.state, 60)
    again = lab_verify(lab.nornir(), intents, lab.state.loopbacks, settle=30)
    assert failed_hosts(again) == []


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_lab_exec_and_inventory_reach_the_routers_by_device_name(lab: Live, tmp_path: Path) -> None:
    """`govnet lab exec DEVICE -- CMD` runs in that router; `lab inventory` gives a Nornir
    inventory whose frr_netns connections open (the management probe included)."""
    from nornir import InitNornir

    loopback = lab.state.loopbacks["dg-humen"][0]
    shown = subprocess.run(
        [sys.executable, "-m", "govnet.cli", "lab", "exec", "dg-humen", "--state",
         str(lab.state.path), "--", "ip", "-brief", "address", "show", "dev", "lo"],
        capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert f"{loopback}/32" in shown.stdout
    failed = subprocess.run(
        [sys.executable, "-m", "govnet.cli", "lab", "exec", "dg-humen", "--state",
         str(lab.state.path), "--", "false"],
        capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert failed.returncode == 1
    out = tmp_path / "inventory"
    result = CliRunner().invoke(
        app, ["lab", "inventory", "--out", str(out), "--state", str(lab.state.path)]
    )
    assert result.exit_code == 0, result.output
    nornir = InitNornir(
        runner={"plugin": "serial"},
        logging={"enabled": False},
        inventory={
            "plugin": "SimpleInventory",
            "options": {"host_file": str(out / "hosts.yaml")},
        },
    )
    humen = nornir.filter(name="dg-humen").inventory.hosts["dg-humen"]
    device = humen.get_connection("frr_netns", nornir.config)
    assert "hostname dg-humen" in device.running_config()
    humen.close_connections()


REFERENCE_ROOT = Path(__file__).resolve().parents[1]


def readme_nornir_example() -> str:
    """The example script of the README's "Your own Nornir scripts"."""
    text = (REFERENCE_ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- nornir-example -->\n```python\n", 1)[1]
    return block.split("\n```\n", 1)[0]


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_the_readme_nornir_example_runs_against_the_lab(lab: Live, tmp_path: Path) -> None:
    district = lab.design.hosts["dg-humen"].district
    towns = sorted(
        n for n in lab.state.routers
        if lab.design.hosts[n].role.value == "town" and lab.design.hosts[n].district == district
    )  # fmt: skip
    script = tmp_path / "towns.py"
    script.write_text(readme_nornir_example(), encoding="utf-8")
    env = {**os.environ, "GOVNET_DESIGN": str(REFERENCE_ROOT),
           "GOVNET_LAB_STATE": str(lab.state.path)}  # fmt: skip
    ran = subprocess.run(
        [sys.executable, str(script), district],
        capture_output=True, text=True, env=env, check=False, stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert towns and [line.split(":")[0] for line in lines] == towns + towns
    assert all(" config lines, checks ok" in line for line in lines[: len(towns)])
    assert all(line.endswith(", 0 lines to change") for line in lines[len(towns) :])


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_srv6_steering_is_counted_at_the_end_node(lab: Live) -> None:
    """dg-changan and dg-humen are neighbours on R1; steered through dg-houjie (the other way
    round the ring), every packet passes dg-houjie's End SID and is answered."""
    intents = lab.intents()
    steered = steer(lab.state, intents, "dg-changan", "dg-houjie", "dg-humen", count=20)
    assert steered.answered == 20
    # nothing but these pings (and the one warm-up ping before them) is sent to that SID
    assert 20 <= steered.counted_at_via <= 21, steered
    direct = steer(lab.state, intents, "dg-changan", "dg-humen", "dg-humen", count=20)
    assert direct.answered == 20
    assert 20 <= direct.counted_at_via <= 21
    houjie = intents["dg-houjie"].srv6
    assert houjie is not None
    assert ipaddress.IPv6Address(steered.segments[0]) in ipaddress.IPv6Network(
        houjie.locator_prefix
    )


@pytest.mark.lab
@pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
def test_failover_is_measured_for_carrier_and_silent_loss(lab: Live) -> None:
    link = "dg-changan--dg-humen"
    carrier = failover(lab.state, link, "carrier", before=1.0, after=3.0)
    silent = failover(lab.state, link, "silent", before=1.0, after=3.0)
    print(f"carrier {carrier.outage_ms:.0f} ms, silent {silent.outage_ms:.0f} ms")
    assert carrier.source not in ("dg-changan", "dg-humen")
    # BFD 100 ms x 3 detects the silent cut: well under the IS-IS hold time (seconds)
    assert 0 < silent.outage_ms < 1000, silent
    assert carrier.outage_ms < 1000, carrier
    assert silent.received >= silent.sent - 20
    assert lab.state.cuts == {}


def wait_converged_without(state: LabState, veth: Veth, timeout: float = 30.0) -> float:
    """Seconds until every loopback is routed again and no route uses the cut link."""
    start = time.monotonic()
    wait_converged(state, timeout)
    deadline = start + timeout
    v4b, v6b = state.loopbacks[veth.b]
    while routes_over(veth.a_ns, f"{v4b}/32", veth.a_if) or routes_over(
        veth.a_ns, f"{v6b}/128", veth.a_if
    ):
        if time.monotonic() > deadline:
            raise AssertionError(f"{veth.link}: still routed over the cut link")
        time.sleep(0.2)
    return time.monotonic() - start


def ping(ns: str, source: str, target: str) -> None:
    family = "-6" if ":" in target else "-4"
    done = subprocess.run(
        ["ip", "netns", "exec", ns, "ping", family, "-n", "-c", "3", "-i", "0.2", "-w", "5",
         "-I", source, target],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (ns, source, target, done.stdout)


def vtysh(ns: str, command: str) -> str:
    return subprocess.run(
        ["vtysh", "-N", ns, "-c", command], capture_output=True, text=True, check=True
    ).stdout


def eventually(check: Callable[[], None], timeout: float, interval: float = 1.0) -> None:
    """``check`` passes within ``timeout`` seconds (its last failure is raised otherwise)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(interval)


# --- routers that behave like routers, and the faults a delivery must survive

LAB = pytest.mark.skipif(not live_lab_possible(), reason="needs root, FRR, nft and ping")
CHANGE = (
    " description router id, BGP and management source\n",
    " description router id, BGP and management source (change 12)\n",
)
R3 = ["dg-agg-binhai", "dg-agg-central", "dg-changan", "dg-houjie", "dg-humen", "dg-shatian"]


def managed(lab: Live, names: list[str]) -> Nornir:
    """The lab's Nornir for ``names``, each connection first checking the management path."""
    return lab_nornir(
        {n: lab.state.routers[n] for n in names}, management=management_paths(lab.state)
    )


def changed_configs(lab: Live, names: list[str]) -> dict[str, str]:
    configs = lab_configs(lab.design, lab.graph, names)
    changed = {n: text.replace(*CHANGE) for n, text in configs.items()}
    assert all(changed[n] != configs[n] for n in names)
    return changed


def deliver_lab(
    lab: Live, configs: dict[str, str], rollout: Rollout, settle: float = 10.0
) -> PushReport:
    """The delivery `lab push --commit` runs: baseline, commit-confirmed, fresh connection,
    drift check, verification, differential verdict, confirm or roll back."""
    intents = lab.intents()
    names = sorted(configs)
    verifiers = {n: lab_verifier(intents[n], lab.state.loopbacks, settle) for n in names}
    roles = {n: str(lab.design.hosts[n].role) for n in names}
    return lab_push(managed(lab, names), configs, True, verifiers, None, rollout, roles)


def put_back(lab: Live, names: list[str]) -> None:
    """The rendered configs again (a plain commit), the lab converged."""
    configs = lab_configs(lab.design, lab.graph, names)
    report = lab_push(lab_nornir({n: lab.state.routers[n] for n in names}), configs, True)
    assert report.ok, report
    wait_converged(lab.state, 60)


def runs(lab: Live, device: str, config: str) -> bool:
    """The router runs exactly ``config`` (same lines under the same contexts)."""
    running = FrrNamespaceDevice(lab.state.routers[device]).running_config()
    return config_lines(running) == config_lines(config)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)
    return time.monotonic() - start


def kill(pids: list[int | None]) -> None:
    for pid in pids:
        assert pid is not None
        os.kill(pid, signal.SIGKILL)


@pytest.mark.lab
@LAB
def test_a_daemon_restarted_by_watchfrr_comes_back_with_its_config(lab: Live) -> None:
    """The saved config boots IS-IS before the interfaces: a restarted isisd has its
    interface lines, adjacencies and routes back; `lab status` reads the new PID."""
    device = "dg-guancheng"
    ns = lab.state.routers[device]
    rendered = lab_configs(lab.design, lab.graph, [device])[device]
    old = live_daemons(ns)["isisd"]
    kill([old])
    wait_until(lambda: live_daemons(ns)["isisd"] is None, 5, "isisd seen dead")
    (now,) = [r for r in status(lab.state.path) if r.device == device]
    assert not now.healthy and now.dead == ["isisd"] and now.pids["zebra"] is not None
    # watchfrr restarts a daemon after at most its minimum restart interval (60 s)
    seconds = wait_until(
        lambda: live_daemons(ns)["isisd"] not in (None, old), 90, "watchfrr restarts isisd"
    )
    wait_until(lambda: not restarting(ns), 30, "watchfrr done loading the saved config")
    print(f"isisd restarted by watchfrr after {seconds:.1f} s")
    assert runs(lab, device, rendered)
    (now,) = [r for r in status(lab.state.path) if r.device == device]
    assert now.healthy and now.pids["isisd"] not in (None, old)
    up = wait_until(
        lambda: len([a for a in isis_adjacencies(ns) if a.up]) == 2, 40, "both adjacencies up"
    )
    print(f"adjacencies back {up:.1f} s later")
    wait_converged(lab.state, 60)


def isis_adjacencies(ns: str) -> list[Adjacency]:
    return frr_adjacencies(vtysh_json(ns, "show isis neighbor json"))


def kill_mid_reload(ns: str, daemons: list[str], timeout: float = 60.0) -> threading.Thread:
    """A thread that kills ``daemons`` of the router (by their live PIDs) as soon as an
    ``frr-reload.py --reload`` runs for it: in the middle of its commit."""

    def reloading() -> bool:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                args = cmdline(int(entry.name))
                if FRR_RELOAD in args and "--reload" in args and ns in args:
                    return True
        return False

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if reloading():
                pids = live_daemons(ns)
                kill([pids[d] for d in daemons])
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.lab
@LAB
def test_daemons_killed_mid_push_fail_only_their_router_which_ends_on_its_config(
    lab: Live,
) -> None:
    victim = "dg-shatian"
    ns = lab.state.routers[victim]
    before = lab_configs(lab.design, lab.graph, [victim])[victim]
    killer = kill_mid_reload(ns, ["isisd", "zebra"])
    report = deliver_lab(lab, changed_configs(lab, R3), Rollout(confirm_timeout=120, settle=30))
    killer.join(1)
    hosts = {h.host: h for h in report.hosts}
    assert hosts[victim].status == "failed", hosts[victim]
    reason = hosts[victim].reason
    print(reason)
    assert "isisd" in reason and "zebra" in reason and "down: restarted by" in reason, reason
    assert "the previous config was restored, checked and saved" in reason
    others = [n for n in R3 if n != victim]
    assert {n: hosts[n].status for n in others} == dict.fromkeys(others, "committed"), report
    # the victim runs and has saved its full previous config; the others run the change
    assert runs(lab, victim, before)
    assert config_lines(Path(f"/etc/frr/{ns}/frr.conf").read_text()) == config_lines(before)
    changed = changed_configs(lab, others)
    assert all(runs(lab, n, changed[n]) for n in others)
    assert not any(FrrNamespaceDevice(lab.state.routers[n]).has_pending_commit() for n in R3)
    wait_converged(lab.state, 60)

    # the victim dead (nothing restarts it): `lab verify` names it as the others' cause
    pids = live_daemons(ns)
    kill([pids["watchfrr"]])
    kill([pids[d] for d in DAEMONS])
    result = CliRunner().invoke(
        app, ["lab", "verify", "--state", str(lab.state.path), "--settle", "8", "--json"]
    )
    assert result.exit_code == 1, result.output
    verdicts = json_result(result.stdout)
    assert "error" in verdicts[victim]
    blamed = {h: v["likely_cause"] for h, v in verdicts.items() if "likely_cause" in v}
    assert blamed and all(victim in cause for cause in blamed.values()), verdicts
    assert set(blamed) >= {"dg-humen", "dg-houjie"}  # its ring neighbours
    revival = revive(ns)
    assert revival is not None and revival.by == "govnet"
    assert runs(lab, victim, before)
    wait_converged(lab.state, 60)
    put_back(lab, others)


@pytest.mark.lab
@LAB
def test_a_change_that_cuts_the_management_path_is_reverted_by_the_confirm_timer(
    lab: Live,
) -> None:
    """Every IS-IS interface passive: the router is off the backbone, a fresh connection
    finds its management path down, nothing more is sent to it, and its own timer reverts."""
    victim = "dg-wanjiang"
    ns = lab.state.routers[victim]
    rendered = lab_configs(lab.design, lab.graph, [victim])[victim]
    cut_off = rendered.replace(" isis network point-to-point\n", " isis passive\n")
    assert cut_off.count(" isis passive\n") == 3  # lo and both ring links
    started = len(FrrNamespaceDevice(ns).events())
    clock = time.monotonic()
    report = deliver_lab(lab, {victim: cut_off}, Rollout(confirm_timeout=8, settle=5))
    (host,) = report.hosts
    print(f"{host.status}: {host.reason} ({time.monotonic() - clock:.0f} s)")
    assert host.status == "reverted", host
    assert "management path down" in host.reason and "confirm timer" in host.reason
    events = FrrNamespaceDevice(ns).events()[started:]
    assert [e["event"] for e in events] == ["commit", "revert"], events
    commit, revert = events
    assert commit["revert_in"] == 8 and revert["pid"] != os.getpid()  # the router's own timer
    assert 8 <= revert["time"] - commit["time"] < 14
    assert runs(lab, victim, rendered)
    assert not FrrNamespaceDevice(ns).has_pending_commit()
    assert probe(management_paths(lab.state)[victim])
    wait_converged(lab.state, 60)


@pytest.mark.lab
@LAB
def test_a_router_broken_before_the_push_refuses_the_commit_unless_allowed(lab: Live) -> None:
    names = ["dg-dongcheng", "dg-guancheng", "dg-nancheng", "dg-wanjiang"]
    link = next(k for k in sorted(lab.state.veths) if "dg-dongcheng" in k and "dg-mc-" not in k)
    cut(lab.state, link, "carrier")
    try:
        changed = changed_configs(lab, names)
        rollout = Rollout(confirm_timeout=120, settle=10)
        refused = deliver_lab(lab, changed, rollout)
        assert refused.refused and "dg-dongcheng" in refused.refused, refused
        assert not refused.ok
        assert {h.status for h in refused.hosts} == {"skipped"}
        assert all(runs(lab, n, lab_configs(lab.design, lab.graph, [n])[n]) for n in names)
        allowed = deliver_lab(lab, changed, rollout.model_copy(update={"allow_degraded": True}))
        assert {h.host: h.status for h in allowed.hosts} == dict.fromkeys(names, "committed")
        assert all(runs(lab, n, changed[n]) for n in names)
    finally:
        restore(lab.state, link)
    put_back(lab, names)
