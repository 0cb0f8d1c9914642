"""The per-platform feature matrix (``templates/features.yaml``) and what each intent needs."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from govnet.design import reference_design_path
from govnet.diagnostics import DesignError, Loc, ProblemLog
from govnet.inventory.platforms import Platform
from govnet.templates.intent import DeviceIntent
from govnet.yamlio import YamlSyntaxError, read_yaml

FEATURES_FILE = "features.yaml"

# What a hardware model may need (features.yaml `models`), with when it applies and the warning
# `govnet render` prints for it: (applies to the intent?, note).
MODEL_NEEDS: dict[str, tuple[Callable[[DeviceIntent], bool], str]] = {
    # IOS-XR on NCS 5500/5700: base-format SRv6 locators need the hardware profile
    "srv6_hw_profile_base": (
        lambda intent: intent.srv6 is not None,
        "renders 'hw-module profile segment-routing srv6 mode base': it takes effect only "
        "after a reload of the router, which govnet push does not do (templates/README.md)",
    ),
}


@dataclass(frozen=True)
class Features:
    matrix: dict[str, dict[str, bool]]  # feature -> platform -> supported
    # platform -> model-name start (upper case) -> needs (MODEL_NEEDS keys)
    models: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def of(self, platform: str) -> dict[str, bool]:
        return {feature: bool(row.get(platform, False)) for feature, row in self.matrix.items()}

    def model_needs(self, platform: str, model: str) -> list[str]:
        """What the model needs (the longest matching model-name start), whether used or not."""
        starts = [s for s in self.models.get(platform, {}) if model.upper().startswith(s)]
        return list(self.models[platform][max(starts, key=len)]) if starts else []

    def needs_of(self, intent: DeviceIntent) -> list[str]:
        """The model's needs that apply to what this device renders."""
        return [
            need
            for need in self.model_needs(intent.platform, intent.model)
            if MODEL_NEEDS[need][0](intent)
        ]


def load_features(template_dirs: list[Path]) -> Features:
    """The first features.yaml found in the template folders (design first, then reference).

    Every problem is a :class:`Problem` with its line; a design's own matrix may only name the
    features the reference's matrix names (a typo'd feature would otherwise disable nothing).
    """
    paths = [d / FEATURES_FILE for d in template_dirs if (d / FEATURES_FILE).is_file()]
    if not paths:
        raise FileNotFoundError(
            f"no templates/{FEATURES_FILE} in {', '.join(map(str, template_dirs))}"
        )
    name = f"templates/{FEATURES_FILE}"
    try:
        doc = read_yaml(paths[0], name)
    except YamlSyntaxError as error:
        raise DesignError([error.problem]) from None
    known = _reference_features() if paths[0] != _reference_features_path() else None
    log = ProblemLog()
    features = _parse_features(doc.data, known, log)
    if log.errors:
        raise DesignError([doc.locate(problem) for problem in log.problems])
    return features


def _reference_features_path() -> Path:
    return reference_design_path() / "templates" / FEATURES_FILE


def _reference_features() -> set[str]:
    data = read_yaml(_reference_features_path(), FEATURES_FILE).data
    return set(data.get("features", {})) if isinstance(data, dict) else set()


def _parse_features(data: object, known: set[str] | None, log: ProblemLog) -> Features:
    name = f"templates/{FEATURES_FILE}"
    platforms = sorted(p.value for p in Platform)
    if not isinstance(data, dict):
        log.error(name, (), "expected a mapping with the keys features, models")
        return Features({})
    for key in set(data) - {"features", "models"}:
        log.error(name, (str(key),), "unknown section (expected one of: features, models)")
    rows = data.get("features") or {}
    matrix: dict[str, dict[str, bool]] = {}
    if not isinstance(rows, dict):
        log.error(name, ("features",), "expected a mapping of feature -> {platform: true|false}")
        rows = {}
    for feature, row in rows.items():
        loc: Loc = ("features", str(feature))
        if known is not None and feature not in known:
            close = difflib.get_close_matches(str(feature), sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            log.error(name, loc, f"unknown feature (the reference's {name} has no such row){hint}")
            continue
        if not isinstance(row, dict):
            log.error(name, loc, f"expected {{platform: true|false}} for {', '.join(platforms)}")
            continue
        for platform, supported in row.items():
            if platform not in platforms:
                log.error(
                    name,
                    (*loc, str(platform)),
                    f"unknown platform (expected one of: {', '.join(platforms)})",
                )
            elif not isinstance(supported, bool):
                log.error(
                    name, (*loc, str(platform)), f"expected true or false (got {supported!r})"
                )
        matrix[str(feature)] = {str(k): v is True for k, v in row.items()}
    return Features(matrix, _models(data.get("models") or {}, set(platforms), log))


def _models(data: object, platforms: set[str], log: ProblemLog) -> dict[str, dict[str, list[str]]]:
    name = f"templates/{FEATURES_FILE}"
    result: dict[str, dict[str, list[str]]] = {}
    if not isinstance(data, dict):
        log.error(name, ("models",), "expected {platform: {model start: [need, ...]}}")
        return result
    for platform, table in data.items():
        loc: Loc = ("models", str(platform))
        if platform not in platforms:
            log.error(
                name, loc, f"unknown platform (expected one of: {', '.join(sorted(platforms))})"
            )
            continue
        if not isinstance(table, dict):
            log.error(name, loc, "expected {model start: [need, ...]}")
            continue
        result[str(platform)] = {}
        for start, needs in table.items():
            if not isinstance(needs, list) or not all(n in MODEL_NEEDS for n in needs):
                log.error(
                    name,
                    (*loc, str(start)),
                    f"expected a list of {', '.join(sorted(MODEL_NEEDS))} (got {needs!r})",
                )
                continue
            result[str(platform)][str(start).upper()] = [str(n) for n in needs]
    return result


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
        if intent.isis is not None and intent.isis.ldp_sync:
            yield "ldp_igp_sync", "LDP-IGP synchronisation on the LDP links"
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
        if any(n.pe_ce for n in intent.bgp.neighbors):
            yield "pe_ce_policy", "PE-CE route policies and prefix limits"
    if intent.vrfs:
        yield "vrf", "VPN instances"
    if any(i.kind == "subinterface" for i in intent.interfaces):
        yield "dot1q_subinterface", "PE-CE attachments"
    if intent.static_routes:
        yield "static_routes", "in-band management of the bureau CEs"
    if intent.vrf_static_routes:
        yield "vrf_static_routes", "legacy prefixes of a department cut over (govnet cutover)"
    if intent.isis is not None and intent.isis.import_static is not None:
        yield "isis_static_import", "the CEs' management host routes into IS-IS"
    if intent.management_address is not None:
        yield "inband_management", "a bureau CE managed in-band at its inventory address"
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
