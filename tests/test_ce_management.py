"""In-band management of the bureau CEs: the intent, its rendering on every platform a CE or its
PE may have, the cross-device path from the metro cores, the lint rule and the validation of the
CE management addresses."""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govnet.checks.ce_reachability import ce_paths, isis_graph
from govnet.checks.inband import inband_problems
from govnet.checks.lint import inband_management, lint_configs, load_rules, management_addresses
from govnet.checks.management_path import Block, braced_blocks, indented_blocks
from govnet.cli import app
from govnet.design import Design, load_design, reference_design_path
from govnet.inventory.roles import Role
from govnet.templates.build import CE_MGMT_POLICY, build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import environment, render_device
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, assert_frr_loads, line_of, load_errors, replace_in

MINI = Path(__file__).parent / "designs" / "mini"
HOSTS = "inventory/hosts.yaml"


def intents_of(design: Design, lab: bool = False) -> dict[str, DeviceIntent]:
    return build_intents(design, build_graph(design), lab=lab)


@pytest.fixture(scope="module")
def ref() -> Design:
    return load_design(REFERENCE)


@pytest.fixture(scope="module")
def ref_intents(ref: Design) -> dict[str, DeviceIntent]:
    return intents_of(ref)


@pytest.fixture(scope="module")
def mini() -> Design:
    return load_design(MINI)


def ces(design: Design) -> list[str]:
    return sorted(n for n, h in design.hosts.items() if h.role is Role.BUREAU_CE)


def pool(design: Design) -> list[str]:
    return [str(p) for p in design.network.management]


def render(design: Design, intent: DeviceIntent) -> str:
    return render_device(environment(design.root), intent)


def vrp(text: str) -> Block:
    return indented_blocks(text, frozenset({"#"}))


def xr(text: str) -> Block:
    return indented_blocks(text, frozenset({"!", "end"}))


def lines(block: Block | None) -> list[str]:
    assert block is not None
    return [c.line for c in block.children]


# --- the intent ------------------------------------------------------------------------------


def test_every_bureau_ce_carries_its_inventory_address(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    assert len(ces(ref)) == 13
    for name in ces(ref):
        intent = ref_intents[name]
        assert intent.management_address == f"{ref.hosts[name].hostname}/32"
        assert intent.management_interface == "LoopBack1"
        assert intent.management is not None
        assert intent.management.source_interface == "LoopBack1"
    backbone = [i for i in ref_intents.values() if i.role != Role.BUREAU_CE.value]
    assert all(i.management_address is None for i in backbone)
    assert all(i.management and i.management.source_interface == i.loopback for i in backbone)


def test_every_ce_reaches_the_metro_cores_through_each_of_its_pes(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    paths = ce_paths(ref_intents, pool(ref))
    assert [p.ce for p in paths] == ces(ref)
    for path in paths:
        assert path.problems == [], path
        links = {a.pe for a in _attachments(ref) if a.ce == path.ce}
        assert set(path.pes) == links  # dual-homed CEs through both PEs
    assert sum(len(p.pes) == 2 for p in paths) == 4


def test_mini_ce_reaches_the_metro_cores(mini: Design) -> None:
    (path,) = ce_paths(intents_of(mini), pool(mini))
    assert (path.ce, path.pes, path.problems) == ("ce-01", ["agg-01"], [])


def test_the_lab_profile_keeps_the_path(ref: Design) -> None:
    paths = ce_paths(intents_of(ref, lab=True), pool(ref))
    assert paths and all(p.pes and not p.problems for p in paths)


def _attachments(design: Design) -> list[object]:
    from govnet.topology.services import attachments

    return list(attachments(design.hosts, design.links, design.vpns))


def _without(
    intents: dict[str, DeviceIntent], name: str, **update: object
) -> dict[str, DeviceIntent]:
    return {**intents, name: intents[name].model_copy(update=update)}


def test_path_fails_without_the_pe_host_route(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    broken = _without(ref_intents, "dg-agg-central", static_routes=[])
    path = next(p for p in ce_paths(broken, pool(ref)) if p.ce == "dg-ce-czj")
    assert path.pes == []
    assert path.problems == ["no PE routes 10.199.3.12/32 to dg-ce-czj"]


def test_path_fails_when_the_pe_does_not_import_it(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    pe = ref_intents["dg-agg-central"]
    assert pe.isis is not None
    isis = pe.isis.model_copy(update={"import_static": None})
    path = next(
        p
        for p in ce_paths(_without(ref_intents, "dg-agg-central", isis=isis), pool(ref))
        if p.ce == "dg-ce-czj"
    )
    assert path.pes == []
    assert "import policy does not admit 10.199.3.12/32" in path.problems[0]


def test_path_fails_when_the_pe_is_cut_from_the_cores(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    pe = ref_intents["dg-agg-central"]
    cut = [i.model_copy(update={"isis": None}) if i.peer else i for i in pe.interfaces]
    broken = _without(ref_intents, "dg-agg-central", interfaces=cut)
    assert "dg-agg-central" not in isis_graph(broken).edges._adjdict or not list(
        isis_graph(broken).neighbors("dg-agg-central")
    )
    path = next(p for p in ce_paths(broken, pool(ref)) if p.ce == "dg-ce-czj")
    assert path.problems == ["dg-agg-central: no IS-IS path to a metro core"]


def test_path_fails_without_the_ce_route_back(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    path = next(
        p
        for p in ce_paths(_without(ref_intents, "dg-ce-czj", static_routes=[]), pool(ref))
        if p.ce == "dg-ce-czj"
    )
    assert path.problems == ["dg-ce-czj: no route to 10.199.0.0/16 via dg-agg-central"]


# --- Huawei VRP: the CE (AR) and its PEs (NE40E / NE8000) --------------------------------------


def test_vrp_ce_routes_the_management_prefixes_via_each_pe(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    ce = ref_intents["dg-ce-gaj"]
    root = vrp(render(ref, ce))
    assert lines(root.child("interface LoopBack1"))[1:] == [
        "ip address 10.199.3.11 255.255.255.255"
    ]
    pe_addresses = {}
    for pe in ("dg-agg-central", "dg-mc-01"):
        for i in ref_intents[pe].interfaces:
            if i.peer == "dg-ce-gaj" and i.vrf is None and i.ipv4:
                pe_addresses[pe] = i.ipv4.split("/")[0]
    routes = [b.line for b in root.starting("ip route-static ")]
    assert routes == [
        f"ip route-static 10.199.0.0 255.255.0.0 GE3/0/0 {pe_addresses['dg-agg-central']} "
        "description mgmt via dg-agg-central",
        f"ip route-static 10.199.0.0 255.255.0.0 GE3/0/1 {pe_addresses['dg-mc-01']} "
        "description mgmt via dg-mc-01",
    ]
    # VRP AR takes a static route description of at most 35 characters
    assert all(len(r.split(" description ")[1]) <= 35 for r in routes)
    # AAA, syslog, NTP and SNMP leave from the management address, which the NOC reaches
    assert root.child("info-center loghost source LoopBack1") is not None
    assert root.child("snmp-agent protocol source-interface LoopBack1") is not None
    # replayed in order, LoopBack1 exists before the services that take it as their source
    text = render(ref, ce)
    assert text.index("interface LoopBack1\n") < text.index("source-interface LoopBack1")
    # no IS-IS on a CE, and the management address stays in the global table
    assert not root.starting("isis ")
    assert not lines(root.child("interface LoopBack1"))[0].startswith("ip binding")


def test_vrp_pe_host_routes_and_policy_limited_import(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    pe = ref_intents["dg-agg-central"]
    root = vrp(render(ref, pe))
    routes = {b.line.split()[2]: b.line for b in root.starting("ip route-static ")}
    ce_names = sorted({a.ce for a in _attachments(ref) if a.pe == "dg-agg-central"})  # type: ignore[attr-defined]
    assert sorted(routes) == sorted(str(ref.hosts[c].hostname) for c in ce_names)
    for ce in ce_names:
        ce_link = next(
            i.ipv4
            for i in ref_intents[ce].interfaces
            if i.peer == "dg-agg-central" and i.vrf is None
        )
        assert ce_link is not None
        assert routes[str(ref.hosts[ce].hostname)].split()[5] == ce_link.split("/")[0]
        assert routes[str(ref.hosts[ce].hostname)].endswith(f"description mgmt of {ce}")
    assert root.child(
        f"ip ip-prefix {CE_MGMT_POLICY} index 10 permit 10.199.0.0 16 greater-equal 32 less-equal 32"
    )
    assert lines(root.child(f"route-policy {CE_MGMT_POLICY} permit node 10")) == [
        f"if-match ip-prefix {CE_MGMT_POLICY}"
    ]
    assert f"import-route static route-policy {CE_MGMT_POLICY}" in lines(root.child("isis 1"))


def test_vrp_routers_without_ces_import_nothing(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    root = vrp(render(ref, ref_intents["dg-wan-01"]))
    assert not root.starting("ip route-static ")
    assert not root.starting("ip ip-prefix ")
    assert not [line for line in lines(root.child("isis 1")) if line.startswith("import-route")]


# --- Cisco IOS-XR: the mini design's PE ---------------------------------------------------------


def test_iosxr_pe_host_route_and_policy_limited_redistribution(mini: Design) -> None:
    intents = intents_of(mini)
    root = xr(render(mini, intents["agg-01"]))
    ce_link = next(i.ipv4 for i in intents["ce-01"].interfaces if i.peer == "agg-01" and not i.vrf)
    pe_if = next(i.name for i in intents["agg-01"].interfaces if i.peer == "ce-01" and not i.vrf)
    assert ce_link is not None
    static = root.child("router static")
    assert static is not None
    assert lines(static.child("address-family ipv4 unicast")) == [
        f"10.99.0.21/32 {pe_if} {ce_link.split('/')[0]} description mgmt of ce-01"
    ]
    assert lines(root.child(f"prefix-set {CE_MGMT_POLICY}")) == ["10.99.0.0/16 eq 32"]
    policy = root.child(f"route-policy {CE_MGMT_POLICY}")
    assert policy is not None and policy.children[0].line == (
        f"if destination in {CE_MGMT_POLICY} then"
    )
    isis = root.child("router isis GOVNET")
    assert isis is not None
    assert f"redistribute static route-policy {CE_MGMT_POLICY}" in lines(
        isis.child("address-family ipv4 unicast")
    )
    assert "redistribute" not in " ".join(lines(isis.child("address-family ipv6 unicast")))


def test_iosxr_ce_renders_its_management_loopback(mini: Design) -> None:
    """A CE on IOS-XR (none in the designs): the same intent, XR's words."""
    intents = intents_of(mini)
    ce = intents["ce-01"]
    as_xr = _on_platform(mini, ce, "iosxr")
    root = xr(render(mini, as_xr))
    assert lines(root.child("interface Loopback1"))[1:] == [
        "ipv4 address 10.99.0.21 255.255.255.255"
    ]
    static = root.child("router static")
    assert static is not None
    (route,) = lines(static.child("address-family ipv4 unicast"))
    assert route.startswith("10.99.0.0/16 GE3/0/0 10.101.0.2 ")


def _on_platform(design: Design, intent: DeviceIntent, platform: str) -> DeviceIntent:
    from govnet.inventory.platforms import PLATFORMS, Platform

    info = PLATFORMS[Platform(platform)]
    return intent.model_copy(
        update={
            "platform": platform,
            "management_interface": info.management_loopback,
            "management": intent.management.model_copy(
                update={"source_interface": info.management_loopback}
            )
            if intent.management
            else None,
        }
    )


# --- Juniper Junos: a PE (none in the designs carries a CE: the mini town on Junos made one) ---


def test_junos_pe_host_route_and_export_policy(mini: Design) -> None:
    intents = intents_of(mini)
    agg = intents["agg-01"]
    as_junos = _on_platform(mini, intents["town-c"], "junos").model_copy(
        update={
            "static_routes": agg.static_routes,
            "isis": intents["town-c"].isis.model_copy(  # type: ignore[union-attr]
                update={"import_static": agg.isis.import_static}  # type: ignore[union-attr]
            ),
        }
    )
    root = braced_blocks(render(mini, as_junos))
    static = root.child("routing-options")
    assert static is not None
    route = agg.static_routes[0]
    assert lines(static.child("static")) == [f"route {route.prefix} next-hop {route.next_hop}"]
    isis = root.child("protocols")
    assert isis is not None
    assert f"export {CE_MGMT_POLICY}" in lines(isis.child("isis"))
    options = root.child("policy-options")
    assert options is not None
    term = options.child(f"policy-statement {CE_MGMT_POLICY}")
    assert term is not None
    body = term.child("term CE-MANAGEMENT")
    assert body is not None
    assert lines(body.child("from")) == [
        "protocol static",
        "route-filter 10.99.0.0/16 prefix-length-range /32-/32",
    ]
    assert "then accept" in lines(body)


def test_junos_ce_carries_its_address_on_lo0(mini: Design) -> None:
    ce = _on_platform(mini, intents_of(mini)["ce-01"], "junos")
    text = render(mini, ce)
    root = braced_blocks(text)
    interfaces = root.child("interfaces")
    assert interfaces is not None
    lo0 = interfaces.child(ce.interfaces[0].name)  # the loopback (names stay the intent's)
    assert lo0 is not None
    inet = lo0.child("unit 0")
    assert inet is not None
    family = inet.child("family inet")
    assert family is not None
    assert "address 10.99.0.21/32" in lines(family)
    assert inband_problems("junos", text, ipaddress.ip_address("10.99.0.21"), []) == []


# --- FRR: the lab --------------------------------------------------------------------------------


def test_frr_pe_redistributes_only_the_ce_host_routes(mini: Design) -> None:
    intents = intents_of(mini, lab=True)
    text = render(mini, intents["agg-01"])
    assert f"ip prefix-list {CE_MGMT_POLICY} seq 5 permit 10.99.0.0/16 ge 32" in text
    assert f" redistribute ipv4 static level-2 route-map {CE_MGMT_POLICY}\n" in text
    route = intents["agg-01"].static_routes[0]
    assert f"ip route 10.99.0.21/32 {route.next_hop} {route.interface}\n" in text
    ce_text = render(mini, intents["ce-01"])
    assert " ip address 10.99.0.21/32\n" in ce_text
    assert "ip route 10.99.0.0/16 " in ce_text


@pytest.mark.skipif(shutil.which("vtysh") is None, reason="FRR's vtysh is not installed")
def test_frr_takes_the_lab_configs_of_ce_and_pe(mini: Design, tmp_path: Path) -> None:
    intents = intents_of(mini, lab=True)
    for name in ("agg-01", "ce-01"):
        assert_frr_loads(render(mini, intents[name]), tmp_path / f"{name}.conf")


# --- lint --------------------------------------------------------------------------------------


def test_lint_passes_the_reference_ces(ref: Design, ref_intents: dict[str, DeviceIntent]) -> None:
    rules = load_rules([reference_design_path()])
    configs = [(n, "huawei_vrp", render(ref, ref_intents[n])) for n in ces(ref)]
    findings = lint_configs(
        configs,
        rules,
        management_addresses(ref.hosts),
        inband_management(ref.hosts, ref.network.management),
    )
    assert findings == []


def test_lint_fails_a_ce_without_in_band_path(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    ce = ref_intents["dg-ce-gaj"].model_copy(
        update={"management_address": None, "management_interface": None, "static_routes": []}
    )
    rules = load_rules([reference_design_path()])
    findings = lint_configs(
        [("dg-ce-gaj", "huawei_vrp", render(ref, ce))],
        rules,
        management_addresses(ref.hosts),
        inband_management(ref.hosts, ref.network.management),
    )
    evidence = [(f.device, f.rule, f.evidence) for f in findings]
    assert evidence == [
        (
            "dg-ce-gaj",
            "management-path",
            "in-band management: 10.199.3.11 is on no interface of the global table "
            "(a bureau CE has no out-of-band network)",
        ),
        (
            "dg-ce-gaj",
            "management-path",
            "in-band management: no global static route towards 10.199.0.0/16 through a "
            "directly connected next hop (replies to the NOC have no way back)",
        ),
    ]


def test_lint_refuses_a_route_back_through_a_next_hop_not_connected(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    ce = ref_intents["dg-ce-gaj"]
    stray = [r.model_copy(update={"next_hop": "192.0.2.1"}) for r in ce.static_routes]
    text = render(ref, ce.model_copy(update={"static_routes": stray}))
    problems = inband_problems(
        "huawei_vrp", text, ipaddress.ip_address("10.199.3.11"), list(ref.network.management)
    )
    assert len(problems) == 1 and "no global static route towards 10.199.0.0/16" in problems[0]


def test_lint_refuses_an_address_inside_a_vpn_instance() -> None:
    text = (
        "interface GE0/0/1\n ip binding vpn-instance PUBLIC\n ip address 10.199.3.11 255.255.255.255\n"
        "#\nip route-static 10.199.0.0 255.255.0.0 GE0/0/1 10.199.3.10\n"
    )
    problems = inband_problems(
        "huawei_vrp",
        text,
        ipaddress.ip_address("10.199.3.11"),
        [ipaddress.ip_network("10.199.0.0/16")],
    )
    assert problems[0].startswith("in-band management: 10.199.3.11 is on no interface")


# --- validation of the CE management addresses ----------------------------------------------------


@pytest.mark.parametrize(
    ("address", "messages"),
    [
        pytest.param(
            "10.198.3.11",
            ["management address 10.198.3.11 is outside the management prefixes (10.199.0.0/16)"],
            id="outside-pool",
        ),
        pytest.param(
            "10.200.3.11",
            [
                "management address 10.200.3.11 is outside the management prefixes",
                "management address 10.200.3.11 is inside the loopback_ipv4 pool (10.200.0.0/22)",
            ],
            id="inside-loopback-pool",
        ),
        pytest.param(
            "2001:db8:199::11",
            [
                "management address 2001:db8:199::11 is outside the management prefixes",
                "a bureau CE is managed in-band over IPv4 only",
            ],
            id="ipv6",
        ),
    ],
)
def test_bad_ce_management_address(design_dir: Path, address: str, messages: list[str]) -> None:
    path = design_dir / HOSTS
    line = line_of(path, "hostname: 10.199.3.11")
    replace_in(path, "  hostname: 10.199.3.11\n", f'  hostname: "{address}"\n')
    errors = load_errors(design_dir)
    shown = "\n".join(e.format() for e in errors)
    assert [(e.file, e.line, e.field) for e in errors] == [
        (HOSTS, line, "dg-ce-gaj.hostname")
    ] * len(messages), shown
    for message in messages:
        assert any(message in e.message for e in errors), shown


def test_duplicate_ce_management_address(design_dir: Path) -> None:
    path = design_dir / HOSTS
    line = line_of(path, "hostname: 10.199.3.12")
    replace_in(path, "  hostname: 10.199.3.12\n", "  hostname: 10.199.3.11\n")
    (error,) = load_errors(design_dir)
    assert (error.file, error.line, error.field) == (HOSTS, line, "dg-ce-czj.hostname")
    assert error.message == "management address 10.199.3.11 is also used by 'dg-ce-gaj'"


def test_ce_needs_ipv4_management_prefixes(design_dir: Path) -> None:
    network = design_dir / "topology" / "network.yaml"
    replace_in(network, "  - 10.199.0.0/16\n", '  - "2001:db8:199::/48"\n')
    errors = load_errors(design_dir)
    ce_errors = [e for e in errors if "needs IPv4 management prefixes" in e.message]
    assert len(ce_errors) == len(ces(load_design(REFERENCE)))
    assert all(e.file == HOSTS and e.field.endswith(".hostname") for e in ce_errors)


def test_validate_cli_names_file_line_and_field(design_dir: Path) -> None:
    path = design_dir / HOSTS
    line = line_of(path, "hostname: 10.199.3.11")
    replace_in(path, "  hostname: 10.199.3.11\n", "  hostname: 10.200.3.11\n")
    result = CliRunner().invoke(app, ["validate", "--design", str(design_dir)])
    assert result.exit_code == 2, result.output
    assert (
        f"{HOSTS}:{line}: dg-ce-gaj.hostname: management address 10.200.3.11 is inside the "
        "loopback_ipv4 pool"
    ) in result.output


# --- the feature matrix ------------------------------------------------------------------------


def test_a_platform_without_static_import_is_refused(tmp_path: Path) -> None:
    from govnet.templates.render import RenderError, render_design
    from tests.conftest import copy_design

    root = copy_design(MINI, tmp_path / "mini")
    matrix = (reference_design_path() / "templates" / "features.yaml").read_text(encoding="utf-8")
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "features.yaml").write_text(
        matrix.replace(
            "isis_static_import:    {huawei_vrp: true, iosxr: true,",
            "isis_static_import:    {huawei_vrp: true, iosxr: false,",
        ),
        encoding="utf-8",
    )
    design = load_design(root)
    with pytest.raises(RenderError) as caught:
        render_design(design, build_graph(design))
    assert caught.value.problems == [
        "agg-01: platform iosxr cannot do 'isis_static_import' (the CEs' management host "
        "routes into IS-IS; see templates/features.yaml)"
    ]


def test_lint_reports_a_broken_cross_device_path_under_the_ce(
    ref: Design, ref_intents: dict[str, DeviceIntent]
) -> None:
    from govnet.checks.lint import inband_path_findings

    broken = _without(ref_intents, "dg-agg-central", static_routes=[])
    paths = ce_paths(broken, pool(ref))
    cut = [p for p in paths if not p.pes]
    kept = [p for p in paths if p.pes]
    # the single-homed CEs of dg-agg-central lose their path, the dual-homed keep the other PE
    assert "dg-ce-czj" in {p.ce for p in cut} and "dg-ce-gaj" in {p.ce for p in kept}
    platforms = {name: intent.platform for name, intent in broken.items()}
    findings = inband_path_findings(paths, platforms, load_rules([reference_design_path()]))
    assert [(f.device, f.clause, f.rule, f.evidence) for f in findings] == [
        (p.ce, "8.1.4.4", "management-path", f"in-band path: no PE routes {p.address} to {p.ce}")
        for p in cut
    ]


def test_lint_cli_is_clean_on_the_reference() -> None:
    result = CliRunner().invoke(app, ["lint", "--design", str(REFERENCE), "--json"])
    assert result.exit_code == 0, result.output
