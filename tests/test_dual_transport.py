"""Dual transport (`transport: dual`) as the documented MPLS -> SRv6 evolution: the route
reflectors send every VPN route's MPLS and SRv6 paths with add-path (RFC 7911) to every PE, the
PEs receive them and prefer the SRv6 sessions' routes; mpls-only and srv6-only designs carry
none of it. The facts asserted are those of ``templates/<platform>/SOURCES.md``, "Rendering:
dual transport (MPLS + SRv6) evolution"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govnet.checks.management_path import Block, braced_blocks, indented_blocks
from govnet.design import Design, load_design
from govnet.templates.build import ADD_PATH_PATHS, SRV6_LOCAL_PREFERENCE, build_intents
from govnet.templates.intent import BgpNeighbor, DeviceIntent
from govnet.templates.render import environment, render_device
from govnet.topology.graph import build_graph
from tests.conftest import assert_frr_loads, copy_design, replace_in

MINI = Path(__file__).parent / "designs" / "mini"
TEMPLATES = Path(__file__).parents[1] / "templates"
SECTION = "## Rendering: dual transport (MPLS + SRv6) evolution"
VPN = ("vpnv4", "vpnv6")


def intents_of(design: Design, lab: bool = False) -> dict[str, DeviceIntent]:
    return build_intents(design, build_graph(design), lab=lab)


def render(design: Design, intent: DeviceIntent) -> str:
    return render_device(environment(design.root), intent)


def variant(tmp_path: Path, transport: str | None = None, junos_rr: bool = False) -> Design:
    """A copy of the mini design (dual, multi-vendor), with another transport or with the
    Huawei route reflector mc-01 turned into a Junos one."""
    root = copy_design(MINI, tmp_path / "design")
    if transport:
        replace_in(root / "topology/network.yaml", "transport: dual", f"transport: {transport}")
    if junos_rr:
        replace_in(
            root / "inventory/hosts.yaml",
            "  platform: huawei_vrp\n  groups: [huawei_vrp]\n"
            "  data: {role: metro_core, site: core-1, district: north, model: NE8000 X8}",
            "  platform: junos\n  groups: [junos]\n"
            "  data: {role: metro_core, site: core-1, district: north, model: MX304}",
        )
        for port in range(4):
            replace_in(
                root / "topology/links.yaml",
                f"device: mc-01, interface: 100GE1/0/{port}}}",
                f"device: mc-01, interface: et-1/0/{port}}}",
            )
    return load_design(root)


@pytest.fixture(scope="module")
def mini() -> Design:
    return load_design(MINI)


@pytest.fixture(scope="module")
def intents(mini: Design) -> dict[str, DeviceIntent]:
    return intents_of(mini)


def rrs(intents: dict[str, DeviceIntent]) -> list[str]:
    return sorted(n for n, d in intents.items() if d.bgp and d.bgp.route_reflector)


def clients(intent: DeviceIntent) -> list[BgpNeighbor]:
    """The iBGP sessions of a reflector to its PEs (both transports)."""
    assert intent.bgp is not None
    return [n for n in intent.bgp.neighbors if n.route_reflector_client]


def ibgp(intent: DeviceIntent) -> list[BgpNeighbor]:
    assert intent.bgp is not None
    return [n for n in intent.bgp.neighbors if n.vrf is None and n.remote_as == intent.bgp.asn]


def pes(intents: dict[str, DeviceIntent], platform: str) -> list[str]:
    return sorted(
        n
        for n, d in intents.items()
        if d.platform == platform and d.bgp and not d.bgp.route_reflector and ibgp(d)
    )


def all_pes(intents: dict[str, DeviceIntent]) -> list[str]:
    return sorted(n for n, d in intents.items() if d.bgp and not d.bgp.route_reflector and ibgp(d))


# --- the intent ----------------------------------------------------------------------------------


def test_the_intent_of_a_dual_design_asks_for_add_path_and_srv6_preferred(
    intents: dict[str, DeviceIntent],
) -> None:
    assert rrs(intents) == ["mc-01", "mc-02"]
    for name in rrs(intents):
        bgp = intents[name].bgp
        assert bgp is not None and bgp.add_path_paths == ADD_PATH_PATHS
        # Huawei: path-number 2 to 64; one MPLS and one SRv6 path per VPN route
        assert 2 <= ADD_PATH_PATHS <= 64
        assert clients(intents[name])
        for n in ibgp(intents[name]):
            assert n.add_path_send and n.add_path_receive and not n.preferred
    speakers = [n for n, d in intents.items() if d.bgp and not d.bgp.route_reflector and ibgp(d)]
    assert speakers
    for name in speakers:
        bgp = intents[name].bgp
        assert bgp is not None and bgp.add_path_paths is None
        assert bgp.srv6_local_preference == SRV6_LOCAL_PREFERENCE > 100
        for n in ibgp(intents[name]):
            assert n.add_path_receive and not n.add_path_send
            assert n.preferred == n.srv6  # only the SRv6 (IPv6) sessions are preferred
        # add-path is for iBGP only (Huawei: "add-path takes effect only on IBGP peers")
        for n in bgp.neighbors:
            if n.remote_as != bgp.asn:
                assert not (n.add_path_send or n.add_path_receive or n.preferred)


@pytest.mark.parametrize("transport", ["mpls", "srv6"])
def test_a_design_that_is_not_dual_has_none_of_it(tmp_path: Path, transport: str) -> None:
    design = variant(tmp_path, transport)
    intents = intents_of(design)
    lab = intents_of(design, lab=True)
    for name, intent in intents.items():
        if intent.bgp:
            assert intent.bgp.add_path_paths is None and intent.bgp.srv6_local_preference is None
            for n in intent.bgp.neighbors:
                assert not (n.add_path_send or n.add_path_receive or n.preferred)
        for text in (render(design, intent), render(design, lab[name])):
            # what the device runs: a VRP config's removals of another state's features aside
            # (tests/test_vrp_merge_removals.py)
            running = "\n".join(x for x in text.splitlines() if not x.lstrip().startswith("undo "))
            for word in ("add-path", "additional-paths", "addpath", "high-priority", "PREFERRED"):
                assert word not in running, (name, word)


# --- Huawei VRP ----------------------------------------------------------------------------------


def vrp_family(text: str, family: str) -> Block:
    root = indented_blocks(text, frozenset({"#"}))
    bgp = next(b for b in root.children if b.line.startswith("bgp "))
    block = bgp.child({"vpnv4": "ipv4-family vpnv4", "vpnv6": "ipv6-family vpnv6"}[family])
    assert block is not None
    return block


def lines(block: Block) -> set[str]:
    return {c.line for c in block.children}


def test_vrp_reflectors_advertise_add_path_to_every_pe(
    mini: Design, intents: dict[str, DeviceIntent]
) -> None:
    text = render(mini, intents["mc-01"])
    for family in VPN:
        af = lines(vrp_family(text, family))
        assert f"bestroute add-path path-number {ADD_PATH_PATHS}" in af
        for n in ibgp(intents["mc-01"]):
            assert f"peer {n.address} capability-advertise add-path both" in af
            assert f"peer {n.address} advertise add-path path-number {ADD_PATH_PATHS}" in af
            assert f"peer {n.address} high-priority" not in af
    # every PE of the design, over both of its sessions (MPLS and SRv6)
    served = [n.description.split()[0] for n in clients(intents["mc-01"])]
    assert sorted(set(served)) == all_pes(intents)
    assert all(served.count(pe) == 2 for pe in set(served))


def test_vrp_pes_receive_add_path_and_prefer_srv6(
    mini: Design, intents: dict[str, DeviceIntent]
) -> None:
    names = pes(intents, "huawei_vrp")
    assert names
    for name in names:
        text = render(mini, intents[name])
        for family in VPN:
            af = lines(vrp_family(text, family))
            assert not any(line.startswith("bestroute add-path") for line in af)
            for n in ibgp(intents[name]):
                assert f"peer {n.address} capability-advertise add-path receive" in af
                assert f"peer {n.address} advertise add-path path-number 2" not in af
                assert (f"peer {n.address} high-priority" in af) == n.srv6


# --- Cisco IOS-XR --------------------------------------------------------------------------------


def xr_bgp(text: str) -> Block:
    root = indented_blocks(text, frozenset({"!"}))
    return next(b for b in root.children if b.line.startswith("router bgp "))


def test_xr_reflectors_advertise_add_path_to_every_pe(
    mini: Design, intents: dict[str, DeviceIntent]
) -> None:
    text = render(mini, intents["mc-02"])
    bgp = xr_bgp(text)
    for family in VPN:
        af = bgp.child(f"address-family {family} unicast")
        assert af is not None
        assert {
            "additional-paths send",
            "additional-paths receive",
            "additional-paths selection route-policy GOVNET-ADD-PATH",
        } <= lines(af)
    policy = indented_blocks(text, frozenset({"!"})).child("route-policy GOVNET-ADD-PATH")
    assert policy is not None and lines(policy) == {"set path-selection all advertise"}
    # the address-family capability covers every PE session: each is in both VPN families and
    # none turns the capability off
    for n in clients(intents["mc-02"]):
        neighbor = bgp.child(f"neighbor {n.address}")
        assert neighbor is not None
        for family in VPN:
            af = neighbor.child(f"address-family {family} unicast")
            assert af is not None and not any("additional-paths" in x for x in lines(af))


def test_xr_pes_receive_add_path_and_prefer_srv6(
    mini: Design, intents: dict[str, DeviceIntent]
) -> None:
    names = pes(intents, "iosxr")
    assert names
    for name in names:
        text = render(mini, intents[name])
        bgp = xr_bgp(text)
        for family in VPN:
            af = bgp.child(f"address-family {family} unicast")
            assert af is not None and lines(af) == {"additional-paths receive"}
        for n in ibgp(intents[name]):
            neighbor = bgp.child(f"neighbor {n.address}")
            assert neighbor is not None
            for family in VPN:
                af = neighbor.child(f"address-family {family} unicast")
                assert af is not None
                assert ("route-policy GOVNET-SRV6-PREFERRED in" in lines(af)) == n.srv6
        policy = indented_blocks(text, frozenset({"!"})).child("route-policy GOVNET-SRV6-PREFERRED")
        assert policy is not None
        assert f"set local-preference {SRV6_LOCAL_PREFERENCE}" in lines(policy)


# --- Juniper Junos -------------------------------------------------------------------------------


def junos_groups(text: str) -> list[Block]:
    root = braced_blocks(text)
    protocols = root.child("protocols")
    assert protocols is not None
    bgp = protocols.child("bgp")
    assert bgp is not None
    return [g for g in bgp.starting("group IBGP-")]


def add_path(group: Block, family: str) -> Block | None:
    fam = group.child(f"family {family}")
    unicast = fam.child("unicast") if fam else None
    return unicast.child("add-path") if unicast else None


def test_junos_reflectors_advertise_add_path_to_every_pe(tmp_path: Path) -> None:
    design = variant(tmp_path, junos_rr=True)
    intents = intents_of(design)
    intent = intents["mc-01"]
    assert intent.platform == "junos"
    groups = junos_groups(render(design, intent))
    sending: set[str] = set()
    for group in groups:
        for family in ("inet-vpn", "inet6-vpn"):
            ap = add_path(group, family)
            assert ap is not None, group.line
            assert ap.child("receive") is not None
            send = ap.child("send")
            assert send is not None and lines(send) == {f"path-count {ADD_PATH_PATHS}"}
        assert group.child("import GOVNET-SRV6-PREFERRED") is None
        sending |= {n.line.removeprefix("neighbor ") for n in group.starting("neighbor ")}
    assert {n.address for n in clients(intent)} <= sending
    assert sorted({n.description.split()[0] for n in clients(intent)}) == all_pes(intents)


def test_junos_pes_receive_add_path_and_prefer_srv6(
    mini: Design, intents: dict[str, DeviceIntent]
) -> None:
    names = pes(intents, "junos")
    assert names
    for name in names:
        text = render(mini, intents[name])
        groups = junos_groups(text)
        assert {g.line for g in groups} == {"group IBGP-MPLS", "group IBGP-SRV6"}
        for group in groups:
            for family in ("inet-vpn", "inet6-vpn"):
                ap = add_path(group, family)
                assert ap is not None and lines(ap) == {"receive"}
            srv6 = group.line == "group IBGP-SRV6"
            assert (group.child("import GOVNET-SRV6-PREFERRED") is not None) == srv6
        options = braced_blocks(text).child("policy-options")
        assert options is not None
        policy = options.child("policy-statement GOVNET-SRV6-PREFERRED")
        assert policy is not None
        then = policy.children[0].child("then")
        assert then is not None
        assert lines(then) == {f"local-preference {SRV6_LOCAL_PREFERENCE}", "accept"}


# --- FRR (the lab) -------------------------------------------------------------------------------


def frr_families(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    current: set[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if raw.startswith(" address-family ipv4 vpn") or raw.startswith(" address-family ipv6 vpn"):
            current = found.setdefault(line.removeprefix("address-family "), set())
        elif line == "exit-address-family":
            current = None
        elif current is not None:
            current.add(line)
    return found


def test_frr_reflectors_advertise_add_path_to_every_pe(mini: Design) -> None:
    lab = intents_of(mini, lab=True)
    for name in rrs(lab):
        families = frr_families(render(mini, lab[name]))
        assert set(families) == {"ipv4 vpn", "ipv6 vpn"}
        for af in families.values():
            assert sorted({n.description.split()[0] for n in clients(lab[name])}) == all_pes(lab)
            for n in clients(lab[name]):
                assert f"neighbor {n.address} addpath-tx-all-paths" in af
                assert f"neighbor {n.address} route-map GN-SRV6-PREFERRED in" not in af


def test_frr_pes_prefer_srv6(mini: Design) -> None:
    lab = intents_of(mini, lab=True)
    names = [n for n, d in lab.items() if d.bgp and not d.bgp.route_reflector and ibgp(d)]
    assert names
    for name in names:
        text = render(mini, lab[name])
        assert (
            f"route-map GN-SRV6-PREFERRED permit 10\n set local-preference {SRV6_LOCAL_PREFERENCE}\n"
            in text
        )
        for af in frr_families(text).values():
            assert not any("addpath-tx" in line for line in af)
            for n in ibgp(lab[name]):
                assert (f"neighbor {n.address} route-map GN-SRV6-PREFERRED in" in af) == n.srv6


@pytest.mark.skipif(shutil.which("vtysh") is None, reason="FRR's vtysh is not installed")
def test_frr_takes_the_dual_lab_configs(mini: Design, tmp_path: Path) -> None:
    lab = intents_of(mini, lab=True)
    for name in ("mc-01", "town-a"):
        assert_frr_loads(render(mini, lab[name]), tmp_path / f"{name}.conf")


# --- sources -------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["huawei_vrp", "iosxr", "junos", "frr"])
def test_every_platform_documents_where_the_dual_stanzas_come_from(platform: str) -> None:
    text = (TEMPLATES / platform / "SOURCES.md").read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    assert "http" in section
