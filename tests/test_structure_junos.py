"""Junos configs: rendered, parsed back into their hierarchy and checked against the design.

Three designs: the mini design (cloud-01, town-c), the reference (dg-qingxi, dg-shilong) and the
mini design with every device turned Junos, so that route reflectors, PE-CE attachments, a CE
with VRF-lite and an Internet uplink in a VRF are rendered in Junos too. Then the 等保2.0 lint
rules: each weak variant of topology/management.yaml fails the rule it should, on every Junos
device, and the designs as they are give no finding.
"""

from __future__ import annotations

import ipaddress
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pytest

from govnet.checks.lint import Finding, lint_configs, load_rules, management_addresses
from govnet.design import Design, load_design
from govnet.inventory.platforms import Platform
from govnet.inventory.roles import ROLES, Role
from govnet.templates.build import build_intents, ce_asn
from govnet.templates.features import load_features
from govnet.templates.intent import BgpNeighbor, DeviceIntent, InterfaceIntent
from govnet.templates.render import environment, render_all, render_device, template_dirs
from govnet.topology.graph import build_graph
from govnet.yamlio import read_yaml
from tests.conftest import REFERENCE, copy_design, replace_in

MINI = Path(__file__).parent / "designs" / "mini"

# The mini design's interfaces renamed to Junos names (each device keeps distinct names).
JUNOS_NAMES = [
    (r"100GE1/0/(\d+)", r"et-0/0/\1"),
    (r"HundredGigE0/0/0/(\d+)", r"et-0/0/\1"),
    (r"TenGigE0/0/1/(\d+)", r"xe-0/1/\1"),
    (r"10GE2/0/(\d+)", r"xe-0/1/\1"),
    (r"GigabitEthernet0/0/2/(\d+)", r"ge-0/2/\1"),
    (r"GE3/0/(\d+)", r"ge-0/3/\1"),
]


# --- a parser for the hierarchical format -----------------------------------------------------


@dataclass
class Block:
    """One `name { ... }` of a Junos configuration: child blocks by name, leaf statements."""

    children: dict[str, Block] = field(default_factory=dict)
    leaves: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Block:
        return self.children[key]

    def get(self, key: str) -> Block:
        return self.children.get(key, Block())

    def named(self, prefix: str) -> dict[str, Block]:
        """Children `prefix NAME`, by NAME."""
        return {
            k[len(prefix) + 1 :]: b for k, b in self.children.items() if k.startswith(prefix + " ")
        }

    def values(self, prefix: str) -> list[str]:
        """Arguments of the leaves and children that start with `prefix` (`address X`)."""
        found = [s[len(prefix) + 1 :] for s in self.leaves if s.startswith(prefix + " ")]
        return found + list(self.named(prefix))


def parse(text: str) -> Block:
    """Braces balanced, four spaces per level, every line a block, a leaf or a closing brace,
    no block twice at one level (Junos would merge them: a template bug)."""
    root = Block()
    stack = [root]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        depth = len(stack) - 1 - (line == "}")
        assert raw == " " * 4 * depth + line, f"line {number}: indentation: {raw!r}"
        if line == "}":
            stack.pop()
        elif line.endswith(" {"):
            key = line[:-2]
            assert key not in stack[-1].children, f"line {number}: {key} twice"
            stack[-1].children[key] = Block()
            stack.append(stack[-1].children[key])
        elif line.endswith(";"):
            stack[-1].leaves.append(line[:-1])
        else:
            raise AssertionError(f"line {number}: not Junos: {raw!r}")
    assert len(stack) == 1, "unbalanced braces"
    return root


def test_parser_rejects_broken_configs() -> None:
    good = "system {\n    host-name r1;\n}\n"
    assert parse(good)["system"].leaves == ["host-name r1"]
    for bad in (
        "system {\n    host-name r1;\n",
        "system {\n  host-name r1;\n}\n",
        "system {\n    host-name r1\n}\n",
        "a {\n}\na {\n}\n",
    ):
        with pytest.raises(AssertionError):
            parse(bad)


# --- rendering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    intent: DeviceIntent
    text: str
    tree: Block


def render_junos(design: Design) -> dict[str, Rendered]:
    names = [n for n, h in sorted(design.hosts.items()) if h.platform is Platform.JUNOS]
    intents = build_intents(design, build_graph(design), names)
    configs = render_all(design.root, intents, load_features(template_dirs(design.root)))
    return {c.hostname: Rendered(intents[c.hostname], c.text, parse(c.text)) for c in configs}


def all_junos(target: Path) -> Path:
    copy_design(MINI, target)
    for name in ("links.yaml", "uplinks.yaml"):
        path = target / "topology" / name
        text = path.read_text(encoding="utf-8")
        for old, new in JUNOS_NAMES:
            text = re.sub(old, new, text)
        path.write_text(text, encoding="utf-8")
    hosts = target / "inventory" / "hosts.yaml"
    text = re.sub(r"huawei_vrp|iosxr", "junos", hosts.read_text(encoding="utf-8"))
    for old, new in JUNOS_NAMES:  # the CE's LAN port
        text = re.sub(old, new, text)
    hosts.write_text(text, encoding="utf-8")
    return target


@dataclass(frozen=True)
class Case:
    design: Design
    graph: nx.MultiGraph
    configs: dict[str, Rendered]


def case(design: Design) -> Case:
    return Case(design, build_graph(design), render_junos(design))


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    variant = all_junos(tmp_path_factory.mktemp("design") / "all-junos")
    return {
        "mini": case(load_design(MINI)),
        "reference": case(load_design(REFERENCE)),
        "all-junos": case(load_design(variant)),
    }


DESIGNS = ["mini", "reference", "all-junos"]


def test_the_designs_have_the_junos_devices_expected(cases: dict[str, Case]) -> None:
    assert sorted(cases["mini"].configs) == ["cloud-01", "town-c"]
    assert sorted(cases["reference"].configs) == ["dg-qingxi", "dg-shilong"]
    assert len(cases["all-junos"].configs) == 9


def configs(cases: dict[str, Case], name: str) -> Iterator[tuple[str, Rendered]]:
    yield from sorted(cases[name].configs.items())


def unit_of(tree: Block, ifl: str) -> Block | None:
    physical, unit = ifl.rsplit(".", 1)
    interfaces = tree.get("interfaces")
    if physical not in interfaces.children:
        return None
    return interfaces[physical].children.get(f"unit {unit}")


def ifl(i: InterfaceIntent) -> str:
    return i.name if i.kind == "subinterface" else f"{i.name}.0"


def loopbacks(graph: nx.MultiGraph, device: str) -> tuple[str, str]:
    node = graph.nodes[device]
    return node["loopback_ipv4"].split("/")[0], node["loopback_ipv6"].split("/")[0]


def bgp_groups(tree: Block) -> Iterator[tuple[str | None, str, Block]]:
    """(instance or None, group name, group) for every BGP group of the device."""
    for name, group in tree.get("protocols").get("bgp").named("group").items():
        yield None, name, group
    for instance, block in tree.get("routing-instances").children.items():
        for name, group in block.get("protocols").get("bgp").named("group").items():
            yield instance, name, group


# --- structure ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DESIGNS)
def test_interface_count_equals_the_intent(cases: dict[str, Case], name: str) -> None:
    for host, r in configs(cases, name):
        units = [
            (physical, unit)
            for physical, block in r.tree["interfaces"].children.items()
            for unit in block.named("unit")
        ]
        # a port that only carries VLAN units (a site's LAN) has no unit of its own
        parents = {i.parent for i in r.intent.interfaces if i.parent}
        expected = [
            i
            for i in r.intent.interfaces
            if not (
                i.name in parents and i.ipv4 is None and i.ipv6 is None and i.kind == "attachment"
            )
        ]
        assert len(units) == len(expected), host
        assert {f"{p}.{u}" for p, u in units} == {ifl(i) for i in expected}, host


@pytest.mark.parametrize("name", DESIGNS)
def test_instances_bound_to_interfaces_are_defined(cases: dict[str, Case], name: str) -> None:
    for host, r in configs(cases, name):
        instances = r.tree.get("routing-instances").children
        assert list(instances) == [v.name for v in r.intent.vrfs], host
        bound = {
            (vrf, interface)
            for vrf, block in instances.items()
            for interface in block.values("interface")
        }
        assert bound == {(i.vrf, ifl(i)) for i in r.intent.interfaces if i.vrf}, host
        for _, interface in bound:
            unit = unit_of(r.tree, interface)
            assert unit is not None, (host, interface)
            assert unit.get("family inet").values("address"), (host, interface)
        policies = r.tree.get("policy-options").named("policy-statement")
        for vrf, block in instances.items():
            for leaf in ("vrf-import", "vrf-export"):
                for policy in block.values(leaf):
                    assert policy in policies, (host, vrf, policy)


@pytest.mark.parametrize("name", DESIGNS)
def test_route_targets_match_the_intent(cases: dict[str, Case], name: str) -> None:
    for host, r in configs(cases, name):
        policy = r.tree.get("policy-options")
        communities = {}
        for leaf in policy.leaves:
            if leaf.startswith("community "):
                _, community, members, target = leaf.split()
                assert members == "members"
                communities[community] = target
        for vrf in r.intent.vrfs:
            block = r.tree["routing-instances"][vrf.name]
            if not (vrf.import_targets or vrf.export_targets):
                assert "instance-type virtual-router" in block.leaves, (host, vrf.name)
                assert not block.values("route-distinguisher"), (host, vrf.name)
                continue
            assert "instance-type vrf" in block.leaves, (host, vrf.name)
            assert block.values("route-distinguisher") == [vrf.rd], (host, vrf.name)
            assert ("vrf-table-label" in block.leaves) == vrf.mpls, (host, vrf.name)
            imports = policy[f"policy-statement VRF-{vrf.name}-IMPORT"]["term IMPORT"].leaves
            match = re.fullmatch(r"from community \[ (.+) \]", imports[0])
            assert match, (host, vrf.name)
            names = match.group(1).split()
            assert [communities[n] for n in names] == [f"target:{t}" for t in vrf.import_targets]
            export = policy[f"policy-statement VRF-{vrf.name}-EXPORT"]["term EXPORT"]
            added = [s.split()[-1] for s in export["then"].leaves if s.startswith("community add")]
            assert [communities[n] for n in added] == [f"target:{t}" for t in vrf.export_targets]


def speakers(design: Design) -> set[str]:
    return {
        h.name
        for h in design.hosts.values()
        if ROLES[h.role].backbone and h.role not in (Role.ACCESS, Role.BUREAU_CE)
    }


@pytest.mark.parametrize("name", DESIGNS)
def test_ibgp_neighbours_are_loopbacks_of_reflectors_or_clients(
    cases: dict[str, Case], name: str
) -> None:
    c = cases[name]
    rrs = sorted(h.name for h in c.design.route_reflectors)
    cluster = loopbacks(c.graph, rrs[0])[0]
    checked = 0
    for host, r in configs(cases, name):
        if host not in speakers(c.design):
            assert not [g for i, _, g in bgp_groups(r.tree) if "type internal" in g.leaves]
            continue
        peers = [rr for rr in rrs if rr != host] if host in rrs else rrs
        clients = sorted(speakers(c.design) - set(rrs)) if host in rrs else []
        expected = {a for p in peers + clients for a in loopbacks(c.graph, p)}
        own4, own6 = loopbacks(c.graph, host)
        found = set()
        for instance, group_name, group in bgp_groups(r.tree):
            if "type internal" not in group.leaves:
                continue
            assert instance is None, host
            neighbors = group.named("neighbor")
            found |= set(neighbors)
            versions = {ipaddress.ip_address(a).version for a in neighbors}
            assert len(versions) == 1, (host, group_name)
            v6 = versions == {6}
            assert group.values("local-address") == [own6 if v6 else own4], (host, group_name)
            assert group_name.startswith("IBGP-SRV6" if v6 else "IBGP-MPLS"), host
            vpn = group["family inet-vpn"]
            if v6:
                assert vpn["unicast"].leaves == [
                    "extended-nexthop",
                    "advertise-srv6-service",
                    "accept-srv6-service",
                ], host
            elif c.design.network.transport.value == "dual":
                # dual transport: the MPLS sessions carry add-path (SOURCES.md), no SRv6 service
                assert vpn["unicast"].leaves == [], host
                assert "receive" in vpn["unicast"]["add-path"].leaves, host
            else:
                assert vpn.leaves == ["unicast"], host
            is_clients = group_name.endswith("-CLIENTS")
            assert is_clients == (
                set(neighbors) <= {a for p in clients for a in loopbacks(c.graph, p)}
            ), (host, group_name)
            assert group.values("cluster") == ([cluster] if is_clients else []), host
            checked += 1
        assert found == expected, host
    assert checked


@pytest.mark.parametrize("name", DESIGNS)
def test_ebgp_neighbours_are_far_ends_of_uplinks_or_attachments(
    cases: dict[str, Case], name: str
) -> None:
    c = cases[name]
    checked = 0
    for host, r in configs(cases, name):
        uplinks = {
            str(ip.ip): c.design.peers[u.peer].asn
            for u in c.design.uplinks
            if u.device == host
            for ip in (u.peer_ipv4, u.peer_ipv6)
            if ip is not None
        }
        policies = r.tree.get("policy-options").named("policy-statement")
        for instance, _, group in bgp_groups(r.tree):
            if "type external" not in group.leaves:
                continue
            assert group.values("import") == ["GOVNET-EBGP-IN"], host
            assert group.values("export") == [
                "GOVNET-EBGP-OUT" if instance is None else "GOVNET-EBGP-OUT-VRF"
            ], host
            assert {"GOVNET-EBGP-IN", *group.values("export")} <= set(policies), host
            (peer_as,) = group.values("peer-as")
            for address in group.named("neighbor"):
                if address in uplinks:
                    assert int(peer_as) == uplinks[address], (host, address)
                else:
                    # the far end of a sub-interface of the same instance, on an attachment
                    neighbor = ipaddress.ip_address(address)
                    ends = [
                        i
                        for i in r.intent.interfaces
                        if i.kind == "subinterface" and i.vrf == instance
                        for prefix in (i.ipv4, i.ipv6)
                        if prefix is not None
                        and neighbor in ipaddress.ip_interface(prefix).network
                        and neighbor != ipaddress.ip_interface(prefix).ip
                    ]
                    assert len(ends) == 1, (host, instance, address)
                    (far,) = [
                        peer
                        for _, peer, data in c.graph.edges(host, data=True)
                        if data["kind"] == "attachment"
                        and data["interfaces"].get(host) == ends[0].parent
                    ]
                    expected_as = (
                        c.design.network.asn
                        if c.design.hosts[host].role is Role.BUREAU_CE
                        else ce_asn(loopbacks(c.graph, far)[0])
                    )
                    assert int(peer_as) == expected_as, (host, address)
                checked += 1
    assert checked == {"mini": 0, "reference": 0, "all-junos": 14}[name]


@pytest.mark.parametrize("name", DESIGNS)
def test_isis_mpls_and_ldp_interfaces_exist(cases: dict[str, Case], name: str) -> None:
    for host, r in configs(cases, name):
        protocols = r.tree.get("protocols")
        isis = protocols.get("isis")
        expected = [ifl(i) for i in r.intent.interfaces if i.isis]
        assert list(isis.named("interface")) == expected, host
        for interface, block in isis.named("interface").items():
            unit = unit_of(r.tree, interface)
            assert unit is not None, (host, interface)
            assert "family iso" in unit.leaves or "family iso" in unit.children, host
            if interface == "lo0.0":
                assert block.leaves == ["passive"], host
                assert unit["family iso"].values("address") == [r.intent.isis.net], host
            else:
                metric = next(i.isis.metric for i in r.intent.interfaces if ifl(i) == interface)
                assert block["level 2"].leaves == [
                    f"metric {metric}",
                    f"ipv6-unicast-metric {metric}",
                ], (host, interface)
                assert "point-to-point" in block.leaves, host
        if expected:
            assert isis.leaves[:3] == [
                "level 1 disable",
                "level 2 wide-metrics-only",
                "topologies ipv6-unicast",
            ], host
        ldp = [ifl(i) for i in r.intent.interfaces if i.mpls_ldp]
        for hierarchy in ("mpls", "ldp"):
            assert protocols.get(hierarchy).values("interface") == ldp, host
        for interface in ldp:
            unit = unit_of(r.tree, interface)
            assert unit is not None and "family mpls" in unit.leaves, (host, interface)


@pytest.mark.parametrize("name", DESIGNS)
def test_srv6_locators_referenced_are_defined(cases: dict[str, Case], name: str) -> None:
    referenced = 0
    for host, r in configs(cases, name):
        srv6 = r.tree.get("routing-options").get("source-packet-routing").get("srv6")
        defined = dict(v.split(" ", 1) for v in srv6.values("locator"))
        if r.intent.srv6 is None:
            assert not defined, host
            continue
        assert defined[r.intent.srv6.locator_name] == r.intent.srv6.locator_prefix, host
        isis = r.tree["protocols"]["isis"]["source-packet-routing"]["srv6"].named("locator")
        uses = list(isis)
        sids = [s for b in isis.values() for s in b.named("end-sid")]
        prefix = ipaddress.ip_network(r.intent.srv6.locator_prefix)
        assert sids and all(ipaddress.ip_address(s) in prefix for s in sids), host
        for vrf in r.intent.vrfs:
            bgp = r.tree["routing-instances"][vrf.name].get("protocols").get("bgp")
            in_vrf = bgp.get("source-packet-routing").get("srv6").named("locator")
            assert bool(in_vrf) == vrf.srv6, (host, vrf.name)
            uses += list(in_vrf)
        assert set(uses) <= set(defined), host
        referenced += len(uses)
    assert referenced


@pytest.mark.parametrize("name", DESIGNS)
def test_srv6_locator_and_vrf_sids_as_documented(cases: dict[str, Case], name: str) -> None:
    """Junos CLI reference, locator (routing-options source-packet-routing srv6): a name and
    an IPv6 prefix, no `function-length`; the VRF's End.DT4/End.DT6 SIDs are given statically
    (Juniper's L3 services over SRv6 example), inside the locator ("the locator and SIDs
    belong to the same subnet"), one pair per VRF, never the End SID."""
    vrfs = 0
    for host, r in configs(cases, name):
        text = r.text
        assert "function-length" not in text, host
        assert not re.search(r"end-dt(4|6|46)-sid;", text), host
        if r.intent.srv6 is None:
            assert "end-dt" not in text, host
            continue
        srv6 = r.tree["routing-options"]["source-packet-routing"]["srv6"]
        assert srv6.children == {}, host  # the locator is one statement, no options
        prefix = ipaddress.ip_network(r.intent.srv6.locator_prefix)
        assert prefix.prefixlen == 64, host
        end_sid = ipaddress.ip_address(r.intent.srv6.locator_address)
        seen: set[str] = set()
        for vrf in (v for v in r.intent.vrfs if v.srv6):
            bgp = r.tree["routing-instances"][vrf.name]["protocols"]["bgp"]
            locator = bgp["source-packet-routing"]["srv6"][f"locator {r.intent.srv6.locator_name}"]
            assert locator.leaves == [
                f"end-dt4-sid {vrf.srv6_dt4_sid}",
                f"end-dt6-sid {vrf.srv6_dt6_sid}",
            ], (host, vrf.name)
            for sid in (vrf.srv6_dt4_sid, vrf.srv6_dt6_sid):
                assert sid is not None and sid not in seen, (host, vrf.name)
                address = ipaddress.ip_address(sid)
                assert address in prefix and address != end_sid, (host, vrf.name)
                seen.add(sid)
            vrfs += 1
        for vrf in (v for v in r.intent.vrfs if not v.srv6):
            assert vrf.srv6_dt4_sid is None and vrf.srv6_dt6_sid is None, (host, vrf.name)
    assert vrfs, name


# --- exact lines -------------------------------------------------------------------------------


def test_cloud01_exact_lines(cases: dict[str, Case]) -> None:
    text = cases["mini"].configs["cloud-01"].text
    expected = [
        """\
        family iso {
            address 49.0099.0101.0000.0003.00;
        }""",
        """\
        et-0/0/1 {
            description "to mc-02 HundredGigE0/0/0/1, 100G";
            mtu 9014;
            unit 0 {
                family inet {
                    address 10.101.0.18/31;
                }
                family iso;
                family inet6 {
                    address 2001:db8:99:100::12/127;
                }
                family mpls;
            }
        }""",
        """\
        interface et-0/0/0.0 {
            point-to-point;
            ldp-synchronization;
            bfd-liveness-detection {
                minimum-interval 100;
                multiplier 3;
            }
            level 2 {
                metric 10;
                ipv6-unicast-metric 10;
            }
        }""",
        """\
        POLICE {
            description "POLICE";
            instance-type vrf;
            route-distinguisher 10.100.0.3:301;
            vrf-import VRF-POLICE-IMPORT;
            vrf-export VRF-POLICE-EXPORT;
            vrf-table-label;
            protocols {
                bgp {
                    source-packet-routing {
                        srv6 {
                            locator GOVNET {
                                end-dt4-sid 5f00:0:99:2:12d::;
                                end-dt6-sid 5f00:0:99:2:812d::;
                            }
                        }
                    }
                }
            }
        }""",
        """\
        policy-statement VRF-PUBLIC-IMPORT {
            term IMPORT {
                from community [ RT-65099-100 RT-65099-2 ];
                then accept;
            }
            term REJECT {
                then reject;
            }
        }""",
        "locator GOVNET 5f00:0:99:2::/64;",
        "community RT-65099-1 members target:65099:1;",
        "authentication-order [ tacplus password ];",
        'authentication-key 1 type sha256 value "%SECRET(env:GOVNET_NTP_KEY_SHA256)%";',
    ]
    lines = [line.strip() for line in text.splitlines()]
    for block in expected:
        wanted = [line.strip() for line in textwrap.dedent(block).splitlines()]
        starts = [n for n in range(len(lines)) if lines[n : n + len(wanted)] == wanted]
        assert len(starts) == 1, block
    tree = cases["mini"].configs["cloud-01"].tree
    assert tree["system"].leaves[0] == "host-name cloud-01"
    assert tree["routing-options"].leaves == ["router-id 10.100.0.3", "autonomous-system 65099"]


def test_ce_and_reflector_in_junos(cases: dict[str, Case]) -> None:
    configs_ = cases["all-junos"].configs
    ce = configs_["ce-01"].tree
    assert "protocols" not in ce.children
    police = ce["routing-instances"]["POLICE"]
    assert police.leaves == [
        'description "POLICE"',
        "instance-type virtual-router",
        "interface ge-0/3/0.301",
        "interface ge-0/3/1.301",  # the users' LAN in the VPN
    ]
    port = ce["interfaces"]["ge-0/3/0"]
    assert port.leaves[1:] == ["vlan-tagging", "native-vlan-id 1", "no-native-vlan-insert"]
    assert port["unit 0"].leaves == ["vlan-id 1"]
    assert port["unit 301"].leaves == ['description "POLICE to agg-01"', "vlan-id 301"]
    rr = configs_["mc-01"].tree["protocols"]["bgp"]
    assert list(rr.named("group")) == [
        "IBGP-MPLS-CLIENTS",
        "IBGP-SRV6-CLIENTS",
        "IBGP-MPLS",
        "IBGP-SRV6",
    ]
    assert rr["group IBGP-SRV6"].values("neighbor") == ["2001:db8:99::6"]
    bfd = configs_["inet-01"].tree["routing-instances"]["INTERNET"]["protocols"]["bgp"]
    neighbor = bfd["group EBGP-AS64496"]["neighbor 192.0.2.2"]
    assert neighbor["bfd-liveness-detection"].leaves == ["minimum-interval 300", "multiplier 3"]


def test_global_ebgp_gets_its_own_policies(cases: dict[str, Case]) -> None:
    """No Junos device of the designs peers in the global table (the provincial core is on the
    city WAN cores): give one an extra neighbour to render that path too."""
    intent = cases["mini"].configs["town-c"].intent
    assert intent.bgp is not None
    province = BgpNeighbor(
        address="198.51.100.1",
        remote_as=64512,
        description="province (core)",
        update_source=None,
        families=["ipv4_unicast"],
        bfd=True,
    )
    bgp = intent.bgp.model_copy(update={"neighbors": [*intent.bgp.neighbors, province]})
    text = render_device(environment(MINI), intent.model_copy(update={"bgp": bgp}))
    tree = parse(text)
    group = tree["protocols"]["bgp"]["group EBGP-AS64512"]
    assert group.leaves == [
        "type external",
        "import GOVNET-EBGP-IN",
        "export GOVNET-EBGP-OUT",
        "peer-as 64512",
    ]
    assert group["neighbor 198.51.100.1"]["family inet"].leaves == ["unicast"]
    policies = tree["policy-options"].named("policy-statement")
    assert policies["GOVNET-EBGP-OUT"]["term BGP"].leaves == ["from protocol bgp", "then accept"]
    assert "GOVNET-EBGP-OUT-VRF" not in policies


# --- 等保2.0 lint ------------------------------------------------------------------------------

RULES = {
    "ssh-only": "8.1.4.1",
    "no-http": "8.1.4.4",
    "management-acl": "8.1.4.4",
    "management-acl-default-deny": "8.1.3.2",
    "central-aaa": "8.1.4.1",
    "accounting": "8.1.4.3",
    "login-lockout": "8.1.4.1",
    "idle-timeout": "8.1.4.1",
    "no-clear-text-secrets": "8.1.4.1",
    "no-default-accounts": "8.1.4.2",
    "syslog-two-servers": "8.1.4.3",
    "log-retention": "网络安全法 art. 21",
    "ntp-authenticated": "8.1.4.3",
    "snmpv3-only": "8.1.4.4",
    "banner": "8.1.4.1",
}


def test_rule_file_has_every_rule_with_its_clause() -> None:
    doc = read_yaml(REFERENCE / "checks" / "lint" / "junos.yaml", "checks/lint/junos.yaml")
    assert doc.data["platform"] == "junos"
    rules = {r["id"]: r["clause"] for r in doc.data["rules"]}
    assert {k: rules.get(k) for k in RULES} == RULES


def lint_junos(design: Design) -> tuple[list[str], list[Finding]]:
    rendered = render_junos(design)
    rules = load_rules([design.root, REFERENCE])
    findings = lint_configs(
        ((h, "junos", r.text) for h, r in rendered.items()),
        rules,
        management_addresses(design.hosts),
    )
    return sorted(rendered), findings


@pytest.mark.parametrize("name", DESIGNS)
def test_designs_as_they_are_give_no_finding(cases: dict[str, Case], name: str) -> None:
    rules = load_rules([cases[name].design.root, REFERENCE])
    texts = ((h, "junos", r.text) for h, r in configs(cases, name))
    assert lint_configs(texts, rules, management_addresses(cases[name].design.hosts)) == []


WEAK = {
    "telnet": ("telnet: false", "telnet: true", {"ssh-only"}),
    "no-syslog": (
        "servers: [10.199.255.21, 10.199.255.22]",
        "servers: []",
        {"syslog-two-servers", "log-retention"},
    ),
    "no-acl": (
        "  http: false\n",
        "  http: false\n  allowed_prefixes: []\n",
        {"management-acl", "management-acl-default-deny"},
    ),
    "clear-tacacs-key": (
        'tacacs_key: {ref: "env:GOVNET_TACACS_KEY"}',
        'tacacs_key: "Gov@2019"',
        {"no-clear-text-secrets"},
    ),
    "http": ("http: false", "http: true", {"no-http"}),
    "community": (
        "  trap_hosts: [10.199.255.41]",
        '  trap_hosts: [10.199.255.41]\n  community: "public"',
        {"snmpv3-only"},
    ),
    "clear-password": (
        'password: {ref: "env:GOVNET_LOCAL_ADMIN_PASSWORD"}',
        'password: "Admin@2019"',
        {"no-clear-text-secrets"},
    ),
    "default-account": ("name: govnet-break-glass", "name: admin", {"no-default-accounts"}),
}


@pytest.mark.parametrize("variant", list(WEAK))
def test_weak_variant_fails_its_rule(variant: str, tmp_path: Path) -> None:
    old, new, rules = WEAK[variant]
    root = copy_design(MINI, tmp_path / "design")
    replace_in(root / "topology" / "management.yaml", old, new)
    devices, findings = lint_junos(load_design(root))
    assert devices == ["cloud-01", "town-c"]
    failed = {(f.device, f.rule) for f in findings}
    assert failed == {(d, rule) for d in devices for rule in rules}
    for f in findings:
        assert f.clause == RULES[f.rule]
