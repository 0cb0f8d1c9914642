"""Shaping one intent per device from the design and its graph (pure functions).

Decisions made here, once for every platform:
- IS-IS level 2, wide metrics, IPv6 multi-topology, BFD on backbone links, passive loopback;
  the NET is the design's area plus a system id spelled from the IPv4 loopback.
- iBGP: the metro core routers are route reflectors (one cluster id), every other PE is a
  client of both. Transport ``mpls`` uses IPv4 sessions for VPNv4/VPNv6 (6VPE); ``srv6`` uses
  IPv6 sessions with the prefix-SID; ``dual`` runs both side by side (the migration state).
- VPN instances on the PEs of their sites. RD = router-id:VPN id. RT = ASN:VPN id, plus the
  shared-services hub/spoke pair for departments that ask for shared services.
- PE-CE: one dot1q sub-interface per VPN (VLAN = VPN id) and eBGP per VRF; each CE has its
  own 4-byte private ASN derived from its loopback. Every PE-CE session carries a route policy
  each way and a prefix limit (`services.yaml` `pe_ce`): the PE accepts from a CE only the user
  prefixes of the CE's site in that VPN (the IPv4 /24 exactly; the site's IPv6 unit and its
  /64 subnets) and sends the whole VRF; the CE sends only those prefixes and accepts the VRF.
- LDP-IGP synchronisation on every LDP link: IS-IS holds a link at its maximum cost until LDP
  is up on it (for as long as LDP is down with transport mpls, `LDP_SYNC_HOLD_MAX_COST_S` with
  dual, where the IGP also carries SRv6).
- In-band CE management (a bureau has no out-of-band network): the CE's inventory address on
  its management loopback in the global table, static routes to the management prefixes via
  each PE over the untagged parent link, and on each PE a static host route back to it,
  advertised into IS-IS by a policy that admits only host routes of the management pool.
- Platforms loaded by merge (VRP): each device's intent also says what it must remove to reach
  this transport state from any other state of the MPLS -> SRv6 evolution
  (``DeviceIntent.removals``, :mod:`govnet.templates.transport_removals`), from this design's
  state alone.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

import networkx as nx

from govnet.design import Design, user_subnet_key
from govnet.inventory.models import Host
from govnet.inventory.platforms import PLATFORMS, Platform
from govnet.inventory.roles import ROLES, Role, is_srv6_pe
from govnet.ipv6.plan import SUBNET_LENGTH
from govnet.ipv6.state import carries_ipv4, carries_ipv6, site_states
from govnet.templates.intent import (
    BgpIntent,
    BgpNeighbor,
    DeviceIntent,
    InterfaceIntent,
    IsisIntent,
    IsisInterface,
    LocalUserIntent,
    ManagementIntent,
    PasswordPolicyIntent,
    PeCeSession,
    PrefixLimitIntent,
    PrefixMatch,
    SecretValue,
    SrIntent,
    StaticImport,
    StaticRoute,
    VrfIntent,
    VrfStaticRoute,
)
from govnet.templates.lab_profile import lab_profile
from govnet.templates.transport_removals import evolution_states, transport_removals
from govnet.topology.addressing import PoolKind
from govnet.topology.legacy import legacy_prefixes, switched_routes
from govnet.topology.models import (
    SRV6_PREFERRED_ALL,
    SRV6_PREFERRED_NONE,
    PasswordHash,
    PrefixLimit,
    PrefixLimitAction,
    SecretRef,
    Transport,
    Vpn,
    Zone,
)
from govnet.topology.services import attachments, pe_devices, vpn_sites

ISIS_INSTANCE = "GOVNET"
SRV6_LOCATOR = "GOVNET"
MGMT_ACL = "GOVNET-MGMT"
MGMT_ACL_NUMBER = 2001
CE_MGMT_POLICY = "GOVNET-CE-MGMT"
BACKBONE_MTU = 9000
SRV6_STATIC_FUNCTION_BITS = 16
# Shared services: the hub (public-zone VRF in the DCs) exports HUB, departments export SPOKE.
SHARED_HUB_RT_ID = 1
SHARED_SPOKE_RT_ID = 2
CE_ASN_BASE = 4_200_000_000
# dual transport: one MPLS and one SRv6 path per VPN route (RD = router-id:VPN id, so each
# egress PE's route is its own prefix)
ADD_PATH_PATHS = 2
# dual transport: local preference of the SRv6 sessions' VPN routes on the PEs (default 100)
SRV6_LOCAL_PREFERENCE = 200
# dual transport: seconds IS-IS keeps an LDP link at its maximum cost while LDP is down on it;
# the IGP also carries SRv6 there, and Huawei advises an interval over `infinite` for an IGP that
# carries more than LDP (huawei_vrp/SOURCES.md, "LDP-IGP synchronisation")
LDP_SYNC_HOLD_MAX_COST_S = 60
# PE-CE policy names: GOVNET-PECE-<VPN>-<other end>-<4|6>-<IN|OUT>
PE_CE_POLICY_PREFIX = "GOVNET-PECE"
BGP_EXCLUDED = frozenset({Role.ACCESS, Role.BUREAU_CE})
SHARED_HUB_ROLES = frozenset({Role.CLOUD_DC_GW, Role.DR_DC_GW})


def system_id(router_id: str) -> str:
    """10.200.0.5 -> 0102.0000.0005 (each octet as three digits, regrouped by four)."""
    digits = "".join(f"{int(octet):03d}" for octet in router_id.split("."))
    return ".".join(digits[i : i + 4] for i in range(0, 12, 4))


def ce_asn(router_id: str) -> int:
    return CE_ASN_BASE + (int(ipaddress.IPv4Address(router_id)) & 0xFFFFFF)


def secret(value: SecretRef | PasswordHash | str | None) -> SecretValue | None:
    if value is None:
        return None
    if isinstance(value, SecretRef):
        return SecretValue(kind="ref", value=value.ref)
    if isinstance(value, PasswordHash):
        return SecretValue(kind="hash", value=value.hash)
    return SecretValue(kind="clear", value=value)


def natural_key(name: str) -> tuple[Any, ...]:
    """GE3/0/2 before GE3/0/10; a parent interface before its sub-interfaces."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _host_in(prefix: str, index: int) -> str:
    network = ipaddress.ip_network(prefix)
    return f"{network.network_address + index}/{network.prefixlen}"


def _address(prefix: str | None) -> str | None:
    return prefix.split("/")[0] if prefix else None


def prefix_limit(limit: PrefixLimit) -> PrefixLimitIntent:
    return PrefixLimitIntent(
        maximum=limit.maximum,
        threshold_percent=limit.threshold_percent,
        action=limit.action.value,
        restart_minutes=limit.restart_minutes
        if limit.action is PrefixLimitAction.RESTART
        else None,
    )


class IntentBuilder:
    """Builds every device's intent from one design and its graph."""

    def __init__(
        self,
        design: Design,
        graph: nx.MultiGraph,
        lab: bool = False,
        as_of: date | None = None,
        merge_removals: bool = True,
    ) -> None:
        self.design = design
        self.graph = graph
        self.lab = lab
        self.as_of = as_of
        # the removals of the platforms loaded by merge (off in the builders of the other states)
        self.merge_removals = merge_removals
        self._other_states: list[IntentBuilder] | None = None
        self.transport = design.network.transport
        self.asn = design.network.asn
        self.attachments = attachments(design.hosts, design.links, design.vpns)
        self.vpn_pes = {v.name: pe_devices(v, design.hosts, self.attachments) for v in design.vpns}
        self.rrs = sorted(h.name for h in design.route_reflectors)
        self.speakers = sorted(
            h.name
            for h in design.hosts.values()
            if ROLES[h.role].backbone and h.role not in BGP_EXCLUDED
        )
        self.cluster_id = self.router_id(self.rrs[0]) if self.rrs else None
        self.states = site_states(design.waves, design.sites, as_of)

    # --- small lookups ---------------------------------------------------------------------

    def platform(self, host: Host) -> Platform:
        return Platform.FRR if self.lab else host.platform

    def router_id(self, device: str) -> str:
        loopback = self.graph.nodes[device]["loopback_ipv4"]
        return str(loopback).split("/")[0]

    def loopback6(self, device: str) -> str:
        return str(self.graph.nodes[device]["loopback_ipv6"]).split("/")[0]

    def interface_name(self, device: str, name: str) -> str:
        if not self.lab:
            return name
        return self.lab_names(device)[name]

    def lab_names(self, device: str) -> dict[str, str]:
        """FRR in the lab: ethN in the order of the device's link keys (deterministic)."""
        ends = sorted(
            (key, data["interfaces"][device])
            for _, _, key, data in self.graph.edges(device, keys=True, data=True)
            if device in data["interfaces"]
        )
        return {interface: f"eth{i + 1}" for i, (_, interface) in enumerate(ends)}

    # --- the parts of an intent ------------------------------------------------------------

    def management(self, host: Host) -> ManagementIntent | None:
        if self.lab:
            return None
        m = self.design.management
        allowed = m.remote_access.allowed_prefixes
        prefixes = self.design.network.management if allowed is None else allowed
        info = PLATFORMS[host.platform]
        usable = info.ntp_algorithms
        ntp_key = next((k for k in m.ntp.keys if k.algorithm in usable), None)
        return ManagementIntent(
            banner=m.banner.strip(),
            telnet=m.remote_access.telnet,
            http=m.remote_access.http,
            acl_name=MGMT_ACL,
            acl_number=MGMT_ACL_NUMBER,
            allowed_prefixes=[str(p) for p in prefixes],
            address=str(host.hostname),
            # a CE's LoopBack0 is in no routing table the NOC reaches: its own management
            # traffic (AAA, syslog, NTP, SNMP) leaves from the in-band management address
            source_interface=info.management_loopback
            if host.role is Role.BUREAU_CE
            else info.loopback,
            tacacs_servers=[str(s) for s in m.aaa.tacacs_servers],
            tacacs_key=secret(m.aaa.tacacs_key),
            local_users=[
                LocalUserIntent(name=u.name, role=u.role, password=secret(u.password))
                for u in m.aaa.local_users
            ],
            max_failures=m.login.max_failures,
            lockout_minutes=m.login.lockout_minutes,
            idle_timeout_minutes=m.login.idle_timeout_minutes,
            passwords=PasswordPolicyIntent(**m.passwords.model_dump()),
            syslog_servers=[str(s) for s in m.syslog.servers],
            ntp_servers=[str(s) for s in m.ntp.servers],
            ntp_key_id=ntp_key.id if ntp_key else 0,
            ntp_algorithm=ntp_key.algorithm if ntp_key else None,
            ntp_key=secret(ntp_key.key) if ntp_key else None,
            snmp_users=[(u.name, secret(u.auth_key), secret(u.priv_key)) for u in m.snmp.users],
            snmp_trap_hosts=[str(h) for h in m.snmp.trap_hosts],
            snmp_community=secret(m.snmp.community),
        )

    def interfaces(self, host: Host, isis: bool) -> list[InterfaceIntent]:
        name = host.name
        mpls = (
            isis
            and self.transport in (Transport.MPLS, Transport.DUAL)
            and ROLES[host.role].backbone
        )
        node = self.graph.nodes[name]
        result = [
            InterfaceIntent(
                name=PLATFORMS[self.platform(host)].loopback,
                description="router id, BGP and management source",
                kind="loopback",
                ipv4=node["loopback_ipv4"],
                ipv6=node["loopback_ipv6"],
                mtu=None,
                isis=IsisInterface(metric=0, point_to_point=False, passive=True, bfd=False)
                if isis
                else None,
            )
        ]
        internet_vrf = self.internet_vrf(name)
        for _, peer, link_key, data in sorted(
            self.graph.edges(name, keys=True, data=True), key=lambda e: e[2]
        ):
            if name not in data["interfaces"]:
                continue
            peer_if = data["interfaces"].get(peer, "")
            # commas, not pipes: vtysh reads "|" as an output pipe when it boots a config
            ring = f", ring {data['ring']}" if data["ring"] else ""
            speed = (
                f"{data['capacity_mbps'] // 1000}G"
                if data["capacity_mbps"] >= 1000
                else f"{data['capacity_mbps']}M"
            )
            description = f"to {peer} {peer_if}".rstrip() + f"{ring}, {speed}"
            backbone_link = data["kind"] in ("ring", "backbone") and isis
            peer_role = self.graph.nodes[peer]["role"]
            vrf = internet_vrf if data["kind"] == "uplink" and peer_role == Role.ISP.value else None
            result.append(
                InterfaceIntent(
                    name=self.interface_name(name, data["interfaces"][name]),
                    description=description,
                    kind=data["kind"]
                    if data["kind"] in ("ring", "uplink", "attachment")
                    else "core",
                    ipv4=data["ipv4"].get(name),
                    ipv6=data["ipv6"].get(name),
                    mtu=BACKBONE_MTU if backbone_link else None,
                    vrf=vrf,
                    isis=IsisInterface(
                        metric=data["metric"], point_to_point=True, passive=False, bfd=True
                    )
                    if backbone_link
                    else None,
                    mpls_ldp=mpls and backbone_link,
                    peer=peer,
                    link=link_key,
                )
            )
        for att in self.attachments:
            if name not in (att.pe, att.ce):
                continue
            physical = att.pe_interface if name == att.pe else att.ce_interface
            peer = att.ce if name == att.pe else att.pe
            addresses = self.design.addressing
            v4 = addresses.link_addresses(PoolKind.LINK_IPV4, att.key, att.pe, att.ce)
            v6 = addresses.link_addresses(PoolKind.LINK_IPV6, att.key, att.pe, att.ce)
            parent = self.interface_name(name, physical)
            result.append(
                InterfaceIntent(
                    name=f"{parent}.{att.vlan}",
                    description=f"{att.vpn} to {peer}",
                    kind="subinterface",
                    ipv4=v4.get(name),
                    ipv6=v6.get(name),
                    mtu=None,
                    vlan=att.vlan,
                    parent=parent,
                    vrf=att.vpn,
                )
            )
        result += self.lan_interfaces(host)
        return [result[0], *sorted(result[1:], key=lambda i: natural_key(i.name))]

    def lan_interfaces(self, host: Host) -> list[InterfaceIntent]:
        """One dot1q sub-interface per VPN of the site on the LAN port; the site's migration
        state decides which address families it carries."""
        lan = host.data.lan_interface
        if lan is None:
            return []
        design = self.design
        state = self.states.get(host.site, design.waves.baseline)
        peers = sorted(h.name for h in design.hosts_by_site[host.site] if h.data.lan_interface)
        index = peers.index(host.name) + 1  # .1 for the first gateway of the site, .2 …
        parent = "lan0" if self.lab else lan
        sites = {h.site for h in design.hosts.values()}
        result = [
            InterfaceIntent(
                name=parent,
                description=f"LAN of {host.site}: one VLAN per VPN",
                kind="attachment",
                ipv4=None,
                ipv6=None,
                mtu=None,
            )
        ]
        for vpn in sorted(design.vpns, key=lambda v: v.id):
            if host.site not in vpn_sites(vpn, sites):
                continue
            v4 = design.addressing.get(PoolKind.USER_IPV4, user_subnet_key(host.site, vpn.name))
            v6 = design.ipv6_plan.subnet(host.site, vpn.name) if design.ipv6_plan else None
            result.append(
                InterfaceIntent(
                    name=f"{parent}.{vpn.id}",
                    description=f"{vpn.name} users at {host.site} (IPv6 state {state})",
                    kind="subinterface",
                    ipv4=f"{v4.address_text(index)}/{v4.length}"
                    if v4 and carries_ipv4(state)
                    else None,
                    ipv6=_host_in(v6, index) if v6 and carries_ipv6(state) else None,
                    mtu=None,
                    vlan=vpn.id,
                    parent=parent,
                    vrf=vpn.name,
                    user_facing=True,
                )
            )
        return result

    def internet_vrf(self, device: str) -> str | None:
        for vpn in self.design.vpns:
            if vpn.zone is Zone.INTERNET and device in self.vpn_pes[vpn.name]:
                return vpn.name
        return None

    def isis(self, host: Host) -> IsisIntent:
        rid = self.router_id(host.name)
        sysid = system_id(rid)
        igp = self.design.network.igp
        area = igp.area
        srv6 = self.transport in (Transport.SRV6, Transport.DUAL) and ROLES[host.role].srv6
        return IsisIntent(
            instance=ISIS_INSTANCE,
            net=f"{area}.{sysid}.00",
            system_id=sysid,
            area=area,
            ipv6_topology=True,
            bfd=True,
            bfd_interval_ms=igp.bfd_interval_ms,
            bfd_multiplier=igp.bfd_multiplier,
            spf_initial_delay_ms=igp.spf_initial_delay_ms,
            spf_short_delay_ms=igp.spf_short_delay_ms,
            spf_long_delay_ms=igp.spf_long_delay_ms,
            srv6_locator=SRV6_LOCATOR if srv6 else None,
            ldp_sync=self.runs_ldp(host),
            ldp_sync_hold_max_cost_s=LDP_SYNC_HOLD_MAX_COST_S
            if self.transport is Transport.DUAL
            else None,
        )

    def runs_ldp(self, host: Host) -> bool:
        return ROLES[host.role].backbone and self.transport in (Transport.MPLS, Transport.DUAL)

    def srv6(self, host: Host) -> SrIntent | None:
        if self.transport is Transport.MPLS or not ROLES[host.role].srv6:
            return None
        locator = self.graph.nodes[host.name]["srv6_locator"]
        if locator is None:
            return None
        network = ipaddress.IPv6Network(locator)
        return SrIntent(
            locator_name=SRV6_LOCATOR,
            locator_prefix=str(network),
            locator_length=network.prefixlen,
            locator_address=str(network.network_address),
            source_address=self.loopback6(host.name),
            static_function_bits=SRV6_STATIC_FUNCTION_BITS,
        )

    def ibgp_neighbors(self, device: str) -> list[BgpNeighbor]:
        is_rr = device in self.rrs
        peers = [s for s in self.speakers if s != device] if is_rr else self.rrs
        sessions: list[tuple[str, bool]] = []
        if self.transport in (Transport.MPLS, Transport.DUAL):
            sessions.append(("v4", False))
        if self.transport in (Transport.SRV6, Transport.DUAL):
            sessions.append(("v6", True))
        loopback = PLATFORMS[self.platform(self.design.hosts[device])].loopback
        # dual: the documented MPLS -> SRv6 evolution (Huawei NE40E "evolution from BGP L3VPN
        # over MPLS to L3VPN over SRv6"): add-path everywhere, the SRv6 routes preferred on PEs
        # (every PE for every egress: ``all``; per egress PE: the egress raises its own routes)
        knobs = self.design.network.dual
        add_path = knobs is not None and knobs.add_path
        preferred = knobs.srv6_preferred if knobs else SRV6_PREFERRED_NONE
        ingress_prefers = preferred == SRV6_PREFERRED_ALL and not is_rr
        egress_preferred = isinstance(preferred, list) and device in preferred
        neighbors = []
        for peer in peers:
            for family, srv6 in sessions:
                address = self.router_id(peer) if family == "v4" else self.loopback6(peer)
                role = "route reflector" if peer in self.rrs else "client"
                neighbors.append(
                    BgpNeighbor(
                        address=address,
                        remote_as=self.asn,
                        description=f"{peer} ({role}, {'SRv6' if srv6 else 'MPLS'})",
                        update_source=loopback,
                        families=["vpnv4", "vpnv6"],
                        route_reflector_client=is_rr and peer not in self.rrs,
                        srv6=srv6,
                        add_path_send=add_path and is_rr,
                        add_path_receive=add_path,
                        preferred=ingress_prefers and srv6,
                        preferred_export=egress_preferred and srv6,
                    )
                )
        return neighbors

    def ebgp_neighbors(self, host: Host) -> list[BgpNeighbor]:
        neighbors: list[BgpNeighbor] = []
        for up in self.design.uplinks:
            if up.device != host.name:
                continue
            peer = self.design.peers[up.peer]
            vrf = self.internet_vrf(host.name) if peer.role is Role.ISP else None
            for ours, theirs, family in (
                (up.ipv4, up.peer_ipv4, "ipv4_unicast"),
                (up.ipv6, up.peer_ipv6, "ipv6_unicast"),
            ):
                if ours is None or theirs is None:
                    continue
                neighbors.append(
                    BgpNeighbor(
                        address=str(theirs.ip),
                        remote_as=peer.asn,
                        description=f"{peer.name} ({peer.operator or peer.role.value})",
                        update_source=None,
                        families=[family],
                        vrf=vrf,
                        bfd=True,
                    )
                )
        for att in self.attachments:
            if host.name not in (att.pe, att.ce):
                continue
            is_pe = host.name == att.pe
            other = att.ce if is_pe else att.pe
            addresses = self.design.addressing
            v4 = addresses.link_addresses(PoolKind.LINK_IPV4, att.key, att.pe, att.ce)
            v6 = addresses.link_addresses(PoolKind.LINK_IPV6, att.key, att.pe, att.ce)
            remote_as = ce_asn(self.router_id(att.ce)) if is_pe else self.asn
            for table, family in ((v4, "ipv4_unicast"), (v6, "ipv6_unicast")):
                if other not in table:
                    continue
                neighbors.append(
                    BgpNeighbor(
                        address=str(_address(table[other])),
                        remote_as=remote_as,
                        description=f"{other} ({'CE' if is_pe else 'PE'}, {att.vpn})",
                        update_source=None,
                        families=[family],
                        vrf=att.vpn,
                        pe_ce=self.pe_ce_session(is_pe, other, att.ce, att.vpn, family),
                    )
                )
        return neighbors

    def pe_ce_session(self, is_pe: bool, other: str, ce: str, vpn: str, family: str) -> PeCeSession:
        """Both ends filter the CE's routes down to its site's user prefixes in the VPN: the
        PE on import, the CE on export; the PE sends, and the CE accepts, the whole VRF."""
        version = 4 if family == "ipv4_unicast" else 6
        site_prefixes = self.site_user_prefixes(self.design.hosts[ce].site, vpn, version)
        name = f"{PE_CE_POLICY_PREFIX}-{vpn}-{other}-{version}"
        return PeCeSession(
            side="pe" if is_pe else "ce",
            import_policy=f"{name}-IN",
            export_policy=f"{name}-OUT",
            import_prefixes=site_prefixes if is_pe else None,
            export_prefixes=None if is_pe else site_prefixes,
            prefix_limit=prefix_limit(self.pe_ce_limit(vpn, is_pe)),
        )

    def pe_ce_limit(self, vpn: str, is_pe: bool) -> PrefixLimit:
        """The VPN's own limit for that end where it names one, else the design's."""
        own = next(v.pe_ce for v in self.design.vpns if v.name == vpn)
        given = (own.from_ce if is_pe else own.from_pe) if own else None
        return given or (self.design.pe_ce.from_ce if is_pe else self.design.pe_ce.from_pe)

    def site_user_prefixes(self, site: str, vpn: str, version: int) -> list[PrefixMatch]:
        """What the design assigns to a site's users in one VPN: the IPv4 pool's subnet (an
        exact match: the pool hands out exactly one per site and VPN), and the IPv6 plan's unit
        with its /64 subnets (the plan's growth reserve is the site's already; nothing longer
        than a /64, so no host routes)."""
        if version == 4:
            v4 = self.design.addressing.get(PoolKind.USER_IPV4, user_subnet_key(site, vpn))
            legacy = [
                PrefixMatch(prefix=str(p), up_to=p.prefixlen)
                for p in legacy_prefixes(self.design, site, vpn)
            ]
            return ([PrefixMatch(prefix=str(v4), up_to=v4.length)] if v4 else []) + legacy
        plan = self.design.ipv6_plan
        path = plan.units.get((site, vpn)) if plan else None
        if plan is None or path is None:
            return []
        unit = plan.allocations[path]
        return [PrefixMatch(prefix=str(unit), up_to=max(unit.length, SUBNET_LENGTH))]

    def vrf_sids(self, host: Host, vpn: Vpn) -> tuple[str, str]:
        """The VRF's static End.DT4 and End.DT6 SIDs: the locator, then the static function
        bits (right after the locator) holding the VPN id, with the top function bit set for
        End.DT6; deterministic per PE and VPN, and never the End SID (function 0)."""
        locator = ipaddress.IPv6Network(self.graph.nodes[host.name]["srv6_locator"])
        bits = SRV6_STATIC_FUNCTION_BITS
        shift = 128 - locator.prefixlen - bits
        top = 1 << (bits - 1)
        if shift < 0 or not 0 < vpn.id < top:
            raise ValueError(
                f"{host.name}: VPN {vpn.name} (id {vpn.id}) has no static SRv6 function in "
                f"locator {locator}: ids 1 to {top - 1}, locators up to /{128 - bits}"
            )
        base = int(locator.network_address)
        dt4, dt6 = base | (vpn.id << shift), base | ((top | vpn.id) << shift)
        return str(ipaddress.IPv6Address(dt4)), str(ipaddress.IPv6Address(dt6))

    def vrfs(self, host: Host) -> list[VrfIntent]:
        rid = self.router_id(host.name)
        result = []
        for vpn in sorted(self.design.vpns, key=lambda v: v.id):
            on_pe = host.name in self.vpn_pes[vpn.name]
            on_ce = host.role is Role.BUREAU_CE and any(
                a.ce == host.name and a.vpn == vpn.name for a in self.attachments
            )
            if not (on_pe or on_ce):
                continue
            imports, exports = self.route_targets(vpn, host) if on_pe else ([], [])
            srv6 = on_pe and self.transport in (Transport.SRV6, Transport.DUAL)
            sids = self.vrf_sids(host, vpn) if srv6 and self.srv6(host) else (None, None)
            result.append(
                VrfIntent(
                    name=vpn.name,
                    zone=vpn.zone.value,
                    description=vpn.name_zh or vpn.name,
                    id=vpn.id,
                    rd=f"{rid}:{vpn.id}",
                    import_targets=imports,
                    export_targets=exports,
                    ipv4=True,
                    ipv6=True,
                    mpls=on_pe and self.transport in (Transport.MPLS, Transport.DUAL),
                    srv6=srv6,
                    srv6_dt4_sid=sids[0],
                    srv6_dt6_sid=sids[1],
                )
            )
        return result

    def route_targets(self, vpn: Vpn, host: Host) -> tuple[list[str], list[str]]:
        own = f"{self.asn}:{vpn.id}"
        hub, spoke = f"{self.asn}:{SHARED_HUB_RT_ID}", f"{self.asn}:{SHARED_SPOKE_RT_ID}"
        imports, exports = [own, *vpn.extra_import_targets], [own]
        if vpn.zone is Zone.PRIVATE and vpn.shared_services:
            imports.append(hub)
            exports.append(spoke)
        if vpn.zone is Zone.PUBLIC and host.role in SHARED_HUB_ROLES:
            imports.append(spoke)
            exports.append(hub)
        return imports, exports

    # --- in-band management of the bureau CEs -----------------------------------------------

    def management_address(self, device: str) -> str | None:
        """A bureau CE's inventory address as a host prefix (IPv4: `govnet validate` refuses
        another family for a CE)."""
        host = self.design.hosts[device]
        if host.role is not Role.BUREAU_CE or host.hostname.version != 4:
            return None
        return f"{host.hostname}/32"

    def management_prefixes(self) -> list[str]:
        return [str(p) for p in self.design.network.management if p.version == 4]

    def parent_links(self, device: str) -> list[tuple[str, str, str, str, str]]:
        """The untagged PE-CE links ``device`` is an end of: (link key, PE, PE interface, CE,
        CE interface), once per link whatever the number of VPNs on it."""
        links = {
            a.link_key: (a.link_key, a.pe, a.pe_interface, a.ce, a.ce_interface)
            for a in self.attachments
            if device in (a.pe, a.ce)
        }
        return [links[key] for key in sorted(links)]

    def link_address(self, link_key: str, a: str, b: str, device: str) -> str:
        ipv4 = self.graph.edges[a, b, link_key]["ipv4"][device]
        return str(ipv4).split("/")[0]

    def static_routes(self, host: Host) -> list[StaticRoute]:
        """A CE: the management prefixes via each PE. A PE: each CE's management address via
        that CE."""
        routes = []
        for key, pe, pe_if, ce, ce_if in self.parent_links(host.name):
            if host.name == ce:
                if self.management_address(ce) is None:
                    continue
                routes += [
                    StaticRoute(
                        prefix=prefix,
                        next_hop=self.link_address(key, pe, ce, pe),
                        interface=self.interface_name(ce, ce_if),
                        description=f"mgmt via {pe}",
                    )
                    for prefix in self.management_prefixes()
                ]
            else:
                address = self.management_address(ce)
                if address is None:
                    continue
                routes.append(
                    StaticRoute(
                        prefix=address,
                        next_hop=self.link_address(key, pe, ce, ce),
                        interface=self.interface_name(pe, pe_if),
                        description=f"mgmt of {ce}",
                    )
                )
        return routes

    def vrf_static_routes(self, host: Host) -> list[VrfStaticRoute]:
        """A switched legacy site's prefixes, in the VPN, via its legacy router on the site's
        user sub-interface of that VPN (the devices with a LAN port only)."""
        lan = host.data.lan_interface
        if lan is None:
            return []
        parent = "lan0" if self.lab else lan
        return [
            VrfStaticRoute(
                vrf=r.vpn.name,
                prefix=str(r.prefix),
                next_hop=r.next_hop,
                interface=f"{parent}.{r.vpn.id}",
                description=f"legacy {r.site} via its legacy router",
            )
            for r in switched_routes(self.design, host.site)
        ]

    def static_import(self, routes: list[StaticRoute]) -> StaticImport | None:
        pool = self.management_prefixes()
        if not pool or not any(r.prefix.endswith("/32") for r in routes):
            return None
        return StaticImport(policy=CE_MGMT_POLICY, prefixes=pool, length=32)

    # --- the whole device -------------------------------------------------------------------

    def device(self, host: Host) -> DeviceIntent:
        info = ROLES[host.role]
        runs_isis = info.backbone
        speaker = host.name in self.speakers
        neighbors = (self.ibgp_neighbors(host.name) if speaker else []) + self.ebgp_neighbors(host)
        rid = self.router_id(host.name)
        static_routes = self.static_routes(host)
        isis = self.isis(host) if runs_isis else None
        if isis is not None:
            isis = isis.model_copy(update={"import_static": self.static_import(static_routes)})
        management_address = self.management_address(host.name)
        bgp = None
        if neighbors:
            bgp = BgpIntent(
                asn=ce_asn(rid) if host.role is Role.BUREAU_CE else self.asn,
                router_id=rid,
                route_reflector=host.name in self.rrs,
                cluster_id=self.cluster_id if host.name in self.rrs else None,
                neighbors=neighbors,
                add_path_paths=ADD_PATH_PATHS if any(n.add_path_send for n in neighbors) else None,
                srv6_local_preference=SRV6_LOCAL_PREFERENCE
                if any(n.preferred or n.preferred_export for n in neighbors)
                else None,
            )
        intent = DeviceIntent(
            hostname=host.name,
            platform=self.platform(host).value,
            role=host.role.value,
            site=host.site,
            district=host.district,
            model=host.data.model,
            asn=self.asn,
            transport=self.transport.value,
            router_id=rid,
            loopback=PLATFORMS[self.platform(host)].loopback,
            management=self.management(host),
            interfaces=self.interfaces(host, runs_isis),
            isis=isis,
            mpls_ldp=runs_isis and self.transport in (Transport.MPLS, Transport.DUAL),
            srv6=self.srv6(host),
            bgp=bgp,
            vrfs=self.vrfs(host),
            management_address=management_address,
            management_interface=PLATFORMS[self.platform(host)].management_loopback
            if management_address
            else None,
            static_routes=static_routes,
            vrf_static_routes=self.vrf_static_routes(host),
        )
        if self.lab:
            return lab_profile(intent)
        if self.merge_removals and not PLATFORMS[self.platform(host)].config_replace:
            others = [builder.device(host) for builder in self.other_states()]
            intent = intent.model_copy(update={"removals": transport_removals(intent, others)})
        return intent

    def other_states(self) -> list[IntentBuilder]:
        """Builders of the same design in the states of the MPLS -> SRv6 evolution that carry
        every transport feature (what a device loaded by merge may run and must remove)."""
        if self._other_states is None:
            egress = [name for name, h in self.design.hosts.items() if is_srv6_pe(h.role)]
            self._other_states = [
                IntentBuilder(
                    replace(self.design, network=network),
                    self.graph,
                    self.lab,
                    self.as_of,
                    merge_removals=False,
                )
                for network in evolution_states(self.design.network, egress)
            ]
        return self._other_states


def build_intents(
    design: Design,
    graph: nx.MultiGraph,
    hosts: Iterable[str] | None = None,
    lab: bool = False,
    as_of: date | None = None,
) -> dict[str, DeviceIntent]:
    """One intent per device; ``as_of`` renders the IPv6 migration state of a past (or future)
    date instead of every completed wave."""
    builder = IntentBuilder(design, graph, lab, as_of)
    names = sorted(design.hosts) if hosts is None else list(hosts)
    return {name: builder.device(design.hosts[name]) for name in names}
