"""Departments' legacy networks (``legacy:`` in ``topology/services.yaml``) as the extranet
routes them: each legacy site's prefixes in the department's VPN, reached through the site's
legacy router once the site is switched (``switched: true``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from govnet.design import Design, user_subnet_key
from govnet.topology.addressing import PoolKind
from govnet.topology.models import Department, LegacyNetwork, LegacySite, Vpn, Zone


@dataclass(frozen=True)
class LegacyRoute:
    """One legacy prefix routed in a VPN to a site's legacy router."""

    site: str
    vpn: Vpn
    prefix: ipaddress.IPv4Network
    next_hop: str


def department_vpn(design: Design, department: str) -> Vpn | None:
    """The department's private-zone VPN (the design's semantics allow one with a legacy
    network)."""
    return next(
        (v for v in design.vpns if v.zone is Zone.PRIVATE and v.department == department), None
    )


def legacy_networks(design: Design) -> Iterator[tuple[Department, LegacyNetwork, Vpn]]:
    for department in design.departments.values():
        vpn = department_vpn(design, department.name)
        if department.legacy is not None and vpn is not None:
            yield department, department.legacy, vpn


def legacy_router(design: Design, site: str, vpn: Vpn) -> str | None:
    """The site's legacy router on the VPN's user subnet: its last host address."""
    subnet = design.addressing.get(PoolKind.USER_IPV4, user_subnet_key(site, vpn.name))
    if subnet is None:
        return None
    network = ipaddress.ip_network(str(subnet))
    return str(network.broadcast_address - 1)


def site_routes(design: Design, site: LegacySite, vpn: Vpn) -> list[LegacyRoute]:
    router = legacy_router(design, site.site, vpn)
    if router is None:
        return []
    return [LegacyRoute(site.site, vpn, prefix, router) for prefix in site.prefixes]


def legacy_prefixes(design: Design, site: str, vpn: str) -> list[ipaddress.IPv4Network]:
    """The legacy prefixes a site's users keep in a VPN (whether switched yet or not): what
    the PE-CE filters accept from the site's CE."""
    return [
        prefix
        for _department, legacy, target in legacy_networks(design)
        if target.name == vpn
        for s in legacy.sites
        if s.site == site
        for prefix in s.prefixes
    ]


def switched_routes(design: Design, site: str) -> list[LegacyRoute]:
    """The legacy routes of a site that is switched: the VRF routes them to its legacy
    router."""
    return [
        route
        for _department, legacy, vpn in legacy_networks(design)
        for s in legacy.sites
        if s.site == site and s.switched
        for route in site_routes(design, s, vpn)
    ]
