"""Where VPNs meet devices: PE-CE attachments and the PEs each VPN is instantiated on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from govnet.inventory.models import Host
from govnet.inventory.roles import ROLES, Role
from govnet.topology.models import Link, Vpn

# Roles that never hold a VPN instance: the route reflectors and WAN cores stay P routers.
PE_EXCLUDED = frozenset({Role.METRO_CORE, Role.CITY_WAN_CORE, Role.PROVINCE_WAN_CORE, Role.ACCESS})


@dataclass(frozen=True)
class Attachment:
    """One VPN on one PE-CE link: a dot1q sub-interface (VLAN = VPN id) at both ends."""

    link_key: str
    vpn: str
    vlan: int
    pe: str
    pe_interface: str
    ce: str
    ce_interface: str

    @property
    def key(self) -> str:
        """Allocation key of the sub-interface's /31 and /127."""
        return f"{self.link_key}.{self.vlan}"


def vpn_sites(vpn: Vpn, all_sites: Iterable[str]) -> set[str]:
    return set(all_sites) if vpn.sites == "all" else set(vpn.sites)


def attachments(
    hosts: Mapping[str, Host], links: Iterable[Link], vpns: Iterable[Vpn]
) -> list[Attachment]:
    """Every (CE link, VPN of the CE's site) pair, in link order then VPN id."""
    vpn_list = sorted(vpns, key=lambda v: v.id)
    sites = {h.site for h in hosts.values()}
    members = {v.name: vpn_sites(v, sites) for v in vpn_list}
    result: list[Attachment] = []
    for link in links:
        a, b = hosts.get(link.a.device), hosts.get(link.b.device)
        if a is None or b is None:
            continue
        if b.role is Role.BUREAU_CE and ROLES[a.role].backbone:
            pe, ce, pe_if, ce_if = a, b, link.a.interface, link.b.interface
        elif a.role is Role.BUREAU_CE and ROLES[b.role].backbone:
            pe, ce, pe_if, ce_if = b, a, link.b.interface, link.a.interface
        else:
            continue
        for vpn in vpn_list:
            if ce.site in members[vpn.name]:
                result.append(
                    Attachment(link.key, vpn.name, vpn.id, pe.name, pe_if, ce.name, ce_if)
                )
    return result


def pe_devices(vpn: Vpn, hosts: Mapping[str, Host], attached: Iterable[Attachment]) -> set[str]:
    """PEs that carry a VPN: backbone devices at its sites (except the RRs, which stay out of
    the forwarding path) and the PEs of its CE attachments."""
    sites = vpn_sites(vpn, {h.site for h in hosts.values()})
    pes = {
        h.name
        for h in hosts.values()
        if h.site in sites and ROLES[h.role].backbone and h.role not in PE_EXCLUDED
    }
    pes |= {a.pe for a in attached if a.vpn == vpn.name}
    return pes
