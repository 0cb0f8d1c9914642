"""The rendered IOS-XR configs, read back as a hierarchy: what they reference is defined,
their BGP sessions go where the design says, and each weak management variant fails lint."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from govnet.checks.lint import Finding, lint_configs, load_rules, management_addresses
from govnet.design import Design, load_design, reference_design_path
from govnet.diagnostics import DesignError
from govnet.inventory.platforms import Platform
from govnet.inventory.roles import ROLES
from govnet.templates.build import BGP_EXCLUDED, build_intents
from govnet.templates.features import load_features
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_all, template_dirs
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, copy_design, line_of, replace_in

MINI = Path(__file__).parent / "designs" / "mini"
PLATFORM = Platform.IOSXR


# --- a small parser for `show running-config`-style text ------------------------------------


@dataclass
class Block:
    line: str
    children: list[Block] = field(default_factory=list)

    def all(self, prefix: str) -> list[Block]:
        return [c for c in self.children if c.line.startswith(prefix)]

    def one(self, line: str) -> Block:
        found = [c for c in self.children if c.line == line]
        assert len(found) == 1, f"{line!r} occurs {len(found)} times under {self.line!r}"
        return found[0]

    def has(self, line: str) -> bool:
        return any(c.line == line for c in self.children)

    def lines(self) -> list[str]:
        return [c.line for c in self.children]


def parse(text: str) -> Block:
    """Children are indented by one space more than their parent; `!` lines only close
    blocks; a banner's text runs to its delimiter."""
    root = Block("")
    stack: list[tuple[int, Block]] = [(-1, root)]
    lines = iter(text.splitlines())
    for raw in lines:
        stripped = raw.strip()
        if not stripped or stripped.startswith("!") or stripped == "end":
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        while stack[-1][0] >= indent:
            stack.pop()
        block = Block(stripped)
        stack[-1][1].children.append(block)
        stack.append((indent, block))
        if stripped.startswith("banner "):
            delimiter = stripped.split()[-1]
            for body in lines:
                if body == delimiter:
                    break
                block.children.append(Block(body))
            stack.pop()
    return root


# --- rendering one platform of a design -----------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    design: Design
    intents: dict[str, DeviceIntent]
    texts: dict[str, str]

    def tree(self, host: str) -> Block:
        return parse(self.texts[host])


def render_platform(root: Path) -> Rendered:
    design = load_design(root)
    hosts = sorted(n for n, h in design.hosts.items() if h.platform is PLATFORM)
    intents = build_intents(design, build_graph(design), hosts)
    configs = render_all(root, intents, load_features(template_dirs(root)))
    return Rendered(design, intents, {c.hostname: c.text for c in configs})


def lint_platform(root: Path) -> list[Finding]:
    rendered = render_platform(root)
    rules = load_rules([root, reference_design_path()])
    triples = ((host, PLATFORM.value, text) for host, text in rendered.texts.items())
    return lint_configs(triples, rules, management_addresses(rendered.design.hosts))


@pytest.fixture(scope="module")
def mini() -> Rendered:
    return render_platform(MINI)


@pytest.fixture(scope="module", params=["mini", "reference"])
def design(request: pytest.FixtureRequest) -> Rendered:
    return render_platform(MINI if request.param == "mini" else REFERENCE)


def test_platform_devices(mini: Rendered) -> None:
    assert sorted(mini.texts) == ["agg-01", "mc-02", "town-b"]
    assert sorted(render_platform(REFERENCE).texts) == ["dg-changan", "dg-tangxia"]


# --- what the configs reference is defined ---------------------------------------------------


def interfaces(tree: Block) -> dict[str, Block]:
    return {b.line.removeprefix("interface "): b for b in tree.all("interface ")}


def test_interface_count_matches_intent(design: Rendered) -> None:
    for host, intent in design.intents.items():
        rendered = interfaces(design.tree(host))
        assert len(rendered) == len(intent.interfaces), host
        assert list(rendered) == [i.name for i in intent.interfaces], host


def test_vrfs_bound_to_interfaces_are_defined(design: Rendered) -> None:
    for host in design.texts:
        tree = design.tree(host)
        defined = {b.line.removeprefix("vrf ") for b in tree.all("vrf ")}
        bgp_vrfs = {
            b.line.removeprefix("vrf ") for r in tree.all("router bgp ") for b in r.all("vrf ")
        }
        bound = {
            line.removeprefix("vrf ")
            for block in interfaces(tree).values()
            for line in block.lines()
            if line.startswith("vrf ")
        }
        assert bound <= defined, host
        assert bound <= bgp_vrfs, host
        assert defined == {v.name for v in design.intents[host].vrfs}, host


def test_isis_interfaces_exist(design: Rendered) -> None:
    for host, intent in design.intents.items():
        tree = design.tree(host)
        isis = tree.one("router isis GOVNET")
        enabled = [b.line.removeprefix("interface ") for b in isis.all("interface ")]
        assert set(enabled) <= set(interfaces(tree)), host
        assert enabled == [i.name for i in intent.interfaces if i.isis], host
        assert isis.has("is-type level-2-only") and isis.has(f"net {intent.isis.net}")
        spf = intent.isis
        for family in ("ipv4 unicast", "ipv6 unicast"):
            assert isis.one(f"address-family {family}").has("metric-style wide")
            assert isis.one(f"address-family {family}").has(
                f"spf-interval maximum-wait {spf.spf_long_delay_ms} initial-wait "
                f"{spf.spf_initial_delay_ms} secondary-wait {spf.spf_short_delay_ms}"
            )
        for name in enabled[1:]:  # every backbone link: point-to-point with BFD
            block = isis.one(f"interface {name}")
            assert block.lines()[:5] == [
                f"bfd minimum-interval {intent.isis.bfd_interval_ms}",
                f"bfd multiplier {intent.isis.bfd_multiplier}",
                "bfd fast-detect ipv4",
                "bfd fast-detect ipv6",
                "point-to-point",
            ]


def srv6_locators(tree: Block) -> tuple[set[str], set[str]]:
    """(defined, referenced) SRv6 locator names."""
    defined = {
        b.line.removeprefix("locator ")
        for sr in tree.all("segment-routing")
        for srv6 in sr.all("srv6")
        for locators in srv6.all("locators")
        for b in locators.all("locator ")
    }
    sections = [
        sr
        for isis in tree.all("router isis ")
        for af in isis.all("address-family ipv6 unicast")
        for sr in af.all("segment-routing srv6")
    ]
    for bgp in tree.all("router bgp "):
        sections += bgp.all("segment-routing srv6")
        for vrf in bgp.all("vrf "):
            for af in vrf.all("address-family "):
                sections += af.all("segment-routing srv6")
    referenced = {b.line.removeprefix("locator ") for s in sections for b in s.all("locator ")}
    return defined, referenced


def test_srv6_locators_referenced_are_defined(design: Rendered) -> None:
    for host, intent in design.intents.items():
        defined, referenced = srv6_locators(design.tree(host))
        assert intent.srv6 is not None  # both designs run transport dual
        assert defined == {"GOVNET"}, host
        assert referenced == {"GOVNET"}, host


def test_route_targets_match_intent(design: Rendered) -> None:
    for host, intent in design.intents.items():
        tree = design.tree(host)
        for vrf in intent.vrfs:
            block = tree.one(f"vrf {vrf.name}")
            for family in ("ipv4", "ipv6"):
                af = block.one(f"address-family {family} unicast")
                imports = af.one("import route-target").lines()
                exports = af.one("export route-target").lines()
                assert (imports, exports) == (vrf.import_targets, vrf.export_targets), host
            rd = tree.one(f"router bgp {intent.asn}").one(f"vrf {vrf.name}").lines()[0]
            assert rd == f"rd {vrf.rd}"


# --- BGP sessions go where the design says ---------------------------------------------------


def loopbacks(design: Design, device: str) -> set[str]:
    node = build_graph(design).nodes[device]
    return {str(node["loopback_ipv4"]).split("/")[0], str(node["loopback_ipv6"]).split("/")[0]}


def neighbors(block: Block) -> dict[str, Block]:
    return {b.line.removeprefix("neighbor "): b for b in block.all("neighbor ")}


def test_ibgp_neighbors_are_reflector_or_client_loopbacks(design: Rendered) -> None:
    d = design.design
    reflectors = {h.name for h in d.route_reflectors}
    speakers = {
        name
        for name, host in d.hosts.items()
        if ROLES[host.role].backbone and host.role not in BGP_EXCLUDED
    }
    for host in design.texts:
        bgp = design.tree(host).one(f"router bgp {d.network.asn}")
        ibgp = {
            address: block
            for address, block in neighbors(bgp).items()
            if block.has(f"remote-as {d.network.asn}")
        }
        peers = (speakers - {host}) if host in reflectors else reflectors
        expected = set().union(*(loopbacks(d, p) for p in peers))
        assert set(ibgp) == expected, host
        client_addresses = set().union(*(loopbacks(d, p) for p in peers - reflectors))
        for address, block in ibgp.items():
            assert block.has("update-source Loopback0"), (host, address)
            for family in ("vpnv4 unicast", "vpnv6 unicast"):
                af = block.one(f"address-family {family}")
                is_client = host in reflectors and address in client_addresses
                assert af.has("route-reflector-client") == is_client, (host, address)
                srv6 = ipaddress.ip_address(address).version == 6
                assert af.has("encapsulation-type srv6") == srv6, (host, address)


def far_end(prefix: str) -> str:
    """The other address of a /31 or /127 point-to-point link."""
    interface = ipaddress.ip_interface(prefix)
    hosts = [a for a in interface.network if a != interface.ip]
    assert len(hosts) == 1, prefix
    return str(hosts[0])


def test_ebgp_neighbors_are_far_ends_of_attachments_and_uplinks(design: Rendered) -> None:
    d = design.design
    for host, intent in design.intents.items():
        tree = design.tree(host)
        bgp = tree.one(f"router bgp {intent.asn}")
        ebgp = {
            (None, a) for a, b in neighbors(bgp).items() if not b.has(f"remote-as {d.network.asn}")
        }
        for vrf in bgp.all("vrf "):
            ebgp |= {(vrf.line.removeprefix("vrf "), a) for a in neighbors(vrf)}
        ends = set()
        for i in intent.interfaces:
            if i.kind not in ("subinterface", "uplink"):
                continue
            block = interfaces(tree)[i.name]
            assert (f"vrf {i.vrf}" in block.lines()) == (i.vrf is not None)
            if i.user_facing:  # a LAN gateway: users, not BGP peers, live behind it
                continue
            for prefix in (i.ipv4, i.ipv6):
                if prefix:
                    ends.add((i.vrf, far_end(prefix)))
        uplinks = {
            (None, str(peer.ip))
            for up in d.uplinks
            if up.device == host
            for peer in (up.peer_ipv4, up.peer_ipv6)
            if peer is not None
        }
        assert ebgp <= ends | uplinks, host
        sessions = {(n.vrf, n.address): n for n in intent.bgp.neighbors} if intent.bgp else {}
        for vrf, address in ebgp:
            block = neighbors(bgp.one(f"vrf {vrf}") if vrf else bgp)[address]
            # XR: no eBGP routes without a policy; PE-CE sessions have their own each way
            pe_ce = sessions[(vrf, address)].pe_ce
            policies = (
                [pe_ce.import_policy, pe_ce.export_policy]
                if pe_ce
                else ["GOVNET-EBGP-IN", "GOVNET-EBGP-OUT"]
            )
            for af in block.all("address-family "):
                assert af.lines()[:2] == [
                    f"route-policy {policies[0]} in",
                    f"route-policy {policies[1]} out",
                ]


# --- exact lines of one device ---------------------------------------------------------------


def test_agg_01_exact_lines(mini: Rendered) -> None:
    text = mini.texts["agg-01"]
    tree = mini.tree("agg-01")
    assert tree.one("router isis GOVNET").lines()[:3] == [
        "is-type level-2-only",
        "net 49.0099.0101.0000.0001.00",
        "log adjacency changes",
    ]
    assert (
        "interface GigabitEthernet0/0/2/0.301\n"
        " description POLICE to ce-01\n"
        " vrf POLICE\n"
        " ipv4 address 10.101.0.8 255.255.255.254\n"
        " ipv6 address 2001:db8:99:100::8/127\n"
        " encapsulation dot1q 301\n"
        "!\n"
    ) in text
    assert (
        "interface HundredGigE0/0/0/1\n"
        " description to mc-02 HundredGigE0/0/0/3, 100G\n"
        " mtu 9014\n"
        " ipv4 address 10.101.0.12 255.255.255.254\n"
        " ipv6 address 2001:db8:99:100::c/127\n"
        " no shutdown\n"
        "!\n"
    ) in text
    assert (
        "vrf POLICE\n"
        " description POLICE\n"
        " address-family ipv4 unicast\n"
        "  import route-target\n"
        "   65099:301\n"
        "   65099:1\n"
        "  !\n"
        "  export route-target\n"
        "   65099:301\n"
        "   65099:2\n"
        "  !\n"
        " !\n"
    ) in text
    assert (
        " vrf POLICE\n"
        "  rd 10.100.0.1:301\n"
        "  address-family ipv4 unicast\n"
        "   label mode per-vrf\n"
        "   mpls alloc enable\n"
        "   segment-routing srv6\n"
        "    locator GOVNET\n"
        "    alloc mode per-vrf\n"
        "   !\n"
        "   redistribute connected\n"
        "  !\n"
    ) in text
    assert (
        "  neighbor 10.101.0.9\n"
        "   remote-as 4206553602\n"
        "   description ce-01 (CE, POLICE)\n"
        "   address-family ipv4 unicast\n"
        "    route-policy GOVNET-PECE-POLICE-ce-01-4-IN in\n"
        "    route-policy GOVNET-PECE-POLICE-ce-01-4-OUT out\n"
        "    maximum-prefix 100 80 restart 5\n"
        "   !\n"
        "  !\n"
    ) in text
    bgp = tree.one("router bgp 65099")
    assert sorted(neighbors(bgp)) == [
        "10.100.0.5",
        "10.100.0.6",
        "2001:db8:99::5",
        "2001:db8:99::6",
    ]
    assert tree.one("segment-routing").one("srv6").one("locators").one(
        "locator GOVNET"
    ).lines() == ["prefix 5f00:0:99:1::/64"]
    assert tree.one("segment-routing").one("srv6").one("encapsulation").lines() == [
        "source-address 2001:db8:99::1"
    ]
    assert [b.line for b in tree.one("mpls ldp").all("interface ")] == [
        "interface HundredGigE0/0/0/0",
        "interface HundredGigE0/0/0/1",
        "interface TenGigE0/0/1/0",
    ]
    assert tree.one("ipv4 access-list GOVNET-MGMT").lines() == [
        "10 permit ipv4 10.99.0.0 0.0.255.255 any",
        "1000 deny ipv4 any any log",
    ]
    assert tree.one("line default").lines() == [
        "exec-timeout 10 0",
        "access-class ingress GOVNET-MGMT",
        "transport input ssh",
    ]
    assert tree.one("banner login #").lines() == [
        "东莞市电子政务外网 — authorised use only. All sessions are logged and audited.",
        "Dongguan e-government extranet: unauthorised access is prohibited (网络安全法).",
    ]


def test_mc_02_is_a_route_reflector(mini: Rendered) -> None:
    bgp = mini.tree("mc-02").one("router bgp 65099")
    assert bgp.lines()[:2] == ["bgp router-id 10.100.0.6", "bgp cluster-id 10.100.0.5"]
    assert len(neighbors(bgp)) == 14  # 7 other speakers, an IPv4 and an IPv6 session each
    mc_01 = neighbors(bgp)["10.100.0.5"]
    assert not mc_01.one("address-family vpnv4 unicast").has("route-reflector-client")


# --- lint: the clean designs pass, each weak variant fails its rule --------------------------


@pytest.mark.parametrize("root", [MINI, REFERENCE], ids=["mini", "reference"])
def test_clean_designs_pass_lint(root: Path) -> None:
    assert lint_platform(root) == []


WEAK = {
    "telnet": ("  telnet: false", "  telnet: true", {"ssh-only": "8.1.4.1"}),
    "syslog": (
        "  servers: [10.199.255.21, 10.199.255.22]",
        "  servers: []",
        {"syslog-two-servers": "8.1.4.3", "log-retention": "网络安全法 art. 21"},
    ),
    "acl": (
        "  # allowed_prefixes defaults to topology/network.yaml management",
        "  allowed_prefixes: []",
        {"management-acl": "8.1.4.4", "management-acl-default-deny": "8.1.3.2"},
    ),
    "admin-account": (
        "    - name: govnet-break-glass",
        "    - name: admin",
        {"no-default-accounts": "8.1.4.2"},
    ),
    "tacacs-key": (
        '  tacacs_key: {ref: "env:GOVNET_TACACS_KEY"}',
        '  tacacs_key: "Gov@2019"',
        {"no-clear-text-secrets": "8.1.4.1"},
    ),
}


@pytest.mark.parametrize("variant", sorted(WEAK))
def test_weak_variant_fails_its_rule(variant: str, tmp_path: Path) -> None:
    old, new, expected = WEAK[variant]
    root = copy_design(MINI, tmp_path / "design")
    replace_in(root / "topology" / "management.yaml", old, new)
    findings = lint_platform(root)
    for host in ("agg-01", "mc-02", "town-b"):
        mine = {(f.rule, f.clause) for f in findings if f.device == host}
        assert mine == set(expected.items()), (host, [f.evidence for f in findings])


def test_weak_variants_render_their_weakness(tmp_path: Path) -> None:
    root = copy_design(MINI, tmp_path / "design")
    management = root / "topology" / "management.yaml"
    for old, new, _ in WEAK.values():
        replace_in(management, old, new)
    tree = render_platform(root).tree("town-b")
    assert tree.has("telnet vrf default ipv4 server max-servers 10")
    assert tree.one("line default").lines() == ["exec-timeout 10 0", "transport input ssh telnet"]
    assert tree.has("ssh server vrf default")
    assert not tree.all("ipv4 access-list") and not tree.all("logging 10.")
    assert tree.one("tacacs-server host 10.199.255.11 port 49").lines() == ["key 0 Gov@2019"]


# --- delivery: NETCONF for the push, interfaces up, the management path open -----------------


def test_netconf_over_ssh_is_enabled_and_limited_by_the_management_acl(design: Rendered) -> None:
    for host in design.texts:
        tree = design.tree(host)
        assert tree.one("netconf-yang agent").lines() == ["ssh"], host
        acl = "ipv4 access-list GOVNET-MGMT ipv6 access-list GOVNET-MGMT"
        assert tree.has(f"ssh server netconf vrf default {acl}"), host
        assert tree.has(f"ssh server vrf default {acl}"), host
        assert not tree.all("xml agent"), host  # the old iosxr driver's agent stays off


def test_every_used_physical_interface_says_no_shutdown(design: Rendered) -> None:
    """XR keeps an interface shut until `no shutdown` is configured (SOURCES.md)."""
    for host, intent in design.intents.items():
        rendered = interfaces(design.tree(host))
        physical = [i for i in intent.interfaces if i.kind not in ("loopback", "subinterface")]
        assert physical, host
        for interface in intent.interfaces:
            lines = rendered[interface.name].lines()
            if interface in physical:
                assert lines[-1] == "no shutdown" and "shutdown" not in lines, (host, lines)
            else:
                assert "no shutdown" not in lines and "shutdown" not in lines, (host, lines)


def test_a_shut_interface_is_not_brought_up(tmp_path: Path) -> None:
    rendered = render_platform(MINI)
    intent = rendered.intents["agg-01"]
    first = next(i for i in intent.interfaces if i.kind not in ("loopback", "subinterface"))
    shut = intent.model_copy(
        update={
            "interfaces": [
                i.model_copy(update={"shutdown": True}) if i is first else i
                for i in intent.interfaces
            ]
        }
    )
    text = render_all(MINI, {"agg-01": shut}, load_features(template_dirs(MINI)))[0].text
    lines = interfaces(parse(text))[first.name].lines()
    assert lines[-1] == "shutdown" and "no shutdown" not in lines


def test_secret_fields_ask_for_their_forms(mini: Rendered) -> None:
    text = mini.texts["agg-01"]
    assert " secret 10 %SECRET(env:GOVNET_LOCAL_ADMIN_PASSWORD|sha512-crypt)%\n" in text
    assert " key 7 %SECRET(env:GOVNET_TACACS_KEY|cisco-type7)%\n" in text
    assert (
        " authentication-key 2 md5 encrypted %SECRET(env:GOVNET_NTP_KEY_MD5|cisco-type7)%\n" in text
    )


# --- the NCS 5500/5700 SRv6 hardware profile (templates/features.yaml `models`) ---------------

HW_PROFILE = "hw-module profile segment-routing srv6 mode base"


def ncs_mini(tmp_path: Path) -> Path:
    """The mini design with agg-01 on an NCS 5700 (mc-02 and town-b stay ASR 9000s)."""
    root = copy_design(MINI, tmp_path / "design")
    replace_in(
        root / "inventory" / "hosts.yaml",
        "site: agg-north, district: north, model: ASR-9902",
        "site: agg-north, district: north, model: NCS-57C3-MOD-SYS",
    )
    return root


def test_feature_matrix_knows_which_models_need_the_profile() -> None:
    features = load_features(template_dirs(MINI))
    for model in ("NCS-5501-SE", "NCS-55A1-24H", "NCS-57C3-MOD-SYS", "ncs-5504"):
        assert features.model_needs("iosxr", model) == ["srv6_hw_profile_base"], model
    for model in ("ASR-9902", "ASR-9906", "8201-32FH"):
        assert features.model_needs("iosxr", model) == [], model
    assert features.model_needs("junos", "NCS-5501") == []


@pytest.mark.parametrize("where", ["ncs", "mini", "reference"])
def test_hw_profile_on_the_models_that_need_it_only(where: str, tmp_path: Path) -> None:
    root = {"ncs": ncs_mini(tmp_path), "mini": MINI, "reference": REFERENCE}[where]
    rendered = render_platform(root)
    features = load_features(template_dirs(root))
    needing = set()
    for host, intent in rendered.intents.items():
        tree = rendered.tree(host)
        needs = "srv6_hw_profile_base" in features.model_needs("iosxr", intent.model)
        if needs and intent.srv6 is not None:
            needing.add(host)
            # a top-level line, once, beside the base-format (no micro-segment) locator
            assert tree.lines().count(HW_PROFILE) == 1, host
            assert "micro-segment" not in rendered.texts[host], host
        else:
            assert HW_PROFILE not in rendered.texts[host], host
    assert needing == ({"agg-01"} if where == "ncs" else set())


def test_render_warns_that_the_profile_needs_a_reload(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from govnet.cli import app

    root = ncs_mini(tmp_path)
    result = CliRunner().invoke(
        app, ["render", "--design", str(root), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: agg-01: "), result.output
    assert "reload" in result.output and HW_PROFILE in result.output
    assert HW_PROFILE in (tmp_path / "out" / "iosxr" / "agg-01.cfg").read_text()


def test_unknown_model_need_is_refused(tmp_path: Path) -> None:
    root = copy_design(MINI, tmp_path / "design")
    templates = root / "templates"
    templates.mkdir()
    source = (template_dirs(MINI)[-1] / "features.yaml").read_text()
    (templates / "features.yaml").write_text(
        source.replace("NCS-57: [srv6_hw_profile_base]", "NCS-57: [reload_by_magic]")
    )
    with pytest.raises(DesignError) as caught:
        load_features(template_dirs(root))
    [problem] = caught.value.errors
    assert (problem.file, problem.field) == ("templates/features.yaml", "models.iosxr.NCS-57")
    assert problem.line == line_of(templates / "features.yaml", "NCS-57: [reload_by_magic]")
    assert problem.message.startswith("expected a list of srv6_hw_profile_base")
