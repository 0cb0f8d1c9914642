"""What each device role is in the extranet: its layer, what it runs, whom it may attach to.

This table is the one place that knows the hierarchy of the e-government extranet
(province WAN core → city WAN core → metro core → DCs / aggregation → towns → access / CEs).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PROVINCE_WAN_CORE = "province_wan_core"
    CITY_WAN_CORE = "city_wan_core"
    METRO_CORE = "metro_core"
    CLOUD_DC_GW = "cloud_dc_gw"
    DR_DC_GW = "dr_dc_gw"
    INTERNET_EGRESS = "internet_egress"
    AGGREGATION = "aggregation"
    TOWN = "town"
    ACCESS = "access"
    BUREAU_CE = "bureau_ce"
    ISP = "isp"


class Layer(StrEnum):
    PROVINCE = "province"
    WAN = "wan"
    CORE = "core"
    DC = "dc"
    AGGREGATION = "aggregation"
    TOWN = "town"
    ACCESS = "access"
    CE = "ce"
    EXTERNAL = "external"


class SiteKind(StrEnum):
    PROVINCE = "province"
    CORE = "core"
    CLOUD_DC = "cloud_dc"
    DR_DC = "dr_dc"
    INTERNET_EGRESS = "internet_egress"
    AGGREGATION = "aggregation"
    TOWN = "town"
    STREET = "street"
    PARK = "park"
    ACCESS = "access"
    BUREAU = "bureau"
    EXTERNAL = "external"


# Layers from the top of the hierarchy down; drawings and tables follow this order.
LAYER_ORDER: tuple[Layer, ...] = tuple(Layer)

TOWN_SITE_KINDS = frozenset({SiteKind.TOWN, SiteKind.STREET, SiteKind.PARK})


@dataclass(frozen=True)
class RoleInfo:
    layer: Layer
    title: str
    site_kinds: frozenset[SiteKind]
    neighbours: frozenset[Role]
    backbone: bool  # runs IS-IS, BGP and the VPN transport (a P or PE router)
    srv6: bool  # gets an SRv6 locator
    route_reflector: bool = False


def _roles(*names: str) -> frozenset[Role]:
    return frozenset(Role(n) for n in names)


def _kinds(*names: str) -> frozenset[SiteKind]:
    return frozenset(SiteKind(n) for n in names)


ROLES: dict[Role, RoleInfo] = {
    Role.PROVINCE_WAN_CORE: RoleInfo(
        Layer.PROVINCE,
        "province WAN core",
        _kinds("province", "core"),
        _roles("province_wan_core", "city_wan_core"),
        backbone=True,
        srv6=True,
    ),
    Role.CITY_WAN_CORE: RoleInfo(
        Layer.WAN,
        "city WAN core",
        _kinds("core"),
        _roles(
            "province_wan_core",
            "city_wan_core",
            "metro_core",
            "cloud_dc_gw",
            "dr_dc_gw",
            "internet_egress",
        ),
        backbone=True,
        srv6=True,
    ),
    Role.METRO_CORE: RoleInfo(
        Layer.CORE,
        "metro core (route reflector)",
        _kinds("core"),
        _roles(
            "city_wan_core",
            "metro_core",
            "cloud_dc_gw",
            "dr_dc_gw",
            "internet_egress",
            "aggregation",
            "town",
            "bureau_ce",
        ),
        backbone=True,
        srv6=True,
        route_reflector=True,
    ),
    Role.CLOUD_DC_GW: RoleInfo(
        Layer.DC,
        "government cloud DC gateway",
        _kinds("cloud_dc"),
        _roles("city_wan_core", "metro_core", "cloud_dc_gw"),
        backbone=True,
        srv6=True,
    ),
    Role.DR_DC_GW: RoleInfo(
        Layer.DC,
        "disaster-recovery DC gateway",
        _kinds("dr_dc"),
        _roles("city_wan_core", "metro_core", "dr_dc_gw"),
        backbone=True,
        srv6=True,
    ),
    Role.INTERNET_EGRESS: RoleInfo(
        Layer.DC,
        "Internet egress",
        _kinds("internet_egress"),
        _roles("city_wan_core", "metro_core", "internet_egress", "isp"),
        backbone=True,
        srv6=True,
    ),
    Role.AGGREGATION: RoleInfo(
        Layer.AGGREGATION,
        "aggregation",
        _kinds("aggregation", "core"),
        _roles("metro_core", "aggregation", "town", "access", "bureau_ce"),
        backbone=True,
        srv6=True,
    ),
    Role.TOWN: RoleInfo(
        Layer.TOWN,
        "town/street aggregation",
        TOWN_SITE_KINDS,
        _roles("metro_core", "aggregation", "town", "access", "bureau_ce"),
        backbone=True,
        srv6=True,
    ),
    Role.ACCESS: RoleInfo(
        Layer.ACCESS,
        "access",
        _kinds("access", "town", "street", "park"),
        _roles("aggregation", "town", "access"),
        backbone=True,
        srv6=False,
    ),
    Role.BUREAU_CE: RoleInfo(
        Layer.CE,
        "city bureau CE",
        _kinds("bureau"),
        _roles("metro_core", "aggregation", "town"),
        backbone=False,
        srv6=False,
    ),
    Role.ISP: RoleInfo(
        Layer.EXTERNAL,
        "Internet service provider",
        _kinds("external"),
        _roles("internet_egress"),
        backbone=False,
        srv6=False,
    ),
}

# Roles that close a first-level ring, and roles that may sit inside one.
RING_ENDS = {1: _roles("aggregation", "metro_core"), 2: _roles("aggregation", "town")}
RING_MEMBERS = {1: _roles("town"), 2: _roles("access")}
EXTERNAL_ROLES = _roles("province_wan_core", "isp")


def describe_roles(roles: frozenset[Role]) -> str:
    names = sorted(r.value for r in roles)
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def is_srv6_pe(role: Role) -> bool:
    """A PE of the VPN transport that can originate SRv6 VPN routes: an iBGP client of the
    route reflectors with an SRv6 locator (access switches and CEs speak no iBGP)."""
    info = ROLES[role]
    return info.backbone and info.srv6 and not info.route_reflector
