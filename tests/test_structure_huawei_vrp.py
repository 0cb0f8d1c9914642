"""Huawei VRP configs (NE40E / NE8000 on VRP8, AR routers for the bureau CEs): structure.

No Huawei device runs here, so these tests hold the rendered configs to what Huawei documents:

- every line is a command form found in Huawei documentation (the NE40E V800R012C10
  configuration guide and the NetEngine 8000 command reference, with the AR/S command reference
  where the CE differs), in the view that document puts it in;
- sections come in dependency order, so the file replays as written: `ip binding vpn-instance`
  before the addresses of its interface (binding deletes IPv4 and IPv6 Layer 3 settings), VPN
  instances, `bfd`, `mpls`, `segment-routing ipv6` and IS-IS before their users, LoopBack0 before
  the services that take their source from it;
- what the intent asks for is there (route reflection, SRv6 per VPN instance, PE-CE sessions);
- `govnet lint` (checks/lint/huawei_vrp.yaml) passes the designs and catches weak ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from govnet.checks.lint import lint_configs, load_rules, management_addresses
from govnet.design import Design, load_design
from govnet.templates.build import build_intents
from govnet.templates.features import load_features
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_all, template_dirs
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, copy_design, replace_in

MINI = Path(__file__).parent / "designs" / "mini"

IP4 = r"\d+\.\d+\.\d+\.\d+"
IP6 = r"[0-9a-fA-F:]*:[0-9a-fA-F:.]*"
ADDR = rf"(?:{IP4}|{IP6})"
SECRET = r"\S+"
NAME = r"[A-Za-z0-9_.-]+"

# Top-level commands (system view) and the commands of the view each one opens, indentation
# included. Keys are the top-level forms; a top-level line without an entry has no children.
GRAMMAR: dict[str, list[str]] = {
    rf"sysname {NAME}": [],
    r'header login information "[^"]*"': [],
    r"bfd": [],
    rf"ip vpn-instance {NAME}": [
        r" description .+",
        r" ipv4-family",
        r" ipv6-family",
        r"  route-distinguisher \S+:\d+",
        r"  vpn-target (?:\d+:\d+ ){1,8}(?:export|import)-extcommunity",
        r"  apply-label per-instance",  # SOURCES.md, "apply-label per-instance"
        r"  undo apply-label per-instance",  # SOURCES.md, "Merge: what each state removes"
    ],
    rf"mpls lsr-id {IP4}": [],
    r"mpls": [],
    r"mpls ldp": [],
    # merge removals (SOURCES.md, "Merge: what each state removes")
    r"undo (?:mpls ldp|mpls|mpls lsr-id|segment-routing ipv6)": [],
    rf"undo route-policy {NAME}": [],
    r"acl number 2\d{3}": [
        rf" rule \d+ permit source {IP4} {IP4}",
        r" rule \d+ deny source any",
    ],
    r"acl ipv6 number 2\d{3}": [
        rf" rule \d+ permit source {IP6}/\d+",
        r" rule \d+ deny source any",
    ],
    rf"hwtacacs-server template {NAME}": [
        rf" hwtacacs-server (?:authentication|authorization|accounting) {ADDR}(?: secondary)?",
        rf" hwtacacs-server shared-key cipher {SECRET}",
    ],
    r"aaa": [
        r" local-aaa-user wrong-password retry-interval \d+ retry-time \d+ block-time \d+",
        # security baseline (SOURCES.md): the local administrators' password policy view
        r" local-aaa-user password policy administrator",
        r"  password history record number (?:[0-9]|1[0-2])",
        r"  password expire (?:[0-9]|[1-9]\d|[1-9]\d\d)",
        rf" authentication-scheme {NAME}",
        r"  authentication-mode (?:hwtacacs local|local)",
        rf" authorization-scheme {NAME}",
        r"  authorization-mode (?:hwtacacs local|local)",
        rf" accounting-scheme {NAME}",
        r"  accounting-mode hwtacacs",
        r"  accounting start-fail online",
        rf" recording-scheme {NAME}",
        rf"  recording-mode hwtacacs {NAME}",
        rf" cmd recording-scheme {NAME}",
        r" domain default_admin",
        rf"  (?:authentication|authorization|accounting)-scheme {NAME}",
        rf"  hwtacacs-server {NAME}",
        rf" local-user {NAME} password irreversible-cipher {SECRET}",
        rf" local-user {NAME} (?:level [0-3]|privilege level (?:[0-9]|1[0-5]))",
        rf" local-user {NAME} service-type terminal ssh",
    ],
    r"segment-routing ipv6": [
        rf" encapsulation source-address {IP6}",
        rf" locator {NAME} ipv6-prefix {IP6} \d+ static \d+",
    ],
    r"isis 1": [
        r" is-level level-2",
        r" cost-style wide",
        r" network-entity 49(?:\.[0-9a-fA-F]{4})+\.00",
        rf" is-name {NAME}",
        r" timer spf (?:[1-9]|[1-9]\d|1[01]\d|120) \d{1,5} \d{1,5}",  # max s, init ms, incr ms
        r" ipv6 enable topology (?:ipv6|standard)",
        rf" segment-routing ipv6 locator {NAME}",
        rf" import-route static route-policy {NAME}",  # the CEs' management host routes
        r" timer ldp-sync hold-max-cost (?:infinite|\d{1,5})",  # SOURCES.md, "LDP-IGP sync"
        # merge removals (SOURCES.md, "Merge: what each state removes")
        rf" undo segment-routing ipv6 locator {NAME}",
        r" undo timer ldp-sync hold-max-cost",
    ],
    # in-band CE management (SOURCES.md, "Rendering: CE management path")
    rf"ip route-static {IP4} {IP4} \S+ {IP4} description .{{1,35}}": [],
    rf"ip ip-prefix {NAME} index \d+ permit {IP4} \d+ greater-equal \d+ less-equal \d+": [],
    rf"route-policy {NAME} permit node \d+": [
        rf" if-match ip-prefix {NAME}",
        rf" if-match ipv6 address prefix-list {NAME}",  # PE-CE (SOURCES.md, "PE-CE route …")
    ],
    # PE-CE route policies (SOURCES.md, "PE-CE route policies and prefix limits")
    rf"ip ip-prefix {NAME} index \d+ permit {IP4} \d+(?: less-equal \d+)?": [],
    rf"ip ipv6-prefix {NAME} index \d+ permit {IP6} \d+(?: less-equal \d+)?": [],
    rf"route-policy {NAME} deny node \d+": [],
    r"interface \S+": [
        r" (?:undo )?shutdown",
        r" description .+",
        r" dot1q termination vid \d+",
        r" arp broadcast enable",
        rf" ip binding vpn-instance {NAME}",
        r" mtu \d+",
        rf" ip address {IP4} {IP4}",
        r" ipv6 enable",
        rf" ipv6 address {IP6}/\d+",
        r" ipv6 mtu \d+",
        r" isis (?:ipv6 )?enable 1",
        r" isis circuit-type p2p",
        r" isis (?:ipv6 )?cost \d+",
        r" isis (?:ipv6 )?bfd enable",
        r" isis (?:ipv6 )?bfd min-tx-interval \d+ min-rx-interval \d+ detect-multiplier \d+",
        r" mpls",
        r" mpls ldp",
        r" isis ldp-sync",  # SOURCES.md, "LDP-IGP synchronisation"
        r" undo (?:isis ldp-sync|mpls ldp|mpls)",  # SOURCES.md, "Merge: what each state removes"
    ],
    r"bgp \d+": [
        rf" router-id {IP4}",
        r" undo default ipv4-unicast",
        # merge removals (SOURCES.md, "Merge: what each state removes")
        rf" undo peer {ADDR}",
        rf"  undo peer {ADDR} (?:route-policy {NAME} export|high-priority|advertise add-path)",
        rf"  undo peer {ADDR} capability-advertise add-path (?:both|receive|send)",
        r"  undo bestroute add-path",
        rf"  undo segment-routing ipv6 (?:best-effort|locator {NAME})",
        rf" peer {ADDR} as-number \d+",
        rf" peer {ADDR} description .+",
        rf" peer {ADDR} connect-interface LoopBack0",
        rf" peer {ADDR} bfd enable",
        r" #",
        r" ipv4-family unicast",
        r" ipv6-family unicast",
        r" ipv4-family vpnv4",
        r" ipv6-family vpnv6",
        rf" ipv[46]-family vpn-instance {NAME}",
        rf"  reflector cluster-id (?:{IP4}|\d+)",
        r"  undo policy vpn-target",
        rf"  peer {ADDR} (?:enable|reflect-client|prefix-sid|bfd enable)",
        # dual transport (SOURCES.md, "dual transport (MPLS + SRv6) evolution")
        r"  bestroute add-path path-number (?:[2-9]|[1-5]\d|6[0-4])",
        rf"  peer {ADDR} capability-advertise add-path (?:both|receive|send)",
        rf"  peer {ADDR} advertise add-path path-number (?:[2-9]|[1-5]\d|6[0-4])",
        rf"  peer {ADDR} high-priority",
        rf"  peer {ADDR} as-number \d+",
        rf"  peer {ADDR} description .+",
        r"  import-route direct",
        rf"  segment-routing ipv6 locator {NAME}",
        r"  segment-routing ipv6 best-effort",
        # PE-CE (SOURCES.md, "PE-CE route policies and prefix limits")
        rf"  peer {ADDR} route-policy {NAME} (?:import|export)",
        (
            rf"  peer {ADDR} route-limit \d+ (?:[1-9]|[1-9]\d|100)"
            r" (?:alert-only|idle-forever|idle-timeout (?:[1-9]\d{0,2}|1[01]\d\d|1200))"
        ),
    ],
    r"ntp-service authentication enable": [],
    rf"ntp-service authentication-keyid \d+ authentication-mode hmac-sha256 cipher {SECRET}": [],
    r"ntp-service reliable authentication-keyid \d+": [],
    (
        rf"ntp-service unicast-server (?:{IP4}|ipv6 {IP6})"
        r"(?: authentication-keyid \d+)? source-interface LoopBack[01]"
    ): [],
    r"info-center loghost source LoopBack[01]": [],
    rf"info-center loghost (?:{IP4}|ipv6 {IP6})": [],
    r"snmp-agent": [],
    r"snmp-agent sys-info version (?:v3|v2c v3)": [],
    r"undo snmp-agent sys-info version v1 v2c": [],
    r"snmp-agent protocol source-interface LoopBack[01]": [],
    r"snmp-agent mib-view included iso iso": [],
    rf"snmp-agent community read {SECRET} mib-view iso acl \d+": [],
    rf"snmp-agent group v3 {NAME} privacy read-view iso notify-view iso": [],
    rf"snmp-agent usm-user v3 {NAME}": [],
    rf"snmp-agent usm-user v3 {NAME} group {NAME}": [],
    rf"snmp-agent usm-user v3 {NAME} authentication-mode sha2-256 cipher {SECRET}": [],
    rf"snmp-agent usm-user v3 {NAME} privacy-mode aes128 cipher {SECRET}": [],
    rf"snmp-agent usm-user v3 {NAME} acl \d+": [],
    rf"snmp-agent target-host trap address udp-domain {IP4} params securityname {NAME} v3 privacy": [],
    r"snmp-agent trap enable": [],
    r"(?:undo )?telnet (?:ipv6 )?server enable": [],
    r"stelnet server enable": [],
    r"ssh (?:ipv6 )?server-source all-interface": [],
    r"ssh (?:ipv6 )?server acl \d+": [],
    r"ssh authentication-type default password": [],
    # security baseline (SOURCES.md): the documented keywords, not only the strong ones
    (
        r"ssh server cipher (?:(?:des_cbc|3des_cbc|aes(?:128|192|256)_(?:cbc|ctr|gcm)"
        r"|arcfour(?:128|256)|blowfish_cbc) ?)+"
    ): [],
    r"ssh server hmac (?:(?:md5|md5_96|sha1|sha1_96|sha2_256|sha2_256_96|sha2_512) ?)+": [],
    (
        r"ssh server key-exchange (?:(?:dh_group_exchange_sha(?:1|256)|dh_group1_sha1"
        r"|ecdh_sha2_nistp(?:256|384|521)|sm2_kep|dh_group14_sha1|dh_group16_sha512) ?)+"
    ): [],
    r"user-interface vty 0 4": [
        r" acl (?:ipv6 )?\d+ inbound",
        r" authentication-mode aaa",
        r" protocol inbound (?:ssh|all)",
        r" idle-timeout \d+ 0",
    ],
    r"user-interface console 0": [
        r" authentication-mode aaa",
        r" idle-timeout \d+ 0",
    ],
    r"return": [],
}


@dataclass
class Statement:
    """A top-level command and the lines of the view it opens."""

    line: str
    number: int
    children: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return self.line.split()


def statements(text: str) -> list[Statement]:
    """Top-level commands in order; `#` separators dropped; the header banner kept whole."""
    result: list[Statement] = []
    lines = text.splitlines()
    n = 0
    while n < len(lines):
        line = lines[n]
        if line.startswith('header login information "'):
            end = n
            while not lines[end].endswith('"') or (end == n and lines[n].count('"') < 2):
                end += 1
            result.append(Statement(" ".join(lines[n : end + 1]), n + 1))
            n = end + 1
            continue
        if line == "#":
            pass
        elif line.startswith(" "):
            assert result, f"line {n + 1}: indented line before any command"
            result[-1].children.append(line)
        else:
            result.append(Statement(line, n + 1))
        n += 1
    return result


def find(config: list[Statement], pattern: str) -> list[Statement]:
    return [s for s in config if re.fullmatch(pattern, s.line)]


def block(view: list[str], header: str) -> list[str]:
    """The lines under `header` (one level deeper) in a view's children."""
    start = view.index(header)
    depth = len(header) - len(header.lstrip()) + 1
    lines = []
    for line in view[start + 1 :]:
        if len(line) - len(line.lstrip()) < depth or line.strip() == "#":
            break
        lines.append(line)
    return lines


def first(config: list[Statement], pattern: str) -> int:
    found = find(config, pattern)
    return found[0].number if found else 10**9


def render(design: Design) -> dict[str, tuple[DeviceIntent, str]]:
    intents = {
        name: intent
        for name, intent in build_intents(design, build_graph(design)).items()
        if intent.platform == "huawei_vrp"
    }
    configs = render_all(design.root, intents, load_features(template_dirs(design.root)))
    return {c.hostname: (intents[c.hostname], c.text) for c in configs}


@pytest.fixture(scope="module", params=["mini", "reference"])
def rendered(request: pytest.FixtureRequest) -> dict[str, tuple[DeviceIntent, str]]:
    return render(load_design(MINI if request.param == "mini" else REFERENCE))


def each(rendered: dict[str, tuple[DeviceIntent, str]]) -> Iterator[tuple[str, DeviceIntent, str]]:
    assert rendered, "no huawei_vrp device in the design"
    for name, (intent, text) in sorted(rendered.items()):
        yield name, intent, text


# --- form --------------------------------------------------------------------------------------


def test_every_line_is_a_documented_command_in_its_view(
    rendered: dict[str, tuple[DeviceIntent, str]],
) -> None:
    for name, _intent, text in each(rendered):
        assert text.startswith("#\nsysname ") and text.endswith("#\nreturn\n"), name
        assert "\t" not in text and "{{" not in text and "{%" not in text, name
        for statement in statements(text):
            parents = [p for p in GRAMMAR if re.fullmatch(p, statement.line)]
            assert parents, f"{name} line {statement.number}: {statement.line!r}"
            allowed = [c for p in parents for c in GRAMMAR[p]]
            for child in statement.children:
                assert any(re.fullmatch(c, child) for c in allowed), (
                    f"{name}: {child!r} under {statement.line!r}"
                )


def test_sections_are_separated_by_hash_lines(
    rendered: dict[str, tuple[DeviceIntent, str]],
) -> None:
    for name, _intent, text in each(rendered):
        lines = text.splitlines()
        for n, line in enumerate(lines[1:], start=1):
            opens_view = line.startswith(("interface ", "ip vpn-instance ", "bgp ", "isis ", "aaa"))
            if opens_view:
                assert lines[n - 1] == "#", f"{name} line {n + 1}: {line!r} not after '#'"


# --- order -------------------------------------------------------------------------------------


def test_vpn_binding_comes_before_every_layer3_setting(
    rendered: dict[str, tuple[DeviceIntent, str]],
) -> None:
    layer3 = re.compile(r" (?:ip address|ipv6 enable|ipv6 address|ipv6 mtu|isis|mpls)\b")
    bound = 0
    for name, _intent, text in each(rendered):
        for interface in find(statements(text), r"interface \S+"):
            binding = [n for n, c in enumerate(interface.children) if "ip binding" in c]
            if not binding:
                continue
            bound += 1
            settings = [n for n, c in enumerate(interface.children) if layer3.match(c)]
            assert settings and binding[0] < min(settings), (name, interface.line)
    assert bound > 0


def test_sections_come_after_what_they_depend_on(
    rendered: dict[str, tuple[DeviceIntent, str]],
) -> None:
    for name, intent, text in each(rendered):
        config = statements(text)
        loopback = first(config, r"interface LoopBack0")
        for vrf in intent.vrfs:
            defined = first(config, rf"ip vpn-instance {vrf.name}")
            users = [
                s.number
                for s in find(config, r"interface \S+")
                if f" ip binding vpn-instance {vrf.name}" in s.children
            ]
            assert all(defined < u for u in users), (name, vrf.name)
            assert defined < first(config, r"bgp \d+"), (name, vrf.name)
        if intent.isis:
            isis = first(config, r"isis 1")
            assert isis < min(
                s.number
                for s in find(config, r"interface \S+")
                if " isis ipv6 enable 1" in s.children
            ), name
            if intent.srv6:
                assert first(config, r"segment-routing ipv6") < isis, name
            if intent.isis.bfd:
                assert first(config, r"bfd") < isis, name
        if intent.mpls_ldp:
            assert first(config, r"mpls ldp") < first(config, r"interface \S+"), name
        if intent.bgp and any(n.bfd for n in intent.bgp.neighbors):
            assert first(config, r"bfd") < first(config, r"bgp \d+"), name
        assert first(config, r"acl number \d+") < first(config, r"user-interface vty 0 4"), name
        assert first(config, r"hwtacacs-server template \S+") < first(config, r"aaa"), name
        for service in (
            r"ssh server-source .*",
            r"ntp-service unicast-server .*",
            r"info-center .*",
        ):
            assert loopback < first(config, service), (name, service)
        names = [s.words[1] for s in find(config, r"interface \S+")]
        for sub in (n for n in names if "." in n):
            assert names.index(sub.split(".")[0]) < names.index(sub), (name, sub)


# --- content -----------------------------------------------------------------------------------


def test_every_interface_of_the_intent_is_configured(
    rendered: dict[str, tuple[DeviceIntent, str]],
) -> None:
    for name, intent, text in each(rendered):
        config = {s.words[1]: s for s in find(statements(text), r"interface \S+")}
        management = [intent.management_interface] if intent.management_interface else []
        assert list(config) == [i.name for i in intent.interfaces] + management, name
        for i in intent.interfaces:
            children = config[i.name].children
            if i.kind == "subinterface":
                assert f" dot1q termination vid {i.vlan}" in children, (name, i.name)
            if i.ipv6:
                assert children.index(" ipv6 enable") < children.index(f" ipv6 address {i.ipv6}")
            if i.isis and not i.isis.passive:
                assert " isis circuit-type p2p" in children and " isis bfd enable" in children
            assert (" mpls ldp" in children) == i.mpls_ldp, (name, i.name)


def test_route_reflectors_and_srv6_sessions(rendered: dict[str, tuple[DeviceIntent, str]]) -> None:
    reflectors = 0
    for name, intent, text in each(rendered):
        if intent.bgp is None:
            continue
        bgp = find(statements(text), r"bgp \d+")[0].children
        for family in (" ipv4-family vpnv4", " ipv6-family vpnv6"):
            if family not in bgp:
                continue
            lines = block(bgp, family)
            assert ("  undo policy vpn-target" in lines) == intent.bgp.route_reflector, name
            for n in intent.bgp.neighbors:
                if n.vrf is None and "vpnv4" in n.families:
                    assert f"  peer {n.address} enable" in lines, (name, n.address)
                    assert (f"  peer {n.address} prefix-sid" in lines) == n.srv6, (name, n.address)
                    reflect = f"  peer {n.address} reflect-client" in lines
                    assert reflect == n.route_reflector_client, (name, n.address)
        reflectors += intent.bgp.route_reflector
        for vrf in intent.vrfs:
            if vrf.srv6 and intent.srv6:
                for family in ("ipv4-family", "ipv6-family"):
                    assert block(bgp, f" {family} vpn-instance {vrf.name}")[:3] == [
                        "  import-route direct",
                        f"  segment-routing ipv6 locator {intent.srv6.locator_name}",
                        "  segment-routing ipv6 best-effort",
                    ], (name, vrf.name)
    assert reflectors >= 1


def test_ar_and_ne_local_user_levels(rendered: dict[str, tuple[DeviceIntent, str]]) -> None:
    for name, intent, text in each(rendered):
        ar = intent.model.upper().startswith("AR")
        level = "privilege level 15" if ar else "level 3"
        assert f" local-user govnet-break-glass {level}\n" in text, name


def test_secrets_are_placeholders(rendered: dict[str, tuple[DeviceIntent, str]]) -> None:
    for name, _intent, text in each(rendered):
        for line in text.splitlines():
            if re.search(r"\b(?:cipher|irreversible-cipher)\b", line) and not line.startswith(
                "ssh server cipher "  # the SSH encryption algorithms, no secret
            ):
                assert re.search(r"(?:cipher|irreversible-cipher) %SECRET\([a-z]+:\S+\)%", line), (
                    name,
                    line,
                )


# --- lint --------------------------------------------------------------------------------------


def lint(design: Design, rendered: dict[str, tuple[DeviceIntent, str]]) -> list[tuple[str, str]]:
    rules = load_rules([REFERENCE])
    configs = [(name, "huawei_vrp", text) for name, (_i, text) in rendered.items()]
    findings = lint_configs(configs, rules, management_addresses(design.hosts))
    return sorted({(f.device, f.rule) for f in findings})


def lint_design(root: Path) -> list[tuple[str, str]]:
    design = load_design(root)
    return lint(design, render(design))


@pytest.mark.parametrize("root", [MINI, REFERENCE], ids=["mini", "reference"])
def test_designs_pass_the_huawei_lint(root: Path) -> None:
    assert lint_design(root) == []


def test_lint_catches_a_weak_management_plane(tmp_path: Path) -> None:
    root = copy_design(MINI, tmp_path / "weak")
    management = root / "topology/management.yaml"
    replace_in(management, "  telnet: false", "  telnet: true")
    replace_in(management, '{ref: "env:GOVNET_TACACS_KEY"}', "tacacs123")
    replace_in(management, '{ref: "env:GOVNET_LOCAL_ADMIN_PASSWORD"}', '"Admin@123"')
    replace_in(management, "  idle_timeout_minutes: 10", "  idle_timeout_minutes: 0")
    replace_in(
        management,
        "  trap_hosts: [10.199.255.41]",
        "  trap_hosts: [10.199.255.41]\n  community: public",
    )
    found = lint_design(root)
    rules = {rule for _device, rule in found}
    assert rules == {"ssh-only", "idle-timeout", "no-clear-text-secrets", "snmpv3-only"}
    assert {device for device, _rule in found} == {"ce-01", "inet-01", "mc-01", "town-a"}


def test_lint_refuses_crypt_hashes_vrp_cannot_read(tmp_path: Path) -> None:
    root = copy_design(MINI, tmp_path / "hashed")
    replace_in(
        root / "topology/management.yaml",
        '{ref: "env:GOVNET_LOCAL_ADMIN_PASSWORD"}',
        '{hash: "$6$salt$' + "a" * 86 + '"}',
    )
    assert {rule for _d, rule in lint_design(root)} == {"vrp-password-form"}


def test_ipv6_management_and_central_services(tmp_path: Path) -> None:
    root = copy_design(MINI, tmp_path / "v6")
    management = root / "topology/management.yaml"
    replace_in(
        management,
        "  # allowed_prefixes defaults to topology/network.yaml management",
        "  allowed_prefixes: [10.99.0.0/16, 2001:db8:99:ffff::/64]",
    )
    replace_in(
        management,
        "  servers: [10.199.255.21, 10.199.255.22]",
        "  servers: [2001:db8:199::21, 2001:db8:199::22]",
    )
    replace_in(
        management, "  servers: [10.199.255.31, 10.199.255.32]", "  servers: [2001:db8:199::31]"
    )
    replace_in(
        management,
        "  tacacs_servers: [10.199.255.11, 10.199.255.12]",
        "  tacacs_servers: [2001:db8:199::11, 10.199.255.12, 10.199.255.13]",
    )
    rendered = render(load_design(root))
    _intent, text = rendered["mc-01"]
    assert (
        "acl ipv6 number 2001\n rule 5 permit source 2001:db8:99:ffff::/64\n rule 4000 deny source any\n"
        in text
    )
    assert " acl 2001 inbound\n acl ipv6 2001 inbound\n" in text
    assert "info-center loghost ipv6 2001:db8:199::21\n" in text
    assert (
        "ntp-service unicast-server ipv6 2001:db8:199::31 authentication-keyid 1 source-interface LoopBack0\n"
        in text
    )
    # VRP keeps a primary and a secondary server per role
    assert (
        " hwtacacs-server authentication 2001:db8:199::11\n hwtacacs-server authentication 10.199.255.12 secondary\n"
        in text
    )
    assert "10.199.255.13" not in text
    # an IPv6 management prefix opens SSH over IPv6, limited by the ACL6
    assert (
        "ssh ipv6 server-source all-interface\nssh server acl 2001\nssh ipv6 server acl 2001\n"
        in text
    )
    assert lint(load_design(root), rendered) == []


# --- delivery: the management path and the merge ---------------------------------------------


def test_ssh_accepts_the_management_interface_and_is_limited_by_the_acl(
    rendered: dict[str, tuple[DeviceIntent, str]],
) -> None:
    """VRP8 accepts SSH on no interface without `ssh server-source`; `-i LoopBack0` would
    reject the inventory's management address (SOURCES.md)."""
    for name, intent, text in each(rendered):
        config = statements(text)
        assert not find(config, r"ssh (?:ipv6 )?server-source -i .*"), name
        assert [s.line for s in find(config, r"ssh server-source .*")] == [
            "ssh server-source all-interface"
        ], name
        assert intent.management is not None
        number = intent.management.acl_number
        assert find(config, rf"ssh server acl {number}") and find(
            config, rf"ssh ipv6 server acl {number}"
        ), name
        vty = find(config, r"user-interface vty 0 4")[0].children
        assert f" acl {number} inbound" in vty and f" acl ipv6 {number} inbound" in vty, name
        # IPv4 management prefixes only: no IPv6 SSH source, and the ACL6 denies everything
        assert not find(config, r"ssh ipv6 server-source .*"), name
        acl6 = find(config, rf"acl ipv6 number {number}")[0].children
        assert acl6 == [" rule 4000 deny source any"], name


def test_merge_renders_the_off_states_explicitly(
    rendered: dict[str, tuple[DeviceIntent, str]],
) -> None:
    """VRP is loaded as a merge: an 'off' left implicit would keep a stale 'on' alive."""
    for name, _intent, text in each(rendered):
        lines = text.splitlines()
        for line in (
            "undo telnet server enable",
            "undo telnet ipv6 server enable",
            "undo snmp-agent sys-info version v1 v2c",
        ):
            assert line in lines, (name, line)
        version = lines.index("snmp-agent sys-info version v3")
        assert lines[version + 1] == "undo snmp-agent sys-info version v1 v2c", name


def test_secret_fields_take_plain_references(
    rendered: dict[str, tuple[DeviceIntent, str]],
) -> None:
    for name, _intent, text in each(rendered):
        references = re.findall(r"%SECRET\(([^)%]*)\)%", text)
        assert references and all("|" not in r for r in references), name
