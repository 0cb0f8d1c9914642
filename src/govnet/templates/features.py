"""The per-platform feature matrix (``templates/features.yaml``) and what each intent needs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from govnet.inventory.platforms import Platform
from govnet.templates.intent import DeviceIntent
from govnet.yamlio import read_yaml

FEATURES_FILE = "features.yaml"


@dataclass(frozen=True)
class Features:
    matrix: dict[str, dict[str, bool]]  # feature -> platform -> supported

    def of(self, platform: str) -> dict[str, bool]:
        return {feature: bool(row.get(platform, False)) for feature, row in self.matrix.items()}


def load_features(template_dirs: list[Path]) -> Features:
    """The first features.yaml found in the template folders (design first, then reference)."""
    for directory in template_dirs:
        path = directory / FEATURES_FILE
        if path.is_file():
            doc = read_yaml(path, f"templates/{FEATURES_FILE}")
            data = doc.data.get("features", {}) if isinstance(doc.data, dict) else {}
            platforms = {p.value for p in Platform}
            matrix: dict[str, dict[str, bool]] = {}
            for feature, row in data.items():
                if (
                    not isinstance(row, dict)
                    or set(row) - platforms
                    or not all(isinstance(v, bool) for v in row.values())
                ):
                    raise ValueError(
                        f"templates/{FEATURES_FILE}: {feature}: expected {{platform: true|false}} "
                        f"for platforms {', '.join(sorted(platforms))}"
                    )
                matrix[str(feature)] = {str(k): bool(v) for k, v in row.items()}
            return Features(matrix)
    raise FileNotFoundError(f"no templates/{FEATURES_FILE} in {', '.join(map(str, template_dirs))}")


def required_features(intent: DeviceIntent) -> Iterator[tuple[str, str]]:
    """(feature, why) for everything the intent asks of its platform."""
    if intent.isis is not None:
        yield "isis", "IS-IS backbone"
        if intent.isis.ipv6_topology:
            yield "isis_ipv6_topology", "IPv6 multi-topology"
        if intent.isis.srv6_locator:
            yield "srv6_isis_locator", "SRv6 locator in IS-IS"
        if intent.isis.bfd:
            yield "bfd", "BFD for IS-IS"
    if intent.mpls_ldp:
        yield "mpls_ldp", f"transport {intent.transport}"
    if intent.srv6 is not None:
        yield "srv6_locator", f"transport {intent.transport}"
    if intent.bgp is not None:
        if intent.bgp.route_reflector:
            yield "bgp_route_reflector", "metro core role"
        families = {f for n in intent.bgp.neighbors for f in n.families}
        if "vpnv4" in families:
            yield "bgp_vpnv4", "L3VPN"
        if "vpnv6" in families:
            yield "bgp_vpnv6", "L3VPN"
        if any(n.srv6 for n in intent.bgp.neighbors):
            yield "bgp_srv6_vpn", "L3VPN over SRv6"
        if any(n.remote_as != intent.bgp.asn for n in intent.bgp.neighbors):
            yield "ebgp", "uplinks and PE-CE"
    if intent.vrfs:
        yield "vrf", "VPN instances"
    if any(i.kind == "subinterface" for i in intent.interfaces):
        yield "dot1q_subinterface", "PE-CE attachments"
    m = intent.management
    if m is None:
        return
    yield "ssh", "remote management"
    yield "ssh_management_path", "the push reaches the inventory's management address"
    secrets = [m.tacacs_key, m.ntp_key, m.snmp_community, *(u.password for u in m.local_users)]
    secrets += [key for _name, auth, priv in m.snmp_users for key in (auth, priv)]
    if any(s is not None and s.kind == "ref" for s in secrets):
        yield "secret_forms", "secrets resolved at push time"
    if m.telnet:
        yield "telnet", "telnet: true in topology/management.yaml"
    if m.allowed_prefixes:
        yield "management_acl", "remote_access.allowed_prefixes"
    if m.tacacs_servers:
        yield "tacacs", "aaa.tacacs_servers"
    if m.local_users:
        yield "local_users", "aaa.local_users"
    yield "login_lockout", "login.max_failures"
    if m.idle_timeout_minutes:
        yield "idle_timeout", "login.idle_timeout_minutes"
    if m.syslog_servers:
        yield "syslog", "syslog.servers"
    if m.ntp_servers:
        yield "ntp_authentication", "ntp.keys"
    if m.snmp_users:
        yield "snmpv3", "snmp.users"
    if m.snmp_community is not None:
        yield "snmp_community", "snmp.community"
    if m.banner:
        yield "banner", "banner"
